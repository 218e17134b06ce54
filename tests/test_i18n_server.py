"""What the server says to a person, in the meeting's language: refusals over Socket.IO, the editor's
answers, the schema's labels and problems, the console's notices (issue 15, section 2)."""

import html
import json
import re

from conftest import catalogue_template, sentences_of

from facilitator import events, helplines, i18n
from prompts import schema

API = "/facilitator/evenings/api"
HEADERS = {"X-Fireside": "editor"}


def spanish_meeting(evening):
    """A meeting of the test deck, held in Spanish."""
    evening.do(events.SET_LANGUAGE, language="es")
    evening.start()


def send(client, method, path, body=None):
    """A JSON request from the editor's page."""
    return client.open(API + path, method=method, data=json.dumps(body) if body is not None else None,
                       headers=HEADERS, content_type="application/json")


# --- refusals over Socket.IO ----------------------------------------------------------------------

def test_a_phones_wrong_answer_is_refused_in_spanish_in_a_spanish_meeting(evening):
    spanish_meeting(evening)
    phone = evening.phone()
    arrive = evening.push("arrive")
    assert phone.answer(arrive, 99) == {"ok": False, "error": "Elige una de las opciones."}
    feeling = evening.push("feeling")
    assert phone.answer(feeling, "one two three")["error"] == "Usa como máximo 2 palabras."
    energy = evening.push("energy")
    assert phone.answer(energy, 11)["error"] == "Elige un número del 0 al 10."


def test_answering_a_poll_that_is_not_open_is_refused_in_spanish(evening):
    spanish_meeting(evening)
    phone = evening.phone()
    evening.push("welcome")
    assert phone.answer(evening.item_id("arrive"), 0)["error"] == "Esta encuesta todavía no se ha abierto."
    energy = evening.push("energy")
    evening.do(events.CLOSE_POLL, item_id=energy)
    assert phone.answer(energy, 3)["error"] == "Esta encuesta está cerrada; ahora no se aceptan respuestas."


def test_a_console_refusal_is_said_in_spanish_with_state_and_action_in_one_sentence(evening):
    spanish_meeting(evening)
    answer = evening.try_(events.CLOSE_POLL, item_id=evening.item_id("arrive"))
    assert answer["error"] == "Esta encuesta aún no se ha mostrado; ahora no se puede cerrar."
    assert evening.try_(events.START_MEETING, title="x" * 81)["error"] == (
        "El título debe ser un texto de 80 caracteres como máximo.")
    assert evening.try_(events.START_MEETING)["error"] == "Ya hay una reunión en marcha. Termínala antes de empezar otra."
    assert evening.try_(events.SET_NOTES, notes="x" * 5001)["error"] == (
        "Las notas deben ser un texto de 5.000 caracteres como máximo.")  # Babel's number


def test_the_same_refusals_stay_english_in_an_english_meeting(evening):
    evening.start()
    phone = evening.phone()
    arrive = evening.push("arrive")
    assert phone.answer(arrive, 99)["error"] == "Please choose one of the options."
    feeling = evening.push("feeling")
    assert phone.answer(feeling, "one two three")["error"] == "Please use at most 2 words."
    assert evening.try_(events.CLOSE_POLL, item_id=evening.item_id("energy"))["error"] == (
        "This poll is not shown yet; it cannot be closed now.")


def test_an_item_added_on_the_spot_is_refused_with_the_schemas_problems_in_spanish(evening):
    spanish_meeting(evening)
    answer = evening.try_(events.ADD_ITEM, kind="scale", prompt="¿Cuánta energía?", scale_min=5, scale_max=1)
    assert answer["error"] == "el mínimo de la escala, 5, no es menor que el máximo, 1"
    answer = evening.try_(events.ADD_ITEM, kind="choice", prompt="¿Sí o no?", options=["Sí"], max_words=2)
    assert answer["error"] == ("el campo options tiene 1 entrada; un elemento choice necesita de 2 a 12; "
                               "el campo max_words no corresponde a un elemento de tipo choice")


def test_help_lines_are_refused_in_spanish(evening):
    spanish_meeting(evening)
    answer = evening.try_(events.SET_HELP_LINES, lines=[{"label": " ", "contact": "988"}])
    assert answer["error"] == "La línea de ayuda 1 no tiene nombre."
    answer = evening.try_(events.SET_HELP_LINES, lines=[{"label": "Crisis", "contact": "x" * 200}])
    assert answer["error"] == "El número o la dirección de la línea de ayuda 1 tiene 200 caracteres; como máximo 120."


def test_a_broken_deck_is_refused_in_spanish_when_a_meeting_starts_from_it(evening, data_dir):
    (data_dir / "decks" / "broken.toml").write_text('title = "Roto"\n[[items]]\nid = "a"\nkind = "scale"\n'
                                                    'prompt = "¿Cuánto?"\nscale_min = 3\nscale_max = 1\n')
    evening.do(events.SET_LANGUAGE, language="es")
    answer = evening.try_(events.START_MEETING, deck="broken")
    assert answer["error"] == "broken.toml, elemento «a»: el mínimo de la escala, 3, no es menor que el máximo, 1"


def test_a_sentence_may_have_a_placeholder_called_n():
    """The placeholder most sentences use for a number is not taken as a plural's count."""
    sentence = i18n._l("The privacy floor cannot be lower than %(n)s.", n=3)
    assert str(sentence) == "The privacy floor cannot be lower than 3."
    assert sentence.say("es") == "El mínimo de respuestas no puede ser menor que 3."


# --- the evening editor's endpoints ----------------------------------------------------------------

