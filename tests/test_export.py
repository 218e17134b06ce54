"""Anonymized summaries: every kind in every format, read back and checked against what the room saw."""

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from conftest import Shared, run_fireside

from facilitator import events, export

FORMATS = ("md", "csv", "json", "html")
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b|T\d{2}:\d{2}")


# --- one evening with every kind ----------------------------------------------------------------


def run_evening(evening, *, compass=None, title="First Monday", notes="Good energy. Next time start with the compass."):
    """Run a meeting from the test deck through every kind; returns what the room saw and every secret.

    compass: the compass answers (default five dots); fewer than three keep it below the floor.
    """
    evening.start(title=title)
    room = {"secrets": set(), "seen": {}, "tokens": []}
    room["secrets"].update({evening.room.meeting["meeting_key"], evening.room.meeting["join_code"]})
    phones = [evening.phone() for _ in range(5)]
    room["tokens"] = [phone.token for phone in phones]

    def poll(key, answers, reveal=True, moderate=()):
        item_id = evening.push(key) if isinstance(key, str) else key
        for phone, value in zip(phones, answers):
            ack = phone.pass_(item_id) if value == "pass" else phone.answer(item_id, value)
            assert ack["ok"], ack
        for text, approved, exported in moderate:
            evening.do(events.MODERATE, item_id=item_id, text=text, approved=approved, export=exported)
        if reveal:
            evening.do(events.REVEAL_POLL, item_id=item_id)
            room["seen"][item_id] = phones[0].last(events.ITEM)["item"]["result"]
        return item_id

    evening.push("welcome")
    room["arrive"] = poll("arrive", [0, 0, 2, 1, "pass"])
    room["needs"] = poll("needs", [[0, 1], [0], [1, 3], [2], [0, 3]])
    room["energy"] = poll("energy", [3, 3, 8, 6, 5])
    dots = compass if compass is not None else [{"x": 80, "y": 70}, {"x": 20, "y": 90}, {"x": 60, "y": 10},
                                                 {"x": 30, "y": 30}, {"x": 80, "y": 70}]
    room["compass"] = poll("compass", dots)
    room["feeling"] = poll("feeling", ["tired", "Tired!", "hopeful", "Hopeful", "weary"],
                           moderate=[("tired", True, True), ("hopeful", True, True), ("weary", True, False)])
    room["sentence"] = poll("sentence", ["I am glad I came.", "My brother is sick.", "Nobody approved this one.",
                                         "pass"],
                            moderate=[("I am glad I came.", True, True), ("My brother is sick.", True, False)])
    # Added on the spot: one below the floor, one never revealed, one never used.
    evening.do(events.ADD_ITEM, kind="choice", prompt="Stay for tea?", options=["Yes", "No"], push=True)
    tea = max(evening.room.order)
    room["tea"] = poll(tea, [0, 1, "pass"])
    evening.do(events.ADD_ITEM, kind="scale", prompt="How rested are you?", scale_min=1, scale_max=5, push=True)
    rested = max(evening.room.order)
    room["rested"] = poll(rested, [2, 4, 4, 5], reveal=False)
    evening.do(events.CLOSE_POLL, item_id=rested)
    evening.do(events.ADD_ITEM, kind="discussion", prompt="A question we ran out of time for.", push=False)
    evening.do(events.SET_NOTES, notes=notes)

    # Everything that identifies a phone or an answer, as it stands before the meeting ends.
    store = evening.store
    room["secrets"].update(row["ballot"] for row in store._rows("SELECT ballot FROM ballots"))
    room["secrets"].update(row["marker"] for row in store._rows("SELECT marker FROM arrivals"))
    room["secrets"].update(room["tokens"])
    assert len(room["secrets"]) > 30
    room["meeting_id"] = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    return room


def summary_of(evening, room):
    return export.summary(evening.store, room["meeting_id"])


def download(client, meeting_id, fmt, **kwargs):
    response = client.get(f"/facilitator/export/{meeting_id}.{fmt}", **kwargs)
    return response


@pytest.fixture(scope="module")
def one_meeting(tmp_path_factory, migrated_database):
    """An ended meeting with every kind, held once for the tests that only read it."""
    shared = Shared(tmp_path_factory.mktemp("held"), migrated_database)
    shared.room = run_evening(shared.evening)
    yield shared
    shared.close()


@pytest.fixture
def ended(one_meeting):
    """That meeting for one test, which fails if it leaves the database otherwise than it found it.

    .evening: its console and store; .room: what run_evening returned; .client: a fresh HTTP client.
    """
    with one_meeting.unchanged() as shared:
        yield shared


# --- what the summary holds -----------------------------------------------------------------------


def test_summary_holds_every_used_item_in_order_with_what_the_room_saw(ended):
    evening, held = ended.evening, ended.room
    s = summary_of(evening, held)
    assert s["schema"] == "fireside.summary/3"
    meeting = s["meeting"]
    assert meeting["title"] == "First Monday" and meeting["deck"] == "test-evening"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meeting["held_on"])
    assert meeting["phones_joined"] == 5 and meeting["floor"] == 3
    assert meeting["notes"] == "Good energy. Next time start with the compass."
    assert [i["key"] for i in s["items"]] == ["welcome", "arrive", "needs", "energy", "compass", "feeling",
                                              "sentence", "", ""]
    assert [i["number"] for i in s["items"]] == list(range(1, 10))
    assert s["not_used"] == [{"key": "", "kind": "discussion", "prompt": "A question we ran out of time for."}]
    by_key = {i["key"]: i for i in s["items"] if i["key"]}
    assert by_key["welcome"]["status"] == "discussion" and by_key["welcome"]["result"] is None
    for key in ("arrive", "needs", "energy", "compass"):
        assert by_key[key]["status"] == "shown" and by_key[key]["revealed"] is True
        seen = held["seen"][held[key]]  # the room's picture, with the export's names for its counts
        assert by_key[key]["result"] == {**seen, "responded": seen["answered"],
                                         "answered": seen["answered"] - seen["passed"]}
    assert by_key["arrive"]["result"]["counts"] == [2, 1, 1]
    assert by_key["compass"]["result"]["median"] == {"x": 60, "y": 70}


