"""Arbitrary payloads at every event of both namespaces (hypothesis), through the test client.

For each payload: the server answers (no exception escapes: the app runs with TESTING, so a bug
would surface here as one), the answer is {"ok": false, "error": "<a sentence>"} or a success that
an independent check agrees is valid, and a refused event leaves every row of every table, and the
room in memory, exactly as they were.
"""

import copy
import math

import pytest
from conftest import copy_migrated_database, examples, make_data_dir
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import event as event_seen
from hypothesis import strategies as st

from facilitator import create_app, events, handlers, rules, socketio
from facilitator.kinds import (
    COMPASS_MAX,
    MAX_FLOOR,
    MEETING_NOTES_MAX,
    MODERATED_MAX_CHARS,
    TEXT_MAX_CHARS,
    TITLE_MAX,
    WORDS_MAX_CHARS,
)

SETTINGS = settings(max_examples=examples(100), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

FIELDS = ["item_id", "value", "pass", "deck", "title", "floor", "live_results", "confirm", "kind", "prompt",
          "options", "max", "scale_min", "scale_max", "min_label", "max_label", "x_label", "y_label",
          "low_label", "high_label", "max_words", "note", "minutes", "push", "notes", "text", "approved",
          "export", "code", "token", "key", "view", "x", "y", "__proto__", ""]

ABSENT = object()  # the event is sent with no argument at all

leaves = (st.none() | st.booleans() | st.integers(min_value=-3, max_value=12)
          | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
          | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
          | st.sampled_from(["", " ", "tired", "0", "1", "true", "x" * 61, "y" * 281, "a b c d", "\u0000",
                             "test-evening", "console", "screen", "choice", "text", "words", "<script>"])
          | st.binary(max_size=6))
json_values = st.recursive(
    leaves,
    lambda inner: (st.lists(inner, max_size=4)
                   | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner, max_size=4)),
    max_leaves=10)


def payloads(item_ids, extra_values=st.nothing(), fields=()):
    """Anything at all, but mostly objects whose fields are ones Fireside knows, with plausible values.

    fields: the event's own fields, each of which then often comes with a value near a valid one.
    """
    value = (json_values | st.sampled_from(item_ids) | extra_values
             | st.lists(st.integers(min_value=-1, max_value=5), max_size=5)
             | st.fixed_dictionaries({"x": st.integers(-5, 105), "y": st.integers(-5, 105)}))
    shaped = st.dictionaries(st.sampled_from(FIELDS[:30]), value, max_size=4)
    answer_like = st.fixed_dictionaries({"item_id": st.sampled_from(item_ids)},
                                        optional={"value": value, "pass": st.sampled_from([True, False, None, 1])})
    near = {name: near_valid(name, item_ids) | json_values for name in fields}
    own = st.fixed_dictionaries({}, optional=near) if fields else st.nothing()
    return st.just(ABSENT) | json_values | shaped | answer_like | own | own


def near_valid(field, item_ids):
    """Values around the valid ones for one field."""
    words = st.sampled_from(["tired", "Tired", "hopeful", "a b", "one two three", "  ", "Glad to be here."])
    short = st.text(max_size=20) | words
    return {
        "item_id": st.sampled_from(item_ids),
        "value": (st.integers(-1, 11) | st.lists(st.integers(-1, 4), max_size=4) | words
                  | st.fixed_dictionaries({"x": st.integers(-1, 101), "y": st.integers(-1, 101)})
                  | st.text(max_size=300)),
        "pass": st.sampled_from([True, True, False, 1, None]),
        "confirm": st.sampled_from([True, True, False, "yes", 1]),
        "approved": st.booleans(), "export": st.booleans(), "push": st.booleans(),
        "live_results": st.booleans(),
        "text": short | st.text(min_size=290, max_size=310),
        "notes": st.text(max_size=50) | st.just("n" * 20001),
        "deck": st.sampled_from(["test-evening", "starter", "no-such-deck", "../secrets", ""]),
        "title": short, "floor": st.integers(0, 1002),
        "kind": st.sampled_from(["choice", "multi", "scale", "compass", "words", "text", "discussion", "poll"]),
        "prompt": short | st.text(min_size=200, max_size=600),
        "options": st.lists(short, max_size=12),
        "max": st.integers(-1, 12), "max_words": st.integers(-1, 12), "minutes": st.integers(-1, 500),
        "scale_min": st.integers(-2, 12), "scale_max": st.integers(-2, 12),
    }.get(field, short)


