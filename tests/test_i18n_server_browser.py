"""The evening editor in Spanish, in headless Chromium against a real server: no English sentence left, and axe-clean."""

import os
import re

import pytest
from conftest import RunningServer, assert_accessible

from facilitator import i18n

pytestmark = pytest.mark.browser

CONSOLE = {"viewport": {"width": 1280, "height": 800}}
SHOTS = os.environ.get("FIRESIDE_SHOTS")  # a folder for screenshots to look at, outside the repository
SOURCES = ("facilitator/templates/facilitator/evenings.html", "facilitator/static/evenings.js", "prompts/schema.py",
           "facilitator/evenings.py", "facilitator/editor.py")


def _english_left(text):
    """The editor's catalogue sentences (those with no placeholder that Spanish says differently) still in text."""
    left = []
    for message in i18n.extract_all():
        if not isinstance(message.id, str) or "%(" in message.id or i18n.tr("es", message.id) == message.id:
            continue
        if not any(place in SOURCES for place, _line in message.locations):
            continue
        if re.search(r"(?<![\w'])" + re.escape(message.id) + r"(?![\w'])", text):
            left.append(message.id)
    return left


def _everything_said(page):
    """The page's visible text, and every label, title and placeholder a screen reader or a hover shows."""
    return page.evaluate("""() => {
        const said = [document.title, document.body.innerText];
        for (const node of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
            said.push(node.getAttribute('aria-label') || '', node.getAttribute('title') || '',
                      node.getAttribute('placeholder') || '');
        }
        for (const option of document.querySelectorAll('option')) said.push(option.textContent);
        return said.join('\\n');
    }""")


def _shoot(page, name):
    """A screenshot to look at, when FIRESIDE_SHOTS names a folder."""
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=False)


def test_the_evening_editor_in_spanish_says_everything_in_spanish(browser, data_dir, tmp_path):
    from playwright.sync_api import expect

    server = RunningServer(data_dir, tmp_path / "server.log", args=("--language", "es")).start()
    try:
        page = browser.new_context(**CONSOLE).new_page()
        page.set_default_timeout(10_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server.url + "/facilitator/evenings")
        expect(page.locator("#own-decks")).to_contain_text("Editar")
        expect(page.locator("#builtin-decks li").first).to_contain_text("Duplicar")
        assert page.locator("html").get_attribute("lang") == "es"
        assert _english_left(_everything_said(page)) == []
        assert_accessible(page, "the evening editor's list, in Spanish")
        _shoot(page, "editor-list-es-1280x800.png")

        # A new evening with a multi item whose second option is empty, and no title: the schema's problems, in Spanish.
        page.click("#new-evening")
        page.select_option("#f-kind", "multi")
        page.fill("#f-prompt", "¿Qué necesitas esta noche?")
        page.fill("#f-option-1", "Descanso")
        expect(page.locator("#f-options-error")).to_have_text("La opción 2 está vacía.")
        expect(page.locator("#deck-title-error")).to_have_text("El campo title está vacío.")
        expect(page.locator("#status")).to_contain_text("Aún sin guardar.")
        assert page.locator("#f-kind option[value=multi]").text_content() == (
            "Varias opciones: cada uno elige hasta cierto número de opciones")
        assert _english_left(_everything_said(page)) == []
        assert_accessible(page, "the evening editor with problems to fix, in Spanish")
        _shoot(page, "editor-item-es-1280x800.png")

        page.click("#save")
        expect(page.locator("#messages")).to_contain_text("Guardado como borrador")
        assert errors == []
    finally:
        server.stop()
