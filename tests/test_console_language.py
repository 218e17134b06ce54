"""The console in the meeting's language: its language setting, and every word of it in Spanish."""

import html
import json
import re

import pytest
from conftest import READABLE_TEXT, SocketConsole, SocketPhone, assert_accessible, english_in

import prompts
from facilitator import events


def assert_no_english(page, where, exclude=None):
    """Nothing a person can read on the page, screen readers included, is left in English."""
    left = english_in(page.evaluate(READABLE_TEXT, exclude))
    assert not left, f"English left on {where}: {left[:20]}"


# --- the pages as Flask serves them (fast) ----------------------------------------------------------


def _readable_html(page):
    """A served page's text without its config block or tags, as a person reads it."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_console_page_is_served_in_the_meetings_language(client, evening):
    """Every sentence of the console's template is Spanish once the meeting is, its scripts' sentences ride along."""
    evening.do(events.SET_LANGUAGE, language="es")
    page = client.get("/facilitator").get_data(as_text=True)
    text = _readable_html(page)
    assert "Empezar la reunión de esta noche" in text and "La reunión será en:" in text
    left = english_in(text, sources=("facilitator/templates/facilitator/console.html",))
    assert not left, left
    assert '<option value="es" lang="es" selected>Español</option>' in page
    config = json.loads(re.search(r'<script type="application/json" id="fireside-config">(.*?)</script>', page, re.S)[1])
    assert config["i18n"]["language"] == "es"
    assert config["i18n"]["messages"]["Show on phones"] == "Mostrar en los teléfonos"
    assert config["i18n"]["messages"]["%(num)s responded"] == ["%(num)s participó", "%(num)s participaron", "%(num)s participaron"]


def test_a_device_without_the_key_is_told_in_the_meetings_language(client, evening):
    """The refusal page speaks to whoever opened it in the meeting's language, reason and all."""
    evening.do(events.SET_LANGUAGE, language="es")
    for path in ("/facilitator", "/screen"):
        response = client.get(path, environ_base={"REMOTE_ADDR": "192.168.1.23"})
        assert response.status_code == 403
        text = _readable_html(response.get_data(as_text=True))
        assert "Esta página es para el facilitador" in text and "Esta página es del facilitador." in text
        assert "¿Vienes a responder las encuestas?" in text
        assert not english_in(text, sources=("facilitator/templates/facilitator/denied.html",)), text


# --- the console in a browser --------------------------------------------------------------------

def _console(browser, server, width=1280, height=800, init_script=None):
    """The console page, with every script error it reports."""
    context = browser.new_context(viewport={"width": width, "height": height})
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/facilitator")
    return page, errors


def _add(page, kind, prompt, options=None, push=True):
    """Add an item with the console's own form."""
    from playwright.sync_api import expect

    before = page.locator("#agenda li.item").count()
    page.select_option("#add-kind", kind)
    page.fill("#add-prompt", prompt)
    if options:
        page.fill("#add-options", "\n".join(options))
    page.locator("#add-push").set_checked(push)
    page.click("#add-submit")
    expect(page.locator("#agenda li.item")).to_have_count(before + 1)


@pytest.mark.browser
def test_the_console_switched_to_spanish_says_everything_in_spanish(browser, server):
    """No meeting: the language select reloads the console in Spanish; a whole short meeting then speaks it.

    Checked at each step against every catalogue sentence and the commonest English words, in the
    visible text and in what a screen reader reads; and axe finds nothing wrong with it in Spanish.
    """
    from playwright.sync_api import expect

    page, errors = _console(browser, server)
    expect(page.locator("#setup-language")).to_have_value("en")
    expect(page.locator("#setup-heading")).to_have_text("Start tonight's meeting")
    page.select_option("#setup-language", "es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#setup-heading")).to_have_text("Empezar la reunión de esta noche")
    expect(page.locator("#setup-language")).to_have_value("es")
    expect(page.locator("#setup-language")).to_be_focused()
    expect(page.locator("#deck-list .deck")).not_to_have_count(0)
    assert_no_english(page, "the console before a meeting", exclude=".deck-title, .deck-summary")
    assert_accessible(page, "the console before a meeting, in Spanish")

    page.click('label[for="deck-empty"]')
    page.fill("#start-title", "Primer lunes")
    page.click("#start-meeting")
    expect(page.locator("#meeting")).to_be_visible()
    code = page.locator("#join-code").inner_text()
    page.click("#add-panel summary")
    _add(page, "choice", "¿Cómo llegas esta noche?", ["Cansado", "Tranquilo", "Inquieto"])
    _add(page, "discussion", "Hablemos de la semana", push=False)
    page.click("#add-panel summary")
    poll = page.locator("#agenda li.item").first.get_attribute("data-item-id")
    phone = SocketPhone(server.url, code)
    assert phone.call(events.ANSWER, {"item_id": int(poll), "value": 0})["ok"]
    assert phone.call(events.WORD_AFTER, {"want": True})["ok"]
    expect(page.locator("#now-body .now-count")).to_contain_text("1 participó")
    expect(page.locator("#meeting-language")).to_have_value("es")
    assert_no_english(page, "the console, a poll open")
    assert_accessible(page, "the console, a poll open, in Spanish")

    page.click('#now-body [data-action="reveal"]')
    expect(page.locator("#now-result .floor-note")).to_contain_text("Ha participado 1 hombre, contando a quienes prefirieron pasar")
    assert_no_english(page, "the console, a poll revealed below the floor")

    page.locator("#now-heading").focus()
    page.keyboard.press("?")
    expect(page.locator("#keys-dialog")).to_be_visible()
    assert_no_english(page, "the keyboard shortcuts")
    page.click("#keys-close")

    page.click("#end-meeting")
    expect(page.locator("#confirm-dialog")).to_be_visible()
    assert_no_english(page, "the question before End")
    page.click("#confirm-ok")
    expect(page.locator("#ended-notice")).to_be_visible()
    expect(page.locator("#word-after-line")).to_have_text(re.compile(
        r"^1 hombre quiere hablar contigo después de la reunión\. Este número cambia solo en una pausa"))
    assert_no_english(page, "the console after End", exclude=".deck-title, .deck-summary")
    assert errors == []