def value_for(item):
    """Answer values for one poll: the valid ones and those just outside them."""
    words = st.sampled_from(["tired", "Tired!", "a b", "one two three", " ", "x" * 61, "Glad to be here."])
    kind = item["kind"]
    if kind == "choice":
        return st.integers(-1, len(item["options"]))
    if kind == "multi":
        return st.lists(st.integers(-1, len(item["options"])), max_size=len(item["options"]) + 1)
    if kind == "scale":
        return st.integers(item["scale"]["min"] - 1, item["scale"]["max"] + 1)
    if kind == "compass":
        return st.fixed_dictionaries({"x": st.integers(-1, 101), "y": st.integers(-1, 101)},
                                     optional={"z": st.integers(0, 1)})
    return words | st.text(max_size=300)


def likely_valid(world, event):
    """Payloads for one event that are valid, or one step away from it, about half the time."""
    items = sorted(world.room.items.values(), key=lambda i: i["id"])
    ids = st.sampled_from([i["id"] for i in items])
    polls = [i for i in items if rules.is_poll(i)]
    moderated = [i["id"] for i in items if i["kind"] in ("words", "text")]
    short = st.text(max_size=30) | st.sampled_from(["tired", "Stay longer?", "Tonight"])
    if event == events.ANSWER:
        return st.sampled_from(polls).flatmap(lambda item: (
            st.fixed_dictionaries({"item_id": st.just(item["id"]), "value": value_for(item)})
            | st.just({"item_id": item["id"], "pass": True})
            | st.fixed_dictionaries({"item_id": st.just(item["id"])},
                                    optional={"value": value_for(item), "pass": st.just(True)})))
    if event in (events.PUSH_ITEM, events.OPEN_POLL, events.CLOSE_POLL, events.REVEAL_POLL):
        return st.fixed_dictionaries({"item_id": ids})
    if event == events.REOPEN_POLL:
        return st.fixed_dictionaries({"item_id": ids, "confirm": st.booleans()})
    if event == events.START_MEETING:
        return st.fixed_dictionaries({}, optional={"deck": st.sampled_from(["test-evening", "starter", "nope"]),
                                                   "title": short, "floor": st.integers(2, 12),
                                                   "live_results": st.booleans()})
    if event == events.ADD_ITEM:
        return st.fixed_dictionaries(
            {"kind": st.sampled_from(["choice", "multi", "scale", "compass", "words", "text", "discussion"]),
             "prompt": short},
            optional={"options": st.lists(short, min_size=1, max_size=5), "max": st.integers(0, 4),
                      "scale_min": st.integers(-1, 3), "scale_max": st.integers(2, 11), "push": st.booleans()})
    if event == events.MODERATE:
        return st.fixed_dictionaries({"item_id": st.sampled_from(moderated), "text": short,
                                      "approved": st.booleans()}, optional={"export": st.booleans()})
    if event == events.MODERATE_ALL:
        return st.fixed_dictionaries({"item_id": st.sampled_from(moderated), "texts": st.lists(short, max_size=3)})
    if event == events.SET_NOTES:
        return st.fixed_dictionaries({"notes": st.text(max_size=60)})
    if event in (events.END_MEETING, events.CLEAR_ITEM, events.WITHDRAW, events.SYNC):
        return st.sampled_from([{}, None])
    return st.nothing()


