"""The evening editor in Spanish, in headless Chromium against a real server: no English sentence left, and axe-clean."""

import os

import pytest
from conftest import READABLE_TEXT, RunningServer, assert_accessible, english_in


pytestmark = pytest.mark.browser

CONSOLE = {"viewport": {"width": 1280, "height": 800}}
SHOTS = os.environ.get("FIRESIDE_SHOTS")  # a folder for screenshots to look at, outside the repository
# The editor lists English decks' titles inside Spanish sentences ("Duplicar: Grief and loss"): the
# sentences with a placeholder would find their English there, so only whole sentences are looked for.
SOURCES = ("facilitator/templates/facilitator/evenings.html", "facilitator/static/evenings.js", "prompts/schema.py",
           "facilitator/evenings.py", "facilitator/editor.py")


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
        assert english_in(page.evaluate(READABLE_TEXT, None), sources=SOURCES, words=False, placeholders=False) == []
        assert_accessible(page, "the evening editor's list, in Spanish")
        _shoot(page, "editor-list-es-1280x800.png")

        # A new evening with a multi item whose second option is empty, and no title: the schema's problems, in Spanish.
        page.click("#new-evening")
        page.select_option("#f-kind", "multi")
        page.fill("#f-prompt", "¿Qué necesitas esta noche?")
        page.fill("#f-option-1", "Descanso")
        expect(page.locator("#f-options-error")).to_have_text("La opción 2 está vacía.")
        expect(page.locator("#deck-title-error")).to_have_text("")  # he has not been in it yet
        page.fill("#deck-title", "x")
        page.fill("#deck-title", "")
        expect(page.locator("#deck-title-error")).to_have_text("El campo «Título» está vacío.")
        expect(page.locator("#status")).to_contain_text("Aún sin guardar.")
        assert page.locator("#f-kind option[value=multi]").text_content() == "Varias opciones"
        expect(page.locator("#f-kind-hint")).to_have_text("Cada uno elige hasta cierto número de opciones.")
        assert english_in(page.evaluate(READABLE_TEXT, None), sources=SOURCES, words=False, placeholders=False) == []
        assert_accessible(page, "the evening editor with problems to fix, in Spanish")
        _shoot(page, "editor-item-es-1280x800.png")

        page.click("#save")
        expect(page.locator("#deck-title-error")).to_have_text("Primero ponle un título al guion: se guarda con ese título.")
        page.fill("#deck-title", "Martes")
        page.click("#save")
        expect(page.locator("#messages")).to_contain_text("Guardado como borrador")
        assert errors == []
    finally:
        server.stop()
