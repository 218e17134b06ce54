"""A whole short evening in Spanish, in headless Chromium against a real server: no English left on any page.

The facilitator sets Spanish, starts a meeting with the room's Wi-Fi on the projector, four phones
join (two in Chromium, at 360 and 320 px), a poll is answered, closed and revealed, a discussion
prompt follows, and the meeting ends. At every step each page's visible text (what it shows, its
aria-labels, alt texts, placeholders and <title>) is kept; the tests below read those texts for
the English sentences of the catalogue (every msgid whose Spanish differs) and for a few English
words no Spanish page says. Phones and projector, the console and the summary are checked apart,
so each part of the work shows on its own.
"""

import os
import re
import textwrap

import pytest
from conftest import (READABLE_TEXT, RunningServer, SocketConsole, SocketPhone, axe_violations, describe_violations,
                      english_in)

from facilitator import events, i18n, wifi
from facilitator.wifi import Wifi

pytestmark = pytest.mark.browser

DECK = textwrap.dedent('''
    title = "Noche de prueba"
    summary = "Una noche corta para probar Fireside en español."
    minutes = 30

    [[items]]
    id = "llegada"
    kind = "choice"
    prompt = "¿Cómo llegas esta noche?"
    options = ["Cansado", "Inquieto", "Tranquilo"]

    [[items]]
    id = "necesidades"
    kind = "multi"
    prompt = "¿Qué necesitas esta noche?"
    options = ["Cercanía", "Espacio", "Descanso", "Que me escuchen", { text = "Ninguna de estas", exclusive = true }]
    max = 2

    [[items]]
    id = "energia"
    kind = "scale"
    prompt = "¿Cuánta energía tienes?"
    scale_min = 0
    scale_max = 10
    min_label = "Nada"
    max_label = "Muchísima"

    [[items]]
    id = "brujula"
    kind = "compass"
    prompt = "¿Cuánta cercanía y cuánto espacio quieres esta noche?"
    x_label = "Cercanía"
    y_label = "Espacio propio"
    low_label = "Poco"
    high_label = "Mucho"

    [[items]]
    id = "palabra"
    kind = "words"
    prompt = "Una palabra para cómo te sientes."
    max_words = 3

    [[items]]
    id = "frase"
    kind = "text"
    prompt = "Algo que quieras que el grupo sepa."

    [[items]]
    id = "charla"
    kind = "discussion"
    prompt = "Cuéntale al de al lado algo bueno de tu semana."
''')
PHONE = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}
PHONES = {"phone-360": {"width": 360, "height": 740}, "phone-320": {"width": 320, "height": 640}}
PROJECTORS = {"projector-1280x720": {"width": 1280, "height": 720}, "projector-1024x768": {"width": 1024, "height": 768}}

# Anything wider than its page or its box: a long Spanish word must wrap, not run off the screen.
OVERFLOW = """() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) out.push('the page is ' + root.scrollWidth + ' px wide');
  for (const el of document.querySelectorAll('button, .btn, h1, h2, p, label, li, summary, .kicker')) {
    if (el.closest('[hidden]') || !el.getClientRects().length || (el.checkVisibility && !el.checkVisibility())) continue;
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible') {
      out.push((el.id || el.className || el.tagName) + ': ' + el.textContent.trim().slice(0, 60));
    }
    const box = el.getBoundingClientRect();
    if (box.right > window.innerWidth + 1) out.push((el.id || el.className || el.tagName) + ' runs off the right edge');
  }
  return out;
}"""


# --- what counts as English ----------------------------------------------------------------------


def _english_report(pages):
    """Each page and state still saying English, and what it said."""
    lines = []
    for where, text in pages:
        found = english_in(text)
        if found:
            lines.append(f"{where}: " + " | ".join(found[:12]))
    return "\n".join(lines)


# --- the evening -----------------------------------------------------------------------------------


