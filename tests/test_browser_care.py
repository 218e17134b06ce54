"""What a man sees of the evening's care, in headless Chromium: agreements, Help, a word after, exclusive options."""

import re
import signal

import pytest
from conftest import RunningServer, SocketConsole, SocketPhone, assert_accessible
from test_browser import PHONE, Recorder, _open, browser  # noqa: F401  (the module's Chromium)
from test_exclusive import NONE_OF_THESE_DECK
from test_pages import SMALL_TARGETS
from test_word_after import BREAK_DECK

from facilitator import events

pytestmark = pytest.mark.browser


@pytest.fixture
def care_server(data_dir, tmp_path):
    """A real server whose data folder holds a deck with an exclusive option and one with a break."""
    (data_dir / "decks" / "exclusive.toml").write_text(NONE_OF_THESE_DECK)
    (data_dir / "decks" / "with-a-break.toml").write_text(BREAK_DECK)
    running = RunningServer(data_dir, tmp_path / "server.log").start()
    yield running
    running.stop()


def _join(browser, server, code):  # noqa: F811
    """A phone that opened the QR address and tapped "I'm in"."""
    from playwright.sync_api import expect

    phone, recorder = _open(browser, f"{server.url}/j/{code}", **PHONE)
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()
    return phone, recorder


def test_the_join_screen_states_the_agreements_and_hides_the_technical_points_behind_a_link(browser, care_server):  # noqa: F811
    from playwright.sync_api import expect

    console = SocketConsole(care_server.url)
    code = console.start()["meeting"]["code"]
    phone, _ = _open(browser, f"{care_server.url}/j/{code}", **PHONE)
    agreements = phone.locator("#agreements")
    expect(agreements).to_contain_text("This is a peer group, not therapy or a crisis service.")
    expect(agreements).to_contain_text("What's said here stays here, unless someone's safety is at risk.")
    expect(agreements).to_contain_text("Anyone may pass, any time.")
    expect(phone.locator(".how")).to_be_hidden()
    phone.focus("#how-anonymous summary")
    phone.keyboard.press("Enter")  # a keyboard or a screen reader opens it like any control
    expect(phone.locator(".how")).to_be_visible()
    expect(phone.locator(".how")).to_contain_text("scrambled key")
    assert_accessible(phone, "the phone's agreements, 'How is this anonymous?' open")


def test_help_opens_before_joining_during_and_after_the_end_and_sends_nothing(browser, care_server):  # noqa: F811
    from playwright.sync_api import expect

    console = SocketConsole(care_server.url)
    console.do(events.SET_HELP_LINES, lines=[{"label": "Crisis line", "contact": "988"}])
    code = console.start()["meeting"]["code"]
    phone, recorder = _open(browser, f"{care_server.url}/j/{code}", **PHONE)
    frames = []
    # Socket.IO events a phone sends are "42…" packets (engine.io's own pings and upgrade are not events).
    phone.on("websocket", lambda ws: ws.on("framesent", lambda frame: str(frame).startswith("42") and frames.append(frame)))

    phone.click("#help-link")  # before joining
    expect(phone.locator("#help-panel")).to_contain_text("Crisis line")
    expect(phone.locator('#help-panel a[href="tel:988"]')).to_have_text("988")
    assert phone.evaluate(SMALL_TARGETS) == []  # "988" is a whole finger's target
    phone.click("#help-link")
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()
    sent = len(frames)
    phone.click("#help-link")  # during
    expect(phone.locator("#help-panel")).to_be_visible()
    assert_accessible(phone, "the phone waiting, Help open")
    phone.click("#help-link")
    assert len(frames) == sent, "opening Help sent nothing"
    requests = len(recorder.urls)
    phone.click("#help-link")
    phone.click("#help-link")
    assert len(recorder.urls) == requests

    console.do(events.END_MEETING)
    expect(phone.locator("#screen-ended")).to_be_visible()
    expect(phone.locator("#screen-ended")).to_contain_text("Crisis line")
    phone.click("#help-link")  # after the end
    expect(phone.locator("#help-panel")).to_contain_text("988")


