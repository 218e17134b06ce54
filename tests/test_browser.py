"""What a person sees, in headless Chromium against a real server: a phone, the console, the projector."""

import json
import re
import shutil
import sqlite3

import pytest
from conftest import SocketConsole, SocketPhone

from facilitator import events

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (Debian's, as CI installs it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


class Recorder:
    """Every request a page makes, and every console error or CSP violation it reports."""

    def __init__(self, page):
        """Listen on a page."""
        self.urls, self.errors = [], []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("websocket", lambda socket: self.urls.append(socket.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))

    def foreign(self, origin):
        """Requests that went anywhere but Fireside itself."""
        ws_origin = origin.replace("http://", "ws://")
        return [url for url in self.urls
                if not (url.startswith(origin + "/") or url.startswith(ws_origin + "/") or url.startswith("data:"))]


def _open(browser, url, **context):
    """A new page in its own context (its own localStorage), recording its requests."""
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(10_000)
    recorder = Recorder(page)
    page.goto(url)
    return page, recorder


def _a_phone_at_a_meeting(browser, server):
    """A meeting started by a console over Socket.IO, and a small touch phone that joined it and waits.

    Returns the console, the meeting's code, the phone's page and its recorder.
    """
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    phone, recorder = _open(browser, f"{server.url}/j/{code}", viewport={"width": 320, "height": 640}, is_mobile=True,
                            has_touch=True)
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()
    return console, code, phone, recorder


def _start_on_the_console(browser, server):
    """Open the console in Chromium and start the test deck by clicking; returns page, recorder, code."""
    from playwright.sync_api import expect

    console, recorder = _open(browser, server.url + "/facilitator", viewport={"width": 1366, "height": 768})
    console.click('label[for="deck-test-evening"]')
    console.click("#start-meeting")
    expect(console.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    return console, recorder, console.locator("#join-code").inner_text()


def test_a_phone_joins_from_the_qr_address_answers_and_sees_the_revealed_result(browser, server, tmp_path):
    from playwright.sync_api import expect

    console, console_requests, code = _start_on_the_console(browser, server)
    join_url = console.locator("#join-url").inner_text()
    assert join_url.endswith(f"/j/{code}")

    screen, screen_requests = _open(browser, server.url + "/screen", viewport={"width": 1280, "height": 720})
    expect(screen.locator("#join-code")).to_have_text(code)
    qr = screen.request.get(server.url + "/facilitator/qr.svg")
    assert qr.ok and "<svg" in qr.text()

    # The QR code holds the LAN address; the phone in this test reaches the same path on loopback.
    phone, phone_requests = _open(browser, server.url + join_url[join_url.index("/j/"):], **PHONE)
    expect(phone.locator("#agreements-heading")).to_be_visible()
    expect(phone.locator("#screen-agreements")).to_contain_text("anonymous")
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()

    arrive = console.locator('#agenda li.item[data-kind="choice"]').first.get_attribute("data-item-id")
    console.click(f'#agenda [data-action="push"][data-item-id="{arrive}"]')
    expect(phone.locator("#prompt")).to_have_text("How are you arriving tonight?")
    expect(screen.locator("#item-prompt")).to_have_text("How are you arriving tonight?")
    phone.click('label.option[data-index="2"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    phone.screenshot(path=str(tmp_path / "phone-answered.png"))

    others = [SocketPhone(server.url, code) for _ in range(2)]
    for other, value in zip(others, (2, 0)):
        assert other.call("answer", {"item_id": int(arrive), "value": value})["ok"]
    expect(console.locator('#now-body [data-role="answered-count"]')).to_have_text("3")

    console.click(f'#now-body [data-action="reveal"][data-item-id="{arrive}"]')
    results = phone.locator("#results .fs-results-choice")
    expect(results).to_be_visible()
    expect(results.locator(".fs-bar-count")).to_have_text([re.compile(r"^1\b"), re.compile(r"^0\b"), re.compile(r"^2\b")])
    expect(screen.locator("#item-result .fs-bar-count")).to_have_text([re.compile(r"^1\b"), re.compile(r"^0\b"), re.compile(r"^2\b")])
    phone.screenshot(path=str(tmp_path / "phone-revealed.png"))

    for page_requests in (phone_requests, console_requests, screen_requests):
        assert page_requests.urls, "the page made requests"
        assert page_requests.foreign(server.url) == []
        assert [e for e in page_requests.errors if "Content Security Policy" in e] == []
    for other in others:
        other.close()


def test_a_phone_comes_back_to_its_answer_after_a_reload_and_leave_forgets_it(browser, server):
    from playwright.sync_api import expect

    console, _, code = _start_on_the_console(browser, server)

    phone, _ = _open(browser, f"{server.url}/", **PHONE)
    phone.fill("#code-input", code.lower().replace("-", " "))
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"**/j/{code}")
    phone.wait_for_load_state()
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()
    energy = console.locator('#agenda li.item[data-kind="scale"]').first.get_attribute("data-item-id")
    console.click(f'#agenda [data-action="push"][data-item-id="{energy}"]')
    phone.click('.seg label[data-value="7"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")

    phone.reload()
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    assert phone.evaluate(f"localStorage.getItem('fireside:{code}')")

    phone.click("#leave-btn")
    phone.click("#confirm-yes")
    expect(phone.locator("#screen-agreements")).to_be_visible()
    assert phone.evaluate(f"localStorage.getItem('fireside:{code}')") is None


def test_leave_leaves_nothing_in_the_phones_storage(browser, server):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    first = console.start()["meeting"]["code"]
    phone, _ = _open(browser, f"{server.url}/j/{first}", **PHONE)
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()
    phone.goto("about:blank")  # he closed the page before the end: his phone never heard `ended`
    console.do(events.END_MEETING)
    second = console.start()["meeting"]["code"]
    console.push("arrive")

    phone.goto(f"{server.url}/j/{second}")
    phone.click("#join-btn")
    expect(phone.locator("#prompt")).to_have_text("How are you arriving tonight?")
    phone.click('label.option[data-index="1"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    assert phone.evaluate(f"localStorage.getItem('fireside:{second}')")

    phone.click("#leave-btn")
    phone.click("#confirm-yes")
    expect(phone.locator("#screen-agreements")).to_be_visible()
    kept = phone.evaluate("[Object.keys(localStorage), Object.keys(sessionStorage)]")
    assert kept == [[], []]
    console.close()


def test_a_wrong_code_gets_a_page_that_says_what_to_do(browser, server):
    from playwright.sync_api import expect

    phone, _ = _open(browser, f"{server.url}/j/WXYZ-KMNP", **PHONE)
    expect(phone.locator("#nocode-heading")).to_have_text("There's no meeting with that code right now")
    expect(phone.locator("body")).to_contain_text("screen")


def test_every_kind_of_poll_can_be_answered_or_passed_on_a_phone(browser, server):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    state = console.start()
    ids = {item["key"]: item["id"] for item in state["agenda"]}
    phone, recorder = _open(browser, f"{server.url}/j/{state['meeting']['code']}", **PHONE)
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()

    def push(key):
        console.do(events.PUSH_ITEM, item_id=ids[key])
        expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "form")

    def send():
        phone.click("#send-btn")
        expect(phone.locator("#done-title")).to_have_text("Your answer is in.")

    push("needs")
    phone.click('label.option[data-index="0"]')
    phone.click('label.option[data-index="3"]')
    expect(phone.locator('label.option[data-index="1"] input')).to_be_disabled()
    send()

    push("compass")
    for axis in ("x", "y"):  # a thumb in the middle is no answer of his: a screen reader hears the same
        expect(phone.locator(f"#compass-{axis}-value")).to_have_text("Not set yet")
        expect(phone.locator(f"#compass-{axis}")).to_have_attribute("aria-valuetext", "Not set yet")
    field = phone.locator("#compass-field").bounding_box()
    phone.mouse.click(field["x"] + field["width"] * 0.8, field["y"] + field["height"] * 0.2)
    expect(phone.locator("#compass-x-value")).to_have_text(re.compile(r"^\d+$"))
    expect(phone.locator("#compass-x")).to_have_attribute("aria-valuetext", re.compile(r"^\d+ of 100$"))
    send()

    push("feeling")
    expect(phone.locator("#hint")).to_have_text(re.compile(r"^Up to (two|three|four|five) words\."))
    phone.fill("#words-input", "one two three four five six")  # past any limit: said plainly, not "6 of 3"
    expect(phone.locator("#words-counter")).to_have_text(re.compile(r"^6 words: at most \d, please$"))
    phone.fill("#words-input", "hopeful")
    expect(phone.locator("#words-counter")).to_have_text(re.compile(r"^1 of \d words$"))
    send()

    push("sentence")
    phone.fill("#text-input", "Glad to be here.")
    send()

    push("arrive")
    phone.click("#pass-btn")
    expect(phone.locator("#done-title")).to_have_text("You passed on this one.")
    phone.click("#change-btn")
    phone.click('label.option[data-index="1"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")

    server.stop()
    db = sqlite3.connect(server.data_dir / "fireside.db")
    stored = dict(db.execute("SELECT items.key, ballots.answer FROM ballots JOIN items ON items.id = ballots.item_id"))
    db.close()
    assert stored["needs"] == "[0, 3]" and stored["feeling"] == '"hopeful"' and stored["arrive"] == "1"
    assert stored["sentence"] == '"Glad to be here."'
    compass = json.loads(stored["compass"])
    assert compass["x"] > 60 and compass["y"] > 60  # upper right: much connection, much space
    assert recorder.foreign(server.url) == []
    console.close()


def test_after_the_meeting_ends_the_console_offers_its_summary_in_every_format(browser, server):
    from playwright.sync_api import expect

    console, recorder, code = _start_on_the_console(browser, server)
    arrive = console.locator('#agenda li.item[data-kind="choice"]').first.get_attribute("data-item-id")
    console.click(f'#agenda [data-action="push"][data-item-id="{arrive}"]')
    phones = [SocketPhone(server.url, code) for _ in range(3)]
    for phone in phones:
        assert phone.welcome["item"]["id"] == int(arrive)
        assert phone.call(events.ANSWER, {"item_id": int(arrive), "value": 1})["ok"]
    console.click(f'#now-body [data-action="reveal"][data-item-id="{arrive}"]')
    console.click("#end-meeting")
    console.click("#confirm-ok")
    expect(console.locator("#ended-notice")).to_be_visible()
    for format, marker in [("md", "How are you arriving tonight?"), ("csv", "Restless"),
                           ("json", "fireside.summary/3"), ("html", "<svg")]:
        href = console.locator(f"#download-{format}").get_attribute("href")
        assert href.endswith(f".{format}")
        response = console.request.get(server.url + href)
        assert response.ok and marker in response.text(), format
    summary = console.locator("#ended-summary").get_attribute("href")
    console.reload()  # the laptop slept, or the tab reloaded, before he sat down to export
    expect(console.locator("#ended-notice")).to_be_visible()
    assert console.locator("#ended-summary").get_attribute("href") == summary
    console.click('label[for="deck-test-evening"]')
    console.click("#start-meeting")  # the next meeting: the last one's notice has done its work
    expect(console.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    expect(console.locator("#ended-notice")).to_be_hidden()
    assert recorder.foreign(server.url) == []
    for phone in phones:
        phone.close()


def test_a_kept_picture_says_on_the_phone_projector_and_console_how_many_newer_answers_wait(browser, server):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    phones = [SocketPhone(server.url, code) for _ in range(4)]
    arrive = console.push("arrive")
    for phone, value in zip(phones[:3], (0, 1, 1)):
        assert phone.call(events.ANSWER, {"item_id": arrive, "value": value})["ok"]
    console.do(events.REVEAL_POLL, item_id=arrive)
    console.do(events.REOPEN_POLL, item_id=arrive, confirm=True)
    assert phones[3].call(events.ANSWER, {"item_id": arrive, "value": 2})["ok"]  # a latecomer, alone
    console.do(events.REVEAL_POLL, item_id=arrive)

    phone, phone_errors = _open(browser, f"{server.url}/j/{code}", **PHONE)
    phone.click("#join-btn")
    screen, screen_errors = _open(browser, server.url + "/screen", viewport={"width": 1280, "height": 720})
    desk, desk_errors = _open(browser, server.url + "/facilitator", viewport={"width": 1366, "height": 768})
    for page in (phone, screen, desk):
        expect(page.get_by_text("1 newer response is held back until at least 2 more come in")).to_be_visible()
        # The room's first picture, not the latecomer's: nobody has chosen "Calm" in it.
        calm = page.locator(".fs-bar", has=page.locator(".fs-bar-label", has_text="Calm")).locator(".fs-bar-count")
        expect(calm).to_have_text("0 of 3")
    assert not phone_errors.errors and not screen_errors.errors and not desk_errors.errors


def test_the_console_says_once_that_a_forgotten_meeting_ended_itself(browser, data_dir, tmp_path):
    import time

    from conftest import Evening, RunningServer
    from playwright.sync_api import expect

    from facilitator import create_app

    eight_hours_ago = time.time() - 8 * 3600
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "CLOCK": lambda: eight_hours_ago})
    Evening(app).start()  # and then the laptop's battery died
    app.extensions["fireside"].store.close()

    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        console, recorder = _open(browser, server.url + "/facilitator", viewport={"width": 1366, "height": 768})
        notice = console.locator("#messages .message")
        expect(notice).to_have_count(1)
        expect(notice).to_contain_text('Fireside ended the meeting "Test evening" by itself')
        notice.locator("button").click()
        console.click('label[for="deck-test-evening"]')
        console.click("#start-meeting")
        expect(console.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
        expect(console.locator("#messages .message")).to_have_count(0)
        assert recorder.errors == [] and recorder.foreign(server.url) == []
    finally:
        server.stop()


def test_the_phone_takes_its_answer_limits_from_the_config_block(browser, server):
    """The phone's fields hold what the server accepts because both read prompts/schema.py."""
    from playwright.sync_api import expect

    from prompts import schema

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    console.push("sentence")

    def other_limits(route):
        """The same page with other limits in its config block: the phone must follow them."""
        response = route.fetch()
        html = response.text()
        block = re.search(r'(<script type="application/json" id="fireside-config">)(.*?)(</script>)', html, re.S)
        config = json.loads(block.group(2))
        config["schema"]["limits"].update(text_max=123, word_chars_max=17)
        html = html[:block.start(2)] + json.dumps(config) + html[block.end(2):]
        route.fulfill(response=response, body=html)

    steered, recorder = _open(browser, "about:blank", **PHONE)
    steered.route(f"**/j/{code}", other_limits)
    steered.goto(f"{server.url}/j/{code}")
    plain, _ = _open(browser, f"{server.url}/j/{code}", **PHONE)
    for phone in (steered, plain):
        phone.click("#join-btn")
    expect(steered.locator("#text-input")).to_have_attribute("maxlength", "123")
    expect(plain.locator("#text-input")).to_have_attribute("maxlength", str(schema.TEXT_MAX_CHARS))
    console.push("feeling")
    expect(steered.locator("#words-input")).to_have_attribute("maxlength", "17")
    expect(plain.locator("#words-input")).to_have_attribute("maxlength", str(schema.WORDS_MAX_CHARS))
    # A page fulfilled by the test is not "local" to Chromium, so its first WebSocket is refused
    # (socket.io carries on by polling); no script failed.
    assert [e for e in recorder.errors if "LOCAL_NETWORK_ACCESS" not in e] == []
    console.close()


def test_approve_all_on_the_console_sends_one_event_for_every_word(browser, server):
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    code = helper.start()["meeting"]["code"]
    phones = [SocketPhone(server.url, code) for _ in range(4)]
    feeling = helper.push("feeling")
    for phone, word in zip(phones, ("tired", "hopeful", "calm", "tired")):
        assert phone.call(events.ANSWER, {"item_id": feeling, "value": word})["ok"]
    helper.do(events.CLOSE_POLL, item_id=feeling)

    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.set_default_timeout(10_000)
    sent = []  # what the page sent, by WebSocket or, before the upgrade, by polling
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(str(frame))))
    page.on("request", lambda request: request.method == "POST" and "/socket.io/" in request.url
            and sent.append(request.post_data or ""))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/facilitator")
    approve_all = page.locator('#moderation [data-action="approve-all"]')
    expect(approve_all).to_have_text("Approve all 3")
    approve_all.click()
    expect(page.locator("#moderation .mod-entry.is-approved")).to_have_count(3)
    moderating = [packet for message in sent for packet in message.split("\x1e") if f'"{events.MODERATE}' in packet]
    assert len(moderating) == 1 and f'["{events.MODERATE_ALL}"' in moderating[0], moderating
    assert errors == []
    helper.close()


def test_taking_back_after_the_facilitator_read_a_sentence_tells_the_man_it_stays(browser, server):
    """Closed, its review list read: his sentence stays, his other answer goes, and the phone says both, plainly."""
    from conftest import assert_accessible
    from playwright.sync_api import expect

    console, code, phone, _ = _a_phone_at_a_meeting(browser, server)
    sentence = console.push("sentence")
    phone.fill("#text-input", "Something I have not said out loud before.")
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    for n in range(3):
        assert SocketPhone(server.url, code).call(events.ANSWER, {"item_id": sentence, "value": f"A line, {n}."})["ok"]
    console.push("arrive")
    phone.click('label.option[data-index="1"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    console.do(events.CLOSE_POLL, item_id=sentence)

    phone.click("#withdraw-btn")
    expect(phone.locator("#confirm-text")).to_contain_text("where its written answers have reached the facilitator")
    phone.click("#confirm-yes")
    expect(phone.locator("#menu-result")).to_have_text(
        "Done. 1 answer taken back. 1 answer stays: the room or the facilitator may already have seen the "
        "answers to its question. It carries no name.")
    assert_accessible(phone, "the phone told that a written answer stays (320 px)")
    # Back on the sentence, the phone does not say "Your answer is in" as if nothing had happened.
    console.push("sentence")
    expect(phone.locator("#screen-item")).to_contain_text(
        "This one stays: the room or the facilitator may already have seen the answers to this question. "
        "It carries no name.")
    console.do(events.OPEN_POLL, item_id=sentence, confirm=True)  # opened again: his sentence is still there
    expect(phone.locator("#done-title")).to_have_text("This one stays.")
    expect(phone.locator('#done [data-role="stays"]')).to_contain_text("could not be taken back")
    assert_accessible(phone, "the phone on the sentence that stayed (320 px)")


def test_taking_back_while_looking_at_the_closed_sentence_changes_it_to_this_one_stays(browser, server):
    """The closed poll on his screen is the one whose sentence stays: it says so at once, not 'Your answer is in'."""
    from playwright.sync_api import expect

    console, code, phone, recorder = _a_phone_at_a_meeting(browser, server)
    sentence = console.push("sentence")
    phone.fill("#text-input", "Something I have not said out loud before.")
    phone.click("#send-btn")
    for n in range(3):
        assert SocketPhone(server.url, code).call(events.ANSWER, {"item_id": sentence, "value": f"A line, {n}."})["ok"]
    console.do(events.CLOSE_POLL, item_id=sentence)
    expect(phone.locator("#screen-item")).to_contain_text("Your answer is in. The results will appear here")
    phone.click("#withdraw-btn")
    phone.click("#confirm-yes")
    expect(phone.locator("#menu-result")).to_contain_text("1 answer stays")
    expect(phone.locator("#screen-item")).to_contain_text(
        "This one stays: the room or the facilitator may already have seen the answers to this question. "
        "It carries no name.")
    expect(phone.locator("#screen-item")).not_to_contain_text("Your answer is in.")
    assert _script_errors(recorder) == []
    console.close()


def test_a_sentence_half_typed_when_the_question_closes_is_still_there_when_it_opens_again(browser, server):
    """Kept in the page's memory only: closed and opened again, or back after another question, his words wait."""
    from playwright.sync_api import expect

    console, _, phone, recorder = _a_phone_at_a_meeting(browser, server)
    sentence = console.push("sentence")
    phone.fill("#text-input", "I nearly didn't come tonight")
    console.do(events.CLOSE_POLL, item_id=sentence)
    expect(phone.locator("#screen-item")).to_contain_text("Answers are closed.")
    console.do(events.OPEN_POLL, item_id=sentence, confirm=True)
    expect(phone.locator("#text-input")).to_have_value("I nearly didn't come tonight")
    feeling = console.push("feeling")
    phone.fill("#words-input", "tired")
    console.push("sentence")  # back to the sentence, then on to the words again
    expect(phone.locator("#text-input")).to_have_value("I nearly didn't come tonight")
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    console.do(events.PUSH_ITEM, item_id=feeling)
    expect(phone.locator("#words-input")).to_have_value("tired")
    stored = json.dumps(phone.evaluate("[Object.assign({}, localStorage), Object.assign({}, sessionStorage)]"))
    assert "tired" not in stored and "nearly" not in stored  # nothing of a draft leaves the page's memory
    assert _script_errors(recorder) == []
    console.close()


def _script_errors(recorder):
    """The page's own errors, leaving out the browser's notes that the laptop could not be reached."""
    return [error for error in recorder.errors if "net::ERR_" not in error and "WebSocket connection to" not in error]


def _answered(console, item_id):
    return next(item["answered"] for item in console.states[-1]["agenda"] if item["id"] == item_id)


@pytest.fixture
def calm_while_the_laptop_is_away(browser, data_dir, tmp_path):
    """A phone on the arrive poll taps Calm and Send while the server is killed.

    Yields (phone, recorder, arrive's id, restart): restart() starts the server again on its port
    and returns it. Whatever runs is stopped afterwards.
    """
    import signal

    from conftest import RunningServer
    from playwright.sync_api import expect

    servers = [RunningServer(data_dir, tmp_path / "server.log").start()]
    try:
        console = SocketConsole(servers[0].url)
        code = console.start()["meeting"]["code"]
        arrive = console.push("arrive")
        phone, recorder = _open(browser, f"{servers[0].url}/j/{code}", **PHONE)
        phone.click("#join-btn")
        expect(phone.locator("#answer-form")).to_be_visible()
        console.close()
        servers[0].stop(signal.SIGKILL)
        expect(phone.locator("#conn")).to_have_text("Reconnecting…")
        phone.locator(".option", has_text="Calm").click()
        phone.click("#send-btn")
        expect(phone.locator("#answer-error")).to_have_text(
            "Your phone can't reach the laptop right now. Keep this page open: your answer will be sent as soon as it can.")

        def restart():
            servers.append(RunningServer(data_dir, tmp_path / "server.log", port=servers[0].port).start())
            return servers[-1]

        yield phone, recorder, arrive, restart
    finally:
        servers[-1].stop()


def test_an_answer_given_while_the_phone_is_offline_goes_by_itself_when_the_phone_is_back(
        calm_while_the_laptop_is_away):
    """The laptop's server stops mid-question; he answers anyway; it comes back: his answer arrives, once."""
    from playwright.sync_api import expect

    phone, recorder, arrive, restart = calm_while_the_laptop_is_away
    server = restart()
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.", timeout=20_000)
    expect(phone.locator("#mine")).to_contain_text("Calm")
    expect(phone.locator("#conn")).to_be_hidden()
    console = SocketConsole(server.url)
    console.wait_for(lambda state: state["agenda"] and _answered(console, arrive) == 1)
    assert _script_errors(recorder) == []


def test_an_answer_held_offline_is_not_sent_to_a_question_that_closed_meanwhile(calm_while_the_laptop_is_away):
    """Back online after the poll closed: the phone says his answer did not go, and nothing is counted."""
    from playwright.sync_api import expect

    phone, recorder, arrive, restart = calm_while_the_laptop_is_away
    phone.context.set_offline(True)  # its Wi-Fi is gone too, until the poll has closed
    console = SocketConsole(restart().url)
    console.wait_for(lambda state: state["meeting"] is not None)
    console.do(events.CLOSE_POLL, item_id=arrive)
    phone.context.set_offline(False)
    expect(phone.locator("#screen-item")).to_contain_text(
        "Your answer wasn't sent: the question closed before your phone could reach the laptop.", timeout=20_000)
    console.wait_for(lambda state: _answered(console, arrive) == 0)
    assert _script_errors(recorder) == []


def test_an_answer_held_while_the_laptop_is_away_is_dropped_when_he_takes_his_answers_back(
        calm_while_the_laptop_is_away, tmp_path):
    """He taps "Take back my answers" before the laptop is back: the held answer never arrives, and he is told."""
    from conftest import assert_accessible
    from playwright.sync_api import expect

    phone, recorder, arrive, restart = calm_while_the_laptop_is_away
    phone.click("#withdraw-btn")
    phone.click("#confirm-yes")
    expect(phone.locator("#menu-result")).to_have_text(
        "The answer your phone was holding will not be sent. You're not connected right now: "
        "try again in a moment to take back the answers already sent.")
    expect(phone.locator("#answer-error")).to_have_text("")
    assert_accessible(phone, "the phone told its held answer will not be sent (320 px)")
    phone.screenshot(path=str(tmp_path / "phone-held-answer-dropped.png"))
    console = SocketConsole(restart().url)
    console.wait_for(lambda state: state["meeting"] is not None)
    expect(phone.locator("#conn")).to_be_hidden(timeout=20_000)  # back, welcomed: the held answer would go now
    phone.wait_for_timeout(1000)
    console.do(events.CLOSE_POLL, item_id=arrive)
    console.wait_for(lambda state: _answered(console, arrive) == 0)
    expect(phone.locator("#done-title")).to_have_count(0)
    assert _script_errors(recorder) == []


def test_an_answer_held_while_the_laptop_is_away_goes_nowhere_once_he_leaves(calm_while_the_laptop_is_away):
    """He taps Leave before the laptop is back: his held answer is dropped with everything else."""
    from playwright.sync_api import expect

    phone, recorder, arrive, restart = calm_while_the_laptop_is_away
    phone.click("#leave-btn")
    phone.click("#confirm-yes")
    console = SocketConsole(restart().url)
    console.wait_for(lambda state: state["meeting"] is not None)
    phone.wait_for_timeout(3000)  # longer than a reconnect would take, had the page still tried
    console.do(events.CLOSE_POLL, item_id=arrive)
    console.wait_for(lambda state: _answered(console, arrive) == 0)
    expect(phone.locator("#done-title")).to_have_count(0)
    assert _script_errors(recorder) == []
