"""The summary and history pages in the facilitator's words: the ones the console and the projector use."""

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from test_export import run_evening

from facilitator import events, export


class Shown(HTMLParser):
    """What a page shows a person: its text (no tags, styles or scripts) and each link's words by address."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self._href, self._skip = [], {}, None, 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self._skip += 1
        elif tag == "a":
            self._href = dict(attrs).get("href")
            self.links[self._href] = ""

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1
        elif tag == "a":
            self._href = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._href is not None:
            self.links[self._href] += data


def shown(page):
    parser = Shown()
    parser.feed(page)
    parser.words = " ".join(" ".join(parser.text).split())
    parser.links = {href: " ".join(words.split()) for href, words in parser.links.items()}
    return parser


@pytest.fixture
def held(evening, client, data_dir):
    """An ended meeting from the test deck ("Test evening"): its summary, printable and served pages, the history."""
    room = run_evening(evening)
    summary = export.summary(evening.store, room["meeting_id"], export.deck_titles(data_dir / "decks"))
    return {"id": room["meeting_id"], "summary": summary, "printable": export.render(summary, "html"),
            "page": client.get(f"/facilitator/summary/{room['meeting_id']}").get_data(as_text=True),
            "history": client.get("/facilitator/history").get_data(as_text=True)}


def test_the_plan_a_meeting_ran_from_is_called_an_evening_as_on_the_console(held):
    page, history = shown(held["page"]), shown(held["history"])
    assert "Evening Test evening" in page.words  # the fact beside the day
    assert re.search(r"Day Meeting Evening Phones Summary", history.words)  # the list's columns
    for words in (page.words, shown(held["printable"]).words, history.words):
        assert not re.search(r"\bdecks?\b", words, re.IGNORECASE), re.search(r".{40}\bdecks?\b.{40}", words,
                                                                             re.IGNORECASE)


def test_the_compass_legend_calls_the_ring_what_the_projector_and_phones_call_it(held):
    legend = re.search(r'<p class="legend muted">(.*?)</p>', held["printable"], re.DOTALL).group(1)
    assert "the middle of the answers" in shown(legend).words
    assert "median" not in legend


def test_downloads_on_the_summary_and_the_history_say_what_each_file_is(held):
    meeting_id = held["id"]
    plain = {"html": "Printable page", "md": "Text file (Markdown)", "csv": "Spreadsheet (CSV)",
             "json": "Data file (JSON)"}
    for page in (held["page"], held["history"]):
        links = shown(page).links
        assert {fmt: links[f"/facilitator/export/{meeting_id}.{fmt}"] for fmt in plain} == plain
    toolbar = shown(re.search(r'<span class="toolbar-downloads">.*?</span>', held["page"], re.DOTALL).group(0)).words
    assert toolbar == ("Download: Printable page · Text file (Markdown) · Spreadsheet (CSV) · Data file (JSON)")


@pytest.mark.browser
def test_a_discussion_prompt_and_its_kind_are_read_with_a_space_between_them(held, browser):
    """The line is laid out as a row: the space between the prompt and "· discussion" must survive drawing it,
    both in the text a person copies and on the screen, at a laptop's width and a phone's."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_content(held["printable"])  # the printable page carries its stylesheet
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        line = page.locator(".item-discussion").first
        assert "What brought you here tonight? · discussion" in line.inner_text()
        prompt, kind = (line.locator(part).bounding_box() for part in (".prompt", ".muted"))
        if abs(prompt["y"] - kind["y"]) < 2:  # on one line: a space's width between them
            assert kind["x"] - (prompt["x"] + prompt["width"]) >= 2, (prompt, kind)


