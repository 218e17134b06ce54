"""The evening editor and "Let the room choose" in headless Chromium against a real server."""

import re
import shutil

import pytest
from conftest import RunningServer, SocketConsole, SocketPhone, assert_accessible

import prompts
from facilitator import events

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CONSOLE = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        yield chromium
        chromium.close()


def _open(browser, url):
    """The editor (or any page) in its own context; page errors are collected."""
    page = browser.new_context(**CONSOLE).new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    return page


def _fill_item(page, kind, prompt, **fields):
    """Fill the selected item's form by mouse and typing: kind, prompt, and the kind's own fields."""
    page.select_option("#f-kind", kind)
    page.fill("#f-prompt", prompt)
    for number, option in enumerate(fields.pop("options", []), start=1):
        if not page.locator(f"#f-option-{number}").count():
            page.click("#f-add-option")
        page.fill(f"#f-option-{number}", option)
    for name, value in fields.items():
        page.fill(f"#f-{name}", str(value))


def _saved(page):
    """Save and wait until the page says so."""
    from playwright.sync_api import expect

    page.click("#save")
    expect(page.locator("#status")).to_have_text(re.compile(r"^Saved\."))


def test_an_evening_of_every_kind_built_by_mouse_survives_a_restart_and_runs_on_phones(browser, data_dir, tmp_path):
    from playwright.sync_api import expect

    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        console = _open(browser, server.url + "/facilitator")
        console.click("#evenings-link")
        expect(console).to_have_url(re.compile(r"/facilitator/evenings$"))
        console.wait_for_load_state()  # its script listens to "New evening" only once it has run
        page = console
        page.click("#new-evening")
        page.fill("#deck-title", "Every kind")
        page.fill("#deck-summary", "One of each, built by mouse.")
        items = [
            ("discussion", "Take a breath and arrive.", {"minutes": 5}),
            ("choice", "How are you arriving?", {"options": ["Tired", "Calm"]}),
            ("multi", "What do you need tonight?", {"options": ["Rest", "Company", "None of these"], "max": 2}),
            ("scale", "How much energy?", {"scale_min": 1, "scale_max": 5, "min_label": "None"}),
            ("compass", "Closeness and space?", {"x_label": "Closeness"}),
            ("words", "A word for tonight.", {"max_words": 2}),
            ("text", "Something you want us to know.", {"minutes": 10}),
        ]
        for number, (kind, prompt, fields) in enumerate(items):
            if number:
                page.click("#add-item")
            _fill_item(page, kind, prompt, **fields)
            if kind == "multi":
                page.get_by_label("Option 3 is picked only on its own, never with others").check()
        expect(page.locator("#total")).to_contain_text("15 of 120 minutes planned")
        assert_accessible(page, "the editor, an evening of every kind")
        # Drag the second item to the top, then put it back with its arrow.
        page.evaluate("window.scrollTo(0, 0)")
        page.locator("#items li").nth(1).drag_to(page.locator("#items li").nth(0))
        expect(page.locator("#items li").nth(0)).to_contain_text("How are you arriving?")
        page.locator("#items li").nth(0).locator('[data-do="down"]').click()
        expect(page.locator("#items li").nth(0)).to_contain_text("Take a breath and arrive.")
        expect(page.locator("#items li").nth(1)).to_contain_text("How are you arriving?")
        # The preview is the phone page itself: the selected item as a phone draws it.
        page.locator("#items li").nth(3).locator('[data-do="select"]').click()
        frame = page.frame_locator("#preview")
        expect(frame.locator("#prompt")).to_have_text("How much energy?")
        expect(frame.locator("#screen-item")).to_have_attribute("data-kind", "scale")
        _saved(page)
        assert (data_dir / "decks" / "every-kind.toml").exists()
        saved = prompts.load_deck(data_dir / "decks" / "every-kind.toml")
        assert [item.get("exclusive") for item in saved.items if item["kind"] == "multi"] == [[2]]
        assert not page.errors

        server.stop()
        server = RunningServer(data_dir, tmp_path / "server2.log", port=server.port).start()
        console.goto(server.url + "/facilitator")
        console.click('label[for="deck-every-kind"]')
        console.click("#start-meeting")
        expect(console.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))

        steer = SocketConsole(server.url)
        state = steer.wait_for(lambda s: s["meeting"] is not None)
        assert [item["kind"] for item in state["agenda"]] == [kind for kind, _, _ in items]
        phones = [SocketPhone(server.url, state["meeting"]["code"]) for _ in range(3)]
        choice = steer.push("how-are-you-arriving")
        for phone in phones:
            assert phone.call(events.ANSWER, {"item_id": choice, "value": 1})["ok"]
        steer.do(events.REVEAL_POLL, item_id=choice)
        revealed = phones[0].wait_for(events.ITEM, check=lambda p: p["item"]["id"] == choice and p["item"]["state"] == "revealed")
        assert revealed["item"]["result"]["counts"] == [0, 3]
        energy = steer.push("how-much-energy")
        for n, phone in enumerate(phones):
            assert phone.call(events.ANSWER, {"item_id": energy, "value": n + 1})["ok"]
        steer.do(events.REVEAL_POLL, item_id=energy)
        # This poll's reveal, not the one before it (still the latest until this one arrives).
        revealed = phones[0].wait_for(events.ITEM, check=lambda p: p["item"]["id"] == energy and p["item"]["state"] == "revealed")
        assert revealed["item"]["result"]["shown"] and revealed["item"]["scale"]["min"] == 1
    finally:
        server.stop()


