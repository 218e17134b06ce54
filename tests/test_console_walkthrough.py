"""The console as a walkthrough found it mid-meeting: where the agenda is, what the next step is, and what End says."""

import re

import pytest
from conftest import SocketConsole, SocketPhone, assert_accessible
from test_console_browser import WORDS, _console, _focused

from facilitator import events

pytestmark = pytest.mark.browser

PRIMARY = re.compile(r"\bbtn-primary\b")
# The panels of a running meeting, in the order he meets them on an 800x600 laptop (one column).
ONE_COLUMN = ("#now", "#moderation", "#agenda-heading", "#agenda", "#add-panel", "#notes-heading", "#cofacilitator",
              "#language-panel", "#help-settings")


def _words_closed(server, language="en", words=WORDS[:4]):
    """A meeting whose words poll ("feeling", on the phones now) was answered and closed; returns (helper, id)."""
    helper = SocketConsole(server.url)
    if language == "es":
        helper.do(events.SET_LANGUAGE, language="es")
    helper.start()
    feeling = helper.answered_and_closed("feeling", words)
    helper.wait_for(lambda state: state["pending"].get(str(feeling)))
    return helper, feeling


def _tops(page, selectors):
    """Each element's top on the page (not the window), in the order given."""
    return [page.evaluate("(s) => document.querySelector(s).getBoundingClientRect().top + window.scrollY", s)
            for s in selectors]


@pytest.mark.parametrize("language", ["en", "es"])
def test_at_800x600_the_agenda_comes_right_after_the_answers_to_review_and_the_rare_panels_after_it(
        browser, server, language):
    """Mid-meeting he needs the agenda (go back, skip): it was four screens down, under notes, co-facilitator, language."""
    from playwright.sync_api import expect

    helper, _feeling = _words_closed(server, language)
    page, errors = _console(browser, server, 800, 600)
    expect(page.locator("#moderation .mod-entry")).to_have_count(4)
    tops = _tops(page, ONE_COLUMN)
    assert tops == sorted(tops), f"at 800x600 in {language} the panels are not in this order: {ONE_COLUMN}"
    # The page's order is the keyboard's: Tab from the last control of the review goes into the agenda.
    page.locator("#moderation-list button, #moderation-list input").last.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('#agenda')"), _focused(page)
    # Right after the review list: nothing between them.
    review_end = page.evaluate("() => document.getElementById('moderation').getBoundingClientRect().bottom + scrollY")
    assert tops[2] - review_end < 60
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 800
    assert_accessible(page, f"the console at 800x600, words to review, in {language}")
    assert errors == []
    helper.close()


def test_on_a_wide_screen_the_agenda_stays_beside_now_while_the_rare_panels_scroll_under_now(browser, server):
    """1280x800: "now" and the review on the left with the other panels under them; the agenda beside, always in view."""
    from playwright.sync_api import expect

    helper, _feeling = _words_closed(server)
    page, errors = _console(browser, server, 1280, 800)
    expect(page.locator("#moderation .mod-entry")).to_have_count(4)
    now, agenda = page.locator("#now").bounding_box(), page.locator(".col-agenda").bounding_box()
    assert agenda["x"] > now["x"] + now["width"] and abs(agenda["y"] - now["y"]) < 2
    assert agenda["y"] + agenda["height"] <= 800  # its own scroll ends on the screen, not below it
    current = page.locator("#agenda li.is-current")
    expect(current).to_be_in_viewport()
    for panel in ("#moderation", "#notes-heading", "#cofacilitator", "#language-panel", "#help-settings"):
        box = page.locator(panel).bounding_box()
        assert box["x"] + box["width"] < agenda["x"], f"{panel} is not in the left column"
    page.locator("#language-panel").scroll_into_view_if_needed()
    expect(page.locator("#language-panel")).to_be_in_viewport()
    expect(page.locator("#now")).not_to_be_in_viewport()
    expect(current).to_be_in_viewport()  # the left side scrolled; the agenda did not
    assert page.locator(".col-agenda").bounding_box() == pytest.approx(agenda, abs=2)
    assert page.evaluate("() => window.scrollY") == 0  # the page itself never scrolls under the top bar
    # The agenda still scrolls on its own, to its last item.
    page.locator("#agenda li.item").last.scroll_into_view_if_needed()
    expect(page.locator("#agenda li.item").last).to_be_in_viewport()
    assert_accessible(page, "the console at 1280x800, the left side scrolled to the language")
    assert errors == []
    helper.close()