def test_the_room_s_middle_answer_is_called_what_the_phones_and_projector_call_it(held):
    """'Median' is statistics; the phones and the projector say 'The middle of the answers:'. A person reads the
    summary as the page, the printable file and the text file: none of them says 'median'. (The CSV's part and the
    JSON's field stay "median": programs read them.)"""
    page, printable = shown(held["page"]), shown(held["printable"])
    for words in (page.words, printable.words):
        words = words.replace(" , ", ", ")  # the number is bold: its own piece of text, joined with a space
        assert "▲ The middle of the answers: 5" in words  # the scale
        assert "The middle of the answers: connection 60, space to myself 70 (0 = a little, 100 = a lot)" in words
    text = export.render(held["summary"], "md")
    assert "The middle of the answers: 5\n" in text
    assert "The middle of the answers: connection 60, space to myself 70 (0 = a little, 100 = a lot)" in text
    for words in (page.words, printable.words, text):
        assert not re.search(r"median", words, re.IGNORECASE), re.search(r".{40}median.{40}", words, re.IGNORECASE)
    rows = csv.DictReader(io.StringIO(export.render(held["summary"], "csv").lstrip("\ufeff")))
    labels = [(row["kind"], row["label"]) for row in rows if row["part"] == "median"]  # the part: for programs
    assert {"scale", "compass"} == {kind for kind, _label in labels}
    assert {label for _kind, label in labels} == {"the middle of the answers"}  # the label: for a person


def test_the_end_of_evening_check_and_a_scale_pair_name_the_middle_in_the_same_words():
    item = {"kind": "scale", "key": "end-heard", "number": 1, "prompt": "I was heard tonight.",
            "scale": {"min": 0, "max": 5}, "status": "shown",
            "result": {"kind": "scale", "shown": True, "answered": 4, "passed": 0, "responded": 4,
                       "counts": [0, 0, 1, 1, 1, 1], "median": 3.5}}
    summary = {"meeting": {"id": 1, "title": "First Monday", "deck": "", "held_on": "2025-03-03", "phones_joined": 4,
                           "floor": 3, "notes": "", "language": "en"},
               "items": [item], "not_used": [], "at_a_glance": {"pairs": [], "checks": [1], "words": []}}
    assert "| Question | The middle of the answers | Answered |" in export.render(summary, "md")
    assert '<th scope="col" class="num">The middle of the answers</th>' in export.render(summary, "html")
    with export.speaking("en"):
        assert export.glance_rows(item, None)[1] == ("The middle of the answers", "3.5", "—")


@pytest.mark.parametrize("language, day", [("en", "Monday, March 3, 2025"), ("es", "lunes, 3 de marzo de 2025")])
def test_the_page_s_title_and_footer_spell_the_day_out_and_the_file_names_keep_it_sortable(held, language, day):
    summary = {**held["summary"], "meeting": {**held["summary"]["meeting"], "held_on": "2025-03-03",
                                              "language": language}}
    page = export.render(summary, "html")
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    footer = shown(re.search(r'<footer class="sheet-foot">.*?</footer>', page, re.DOTALL).group(0)).words
    assert title.startswith(f"First Monday — {day} — ") and "2025-03-03" not in title
    assert footer.endswith(f" · {day}") and "2025-03-03" not in footer
    assert export.filename(summary, "md") == "fireside-2025-03-03-first-monday.md"  # sorts by day on a disk


@pytest.mark.browser
def test_the_card_at_a_glance_keeps_its_tables_inside_it_on_a_phone_sized_window_in_spanish(evening, data_dir, browser):
    """'El punto medio de las respuestas' beside 'Respondieron' is the widest the card's check gets."""
    from test_console_smooth import _glance_evening

    evening.do(events.SET_LANGUAGE, language="es")
    printable = export.render(_glance_evening(evening, data_dir), "html")
    assert "El punto medio de las respuestas</th>" in printable
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.set_content(printable)  # the printable page carries its stylesheet
    past = page.evaluate("""() => {
        const card = document.querySelector('.glance'), style = getComputedStyle(card);
        const edge = card.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
        return [...card.querySelectorAll('table')].map(t => t.getBoundingClientRect().right - edge).filter(d => d > 0.5);
    }""")
    assert past == []


def test_the_summary_page_asks_fireside_for_no_icon(evening, client):
    """Like every other page: the browser would ask for /favicon.ico, which Fireside does not serve."""
    evening.start()
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    page = client.get(f"/facilitator/summary/{meeting_id}").get_data(as_text=True)
    assert '<link rel="icon" href="data:,">' in page