def _tab_to(page, selector, presses=80):
    """Press Tab until the element is focused: the keyboard's own way there."""
    for _ in range(presses):
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_an_evening_is_built_by_keyboard_alone(browser, server, data_dir):
    from playwright.sync_api import expect

    page = _open(browser, server.url + "/facilitator/evenings")
    _tab_to(page, "#new-evening")
    page.keyboard.press("Enter")
    expect(page.locator("#deck-title")).to_be_focused()
    page.keyboard.type("Typed evening")
    _tab_to(page, "#f-kind")
    page.keyboard.press("End")  # the last kind: discussion
    _tab_to(page, "#f-prompt")
    page.keyboard.type("Welcome, all.")
    _tab_to(page, "#add-item")
    page.keyboard.press("Enter")
    expect(page.locator("#f-kind")).to_be_focused()
    page.keyboard.press("Home")  # the first kind: one choice
    _tab_to(page, "#f-prompt")
    page.keyboard.type("Tea or coffee?")
    _tab_to(page, "#f-option-1")
    page.keyboard.type("Tea")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("Coffee")
    _tab_to(page, '#items li:nth-child(2) [data-do="up"]')
    page.keyboard.press("Enter")
    expect(page.locator("#items li").nth(0)).to_contain_text("Tea or coffee?")
    _tab_to(page, "#save")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_have_text(re.compile(r"^Saved\. Ready to start\."))
    import prompts

    deck = prompts.load_deck(data_dir / "decks" / "typed-evening.toml")
    assert [(item["key"], item["kind"]) for item in deck.items] == [("tea-or-coffee", "choice"),
                                                                  ("welcome-all", "discussion")]
    assert deck.items[0]["options"] == ["Tea", "Coffee"]


def test_a_duplicated_built_in_is_changed_and_a_broken_field_blocks_its_start(browser, server, data_dir):
    from playwright.sync_api import expect

    page = _open(browser, server.url + "/facilitator/evenings")
    page.locator('[data-deck="starter"] button', has_text="Duplicate").click()
    expect(page.locator("#deck-title")).to_have_value("Copy of Trying it out")
    page.fill("#deck-title", "My trial")
    page.locator("#items li").nth(2).locator('[data-do="select"]').click()  # the scale
    page.fill("#f-scale_min", "20")
    expect(page.locator("#f-scale_min-error")).to_have_text("The lowest point, 20, must be below the highest, 10.")
    expect(page.locator("#f-scale_min")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the editor, a field with an error")
    page.click("#save")
    expect(page.locator("#status")).to_have_text("Saved. A draft: 1 problem to fix before it can be started.")
    expect(page.locator("#start-link")).to_be_hidden()
    assert "# choice: each phone picks one option" in (data_dir / "decks" / "my-trial.toml").read_text()

    console = SocketConsole(server.url)
    refused = console.client.call(events.START_MEETING, {"deck": "my-trial"}, namespace=events.FACILITATOR_NS)
    assert not refused["ok"] and "scale min 20 is not below max 10" in refused["error"]

    # The console names the draft by its title and leads back to it in the editor.
    page.goto(server.url + "/facilitator")
    problems = page.locator("#deck-problems")
    expect(problems).to_contain_text("One of your evenings is not ready to start yet:")
    expect(problems.locator(".deck-draft")).to_have_text("My trial — 1 thing to fix Finish it in the editor")
    assert_accessible(page, "the console, an evening of his not ready to start")
    problems.get_by_role("link", name="Finish it in the editor").click()
    expect(page.locator("#deck-title")).to_have_value("My trial")
    page.locator("#items li").nth(2).locator('[data-do="select"]').click()  # the scale
    page.fill("#f-scale_min", "0")
    expect(page.locator("#f-scale_min-error")).to_have_text("")
    _saved(page)
    expect(page.locator("#start-link")).to_be_visible()
    page.click("#start-link")
    expect(page.locator("#deck-my-trial")).to_be_checked()  # the evening he wrote, not the first listed
    page.click("#start-meeting")
    expect(page.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))


