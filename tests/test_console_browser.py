"""The console in headless Chromium against a real server (issue 16): review order, keyboard, co-facilitator."""

import re
import shutil

import pytest
from conftest import SocketConsole, SocketPhone, assert_accessible

from facilitator import events

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WORDS = ("tired", "hopeful", "calm", "restless", "heavy", "light")


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


def _console(browser, server, width=1280, height=800):
    """The console page, with every script error it reports."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/facilitator")
    return page, errors


def _meeting_in(server, language):
    """A meeting started in this language, from an evening written in it; returns the console helper."""
    console = SocketConsole(server.url)
    if language == "es":
        console.do(events.SET_LANGUAGE, language="es")
    console.start(deck="starter-es" if language == "es" else "test-evening")
    return console


def _words_in_review(server, words=WORDS):
    """A meeting whose words poll was answered, one phone per word, and closed; returns (helper, item id)."""
    helper = SocketConsole(server.url)
    helper.start()
    return helper, helper.answered_and_closed("feeling", words)


def _listed(page):
    """The review list's words, top to bottom."""
    return page.locator("#moderation .mod-entry .mod-words").all_inner_texts()


def test_the_review_list_stays_put_and_approve_acts_on_the_entry_clicked(browser, server):
    from playwright.sync_api import expect

    helper, _feeling = _words_in_review(server)
    page, errors = _console(browser, server)
    expect(page.locator("#moderation .mod-entry")).to_have_count(len(WORDS))
    before = _listed(page)
    chosen = before[3]
    page.locator(f'#moderation button[data-action="approve"][data-text="{chosen}"]').click()
    expect(page.locator(f'#moderation .mod-entry.is-approved[data-text="{chosen}"]')).to_have_count(1)
    expect(page.locator("#moderation .mod-entry.is-approved")).to_have_count(1)
    assert _listed(page) == before
    page.locator(f'#moderation .mod-entry[data-text="{chosen}"] input[data-action="export"]').check()
    page.fill("#notes", "A quiet start.")
    page.locator("#notes").blur()
    expect(page.locator("#notes-status")).to_have_text("Saved.")
    assert _listed(page) == before
    page.reload()
    expect(page.locator("#moderation .mod-entry")).to_have_count(len(WORDS))
    assert _listed(page) == before
    assert errors == []
    helper.close()


def test_include_in_export_comes_with_approve_and_the_list_says_so_once(browser, server):
    """Only what the room saw can go into the summary: an entry waiting for Approve has no box to tick."""
    from playwright.sync_api import expect

    helper, _feeling = _words_in_review(server)
    page, errors = _console(browser, server)
    expect(page.locator("#moderation .mod-entry")).to_have_count(len(WORDS))
    entry = page.locator('#moderation .mod-entry[data-text="calm"]')
    box = entry.locator('input[data-action="export"]')
    expect(box).to_have_count(0)
    expect(entry.locator(".mod-status")).to_have_text("Not shown yet")
    expect(page.locator("#moderation-hint")).to_contain_text("Once one is approved, tick \u201cInclude in export\u201d")
    # Each entry says its state in a few words; the explanation is the list's, said once.
    assert all(len(status.split()) <= 6 for status in page.locator("#moderation .mod-status").all_inner_texts())
    entry.locator('button[data-action="approve"]').click()
    expect(box).to_be_enabled()
    expect(entry.locator(".mod-status")).to_have_text("Approved \u2014 the room sees it when you reveal")  # not yet
    expect(page.locator('#moderation input[data-action="export"]')).to_have_count(1)
    box.check()
    expect(box).to_be_checked()
    state = helper.wait_for(lambda p: any(e["text"] == "calm" and e["export"]
                                          for e in (p.get("pending") or {}).get(str(_feeling), [])))
    assert state
    assert_accessible(page, "the review list with one entry approved")
    helper.do(events.REVEAL_POLL, item_id=_feeling)
    expect(entry.locator(".mod-status")).to_have_text("Approved \u2014 the room can see it")
    assert errors == []
    helper.close()


