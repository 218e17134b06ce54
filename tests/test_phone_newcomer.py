"""A nervous newcomer's first evening on a small phone, in headless Chromium against a real server:
every agreement read with nothing over it, sliders that say "not set" by looking so, a compass legend
that explains its numbered dots, "Take back my answers" only when there is something to take back,
and the middle of a scale in plain words."""

import re

import pytest
from conftest import SocketConsole, SocketPhone, assert_accessible
from test_browser import _a_phone_at_a_meeting, _open, browser  # noqa: F401  (the module's Chromium)
from test_pages import LEGEND_SPLIT, PROJECTORS, _settle

from facilitator import events

pytestmark = pytest.mark.browser

SMALL_PHONES = [(320, 640), (360, 640)]

# The agreements something else covers: the "I'm in" button's box crossing one, or any other
# element on top at a point of an agreement that lies on the screen (sampled every 6 px down it).
COVERED_AGREEMENTS = """() => {
    const vh = window.innerHeight, covered = [];
    const button = document.getElementById('join-btn').getBoundingClientRect();
    for (const li of document.querySelectorAll('#agreements > li')) {
        const r = li.getBoundingClientRect(), name = li.querySelector('strong').textContent;
        if (r.left < button.right && button.left < r.right && r.top < button.bottom && button.top < r.bottom) {
            covered.push(name + ' lies under the button');
            continue;
        }
        search: for (let y = Math.max(r.top, 0) + 2; y < Math.min(r.bottom, vh) - 1; y += 6) {
            for (const x of [r.left + 4, r.left + r.width / 2, r.right - 4]) {
                const top = document.elementFromPoint(x, y);
                if (!top || !li.contains(top)) {
                    covered.push(name + ' lies under ' + (top ? top.tagName.toLowerCase() + '.' + top.className : 'nothing'));
                    break search;
                }
            }
        }
    }
    return covered;
}"""


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_agreement_is_read_with_nothing_over_it_and_im_in_comes_after_them(browser, server, language):  # noqa: F811
    """At 320x640 the button kept at the foot of the screen hid "Your answers are anonymous": the list looked done."""
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    if language != "en":
        console.do(events.SET_LANGUAGE, language=language)
    for width, height in SMALL_PHONES:
        phone, _ = _open(browser, f"{server.url}/j/{code}", viewport={"width": width, "height": height},
                         is_mobile=True, has_touch=True, device_scale_factor=2)
        expect(phone.locator("html")).to_have_attribute("lang", language)
        expect(phone.locator("#agreements > li")).to_have_count(4)
        _settle(phone)
        where = f"{width}x{height}, {language}"
        # The first view: what it shows of the agreements is not covered, and the button is not among
        # them, so the list does not look finished before its end.
        assert phone.evaluate(COVERED_AGREEMENTS) == [], f"the first view at {where}"
        below = phone.evaluate("""() => document.getElementById('join-btn').getBoundingClientRect().top
            - [...document.querySelectorAll('#agreements > li')].pop().getBoundingClientRect().bottom""")
        assert below >= 0, f"'I'm in' is {-below} px above the end of the last agreement at {where}"
        phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        _settle(phone)
        assert phone.evaluate(COVERED_AGREEMENTS) == [], f"scrolled to the end at {where}"
        expect(phone.locator("#join-btn")).to_be_in_viewport(ratio=1)
        if (width, language) == (320, "en"):
            assert_accessible(phone, f"the agreements scrolled to the end ({where})")
    console.close()


def _looks_the_same_wherever_its_value_is(slider):
    """Whether a slider looks alike at its value and at 0 (set without an event, as no man can): no thumb shows."""
    value = slider.evaluate("e => e.value")
    before = slider.screenshot()
    slider.evaluate("e => { e.value = '0'; }")
    after = slider.screenshot()
    slider.evaluate("(e, v) => { e.value = v; }", value)
    return before == after


