"""Every kind, field and limit has one home, prompts/schema.py, and event names one, facilitator/events.py.

The server checks what the schema says; the pages take the same values from their config block
(and the templates render them into maxlength, min and max); the docs say the same numbers.
"""

import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from facilitator import events, export
from prompts import schema

ROOT = Path(__file__).resolve().parent.parent
PAGE_SCRIPTS = [ROOT / "participant/static/phone.js", ROOT / "participant/static/common.js",
                ROOT / "facilitator/static/console.js", ROOT / "facilitator/static/screen.js"]


class Fields(HTMLParser):
    """The attributes of every element with an id, and the page's JSON config block."""

    def __init__(self, html):
        super().__init__()
        self.by_id, self.options, self._in_config, self.config = {}, [], False, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.by_id[attrs["id"]] = attrs
        if tag == "option":
            self.options.append(attrs.get("value"))
        self._in_config = attrs.get("id") == "fireside-config"

    def handle_data(self, data):
        if self._in_config:
            self.config = json.loads(data)
            self._in_config = False


def page(client, path):
    """A page's fields, fetched through the test client (from loopback, so the console answers)."""
    response = client.get(path)
    assert response.status_code == 200
    return Fields(response.get_data(as_text=True))


# --- the console's fields hold exactly what the server accepts ------------------------------------

def test_the_console_offers_every_privacy_floor_the_server_accepts_and_no_other(client, evening):
    floor = page(client, "/facilitator").by_id["start-floor"]
    low, high = int(floor["min"]), int(floor["max"])
    assert (low, int(floor["value"])) == (schema.MIN_FLOOR, schema.DEFAULT_FLOOR)
    refused = evening.try_(events.START_MEETING, deck="test-evening", floor=high + 1)
    assert refused["ok"] is False and f"at most {high}" in refused["error"]
    evening.do(events.START_MEETING, deck="test-evening", floor=high)
    assert evening.room.meeting["privacy_floor"] == high


def test_a_title_longer_than_the_console_allows_is_refused_not_cut(client, evening):
    most = int(page(client, "/facilitator").by_id["start-title"]["maxlength"])
    refused = evening.try_(events.START_MEETING, deck="test-evening", title="M" * (most + 1))
    assert refused["ok"] is False and f"at most {most} characters" in refused["error"]
    evening.do(events.START_MEETING, deck="test-evening", title="M" * most)
    assert evening.room.meeting["title"] == "M" * most
    assert most == schema.TITLE_MAX  # the same limit as a deck's title


def test_the_notes_field_holds_exactly_what_the_server_saves(client, evening):
    evening.start()
    most = int(page(client, "/facilitator").by_id["notes"]["maxlength"])
    assert evening.try_(events.SET_NOTES, notes="n" * (most + 1))["ok"] is False
    evening.do(events.SET_NOTES, notes="n" * most)
    assert evening.room.meeting["notes"] == "n" * most


def test_the_longest_notes_of_the_worst_characters_reach_a_real_server_in_one_message(server):
    """A browser sends at most 6 bytes a character in JSON (\\u0001); the notes still fit one message."""
    from conftest import SocketConsole

    console = SocketConsole(server.url)
    console.start()
    notes = "\u0001" * schema.MEETING_NOTES_MAX
    console.do(events.SET_NOTES, notes=notes)  # Python's client escapes it as a browser does: 6 bytes
    assert console.wait_for(lambda state: state["meeting"]["notes"] == notes)
    console.close()


def test_the_add_form_takes_its_limits_and_kinds_from_the_schema(client):
    fields = page(client, "/facilitator")
    by_id = fields.by_id
    assert int(by_id["add-prompt"]["maxlength"]) == schema.PROMPT_MAX
    assert int(by_id["add-max"]["max"]) == schema.OPTIONS_MAX
    assert (int(by_id["add-max-words"]["min"]), int(by_id["add-max-words"]["max"])) == (schema.WORDS_MIN,
                                                                                       schema.WORDS_MAX)
    assert int(by_id["add-scale-min-label"]["maxlength"]) == schema.LABEL_MAX
    assert int(by_id["add-scale-max"]["max"]) == schema.SCALE_LIMIT
    assert [value for value in fields.options if value in schema.KINDS] == list(schema.KINDS)


@pytest.mark.parametrize("path", ["/facilitator", "/screen", "/"])
def test_every_page_gets_the_schema_and_the_event_names_in_its_config_block(client, path):
    config = page(client, path).config
    assert config["schema"] == json.loads(json.dumps(schema.for_pages()))
    assert config["events"] == events.for_pages()


def test_the_console_and_the_summary_call_each_kind_the_same(client):
    labels = page(client, "/facilitator").config["schema"]["kind_labels"]
    for kind in ("choice", "compass", "words", "text", "discussion"):
        assert labels[kind] == export.kind_label({"kind": kind})
    assert export.kind_label({"kind": "multi", "max": 2}) == labels["multi"] + " (up to 2)"


# --- each fact is written once -----------------------------------------------------------------------

SOURCES = [p for folder in ("facilitator", "participant", "prompts") for p in (ROOT / folder).rglob("*")
           if p.suffix in (".py", ".js", ".html") and "vendor" not in p.parts]