def test_ending_with_approved_answers_not_marked_says_the_summary_leaves_them_out_and_the_list_is_a_quiet_way_back(
        browser, server):
    """Leaving a man's words out of the summary is the usual end: the dialog says what the summary leaves out, and
    going back to mark some is a quiet third way, not the answer the dialog leans to."""
    from playwright.sync_api import expect

    helper, feeling = _words_in_review(server)
    page, errors = _console(browser, server)
    page.locator('#moderation button[data-action="approve-all"]').click()
    expect(page.locator("#moderation .mod-entry.is-approved")).to_have_count(len(WORDS))
    for word in WORDS[:4]:
        page.locator(f'#moderation .mod-entry[data-text="{word}"] input[data-action="export"]').check()
    helper.wait_for(lambda p: sum(e["export"] for e in p["pending"][str(feeling)]) == 4)
    page.click("#end-meeting")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("The summary leaves out the words of 2 approved answers not marked "
                                   "\u201cInclude in export\u201d. That is the usual choice.")
    expect(dialog).not_to_contain_text("will not be in the summary")
    expect(page.locator("#confirm-cancel")).to_have_text("Cancel")
    expect(page.locator("#confirm-cancel")).to_be_focused()
    back = page.locator("#confirm-extra")
    expect(back).to_have_text("Back to the review list")
    expect(back).to_have_class(re.compile(r"\bbtn-quiet\b"))
    assert_accessible(page, "the end dialog with approved answers not marked")
    page.click("#confirm-cancel")  # Cancel is only that: the dialog goes, the keyboard is back on End
    expect(dialog).to_be_hidden()
    expect(page.locator("#end-meeting")).to_be_focused()
    page.click("#end-meeting")
    back.click()
    expect(dialog).to_be_hidden()
    expect(page.locator('#moderation input[data-action="export"]:not(:checked)').first).to_be_focused()
    focused = _focused(page)
    assert focused["action"] == "export" and focused["text"] in WORDS[4:]
    assert page.evaluate("() => { const r = document.activeElement.getBoundingClientRect();"
                         " return r.top >= 0 && r.bottom <= innerHeight; }")
    assert helper.states[-1]["meeting"] is not None  # nothing ended
    for word in WORDS[4:]:
        page.locator(f'#moderation .mod-entry[data-text="{word}"] input[data-action="export"]').check()
    helper.wait_for(lambda p: all(e["export"] for e in p["pending"][str(feeling)]))
    page.click("#end-meeting")
    expect(dialog).not_to_contain_text("not marked")
    expect(page.locator("#confirm-cancel")).to_have_text("Cancel")
    expect(page.locator("#confirm-extra")).to_be_hidden()
    page.click("#confirm-ok")
    expect(page.locator("#ended-notice")).to_be_visible()
    assert errors == []
    helper.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_on_a_co_facilitators_phone_every_button_wraps_and_nothing_runs_off_the_side(browser, server, language):
    """A co-facilitator may hold the console on a phone: every button of the bar is on screen, none beyond it."""
    from playwright.sync_api import expect

    console = _meeting_in(server, language)
    for width in (320, 360):
        page, errors = _console(browser, server, width, 740)
        expect(page.locator("#end-meeting")).to_be_visible()
        expect(page.locator("#keys-button")).to_be_hidden()  # no keyboard to press them on
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        for button in page.locator(".btn:visible").all():
            box = button.bounding_box()
            assert 0 <= box["x"] and box["x"] + box["width"] <= width, (button.inner_text(), box)
        assert errors == []
        page.context.close()
    console.do(events.END_MEETING)


