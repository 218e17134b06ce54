"""Decks written in another language: a deck says its language, the console and the editor carry it,
and a Spanish evening reaches the phones as it was written."""

import json

import prompts
from facilitator import events

API = "/facilitator/evenings/api"
HEADERS = {"X-Fireside": "editor"}
# How a problem names the languages Fireside speaks, in any language: "en (English), es (Español)".
SPEAKS = ", ".join(f"{code} ({name})" for code, name in prompts.languages().items())


def editor(client, method, path, body=None):
    """A JSON request from the evening editor's page."""
    return client.open(API + path, method=method, data=json.dumps(body) if body is not None else None,
                       headers=HEADERS, content_type="application/json")


def test_a_spanish_deck_starts_and_its_items_reach_a_phone_as_written(evening):
    evening.do(events.SET_LANGUAGE, language="es")
    evening.start(deck="starter-es")
    assert evening.room.meeting["title"] == "Una primera prueba"
    phone = evening.phone()
    evening.push("agreements")
    assert phone.last(events.ITEM)["item"]["prompt"].startswith("Bienvenidos. Responde en tu teléfono o solo escucha")
    feeling = evening.push("checkin-feeling")
    shown = phone.last(events.ITEM)["item"]
    assert shown["prompt"] == "¿Qué familia de sentimientos está más cerca de ti ahora mismo?"
    assert shown["options"] == ["Enojo", "Tristeza", "Alegría", "Miedo", "Vergüenza", "Difícil de decir"]
    assert phone.answer(feeling, 1)["ok"]
    evening.push("compass-tonight")
    assert phone.last(events.ITEM)["item"]["axes"] == {"x": "Conexión", "y": "Espacio para mí", "low": "Poco",
                                                      "high": "Mucho"}


def test_a_deck_in_a_language_fireside_does_not_speak_is_refused_with_a_sentence(evening, data_dir):
    (data_dir / "decks" / "lunes.toml").write_text(
        'title = "Lunes"\nlanguage = "xx"\n[[items]]\nid = "a"\nkind = "discussion"\nprompt = "Hola."\n',
        encoding="utf-8")
    sentence = f"lunes.toml: language 'xx' is not one Fireside speaks; it speaks {SPEAKS}"
    refused = evening.try_(events.START_MEETING, deck="lunes")
    assert refused == {"ok": False, "error": sentence}
    assert evening.room.meeting is None
    assert sentence in evening.room.console_payload("http://fireside.test", 0)["deck_problems"]


def test_the_consoles_decks_carry_their_language(evening):
    """The console is told each deck's language, so it can set a Spanish evening apart in an English room."""
    decks = {deck["id"]: deck for deck in evening.room.console_payload("http://fireside.test", 0)["decks"]}
    assert decks["starter-es"]["language"] == "es" and decks["two-sides-es"]["language"] == "es"
    assert decks["starter"]["language"] == "en" and decks["test-evening"]["language"] == "en"
    sent = evening.console_state()
    assert sent and {deck["id"]: deck["language"] for deck in sent["decks"]}["how-we-meet-es"] == "es"


def test_the_evening_editor_keeps_a_decks_language_when_it_duplicates_and_saves_it(client, data_dir):
    opened = editor(client, "GET", "/decks/starter-es").json
    assert opened["builtin"] is True and opened["deck"]["language"] == "es" and opened["check"]["ok"]
    deck = dict(opened["deck"], title="Mi primera prueba")
    saved = editor(client, "POST", "/decks", {"deck": deck, "source": "starter-es"}).json
    path = data_dir / "decks" / f"{saved['id']}.toml"
    assert saved["check"]["ok"] and 'language = "es"' in path.read_text(encoding="utf-8")
    assert "# Una noche de Fireside en español" in path.read_text(encoding="utf-8")  # its comments came along
    assert prompts.load_deck(path).language == "es"
    again = editor(client, "GET", f"/decks/{saved['id']}").json
    changed = editor(client, "PUT", f"/decks/{saved['id']}",
                     {"deck": dict(again["deck"], language="en"), "version": again["version"]}).json
    assert changed["check"]["ok"] and prompts.load_deck(path).language == "en"