def test_a_compass_slider_not_yet_moved_shows_no_thumb_and_takes_a_tap_or_a_key(browser, server):  # noqa: F811
    """A thumb in the middle read as a middle answer he had chosen; moving one slider does not choose the other."""
    from playwright.sync_api import expect

    console, _, phone, recorder = _a_phone_at_a_meeting(browser, server)
    console.push("compass")
    x, y = phone.locator("#compass-x"), phone.locator("#compass-y")
    y.scroll_into_view_if_needed()
    for slider in (x, y):
        expect(slider).to_have_attribute("aria-valuetext", "Not set yet")
        assert _looks_the_same_wherever_its_value_is(slider), "a slider not yet moved shows a thumb"

    box = x.bounding_box()
    x.tap(position={"x": box["width"] * 0.8, "y": box["height"] / 2})
    expect(phone.locator("#compass-x-value")).to_have_text(re.compile(r"^(7\d|8\d)$"))
    expect(x).to_have_attribute("aria-valuetext", re.compile(r"^(7\d|8\d) of 100$"))
    assert not _looks_the_same_wherever_its_value_is(x), "a slider he tapped shows no thumb"
    # The other is still his to choose: no value, no thumb, no dot on the square, and Send says so.
    expect(phone.locator("#compass-y-value")).to_have_text("Not set yet")
    expect(y).to_have_attribute("aria-valuetext", "Not set yet")
    assert _looks_the_same_wherever_its_value_is(y), "moving one slider showed the other's thumb"
    expect(phone.locator("#compass-dot")).to_be_hidden()
    phone.click("#send-btn")
    expect(phone.locator("#answer-error")).to_have_text("Move the other slider too, or tap the square, or tap Pass.")
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "form")
    assert_accessible(phone, "the compass with one slider moved (320 px)")

    y.focus()
    phone.keyboard.press("ArrowUp")
    expect(phone.locator("#compass-y-value")).to_have_text("51")
    expect(y).to_have_attribute("aria-valuetext", "51 of 100")
    expect(phone.locator("#compass-dot")).to_be_visible()
    expect(phone.locator("#answer-error")).to_have_text("")
    phone.click("#send-btn")
    expect(phone.locator("#mine")).to_contain_text(re.compile(r"Connection (7\d|8\d), Space to myself 51 \(out of 100\)"))
    assert [e for e in recorder.errors if "net::ERR_" not in e] == []
    console.close()


def test_a_numbered_dot_is_explained_in_the_legend_which_names_no_count(browser, server):  # noqa: F811
    """Answers at one spot make one dot with their number: the legend says what it means, only when there is one."""
    from playwright.sync_api import expect

    console, code, phone, _ = _a_phone_at_a_meeting(browser, server)
    screen, _ = _open(browser, server.url + "/screen", viewport={"width": 1280, "height": 720})
    compass = console.push("compass")
    for n, spot in enumerate([(20, 80), (40, 60), (60, 40)]):
        assert SocketPhone(server.url, code).call(events.ANSWER, {"item_id": compass, "value": {"x": spot[0], "y": spot[1]}})["ok"], n
    console.do(events.CLOSE_POLL, item_id=compass)
    console.do(events.REVEAL_POLL, item_id=compass)
    expect(phone.locator("#results .fs-legend")).to_have_text(re.compile("one answer"))
    expect(phone.locator("#results .fs-legend")).not_to_contain_text("at one spot")  # no numbered dot, no word of one

    # Opened again, three more answers at one spot: a new picture, with a dot that says 3.
    console.do(events.REOPEN_POLL, item_id=compass, confirm=True)
    for _ in range(3):
        assert SocketPhone(server.url, code).call(events.ANSWER, {"item_id": compass, "value": {"x": 70, "y": 30}})["ok"]
    console.do(events.CLOSE_POLL, item_id=compass)
    console.do(events.REVEAL_POLL, item_id=compass)
    for page, box in ((phone, "#results"), (screen, "#item-result")):
        legend = page.locator(f"{box} .fs-legend")
        expect(legend).to_contain_text("a number: that many answers at one spot")
        expect(page.locator(f"{box} svg text").filter(has_text=re.compile(r"^3$"))).to_have_count(1)
        # The legend explains the numbers; it shows none of its own, so it tells no count, below the floor or not.
        assert not re.search(r"\d", legend.inner_text()), legend.inner_text()
        expect(page.locator(f"{box} .fs-results > p").first).to_contain_text(
            "A dot with a number is that many answers at one spot.")  # what a screen reader hears
    assert_accessible(phone, "the compass result with a numbered dot (320 px)")
    for width, height in PROJECTORS:
        screen.set_viewport_size({"width": width, "height": height})
        _settle(screen)
        assert screen.evaluate(LEGEND_SPLIT) == [], f"a legend's mark and its words part at {width}x{height}"
    console.close()