def test_saving_before_the_first_question_is_written_never_freezes_an_empty_short_name(browser, server, data_dir):
    """He presses Save at once, then writes his question: its short name still follows it, and it starts."""
    from playwright.sync_api import expect

    page = _open(browser, server.url + "/facilitator/evenings")
    page.wait_for_load_state()
    page.click("#new-evening")
    expect(page.locator("#status")).to_contain_text("problems to fix")  # the count is there...
    expect(page.locator(".ev-error:not(:empty)")).to_have_count(0)  # ...but nothing is red before he begins
    page.click("#save")  # no title yet: its file would be called "evening" for good
    expect(page.locator("#deck-title-error")).to_have_text("Give the evening a title first: it is saved under its title.")
    expect(page.locator("#deck-title")).to_be_focused()
    assert not list((data_dir / "decks").glob("evening*.toml"))
    page.fill("#deck-title", "Early save")
    page.click("#save")
    expect(page.locator("#status")).to_have_text("Saved. A draft: 2 problems to fix before it can be started.")
    expect(page.locator("#f-prompt-error")).to_have_text("“What the phones show” is empty.")
    expect(page.locator("#f-id-error")).to_have_text("“Short name” is empty.")
    expect(page.locator("#messages")).to_contain_text("Saved as a draft")
    page.fill("#f-prompt", "What brought you here tonight?")
    expect(page.locator("#messages")).to_have_text("")  # "Saved as…" no longer holds once he changes something
    expect(page.locator("#f-id")).to_have_value("what-brought-you-here-tonight")
    _saved(page)
    expect(page.locator("#status")).to_have_text(re.compile(r"Ready to start\.$"))
    assert 'id = "what-brought-you-here-tonight"' in (data_dir / "decks" / "early-save.toml").read_text()
    expect(page.locator("#f-id-hint")).not_to_contain_text("lowercase")
    expect(page.locator("#f-kind-hint")).not_to_contain_text("choice, multi")


@pytest.mark.parametrize("width", [800, 1280])
def test_the_kind_list_names_each_kind_whole_and_the_hint_says_what_the_chosen_one_does(browser, server, width):
    """The closed list cut 'Compass: how much connection, how much…' off; now it holds a name that fits."""
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(server.url + "/facilitator/evenings")
    _compass_selected(page)
    kind = page.locator("#f-kind")
    expect(kind.locator("option:checked")).to_have_text("Compass")
    expect(page.locator("#f-kind-hint")).to_have_text("How much connection, how much space.")
    # The chosen name fits the closed list: measured in the list's own font, with room for its arrow.
    fits = kind.evaluate("""(select) => { const c = document.createElement('canvas').getContext('2d');
        const style = getComputedStyle(select); c.font = style.font;
        const text = c.measureText(select.options[select.selectedIndex].text).width;
        return text + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 24 <= select.clientWidth; }""")
    assert fits
    page.select_option("#f-kind", "scale")
    expect(page.locator("#f-kind-hint")).to_have_text("A point on a scale.")