def test_words_and_sentences_only_those_marked_for_export(ended):
    evening, held = ended.evening, ended.room
    s = summary_of(evening, held)
    by_key = {i["key"]: i for i in s["items"] if i["key"]}
    seen_words = held["seen"][held["feeling"]]["words"]
    assert {w["word"] for w in seen_words} == {"tired", "hopeful", "weary"}  # what the room saw
    assert by_key["feeling"]["result"]["words"] == [{"word": "hopeful", "count": 2}, {"word": "tired", "count": 2}]
    assert by_key["feeling"]["result"]["withheld"] == 1
    assert by_key["sentence"]["result"]["texts"] == ["I am glad I came."]
    assert by_key["sentence"]["result"]["withheld"] == 1
    for fmt in FORMATS:
        text = export.render(s, fmt).lower()
        for hidden in ("weary", "angry", "my brother is sick", "nobody approved"):
            assert hidden not in text, (fmt, hidden)
        assert "i am glad i came." in text and "hopeful" in text


def test_poll_below_the_floor_exports_as_not_shown_in_every_format(ended):
    evening, held = ended.evening, ended.room
    s = summary_of(evening, held)
    tea = s["items"][7]
    assert tea["prompt"] == "Stay for tea?" and tea["status"] == "not shown"
    assert tea["result"] == {"kind": "choice", "shown": False, "responded": 3, "floor": 3}  # not how many passed
    md = export.render(s, "md")
    section = md.split("## 8. Stay for tea?")[1].split("## 9.")[0]
    assert "not shown — fewer than 3 answers" in section and "| Yes |" not in section
    rows = [r for r in parse_csv(export.render(s, "csv")) if r["prompt"] == "Stay for tea?"]
    assert [(r["part"], r["label"], r["status"]) for r in rows] == [
        ("item", "not shown — fewer than 3 answers", "not shown")]
    html = parse_html(export.render(s, "html"))
    assert "not shown — fewer than 3 answers" in html.section_text(8)
    assert html.tables(8) == []
    assert "counts" not in json.loads(export.render(s, "json"))["items"][7]["result"]


def test_poll_never_revealed_is_marked_so_and_kept_only_above_the_floor(ended):
    evening, held = ended.evening, ended.room
    s = summary_of(evening, held)
    rested = s["items"][8]
    assert rested["prompt"] == "How rested are you?"
    assert rested["status"] == "not revealed" and rested["revealed"] is False
    assert rested["result"]["counts"] == [0, 1, 0, 2, 1] and rested["result"]["median"] == 4
    for fmt in ("md", "csv", "html"):
        assert "not revealed in the room" in export.render(s, fmt)


# --- each format, read back ----------------------------------------------------------------------