PHONE_FIELDS = {events.ANSWER: ("item_id", "value", "pass")}
CONSOLE_FIELDS = {
    events.START_MEETING: ("deck", "title", "floor", "live_results"), events.END_MEETING: (),
    events.CLEAR_ITEM: (), events.PUSH_ITEM: ("item_id",), events.OPEN_POLL: ("item_id",),
    events.CLOSE_POLL: ("item_id",), events.REVEAL_POLL: ("item_id",), events.REOPEN_POLL: ("item_id", "confirm"),
    events.ADD_ITEM: handlers.ADD_ITEM_FIELDS, events.MODERATE: ("item_id", "text", "approved", "export"),
    events.MODERATE_ALL: ("item_id", "texts"), events.SET_NOTES: ("notes",),
}


class World:
    """A fresh app, a meeting from the test deck with its polls open, a console and one phone."""

    def __init__(self, folder, migrated, open_every=1):
        """Build it in folder on a copy of the migrated database; flood limits off, so every payload reaches its handler.

        open_every: open every poll (1), or every second one (2), leaving the rest to be opened.
        """
        self.open_every = open_every
        data = make_data_dir(folder / "data")
        copy_migrated_database(data, migrated)
        self.app = create_app({"DATA_DIR": str(data), "TESTING": True, "COUNT_INTERVAL": 0,
                               "PUBLIC_URL": "http://fireside.test", "PHONE_EVENTS_PER_SECOND": 0,
                               "JOIN_GUESSES_PER_MINUTE": 0, "JOINS_PER_MINUTE": 0})
        self.fs = self.app.extensions["fireside"]
        self.room, self.store = self.fs.room, self.fs.store
        self.console = socketio.test_client(self.app, namespace=events.FACILITATOR_NS,
                                            flask_test_client=self.app.test_client())
        self.ensure_meeting()
        self.phone = self.connect_phone()

    def close(self):
        """Close the database."""
        self.store.close()

    def ensure_meeting(self):
        """A running meeting whose polls are all open (start one when an example ended it)."""
        if not self.room.meeting:
            assert self.console_emit(events.START_MEETING, {"deck": "test-evening"})["ok"]
            polls = [item for item in self.room.items.values() if rules.is_poll(item)]
            for item in polls[::self.open_every]:
                assert self.console_emit(events.OPEN_POLL, {"item_id": item["id"]})["ok"]
            if self.open_every > 1:  # one revealed poll, for reopen_poll to find
                assert self.console_emit(events.REVEAL_POLL, {"item_id": polls[0]["id"]})["ok"]
        self.console.get_received(events.FACILITATOR_NS)

    def connect_phone(self):
        """A phone in the running meeting."""
        phone = socketio.test_client(self.app, namespace=events.PARTICIPANT_NS,
                                     auth={"code": self.room.meeting["join_code"]})
        assert phone.is_connected(events.PARTICIPANT_NS)
        return phone

    def console_emit(self, event, payload):
        """A console event and its answer."""
        args = () if payload is ABSENT else (payload,)
        return self.console.emit(event, *args, namespace=events.FACILITATOR_NS, callback=True)

    def phone_emit(self, event, payload):
        """A phone event and its answer."""
        args = () if payload is ABSENT else (payload,)
        answer = self.phone.emit(event, *args, namespace=events.PARTICIPANT_NS, callback=True)
        self.phone.get_received(events.PARTICIPANT_NS)
        return answer

    def dump(self):
        """Every row of every table, and the room in memory."""
        with self.store._lock:
            names = [r[0] for r in self.store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            tables = {n: sorted(map(repr, self.store.db.execute(f'SELECT * FROM "{n}"').fetchall())) for n in names}
        return tables, repr(self.room.meeting), repr(sorted(self.room.items.items())), list(self.room.order)

    @property
    def item_ids(self):
        """Ids of this meeting's items, and a few that are not."""
        return sorted(self.room.items) + [0, -1, 10 ** 9]


@pytest.fixture
def world(tmp_path, migrated_database):
    """A World, closed after the test."""
    built = World(tmp_path, migrated_database)
    yield built
    built.close()


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _has_bytes(value):
    if isinstance(value, bytes):
        return True
    if isinstance(value, dict):
        return any(_has_bytes(v) for v in value.values())
    return isinstance(value, list) and any(_has_bytes(v) for v in value)


def _refused_properly(answer):
    """A refusal with a sentence a person can read."""
    return (isinstance(answer, dict) and answer.get("ok") is False and isinstance(answer.get("error"), str)
            and len(answer["error"]) > 10 and set(answer) <= {"ok", "error", "needs_confirm"})


# --- an independent idea of a valid answer -----------------------------------------------------------

def valid_answer(item, payload):
    """True when Fireside must take this answer payload (the item is an open poll)."""
    if not isinstance(payload, dict) or set(payload) - {"item_id", "value", "pass"}:
        return False
    if "pass" in payload:
        return payload["pass"] is True and "value" not in payload
    if "value" not in payload:
        return False
    value, kind = payload["value"], item["kind"]
    if kind == "choice":
        return _is_int(value) and 0 <= value < len(item["options"])
    if kind == "multi":
        return (isinstance(value, list) and 1 <= len(value) <= (item.get("max") or len(item["options"]))
                and all(_is_int(v) and 0 <= v < len(item["options"]) for v in value)
                and len(set(value)) == len(value))
    if kind == "scale":
        return _is_int(value) and item["scale"]["min"] <= value <= item["scale"]["max"]
    if kind == "compass":
        return (isinstance(value, dict) and set(value) == {"x", "y"}
                and all(_is_int(value[a]) and 0 <= value[a] <= COMPASS_MAX for a in "xy"))
    if kind == "words":
        return (isinstance(value, str) and bool(value.strip()) and len(value) <= WORDS_MAX_CHARS
                and len(value.split()) <= (item.get("max_words") or 3))
    if kind == "text":
        return isinstance(value, str) and bool(value.strip()) and len(value) <= TEXT_MAX_CHARS
    return False


# --- the phones' namespace -------------------------------------------------------------------------------

@pytest.mark.parametrize("event", [events.ANSWER, events.WITHDRAW, events.SYNC, "start_meeting", "hello"])
def test_any_payload_to_a_phone_event(world, event):
    values = st.sampled_from([0, 1, 2, 9, "Tired", "one two three", "A sentence.", [0], [1, 3], [0, 1, 2]])

    @SETTINGS
    @given(payload=likely_valid(world, event) | payloads(world.item_ids, values, PHONE_FIELDS.get(event, ())))
    def run(payload):
        before = world.dump()
        answer = world.phone_emit(event, payload)
        event_seen("accepted" if answer.get("ok") else "refused")
        if event == events.ANSWER:
            item = None
            if isinstance(payload, dict) and _is_int(payload.get("item_id")):
                item = world.room.items.get(payload["item_id"])
            must = item is not None and item["state"] == "open" and valid_answer(item, payload)
            if must:
                assert answer["ok"] is True and answer["item_id"] == item["id"], (payload, answer)
                return
        elif event in (events.WITHDRAW, events.SYNC) and payload in (ABSENT, None, {}):
            assert answer["ok"] is True
            return
        assert _refused_properly(answer), (payload, answer)
        assert world.dump() == before, payload

    run()
    assert world.phone_emit(events.SYNC, {})["ok"]  # still up, same connection


@pytest.mark.parametrize("namespace", [events.PARTICIPANT_NS, events.FACILITATOR_NS])
def test_any_auth_when_connecting(world, namespace):
    remote = world.app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    code, key = world.room.meeting["join_code"], world.app.config["FACILITATOR_KEY"]
    specials = st.sampled_from([code, code.lower(), code.replace("-", ""), key, key[:-1], "console", "screen",
                                "A" * 43, "K7QM-XR4P"])
    auths = payloads([code, key], specials) | st.fixed_dictionaries(
        {}, optional={"code": specials | json_values, "token": specials | json_values,
                      "key": specials | json_values, "view": specials | json_values})

    @SETTINGS
    @given(auth=auths)
    def run(auth):
        # The test client cannot encode a falsy non-object auth (0, "", []) in a CONNECT packet.
        assume(auth is ABSENT or auth is None or isinstance(auth, dict) or bool(auth))
        assume(not _has_bytes(auth))  # nor a binary one: Socket.IO's CONNECT packet carries JSON only
        before = world.dump()[0]
        client = socketio.test_client(world.app, namespace=namespace, flask_test_client=remote,
                                      auth=None if auth is ABSENT else auth)
        connected = client.is_connected(namespace)
        event_seen("connected" if connected else "refused")
        if namespace == events.PARTICIPANT_NS:
            expected = (isinstance(auth, dict) and not set(auth) - {"code", "token"}
                        and rules.normalise_code(auth.get("code")) == code
                        and isinstance(auth.get("code"), str))
        else:
            expected = (isinstance(auth, dict) and not set(auth) - {"key", "view"} and auth.get("key") == key
                        and auth.get("view", "console") in ("console", "screen"))
        assert connected == expected, auth
        if connected:
            client.disconnect(namespace)
        else:
            assert world.dump()[0] == before, auth

    run()


# --- the facilitator's namespace -------------------------------------------------------------------------

def _fields_only(payload, allowed):
    return payload in (ABSENT, None) or (isinstance(payload, dict) and not set(payload) - set(allowed))


def facilitator_may_accept(world, event, payload, before_meeting):
    """False when a success would be wrong for this payload (an independent, partial check)."""
    p = {} if payload in (ABSENT, None) else payload
    item = world.room.items.get(p.get("item_id")) if isinstance(p, dict) and _is_int(p.get("item_id")) else None
    if event == events.START_MEETING:
        floor = p.get("floor", 3) if isinstance(p, dict) else None
        return (before_meeting is None and _fields_only(payload, ("deck", "title", "floor", "live_results"))
                and _is_int(floor) and 3 <= floor <= MAX_FLOOR and isinstance(p.get("live_results", False), bool)
                and isinstance(p.get("deck") or "", str) and isinstance(p.get("title") or "", str)
                and len((p.get("title") or "").strip()) <= TITLE_MAX)
    if event in (events.END_MEETING, events.CLEAR_ITEM):
        return _fields_only(payload, ()) and before_meeting is not None
    if event in (events.PUSH_ITEM, events.OPEN_POLL, events.CLOSE_POLL, events.REVEAL_POLL):
        return _fields_only(payload, ("item_id",)) and item is not None
    if event == events.REOPEN_POLL:
        return _fields_only(payload, ("item_id", "confirm")) and item is not None and p.get("confirm") is True
    if event == events.ADD_ITEM:
        return isinstance(p, dict) and isinstance(p.get("kind"), str) and isinstance(p.get("prompt"), str)
    if event == events.MODERATE:
        return (item is not None and item["kind"] in ("words", "text") and isinstance(p.get("text"), str)
                and 0 < len(p["text"]) <= MODERATED_MAX_CHARS and isinstance(p.get("approved"), bool)
                and isinstance(p.get("export", False), bool))
    if event == events.MODERATE_ALL:  # only words or sentences on the poll's review list
        listed = {entry["text"] for entry in world.room.pending_texts(item)} if item else set()
        return (item is not None and item["kind"] in ("words", "text") and isinstance(p.get("texts"), list)
                and bool(p["texts"]) and all(isinstance(t, str) and t in listed for t in p["texts"]))
    if event == events.SET_NOTES:
        return isinstance(p.get("notes"), str) and len(p["notes"]) <= MEETING_NOTES_MAX
    return False  # no other event exists


@pytest.mark.parametrize("event", [events.START_MEETING, events.END_MEETING, events.PUSH_ITEM,
                                   events.CLEAR_ITEM, events.OPEN_POLL, events.CLOSE_POLL, events.REVEAL_POLL,
                                   events.REOPEN_POLL, events.ADD_ITEM, events.MODERATE, events.MODERATE_ALL,
                                   events.SET_NOTES,
                                   "drop_tables", events.ANSWER])
def test_any_payload_to_a_console_event(tmp_path, migrated_database, event):
    world = World(tmp_path, migrated_database, open_every=2)
    try:
        _console_event(world, event)
    finally:
        world.close()


def _console_event(world, event):
    values = st.sampled_from(["test-evening", "no-such-deck", "../secrets", 3, 2, 1001, True, "Tonight",
                              "choice", "scale", "text", ["Yes", "No"], ["Only"], "tired"])

    @SETTINGS
    @given(payload=likely_valid(world, event)
           | payloads(world.item_ids, values, CONSOLE_FIELDS.get(event, ("item_id", "value"))))
    def run(payload):
        if event == events.START_MEETING and world.room.meeting:
            assert world.console_emit(events.END_MEETING, {})["ok"]
        elif event != events.START_MEETING:
            world.ensure_meeting()
        meeting_before = copy.deepcopy(world.room.meeting)
        before = world.dump()
        answer = world.console_emit(event, payload)
        world.console.get_received(events.FACILITATOR_NS)
        event_seen("accepted" if answer.get("ok") else "refused")
        if answer.get("ok") is True:
            assert facilitator_may_accept(world, event, payload, meeting_before), (payload, answer)
        else:
            assert _refused_properly(answer), (payload, answer)
            assert world.dump() == before, payload

    run()
    world.ensure_meeting()
    assert world.connect_phone().is_connected(events.PARTICIPANT_NS)  # the room still works


def test_the_fuzzing_reaches_both_outcomes(world):
    """A guard on the guards: valid payloads are accepted here, so refusals above are not vacuous."""
    choice = next(i for i in world.room.items.values() if i["kind"] == "choice")
    assert world.phone_emit(events.ANSWER, {"item_id": choice["id"], "value": 1})["ok"]
    assert _refused_properly(world.phone_emit(events.ANSWER, {"item_id": choice["id"], "value": math.pi}))


@settings(max_examples=examples(300), deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20))
def test_packets_are_read_and_written_exactly_as_engineio_would(value):
    """PacketJSON (facilitator/__init__.py) is engine.io's json with its encoder and decoder made once."""
    import json

    from engineio import json as engineio_json

    from facilitator import PacketJSON

    text = json.dumps(value, separators=(",", ":"))
    assert PacketJSON.dumps(value, separators=(",", ":")) == text
    assert PacketJSON.dumps(value) == json.dumps(value)
    assert PacketJSON.loads(text) == engineio_json.loads(text)