def test_the_help_lines_reminder_leads_to_where_they_are_typed(browser, server):
    """The reminder names a section at the bottom of the page: its link opens it, ready to type in."""
    from playwright.sync_api import expect

    page, errors = _console(browser, server, 800, 600)
    expect(page.locator("#help-reminder")).to_be_visible()
    expect(page.locator("#help-settings")).not_to_have_attribute("open", "")
    page.click("#help-reminder-go")
    expect(page.locator("#help-settings")).to_have_attribute("open", "")
    field = page.locator("#help-settings textarea")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    # Both folds of the page show a sign that they open, turned when they are open.
    marks = page.evaluate("""() => [...document.querySelectorAll('#setup-more > summary, #help-settings > summary')]
        .map((s) => getComputedStyle(s, '::before')).map((m) => [m.content, m.borderBottomStyle, m.transform])""")
    assert len(marks) == 2 and all(content == '""' and border == "solid" for content, border, _turn in marks)
    assert marks[0][2] != marks[1][2]  # "More options" closed, the help lines open
    assert_accessible(page, "the console with the help lines opened from the reminder")
    assert errors == []


def test_the_buttons_that_take_answers_again_say_so_and_the_shortcuts_button_has_a_name_to_see(browser, server):
    """'Open' and 'Reopen' beside a poll's state read like states; the button says what it does."""
    from playwright.sync_api import expect

    helper, feeling = _words_in_review(server)
    page, errors = _console(browser, server)
    again = page.locator(f'#now-body button[data-action="open"][data-item-id="{feeling}"]')
    expect(again).to_have_text("Take more answers")
    expect(again).to_have_attribute("title", re.compile("answers so far are kept"))
    helper.do(events.MODERATE_ALL, item_id=feeling, texts=list(WORDS))
    helper.do(events.REVEAL_POLL, item_id=feeling)
    expect(page.locator(f'#now-body button[data-action="reopen"][data-item-id="{feeling}"]')).to_have_text("Take more answers")
    expect(page.locator("#keys-button")).to_have_text(re.compile(r"^\?\s*Shortcuts$"))
    assert_accessible(page, "a revealed poll with its button to take more answers")
    assert errors == []
    helper.close()


def test_the_word_after_line_can_be_hidden_until_its_count_changes(browser, server):
    """He has seen that a man wants a word: the line may go, and comes back only with a new count."""
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start(deck="open-floor")["meeting"]["code"]
    phones = [SocketPhone(server.url, code) for _ in range(2)]
    assert phones[0].call(events.WORD_AFTER, {"want": True})["ok"]
    console.push("break")  # a moment no phone chooses: the count is drawn
    page, errors = _console(browser, server)
    line = page.locator("#word-after-line")
    expect(line).to_contain_text("1 man would like a word after the meeting.")
    assert_accessible(page, "the console with the word-after line")
    page.click("#word-after-close")
    expect(line).to_be_hidden()
    console.do(events.SET_NOTES, notes="A quiet start.")  # a new state with the same count keeps it hidden
    console.wait_for(lambda state: state["meeting"]["notes"] == "A quiet start.")
    expect(page.locator("#notes")).to_have_value("A quiet start.")
    expect(line).to_be_hidden()
    assert phones[1].call(events.WORD_AFTER, {"want": True})["ok"]
    console.push("checkout-feeling")  # the closing round: drawn again
    expect(line).to_contain_text("2 men would like a word after the meeting.")
    expect(line).to_be_visible()
    assert errors == []


@pytest.mark.parametrize("width", [360, 800])
def test_after_the_end_each_download_says_what_it_is_on_one_line(browser, server, width):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    console.do(events.SET_LANGUAGE, language="es")  # the longest names
    console.start()
    console.do(events.END_MEETING)
    page, errors = _console(browser, server, width, 740)
    expect(page.locator("#ended-notice")).to_be_visible()
    links = page.locator("#ended-downloads a")
    expect(links).to_have_text(["página para imprimir", "archivo de texto (Markdown)", "hoja de cálculo (CSV)",
                                "archivo de datos (JSON)"])
    assert [link.evaluate("a => a.getClientRects().length") for link in links.all()] == [1, 1, 1, 1]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert_accessible(page, "the console after the end, in Spanish")
    assert errors == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_on_an_old_800x600_screen_the_top_bar_never_holds_a_quarter_of_the_screen(browser, server, language):
    """In Spanish the bar takes three rows; held at the top it left the current item below the fold."""
    from playwright.sync_api import expect

    console = _meeting_in(server, language)
    page, errors = _console(browser, server, 800, 600)
    expect(page.locator("#end-meeting")).to_be_visible()
    page.evaluate("window.scrollTo(0, 400)")
    bar = page.locator("#topbar").bounding_box()
    assert bar["y"] + bar["height"] <= 600 / 4, bar
    assert errors == []
    console.do(events.END_MEETING)