def parse_csv(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_json_reads_back_as_the_summary(ended):
    evening, held = ended.evening, ended.room
    s = summary_of(evening, held)
    assert json.loads(export.render(s, "json")) == s


def test_csv_reads_back_to_what_the_room_saw(ended):
    evening, held = ended.evening, ended.room
    s = summary_of(evening, held)
    rows = parse_csv(export.render(s, "csv"))
    assert list(rows[0]) == list(export.CSV_COLUMNS)
    assert all(r["meeting"] == str(held["meeting_id"]) and r["day"] == s["meeting"]["held_on"] for r in rows)
    meeting_row = rows[0]
    assert meeting_row["part"] == "meeting" and meeting_row["label"] == "First Monday" and meeting_row["count"] == "5"
    assert rows[1]["part"] == "notes" and rows[1]["label"] == s["meeting"]["notes"]

    def parts(key, part):
        return [r for r in rows if r["key"] == key and r["part"] == part]

    seen = held["seen"]
    for key in ("arrive", "needs"):
        assert [int(r["count"]) for r in parts(key, "option")] == seen[held[key]]["counts"]
        item_row = parts(key, "item")[0]
        tallied = seen[held[key]]  # the tally's "answered" counts passes; the export's does not
        assert (int(item_row["responded"]), int(item_row["answered"]), int(item_row["passed"])) == (
            tallied["answered"], tallied["answered"] - tallied["passed"], tallied["passed"])
    assert [r["label"] for r in parts("arrive", "option")] == ["Tired", "Restless", "Calm"]
    energy = parts("energy", "point")
    assert [int(r["value"]) for r in energy] == list(range(0, 11))
    assert [int(r["count"]) for r in energy] == seen[held["energy"]]["counts"]
    assert energy[0]["label"] == "0 (None)" and energy[-1]["label"] == "10 (Plenty)"
    assert parts("energy", "median")[0]["value"] == str(seen[held["energy"]]["median"])
    compass = seen[held["compass"]]
    assert {r["value"]: int(r["count"]) for r in parts("compass", "quadrant")} == compass["quadrants"]
    assert sorted([int(r["x"]), int(r["y"])] for r in parts("compass", "dot")) == compass["points"]
    median = parts("compass", "median")[0]
    assert {"x": int(median["x"]), "y": int(median["y"])} == compass["median"]
    assert [(r["label"], int(r["count"])) for r in parts("feeling", "word")] == [("hopeful", 2), ("tired", 2)]
    assert [r["label"] for r in parts("sentence", "sentence")] == ["I am glad I came."]
    assert [r["prompt"] for r in rows if r["status"] == "not used"] == ["A question we ran out of time for."]


# Cells a spreadsheet would run as a formula (CSV injection): OWASP's list of first characters.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def run_formula_evening(evening, start):
    """An ended meeting whose every text a man or the facilitator typed begins with start; returns the summary."""
    evening.start(title=f"{start}HYPERLINK(\"http://evil.example/\",\"Monday\")")
    phones = [evening.phone() for _ in range(3)]

    def poll(answers, **item):
        evening.do(events.ADD_ITEM, push=True, **item)
        item_id = max(evening.room.order)
        for phone, value in zip(phones, answers):
            assert phone.answer(item_id, value)["ok"]
        return item_id

    choice = poll([0, 0, 1], kind="choice", prompt=f"{start}cmd|' /C calc'!A0",
                  options=[f"{start}1+1", "Fine"])
    evening.do(events.REVEAL_POLL, item_id=choice)
    scale = poll([-2, -1, -1], kind="scale", prompt="How far?", scale_min=-5, scale_max=5,
                 min_label=f"{start}Far", max_label="Near")
    evening.do(events.REVEAL_POLL, item_id=scale)
    words = poll([f"{start}1+1", f"{start}1+1", "@home"], kind="words", prompt="One word.", max_words=1)
    evening.do(events.CLOSE_POLL, item_id=words)
    for word in (f"{start}1+1".strip(), "@home"):
        evening.do(events.MODERATE, item_id=words, text=word, approved=True, export=True)
    evening.do(events.REVEAL_POLL, item_id=words)
    sentences = [f"{start}SUM(A1:A9)", "All good.", "-2"]
    text = poll(sentences, kind="text", prompt="A sentence.")
    evening.do(events.CLOSE_POLL, item_id=text)
    for sentence in sentences:
        evening.do(events.MODERATE, item_id=text, text=sentence.strip(), approved=True, export=True)
    evening.do(events.REVEAL_POLL, item_id=text)
    evening.do(events.SET_NOTES, notes=f"{start}notes: start with the compass")
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    return export.summary(evening.store, meeting_id)


def plain_number(cell):
    """True for a cell a spreadsheet reads as a number: counts, points, medians (-1.5 included)."""
    return re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cell) is not None


def as_cell(text):
    """How a typed text should read back from the CSV: behind a quote when it would start a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) and not plain_number(text) else text


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_read_as_text(evening, start):
    s = run_formula_evening(evening, start)
    assert s["meeting"]["notes"].startswith(start)  # the dangerous character really reaches the summary
    text = export.render(s, "csv")
    cells = [cell for row in csv.reader(io.StringIO(text[1:], newline="")) for cell in row]  # as a spreadsheet splits it
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not plain_number(cell)] == []

    rows = parse_csv(text)
    cells = {cell for row in rows for cell in row.values()}
    typed = [s["meeting"]["title"], s["meeting"]["notes"]]
    for item in s["items"]:
        typed += [item["prompt"], *item.get("options", [])]
        typed += [w["word"] for w in (item["result"] or {}).get("words", [])]
        typed += (item["result"] or {}).get("texts", [])
    # Tab and CR survive only in the notes (every other field is trimmed); "@" and "-" do not start a word.
    minimum = 1 if start in "\t\r" else 5 if start in "@-" else 6
    assert sum(value.startswith(start) for value in typed) >= minimum
    for value in typed:
        assert as_cell(value) in cells, value  # the very text, behind one quote that makes it text

    # Numbers stay numbers: counts, points and a negative median are not touched.
    assert rows[0]["part"] == "meeting" and rows[0]["count"] == "3"
    by_part = {}
    for row in rows:
        by_part.setdefault((row["prompt"], row["part"]), []).append(row)
    options = by_part[(as_cell(s["items"][0]["prompt"]), "option")]
    assert [(r["value"], r["count"]) for r in options] == [("0", "2"), ("1", "1")]
    points = by_part[("How far?", "point")]
    assert [r["value"] for r in points] == [str(n) for n in range(-5, 6)]
    assert [r["count"] for r in points] == ["0", "0", "0", "1", "2", "0", "0", "0", "0", "0", "0"]
    assert by_part[("How far?", "median")][0]["value"] == "-1"
    assert by_part[("How far?", "item")][0]["answered"] == "3"
    assert "-2" in cells  # a sentence that is just a number reads as that number


def md_tables(text):
    """Every two-column table of a Markdown section as a list of (label, number)."""
    return [(m.group(1), int(m.group(2))) for m in re.finditer(r"^\| (.+?) \| (\d+) \|$", text, re.M)]


def md_section(text, number):
    return re.split(rf"^#+ {number}\. ", text, flags=re.M)[1].split("\n#")[0]


def test_markdown_reads_back_to_what_the_room_saw(ended):
    evening, held = ended.evening, ended.room
    s = summary_of(evening, held)
    text = export.render(s, "md")
    seen = held["seen"]
    assert text.startswith("# First Monday\n")
    assert f"- Day: {export.long_day(s['meeting']['held_on'])}\n" in text and "Phones joined: 5" in text
    assert "- **1.** Take a breath. What brought you here tonight? *(discussion)*" in text  # one compact line
    assert [n for _, n in md_tables(md_section(text, 2))] == seen[held["arrive"]]["counts"]
    assert [label for label, _ in md_tables(md_section(text, 2))] == ["Tired", "Restless", "Calm"]
    assert [n for _, n in md_tables(md_section(text, 3))] == seen[held["needs"]]["counts"]
    energy = md_section(text, 4)
    assert [n for _, n in md_tables(energy)] == seen[held["energy"]]["counts"]
    assert f"The middle of the answers: {seen[held['energy']]['median']}" in energy
    compass = md_section(text, 5)
    quadrants = seen[held["compass"]]["quadrants"]
    # Read as the chart and the projector read the square: top left, top right, bottom left, bottom right.
    assert md_tables(compass) == [("Mostly space to myself", quadrants["space"]), ("Both", quadrants["both"]),
                                  ("Neither", quadrants["neither"]), ("Mostly connection", quadrants["connection"])]
    assert not re.findall(r"\((\d+), (\d+)\)", compass)  # quadrants and medians, not every dot
    assert "The middle of the answers: connection 60, space to myself 70 (0 = a little, 100 = a lot)" in compass
    assert re.findall(r"^- (\w+) \((\d+)\)$", md_section(text, 6), re.M) == [("hopeful", "2"), ("tired", "2")]
    assert re.findall(r"^> (.+)$", md_section(text, 7), re.M) == ["I am glad I came."]
    assert "Good energy. Next time start with the compass." in text.split("## Notes")[1].split("\n## ")[0]


def md_headings(text):
    """(level, words) of every Markdown heading, its number's full stop and its escapes left out."""
    found = re.findall(r"^(#+) (.+)$", text, re.M)
    return [(len(marks), re.sub(r"^(\d+)\. ", r"\1 ", re.sub(r"\\(.)", r"\1", words))) for marks, words in found]