def test_the_evening_editor_names_a_language_fireside_does_not_speak_under_its_field(client):
    deck = {"title": "Lunes", "language": "xx", "items": [{"id": "a", "kind": "discussion", "prompt": "Hola."}]}
    check = editor(client, "POST", "/check", {"deck": deck}).json["check"]
    assert check["deck"] == {"language": [f"Language 'xx' is not one Fireside speaks; it speaks {SPEAKS}"]}
    refused = editor(client, "POST", "/import", {"name": "lunes.toml", "text": 'title = "Lunes"\nlanguage = "xx"\n'
                                                  '[[items]]\nid = "a"\nkind = "discussion"\nprompt = "Hola."\n'})
    assert refused.status_code == 400
    assert "lunes.toml: language 'xx' is not one Fireside speaks" in json.dumps(refused.json, ensure_ascii=False)


def test_the_console_lists_the_decks_in_the_meetings_language_first(evening, data_dir):
    """The console ticks the first deck it lists: in an English room that is never a Spanish evening, nor the reverse."""
    (data_dir / "decks" / "test-evening.toml").unlink()  # no evening of his own yet

    def languages():
        return [deck["language"] for deck in evening.room.console_payload("http://fireside.test", 0)["decks"]]

    def first():
        return evening.room.console_payload("http://fireside.test", 0)["decks"][0]["id"]

    # A facilitator who presses Start without choosing runs the short trial, not the first heavy topic.
    assert first() == "starter"
    evening.do(events.SET_LANGUAGE, language="es")
    assert first() == "starter-es"
    evening.do(events.SET_LANGUAGE, language="en")

    english_first = languages()
    assert english_first[0] == "en" and english_first == sorted(english_first, key=lambda code: code != "en")
    evening.do(events.SET_LANGUAGE, language="es")
    spanish_first = languages()
    assert spanish_first[0] == "es" and spanish_first == sorted(spanish_first, key=lambda code: code != "es")
    assert sorted(spanish_first) == sorted(english_first)


UNNAMED_COMPASS = """title = "Martes"
language = "es"

[[items]]
id = "brujula"
kind = "compass"
prompt = "¿Cuánta cercanía y cuánto espacio quieres esta noche?"
"""


def test_a_compass_whose_axes_the_deck_left_unnamed_is_drawn_in_the_meetings_language(evening, data_dir):
    """Fireside's own axis words are said in the room's language on every surface, never in English."""
    (data_dir / "decks" / "martes.toml").write_text(UNNAMED_COMPASS, encoding="utf-8")
    evening.do(events.SET_LANGUAGE, language="es")
    evening.start(deck="martes")
    phone = evening.phone()
    evening.push("brujula")
    spanish = {"x": "Conexión", "y": "Espacio para mí", "low": "Poco", "high": "Mucho"}
    assert phone.last(events.ITEM)["item"]["axes"] == spanish
    assert evening.room.screen_payload("http://fireside.test", 0)["item"]["axes"] == spanish
    assert evening.room.console_payload("http://fireside.test", 0)["agenda"][0]["axes"] == spanish
    evening.do(events.SET_LANGUAGE, language="en")  # the same evening, the room switched to English
    assert evening.room.item_payload()["item"]["axes"] == {"x": "Connection", "y": "Space to myself",
                                                           "low": "A little", "high": "A lot"}


def _first_listed(evening):
    return evening.room.console_payload("http://fireside.test", 0)["decks"][0]["id"]


def test_the_console_ticks_his_own_evening_before_the_trial(evening, data_dir):
    """Once he has written an evening, Start without choosing runs his, not the built-in trial."""
    assert _first_listed(evening) == "test-evening"
    (data_dir / "decks" / "test-evening.toml").unlink()
    assert _first_listed(evening) == "starter"


def test_after_a_meeting_the_console_ticks_the_evening_it_ran(evening):
    """A group that meets with the same evening finds it ticked after a meeting (or a restart), not the trial."""
    evening.start(deck="fathers")
    evening.do(events.END_MEETING)
    assert _first_listed(evening) == "fathers"
    listed = evening.room.console_payload("http://fireside.test", 0)["decks"]
    assert [deck["id"] for deck in listed[1:3]] == ["test-evening", "starter"]  # then his own, then the trial
    evening.start(deck="test-evening")
    evening.do(events.END_MEETING)
    assert _first_listed(evening) == "test-evening"