def test_let_the_room_choose_from_the_console(browser, server):
    from playwright.sync_api import expect

    page = _open(browser, server.url + "/facilitator")
    page.click('label[for="deck-test-evening"]')
    page.click("#start-meeting")
    expect(page.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    steer = SocketConsole(server.url)
    state = steer.wait_for(lambda s: s["meeting"] is not None)
    phones = [SocketPhone(server.url, state["meeting"]["code"]) for _ in range(4)]
    sentence = steer.push("sentence")
    texts = ["Fathers", "Loneliness", "Work", "Anger"]
    for phone, text in zip(phones, texts):
        assert phone.call(events.ANSWER, {"item_id": sentence, "value": text})["ok"]
    steer.do(events.CLOSE_POLL, item_id=sentence)
    steer.do(events.MODERATE_ALL, item_id=sentence, texts=texts)
    steer.do(events.REVEAL_POLL, item_id=sentence)

    page.get_by_role("button", name=re.compile("Let the room choose from the answers to")).click()
    dialog = page.locator("#choose-dialog")
    expect(dialog).to_be_visible()
    for text in ("Fathers", "Loneliness", "Anger"):
        dialog.get_by_label(text).check()
    dialog.locator("#choose-ok").click()
    expect(dialog).to_be_hidden()
    vote = phones[0].wait_for(events.ITEM, check=lambda p: p["item"]["kind"] == "multi")["item"]
    assert sorted(vote["options"]) == ["Anger", "Fathers", "Loneliness"] and vote["max"] == 2
    assert vote["prompt"].startswith("Which of these shall we talk about tonight?")
    expect(page.locator("#now")).to_contain_text("Which of these shall we talk about tonight?")


def test_an_evening_written_in_spanish_says_so_in_its_file(browser, data_dir, tmp_path):
    """The editor's "Written in" choice is kept in the deck file, so decks check and the console know it."""
    from playwright.sync_api import expect

    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        page = _open(browser, server.url + "/facilitator/evenings")
        page.click("#new-evening")
        expect(page.locator("#deck-language")).to_have_value("en")
        page.fill("#deck-title", "Lunes")
        page.select_option("#deck-language", "es")
        _fill_item(page, "discussion", "¿Cómo llegas esta noche?")
        _saved(page)
        saved = prompts.load_deck(next((data_dir / "decks").glob("*.toml")))
        assert saved.language == "es"
        page.reload()
        page.get_by_role("button", name="Edit: Lunes").click()
        expect(page.locator("#deck-language")).to_have_value("es")
        assert_accessible(page, "the editor with its language choice")
        assert not page.errors
    finally:
        server.stop()


def test_the_editors_buttons_speak_of_evenings_and_files_not_of_toml(browser, server):
    """A facilitator who is not a programmer adds, edits and downloads evenings; no button names a file format."""
    from playwright.sync_api import expect

    page = _open(browser, server.url + "/facilitator/evenings")
    expect(page.locator('[data-deck="starter"]')).to_be_visible()
    names = page.evaluate("""() => [...document.querySelectorAll('button, a, label.btn')]
        .filter(el => el.getClientRects().length).map(el => el.getAttribute('aria-label') || el.textContent.trim())""")
    assert "Add an evening from a file" in names and "Download as a file: Trying it out" in names
    assert not [name for name in names if "toml" in name.lower()], names
    assert ".toml" not in page.locator("body").inner_text()  # the list names evenings by their titles
    page.locator('[data-deck="starter"] button', has_text="Duplicate").click()
    expect(page.locator("#deck-title")).to_have_value("Copy of Trying it out")
    expect(page.locator("#edit-heading")).to_have_text("New evening, a copy of \u201cTrying it out\u201d")
    page.fill("#deck-title", "Words only")
    _saved(page)
    expect(page.locator("#messages")).to_have_text("Saved.")
    expect(page.locator("#export-link")).to_have_text("Download this evening as a file")
    page.click("#back-to-list")
    mine = page.locator(".ev-deck", has_text="Words only")
    expect(mine).to_be_visible()
    assert ".toml" not in page.locator("body").inner_text()
    mine.locator("button", has_text="Delete").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-text")).to_have_text(
        "It is deleted from this laptop. Meetings already held keep their summaries.")
    page.locator("#confirm-dialog button", has_text="Cancel").click()
    assert page.errors == []