def test_a_packet_with_an_integer_of_more_than_100_digits_is_refused_as_engineio_refuses_it():
    from facilitator import PacketJSON

    assert PacketJSON.loads("[" + "9" * 100 + "]") == [int("9" * 100)]
    with pytest.raises(ValueError):
        PacketJSON.loads("[" + "9" * 101 + "]")


@pytest.mark.parametrize("key, text", [("sentence", "I said it \ud800 badly"), ("feeling", "tired \udfff")])
def test_a_phones_text_with_half_a_character_is_refused_plainly_and_changes_nothing(evening, key, text):
    """JSON can carry a lone surrogate; the database cannot store it, so it is refused where it arrives."""
    evening.start()
    phone = evening.phone()
    item_id = evening.push(key)
    before = evening.store.answered(item_id)
    answer = phone.answer(item_id, text)
    assert answer == {"ok": False, "error": "Part of that text could not be read. Please type it again."}
    assert evening.store.answered(item_id) == before
    assert phone.answer(item_id, "calm 😀")["ok"]  # a character outside the first plane is whole


@pytest.mark.parametrize("event, payload", [
    (events.SET_NOTES, {"notes": "half \ud83d"}),
    (events.ADD_ITEM, {"kind": "choice", "prompt": "Which \udc00?", "options": ["a", "b"]}),
    (events.SET_HELP_LINES, {"lines": [{"label": "Line \ud800", "contact": "123"}]}),
])
def test_a_console_text_with_half_a_character_is_refused_plainly_and_changes_nothing(evening, event, payload):
    evening.start()
    agenda = list(evening.room.order)
    assert evening.try_(event, **payload) == {
        "ok": False, "error": "Part of that text could not be read. Please type it again."}
    assert evening.room.order == agenda and evening.room.help_lines == []