def test_help_closes_with_its_button_escape_a_tap_beside_it_and_back_and_back_never_leaves(browser, care_server):  # noqa: F811
    from playwright.sync_api import expect

    console = SocketConsole(care_server.url)
    code = console.start()["meeting"]["code"]
    phone, recorder = _join(browser, care_server, code)
    arrive = console.push("arrive")
    expect(phone.locator("#answer-form")).to_be_visible()
    panel = phone.locator("#help-panel")

    phone.click("#help-link")
    expect(panel).to_be_visible()
    assert_accessible(phone, "the phone with a question, Help open")
    assert phone.evaluate(SMALL_TARGETS) == []
    phone.click("#help-close")
    expect(panel).to_be_hidden()
    expect(phone.locator("#help-link")).to_be_focused()

    phone.click("#help-link")
    phone.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    phone.click("#help-link")
    below = panel.bounding_box()["y"] + panel.bounding_box()["height"]
    calm = phone.locator(".option", has_text="Calm")
    y = below + 6 - calm.bounding_box()["y"]  # just under the open panel: beside it, on an answer
    assert 0 < y < calm.bounding_box()["height"], "the open Help panel covers every answer"
    calm.click(position={"x": 20, "y": y})
    expect(panel).to_be_hidden()
    expect(phone.locator(".option input").nth(2)).not_to_be_checked()  # the tap only closed Help

    url = phone.url
    phone.click("#help-link")
    expect(panel).to_be_visible()
    phone.go_back()
    expect(panel).to_be_hidden()
    assert phone.url == url and phone.locator("#answer-form").is_visible()  # still in the meeting
    phone.click("#help-link")  # and it opens again as before
    expect(panel).to_be_visible()
    phone.click("#help-link")
    expect(panel).to_be_hidden()
    assert phone.url == url
    assert console.states[-1]["agenda"] and next(
        item["answered"] for item in console.states[-1]["agenda"] if item["id"] == arrive) == 0
    assert recorder.errors == []


def test_a_new_question_leaves_an_open_help_panel_and_his_place_in_it_alone(browser, care_server):  # noqa: F811
    """Reading Help when the facilitator moves on: the panel stays, and focus does not jump to a heading under it."""
    from playwright.sync_api import expect

    console = SocketConsole(care_server.url)
    code = console.start()["meeting"]["code"]
    phone, recorder = _join(browser, care_server, code)
    phone.click("#help-link")
    phone.focus("#help-close")
    console.push("arrive")
    expect(phone.locator("#answer-form")).to_be_attached()
    phone.wait_for_timeout(300)
    expect(phone.locator("#help-panel")).to_be_visible()
    expect(phone.locator("#help-close")).to_be_focused()
    phone.click("#help-close")
    expect(phone.locator("#help-link")).to_be_focused()
    console.push("welcome")  # Help closed: a new screen takes focus to its heading, as before
    expect(phone.locator("#screen-item .heading")).to_be_focused()
    assert recorder.errors == []


def test_without_help_lines_help_says_to_ask_the_facilitator(browser, care_server):  # noqa: F811
    from playwright.sync_api import expect

    phone, _ = _open(browser, f"{care_server.url}/", **PHONE)
    phone.click("#help-link")
    expect(phone.locator("#help-panel")).to_contain_text("Ask the facilitator")
    expect(phone.locator("#help-panel")).to_contain_text("local crisis line")
    phone.click("#help-close")  # the page to type a code closes it as the meeting's page does
    expect(phone.locator("#help-panel")).to_be_hidden()


def test_the_console_sets_help_lines_reminds_once_and_shows_them_with_the_checkout_note(browser, care_server):  # noqa: F811
    from playwright.sync_api import expect

    console, _ = _open(browser, care_server.url + "/facilitator", viewport={"width": 1280, "height": 800})
    expect(console.locator("#help-reminder")).to_contain_text("No help lines are set yet")
    assert_accessible(console, "the console, no meeting, the help-lines reminder showing")
    console.click("#help-reminder-close")
    expect(console.locator("#help-reminder")).to_be_hidden()
    console.reload()
    expect(console.locator("#deck-list label").first).to_be_visible()
    expect(console.locator("#help-reminder")).to_be_hidden()  # once, until dismissed

    console.click("#help-settings summary")
    # A line without its colon is refused where he is typing, not at the top of a long page.
    console.fill("#help-lines-input", "Crisis line: 988\nSamaritans 116 123")
    console.click("#help-save")
    status = console.locator("#help-status")
    expect(status).to_have_text("“Samaritans 116 123” is not a help line. Write it as Label: number or address. "
                                "Nothing was saved.")
    expect(status).to_be_in_viewport()
    expect(console.locator("#help-lines-input")).to_have_attribute("aria-invalid", "true")
    expect(console.locator("#help-settings-state")).to_have_text("(none set)")
    assert_accessible(console, "the console, a help line refused under its box")
    console.fill("#help-lines-input", "Crisis line: 988\nSamaritans: 116 123")
    console.click("#help-save")
    expect(status).to_have_text("Help lines saved. Phones show them now.")
    expect(status).to_be_in_viewport()
    expect(console.locator("#help-lines-input")).not_to_have_attribute("aria-invalid", "true")
    expect(console.locator("#help-settings-state")).to_have_text("(2 lines set)")
    console.click('label[for="deck-with-a-break"]')
    console.click("#start-meeting")
    checkout = console.locator('#agenda li.item').last
    expect(checkout.locator(".item-help")).to_contain_text("Samaritans: 116 123")
    expect(console.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))

    code = console.locator("#join-code").inner_text()
    phone, _ = _open(browser, f"{care_server.url}/j/{code}", **PHONE)
    phone.click("#help-link")
    expect(phone.locator('#help-panel a[href="tel:116123"]')).to_have_text("116 123")

    screen, screen_recorder = _open(browser, care_server.url + "/screen", viewport={"width": 800, "height": 600})
    expect(screen.locator("#view-join")).to_be_visible()
    expect(screen.locator("#ended-help")).to_be_hidden()
    desk = SocketConsole(care_server.url)
    desk.do(events.END_MEETING)
    expect(screen.locator("#view-ended")).to_be_visible()
    expect(screen.locator("#ended-help")).to_contain_text("If tonight stirred something up")
    expect(screen.locator("#ended-help li")).to_have_text(["Crisis line 988", "Samaritans 116 123"])
    assert_accessible(screen, "the projector, the meeting ended, help lines listed")
    desk.do(events.SET_HELP_LINES, lines=[{"label": "Crisis line", "contact": "988"}])
    expect(screen.locator("#ended-help li")).to_have_text(["Crisis line 988"])  # changed after the end, at once
    assert screen_recorder.errors == []


