"""The running meeting (facilitator/room.py) on its own: a real store on a fresh file, no sockets."""

import sqlite3

import pytest
from conftest import TEST_DECK

from facilitator.decks import DeckShelf
from facilitator.rules import Refused, new_token
from facilitator.room import Room
from facilitator.store import Store


@pytest.fixture
def room(tmp_path):
    """A room over a fresh database, with the test deck on its shelf, and a meeting started from it."""
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "test-evening.toml").write_text(TEST_DECK)
    store = Store(tmp_path / "fireside.db")
    opened = Room(store, DeckShelf(decks))
    opened.start_meeting("test-evening")
    yield opened
    store.close()


def _key(room, key):
    """The id in this meeting of the deck item with this key."""
    return next(item["id"] for item in room.items.values() if item["key"] == key)


def _phones(room, n):
    """n phones that joined with the meeting's code: their tokens."""
    return [room.join(room.meeting["join_code"], None)["token"] for _ in range(n)]


def test_a_meeting_starts_from_a_deck_with_its_items_in_order_and_a_fresh_code(room):
    assert [item["key"] for item in map(room.items.get, room.order)] == [
        "welcome", "arrive", "needs", "energy", "compass", "feeling", "sentence"]
    assert all(item["state"] == "pending" for item in room.items.values())
    assert room.code_matches(room.meeting["join_code"].lower().replace("-", " "))
    with pytest.raises(Refused, match="already running"):
        room.start_meeting("test-evening")


def test_a_phone_is_counted_once_however_often_it_comes_back(room):
    token = room.join(room.meeting["join_code"], None)["token"]
    for _ in range(3):
        assert room.join(room.meeting["join_code"], token)["token"] == token
    assert room.meeting["phones_joined"] == 1
    assert room.store.meeting(room.meeting["id"])["phones_joined"] == 1


def test_a_wrong_code_is_refused_in_words(room):
    with pytest.raises(Refused, match="code on the screen"):
        room.join("WRNG-CODE", None)


def test_an_answer_is_taken_only_while_its_poll_is_open(room):
    arrive = _key(room, "arrive")
    (token,) = _phones(room, 1)
    with pytest.raises(Refused, match="not been opened"):
        room.answer(token, {"item_id": arrive, "value": 0})
    room.push_item(arrive)
    room.answer(token, {"item_id": arrive, "value": 2})
    assert room.welcome(token)["mine"] == 2
    room.transition(arrive, "close")
    with pytest.raises(Refused, match="closed"):
        room.answer(token, {"item_id": arrive, "value": 1})
    assert room.store.answers(arrive) == ([2], 0)


def test_a_reveal_draws_the_picture_and_locks_the_poll(room):
    arrive = _key(room, "arrive")
    tokens = _phones(room, 4)
    room.push_item(arrive)
    for token, value in zip(tokens, (0, 1, 1)):
        room.answer(token, {"item_id": arrive, "value": value})
    room.answer(tokens[3], {"item_id": arrive, "pass": True})
    room.transition(arrive, "reveal")
    result = room.items[arrive]["result"]
    assert result["shown"] and result["counts"] == [1, 2, 0] and result["passed"] == 1
    with pytest.raises(Refused, match="locked"):
        room.answer(tokens[3], {"item_id": arrive, "value": 2})


def test_reopening_asks_for_a_confirmation_and_then_keeps_the_picture_until_k_answers_are_new(room):
    arrive = _key(room, "arrive")
    tokens = _phones(room, 6)
    room.push_item(arrive)
    for token in tokens[:3]:
        room.answer(token, {"item_id": arrive, "value": 0})
    room.transition(arrive, "reveal")
    with pytest.raises(Refused) as refused:
        room.transition(arrive, "reopen")
    assert refused.value.details == {"needs_confirm": True}
    room.transition(arrive, "reopen", confirm=True)
    room.answer(tokens[3], {"item_id": arrive, "value": 2})
    room.answer(tokens[4], {"item_id": arrive, "value": 2})
    room.transition(arrive, "reveal")
    assert room.items[arrive]["result"]["counts"] == [3, 0, 0]
    assert room.items[arrive]["result"]["waiting"] == {"newer": 2, "more": 1}


def test_withdrawing_takes_back_answers_to_polls_not_yet_revealed(room):
    arrive, energy = _key(room, "arrive"), _key(room, "energy")
    tokens = _phones(room, 3)
    room.push_item(arrive)
    for token in tokens:
        room.answer(token, {"item_id": arrive, "value": 1})
    room.transition(arrive, "reveal")
    room.push_item(energy)
    room.answer(tokens[0], {"item_id": energy, "value": 4})
    assert room.withdraw(tokens[0]) == (1, [])
    assert room.store.answers(energy) == ([], 0)
    assert room.store.answers(arrive) == ([1, 1, 1], 0)


def test_a_new_room_on_the_same_file_resumes_the_meeting_where_it_was(room):
    arrive = _key(room, "arrive")
    tokens = _phones(room, 3)
    room.push_item(arrive)
    for token in tokens:
        room.answer(token, {"item_id": arrive, "value": 2})
    again = Room(room.store, room.decks)  # what a restart does
    assert again.meeting["join_code"] == room.meeting["join_code"]
    assert again.current["id"] == arrive and again.current["state"] == "open"
    assert again.welcome(tokens[0])["mine"] == 2
    again.transition(arrive, "reveal")
    assert again.items[arrive]["result"]["counts"] == [0, 0, 3]


def test_ending_keeps_each_polls_last_picture_and_destroys_ballots_key_and_code(room, tmp_path):
    arrive, energy = _key(room, "arrive"), _key(room, "energy")
    tokens = _phones(room, 3)
    room.push_item(arrive)
    for token in tokens:
        room.answer(token, {"item_id": arrive, "value": 0})
    room.push_item(energy)
    room.answer(tokens[0], {"item_id": energy, "value": 9})  # one answer: below the floor
    meeting_id = room.meeting["id"]
    room.end_meeting()
    assert room.meeting is None
    items = {item["key"]: item for item in room.store.items(meeting_id)}
    assert items["arrive"]["result"]["counts"] == [3, 0, 0]
    assert items["energy"]["result"] == {"kind": "scale", "shown": False, "answered": 1, "floor": 3}
    conn = sqlite3.connect(tmp_path / "fireside.db")
    try:
        assert conn.execute("SELECT COUNT(*) FROM ballots").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM pictures").fetchone() == (0,)
        assert conn.execute("SELECT meeting_key, join_code FROM meetings").fetchone() == (None, None)
    finally:
        conn.close()


def test_a_token_from_nowhere_is_replaced_by_a_fresh_one(room):
    welcome = room.join(room.meeting["join_code"], "not a token")
    assert welcome["token"] != "not a token" and len(welcome["token"]) >= 32
    assert room.join(room.meeting["join_code"], new_token())["token"]