def test_take_back_my_answers_is_offered_only_while_he_has_given_one(browser, server):  # noqa: F811
    """Offered before any answer, it asked a man with nothing given to take something back."""
    from playwright.sync_api import expect

    console, _, phone, _ = _a_phone_at_a_meeting(browser, server)
    withdraw = phone.locator("#withdraw-btn")
    expect(phone.locator("#leave-btn")).to_be_visible()
    expect(withdraw).to_be_hidden()
    phone.click("#leave-btn")  # nor does Leave send him to a button that is not there
    expect(phone.locator("#confirm-text")).to_have_text("Leave the meeting? You can join again any time.")
    assert_accessible(phone, "asked whether to leave, nothing answered (320 px)")
    phone.click("#confirm-no")
    expect(phone.locator("#leave-btn")).to_be_focused()

    console.push("arrive")
    phone.click('label.option[data-index="1"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    expect(withdraw).to_be_visible()
    assert_accessible(phone, "an answer given, the menu offers to take it back (320 px)")
    console.push("welcome")  # on to something else: after a reload the page no longer sees his answer
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "discussion")
    phone.reload()
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "discussion")
    expect(withdraw).to_be_visible()
    phone.click("#leave-btn")
    expect(phone.locator("#confirm-text")).to_contain_text("use “Take back my answers” first")
    phone.click("#confirm-no")

    withdraw.click()
    phone.click("#confirm-yes")
    expect(phone.locator("#menu-result")).to_have_text("Done. 1 answer taken back.")
    expect(withdraw).to_be_hidden()
    expect(phone.locator("#menu-result")).to_be_focused()  # where the button was: what happened is read out
    assert_accessible(phone, "his answers taken back (320 px)")

    console.push("needs")  # a pass is his too, and can be taken back
    phone.click("#pass-btn")
    expect(phone.locator("#done-title")).to_have_text("You passed on this one.")
    expect(withdraw).to_be_visible()
    console.close()


def test_the_middle_of_a_scale_is_said_in_plain_words_on_the_phone_and_the_projector(browser, server):  # noqa: F811
    """'Middle answer (median)' spoke statistics to men who came to talk; the compass already says 'the middle of the answers'."""
    from playwright.sync_api import expect

    console, code, phone, _ = _a_phone_at_a_meeting(browser, server)
    screen, _ = _open(browser, server.url + "/screen", viewport={"width": 1280, "height": 720})
    energy = console.push("energy")
    for value in (3, 7, 9):
        assert SocketPhone(server.url, code).call(events.ANSWER, {"item_id": energy, "value": value})["ok"]
    console.do(events.CLOSE_POLL, item_id=energy)
    console.do(events.REVEAL_POLL, item_id=energy)
    for page, box in ((phone, "#results"), (screen, "#item-result")):
        expect(page.locator(f"{box} .fs-median")).to_have_text(re.compile(r"The middle of the answers:\s*7$"))
        expect(page.locator(box)).not_to_contain_text(re.compile("median", re.IGNORECASE))
    assert_accessible(phone, "the scale's result (320 px)")
    console.close()