@pytest.mark.parametrize("fact", [
    r'"Space to myself"',  # the compass's default axis names
    r"""['"]Connection['"]""",  # ... and the first of them, as a fallback in a page's script
    r'"options",\s*"max",\s*"scale",\s*"axes",\s*"max_words"',  # what an item carries by kind
    r'"x_label",\s*"y_label",\s*"low_label"',  # the fields of an item in deck form
    r"A few words",  # what a kind is called
])
def test_each_fact_about_kinds_is_written_in_one_file_only(fact):
    found = [str(p.relative_to(ROOT)) for p in SOURCES if re.search(fact, p.read_text())]
    assert found == ["prompts/schema.py"]


def _strip_comments(js):
    """JavaScript without its comments (none of Fireside's strings holds // or /*)."""
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", js, flags=re.S))


def test_no_page_script_names_an_event_or_namespace_itself():
    """Every event name reaches the pages through the config block; a script that spells one may drift."""
    names = events.for_pages()
    reserved = {"connect", "disconnect", "connect_error"}  # Socket.IO's own events, not Fireside's
    for path in PAGE_SCRIPTS:
        js = _strip_comments(path.read_text())
        spelled = set(re.findall(r"\.(?:on|emit|once|off)\(\s*['\"]([^'\"]+)['\"]", js)) - reserved
        assert spelled == set(), f"{path.name} spells the events {sorted(spelled)}"
        for key, value in names.items():
            assert not re.search(rf"\b{key}\s*:\s*['\"]", js), f"{path.name} gives {key} a name of its own"
            assert not re.search(rf"\|\|\s*['\"]{re.escape(value)}['\"]", js), f"{path.name} falls back to {value!r}"


# --- approving many words at once ---------------------------------------------------------------------

def _revealed_words(evening, words):
    """A revealed words poll whose review list holds these words, and the phones that wrote them."""
    evening.start()
    phones = [evening.phone() for _ in words]
    feeling = evening.push("feeling")
    for phone, word in zip(phones, words):
        assert phone.answer(feeling, word)["ok"]
    evening.do(events.CLOSE_POLL, item_id=feeling)
    evening.do(events.REVEAL_POLL, item_id=feeling)
    for phone in phones:
        phone.received()
    return feeling, phones


def test_approve_all_is_one_event_and_the_room_sees_one_new_picture(evening):
    feeling, phones = _revealed_words(evening, ["tired", "hopeful", "calm", "tired"])
    pending = evening.console_state()["pending"][str(feeling)]
    texts = [entry["text"] for entry in pending]
    evening.do(events.MODERATE_ALL, item_id=feeling, texts=texts)
    rooms = phones[0].received(events.ITEM)
    assert len(rooms) == 1  # one broadcast, not one per word
    shown = {w["word"]: w["count"] for w in rooms[0]["item"]["result"]["words"]}
    assert shown == {"tired": 2, "hopeful": 1, "calm": 1}
    assert all(entry["approved"] for entry in evening.console_state()["pending"][str(feeling)])


def test_approve_all_keeps_what_was_marked_for_export(evening):
    feeling, _ = _revealed_words(evening, ["tired", "hopeful", "calm"])
    evening.do(events.MODERATE, item_id=feeling, text="tired", approved=True, export=True)
    evening.do(events.MODERATE_ALL, item_id=feeling, texts=["hopeful", "calm"])
    assert evening.store.moderation(feeling) == {
        "tired": {"approved": True, "export": True}, "hopeful": {"approved": True, "export": False},
        "calm": {"approved": True, "export": False}}


@pytest.mark.parametrize("texts", [["tired", "brave"], [], "tired", [3]])
def test_approve_all_refuses_what_is_not_on_the_review_list_and_changes_nothing(evening, texts):
    feeling, phones = _revealed_words(evening, ["tired", "hopeful", "calm"])
    refused = evening.try_(events.MODERATE_ALL, item_id=feeling, texts=texts)
    assert refused["ok"] is False and refused["error"].endswith(".")
    assert evening.store.moderation(feeling) == {}
    assert phones[0].received(events.ITEM) == []


def test_a_sentence_that_normalising_made_longer_can_still_be_approved(evening):
    """Some letters take two code points once normalised (NFC): a full sentence of them doubles."""
    sentence = "\u0958" * schema.TEXT_MAX_CHARS
    assert len(unicodedata.normalize("NFC", sentence)) == 2 * schema.TEXT_MAX_CHARS
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    item = evening.push("sentence")
    for phone in phones:
        assert phone.answer(item, sentence)["ok"]
    evening.do(events.CLOSE_POLL, item_id=item)
    (entry,) = evening.console_state()["pending"][str(item)]
    evening.do(events.MODERATE, item_id=item, text=entry["text"], approved=True, export=False)
    evening.do(events.MODERATE_ALL, item_id=item, texts=[entry["text"]])


# --- the docs say the same -----------------------------------------------------------------------------

def test_the_protocol_doc_gives_the_servers_limits():
    doc = (ROOT / "docs/protocol.md").read_text()
    assert f'"floor"?: int {schema.MIN_FLOOR}..{schema.MAX_FLOOR}' in doc
    assert f"at most {schema.TITLE_MAX} characters" in doc
    assert f"at most {schema.MEETING_NOTES_MAX:,} characters" in doc
    assert f"at most {schema.WORDS_MAX_CHARS} characters" in doc and f"1..{schema.TEXT_MAX_CHARS} characters" in doc
    assert f"`{events.MODERATE_ALL}`" in doc