def test_words_closed_with_nothing_approved_offer_review_as_the_main_step_in_the_agenda_too(browser, server):
    """The agenda card's Reveal was the orange button while the now panel said Reveal would show an empty picture."""
    from playwright.sync_api import expect

    helper, feeling = _words_closed(server)
    page, errors = _console(browser, server, 800, 600)
    card = page.locator(f'#agenda li.item[data-item-id="{feeling}"]')
    now = page.locator("#now-body")
    for where in (card, now):
        expect(where.locator('[data-action="review"]')).to_have_text("Review answers")
        expect(where.locator('[data-action="review"]')).to_have_class(PRIMARY)
        expect(where.locator('[data-action="reveal"]')).not_to_have_class(PRIMARY)
    card.locator('[data-action="review"]').click()
    expect(page.locator("#moderation-heading")).to_be_focused()
    expect(page.locator("#moderation-heading")).to_be_in_viewport()
    page.keyboard.press("Tab")
    assert _focused(page)["action"] == "approve-all"  # Tab goes on into the list itself
    assert_accessible(page, "the console at 800x600, words closed, Review answers pressed")
    page.locator(f'#moderation button[data-action="approve"][data-text="{WORDS[0]}"]').click()
    for where in (card, now):
        expect(where.locator('[data-action="review"]')).to_have_count(0)
        expect(where.locator('[data-action="reveal"]')).to_have_class(PRIMARY)
    assert errors == []
    helper.close()


def test_reveal_with_nothing_approved_asks_first_and_not_revealing_leads_to_the_review(browser, server):
    """One click used to show every phone an empty result; now the console's own dialog asks, going back is its main button."""
    from playwright.sync_api import expect

    helper, feeling = _words_closed(server)
    page, errors = _console(browser, server, 800, 600)
    dialog = page.locator("#confirm-dialog")
    page.locator(f'#agenda li.item[data-item-id="{feeling}"] [data-action="reveal"]').click()
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-title")).to_have_text("Show the room an empty result?")
    expect(dialog).to_contain_text("Nothing is approved yet")
    expect(page.locator("#confirm-cancel")).to_have_text("Review answers")
    expect(page.locator("#confirm-cancel")).to_have_class(PRIMARY)
    expect(page.locator("#confirm-cancel")).to_be_focused()  # Enter is the safe way
    expect(page.locator("#confirm-ok")).to_have_text("Reveal anyway")
    expect(page.locator("#confirm-ok")).not_to_have_class(PRIMARY)
    expect(page.locator("#confirm-extra")).to_be_hidden()
    assert_accessible(page, "the question before revealing nothing approved")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#moderation-heading")).to_be_focused()
    page.wait_for_timeout(300)  # a reveal on its way would be here by now
    assert next(i for i in helper.states[-1]["agenda"] if i["id"] == feeling)["state"] == "closed"
    # The shortcut asks the same question; Escape leaves the poll closed too.
    page.locator("#now-heading").focus()
    page.keyboard.press("r")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # He may still choose it: then the poll is revealed, empty.
    page.locator('#now-body [data-action="reveal"]').click()
    page.click("#confirm-ok")
    helper.wait_for(lambda state: next(i for i in state["agenda"] if i["id"] == feeling)["state"] == "revealed")
    expect(page.locator(f'#agenda li.item[data-item-id="{feeling}"]')).to_have_attribute("data-state", "revealed")
    assert errors == []
    helper.close()


def test_a_reveal_with_answers_approved_is_not_asked_about(browser, server):
    """Only the empty picture is asked about: with something approved (or a choice poll) Reveal acts at once."""
    from playwright.sync_api import expect

    helper, feeling = _words_closed(server)
    helper.do(events.MODERATE, item_id=feeling, text=WORDS[0], approved=True, export=False)
    page, errors = _console(browser, server)
    expect(page.locator('#now-body [data-action="reveal"]')).to_have_class(PRIMARY)
    page.locator('#now-body [data-action="reveal"]').click()
    helper.wait_for(lambda state: next(i for i in state["agenda"] if i["id"] == feeling)["state"] == "revealed")
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    assert errors == []
    helper.close()


@pytest.mark.parametrize("where", ["#now-body", "#agenda"])
def test_close_by_keyboard_moves_on_to_the_next_step_never_to_take_more_answers(browser, server, where):
    """After Close, Enter again must not open the poll again: words go on to Review answers, a choice poll to Reveal."""
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    code = helper.start()["meeting"]["code"]
    page, errors = _console(browser, server)
    for key, values, step in (("feeling", WORDS[:4], "review"), ("arrive", [0, 1, 2], "reveal")):
        item = helper.push(key)
        for value in values:
            phone = SocketPhone(server.url, code)
            assert phone.call(events.ANSWER, {"item_id": item, "value": value})["ok"]
            phone.close()
        close = page.locator(f'{where} [data-action="close"][data-item-id="{item}"]')
        expect(close).to_have_count(1)
        close.focus()
        page.keyboard.press("Enter")
        helper.wait_for(lambda state, item=item: next(i for i in state["agenda"] if i["id"] == item)["state"] == "closed")
        expect(page.locator(f'{where} [data-action="{step}"][data-item-id="{item}"]')).to_be_focused()
        expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
        assert _focused(page)["action"] == step
        if step == "review":
            expect(close).to_have_count(0)
            assert_accessible(page, f"words closed by keyboard from {where}")
    page.wait_for_timeout(300)
    arrive = helper.item_id("arrive")
    assert next(i for i in helper.states[-1]["agenda"] if i["id"] == arrive)["state"] == "closed"
    assert errors == []
    helper.close()
