"""The summary and history pages in the facilitator's words: the ones the console and the projector use."""

import re
from html.parser import HTMLParser

import pytest
from test_export import run_evening

from facilitator import export


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
