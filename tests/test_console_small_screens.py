"""The console on small screens: an old 800x600 laptop or projector, and a co-facilitator's phone."""

import pytest
from conftest import SocketConsole, SocketPhone, assert_accessible
from test_console_browser import _console

from facilitator import events

pytestmark = pytest.mark.browser

# What he needs before he starts, in the first screen: the evenings, the language, the title, the floor, Start.
FIRST_SCREEN = ("#deck-list .deck-card .deck-title", "#setup-language", "#start-title", "#start-floor", "#start-meeting")

# The lines a text of an element takes, as the tops of its text's boxes (one box per line).
LINES = """(el) => { const range = document.createRange(); range.selectNodeContents(el);
  return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size; }"""


def _outside(page, selector, width, height):
    """Where the first element of selector lies outside the window as the page first shows it; None when inside."""
    box = page.locator(selector).first.bounding_box()
    inside = box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
    return None if inside else (selector, box)


def test_at_800x600_start_is_in_the_first_screen_with_the_evenings_and_settings_in_english_and_spanish(browser, server):
    """An old laptop or a projector at 800x600, no help lines set yet (the reminder takes its rows): no scrolling to Start.

    Everything he sets before he starts is in that first screen too, and on a phone nothing covers the
    page's heading when it opens, and Start is there to scroll to, not hidden under something.
    """
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    for language, start in (("en", "Start the meeting"), ("es", "Empezar la reunión")):
        if language == "es":
            console.do(events.SET_LANGUAGE, language="es")
        page, errors = _console(browser, server, 800, 600)
        expect(page.locator("#help-reminder")).to_be_visible()
        expect(page.locator("#start-meeting .start-label")).to_have_text(start)
        expect(page.locator("#deck-list .deck-card").first).to_be_visible()
        assert page.evaluate("() => window.scrollY") == 0
        outside = [where for where in (_outside(page, selector, 800, 600) for selector in FIRST_SCREEN) if where]
        assert not outside, f"at 800x600 in {language}, not in the first screen: {outside}"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 800
        assert_accessible(page, f"the console before a meeting at 800x600, in {language}")
        # The start bar stays beside the evenings as the list scrolls: Start and the title never go out of sight.
        page.mouse.wheel(0, 900)
        page.wait_for_function("() => window.scrollY > 0")
        expect(page.locator("#start-meeting")).to_be_in_viewport(ratio=1)
        expect(page.locator("#start-title")).to_be_in_viewport(ratio=1)
        assert errors == []
        page.context.close()

        for width, height in ((360, 740), (320, 640)):
            page, errors = _console(browser, server, width, height)
            expect(page.locator("#deck-list .deck-card").first).to_be_visible()
            heading = page.locator("#setup-heading").bounding_box()
            on_top = page.evaluate("(p) => document.elementFromPoint(p.x, p.y)?.closest('#setup-heading') !== null",
                                   {"x": heading["x"] + 10, "y": heading["y"] + heading["height"] / 2})
            assert on_top, f"at {width}x{height} in {language} the page's heading is covered when it opens"
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width
            page.locator("#start-meeting").scroll_into_view_if_needed()
            box = page.locator("#start-meeting").bounding_box()
            assert page.evaluate("(p) => document.elementFromPoint(p.x, p.y)?.closest('#start-meeting') !== null",
                                 {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2})
            # Help lines follow the form as any section follows another, not after a gap kept for a bar
            # that here stays in its place.
            gap = page.evaluate("""() => document.querySelector('.setup > .help-settings').getBoundingClientRect().top
                - document.querySelector('.setup-form').getBoundingClientRect().bottom""")
            assert gap <= 40, f"{gap:.0f} px of nothing above Help lines at {width}x{height} in {language}"
            # The title's example is read whole, not cut at the field's edge.
            room = page.evaluate("""() => {
                const input = document.getElementById('start-title'), style = getComputedStyle(input);
                const pen = document.createElement('canvas').getContext('2d');
                pen.font = style.font;
                return input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
                    - pen.measureText(input.placeholder).width;
            }""")
            assert room >= 0, f"the title's example is cut by {-room:.0f} px at {width}x{height} in {language}"
            assert errors == []
            page.context.close()
    console.close()


def test_on_a_phone_every_status_label_of_the_console_reads_on_one_line(browser, server):
    """Spanish states are long ("Resultados mostrados"): at 360 and 320 px each badge keeps its words on one line."""
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    console.do(events.SET_LANGUAGE, language="es")
    state = console.start(deck="starter-es")
    poll = next(item for item in state["agenda"] if item["kind"] == "choice")
    console.do(events.PUSH_ITEM, item_id=poll["id"])
    phones = [SocketPhone(server.url, state["meeting"]["code"]) for _ in range(3)]
    console.answered_and_revealed(poll["id"], phones, [0, 1, 0])
    page, errors = _console(browser, server, 360, 740)
    expect(page.locator("#now .badge-state")).to_have_text("Resultados mostrados")
    for width, height in ((360, 740), (320, 640)):
        page.set_viewport_size({"width": width, "height": height})
        badges = page.locator("#now .badge:visible, #agenda .badge:visible")
        assert badges.count() >= 4  # "now" and the agenda's current item: its kind and its state; "on the phones now"
        split = [(badge.inner_text(), badge.evaluate(LINES)) for badge in badges.all() if badge.evaluate(LINES) != 1]
        assert not split, f"at {width} px these labels take more than one line: {split}"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert_accessible(page, "the console on a phone, a poll revealed, in Spanish")
    assert errors == []
    for phone in phones:
        phone.close()
    console.do(events.END_MEETING)
