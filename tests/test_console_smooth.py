"""The evening, smoothed (issue 16): the console, the co-facilitator's key, the summary and the history."""

from facilitator import events

WORDS = ("tired", "hopeful", "calm", "restless", "heavy", "light", "curious", "grateful")


def _words_to_review(evening, words=WORDS):
    """Start, let one phone per word answer the words poll, close it; returns its item id."""
    evening.start()
    feeling = evening.push("feeling")
    for word in words:
        assert evening.phone().answer(feeling, word)["ok"]
    evening.do(events.CLOSE_POLL, item_id=feeling)
    return feeling


def _review_order(evening, item_id):
    """The texts of the review queue, in the order the console lists them."""
    payload = evening.app.extensions["fireside"].console_payload()
    return [entry["text"] for entry in payload["pending"][str(item_id)]]


def test_the_review_list_keeps_its_order_across_approve_export_and_notes(evening):
    feeling = _words_to_review(evening)
    first = _review_order(evening, feeling)
    assert sorted(first) == sorted(WORDS)
    evening.do(events.MODERATE, item_id=feeling, text=first[2], approved=True, export=False)
    assert _review_order(evening, feeling) == first
    evening.do(events.MODERATE, item_id=feeling, text=first[2], approved=True, export=True)
    evening.do(events.SET_NOTES, notes="A quiet start.")
    assert _review_order(evening, feeling) == first
    evening.do(events.MODERATE, item_id=feeling, text=first[2], approved=False, export=False)
    assert _review_order(evening, feeling) == first


def test_the_console_says_words_and_sentences_arrive_for_review_when_the_poll_closes(client):
    page = client.get("/facilitator").get_data(as_text=True)
    assert "arrive here when you close the poll, never while it is open" in page


def test_the_console_has_a_top_level_heading_while_a_meeting_runs(client):
    page = client.get("/facilitator").get_data(as_text=True)
    meeting_view = page[page.index('id="meeting"'):]
    assert "<h1" in meeting_view[:meeting_view.index("</section>")]


