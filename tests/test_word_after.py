""""I'd like a word after": a private signal the console sees only as a count, late and in steps (docs/privacy.md)."""

import json
import sqlite3
import textwrap

import pytest
from conftest import received_by

from facilitator import events, export, socketio
from facilitator.room import Room

# An evening with a break and a closing round, as the shipped decks mark them.
BREAK_DECK = textwrap.dedent('''
    title = "With a break"

    [[items]]
    id = "arrive"
    kind = "choice"
    prompt = "How are you arriving?"
    options = ["Tired", "Restless", "Calm"]

    [[items]]
    id = "energy"
    kind = "scale"
    prompt = "How much energy?"
    scale_min = 0
    scale_max = 10

    [[items]]
    id = "break"
    kind = "discussion"
    prompt = "Break. Ten minutes."

    [[items]]
    id = "rested"
    kind = "choice"
    prompt = "Rested?"
    options = ["Yes", "No"]

    [[items]]
    id = "checkout-word"
    kind = "words"
    prompt = "One word as you leave."
''')


@pytest.fixture
def night(evening, data_dir):
    """A meeting from the deck with a break, and five phones in it."""
    (data_dir / "decks" / "with-a-break.toml").write_text(BREAK_DECK)
    evening.start(deck="with-a-break")
    evening.phones = [evening.phone() for _ in range(5)]
    return evening


def _ask(phone, want=True):
    """A phone sends (or takes back) its signal; returns the answer."""
    return phone.emit(events.WORD_AFTER, {"want": want})


def _count(evening):
    """The count of "a word after" in the console's latest payload."""
    state = evening.console_state()
    assert state is not None, "the console was sent its state"
    return state["word_after"]


def _screen(app):
    """A projector view connected from the laptop."""
    return socketio.test_client(app, namespace=events.FACILITATOR_NS, auth={"view": "screen"},
                                flask_test_client=app.test_client())


def test_a_signal_reaches_nobody_when_it_is_sent(night):
    screen = _screen(night.app)
    night.push("arrive")
    for client, namespace in [(night.console, events.FACILITATOR_NS), (screen, events.FACILITATOR_NS),
                              *((p.client, events.PARTICIPANT_NS) for p in night.phones)]:
        received_by(client, namespace)
    assert _ask(night.phones[0]) == {"ok": True, "word_after": True}
    assert received_by(night.console, events.FACILITATOR_NS) == []
    assert received_by(screen, events.FACILITATOR_NS) == []
    for phone in night.phones:
        assert phone.received() == []


def test_one_signal_shows_only_at_the_break_never_when_it_was_sent(night):
    arrive = night.push("arrive")
    _ask(night.phones[2])
    for phone in night.phones:
        phone.answer(arrive, 0)
    night.do(events.REVEAL_POLL, item_id=arrive)  # a poll's close: one signal is too few for a step
    assert _count(night) == 0
    night.push("energy")
    assert _count(night) == 0
    night.push("break")
    assert _count(night) == 1


def _room_answers(night, item_id, value):
    """Every phone answers the poll on the screen: the room has it in hand."""
    for phone in night.phones:
        assert phone.answer(item_id, value)["ok"]


def test_two_signals_show_at_the_next_close_of_a_poll_not_at_the_tap(night):
    arrive = night.push("arrive")
    received_by(night.console, events.FACILITATOR_NS)
    _ask(night.phones[0])
    _ask(night.phones[3])
    assert received_by(night.console, events.FACILITATOR_NS) == []  # not even the second tap moves it
    _room_answers(night, arrive, 0)
    night.do(events.CLOSE_POLL, item_id=arrive)
    assert _count(night) == 2
    # A third, alone, waits for the break: a count going 2 -> 3 after one tap would name him.
    energy = night.push("energy")
    _ask(night.phones[1])
    _room_answers(night, energy, 5)
    night.do(events.REVEAL_POLL, item_id=energy)
    assert _count(night) == 2
    night.push("break")
    assert _count(night) == 3


def test_a_poll_draws_the_count_once_however_often_it_is_closed_and_opened(night):
    arrive = night.push("arrive")
    _room_answers(night, arrive, 0)
    night.do(events.CLOSE_POLL, item_id=arrive)
    _ask(night.phones[0])
    _ask(night.phones[1])
    night.do(events.OPEN_POLL, item_id=arrive)
    night.do(events.CLOSE_POLL, item_id=arrive)  # the facilitator cannot sample the count at will
    assert _count(night) == 0
    night.push("break")
    night.push("arrive")  # showing an item again is no new break either
    night.push("break")
    assert _count(night) == 2


def _sample(night, push, answers=0):
    """The facilitator adds a poll on the spot, opens it (showing it or not), lets answers come, closes it."""
    new = night.do(events.ADD_ITEM, kind="choice", prompt="A quick check", options=["a", "b"], push=push)["item_id"]
    if not push:
        night.do(events.OPEN_POLL, item_id=new)
    for phone in night.phones[:answers]:
        assert phone.answer(new, 0)["ok"]
    night.do(events.CLOSE_POLL, item_id=new)
    return _count(night)


@pytest.mark.parametrize("push, answers", [(False, 0), (False, 3), (True, 0), (True, 2)])
def test_the_facilitator_cannot_sample_the_count_with_polls_he_makes_and_closes_at_will(night, push, answers):
    """With a spare phone's signal waiting, a poll of his own closed right after a man's tap would name the man.

    Only a poll on the phones that k or more answered draws it (here k = 3): one never shown, or
    closed before the room answered, does not.
    """
    spare = night.phone()
    _ask(spare)
    assert _sample(night, push, answers) == 0
    _ask(night.phones[4])  # the man he watches taps
    assert _sample(night, push, answers) == 0
    night.push("break")
    assert _count(night) == 2