def test_a_word_after_is_sent_taken_back_and_the_console_sees_it_only_at_the_break(browser, care_server):  # noqa: F811
    from playwright.sync_api import expect

    console, _ = _open(browser, care_server.url + "/facilitator", viewport={"width": 1280, "height": 800})
    console.click('label[for="deck-with-a-break"]')
    console.click("#start-meeting")
    expect(console.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    code = console.locator("#join-code").inner_text()
    phone, _ = _join(browser, care_server, code)

    phone.click("#word-after-btn")
    expect(phone.locator("#word-after-status")).to_contain_text("Find the facilitator at the break")
    expect(phone.locator("#announcer")).to_contain_text("Find the facilitator at the break")
    expect(phone.locator("#word-after-btn")).to_have_text("Take back my request for a word")
    phone.reload()  # the phone remembers, from the server
    expect(phone.locator("#word-after-btn")).to_have_text("Take back my request for a word")
    expect(console.locator("#word-after-line")).to_be_hidden()

    brk = console.locator('#agenda li.item[data-kind="discussion"]').first.get_attribute("data-item-id")
    console.click(f'#agenda [data-action="push"][data-item-id="{brk}"]')
    expect(console.locator("#word-after-line")).to_have_text(
        "1 man would like a word after the meeting. This count changes only at a break, when a poll closes, "
        "and at the end, so it never points to the man who asked.")
    assert_accessible(console, "the console, a meeting, a word after asked for")
    assert_accessible(phone, "the phone, a word after asked for")

    phone.click("#word-after-btn")
    expect(phone.locator("#word-after-status")).to_have_text("Taken back. Nothing of it is kept.")
    expect(phone.locator("#word-after-btn")).to_have_text("I'd like a word after")

    # At the end, the phone that asked (and did not take it back) is reminded; the one that took it back is not.
    asker, _ = _open(browser, f"{care_server.url}/j/{code}", **PHONE)
    asker.click("#join-btn")  # straight onto the break on every phone
    expect(asker.locator("#screen-item")).to_be_visible()
    asker.click("#word-after-btn")
    expect(asker.locator("#word-after-btn")).to_have_text("Take back my request for a word")
    console.click("#end-meeting")
    console.click("#confirm-ok")
    reminder = "You asked for a word after the meeting. Find the facilitator before you go"
    expect(asker.locator("#ended-word-after")).to_be_visible()
    expect(asker.locator("#ended-word-after")).to_contain_text(reminder)
    expect(asker.locator("#announcer")).to_contain_text(reminder)
    expect(phone.locator("#screen-ended")).to_be_visible()
    expect(phone.locator("#ended-word-after")).to_be_hidden()
    assert_accessible(asker, "the phone, the end, after asking for a word")


def test_an_exclusive_option_unticks_the_others_on_the_phone_and_says_so(browser, care_server):  # noqa: F811
    from playwright.sync_api import expect

    console = SocketConsole(care_server.url)
    state = console.start(deck="exclusive")
    phone, _ = _join(browser, care_server, state["meeting"]["code"])
    needs = console.push("needs-tonight")
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "form")
    boxes = phone.locator('#answer-form input[type="checkbox"]')
    phone.click('label.option[data-index="0"]')
    phone.click('label.option[data-index="1"]')
    expect(boxes.nth(3)).to_be_enabled()  # full at two, and still "None of these" may be tapped
    phone.click('label.option[data-index="3"]')
    expect(boxes.nth(0)).not_to_be_checked()
    expect(boxes.nth(1)).not_to_be_checked()
    expect(boxes.nth(3)).to_be_checked()
    expect(phone.locator("#announcer")).to_contain_text("“None of these” is chosen on its own, so Closeness, Space are unticked.")
    phone.click('label.option[data-index="2"]')
    expect(boxes.nth(3)).not_to_be_checked()
    expect(phone.locator("#announcer")).to_contain_text("None of these unticked")
    phone.click('label.option[data-index="3"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    expect(phone.locator("#mine")).to_contain_text("None of these")

    other = SocketPhone(care_server.url, state["meeting"]["code"])
    refused = other.call(events.ANSWER, {"item_id": needs, "value": [0, 3]})
    assert refused["ok"] is False and "on its own" in refused["error"]


def test_the_welcome_fits_one_phone_screen_at_320_px_and_a_short_question_keeps_its_large_type(browser, care_server):  # noqa: F811
    from playwright.sync_api import expect

    console = SocketConsole(care_server.url)
    code = console.start(deck="starter")["meeting"]["code"]
    phone, recorder = _open(browser, f"{care_server.url}/j/{code}", **{**PHONE, "viewport": {"width": 320, "height": 640}})
    phone.click("#join-btn")
    console.push("agreements")
    prompt = phone.locator("#prompt")
    expect(prompt).to_contain_text("Anyone may pass, any time.")
    welcome = prompt.bounding_box()
    assert welcome["y"] + welcome["height"] <= 640, welcome  # all of it on the first screen
    welcome_size = float(prompt.evaluate("el => getComputedStyle(el).fontSize").removesuffix("px"))
    assert_accessible(phone, "the phone showing the welcome at 320 px")
    console.push("checkin-feeling")
    expect(prompt).to_have_text("Which family of feeling is closest to you right now?")
    question_size = float(prompt.evaluate("el => getComputedStyle(el).fontSize").removesuffix("px"))
    assert question_size > welcome_size >= 18
    assert recorder.errors == []


def test_send_keeps_the_focus_and_says_sending_while_a_busy_laptop_has_not_replied(browser, care_server):  # noqa: F811
    """A keyboard or screen-reader user who presses Send stays on the button while it says "Sending…"."""
    from playwright.sync_api import expect
    from test_pages import DIM_WORDS, _settle

    console = SocketConsole(care_server.url)
    code = console.start()["meeting"]["code"]
    phone, recorder = _join(browser, care_server, code)
    console.push("arrive")
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "form")
    phone.click('label.option[data-index="0"]')
    send = phone.locator("#send-btn")
    send.focus()
    care_server.process.send_signal(signal.SIGSTOP)  # the laptop, busy: the answer is on its way, no reply yet
    try:
        phone.keyboard.press("Enter")
        expect(send).to_have_text("Sending…")
        expect(send).to_have_attribute("aria-disabled", "true")
        _settle(phone)  # a disabled button would have lost the focus by now
        assert phone.evaluate("document.activeElement.id") == "send-btn"
        assert_accessible(phone, "the phone, an answer on its way")
        assert phone.evaluate(DIM_WORDS) == [], "'Sending…' dimmed past reading"
    finally:
        care_server.process.send_signal(signal.SIGCONT)
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    assert recorder.errors == []
    console.close()