def _focused(page):
    """What has keyboard focus: its id, action, entry text and label."""
    return page.evaluate("""() => { const el = document.activeElement;
        return { id: el.id, action: el.dataset.action || null, text: el.dataset.text || null,
                 entry: (el.closest('.mod-entry') || {dataset: {}}).dataset.text || null,
                 label: el.textContent.trim() }; }""")


def test_approve_include_and_approve_all_keep_keyboard_focus_where_the_action_was(browser, server):
    from playwright.sync_api import expect

    helper, _feeling = _words_in_review(server)
    page, errors = _console(browser, server)
    expect(page.locator("#moderation .mod-entry")).to_have_count(len(WORDS))
    page.focus('#moderation button[data-action="approve-all"]')
    page.keyboard.press("Enter")
    expect(page.locator("#moderation .mod-entry.is-approved")).to_have_count(len(WORDS))
    assert _focused(page)["entry"] in WORDS  # still in the review list, not back at the top of the page
    page.focus('#moderation button[data-action="hide"][data-text="calm"]')
    page.keyboard.press("Enter")
    expect(page.locator('#moderation .mod-entry.is-approved[data-text="calm"]')).to_have_count(0)
    assert _focused(page)["action"] == "approve" and _focused(page)["text"] == "calm"
    page.keyboard.press("Enter")
    expect(page.locator('#moderation .mod-entry.is-approved[data-text="calm"]')).to_have_count(1)
    assert _focused(page)["action"] == "hide" and _focused(page)["text"] == "calm"
    page.keyboard.press("Tab")
    assert _focused(page)["action"] == "export" and _focused(page)["text"] == "calm"
    page.keyboard.press("Space")
    helper.wait_for(lambda p: any(e["text"] == "calm" and e["export"] for e in p["pending"][str(_feeling)]))
    expect(page.locator('#moderation .mod-entry[data-text="calm"] input[data-action="export"]')).to_be_checked()
    assert _focused(page)["action"] == "export" and _focused(page)["text"] == "calm"
    assert errors == []
    helper.close()


def test_approve_all_is_offered_only_on_a_list_he_has_not_touched(browser, server):
    """Once he approved one and held others back, "Approve all 2" would put exactly those on the wall."""
    from playwright.sync_api import expect

    helper, _feeling = _words_in_review(server)
    page, errors = _console(browser, server)
    expect(page.locator("#moderation .mod-entry")).to_have_count(len(WORDS))
    expect(page.locator('#moderation button[data-action="approve-all"]')).to_have_text(f"Approve all {len(WORDS)}")
    page.locator('#moderation button[data-action="approve"][data-text="calm"]').click()
    expect(page.locator('#moderation .mod-entry.is-approved[data-text="calm"]')).to_have_count(1)
    expect(page.locator('#moderation button[data-action="approve-all"]')).to_have_count(0)
    page.locator('#moderation button[data-action="hide"][data-text="calm"]').click()
    expect(page.locator("#moderation .mod-entry.is-approved")).to_have_count(0)
    expect(page.locator('#moderation button[data-action="approve-all"]')).to_have_count(0)  # hidden by hand
    page.reload()  # what he decided is the server's to remember, not the page's
    expect(page.locator("#moderation .mod-entry")).to_have_count(len(WORDS))
    expect(page.locator('#moderation button[data-action="approve-all"]')).to_have_count(0)
    assert_accessible(page, "the review list once he decided an entry by hand")
    assert errors == []
    helper.close()


