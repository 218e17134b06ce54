"""The phone's pages, the projector's page and what a phone is told, in the meeting's language (Spanish here).

The pages are read as Flask renders them, every section at once (the hidden ones too), so every
sentence a phone can show is looked at; tests/test_browser_spanish.py watches them in Chromium.
"""

import json
from html.parser import HTMLParser

from conftest import english_in

import participant.handlers
from facilitator import events, helplines, i18n, socketio

ATTRIBUTES = ("alt", "aria-label", "placeholder", "title")


class Said(HTMLParser):
    """The text of a page as a person meets it: its words and labels, not its scripts or config block."""

    def __init__(self):
        """Nothing read yet."""
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping, self.config = [], 0, None

    def handle_starttag(self, tag, attrs):
        """Labels count; scripts and styles do not (the config block is kept apart)."""
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skipping += 1
            self.in_config = attrs.get("id") == "fireside-config"
        self.parts += [attrs[name] for name in ATTRIBUTES if attrs.get(name)]

    def handle_endtag(self, tag):
        """Back to the page's own words after a script."""
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data):
        """Words on the page; the config block's JSON is kept to read."""
        if self.skipping:
            if getattr(self, "in_config", False):
                self.config = json.loads(data)
            return
        if data.strip():
            self.parts.append(" ".join(data.split()))


def read(response):
    """(the page's text, one sentence a line; its config block) from a page Flask served."""
    said = Said()
    said.feed(response.get_data(as_text=True))
    return "\n".join(said.parts), said.config


def test_the_check_finds_english_sentences_and_words_but_not_spanish_or_codes():
    """The browser test's check itself: it must see the English it looks for, and nothing else."""
    assert "Answers are closed." in english_in("Answers are closed.\n3 responded")
    assert "%(num)s responded" in english_in("Respuestas cerradas\n3 responded")
    assert "the word 'your'" in english_in("Tu respuesta: your answer")
    assert english_in("Tu respuesta llegó.\nCódigo WITH-K7QM\nFireside está listo.") == []


def test_every_phone_page_is_rendered_in_spanish(client, evening):
    """The start page, the meeting's page in all its states, a wrong code and an ended code: Spanish only."""
    evening.do(events.SET_LANGUAGE, language="es")
    early, _ = read(client.get("/"))  # before the meeting: the phone waits for it
    assert "La reunión todavía no ha empezado" in early
    evening.start()
    code = evening.room.meeting["join_code"]
    start, _ = read(client.get("/"))
    meeting, config = read(client.get(f"/j/{code}"))
    wrong, _ = read(client.get("/join?code=ZZZZ-ZZZZ", follow_redirects=True))
    evening.do(events.END_MEETING)
    ended, _ = read(client.get(f"/j/{code}"))
    for page, text in (("the start page", start), ("the meeting's page", meeting), ("a wrong code", wrong),
                       ("an ended meeting's code", ended), ("before the meeting", early)):
        assert english_in(text) == [], f"English on {page}: {english_in(text)}"
    assert "Únete al grupo" in start
    assert "Bienvenido\n" in meeting and "La reunión ha terminado." in meeting
    assert "Retirar mis respuestas" in meeting and "Me gustaría hablar después" in meeting
    assert "Ahora no hay ninguna reunión con ese código" in wrong
    assert "Esta reunión ha terminado" in ended and "Pregúntale al facilitador" in ended  # help, even after the end
    assert config["i18n"]["language"] == "es"
    assert config["i18n"]["messages"]["Your answer is in."] == "Tu respuesta llegó."
    assert config["no_help"] == i18n.tr("es", str(helplines.NO_LINES))


def test_the_projector_page_is_rendered_in_spanish(client, evening):
    """Every view of the projector (idle, join with its Wi-Fi step, item, thank you) in the page itself."""
    evening.do(events.SET_LANGUAGE, language="es")
    evening.start()
    text, config = read(client.get("/screen"))
    assert english_in(text) == [], english_in(text)
    assert "Fireside está listo." in text and "Gracias a todos por estar aquí esta noche." in text
    assert "Conéctate al wifi" in text and "Código QR para unirse a esta reunión" in text
    assert config["i18n"]["messages"]["What the room said"] == "Lo que dijo el grupo"


def test_what_a_phone_is_told_over_socketio_is_in_the_meetings_language(evening):
    """A phone's refusals are said in the meeting's language, not the laptop's."""
    evening.start()
    evening.do(events.SET_LANGUAGE, language="es")
    phone = evening.phone()
    assert phone.emit("start_meeting", {})["error"] == i18n.tr(
        "es", "Phones can only answer, pass, withdraw, ask for a word after, or sync.")
    assert phone.emit(events.WITHDRAW, {"all": True})["error"] == "retirar no lleva campos."
    assert phone.emit(events.SYNC, {"again": True})["error"] == "sincronizar no lleva campos."



def test_a_phone_held_back_by_the_flood_limits_is_told_why_in_the_meetings_language(evening, monkeypatch):
    """Too many wrong codes: the join page and the socket's refusal both say so in Spanish."""
    from flask_socketio import ConnectionRefusedError

    told = []

    class Heard(ConnectionRefusedError):
        def __init__(self, *args):
            told.append(args[0] if args else "")
            super().__init__(*args)

    monkeypatch.setattr(participant.handlers, "ConnectionRefusedError", Heard)
    code = evening.start()
    evening.do(events.SET_LANGUAGE, language="es")
    device = evening.app.test_client()
    device.environ_base["REMOTE_ADDR"] = "192.0.2.44"  # another device on the Wi-Fi, not the laptop
    for n in range(evening.app.config["JOIN_GUESSES_PER_MINUTE"]):
        assert device.get(f"/j/AAAA-{n:04d}").status_code == 404
    page = device.get(f"/j/{code}")
    assert page.status_code == 429
    assert "Demasiados códigos equivocados desde este teléfono." in page.get_data(as_text=True)
    assert '<html lang="es">' in page.get_data(as_text=True)
    socketio.test_client(evening.app, namespace=events.PARTICIPANT_NS, flask_test_client=device, auth={"code": code})
    assert told[-1].startswith("Demasiados códigos equivocados")