class Headings(HTMLParser):
    """(level, words) of every h1, h2 and h3 of a page."""

    def __init__(self):
        super().__init__()
        self.found, self.level = [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3"):
            self.level = int(tag[1])
            self.found.append([self.level, ""])

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3"):
            self.found[-1][1] = " ".join(self.found[-1][1].split())
            self.level = None

    def handle_data(self, data):
        if self.level:
            self.found[-1][1] += data


def html_headings(page):
    parser = Headings()
    parser.feed(page)
    return [tuple(heading) for heading in parser.found]


@pytest.mark.parametrize("language, day", [("en", "Monday, March 3, 2025"), ("es", "lunes, 3 de marzo de 2025")])
def test_the_markdown_reads_like_the_page_the_day_spelled_out_and_the_items_under_their_own_heading(
        ended, language, day):
    """The text file is the facilitator's, as the page is: the day as he says it, once, as the page says it (the
    file's name keeps 2025-03-03 for sorting; the CSV and JSON keep it for programs), and the same headings in the
    same order, so the first discussion prompt reads as an item of the evening, not as a line of his notes."""
    s = summary_of(ended.evening, ended.room)
    s = {**s, "meeting": {**s["meeting"], "held_on": "2025-03-03", "language": language}}
    text = export.render(s, "md")
    label = {"en": "Day", "es": "Día"}[language]
    assert f"\n- {label}: {day}\n" in text
    assert "2025-03-03" not in text and "2025-03-03" in export.filename(s, "md")
    assert md_headings(text) == html_headings(export.render(s, "html"))
    notes = text.split("\n## " + {"en": "Notes", "es": "Notas"}[language] + "\n")[1].split("\n#")[0]
    assert "Take a breath" not in notes
    assert "2025-03-03" in export.render(s, "csv") and '"held_on": "2025-03-03"' in export.render(s, "json")


class SummaryHTML(HTMLParser):
    """Text and table cells of the summary page, by item section."""

    def __init__(self):
        super().__init__()
        self.sections = {}
        self.current = None
        self.cell = None
        self.row = None
        self.table = None
        self.tags = []
        self.styles = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section" and (attrs.get("id") or "").startswith("item-"):
            self.current = int(attrs["id"].split("-")[1])
            self.sections[self.current] = {"text": [], "tables": []}
        if self.current is None:
            return
        if tag == "table":
            self.table = []
            self.sections[self.current]["tables"].append(self.table)
        elif tag == "tr" and self.table is not None:
            self.row = []
            self.table.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        if tag == "style":
            self.in_style = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.table = None
        elif tag == "section":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self.current is not None:
            self.sections[self.current]["text"].append(data)

    def section_text(self, number):
        return " ".join("".join(self.sections[number]["text"]).split())

    def tables(self, number):
        return [[row for row in table if row] for table in self.sections[number]["tables"]]

    def body_rows(self, number):
        """(label, number) of every table row of a section, headers left out."""
        return [(row[0], int(row[-1])) for table in self.tables(number) for row in table[1:]]


def parse_html(text):
    parser = SummaryHTML()
    parser.feed(text)
    return parser


def test_printable_html_reads_back_to_what_the_room_saw(ended):
    evening, held = ended.evening, ended.room
    s = summary_of(evening, held)
    text = export.render(s, "html")
    assert "fireside.summary/" not in text  # the format's version is for programs (the JSON), not the printed page
    page = parse_html(text)
    seen = held["seen"]
    assert page.body_rows(2) == list(zip(["Tired", "Restless", "Calm"], seen[held["arrive"]]["counts"]))
    assert [n for _, n in page.body_rows(3)] == seen[held["needs"]]["counts"]
    assert "▲ The middle of the answers: 5" in page.section_text(4)
    quadrants = seen[held["compass"]]["quadrants"]
    # The table beside the chart reads as the chart does: top left, top right, bottom left, bottom right.
    assert page.body_rows(5) == [("Mostly space to myself", quadrants["space"]), ("Both", quadrants["both"]),
                                 ("Neither", quadrants["neither"]), ("Mostly connection", quadrants["connection"])]
    assert "hopeful 2 tired 2" in page.section_text(6)
    assert "I am glad I came." in page.section_text(7)
    # The pictures: bars for counts, a histogram for the scale, the compass as dots.
    assert text.count('class="bar"') == 3 + 4
    histograms = re.findall(r'<svg class="chart histogram".*?</svg>', text, re.S)
    assert len(histograms) == 2  # energy, and the poll never revealed
    heights = [count for count in seen[held["energy"]]["counts"] if count]
    assert len(re.findall(r"<rect ", histograms[0])) == len(heights)
    dots = re.findall(r"<circle ", re.search(r'<svg class="chart compass".*?</svg>', text, re.S).group(0))
    assert len(dots) == len({tuple(p) for p in seen[held["compass"]]["points"]}) + 1  # + the median ring


def test_standalone_html_embeds_its_stylesheet_and_prints_on_a4_and_letter(ended):
    evening, held = ended.evening, ended.room
    text = export.render(summary_of(evening, held), "html")
    assert "<style>" in text and "<link" not in text and "<script" not in text
    assert "@page" in text and "size: auto" in text and "@media print" in text
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text


def test_served_summary_page_links_its_stylesheet_for_the_csp(ended):
    client, held = ended.client, ended.room
    response = client.get(f"/facilitator/summary/{held['meeting_id']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<style" not in page and " style=" not in page
    assert '<link rel="stylesheet" href="/f/static/export.css">' in page
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/f/static/export.js">']
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    for name in ("export.css", "export.js"):
        with client.get(f"/f/static/{name}") as static:
            assert static.status_code == 200
    for fmt in FORMATS:
        assert f'href="/facilitator/export/{held["meeting_id"]}.{fmt}"' in page


# --- privacy ---------------------------------------------------------------------------------------


def test_no_export_holds_a_ballot_token_key_code_or_time_of_day(ended):
    evening, held, client = ended.evening, ended.room, ended.client
    s = summary_of(evening, held)
    outputs = {fmt: export.render(s, fmt) for fmt in FORMATS}
    outputs["page"] = client.get(f"/facilitator/summary/{held['meeting_id']}").get_data(as_text=True)
    outputs["history"] = client.get("/facilitator/history").get_data(as_text=True)
    for name, text in outputs.items():
        for secret in held["secrets"]:
            assert secret not in text, (name, secret)
            assert secret.lower() not in text.lower(), (name, secret)
        assert not TIME_OF_DAY.search(text), (name, TIME_OF_DAY.search(text).group(0))
    flat = json.dumps(json.loads(outputs["json"]))
    for word in ("token", "ballot", "meeting_key", "join_code", "code"):
        assert f'"{word}"' not in flat


def test_summary_never_reads_more_than_the_stored_tallies(ended):
    """Once a meeting has ended nothing but tallies is left; the summary is made from those alone."""
    evening, held = ended.evening, ended.room
    store = evening.store
    assert store._rows("SELECT COUNT(*) AS n FROM ballots")[0]["n"] == 0
    assert store.meeting(held["meeting_id"])["meeting_key"] is None


# --- the command line and the console's download ----------------------------------------------------


def cli_export(data_dir, *args):
    result = run_fireside("export", *args, "--data", data_dir)
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_export_equals_the_console_download(ended, fmt):
    held, client = ended.room, ended.client
    code, out, err = cli_export(ended.data_dir, str(held["meeting_id"]), "--format", fmt)
    assert code == 0, err
    response = download(client, held["meeting_id"], fmt)
    assert response.status_code == 200
    assert response.data == out
    assert response.mimetype == export.MEDIA_TYPES[fmt].split(";")[0]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(f'-first-monday.{fmt}"')
    assert response.headers["Cache-Control"] == "no-store"


def test_cli_export_to_a_file_and_by_default_the_latest_ended_meeting(evening, data_dir, tmp_path):
    first = run_evening(evening, title="First")
    second = run_evening(evening, title="Second")
    target = tmp_path / "out.json"
    code, out, err = cli_export(data_dir, "--format", "json", "-o", str(target))
    assert code == 0 and out == b"" and f"Wrote {target}" in err
    assert json.loads(target.read_text(encoding="utf-8"))["meeting"]["id"] == second["meeting_id"]
    code, out, _ = cli_export(data_dir)  # Markdown by default
    assert code == 0 and out.decode().startswith("# Second\n")
    code, out, _ = cli_export(data_dir, str(first["meeting_id"]), "-f", "md")
    assert out.decode().startswith("# First\n")


def test_a_running_meeting_is_not_exported(evening, client, data_dir):
    held = run_evening(evening)
    evening.start()
    running = evening.room.meeting["id"]
    code, out, err = cli_export(data_dir, str(running))
    assert code == 2 and out == b""
    assert f"Meeting {running} is still running. End it on the console first" in err
    response = download(client, running, "md")
    assert response.status_code == 409 and b"still running" in response.data
    # The latest *ended* meeting is still the default.
    code, out, _ = cli_export(data_dir, "-f", "json")
    assert code == 0 and json.loads(out)["meeting"]["id"] == held["meeting_id"]


def test_export_without_meetings_or_with_a_wrong_id_says_so(data_dir, tmp_path, client, evening):
    code, _, err = cli_export(tmp_path / "empty")
    assert code == 2 and "no meetings to export yet" in err
    assert not (tmp_path / "empty").exists()
    code, _, err = cli_export(data_dir)  # the app made the database, but nothing has ended
    assert code == 2 and "no meeting has ended yet" in err
    code, _, err = cli_export(data_dir, "99")
    assert code == 2 and "There is no meeting 99" in err and "Traceback" not in err
    assert download(client, 99, "md").status_code == 404
    held = run_evening(evening)
    assert download(client, held["meeting_id"], "pdf").status_code == 404


def test_fireside_meetings_lists_every_meeting(evening, data_dir):
    held = run_evening(evening)
    evening.start(title="Tonight")
    result = run_fireside("meetings", "--data", data_dir)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "DAY", "STATUS", "PHONES", "DECK", "TITLE"]
    running, ended = lines[1].split(), lines[2].split()
    assert running[0] == str(evening.room.meeting["id"]) and running[2] == "running" and running[-1] == "Tonight"
    assert ended[0] == str(held["meeting_id"]) and ended[2] == "ended" and ended[3] == "5"
    assert ended[4] == "test-evening" and ended[-2:] == ["First", "Monday"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", ended[1])


def test_fireside_meetings_on_an_empty_folder(tmp_path):
    result = run_fireside("meetings", "--data", tmp_path / "none")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("No meetings: the data folder")


def test_fireside_meetings_says_which_data_folder_it_read(evening, data_dir, tmp_path):
    """A facilitator who sees no meeting, or not the one he expects, learns which folder was looked in."""
    run_evening(evening)
    listed = run_fireside("meetings", "--data", data_dir).stdout.splitlines()
    assert listed[-1] == f"Read from the data folder {data_dir}" and len(listed) == 3  # header, one meeting, the folder
    empty = run_fireside("meetings", "--data", tmp_path / "none").stdout.splitlines()
    assert empty == [f"No meetings: the data folder {tmp_path / 'none'} does not exist. If your meetings are "
                     "kept elsewhere, name that folder with --data."]


def test_downloads_and_pages_answer_only_to_the_facilitator(ended):
    app, held = ended.app, ended.room
    other = app.test_client()
    away = {"REMOTE_ADDR": "192.168.1.23"}
    meeting_id = held["meeting_id"]
    for path in (f"/facilitator/export/{meeting_id}.json", f"/facilitator/summary/{meeting_id}", "/facilitator/history"):
        assert other.get(path, environ_base=away).status_code == 403
        key = app.config["FACILITATOR_KEY"]
        response = other.get(path, query_string={"key": key}, environ_base=away)
        assert response.status_code == 200
    page = other.get(f"/facilitator/summary/{meeting_id}", query_string={"key": key}, environ_base=away)
    assert f"/facilitator/export/{meeting_id}.csv?key={key}" in page.get_data(as_text=True)


def test_markdown_escapes_what_would_become_markup(evening):
    evening.start(title="Men | *group*")
    evening.do(events.SET_NOTES, notes="# not a heading\n<script>alert(1)</script>")
    evening.do(events.END_MEETING)
    s = export.summary(evening.store, evening.store.meetings()[0]["id"])
    md = export.render(s, "md")
    assert md.startswith("# Men \\| \\*group\\*\n")
    assert "\\# not a heading" in md and "<script>" not in md
    html = export.render(s, "html")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_filename_is_safe():
    s = {"meeting": {"id": 4, "title": "../../etc/Über passwd", "held_on": "2025-03-03"}}
    assert export.filename(s, "md") == "fireside-2025-03-03-etc-ber-passwd.md"
    s["meeting"]["title"] = "???"
    assert export.filename(s, "csv") == "fireside-2025-03-03-meeting-4.csv"


def test_long_day_names_the_day_without_a_time():
    assert export.long_day("2025-03-03") == "Monday, March 3, 2025"  # Babel's (CLDR's) English, whatever the locale


def test_a_pair_on_the_card_names_its_two_items_in_the_plural():
    """'Which feeling is strongest as you arrive? (items 1 and 6)': two items, as the Spanish 'puntos 1 y 6' says."""
    with export.speaking("en"):
        assert export.item_numbers({"number": 1}, {"number": 6}) == "items 1 and 6"
        assert export.item_numbers({"number": 1}, None) == "item 1"
    with export.speaking("es"):
        assert export.item_numbers({"number": 1}, {"number": 6}) == "puntos 1 y 6"


def test_latest_summary_leads_to_the_latest_ended_meeting(client, evening):
    assert client.get("/facilitator/summary/latest").status_code == 404
    held = run_evening(evening)
    evening.start()  # a running meeting is never the latest summary
    response = client.get("/facilitator/summary/latest")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/facilitator/summary/{held['meeting_id']}")


@pytest.mark.browser
@pytest.mark.server
def test_summary_and_history_render_in_chromium_under_the_csp(server, evening, tmp_path):
    """The served pages load their stylesheet and script under the CSP, draw their charts, and print."""
    from playwright import sync_api  # a browser test runs for real: a missing browser is a failure

    held = run_evening(evening)  # written by the test's app into the same database the server reads
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            problems = []
            page.on("console", lambda message: problems.append(message.text)
                    if message.type == "error" and "Failed to load resource" not in message.text else None)
            page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
                    if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(f"{server.url}/facilitator/summary/{held['meeting_id']}")
            assert page.locator("#print").is_visible()  # export.js ran
            assert page.locator(".sheet").evaluate("e => getComputedStyle(e).maxWidth") != "none"  # export.css
            assert page.locator("svg.compass circle").count() == 5  # four places, one ring
            assert page.locator("svg.histogram").count() == 2
            for paper in ("A4", "Letter"):
                page.pdf(path=str(tmp_path / f"summary-{paper}.pdf"), format=paper)
                assert (tmp_path / f"summary-{paper}.pdf").read_bytes().startswith(b"%PDF")
            page.emulate_media(media="print")
            assert page.locator(".toolbar").is_hidden()
            page.goto(f"{server.url}/facilitator/history")
            assert page.locator("svg.line-chart").count() == 0  # one meeting: nothing to compare yet
            assert page.locator("[data-meeting-id]").count() == 1
            assert problems == [], problems
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.server
def test_the_summarys_compass_never_writes_a_word_under_a_dot_in_chromium(server, evening):
    """Dots down the left edge from the top corner: as Chromium draws them, no dot touches a word of the chart."""
    from playwright import sync_api

    held = run_evening(evening, compass=[{"x": 4, "y": y} for y in (97, 88, 79, 70, 61)])
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/facilitator/summary/{held['meeting_id']}")
            crossings = page.evaluate("""() => {
                const chart = document.querySelector('svg.compass');
                const dots = [...chart.querySelectorAll('circle')].map(c => { const b = c.getBoundingClientRect();
                    return { x: b.x + b.width / 2, y: b.y + b.height / 2, r: b.width / 2 }; });
                const words = [...chart.querySelectorAll('text')].filter(t => t.getAttribute('fill') !== '#ffffff');
                return words.filter(t => { const w = t.getBoundingClientRect(); return dots.some(d => {
                    const nx = Math.max(w.left, Math.min(d.x, w.right)), ny = Math.max(w.top, Math.min(d.y, w.bottom));
                    return (nx - d.x) ** 2 + (ny - d.y) ** 2 < d.r * d.r; }); }).map(t => t.textContent);
            }""")
            assert page.locator("svg.compass circle").count() == 6  # five places, one ring
            assert page.locator("svg.compass text").count() >= 10  # four quadrants, each axis's three words
            assert crossings == []
        finally:
            browser.close()


# --- the compass chart: no dot ever covers a word ---------------------------------------------------


class SVGShapes(HTMLParser):
    """The dots (cx, cy, r) and the words of an SVG: each <text> with its place, size, anchor and turn."""

    def __init__(self):
        super().__init__()
        self.dots, self.words, self.view_box, self._text = [], [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self.view_box = [float(v) for v in attrs["viewbox"].split()]
        elif tag == "circle":
            self.dots.append((float(attrs["cx"]), float(attrs["cy"]), float(attrs["r"])))
        elif tag == "text":
            self._text = {"x": float(attrs["x"]), "y": float(attrs["y"]), "size": float(attrs["font-size"]),
                          "anchor": attrs.get("text-anchor", "start"), "turned": "rotate(-90" in attrs.get("transform", ""),
                          "text": ""}
        elif tag == "tspan" and self._text is not None:
            self._text["size"] = max(self._text["size"], float(attrs["font-size"]))

    def handle_data(self, data):
        if self._text is not None:
            self._text["text"] += data

    def handle_endtag(self, tag):
        if tag == "text":
            self.words.append(self._text)
            self._text = None


def word_box(word):
    """(left, top, right, bottom) a word surely fills: each letter as wide as 0.62 of its size, from its cap
    height to below its descenders; a turned word (rotate(-90) about its place) turned too."""
    width, size = 0.62 * word["size"] * len(word["text"]), word["size"]
    start = {"start": 0, "middle": -width / 2, "end": -width}[word["anchor"]]
    if not word["turned"]:
        return word["x"] + start, word["y"] - 0.8 * size, word["x"] + start + width, word["y"] + 0.3 * size
    # Turned a quarter left about (x, y): the line runs upward from y, its letters stand leftward of x.
    return word["x"] - 0.8 * size, word["y"] - start - width, word["x"] + 0.3 * size, word["y"] - start


def covers(dot, box):
    """Whether a dot (cx, cy, r) reaches into a box."""
    cx, cy, r = dot
    left, top, right, bottom = box
    nx, ny = max(left, min(cx, right)), max(top, min(cy, bottom))
    return (nx - cx) ** 2 + (ny - cy) ** 2 < r ** 2


def words_under_dots(svg):
    """Every word of a compass chart that a dot or the ring covers (a numbered dot's own number aside)."""
    shapes = SVGShapes()
    shapes.feed(str(svg))
    assert shapes.dots and len(shapes.words) >= 4 + 3 + 3  # four quadrants, both axes' three words
    labels = [word for word in shapes.words
              if not any(abs(word["x"] - cx) < 0.01 and abs(word["y"] - 1.6 - cy) < 0.01 for cx, cy, _ in shapes.dots)]
    left, top, width, height = shapes.view_box
    for word in labels:  # and nothing is cut off by the picture's edge
        box = word_box(word)
        assert left <= box[0] and box[2] <= left + width + 0.5 and top <= box[1] and box[3] <= top + height, word
    return [word["text"] for word in labels if any(covers(dot, word_box(word)) for dot in shapes.dots)]


EXTREMES = {
    "the four corners": [[0, 0], [100, 100], [0, 100], [100, 0]],
    "near the corners": [[10, 10], [90, 90], [10, 90], [90, 10], [3, 97]],
    "the middle of each edge": [[50, 0], [0, 50], [100, 50], [50, 100]],
    "twenty on one corner": [[0, 100]] * 20 + [[100, 0]] * 12,
    "a column down each side from the top": [[x, y] for x in (4, 96) for y in range(97, 40, -9)],
    "a row along the bottom": [[x, 2] for x in range(0, 101, 8)],
    "one in the middle": [[50, 50]],
}


def compass_of(points, axes=None):
    """The summary's compass chart of these answers (x, y), in English or, with axes of a deck's own, in Spanish."""
    xs, ys = sorted(x for x, _ in points), sorted(y for _, y in points)
    median = {"x": xs[len(xs) // 2], "y": ys[len(ys) // 2]}
    quadrants = {"both": 1, "connection": 2, "space": 3, "neither": 14}
    with export.speaking("es" if axes else "en"):
        return export.compass({"kind": "compass", "axes": axes or {}}, sorted(points), quadrants, median)


@pytest.mark.parametrize("where", EXTREMES)
def test_no_dot_on_the_summarys_compass_covers_a_quadrant_name_count_or_axis_word(where):
    assert words_under_dots(compass_of(EXTREMES[where])) == []


def test_a_compass_with_long_axis_names_keeps_every_word_inside_the_picture_and_clear_of_dots():
    """A deck may name an axis in up to 40 characters; a quadrant's name then runs long too (in Spanish, longer)."""
    axes = {"x": "Being close to the other men tonight", "y": "Time and room of my own, alone",
            "low": "Hardly at all", "high": "With all my heart"}
    for points in EXTREMES.values():
        assert words_under_dots(compass_of(points, axes)) == []


def test_a_summarys_compass_with_dots_down_its_top_left_corner_keeps_its_words_clear(evening):
    """Five men place their dots down the left edge from the top: no place in that corner is free of them."""
    held = run_evening(evening, compass=[{"x": 4, "y": y} for y in (97, 88, 79, 70, 61)])
    page = export.render(summary_of(evening, held), "html")
    svg = re.search(r'<svg class="chart compass".*?</svg>', page, re.DOTALL).group(0)
    assert words_under_dots(svg) == []


def _one_sided_evening(evening, data_dir, keys):
    """An evening on the arriving-and-leaving deck where only the items keyed `keys` are asked (three men, revealed)."""
    from test_console_smooth import GLANCE_DECK

    (data_dir / "decks" / "glance.toml").write_text(GLANCE_DECK)
    evening.start(deck="glance")
    phones = [evening.phone() for _ in range(3)]
    values = {"checkin-feeling": (0, 2, 2), "checkout-feeling": (2, 2, 1),
              "compass-tonight": ({"x": 10, "y": 80}, {"x": 80, "y": 20}, {"x": 30, "y": 60})}
    for key in keys:
        item_id = evening.push(key)
        for phone, value in zip(phones, values[key]):
            assert phone.answer(item_id, value)["ok"]
        evening.do(events.REVEAL_POLL, item_id=item_id)
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    return export.summary(evening.store, meeting_id)


def test_an_evening_that_asked_no_leaving_question_shows_one_column_and_says_so_once(evening, data_dir):
    """It showed 'Arriving | Leaving' with a column of '—' under every pair, and 'was not asked' after each."""
    s = _one_sided_evening(evening, data_dir, ("checkin-feeling", "compass-tonight"))
    assert s["at_a_glance"]["pairs"] == [{"kind": "choice", "before": 1, "after": None},
                                         {"kind": "compass", "before": 2, "after": None}]  # the JSON as it was
    glance = export.render(s, "md").split("## At a glance")[1].split("## Notes")[0]
    assert glance.count("|  | Arriving |\n|:--|--:|\n") == 2 and "Leaving" not in glance
    assert "| Glad | 2 |\n" in glance and "| Both | 0 |\n" in glance and "—" not in glance.split("###")[1]
    sentence = "The leaving questions were not asked tonight: items 1 and 2 show only how the room arrived."
    assert glance.count("not asked") == 1 and f"*{sentence}*" in glance
    page = export.render(s, "html")
    card = page[page.index('id="glance-heading"'):page.index('id="notes-heading"')]
    assert card.count(">Arriving</th>") == 2 and "Leaving" not in card
    assert all(row.count('<td class="num">') == 1 for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", card))
    assert card.count("not asked") == 1 and sentence in card
    assert "glance-table" in page and "—</td>" not in card


def test_a_whole_pair_keeps_both_columns_beside_a_pair_asked_on_one_side_only(evening, data_dir):
    s = _one_sided_evening(evening, data_dir, ("checkin-feeling", "checkout-feeling", "compass-tonight"))
    glance = export.render(s, "md").split("## At a glance")[1].split("## Notes")[0]
    assert "|  | Arriving | Leaving |\n|:--|--:|--:|\n" in glance and "| Glad | 2 | 2 |" in glance  # the whole pair
    assert glance.count("|  | Arriving |\n") == 1  # the compass, asked only as men arrived
    assert glance.count("not asked") == 1
    assert "*The leaving question was not asked tonight: item 2 shows only how the room arrived.*" in glance
    with export.speaking("en"):
        assert export.not_asked([{"before": None, "after": {"number": 9}}]) == [
            "The arriving question was not asked tonight: item 9 shows only how the room left."]
        names, rows = export.glance_table({"before": None, "after": s["items"][2]})
        assert names == ["Leaving"] and rows[0] == ("Answered", 3)