def test_two_evenings_with_one_title_are_told_apart_by_the_name_they_are_saved_under(browser, server):
    """Titles name evenings; only when two share one does the list say under which name each is saved."""
    from playwright.sync_api import expect

    page = _open(browser, server.url + "/facilitator/evenings")
    for _ in range(2):
        expect(page.locator('[data-deck="starter"]')).to_be_visible()
        page.locator('[data-deck="starter"] button', has_text="Duplicate").click()
        expect(page.locator("#deck-title")).to_have_value("Copy of Trying it out")
        _saved(page)
        page.click("#back-to-list")
    twins = page.locator("#own-decks .ev-deck", has_text="Copy of Trying it out")
    expect(twins).to_have_count(2)
    names = twins.locator(".ev-deck-file").all_inner_texts()
    assert len(set(names)) == 2 and all(name.startswith("Saved as ") for name in names), names
    expect(page.locator('#own-decks .ev-deck[data-deck="test-evening"] .ev-deck-file')).to_have_count(0)
    assert page.errors == []


def _compass_selected(page):
    """The test evening open in the editor, its compass item selected."""
    from playwright.sync_api import expect

    page.locator('[data-deck="test-evening"] button', has_text="Edit").click()
    page.locator("#items li", has_text="Compass").locator('[data-do="select"]').click()
    expect(page.frame_locator("#preview").locator("#screen-item")).to_have_attribute("data-kind", "compass")


def _whole_compass_in_the_frame(page):
    """The compass's square and both sliders lie inside the preview's phone, none cut off at its bottom."""
    frame = page.frame_locator("#preview")
    seen = frame.locator("body").evaluate("() => innerHeight")  # the phone's screen, as tall as the frame
    bottom = max(frame.locator(selector).evaluate("el => el.getBoundingClientRect().bottom")
                 for selector in ("#compass-field", "#compass-x", "#compass-y"))
    assert 0 < bottom <= seen, (bottom, seen)