def test_after_a_reopen_answers_held_back_by_a_floor_mark_are_said_as_held_back_not_as_too_few(browser, server):  # noqa: F811
    """Revealed below the floor, reopened, one latecomer: "fewer than 3 answered" might no longer be true, and
    showing the result would say whether he passed. The phone says what waits, passes counted in."""
    from playwright.sync_api import expect

    console, code, phone, _ = _a_phone_at_a_meeting(browser, server)
    arrive = console.push("arrive")
    phone.click('label.option[data-index="0"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    others = [SocketPhone(server.url, code) for _ in range(2)]
    assert others[0].call(events.ANSWER, {"item_id": arrive, "value": 1})["ok"]
    assert others[1].call(events.ANSWER, {"item_id": arrive, "pass": True})["ok"]
    console.do(events.REVEAL_POLL, item_id=arrive)
    expect(phone.locator(".fs-floor")).to_have_text(
        "Not shown: fewer than 3 people answered — that keeps everyone anonymous.")
    console.do(events.REOPEN_POLL, item_id=arrive, confirm=True)
    latecomer = SocketPhone(server.url, code)
    assert latecomer.call(events.ANSWER, {"item_id": arrive, "value": 2})["ok"]
    console.do(events.REVEAL_POLL, item_id=arrive)
    expect(phone.locator(".fs-floor")).to_have_text(
        "Not shown yet, so that no one answer stands out — that keeps everyone anonymous.")
    expect(phone.locator(".fs-caption")).to_have_text(
        "4 responded · 1 newer response is held back until at least 2 more come in")
    assert_accessible(phone, "a result held back by a floor mark (320 px)")
    for other in [*others, latecomer]:
        other.close()
    console.close()


def test_the_evenings_name_is_never_the_phones_tab_title_nor_its_welcome(browser, server):  # noqa: F811
    """"Welcome to Shame: what we hide" was the first thing a newcomer read, and his browser's history
    kept "Shame: what we hide · Fireside" after the meeting, where a partner could read it."""
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start(title="Shame: what we hide")["meeting"]["code"]
    phone, _ = _open(browser, f"{server.url}/j/{code}", viewport={"width": 320, "height": 640}, is_mobile=True,
                     has_touch=True)
    expect(phone.locator("#agreements-heading")).to_have_text("Welcome")
    assert phone.title() == "Fireside"
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()
    console.push("arrive")
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "form")
    assert phone.title() == "Fireside"
    expect(phone.locator("#meeting-title")).to_have_text("Shame: what we hide")  # on the page, in the room
    console.close()


def test_what_the_phone_says_is_kept_names_the_approved_words_that_outlive_the_meeting(browser, server):  # noqa: F811
    """Approved words and sentences outlive the meeting, word for word (docs/privacy.md): the phone said
    "only totals are kept", before he joined, under a words question, and once it ended."""
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    phone, _ = _open(browser, f"{server.url}/j/{code}", viewport={"width": 320, "height": 640}, is_mobile=True,
                     has_touch=True)
    phone.click("#how-anonymous summary")
    expect(phone.locator("#how-anonymous .how li").last).to_contain_text("the words or sentences the facilitator approved")
    phone.click("#join-btn")
    for key in ("feeling", "sentence"):
        console.push(key)
        expect(phone.locator("#answer-form .note")).to_contain_text("Only those are kept after the meeting")
    console.do(events.END_MEETING)
    expect(phone.locator("#screen-ended")).to_be_visible()
    expect(phone.locator("#screen-ended")).to_contain_text("and the words the facilitator approved")
    expect(phone.locator("#screen-ended")).not_to_contain_text("only totals are kept")
    console.close()


def test_an_answer_taken_back_from_an_open_question_is_said_where_the_page_shows_him(browser, server):  # noqa: F811
    """The menu's "Done. 1 answer taken back." sat 300 px below a 640 px screen, above which his empty
    form looked as if his answer had been wiped. After a pass, the way back is "Answer after all"."""
    from playwright.sync_api import expect

    console, _, phone, _ = _a_phone_at_a_meeting(browser, server)
    console.push("arrive")
    phone.click('label.option[data-index="1"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    phone.locator("#withdraw-btn").click()
    phone.click("#confirm-yes")
    notice = phone.locator("#taken-back")
    expect(notice).to_have_text("Your answer to this question was taken back. You can answer again, or pass.")
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "form")
    _settle(phone)
    box = notice.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 640, box  # in the first screen, where he now is
    assert_accessible(phone, "an answer to an open question taken back (320 px)")
    phone.click("#pass-btn")
    expect(phone.locator("#done-title")).to_have_text("You passed on this one.")
    expect(phone.locator("#change-btn")).to_have_text("Answer after all")
    phone.click("#change-btn")
    expect(notice).to_have_count(0)  # he gave something again: the notice is history
    console.close()