def _shown_headings(page):
    """The texts of the h1s the console's HTML shows before any script runs (not inside a hidden section)."""
    from html.parser import HTMLParser

    class Headings(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.found, self.inside = [], [], None

        def handle_starttag(self, tag, attrs):
            if tag in ("input", "br", "img", "meta", "link"):
                return
            self.stack.append("hidden" in dict(attrs))
            if tag == "h1" and not any(self.stack):
                self.inside = len(self.stack)
                self.found.append("")

        def handle_endtag(self, tag):
            if tag in ("input", "br", "img", "meta", "link") or not self.stack:
                return
            if self.inside == len(self.stack):
                self.inside = None
            self.stack.pop()

        def handle_data(self, data):
            if self.inside is not None:
                self.found[-1] += data

    parser = Headings()
    parser.feed(page)
    return [" ".join(text.split()) for text in parser.found]


def test_the_console_page_has_the_heading_of_what_is_happening_before_its_first_state_arrives(client, evening):
    # A screen reader that reads the page as it loads, or a socket slow to connect, meets a heading.
    assert _shown_headings(client.get("/facilitator").get_data(as_text=True)) == ["Start tonight's meeting"]
    evening.start()
    assert _shown_headings(client.get("/facilitator").get_data(as_text=True)) == ["Running tonight's meeting"]


# --- the co-facilitator's key (point 5) -------------------------------------------------------------

import json  # noqa: E402

from flask_socketio import SocketIOTestClient  # noqa: E402

from facilitator import cli, socketio  # noqa: E402

ANOTHER_DEVICE = "192.0.2.7"


def _device(app, key):
    """A co-facilitator's tablet on the Wi-Fi, connecting to the console with a key."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ANOTHER_DEVICE
    return socketio.test_client(app, namespace=events.FACILITATOR_NS, flask_test_client=client, auth={"key": key})


def _call(client: SocketIOTestClient, event, **payload):
    """A console event through a test client, with its answer."""
    return client.emit(event, payload, namespace=events.FACILITATOR_NS, callback=True)


def test_serve_prints_no_co_facilitator_key_unless_asked(app):
    key = app.config["FACILITATOR_KEY"]
    quiet = cli.announcement(app, "192.0.2.20", "http://192.0.2.20:8765", 8765)
    assert key not in quiet
    assert "Invite a co-facilitator" in quiet and "--co-facilitator" in quiet
    asked = cli.announcement(app, "192.0.2.20", "http://192.0.2.20:8765", 8765, cofacilitator=True)
    assert f"Co-facilitator:   http://192.0.2.20:8765/facilitator?key={key}" in asked


def test_the_laptop_invites_a_co_facilitator_and_a_new_link_retires_the_old_one(app, evening, data_dir):
    old = app.config["FACILITATOR_KEY"]
    shown = evening.do(events.INVITE_COFACILITATOR)
    assert shown["url"].endswith(f"/facilitator?key={old}")
    tablet = _device(app, old)
    assert tablet.is_connected(events.FACILITATOR_NS)
    renewed = evening.do(events.INVITE_COFACILITATOR, new_key=True)
    new = app.config["FACILITATOR_KEY"]
    assert new != old and renewed["url"].endswith(f"?key={new}") and renewed["disconnected"] == 1
    assert not tablet.is_connected(events.FACILITATOR_NS)
    assert not _device(app, old).is_connected(events.FACILITATOR_NS)
    assert _device(app, new).is_connected(events.FACILITATOR_NS)
    assert json.loads((data_dir / "secrets.json").read_text())["facilitator_key"] == new  # a restart keeps it


def test_the_laptop_revokes_the_co_facilitator_and_his_device_is_shut_out(app, evening):
    key = app.config["FACILITATOR_KEY"]
    tablet = _device(app, key)
    answer = _call(tablet, events.REVOKE_COFACILITATOR)
    assert answer["ok"] is False and "Only the laptop" in answer["error"]
    assert _call(tablet, events.INVITE_COFACILITATOR)["ok"] is False
    assert evening.do(events.REVOKE_COFACILITATOR)["disconnected"] == 1
    assert not tablet.is_connected(events.FACILITATOR_NS)
    assert not _device(app, key).is_connected(events.FACILITATOR_NS)
    assert app.config["FACILITATOR_KEY"] != key


def test_the_co_facilitator_qr_is_drawn_for_the_laptop_only(app):
    assert app.test_client().get("/facilitator/cofacilitator.svg").mimetype == "image/svg+xml"
    device = app.test_client()
    device.environ_base["REMOTE_ADDR"] = ANOTHER_DEVICE
    key = app.config["FACILITATOR_KEY"]
    assert device.get("/facilitator/cofacilitator.svg", query_string={"key": key}).status_code == 403


# --- one meaning of "answered" (point 11) --------------------------------------------------------------

from facilitator import export  # noqa: E402


def _answered_and_passed(evening):
    """Four men answer the first choice poll and one passes; revealed and ended. Returns the summary."""
    evening.start()
    arrive = evening.push("arrive")
    for n in range(4):
        assert evening.phone().answer(arrive, n % 3)["ok"]
    assert evening.phone().pass_(arrive)["ok"]
    evening.do(events.REVEAL_POLL, item_id=arrive)
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    return export.summary(evening.store, meeting_id)


def test_a_summary_says_answered_only_of_real_answers_and_names_the_total_responded(evening):
    s = _answered_and_passed(evening)
    assert s["schema"] == "fireside.summary/3"
    result = s["items"][0]["result"]
    assert (result["responded"], result["answered"], result["passed"]) == (5, 4, 1)
    header = export.render(s, "csv").lstrip("\ufeff").splitlines()[0].split(",")
    assert header[header.index("status") + 1:header.index("status") + 4] == ["responded", "answered", "passed"]
    assert "4 answered · 1 passed" in export.render(s, "md")


# --- minutes, meetings and decks by name (point 6) --------------------------------------------------


def test_the_console_calls_an_evening_an_evening_as_the_editor_does(client):
    """"Run-sheet" beside "Write or change an evening" made two names for one thing."""
    page = client.get("/facilitator").get_data(as_text=True)
    script = (Path(__file__).parent.parent / "facilitator" / "static" / "console.js").read_text()
    assert "<legend>Evening</legend>" in page and "Write or change an evening" in page
    assert "run-sheet" not in (page + script).lower()


def test_a_deck_card_and_its_agenda_give_the_same_minutes(evening):
    decks = {deck["id"]: deck for deck in evening.app.extensions["fireside"].console_payload()["decks"]}
    evening.start(deck="starter")
    agenda = evening.app.extensions["fireside"].console_payload()["agenda"]
    assert decks["starter"]["minutes"] == sum(item["minutes"] or 0 for item in agenda)


def test_summaries_and_the_history_name_an_evening_by_its_title(evening, client):
    evening.start(deck="starter")
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    title = next(d["title"] for d in evening.app.extensions["fireside"].console_payload()["decks"] if d["id"] == "starter")
    assert title != "starter"
    assert f"Evening: {title}" in client.get(f"/facilitator/export/{meeting_id}.md").get_data(as_text=True)
    assert f"<dd>{title}</dd>" in client.get(f"/facilitator/summary/{meeting_id}").get_data(as_text=True)
    assert f"<td>{title}</td>" in client.get("/facilitator/history").get_data(as_text=True)


def test_fireside_meetings_says_which_data_folder_it_read_and_when_it_does_not_exist(tmp_path, data_dir):
    from conftest import run_fireside

    missing = tmp_path / "typo"
    result = run_fireside("meetings", "--data", str(missing))
    assert f"the data folder {missing} does not exist" in result.output and "--data" in result.output
    assert not missing.exists()
    result = run_fireside("meetings", "--data", str(data_dir))
    assert f"Read from the data folder {data_dir}" in result.output


# --- contrast (point 15) -------------------------------------------------------------------------------

import re  # noqa: E402
from pathlib import Path  # noqa: E402

STATIC = Path(__file__).resolve().parent.parent / "facilitator" / "static"


def _contrast(one, other):
    """WCAG's contrast ratio of two #rrggbb colours."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_summary_and_history_accent_reads_as_text_on_paper_and_under_the_print_button():
    css = (STATIC / "export.css").read_text()
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    assert re.search(r"\.eyebrow\s*{[^}]*color:\s*var\(--accent\)", css)
    assert re.search(r"\.print-button\s*{[^}]*background:\s*var\(--accent\);\s*color:\s*#fff", css)
    assert _contrast(colours["accent"], colours["paper"]) >= 4.5  # the eyebrow, and white on the Print button
    assert _contrast(colours["accent"], colours["desk"]) >= 4.5  # the history's eyebrow sits on the desk when narrow


# --- the summary at a glance (point 13) ----------------------------------------------------------------

GLANCE_DECK = """
title = "Arriving and leaving"
summary = "Shared ids at the start and the end."

[[items]]
id = "checkin-feeling"
kind = "choice"
prompt = "Which feeling is strongest as you arrive?"
options = ["Mad", "Sad", "Glad"]

[[items]]
id = "compass-tonight"
kind = "compass"
prompt = "Where are you tonight?"

[[items]]
id = "talk"
kind = "discussion"
prompt = "Talk about a time you wanted room."

[[items]]
id = "checkout-word"
kind = "words"
prompt = "One word to take home."

[[items]]
id = "compass-leaving"
kind = "compass"
prompt = "Where are you as you leave?"

[[items]]
id = "checkout-feeling"
kind = "choice"
prompt = "Which feeling is strongest as you leave?"
options = ["Mad", "Sad", "Glad"]

[[items]]
id = "end-heard"
kind = "scale"
prompt = "I was heard tonight."
scale_min = 0
scale_max = 4
"""


def _glance_evening(evening, data_dir):
    """An evening on the deck above: four men answer everything, all revealed, words kept, then End."""
    (data_dir / "decks" / "glance.toml").write_text(GLANCE_DECK)
    evening.start(deck="glance")
    phones = [evening.phone() for _ in range(4)]
    answers = {
        "checkin-feeling": [0, 1, 1, 2], "checkout-feeling": [2, 2, 2, 1],
        "compass-tonight": [{"x": 10, "y": 80}, {"x": 20, "y": 90}, {"x": 80, "y": 20}, {"x": 30, "y": 60}],
        "compass-leaving": [{"x": 80, "y": 80}, {"x": 70, "y": 90}, {"x": 80, "y": 20}, {"x": 60, "y": 60}],
        "end-heard": [3, 4, 4, 2], "checkout-word": ["lighter", "lighter", "tired", "seen"],
    }
    for key in ("checkin-feeling", "compass-tonight", "talk", "checkout-word", "compass-leaving",
                "checkout-feeling", "end-heard"):
        item_id = evening.push(key)
        if key == "talk":
            continue
        for phone, value in zip(phones, answers[key]):
            assert phone.answer(item_id, value)["ok"]
        if key == "checkout-word":
            evening.do(events.CLOSE_POLL, item_id=item_id)
            for word in ("lighter", "tired", "seen"):
                evening.do(events.MODERATE, item_id=item_id, text=word, approved=True, export=word != "tired")
        evening.do(events.REVEAL_POLL, item_id=item_id)
    evening.do(events.SET_NOTES, notes="Two new men; one stayed after.")
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    return export.summary(evening.store, meeting_id)


def test_the_summary_opens_with_arriving_beside_leaving_then_notes_then_items(evening, data_dir):
    s = _glance_evening(evening, data_dir)
    number = {item["key"]: item["number"] for item in s["items"]}
    card = s["at_a_glance"]
    assert {(p["before"], p["after"]) for p in card["pairs"]} == {
        (number["checkin-feeling"], number["checkout-feeling"]), (number["compass-tonight"], number["compass-leaving"])}
    assert card["checks"] == [number["end-heard"]] and card["words"] == [number["checkout-word"]]

    text = export.render(s, "md")
    assert text.index("## At a glance") < text.index("## Notes") < text.index("## 1. ")
    glance = text.split("## At a glance")[1].split("## Notes")[0]
    assert "| Glad | 1 | 3 |" in glance  # one man arrived glad, three left glad
    assert "| Both | 0 | 3 |" in glance and "| The middle of the answers: connection | 25 | 75 |" in glance
    assert "| I was heard tonight. | 3.5 | 4 |" in glance
    assert "lighter (2)" in glance and "tired" not in glance  # only the words kept for the summary
    assert "- One word to take home. — lighter (2), seen (1)" in glance  # the prompt's own stop, no colon after it
    assert "- **3.** Talk about a time you wanted room. *(discussion)*" in text

    page = export.render(s, "html")
    assert page.index('id="glance-heading"') < page.index('id="notes-heading"') < page.index('id="item-1"')
    assert '<p class="item item-discussion" id="item-3">' in page


def test_a_pair_with_only_its_arriving_side_shows_that_side_alone_and_says_the_leaving_question_was_not_asked(
        evening, data_dir):
    (data_dir / "decks" / "glance.toml").write_text(GLANCE_DECK)
    evening.start(deck="glance")
    phones = [evening.phone() for _ in range(3)]
    item_id = evening.push("checkin-feeling")
    for phone, value in zip(phones, (0, 2, 2)):
        assert phone.answer(item_id, value)["ok"]
    evening.do(events.REVEAL_POLL, item_id=item_id)
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    s = export.summary(evening.store, meeting_id)
    glance = export.render(s, "md").split("## At a glance")[1].split("## Notes")[0]
    assert "|  | Arriving |\n|:--|--:|" in glance and "| Glad | 2 |" in glance and "Leaving" not in glance
    assert "The leaving question was not asked tonight: item 1 shows only how the room arrived." in glance
    page = export.render(s, "html")
    table = page[page.index('id="glance-heading"'):page.index('id="notes-heading"')]
    assert ">Arriving</th>" in table and ">Leaving</th>" not in table
    assert "The leaving question was not asked tonight" in table


def test_a_summary_without_shared_items_says_so_at_a_glance(evening):
    s = _answered_and_passed(evening)
    assert s["at_a_glance"] == {"pairs": [], "checks": [], "words": []}
    assert "Nothing here to set side by side" in export.render(s, "md")


# --- the history (point 14) -----------------------------------------------------------------------------


def _starter_evening(evening, men, notes):
    """A meeting on the starter deck: `men` phones answer the check-in feeling, revealed; notes; End."""
    evening.start(deck="starter")
    feeling = evening.push("checkin-feeling")
    for n in range(men):
        assert evening.phone().answer(feeling, n % 3)["ok"]
    evening.do(events.REVEAL_POLL, item_id=feeling)
    evening.do(events.SET_NOTES, notes=notes)
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    return meeting_id


def _series_rows(page, key):
    """The table rows of one item's series on the history page."""
    section = page.split(f'data-key="{key}"')[1].split("</section>")[0]
    return re.findall(r"<tr>\s*<th scope=\"row\" class=\"day\">(.*?)</tr>", section, re.S)


def test_the_history_shows_a_shared_item_from_one_meeting_with_his_notes_and_the_drop_in_caution(evening, client):
    _starter_evening(evening, 4, "Quiet night; the heater was off.")
    page = client.get("/facilitator/history").get_data(as_text=True)
    assert "Quiet night; the heater was off." in page
    rows = _series_rows(page, "checkin-feeling")
    assert len(rows) == 1 and "%" not in rows[0]  # four men: counts, never a share
    assert "different men are in the room each time" in page


def test_the_history_gives_shares_only_where_ten_answered_and_tells_two_meetings_of_one_day_apart(evening, client):
    first = _starter_evening(evening, 10, "Ten men.")
    second = _starter_evening(evening, 4, "Four men.")
    page = client.get("/facilitator/history").get_data(as_text=True)
    rows = _series_rows(page, "checkin-feeling")
    assert len(rows) == 2
    assert "%" in rows[0] and "%" not in rows[1]
    assert f"#{first}" in rows[0] and f"#{second}" in rows[1]  # the same day, told apart