def test_on_an_old_800x600_screen_the_bar_is_one_row_and_the_phone_opens_beside_the_item(browser, server):
    """At 800x600 the phone preview sat under every field; now he opens it over the list, next to the item."""
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 800, "height": 600}).new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(server.url + "/facilitator/evenings")
    _compass_selected(page)
    buttons = [b.bounding_box() for b in page.locator(".ev-edit-actions > :visible").all()]
    assert len(buttons) == 3 and len({round(b["y"]) for b in buttons}) == 1, buttons  # one row
    bar = page.locator(".ev-edit-bar").bounding_box()
    assert bar["height"] < 100, bar
    expect(page.locator("#export-link")).to_be_visible()  # not in the bar, but still there
    # The planned minutes are a plain fact, in the text's colour; only time over the evening's is red.
    colour = "(el) => getComputedStyle(el).color"
    assert page.locator("#total").evaluate(colour) == page.locator("#deck-title").evaluate(colour)
    toggle = page.locator("#preview-toggle")
    expect(page.locator("#preview-panel")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.evaluate("window.scrollTo(0, 400)")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    panel = page.locator("#preview-panel")
    expect(panel).to_be_visible()
    box, bar = panel.bounding_box(), page.locator(".ev-edit-bar").bounding_box()
    item = page.locator("#item-editor").bounding_box()
    assert bar["y"] + bar["height"] <= box["y"] and box["y"] + box["height"] <= 600, (bar, box)
    assert box["x"] + box["width"] <= item["x"], (box, item)  # over the list, never over the item he edits
    _whole_compass_in_the_frame(page)
    assert_accessible(page, "the editor at 800x600 with the phone shown")
    page.fill("#f-prompt", "Where are you tonight?")
    expect(page.frame_locator("#preview").locator("#prompt")).to_have_text("Where are you tonight?")
    # The list is under the phone: he moves through the items from the phone itself.
    page.click("#preview-next")
    expect(page.locator("#item-heading")).to_have_text("Item 6")
    expect(page.frame_locator("#preview").locator("#screen-item")).to_have_attribute("data-kind", "words")
    page.click("#preview-prev")
    expect(page.locator("#item-heading")).to_have_text("Item 5")
    # Never so small its words cannot be read: a phone's 17 px drawn at no less than 7.5 px.
    scale = page.locator(".ev-phone").evaluate("el => parseFloat(getComputedStyle(el).getPropertyValue('--s'))")
    assert scale >= 0.45, scale
    toggle.click()
    expect(panel).to_be_hidden()
    assert page.errors == []


def test_on_a_laptop_the_preview_shows_the_whole_compass(browser, server):
    page = _open(browser, server.url + "/facilitator/evenings")
    _compass_selected(page)
    _whole_compass_in_the_frame(page)
    phone = page.locator(".ev-phone").bounding_box()
    assert phone["y"] + phone["height"] <= 800, phone
    assert page.errors == []


def test_the_field_he_types_in_drops_its_old_error_before_the_next_check_comes_back(browser, server):
    """An error is about the text before the keystroke: it goes at once, and the check brings it back if it holds."""
    from playwright.sync_api import expect

    page = _open(browser, server.url + "/facilitator/evenings")
    page.click("#new-evening")
    page.select_option("#f-kind", "multi")
    page.fill("#f-prompt", "What do you need tonight?")
    page.fill("#f-option-1", "Rest")
    error = page.locator("#f-options-error")
    expect(error).to_have_text("Option 2 is empty.")
    held = []
    page.route("**/check", lambda route: held.append(route))  # the next check waits here
    with page.expect_request("**/check"):
        page.locator("#f-option-2").press_sequentially("Com")
    expect(error).to_have_text("")
    expect(page.locator("#f-option-2")).not_to_have_attribute("aria-invalid", "true")
    for _ in range(250):  # the held check reaches the route's handler (at most 5 s)
        if held:
            break
        page.wait_for_timeout(20)
    assert held  # so the error went before any answer to the check came back
    for route in held:
        route.continue_()
    page.unroute("**/check")
    page.fill("#f-prompt", "")  # a field left wrong gets its error back from the check
    expect(page.locator("#f-prompt-error")).to_have_text("\u201cWhat the phones show\u201d is empty.")
    expect(error).to_have_text("")
    assert page.errors == []


def test_an_evening_in_another_language_says_which_in_the_list(browser, server):
    """'Two sides of one coin' and 'Dos caras de la misma moneda' are one evening in two languages."""
    from playwright.sync_api import expect

    page = _open(browser, server.url + "/facilitator/evenings")
    expect(page.locator('[data-deck="two-sides-es"] .ev-deck-title')).to_have_text("Dos caras de la misma moneda (Español)")
    expect(page.locator('[data-deck="two-sides-es"] .ev-deck-language')).to_have_attribute("lang", "es")
    expect(page.locator('[data-deck="two-sides"] .ev-deck-title')).to_have_text("Two sides of one coin")
    expect(page.locator(".ev-deck-language")).to_have_count(3)  # the three Spanish evenings, none other
    assert page.errors == []


def _in_sight(page, selector):
    """The element lies on the screen, under the sticky bar and above the window's bottom edge."""
    box = page.locator(selector).bounding_box()
    bar = page.locator(".ev-edit-bar").bounding_box()
    height = page.viewport_size["height"]
    return box is not None and max(bar["y"] + bar["height"], 0) - 1 <= box["y"] and box["y"] + box["height"] <= height


@pytest.mark.parametrize("width, height", [(800, 600), (1280, 800)])
def test_choosing_an_item_far_down_a_long_evening_shows_its_form_on_the_screen(browser, server, width, height):
    """At 800x600 item 7 lit up in the list while its form stayed 1,100 px up, off the screen: nothing seemed to happen."""
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(server.url + "/facilitator/evenings")
    page.locator('[data-deck="how-we-meet"] button', has_text="Duplicate").click()
    expect(page.locator("#items li")).to_have_count(20)
    for number in (7, 14, 20, 2):
        row = page.locator(f'#items li[data-index="{number - 1}"] .ev-row-main')
        row.click()
        expect(page.locator("#item-heading")).to_have_text(f"Item {number}")
        for field in ("#item-heading", "#f-kind", "#f-prompt"):
            assert _in_sight(page, field), (number, field, page.locator(field).bounding_box())
        expect(row).to_be_focused()  # the keyboard goes on through the list from the row he chose
        expect(row).to_have_attribute("aria-current", "true")
    # The copy tool selects the copy: its form comes into sight too.
    page.locator('#items li[data-index="11"] [data-do="duplicate"]').click()
    expect(page.locator("#item-heading")).to_have_text("Item 13")
    assert _in_sight(page, "#f-kind") and _in_sight(page, "#f-prompt")
    # Back at the top of the page, the first item's form is in sight as well.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator('#items li[data-index="0"] .ev-row-main').click()
    assert _in_sight(page, "#f-kind") and _in_sight(page, "#f-prompt")
    assert_accessible(page, f"the editor at {width}x{height}, an item far down the list chosen")
    assert page.errors == []