def test_show_on_phones_by_keyboard_leaves_focus_where_a_second_enter_does_nothing(browser, server):
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    helper.start()
    sentence = helper.item_id("sentence")
    page, errors = _console(browser, server)
    page.focus(f'#agenda button[data-action="push"][data-item-id="{sentence}"]')
    page.keyboard.press("Enter")
    expect(page.locator("#now-body .now-prompt")).to_have_text("Something you want the group to know.")
    assert _focused(page)["id"] == "now-heading"
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    helper.wait_for(lambda p: p["current"] == sentence)
    assert next(i for i in helper.states[-1]["agenda"] if i["id"] == sentence)["state"] == "open"
    page.keyboard.press("Tab")
    assert _focused(page)["action"] == "close"  # the next step for a sentence poll comes first
    assert errors == []
    helper.close()


def test_the_next_step_comes_before_the_agenda_in_keyboard_order(browser, server):
    helper = SocketConsole(server.url)
    helper.start()
    page, errors = _console(browser, server)
    page.wait_for_selector('#now-body [data-role="push-next"]')
    before = page.evaluate("""() => {
        const next = document.querySelector('#now-body [data-role="push-next"]');
        const first = document.querySelector('#agenda button');
        return !!(next.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING); }""")
    assert before
    assert errors == []
    helper.close()


def test_shortcuts_run_the_evening_and_none_acts_while_typing(browser, server):
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    code = helper.start()["meeting"]["code"]
    welcome, arrive = helper.item_id("welcome"), helper.item_id("arrive")
    page, errors = _console(browser, server)
    page.wait_for_selector('#now-body [data-role="push-next"]')
    page.keyboard.press("?")
    expect(page.locator("#keys-dialog")).to_have_attribute("open", "")
    expect(page.locator("#keys-dialog")).to_contain_text("Reveal the result")
    page.keyboard.press("n")  # inside the overlay: no shortcut acts
    page.keyboard.press("Escape")
    expect(page.locator("#keys-dialog")).not_to_have_attribute("open", "")
    assert helper.states[-1]["current"] is None
    page.keyboard.press("n")
    helper.wait_for(lambda p: p["current"] == welcome)
    # The page moves on from what it shows: wait until it shows the welcome on the phones.
    expect(page.locator(f'#agenda li.item[data-item-id="{welcome}"]')).to_contain_text("On phones now")
    expect(page.locator('[aria-busy="true"]')).to_have_count(0)
    page.keyboard.press("n")
    helper.wait_for(lambda p: p["current"] == arrive)
    phones = [SocketPhone(server.url, code) for _ in range(3)]
    for n, phone in enumerate(phones):
        assert phone.call(events.ANSWER, {"item_id": arrive, "value": n})["ok"]
    page.focus("#notes")
    page.keyboard.type("or wait")  # o, r and w typed in his notes change nothing
    expect(page.locator("#notes-status")).to_have_text("Saved.")
    assert next(i for i in helper.states[-1]["agenda"] if i["id"] == arrive)["state"] == "open"
    page.focus("#now-heading")
    expect(page.locator('[aria-busy="true"]')).to_have_count(0)  # the last action answered
    # Each key once the page shows the step it takes, as he would see it first: the page hears of
    # a change on its own connection, which may be later than the helper's.
    expect(page.locator('#now-body [data-action="close"]')).to_have_count(1)
    page.keyboard.press("o")
    helper.wait_for(lambda p: next(i for i in p["agenda"] if i["id"] == arrive)["state"] == "closed")
    expect(page.locator('[aria-busy="true"]')).to_have_count(0)  # the last action answered
    expect(page.locator('#now-body [data-action="reveal"]')).to_have_count(1)
    page.keyboard.press("r")
    helper.wait_for(lambda p: next(i for i in p["agenda"] if i["id"] == arrive)["state"] == "revealed")
    expect(page.locator('[aria-busy="true"]')).to_have_count(0)  # the last action answered
    expect(page.locator('#now-body [data-action="clear"]')).to_have_count(1)
    page.keyboard.press("w")
    helper.wait_for(lambda p: p["current"] is None)
    with page.expect_popup() as popup:
        page.keyboard.press("p")
    assert popup.value.url.endswith("/screen")
    assert errors == []
    helper.close()


