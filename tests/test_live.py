"""Socket.IO events of both namespaces through Flask-SocketIO's test client."""

import pytest

import prompts
from facilitator import create_app, events, socketio


def test_phone_with_the_code_is_welcomed_with_a_token_and_the_current_item(evening):
    evening.start()
    phone = evening.phone()
    assert phone.client.is_connected(events.PARTICIPANT_NS)
    assert len(phone.token) >= 32
    assert phone.welcome["item"] is None
    assert phone.welcome["meeting"]["title"] == "Test evening"


@pytest.mark.parametrize("code", ["WRNG-CODE", "", None, 42])
def test_phone_with_a_wrong_code_is_refused(evening, code):
    evening.start()
    phone = socketio.test_client(evening.app, namespace=events.PARTICIPANT_NS, auth={"code": code})
    assert not phone.is_connected(events.PARTICIPANT_NS)


def test_phone_is_refused_when_no_meeting_runs(app):
    phone = socketio.test_client(app, namespace=events.PARTICIPANT_NS, auth={"code": "K7QM-XR4P"})
    assert not phone.is_connected(events.PARTICIPANT_NS)


def test_pushed_item_reaches_every_phone_without_the_facilitator_note(evening):
    evening.start()
    phones = [evening.phone() for _ in range(2)]
    evening.push("welcome")
    for phone in phones:
        item = phone.last(events.ITEM)["item"]
        assert item["prompt"] == "Take a breath. What brought you here tonight?"
        assert item["state"] == "shown"
        assert "note" not in item


def test_answer_is_acknowledged_and_counted(evening):
    evening.start()
    phone = evening.phone()
    arrive = evening.push("arrive")
    ack = phone.answer(arrive, 1)
    assert ack == {"ok": True, "item_id": arrive, "mine": 1, "withdrawable": True}
    assert phone.last(events.COUNT) == {"item_id": arrive, "answered": 1}
    assert evening.store.answered(arrive) == 1


def test_second_answer_replaces_first(evening):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    arrive = evening.push("arrive")
    phones[0].answer(arrive, 0)
    phones[0].answer(arrive, 2)
    phones[1].answer(arrive, 2)
    phones[2].answer(arrive, 1)
    assert evening.store.answered(arrive) == 3
    evening.do(events.REVEAL_POLL, item_id=arrive)
    assert phones[1].last(events.ITEM)["item"]["result"]["counts"] == [0, 1, 2]


def test_pass_counts_as_answered_but_not_towards_the_floor(evening):
    evening.start()
    phones = [evening.phone() for _ in range(4)]
    arrive = evening.push("arrive")
    assert phones[0].pass_(arrive) == {"ok": True, "item_id": arrive, "mine": {"pass": True}, "withdrawable": True}
    phones[1].pass_(arrive)
    phones[2].answer(arrive, 0)
    phones[3].answer(arrive, 1)
    evening.do(events.REVEAL_POLL, item_id=arrive)
    result = phones[0].last(events.ITEM)["item"]["result"]
    assert result == {"kind": "choice", "shown": False, "answered": 4, "floor": 3}  # how many passed: not said


def test_nothing_but_the_count_reaches_the_room_while_a_poll_is_open(evening):
    evening.start()
    phones = [evening.phone() for _ in range(4)]
    arrive = evening.push("arrive")
    for phone in phones:
        phone.received()
    for n, phone in enumerate(phones):
        phone.answer(arrive, n % 3)
    seen = phones[0].received()
    assert seen == [{"item_id": arrive, "answered": n} for n in range(1, 5)]


def test_reveal_locks_the_poll(evening):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    energy = evening.push("energy")
    for n, phone in enumerate(phones):
        phone.answer(energy, n * 2)
    evening.do(events.REVEAL_POLL, item_id=energy)
    result = phones[0].last(events.ITEM)["item"]["result"]
    assert result["counts"][:5] == [1, 0, 1, 0, 1] and result["median"] == 2
    late = phones[0].answer(energy, 9)
    assert late["ok"] is False and "locked" in late["error"]
    assert evening.store.answers(energy)[0].count(9) == 0


def test_reopening_a_revealed_poll_asks_for_confirmation(evening):
    evening.start()
    arrive = evening.push("arrive")
    evening.do(events.REVEAL_POLL, item_id=arrive)
    refused = evening.try_(events.REOPEN_POLL, item_id=arrive)
    assert refused["ok"] is False and "already been shown" in refused["error"]
    assert refused["needs_confirm"] is True
    assert evening.room.items[arrive]["state"] == "revealed"
    evening.do(events.REOPEN_POLL, item_id=arrive, confirm=True)
    assert evening.room.items[arrive]["state"] == "open"