@pytest.mark.browser
def test_changing_a_running_meetings_language_asks_first_then_every_page_reloads_in_it(browser, server):
    """A slip of the arrow keys must not reload every phone: the console asks, and Cancel changes nothing."""
    from playwright.sync_api import expect

    helper = SocketConsole(server.url)
    helper.start()
    page, errors = _console(browser, server)
    screen = browser.new_page()
    screen.goto(server.url + "/screen")
    expect(screen.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#meeting-language")).to_have_value("en")

    page.select_option("#meeting-language", "es")
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-title")).to_have_text("Hold the meeting in Spanish from now on?")
    page.click("#confirm-cancel")
    expect(page.locator("#meeting-language")).to_have_value("en")
    assert _language_now(server) == "en"

    page.select_option("#meeting-language", "es")
    page.click("#confirm-ok")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#agenda-heading")).to_have_text("Programa")
    expect(page.locator("#meeting-language")).to_have_value("es")
    expect(page.locator("#meeting-language")).to_be_focused()
    expect(screen.locator("html")).to_have_attribute("lang", "es")
    assert _language_now(server) == "es"
    assert errors == []


def _language_now(server):
    """The room's language, as a console that connects now is told it."""
    console = SocketConsole(server.url)
    try:
        return console.wait_for(lambda state: True)["language"]
    finally:
        console.close()


@pytest.mark.browser
def test_a_deck_in_another_language_is_marked_and_named_when_chosen(browser, server):
    """The facilitator sees, before he starts, that the evening he chose is not in the meeting's language."""
    from playwright.sync_api import expect

    page, errors = _console(browser, server)
    card = page.locator('label[for="deck-starter-es"]')  # the starter evening, shipped in Spanish
    expect(card.locator(".deck-language")).to_have_text("(Español)")
    expect(card.locator(".deck-title")).to_have_attribute("lang", "es")
    spanish = len([d for d in prompts.list_decks()[0] if d.language == "es"])
    expect(page.locator("#deck-list .deck-language")).to_have_count(spanish)
    page.click('label[for="deck-empty"]')
    expect(page.locator("#deck-language-note")).to_be_hidden()
    card.click()
    expect(page.locator("#deck-language-note")).to_have_text(
        "This evening is written in Spanish; the meeting is in English.")
    assert_accessible(page, "the console, a deck in another language chosen")
    page.click('label[for="deck-empty"]')
    expect(page.locator("#deck-language-note")).to_be_hidden()
    assert errors == []


@pytest.mark.browser
def test_on_an_old_800_by_600_screen_the_start_bar_leaves_the_decks_in_view(browser, server):
    """The start bar's long explanations (longer still in Spanish) must not cover the evenings to choose from."""
    from playwright.sync_api import expect

    page, errors = _console(browser, server, width=800, height=600)
    first = page.locator("#deck-list .deck-card").first
    expect(first).to_be_visible()
    # Scroll so the first evening sits right under the top bar, as a facilitator reading the list would.
    covered = page.evaluate("""() => {
      const card = document.querySelector('#deck-list .deck-card');
      const top = document.querySelector('.topbar').getBoundingClientRect().bottom;
      window.scrollBy(0, card.getBoundingClientRect().top - top - 8);
      const box = card.getBoundingClientRect();
      const probe = (y) => !!document.elementFromPoint(box.left + box.width / 2, y).closest('.setup-bar');
      return [box.top + 10, box.top + box.height / 2, box.bottom - 10].filter(probe).length;
    }""")
    assert covered == 0
    assert errors == []