def test_the_editors_check_says_each_problem_in_spanish_under_its_field(client, evening):
    evening.do(events.SET_LANGUAGE, language="es")
    deck = {"title": "", "items": [{"id": "a", "kind": "multi", "prompt": "¿Qué?", "options": ["Sí", "sí"],
                                    "max": 0}]}
    check = send(client, "POST", "/check", {"deck": deck}).json["check"]
    assert check["deck"]["title"] == ["El campo «Título» está vacío."]  # named as the editor labels it
    item = check["items"][0]
    assert item["options"] == ["La opción 2 «sí» repite la opción 1."]
    assert item["max"] == ["Cada hombre debe poder elegir al menos 1, no 0."]  # in his words, not the file's
    assert check["bad_options"] == [[2]]
    assert "Elemento 1: La opción 2 «sí» repite la opción 1." in check["all"]


def test_an_editor_refusal_arrives_in_spanish(client, evening):
    evening.do(events.SET_LANGUAGE, language="es")
    refused = send(client, "PUT", "/decks/starter", {"deck": {"title": "x", "items": []}, "version": "v"})
    assert refused.status_code == 403
    assert refused.json["error"] == "Los guiones incluidos no se pueden cambiar. Duplícalo y cambia la copia."
    missing = send(client, "DELETE", "/decks/nothing-here", {"version": "v"})
    assert missing.json["problems"] == ["No hay ningún guion llamado «nothing-here»."]


def test_an_imported_file_is_refused_in_spanish_with_its_line(client, evening):
    evening.do(events.SET_LANGUAGE, language="es")
    text = 'title = "Noche"\n\n[[items]]\nid = "a"\nkind = "discussion"\n'
    refused = send(client, "POST", "/import", {"name": "noche.toml", "text": text})
    assert refused.status_code == 400
    assert refused.json["problems"] == ["noche.toml, línea 3, elemento «a»: falta el campo prompt"]


# --- labels in the pages' config ------------------------------------------------------------------

def _config(page):
    """The JSON config block of a page."""
    found = re.search(r'<script type="application/json" id="fireside-config">(.*?)</script>', page, re.S)
    return json.loads(html.unescape(found.group(1)))


def test_the_kind_labels_and_field_help_in_the_pages_config_are_spanish(client, evening):
    evening.do(events.SET_LANGUAGE, language="es")
    config = _config(client.get("/facilitator/evenings").get_data(as_text=True))
    assert config["schema"]["kind_labels"]["choice"] == "Una opción"
    assert config["schema"]["kind_hints"]["discussion"] == "un tema, sin respuestas"
    assert config["schema"]["default_axes"]["y"] == "Espacio para mí"
    help_of = {field["name"]: field["help"] for field in config["fields"]}
    assert help_of["prompt"] == "lo que muestra cada teléfono, como máximo 300 caracteres"
    assert config["i18n"]["messages"]["Add an option"] == "Añadir una opción"
    console = _config(client.get("/facilitator").get_data(as_text=True))
    assert console["schema"]["kind_labels"]["discussion"] == "Conversación"


def test_the_schema_speaks_english_unless_asked():
    assert schema.for_pages()["kind_labels"]["choice"] == "One choice"
    assert schema.for_pages("es")["kind_labels"]["choice"] == "Una opción"
    assert schema.describe_fields()[0]["help"].startswith("filled in from the question")


def test_the_editor_page_in_spanish_keeps_no_english_sentence_of_its_own(client, evening):
    evening.do(events.SET_LANGUAGE, language="es")
    page = client.get("/facilitator/evenings").get_data(as_text=True)
    assert '<html lang="es">' in page and "Tus guiones" in page and "Nuevo guion" in page
    visible = re.sub(r"<script.*?</script>|<[^>]+>", " ", page, flags=re.S)
    visible += " ".join(re.findall(r'(?:aria-label|title|placeholder)="([^"]*)"', page))
    visible = html.unescape(visible)
    left = [s for s in sentences_of("facilitator/templates/facilitator/evenings.html")
            if re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", visible)]
    assert left == []
    said = _config(page)["i18n"]["messages"]  # only what differs from English is sent
    same_in_spanish = {"%(n)s. %(kind)s"}
    untranslated = [s for s in sentences_of("facilitator/static/evenings.js") if s not in set(said) | same_in_spanish]
    assert untranslated == []


# --- the console's notices -----------------------------------------------------------------------

def test_a_help_file_he_must_fix_and_a_forgotten_meeting_reach_the_console_in_spanish(app, evening):
    fireside = app.extensions["fireside"]
    evening.do(events.SET_LANGUAGE, language="es")
    evening.start()
    title = evening.room.meeting["title"]
    fireside.idle.limit_hours = 1
    fireside.idle.forgotten()  # it notes the meeting as active now
    fireside.idle.last -= 2 * 3600
    assert fireside.end_forgotten_meeting(broadcast=False)
    notices = fireside.notices()
    assert notices[0].startswith(f'Fireside terminó por sí solo la reunión «{title}»')
    assert helplines.NO_LINES in catalogue_template()  # the phone's page says it with i18n.tr


def test_a_help_file_he_must_fix_is_named_on_the_console_in_the_meetings_language(data_dir):
    """help.toml that cannot be read must not stop the evening, and the console says what to fix in Spanish."""
    from facilitator import create_app

    (data_dir / "help.toml").write_text('oops = "x"\n', encoding="utf-8")
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "LANGUAGE": "es"})
    try:
        notices = app.extensions["fireside"].notices()
        assert any("tiene una entrada desconocida, «oops»" in notice for notice in notices), notices
    finally:
        app.extensions["fireside"].store.close()