def test_phone_that_reconnects_gets_the_current_item_and_its_own_answer(evening):
    evening.start()
    phone = evening.phone()
    compass = evening.push("compass")
    phone.answer(compass, {"x": 80, "y": 30})
    phone.disconnect()
    back = evening.phone(token=phone.token)
    assert back.token == phone.token
    assert back.welcome["item"]["id"] == compass
    assert back.welcome["mine"] == {"x": 80, "y": 30}
    stranger = evening.phone()
    assert stranger.welcome["mine"] is None


def test_sync_returns_the_full_state(evening):
    evening.start()
    phone = evening.phone()
    arrive = evening.push("arrive")
    phone.pass_(arrive)
    state = phone.emit(events.SYNC)
    assert state["ok"] and state["item"]["id"] == arrive and state["mine"] == {"pass": True}


@pytest.mark.parametrize("payload, message", [
    ({"item_id": 999, "value": 1}, "no such poll"),
    ({"item_id": "arrive", "value": 1}, "whole number"),
    ({"value": 1}, "whole number"),
    ({"item_id": None, "value": 1}, "whole number"),
    ("just a string", "must be an object"),
    ({"item_id": "ARRIVE", "value": 7}, "one of the options"),
    ({"item_id": "ARRIVE", "value": 1, "extra": 1}, "Unknown field"),
    ({"item_id": "ARRIVE", "value": 1, "pass": True}, "not both"),
    ({"item_id": "ENERGY", "value": 1}, "not been opened"),
    ({"item_id": "WELCOME", "value": 1}, "nothing to answer"),
])
def test_bad_answers_get_a_clear_error_and_store_nothing(evening, payload, message):
    evening.start()
    phone = evening.phone()
    evening.push("welcome")
    evening.push("arrive")
    if isinstance(payload, dict) and isinstance(payload.get("item_id"), str) and payload["item_id"].isupper():
        payload = {**payload, "item_id": evening.item_id(payload["item_id"].lower())}
    ack = phone.emit(events.ANSWER, payload)
    assert ack["ok"] is False
    assert message.lower() in ack["error"].lower()
    assert all(evening.store.answered(item_id) == 0 for item_id in evening.room.items)
    assert evening.store.db.execute("SELECT COUNT(*) FROM ballots").fetchone()[0] == 0


@pytest.mark.parametrize("key, value", [
    ("arrive", 2), ("needs", [0, 3]), ("energy", 7), ("compass", {"x": 10, "y": 90}), ("feeling", "tired"),
    ("sentence", "Glad to be here."),
])
def test_every_kind_of_poll_takes_its_answer(evening, key, value):
    evening.start()
    phone = evening.phone()
    item_id = evening.push(key)
    assert phone.answer(item_id, value)["ok"]


def test_words_appear_only_after_the_facilitator_approves_them(evening):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    feeling = evening.push("feeling")
    for phone, word in zip(phones, ["Tired", "tired!", "hopeful"]):
        phone.answer(feeling, word)
    assert str(feeling) not in evening.console_state()["pending"]  # not while the poll is open
    evening.do(events.CLOSE_POLL, item_id=feeling)
    pending = evening.console_state()["pending"][str(feeling)]
    assert sorted((p["text"], p["count"]) for p in pending) == [("hopeful", 1), ("tired", 2)]
    evening.do(events.REVEAL_POLL, item_id=feeling)
    assert phones[0].last(events.ITEM)["item"]["result"]["words"] == []
    evening.do(events.MODERATE, item_id=feeling, text="tired", approved=True, export=False)
    assert phones[0].last(events.ITEM)["item"]["result"]["words"] == [{"word": "tired", "count": 2}]


def test_facilitator_adds_a_poll_on_the_spot_and_pushes_it(evening):
    evening.start()
    phone = evening.phone()
    answer = evening.do(events.ADD_ITEM, kind="choice", prompt="Stay ten minutes longer?",
                        options=["Yes", "No"], push=True)
    item = phone.last(events.ITEM)["item"]
    assert item["id"] == answer["item_id"] and item["options"] == ["Yes", "No"] and item["state"] == "open"


def test_facilitator_cannot_add_a_broken_poll(evening):
    evening.start()
    refused = evening.try_(events.ADD_ITEM, kind="scale", prompt="How much?", scale_min=10, scale_max=5)
    assert refused["ok"] is False and "scale" in refused["error"]
    assert len(evening.room.items) == 7