def test_a_restart_gives_no_poll_a_second_moment(night):
    """After a restart a closed poll opened and closed again is not a first close."""
    arrive = night.push("arrive")
    _room_answers(night, arrive, 0)
    night.do(events.CLOSE_POLL, item_id=arrive)
    _ask(night.phones[0])
    _ask(night.phones[1])
    fs = night.app.extensions["fireside"]
    fs.room = Room(fs.room.store, fs.room.decks)  # what a restart does: the room read back from the store
    night.do(events.OPEN_POLL, item_id=arrive)
    night.do(events.CLOSE_POLL, item_id=arrive)
    assert _count(night) == 0


def test_a_restart_while_a_poll_is_open_again_gives_it_no_second_moment(night):
    """Closed, opened again, then a restart while it is open: its next close is not a first close.

    Its state after the restart is open and it has no picture, so only the store's memory of the
    first close can say it had its moment; otherwise the facilitator could restart, watch a man
    tap, and close it again (an audit played it: the count went from 0 to 2, his spare phone and
    the man).
    """
    arrive = night.push("arrive")
    _room_answers(night, arrive, 0)
    _ask(night.phones[0])  # his spare phone, already waiting
    night.do(events.CLOSE_POLL, item_id=arrive)
    assert _count(night) == 0  # one signal: no step
    night.do(events.OPEN_POLL, item_id=arrive)
    fs = night.app.extensions["fireside"]
    fs.room = Room(fs.room.store, fs.room.decks)  # what a restart does: the room read back from the store
    _ask(night.phones[1])  # the man he watches taps
    night.do(events.CLOSE_POLL, item_id=arrive)
    assert _count(night) == 0
    night.push("break")
    assert _count(night) == 2  # the break, a moment of the run-sheet, draws both


def test_a_phone_can_take_its_signal_back(night):
    phone = night.phones[0]
    _ask(phone)
    assert phone.emit(events.SYNC)["word_after"] is True
    assert _ask(phone, want=False) == {"ok": True, "word_after": False}
    assert phone.emit(events.SYNC)["word_after"] is False
    night.push("break")
    assert _count(night) == 0
    db = sqlite3.connect(night.app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM word_after").fetchone()[0] == 0
    db.close()


def test_a_signal_taken_back_after_it_was_counted_leaves_the_count_at_the_close(night):
    _ask(night.phones[0])
    night.push("break")
    assert _count(night) == 1
    _ask(night.phones[0], want=False)
    night.push("rested")
    assert _count(night) == 1  # taking it back is not shown at once either
    night.push("checkout-word")
    assert _count(night) == 0


def test_end_shows_the_count_to_the_console_then_forgets_every_signal(night, data_dir):
    for phone in night.phones[:1]:
        _ask(phone)
    night.do(events.END_MEETING)
    assert _count(night) == 1
    db = sqlite3.connect(data_dir / "fireside.db")
    assert db.execute("SELECT COUNT(*) FROM word_after").fetchone()[0] == 0
    db.close()
    night.start()
    assert _count(night) == 0  # the next meeting starts from nothing


def test_nothing_on_disk_or_in_any_payload_links_a_signal_to_a_phone(night, data_dir):
    screen = _screen(night.app)
    arrive = night.push("arrive")
    for n, phone in enumerate(night.phones):
        phone.answer(arrive, n % 3)
    askers = night.phones[:2]
    for phone in askers:
        _ask(phone)
    db = sqlite3.connect(data_dir / "fireside.db")
    columns = [row[1] for row in db.execute("PRAGMA table_info(word_after)")]
    assert columns == ["marker", "meeting_id", "wants", "shown"]  # no token, no time, no order
    # No hidden order: a meeting's signals are one record (under the meeting's id), sorted by marker.
    assert [row[0] for row in db.execute("SELECT rowid FROM signal_sets")] == [night.room.meeting["id"]]
    markers = [row[0] for row in db.execute("SELECT marker FROM word_after")]
    assert markers == sorted(markers)
    ballots = {row[0] for row in db.execute("SELECT ballot FROM ballots")}
    db.close()
    assert len(markers) == 2 and not ballots & set(markers)
    raw = b"".join(p.read_bytes() for p in data_dir.glob("fireside.db*"))
    for phone in night.phones:
        assert phone.token.encode() not in raw
    night.do(events.REVEAL_POLL, item_id=arrive)
    night.push("break")
    meeting_id = night.room.meeting["id"]
    night.do(events.END_MEETING)

    payloads = [json.dumps(m["args"]) for m in received_by(night.console, events.FACILITATOR_NS)]
    payloads += [json.dumps(m["args"]) for m in received_by(screen, events.FACILITATOR_NS)]
    for phone in night.phones:
        payloads += [json.dumps(p) for p in phone.received()]
    summary = export.summary(night.store, meeting_id)
    payloads += [export.render(summary, fmt) for fmt in export.FORMATS]
    for text in payloads:
        for marker in markers:
            assert marker not in text
        for phone in askers:
            assert phone.token not in text
    # Only the console hears of it, and only as a number.
    assert not any("word_after" in p for p in payloads[-len(export.FORMATS):])
    raw = b"".join(p.read_bytes() for p in data_dir.glob("fireside.db*"))
    for marker in markers:
        assert marker.encode() not in raw


def test_a_malformed_signal_is_refused_and_changes_nothing(night):
    phone = night.phones[0]
    for payload in ({}, {"want": "yes"}, {"want": True, "who": 1}, [True]):
        answer = phone.emit(events.WORD_AFTER, payload)
        assert answer["ok"] is False and "word after" in answer["error"], payload
    assert phone.emit(events.SYNC)["word_after"] is False