def test_an_answer_whose_reply_never_came_is_checked_with_the_laptop_not_called_a_failure(browser, care_server):  # noqa: F811
    """No reply in 15 s: the phone asks what the laptop holds for him and finds his answer there."""
    from playwright.sync_api import expect

    console = SocketConsole(care_server.url)
    code = console.start()["meeting"]["code"]
    phone = browser.new_context(**PHONE).new_page()
    phone.clock.install()  # the phone's own clock, moved on by the test: no 15 s wait
    recorder = Recorder(phone)
    phone.goto(f"{care_server.url}/j/{code}")
    phone.click("#join-btn")
    console.push("arrive")
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "form")
    phone.click('label.option[data-index="1"]')
    care_server.process.send_signal(signal.SIGSTOP)  # the answer reaches the laptop, which is too busy to reply
    try:
        phone.click("#send-btn")
        expect(phone.locator("#send-btn")).to_have_text("Sending…")
        phone.clock.fast_forward(16_000)
        expect(phone.locator("#answer-error")).to_have_text("Checking whether your answer arrived…")
        expect(phone.locator("body")).not_to_contain_text("try again")
    finally:
        care_server.process.send_signal(signal.SIGCONT)
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    expect(phone.locator("#mine")).to_contain_text("Restless")
    assert recorder.errors == []
    console.close()