def test_start_refuses_a_floor_below_three(evening):
    refused = evening.try_(events.START_MEETING, deck="test-evening", floor=2)
    assert refused["ok"] is False and "lower than 3" in refused["error"]
    assert evening.room.meeting is None


def test_facilitator_actions_refuse_unknown_fields_and_wrong_types(evening):
    evening.start()
    for event, payload in [(events.PUSH_ITEM, {"item_id": "x"}), (events.PUSH_ITEM, {"id": 1}),
                           (events.REVEAL_POLL, {"item_id": 999}), (events.SET_NOTES, {"notes": 5})]:
        answer = evening.try_(event, **payload)
        assert answer["ok"] is False and answer["error"]
    assert evening.room.meeting["current_item"] is None


def test_phone_cannot_connect_to_the_facilitator_namespace_from_another_device(app):
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    refused = socketio.test_client(app, namespace=events.FACILITATOR_NS, flask_test_client=remote)
    assert not refused.is_connected(events.FACILITATOR_NS)
    keyed = socketio.test_client(app, namespace=events.FACILITATOR_NS, flask_test_client=remote,
                                 auth={"key": app.config["FACILITATOR_KEY"]})
    assert keyed.is_connected(events.FACILITATOR_NS)


def test_ending_the_meeting_tells_phones_and_kills_the_code(evening):
    code = evening.start()
    phone = evening.phone()
    evening.do(events.END_MEETING)
    assert phone.last(events.ENDED) == {}
    late = socketio.test_client(evening.app, namespace=events.PARTICIPANT_NS, auth={"code": code})
    assert not late.is_connected(events.PARTICIPANT_NS)


def test_restarted_server_resumes_the_meeting_with_every_answer(evening, data_dir):
    code = evening.start()
    phones = [evening.phone() for _ in range(3)]
    arrive = evening.push("arrive")
    for n, phone in enumerate(phones):
        phone.answer(arrive, n)
    evening.store.close()

    again = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "COUNT_INTERVAL": 0})
    try:
        room = again.extensions["fireside"].room
        assert room.meeting["join_code"] == code
        assert room.current["id"] == arrive and room.answered(room.current) == 3
        back = socketio.test_client(again, namespace=events.PARTICIPANT_NS,
                                    auth={"code": code, "token": phones[2].token})
        welcome = back.get_received(events.PARTICIPANT_NS)[0]["args"][0]
        assert welcome["mine"] == 2 and welcome["item"]["id"] == arrive
    finally:
        again.extensions["fireside"].store.close()


def _answer_for(item, n):
    """A valid answer of phone n to any kind of poll."""
    kind = item["kind"]
    return {
        "choice": n % len(item.get("options", [1])),
        "multi": [n % len(item.get("options", [1]))],
        "scale": item.get("scale", {}).get("min", 0),
        "compass": {"x": 20 * n, "y": 90 - 20 * n},
        "words": "steady",
        "text": "Glad I came.",
    }[kind]


@pytest.mark.parametrize("deck", [path.stem for path in prompts.builtin_deck_files()])
def test_a_built_in_deck_runs_end_to_end_through_the_console(evening, deck):
    evening.start(deck=deck)
    phones = [evening.phone() for _ in range(3)]
    for item_id in list(evening.room.order):
        evening.do(events.PUSH_ITEM, item_id=item_id)
        item = evening.room.items[item_id]
        assert phones[0].last(events.ITEM)["item"]["id"] == item_id
        if item["kind"] == "discussion":
            continue
        for n, phone in enumerate(phones):
            assert phone.answer(item_id, _answer_for(item, n))["ok"]
        evening.do(events.REVEAL_POLL, item_id=item_id)
        assert phones[2].last(events.ITEM)["item"]["result"]["shown"] is True
    evening.do(events.END_MEETING)
    assert evening.store.db.execute("SELECT COUNT(*) FROM ballots").fetchone()[0] == 0


def test_console_refuses_a_broken_deck_with_the_checkers_message(evening, data_dir):
    (data_dir / "decks" / "broken.toml").write_text('title = "Broken"\n[[items]]\nid = "a"\nkind = "poll"\n')
    refused = evening.try_(events.START_MEETING, deck="broken")
    assert refused["ok"] is False
    assert "broken.toml" in refused["error"] and "kind" in refused["error"]
    assert evening.room.meeting is None


def test_starting_a_meeting_answers_with_its_code_and_join_address(evening):
    answer = evening.do(events.START_MEETING, deck="test-evening")
    meeting = evening.room.meeting
    assert answer["meeting"] == {"id": meeting["id"], "code": meeting["join_code"],
                                 "join_url": f"http://fireside.test/j/{meeting['join_code']}"}
