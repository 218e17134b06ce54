"""A summary in the language of its meeting, the history in the room's: every format, every sentence Fireside writes."""

import csv
import datetime
import io
import itertools
import json
import re
import threading

import pytest
from babel.dates import format_date
from conftest import catalogue_patterns, english_in
from test_export import run_evening
from test_history import held_on

from facilitator import events, export, history, i18n
from facilitator.kinds import DEFAULT_AXES, KIND_LABELS

# The files whose sentences this test holds to the meeting's language.
SUMMARY_FILES = ("facilitator/export.py", "facilitator/history.py", "facilitator/templates/facilitator/summary.html",
                 "facilitator/templates/facilitator/history.html")


def english_left(text):
    """The English sentences of the summary and history still found in a text (a stylesheet's comments aside).

    Only sentences of two words or more: a one-word heading ("Median") may be a word of a deck's own
    prompt, and the brand ("Fireside") is the same in every language.
    """
    text = re.sub(r"<style>.*?</style>", "", text, flags=re.DOTALL)
    return english_in(text, sources=SUMMARY_FILES, min_words=2, words=False)


def csv_words(text):
    """What a person reads in a CSV: its labels (its columns and its status and part values are for programs)."""
    return "\n".join(row["label"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def spanish_evening(evening, **options):
    """A meeting held in Spanish on Monday 3 March 2025; the room speaks English again afterwards."""
    evening.do(events.SET_LANGUAGE, language="es")
    room = run_evening(evening, **options)
    held_on(evening, room["meeting_id"], "2025-03-03")
    evening.do(events.SET_LANGUAGE, language="en")  # the next meeting's: the summary keeps its own
    return room


def test_the_catalogue_holds_the_summarys_sentences():
    """The check below means something only if it has sentences to look for."""
    sentences = [english for english, _pattern, _needle in catalogue_patterns("es", SUMMARY_FILES, 2)]
    assert "not shown — fewer than %(floor)s answers" in sentences and "The evening, item by item" in sentences
    assert len(sentences) > 40


def test_a_spanish_meetings_markdown_is_spanish_with_a_spanish_date(evening):
    room = spanish_evening(evening)
    summary = export.summary(evening.store, room["meeting_id"])
    assert summary["meeting"]["language"] == "es"
    text = export.render(summary, "md")
    assert "- Día: lunes, 3 de marzo de 2025\n" in text and "2025-03-03" not in text
    assert "## De un vistazo" in text and "## Notas" in text
    assert "Teléfonos conectados: 5" in text
    assert "no se mostró — menos de 3 respuestas" in text  # tea, below the floor
    assert "4 respondieron · 1 prefirió pasar" in text
    assert "El punto medio de las respuestas: 5,5" in text or "El punto medio de las respuestas: 5" in text
    assert "| Opción | Respuestas |" in text
    assert english_left(text) == []


def test_a_spanish_meetings_html_is_spanish_and_says_so(evening):
    room = spanish_evening(evening)
    page = export.render(export.summary(evening.store, room["meeting_id"]), "html")
    assert '<html lang="es">' in page
    assert '<time datetime="2025-03-03">lunes, 3 de marzo de 2025</time>' in page
    assert '<h2 id="glance-heading">De un vistazo</h2>' in page
    assert "<title>First Monday — lunes, 3 de marzo de 2025 — Resumen de Fireside</title>" in page
    assert 'aria-label="Respuestas por valor — ' in page  # the scale's chart, to a screen reader
    assert re.search(r'aria-label="\d+ respuestas como puntos; Sobre todo [^:]+: \d+, Las dos: \d', page)  # the compass's
    assert "<th scope=\"col\">Opción</th>" in page  # the bars' header
    assert "El punto medio de las respuestas: <strong>" in page  # markup inside a translated sentence stays markup
    assert english_left(page) == []


def test_a_spanish_meetings_csv_keeps_its_columns_and_says_its_labels_in_spanish(evening):
    room = spanish_evening(evening)
    summary = export.summary(evening.store, room["meeting_id"])
    text = export.render(summary, "csv")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == list(export.CSV_COLUMNS)  # column names are for programs: English
    labels = {row["label"] for row in rows if row["part"] == "item"}
    assert {"se mostró en la sala", "no se mostró — menos de 3 respuestas"} <= labels
    medians = [row for row in rows if row["part"] == "median"]
    assert medians and {row["label"] for row in medians} == {"el punto medio de las respuestas"}
    assert all("," not in row["value"] for row in medians)  # a number for a program: 5.5, never 5,5
    assert {row["status"] for row in rows if row["status"]} <= {"shown", "not shown", "not revealed", "discussion",
                                                                  "not used"}
    assert english_left(csv_words(text)) == []


def test_a_spanish_meetings_json_names_its_language_and_keeps_its_keys(evening):
    room = spanish_evening(evening)
    spanish = json.loads(export.render(export.summary(evening.store, room["meeting_id"]), "json"))
    assert spanish["schema"] == "fireside.summary/3" and spanish["meeting"]["language"] == "es"
    english_room = run_evening(evening)
    english = json.loads(export.render(export.summary(evening.store, english_room["meeting_id"]), "json"))
    assert english["meeting"]["language"] == "en"
    assert set(spanish) == set(english) and set(spanish["meeting"]) == set(english["meeting"])
    assert [item["status"] for item in spanish["items"]] == [item["status"] for item in english["items"]]


def test_an_english_meeting_stays_english_while_the_room_speaks_spanish(client, evening):
    room = run_evening(evening)
    held_on(evening, room["meeting_id"], "2025-03-03")
    evening.do(events.SET_LANGUAGE, language="es")
    text = export.render(export.summary(evening.store, room["meeting_id"]), "md")
    assert "- Day: Monday, March 3, 2025\n" in text and "## At a glance" in text
    assert "4 answered · 1 passed" in text
    page = client.get(f"/facilitator/summary/{room['meeting_id']}").get_data(as_text=True)
    assert '<html lang="en">' in page and "The evening, item by item" in page


def test_the_served_summary_and_download_follow_the_meeting_not_the_room(client, evening):
    room = spanish_evening(evening)
    assert evening.room.language == "en"
    page = client.get(f"/facilitator/summary/{room['meeting_id']}").get_data(as_text=True)
    assert '<html lang="es">' in page and "La noche, punto por punto" in page
    assert ">Imprimir</button>" in page and "← Reuniones e historial" in page
    assert english_left(page) == []
    download = client.get(f"/facilitator/export/{room['meeting_id']}.md").get_data(as_text=True)
    assert "lunes, 3 de marzo de 2025" in download


def test_two_summaries_in_two_languages_one_after_the_other_do_not_mix(evening):
    spanish = export.summary(evening.store, spanish_evening(evening)["meeting_id"])
    english = export.summary(evening.store, run_evening(evening)["meeting_id"])
    for fmt in ("md", "html", "csv"):
        first, second, third = (export.render(s, fmt) for s in (spanish, english, spanish))
        assert first == third
        assert "no se mostró — menos de 3 respuestas" in first and "no se mostró" not in second
        assert english_left(csv_words(first) if fmt == "csv" else first) == []
        assert "not shown — fewer than 3 answers" in second


def test_renders_in_two_languages_at_once_do_not_borrow_each_others_words(evening):
    """Two threads rendering at the same time (two downloads) each keep their own language."""
    summaries = {"es": export.summary(evening.store, spanish_evening(evening)["meeting_id"]),
                 "en": export.summary(evening.store, run_evening(evening)["meeting_id"])}
    expected = {language: export.render(s, "html") for language, s in summaries.items()}
    assert "lunes, 3 de marzo de 2025" in expected["es"] and "lunes" not in expected["en"]
    wrong, start = [], threading.Barrier(4)

    def render(language):
        start.wait(timeout=10)
        for _ in range(15):
            if export.render(summaries[language], "html") != expected[language]:
                wrong.append(language)

    threads = [threading.Thread(target=render, args=(language,)) for language in ("es", "en", "es", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not wrong and not any(thread.is_alive() for thread in threads)


def test_a_render_inside_another_languages_block_keeps_its_own_and_restores_the_outer(evening):
    english = export.summary(evening.store, run_evening(evening)["meeting_id"])
    with export.speaking("es"):
        assert "## At a glance" in export.render(english, "md")
        assert export.language() == "es"
    assert export.language() == "en"


def test_the_card_at_a_glance_is_spanish_in_a_spanish_meeting(evening, data_dir):
    """Arriving beside leaving, the end-of-evening check and the words kept, each heading and row in Spanish."""
    from test_console_smooth import _glance_evening

    evening.do(events.SET_LANGUAGE, language="es")
    summary = _glance_evening(evening, data_dir)
    text = export.render(summary, "md")
    glance = text.split("## De un vistazo")[1].split("## Notas")[0]
    assert "|  | Al llegar | Al irse |" in glance and "| Respondieron | 4 | 4 |" in glance
    assert "| Las dos | 0 | 3 |" in glance and "| Mediana: 3,5 |" not in glance
    assert re.search(r"\| El punto medio de las respuestas: \S+ \| 25 \| 75 \|", glance)  # the middle on each axis
    assert "### Balance del final de la noche" in glance and "| I was heard tonight. | 3,5 | 4 |" in glance
    assert "| Pregunta | El punto medio de las respuestas | Respondieron |" in glance  # the phones' words
    assert re.search(r"\(puntos \d+ y \d+\)", glance)
    page = export.render(summary, "html")
    for found in (text, page):
        assert english_left(found) == [], found[:200]
    assert ">Al llegar</th>" in page and "<h3>Balance del final de la noche</h3>" in page


def test_the_history_is_in_the_rooms_language_now(client, evening):
    for day in ("2025-01-06", "2025-01-20"):
        held_on(evening, run_evening(evening)["meeting_id"], day)  # two English meetings
    evening.do(events.SET_LANGUAGE, language="es")
    page = client.get("/facilitator/history").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "<h1>Reuniones e historial</h1>" in page and "← Volver a la consola" in page
    connection = i18n.tr("es", str(DEFAULT_AXES["x"]))  # the schema's word, as the catalogue says it
    assert "en 2 reuniones" in page and f"{connection}: el punto medio de las respuestas: 6 ene 2025: " in page
    assert '<time datetime="2025-01-06">lunes, 6 de enero de 2025</time>' in page  # the day spelled out, in Spanish
    assert english_left(page) == []
    evening.do(events.SET_LANGUAGE, language="en")
    page = client.get("/facilitator/history").get_data(as_text=True)
    assert '<html lang="en">' in page and "in 2 meetings" in page and "Connection: the middle of the answers: Jan 6, 2025: " in page
    assert '<time datetime="2025-01-06">Monday, January 6, 2025</time>' in page


def test_a_share_in_the_history_is_written_as_the_language_writes_a_percentage(evening):
    """Babel: '50%' in English, '50 %' (a no-break space) in Spanish."""
    with export.speaking("es"):
        assert history.percent(50) == "50\xa0%"
    with export.speaking("en"):
        assert history.percent(50) == "50%"


def test_a_summary_that_cannot_be_made_says_so_in_the_rooms_language(client, evening):
    evening.do(events.SET_LANGUAGE, language="es")
    response = client.get("/facilitator/summary/latest")
    assert response.status_code == 404 and response.get_data(as_text=True) == "Todavía no ha terminado ninguna reunión.\n"
    missing = client.get("/facilitator/summary/99")
    assert missing.get_data(as_text=True).startswith("No hay ninguna reunión 99.")
    with pytest.raises(export.ExportError, match="There is no meeting 99"):  # the command line: English
        export.summary(evening.store, 99)


def test_a_kinds_name_and_the_default_axes_are_said_as_the_catalogue_says_them(evening):
    """They are written once, in prompts/schema.py, and translated wherever that marks them for the catalogue."""
    text = export.render(export.summary(evening.store, spanish_evening(evening)["meeting_id"]), "md")
    scale = i18n.tr("es", str(KIND_LABELS["scale"]))
    assert f"*{scale} 0–10 · " in text
    connection = i18n.tr("es", str(DEFAULT_AXES["x"])).lower()
    assert f"El punto medio de las respuestas: {connection} " in text
    for english in (KIND_LABELS["scale"], DEFAULT_AXES["x"]):
        if i18n.tr("es", str(english)) != str(english):
            assert f"{english} " not in text


# --- in a browser --------------------------------------------------------------------------------

# What six phones answer in the Spanish evening below: a scale, the compass and sentences.
BROWSER_ANSWERS = {
    "energy": [3, 7, 7, 10, 0, 5],
    "compass": [{"x": 6, "y": 93}, {"x": 94, "y": 93}, {"x": 6, "y": 7}, {"x": 94, "y": 7}, {"x": 70, "y": 30},
                {"x": 30, "y": 70}],
    "sentence": ["Me alegra estar aquí.", "Gracias por este espacio.", "La próxima vez diré más.", "Primera vez.",
                 "Volveré.", "Hoy escuché mucho."],
}


def hold_a_spanish_evening(url):
    """On a real server: a meeting in Spanish, six phones answering a scale, the compass and sentences; ended."""
    from conftest import SocketConsole, SocketPhone

    console = SocketConsole(url)
    console.do(events.SET_LANGUAGE, language="es")
    state = console.start(title="Noche de lunes")
    phones = [SocketPhone(url, state["meeting"]["code"]) for _ in range(6)]
    for key, values in BROWSER_ANSWERS.items():
        item_id = console.push(key)
        for phone, value in zip(phones, values):
            assert phone.call(events.ANSWER, {"item_id": item_id, "value": value})["ok"]
        if key == "sentence":
            console.do(events.CLOSE_POLL, item_id=item_id)
            state = console.wait_for(lambda state, item_id=item_id: state["pending"].get(str(item_id)))
            texts = [entry["text"] for entry in state["pending"][str(item_id)]]
            console.do(events.MODERATE_ALL, item_id=item_id, texts=texts)
        console.do(events.REVEAL_POLL, item_id=item_id)
    console.do(events.END_MEETING)
    console.wait_for(lambda state: state["meeting"] is None)
    return console


@pytest.mark.browser
def test_the_spanish_summary_and_history_read_spanish_in_a_browser_and_have_nothing_for_axe(browser, server):
    from conftest import assert_accessible

    console = hold_a_spanish_evening(server.url)
    pages = []
    for path, heading in (("/facilitator/summary/latest", "De un vistazo"), ("/facilitator/history", "A lo largo del tiempo")):
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.set_default_timeout(10_000)
        errors = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.goto(server.url + path)
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.get_by_role("heading", name=heading).is_visible()
        shown = page.evaluate("document.body.innerText")
        assert english_left(shown) == [], path
        assert_accessible(page, f"the Spanish {path}")
        assert errors == []
        pages.append(shown)
    today = format_date(datetime.date.today(), format="full", locale="es")  # the meeting was held today
    assert today in pages[0]
    assert "Imprimir" in pages[0] and "Volver a la consola" in pages[1]
    console.close()


# Every box of the page that reaches past the window's sides, and every one in the card at a glance that reaches
# past the card's own edge (a table can spill over the card's padding and still stop short of the window's edge).
PAST_THE_EDGES = """() => {
    const width = document.documentElement.clientWidth, past = [];
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' +
        (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40) + '"';
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width && (box.left < -0.5 || box.right > width + 0.5)) past.push(`${name(el)} ${box.left}–${box.right}`);
    }
    const card = document.querySelector('.glance'), style = getComputedStyle(card);
    const edge = card.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
    for (const el of card.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width > 1 && box.right > edge + 0.5) past.push(`${name(el)} past the card by ${box.right - edge}`);
    }
    return {past, scrolls: document.documentElement.scrollWidth > width};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "es"])
def test_on_a_phone_nothing_on_the_summary_runs_off_the_side_or_out_of_its_card(browser, server, evening, data_dir,
                                                                                language):
    """At 320 and 360 px the card's end-of-evening check ("El punto medio de las respuestas" beside the one word
    "Respondieron") spilled over the card and off the window in Spanish: on a phone each question is a line with
    its numbers under it, named."""
    from conftest import assert_accessible
    from test_console_smooth import _glance_evening

    evening.do(events.SET_LANGUAGE, language=language)
    meeting_id = _glance_evening(evening, data_dir)["meeting"]["id"]
    held_on(evening, meeting_id, "2026-09-30")  # a long day: "miércoles, 30 de septiembre de 2026"
    for width in (320, 360):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto(f"{server.url}/facilitator/summary/{meeting_id}")
        assert page.locator(".glance-table").count() == 3  # arriving beside leaving twice, and the check
        assert page.evaluate(PAST_THE_EDGES) == {"past": [], "scrolls": False}, (language, width)
        middle, answered = {"en": ("The middle of the answers", "Answered"),
                            "es": ("El punto medio de las respuestas", "Respondieron")}[language]
        # The question on a line of its own, each number on a line under it after its column's name.
        lines = page.evaluate("""() => [...document.querySelectorAll('.check-table tbody tr > *')].map(cell => {
            const box = cell.getBoundingClientRect(), before = getComputedStyle(cell, '::before').content;
            return [box.top, box.bottom, before === 'none' ? '' : cell.dataset.label, cell.innerText.trim()];
        })""")
        assert [(label, text) for _top, _bottom, label, text in lines] == [
            ("", "I was heard tonight."), (middle, "3.5" if language == "en" else "3,5"), (answered, "4")], lines
        assert all(below[0] >= above[1] - 0.5 for above, below in itertools.pairwise(lines)), lines
        assert_accessible(page, f"the {language} summary at {width} px")
        page.close()