class Record:
    """What each page said at each step of the evening, what axe found there, and what overflowed."""

    def __init__(self, shots):
        """Empty records; screenshots go to shots."""
        self.texts = {}       # surface -> [(state, text)]
        self.axe = []         # (surface, state, violations)
        self.overflow = []    # (surface, state, findings)
        self.shots = shots

    def look(self, surface, page, state, axe=False, shot=False):
        """Keep the page's visible text now; run axe and take a screenshot when asked."""
        self.texts.setdefault(surface, []).append((state, page.evaluate(READABLE_TEXT, None)))
        if axe:
            self.axe.append((surface, state, axe_violations(page)))
        if shot:
            self.overflow.append((surface, state, page.evaluate(OVERFLOW)))
            slug = re.sub(r"[^a-z0-9]+", "-", state.lower()).strip("-")
            page.screenshot(path=os.path.join(self.shots, f"es-{surface}-{slug}.png"), full_page=surface.startswith("phone"))

    def pages(self, *surfaces):
        """(where, text) for every kept state of the surfaces named (by prefix)."""
        return [(f"{surface} / {state}", text) for surface, kept in self.texts.items()
                if surface.startswith(surfaces) for state, text in kept]


@pytest.fixture(scope="module")
def spanish_evening(browser, tmp_path_factory):
    """Hold the whole Spanish evening once for the module; returns its Record."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    data_dir = tmp_path_factory.mktemp("data")
    (data_dir / "decks").mkdir()
    (data_dir / "decks" / "noche-de-prueba.toml").write_text(DECK, encoding="utf-8")
    wifi.save(data_dir, Wifi("Sala Fogata", "brasas-42"))
    server = RunningServer(data_dir, data_dir.parent / "server.log", args=["--wifi", "Sala Fogata"])
    server.args += ["--url", server.url]
    server.start()
    shots = os.environ.get("FIRESIDE_SHOTS") or str(tmp_path_factory.mktemp("shots"))
    record = Record(shots)
    contexts = []

    def open_page(url, **options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(url)
        return page

    def es(message, **params):
        return i18n.tr("es", message, **params)

    try:
        console = SocketConsole(server.url)
        assert console.do(events.SET_LANGUAGE, language="es")["language"] == "es"  # as the facilitator chooses it

        projectors = {name: open_page(server.url + "/screen", viewport=size) for name, size in PROJECTORS.items()}
        desk = open_page(server.url + "/facilitator", viewport={"width": 1280, "height": 800})
        early = open_page(server.url + "/", viewport=PHONES["phone-360"], **PHONE)  # before the meeting starts
        for name, screen in projectors.items():
            expect(screen.locator("#idle-text")).to_contain_text(es("Fireside is ready."))
            record.look(name, screen, "idle", axe=name.endswith("1280x720"), shot=True)
        expect(early.locator("#early-heading")).to_have_text(es("The meeting hasn't started yet"))
        record.look("phone-360", early, "early", axe=True, shot=True)
        expect(desk.locator("#start-meeting")).to_be_visible()
        record.look("console", desk, "no meeting")

        code = console.start(deck="noche-de-prueba")["meeting"]["code"]
        early.wait_for_url(f"**/j/{code}")  # the waiting phone is taken in by itself
        phones = {"phone-360": early,
                  "phone-320": open_page(f"{server.url}/j/{code}", viewport=PHONES["phone-320"], **PHONE)}
        for name, phone in phones.items():
            expect(phone.locator("#agreements-heading")).to_have_text(es("Welcome"))
            record.look(name, phone, "agreements", axe=name == "phone-360", shot=True)
        agreements = phones["phone-360"]
        agreements.click("#how-anonymous summary")
        agreements.click("#help-link")
        expect(agreements.locator("#help-heading")).to_be_visible()
        record.look("phone-360", agreements, "agreements, help and how-anonymous open", axe=True)
        agreements.click("#help-link")
        for name, phone in phones.items():
            phone.click("#join-btn")
            expect(phone.locator("#wait-heading")).to_be_visible()
            record.look(name, phone, "waiting", axe=name == "phone-360", shot=name == "phone-320")
        sockets = [SocketPhone(server.url, code) for _ in range(2)]
        for name, screen in projectors.items():
            expect(screen.locator("#join-here")).to_have_text(
                i18n.ntr("es", "%(num)s phone here", "%(num)s phones here", 4))
            expect(screen.locator("#wifi-name")).to_have_text("Sala Fogata")
            record.look(name, screen, "join, with the Wi-Fi", axe=name.endswith("1280x720"), shot=True)
        expect(desk.locator("#join-code")).to_have_text(code)
        record.look("console", desk, "meeting, nothing pushed")

        # The poll: one phone answers, one passes, two answer over sockets.
        poll = console.push("llegada")
        for name, phone in phones.items():
            expect(phone.locator("#answer-form")).to_be_visible()
            record.look(name, phone, "poll", axe=name == "phone-360", shot=True)
        phones["phone-360"].click('label.option[data-index="2"]')
        phones["phone-360"].click("#send-btn")
        phones["phone-320"].click("#pass-btn")
        expect(phones["phone-360"].locator("#done-title")).to_have_text(es("Your answer is in."))
        expect(phones["phone-320"].locator("#done-title")).to_have_text(es("You passed on this one."))
        for name, phone in phones.items():
            record.look(name, phone, "thanks", axe=name == "phone-360", shot=True)
        for other, value in zip(sockets, (0, 2)):
            assert other.call(events.ANSWER, {"item_id": poll, "value": value})["ok"]
        for name, screen in projectors.items():
            expect(screen.locator("#item-status")).to_have_text(
                i18n.ntr("es", "%(num)s responded", "%(num)s responded", 4))
            record.look(name, screen, "poll, 4 responded", axe=name.endswith("1280x720"), shot=True)
        record.look("console", desk, "poll open")
        # A man opens the menu and thinks better of taking his answers back.
        phones["phone-360"].click("#withdraw-btn")
        expect(phones["phone-360"].locator("#confirm")).to_be_visible()
        record.look("phone-360", phones["phone-360"], "take back my answers?", axe=True)
        phones["phone-360"].click("#confirm-no")

        console.do(events.CLOSE_POLL, item_id=poll)
        for name, screen in projectors.items():
            expect(screen.locator("#item-status")).to_have_text(
                i18n.ntr("es", "Answers are closed · %(num)s responded", "Answers are closed · %(num)s responded", 4))
            record.look(name, screen, "poll closed")
        for name, phone in phones.items():
            expect(phone.locator("#state-line")).to_have_text(es("Answers are closed."))
            record.look(name, phone, "poll closed")

        console.do(events.REVEAL_POLL, item_id=poll)
        for name, phone in phones.items():
            expect(phone.locator("#results .fs-results-choice")).to_be_visible()
            record.look(name, phone, "revealed", axe=name == "phone-360", shot=True)
        for name, screen in projectors.items():
            expect(screen.locator("#item-result .fs-results-choice")).to_be_visible()
            record.look(name, screen, "revealed", axe=name.endswith("1280x720"), shot=True)
        record.look("console", desk, "poll revealed")

        # Every other kind of question, as each phone shows it before answering (and while he fills it in).
        for key, fill in (("necesidades", lambda phone: (phone.click('label.option[data-index="0"]'),
                                                           phone.click('label.option[data-index="4"]'))),
                          ("energia", lambda phone: phone.click('.seg label[data-value="7"]')),
                          ("brujula", lambda phone: phone.click("#compass-field")),
                          ("palabra", lambda phone: phone.fill("#words-input", "esperanzado y tranquilo")),
                          ("frase", lambda phone: phone.fill("#text-input", "Me alegra estar aquí."))):
            console.push(key)
            for name, phone in phones.items():
                expect(phone.locator("#answer-form")).to_be_visible()
                fill(phone)
                record.look(name, phone, f"{key}, filled in", axe=name == "phone-360", shot=name == "phone-320")
            phones["phone-360"].click("#pass-btn")
            expect(phones["phone-360"].locator("#done-title")).to_have_text(es("You passed on this one."))
            record.look("phone-360", phones["phone-360"], f"{key}, passed")
        phones["phone-320"].click("#send-btn")  # his sentence, quoted as Spanish quotes
        expect(phones["phone-320"].locator("#mine")).to_have_text(es("Your answer:") + " «Me alegra estar aquí.»")

        console.push("charla")
        for name, phone in phones.items():
            expect(phone.locator("#reflect")).to_be_visible()
            record.look(name, phone, "discussion", axe=name == "phone-360", shot=name == "phone-320")
        for name, screen in projectors.items():
            expect(screen.locator("#item-prompt")).to_have_text("Cuéntale al de al lado algo bueno de tu semana.")
            record.look(name, screen, "discussion", shot=name.endswith("1024x768"))
        record.look("console", desk, "discussion")

        console.do(events.END_MEETING)
        for name, phone in phones.items():
            expect(phone.locator("#ended-heading")).to_be_visible()
            record.look(name, phone, "ended", axe=name == "phone-360", shot=True)
        for name, screen in projectors.items():
            expect(screen.locator("#ended-text")).to_contain_text(es("Thank you all for being here tonight."))
            record.look(name, screen, "thank you", axe=name.endswith("1280x720"), shot=True)
        old = open_page(f"{server.url}/j/{code}", viewport=PHONES["phone-320"], **PHONE)  # an old QR code
        record.look("phone-320", old, "old code", axe=True, shot=True)
        record.look("console", desk, "ended")
        summary = open_page(server.url + "/facilitator/summary/latest", viewport={"width": 1280, "height": 800})
        record.look("summary", summary, "the ended meeting")
        for other in sockets:
            other.close()
        console.close()
        yield record
    finally:
        for context in contexts:
            context.close()
        server.stop()


# --- the tests ---------------------------------------------------------------------------------------


def test_every_phone_page_of_a_spanish_evening_speaks_only_spanish(spanish_evening):
    """Waiting before the start, agreements, waiting, poll, thanks, closed, revealed, discussion, ended, an old code."""
    states = [state for state, _ in spanish_evening.texts["phone-360"]]
    assert {"early", "agreements", "waiting", "poll", "thanks", "revealed", "discussion", "ended"} <= set(states)
    report = _english_report(spanish_evening.pages("phone"))
    assert not report, "English left on the Spanish phone:\n" + report


def test_every_projector_view_of_a_spanish_evening_speaks_only_spanish(spanish_evening):
    """Idle, the two-step join view with the Wi-Fi, the poll's count, closed, revealed, discussion, thank you."""
    report = _english_report(spanish_evening.pages("projector"))
    assert not report, "English left on the Spanish projector:\n" + report


