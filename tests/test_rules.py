"""The poll state machine and what a valid answer is (facilitator/rules.py): pure, no server."""

import pytest

from facilitator import rules
from facilitator.rules import Refused

CHOICE = {"kind": "choice", "options": ["a", "b", "c"], "state": "open"}
MULTI = {"kind": "multi", "options": ["a", "b", "c", "d"], "max": 2, "state": "open"}
SCALE = {"kind": "scale", "scale": {"min": 0, "max": 10}, "state": "open"}
COMPASS = {"kind": "compass", "state": "open"}
WORDS = {"kind": "words", "max_words": 2, "state": "open"}
TEXT = {"kind": "text", "state": "open"}


def test_join_code_avoids_confusable_characters_and_has_enough_randomness():
    codes = {rules.new_join_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 9 and code[4] == "-"
        assert not set(code.replace("-", "")) & set("01258BILOSZ")
    assert len(rules.CODE_ALPHABET) ** rules.CODE_LENGTH >= 2**30


@pytest.mark.parametrize("typed, code", [
    ("k7qm-xr4p", "K7QM-XR4P"), (" K7QM XR4P ", "K7QM-XR4P"), ("k7qmxr4p", "K7QM-XR4P"),
    ("K7QM", None), ("", None), (None, None), ("K7QM-XR4P-EXTRA", None),
])
def test_typed_code_is_normalised(typed, code):
    assert rules.normalise_code(typed) == code


def test_ballots_of_one_phone_differ_per_poll_and_per_meeting():
    key, other_key, token = rules.new_meeting_key(), rules.new_meeting_key(), rules.new_token()
    first, second = rules.ballot_id(key, token, 1), rules.ballot_id(key, token, 2)
    assert first != second
    assert rules.ballot_id(key, token, 1) == first
    assert rules.ballot_id(other_key, token, 1) != first
    assert token not in first and token not in second


def test_ballot_and_arrival_ids_are_hmac_sha256_so_a_restarted_server_finds_the_same_ballots():
    import hashlib
    import hmac

    key, token = rules.new_meeting_key(), rules.new_token()
    mac = lambda message: hmac.new(bytes.fromhex(key), message.encode(), hashlib.sha256).hexdigest()  # noqa: E731
    assert rules.ballot_id(key, token, 7) == mac(f"ballot:{token}:7")
    assert rules.arrival_marker(key, token) == mac(f"arrival:{token}")


@pytest.mark.parametrize("key", [rules.new_meeting_key(), "00" * 64, "ab" * 65, "0f"], ids=["new", "a-block", "longer", "short"])
def test_the_rooms_ballot_ids_are_the_same_hmac_sha256_as_the_standard_librarys(key):
    """The Room hashes the key's pads once per meeting (rules.MeetingMac); the ids must not move by a bit."""
    import hashlib
    import hmac

    mac = rules.MeetingMac(key)
    for message in ("ballot:" + rules.new_token() + ":7", "", "é ✓ " * 40):
        assert mac(message) == hmac.new(bytes.fromhex(key), message.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("token, ok", [
    (rules.new_token(), True), ("short", False), (None, False), (123, False), ("x" * 65, False),
    ("a" * 40 + "<script>", False),
], ids=["new", "short", "none", "number", "too-long", "markup"])
def test_only_well_formed_tokens_are_accepted(token, ok):
    assert rules.valid_token(token) is ok


@pytest.mark.parametrize("state, action, to", [
    ("pending", "open", "open"), ("open", "close", "closed"), ("closed", "open", "open"),
    ("open", "reveal", "revealed"), ("closed", "reveal", "revealed"), ("revealed", "reopen", "open"),
])
def test_poll_moves_through_its_states(state, action, to):
    assert rules.next_state({"kind": "choice", "state": state}, action) == to


@pytest.mark.parametrize("state, action", [
    ("pending", "reveal"), ("pending", "close"), ("revealed", "open"), ("revealed", "close"),
    ("open", "reopen"), ("revealed", "reveal"),
])
def test_poll_refuses_a_move_its_state_does_not_allow(state, action):
    with pytest.raises(Refused):
        rules.next_state({"kind": "choice", "state": state}, action)


def test_discussion_has_no_poll_states():
    with pytest.raises(Refused, match="discussion"):
        rules.next_state({"kind": "discussion", "state": "shown"}, "open")
    assert rules.state_on_push({"kind": "discussion", "state": "pending"}) == "shown"


def test_pushing_a_pending_poll_opens_it_but_a_revealed_one_stays_revealed():
    assert rules.state_on_push({"kind": "scale", "state": "pending"}) == "open"
    assert rules.state_on_push({"kind": "scale", "state": "revealed"}) == "revealed"


@pytest.mark.parametrize("state, message", [
    ("pending", "not been opened"), ("closed", "closed"), ("revealed", "locked"),
])
def test_answers_are_refused_unless_the_poll_is_open(state, message):
    with pytest.raises(Refused, match=message):
        rules.check_answer_allowed({"kind": "choice", "state": state})


@pytest.mark.parametrize("item, value, stored", [
    (CHOICE, 2, 2), (MULTI, [3, 1], [1, 3]), (SCALE, 0, 0), (SCALE, 10, 10),
    (COMPASS, {"x": 0, "y": 100}, {"x": 0, "y": 100}), (WORDS, "  so   tired ", "so tired"),
    (TEXT, " I came back. ", "I came back."),
])
def test_valid_answers_are_accepted_in_their_stored_form(item, value, stored):
    assert rules.validate_value(item, value) == stored


@pytest.mark.parametrize("item, value", [
    (CHOICE, 3), (CHOICE, -1), (CHOICE, True), (CHOICE, "1"), (CHOICE, 1.0),
    (MULTI, []), (MULTI, [1, 1]), (MULTI, [0, 1, 2]), (MULTI, [9]), (MULTI, 1),
    (SCALE, 11), (SCALE, -1), (SCALE, 5.5),
    (COMPASS, {"x": 101, "y": 0}), (COMPASS, {"x": 1}), (COMPASS, {"x": 1, "y": 2, "z": 3}), (COMPASS, [1, 2]),
    (WORDS, "one two three"), (WORDS, ""), (WORDS, "x" * 61), (WORDS, 5),
    (TEXT, "x" * 281), (TEXT, "   "), (TEXT, None),
])
def test_invalid_answers_are_refused(item, value):
    with pytest.raises(Refused):
        rules.validate_value(item, value)


@pytest.mark.parametrize("payload", [
    None, [], "answer", {"value": 1}, {"item_id": "1", "value": 1}, {"item_id": 1},
    {"item_id": 1, "value": 1, "pass": True}, {"item_id": 1, "pass": False}, {"item_id": 1, "value": 1, "x": 1},
    {"item_id": True, "value": 1}, {"item_id": 1, "value": 1, "pass": None},
])
def test_malformed_answer_payloads_are_refused(payload):
    with pytest.raises(Refused):
        rules.parse_answer(payload)


def test_privacy_floor_is_never_below_three():
    assert rules.clamp_floor(3) == 3 and rules.clamp_floor(7) == 7
    for bad in (2, 0, -5, "4", 3.5, True):
        with pytest.raises(Refused):
            rules.clamp_floor(bad)