def test_invite_a_co_facilitator_shows_his_qr_on_the_laptop_and_revoke_retires_it(browser, server, data_dir):
    import json

    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    helper.start()
    page, errors = _console(browser, server)
    page.click("#cofac-invite")
    key = json.loads((data_dir / "secrets.json").read_text())["facilitator_key"]
    expect(page.locator("#cofac-url")).to_have_text(re.compile(rf"^http://\S+/facilitator\?key={key}$"))
    expect(page.locator("#cofac-qr")).to_have_js_property("complete", True)  # no wait_for_function: the CSP forbids its eval
    assert page.locator("#cofac-qr").evaluate("img => img.naturalWidth") > 0
    revoke = page.locator("#cofac-revoke")
    # Shown at every meeting (a link from an earlier one may still be out), so it never looks like an alarm.
    expect(revoke).to_have_text("Turn off co-facilitator links")
    expect(revoke).not_to_have_class(re.compile("danger"))
    expect(page.locator("#" + revoke.get_attribute("aria-describedby"))).to_contain_text("earlier meeting")
    revoke.click()
    expect(page.locator("#confirm-title")).to_have_text("Turn off co-facilitator links?")
    page.click("#confirm-ok")
    expect(page.locator("#cofac-status")).to_contain_text("no co-facilitator link works now")
    expect(page.locator("#cofac-shown")).to_be_hidden()
    assert json.loads((data_dir / "secrets.json").read_text())["facilitator_key"] != key
    assert errors == []
    helper.close()