def test_the_spanish_phone_and_projector_pages_pass_axe(spanish_evening):
    """Translated pages stay accessible: labels, names and the page's language."""
    found = [f"{surface} / {state}:\n{describe_violations(violations)}"
             for surface, state, violations in spanish_evening.axe if violations]
    assert len(spanish_evening.axe) >= 15
    assert not found, "axe-core finds problems on the Spanish pages:\n" + "\n".join(found)


def test_long_spanish_words_stay_on_the_phone_and_projector_screens(spanish_evening):
    """At 320 and 360 px, and on 1280x720 and 1024x768 projectors, nothing runs past its box."""
    found = [f"{surface} / {state}: {findings}" for surface, state, findings in spanish_evening.overflow if findings]
    assert not found, "\n".join(found)


def test_the_console_of_a_spanish_evening_speaks_only_spanish(spanish_evening):
    """No meeting, a meeting, a poll open and revealed, a discussion, ended: the facilitator's own page."""
    report = _english_report(spanish_evening.pages("console"))
    assert not report, "English left on the Spanish console:\n" + report


def test_the_summary_of_a_spanish_evening_speaks_only_spanish(spanish_evening):
    """What the facilitator keeps after the meeting, in the meeting's language."""
    report = _english_report(spanish_evening.pages("summary"))
    assert not report, "English left on the Spanish summary:\n" + report


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_join_headline_fits_a_projector_with_no_wifi_card_in_either_language(browser, data_dir, tmp_path, language):
    """Without the Wi-Fi card the headline is at its largest: "sin aplicación, sin nombre" must still wrap."""
    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        console = SocketConsole(server.url)
        console.do(events.SET_LANGUAGE, language=language)
        console.start(deck="starter")
        found = {}
        for name, size in {**PROJECTORS, "projector-800x600": {"width": 800, "height": 600}}.items():
            context = browser.new_context(viewport=size)
            page = context.new_page()
            page.goto(server.url + "/screen")
            page.locator("#join-title").wait_for()
            assert page.locator("html").get_attribute("lang") == language
            found[name] = page.evaluate(OVERFLOW)
            context.close()
        assert found == {name: [] for name in found}
    finally:
        server.stop()