def test_live_surfaces_count_responses_and_say_answered_only_of_real_answers(browser, server):
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    code = helper.start()["meeting"]["code"]
    arrive = helper.push("arrive")
    for n in range(3):
        assert SocketPhone(server.url, code).call(events.ANSWER, {"item_id": arrive, "value": n})["ok"]
    assert SocketPhone(server.url, code).call(events.ANSWER, {"item_id": arrive, "pass": True})["ok"]
    page, errors = _console(browser, server)
    expect(page.locator("#now-body .now-count")).to_contain_text("4 responded")
    screen = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    screen.goto(server.url + "/screen")
    expect(screen.locator("#item-status")).to_have_text("4 responded")
    helper.do(events.REVEAL_POLL, item_id=arrive)
    expect(page.locator("#now-result")).to_contain_text("3 answered · 1 passed")
    expect(screen.locator("body")).to_contain_text("3 answered · 1 passed")
    assert errors == []
    helper.close()


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 800)])
def test_a_long_deck_title_never_runs_into_the_join_code(browser, server, width, height):
    from playwright.sync_api import expect

    page, errors = _console(browser, server, width, height)
    page.click('label[for="deck-how-we-meet"]')  # the longest built-in title
    page.click("#start-meeting")
    expect(page.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    title = page.locator("#meeting-title").bounding_box()
    join = page.locator("#join-info").bounding_box()
    assert title["x"] + title["width"] <= join["x"], (title, join)
    assert errors == []
    SocketConsole(server.url).do(events.END_MEETING)


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 800)])
def test_in_spanish_the_top_bar_keeps_every_button_on_screen_and_the_title_whole(browser, server, width, height):
    """Spanish buttons are longer: they take a second row rather than run off the edge or squeeze the title."""
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    console.do(events.SET_LANGUAGE, language="es")
    console.start(deck="starter-es")
    page, errors = _console(browser, server, width, height)
    expect(page.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    expect(page.locator("#meeting-title")).to_have_text("Una primera prueba")
    off = page.evaluate("""() => [...document.querySelectorAll('.topbar button, .topbar a, .topbar p')]
        .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > window.innerWidth)
        .map(el => el.textContent.trim())""")
    assert off == []
    assert page.evaluate("(t => t.scrollHeight <= t.clientHeight + 1 && t.scrollWidth <= t.clientWidth + 1)"
                         "(document.getElementById('meeting-title'))"), "the title is cut short"
    title = page.locator("#meeting-title").bounding_box()
    join = page.locator("#join-info").bounding_box()
    assert title["x"] + title["width"] <= join["x"], (title, join)
    assert errors == []


def test_a_poll_revealed_before_anyone_answered_says_nobody_has_answered_yet(browser, server):
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    helper.start()
    arrive = helper.push("arrive")
    helper.do(events.REVEAL_POLL, item_id=arrive)
    page, errors = _console(browser, server)
    note = page.locator("#now-result-wrap .floor-note")
    expect(note).to_contain_text("Nobody has answered yet. The privacy floor is 3")
    expect(note).not_to_contain_text("Only 0")
    assert errors == []
    helper.do(events.END_MEETING)


def test_on_an_old_800x600_screen_start_is_near_the_decks_and_the_current_items_note_is_in_view(browser, server):
    """At 800x600 the decks scroll in their own box, and "now" carries the note the agenda holds far below."""
    from playwright.sync_api import expect

    page, errors = _console(browser, server, 800, 600)
    expect(page.locator("#deck-list label").first).to_be_visible()
    start = page.evaluate("document.getElementById('start-meeting').getBoundingClientRect().top + window.scrollY")
    assert start < 800, f"Start the meeting is {start} px down"
    # "Write or change an evening" shares the line of the evenings' legend: clear of the decks and of the legend.
    link, legend = page.locator("#evenings-link").bounding_box(), page.locator(".decks legend").bounding_box()
    decks = page.locator("#deck-list").bounding_box()
    assert link["y"] + link["height"] <= decks["y"] and link["x"] >= legend["x"] + legend["width"]
    assert page.evaluate("(p) => document.elementFromPoint(p.x, p.y).closest('#evenings-link') !== null",
                         {"x": link["x"] + link["width"] / 2, "y": link["y"] + link["height"] / 2})
    assert_accessible(page, "the console before a meeting at 800x600, decks in their own box")
    page.click("#start-meeting")
    expect(page.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    console = SocketConsole(server.url)
    console.wait_for(lambda state: state["meeting"] is not None)
    welcome = console.states[-1]["agenda"][0]
    assert welcome["note"]
    console.do(events.PUSH_ITEM, item_id=welcome["id"])
    note = page.locator("#now .now-note")
    expect(note).to_have_text(welcome["note"])
    assert note.bounding_box()["y"] < 2 * 600
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(note).to_be_hidden()  # the agenda beside it shows the note
    assert errors == []


def test_words_are_reviewed_before_reveal_is_offered_as_the_next_step(browser, server):
    """Open: Close only. Closed with nothing approved: the review list first, Reveal quiet. Approved: Reveal."""
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    code = helper.start()["meeting"]["code"]
    feeling = helper.push("feeling")
    page, errors = _console(browser, server)
    now = page.locator("#now-body")
    expect(now.locator('[data-action="close"]')).to_have_count(1)
    expect(now.locator('[data-action="reveal"]')).to_have_count(0)  # straight from open, the room would see nothing
    page.keyboard.press("r")
    expect(page.locator("#messages")).to_contain_text("Nothing on the phones now can be revealed.")
    for word in WORDS[:4]:
        phone = SocketPhone(server.url, code)
        assert phone.call(events.ANSWER, {"item_id": feeling, "value": word})["ok"]
        phone.close()
    now.locator('[data-action="close"]').click()
    expect(page.locator("#moderation .mod-entry")).to_have_count(4)
    expect(now.locator('[data-role="review-first"]')).to_contain_text("Nothing is approved yet")
    expect(now.locator('[data-action="reveal"]')).not_to_have_class(re.compile(r"\bbtn-primary\b"))
    assert_accessible(page, "the console, words closed, nothing approved yet")
    page.locator(f'#moderation button[data-action="approve"][data-text="{WORDS[0]}"]').click()
    expect(now.locator('[data-role="review-first"]')).to_have_count(0)
    expect(now.locator('[data-action="reveal"]')).to_have_class(re.compile(r"\bbtn-primary\b"))
    assert errors == []


def test_the_current_item_comes_into_view_in_the_agenda_column_but_never_scrolls_a_one_column_page(browser, server):
    """Wide: the agenda's own column shows the item on the phones. At 800x600, a reload keeps "now" on screen."""
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    helper.start()
    last = helper.states[-1]["agenda"][-1]
    helper.do(events.PUSH_ITEM, item_id=last["id"])
    wide, errors = _console(browser, server)
    current = wide.locator("#agenda li.is-current")
    expect(current).to_have_count(1)
    wide.wait_for_function("""() => {
        const item = document.querySelector('#agenda li.is-current').getBoundingClientRect();
        const column = document.querySelector('#agenda').closest('.col').getBoundingClientRect();
        return item.top >= column.top - 1 && item.top + 60 <= column.bottom;  // its heading and question show
    }""")
    narrow, narrow_errors = _console(browser, server, 800, 600)
    expect(narrow.locator("#now-body [data-action='push'], #now-body [data-action='close']").first).to_be_visible()
    narrow.wait_for_timeout(500)  # any scroll the page would make has been made
    assert narrow.evaluate("window.scrollY") == 0
    assert narrow.locator("#now-heading").bounding_box()["y"] < 600
    assert errors == [] and narrow_errors == []


def test_live_results_wait_under_more_options_so_the_start_bar_leaves_the_decks_readable(browser, server):
    """The sticky bar holds the title, the floor and Start; the rarely wanted live results fold away."""
    from playwright.sync_api import expect

    page, errors = _console(browser, server)
    expect(page.locator("#deck-list label").first).to_be_visible()
    expect(page.locator("#start-live")).to_be_hidden()
    assert page.locator(".setup-bar").bounding_box()["height"] < 200
    page.click("#setup-more summary")
    expect(page.locator("#start-live")).to_be_visible()
    assert_accessible(page, "the console before a meeting, more options open")
    page.check("#start-live")
    page.click("#start-meeting")
    expect(page.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    console = SocketConsole(server.url)
    assert console.wait_for(lambda state: state["meeting"] is not None)["meeting"]["live_results"] is True
    assert errors == []


def test_after_a_meeting_start_names_the_evening_it_will_run_and_ticks_the_one_just_run(browser, server):
    """The ended notice and the sticky bar can hide the list: the bar itself names the evening Start begins."""
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    helper.start("fathers")
    page, errors = _console(browser, server, 1024, 768)
    expect(page.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    helper.do(events.END_MEETING)
    expect(page.locator("#ended-notice")).to_be_visible()
    title = page.locator("#deck-fathers").get_attribute("data-title")
    assert title
    expect(page.locator("#deck-fathers")).to_be_checked()
    expect(page.locator("#deck-chosen")).to_have_text(title)
    expect(page.locator("#start-meeting")).to_be_in_viewport()
    expect(page.locator("#start-meeting")).to_have_accessible_name(f"Start the meeting {title}")
    assert_accessible(page, "the console after a meeting, the start bar naming the evening (1024x768)")
    page.click("label[for='deck-empty']")
    expect(page.locator("#deck-chosen")).to_have_text("Empty meeting")
    page.reload()
    expect(page.locator("#deck-fathers")).to_be_checked()  # what the store remembers, not the page
    expect(page.locator("#deck-chosen")).to_have_text(title)
    assert errors == []
