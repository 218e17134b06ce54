"""Whether a phone has something to take back is the server's word, worked out from the ballots it has.

The phone used to keep a yes or no of its own beside its token. The server already knows: a ballot
under HMAC(meeting key, token + poll) for a poll whose answers nobody has read is exactly what
"Take back my answers" takes back. `welcome` and `sync` say so (`withdrawable`), to the holder of
the token only, and nothing is written or printed for it (docs/privacy.md, docs/protocol.md).
"""

import json
import logging
import sqlite3

import pytest
from conftest import SocketPhone, received_by
from test_browser import _a_phone_at_a_meeting

from facilitator import events, socketio

FLAG = "withdrawable"


def _again(evening, phone):
    """The same phone come back on a new connection (a reload, a sleeping screen): its welcome."""
    phone.disconnect()
    back = evening.phone(phone.token)
    assert back.token == phone.token
    return back


def _everything_but_the_hour(db_path):
    """Every table's name, columns and cells, and the schema, except the hour a meeting was last active.

    That hour is written when the hour changes, whatever a phone does (facilitator/idle.py): not this flag's.
    """
    conn = sqlite3.connect(db_path)
    try:
        parts = sorted(map(str, conn.execute("SELECT type, name, sql FROM sqlite_master")))
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [column[0] for column in cursor.description]
            rows = sorted(str([cell for name, cell in zip(columns, row) if name != "last_active"]) for row in cursor)
            parts.append(f"{table}: {columns}: {rows}")
        return "\n".join(parts)
    finally:
        conn.close()


def _keys(payload):
    """Every key anywhere in a payload."""
    if isinstance(payload, dict):
        return set(payload) | {key for value in payload.values() for key in _keys(value)}
    if isinstance(payload, list):
        return {key for value in payload for key in _keys(value)}
    return set()


def test_a_phone_that_answered_is_told_so_when_it_comes_back_and_another_is_not(evening):
    evening.start()
    phone, other = evening.phone(), evening.phone()
    assert phone.welcome[FLAG] is False and other.welcome[FLAG] is False  # nothing given yet
    arrive = evening.push("arrive")
    assert phone.answer(arrive, 1)["ok"]
    evening.push("welcome")  # on to a discussion: `mine` no longer says he answered
    back = _again(evening, phone)
    assert back.welcome["mine"] is None
    assert back.welcome[FLAG] is True
    assert back.emit(events.SYNC)[FLAG] is True
    assert _again(evening, other).welcome[FLAG] is False  # his answer is not another token's
    assert evening.phone().welcome[FLAG] is False  # nor a newcomer's


def test_a_pass_is_something_to_take_back_too(evening):
    evening.start()
    phone = evening.phone()
    needs = evening.push("needs")
    assert phone.pass_(needs)["ok"]
    evening.do(events.CLEAR_ITEM)
    assert _again(evening, phone).welcome[FLAG] is True


def test_after_taking_back_there_is_nothing_left_to_offer(evening):
    evening.start()
    phone = evening.phone()
    arrive, energy = evening.push("arrive"), evening.push("energy")
    assert phone.answer(arrive, 0)["ok"] and phone.pass_(energy)["ok"]
    assert phone.emit(events.SYNC)[FLAG] is True
    assert phone.emit(events.WITHDRAW)["withdrawn"] == 2
    assert phone.emit(events.SYNC)[FLAG] is False
    back = _again(evening, phone)
    assert back.welcome[FLAG] is False
    assert back.answer(energy, 4)["ok"]  # he answers again: something to take back again
    assert _again(evening, back).welcome[FLAG] is True


@pytest.mark.parametrize("key, value", [("arrive", 2), ("sentence", "A line he wrote tonight")])
def test_what_the_room_or_the_facilitator_has_read_is_not_offered(evening, key, value):
    """A revealed answer, or a sentence on a drawn review list, stays when he takes back: no button for it."""
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    item_id = evening.push(key)
    for n, phone in enumerate(phones):
        assert phone.answer(item_id, value if n == 0 else f"{value} {n}" if isinstance(value, str) else n)["ok"]
    assert phones[0].emit(events.SYNC)[FLAG] is True
    evening.do(events.CLOSE_POLL, item_id=item_id)  # a sentence's review list is drawn at its close
    if key == "arrive":
        evening.do(events.REVEAL_POLL, item_id=item_id)
    assert _again(evening, phones[0]).welcome[FLAG] is False
    assert phones[1].emit(events.WITHDRAW)["withdrawn"] == 0  # the flag said what withdraw does


def test_an_answer_to_a_reopened_words_poll_is_acknowledged_as_one_that_stays(evening):
    """Read from its first close, a reopened words poll keeps what is given to it: its ack says so at
    once, so the page never offers to take it back (the flag from the ballots says the same)."""
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    arrive = evening.push("arrive")
    assert phones[0].answer(arrive, 1)[FLAG] is True  # nobody has read it: taking back takes it
    feeling = evening.push("feeling")
    for phone, word in zip(phones, ("tired", "hopeful", "calm")):
        assert phone.answer(feeling, word)[FLAG] is True
    evening.do(events.CLOSE_POLL, item_id=feeling)
    evening.do(events.OPEN_POLL, item_id=feeling, confirm=True)
    latecomer = evening.phone()
    assert latecomer.answer(feeling, "alone")[FLAG] is False
    assert latecomer.emit(events.SYNC)[FLAG] is False  # the ack and the ballots say one thing
    assert phones[1].answer(feeling, "steady")[FLAG] is False  # a change, too, stays
    assert latecomer.emit(events.WITHDRAW)["withdrawn"] == 0


def test_the_answer_that_draws_a_live_picture_is_acknowledged_as_one_that_stays(evening):
    """In live mode the k-th answer draws the room's first picture: it is then among what the room saw,
    and its own ack must not offer to take it back (the flag from the ballots says so too)."""
    evening.start(live_results=True)
    phones = [evening.phone() for _ in range(3)]
    arrive = evening.push("arrive")
    assert [phone.answer(arrive, n)[FLAG] for n, phone in enumerate(phones)] == [True, True, False]
    assert evening.room.items[arrive]["result"]["shown"]
    assert phones[2].emit(events.SYNC)[FLAG] is False
    assert phones[0].emit(events.WITHDRAW)["withdrawn"] == 0


def test_the_flag_is_asked_of_the_connections_own_token_only_and_reaches_no_one_else(evening, app):
    evening.start()
    screen = socketio.test_client(app, namespace=events.FACILITATOR_NS, auth={"view": "screen"},
                                  flask_test_client=app.test_client())
    phone, other = evening.phone(), evening.phone()
    arrive = evening.push("arrive")
    assert phone.answer(arrive, 1)["ok"]
    # sync names no token: one that tries is refused, and its own answer stays its own.
    refused = other.emit(events.SYNC, {"token": phone.token})
    assert refused["ok"] is False and FLAG not in refused
    assert other.emit(events.SYNC)[FLAG] is False
    back = _again(evening, phone)
    assert back.welcome[FLAG] is True
    # Neither the console nor the projector, nor the other phone, ever heard of it.
    for client in (evening.console, screen, other.client):
        namespace = events.PARTICIPANT_NS if client is other.client else events.FACILITATOR_NS
        heard = [m["args"][0] if m["args"] else None for m in received_by(client, namespace)]
        assert heard and FLAG not in {key for payload in heard for key in _keys(payload)}
    assert FLAG not in json.dumps(evening.room.console_payload("http://x/", 2))
    assert FLAG not in json.dumps(evening.room.screen_payload("http://x/", 2))
    screen.disconnect(namespace=events.FACILITATOR_NS)


def test_telling_a_phone_writes_nothing_to_the_database_and_prints_nothing(evening, data_dir, caplog, capfd):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    arrive = evening.push("arrive")
    for n, phone in enumerate(phones):
        assert phone.answer(arrive, n)["ok"]
    evening.store.flush()
    before = _everything_but_the_hour(data_dir / "fireside.db")
    capfd.readouterr()
    with caplog.at_level(logging.DEBUG):
        told = []
        for phone in phones:
            back = _again(evening, phone)
            told += [back.welcome[FLAG], back.emit(events.SYNC)[FLAG]]
        assert told == [True] * 6
    evening.store.flush()
    assert _everything_but_the_hour(data_dir / "fireside.db") == before
    printed = capfd.readouterr()
    assert printed.out == "" and printed.err == ""
    assert [r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("facilitator", "participant")] == []
    raw = b"".join(p.read_bytes() for p in sorted(data_dir.glob("fireside.db*")))
    for phone in phones:
        assert phone.token.encode() not in raw


def test_a_reloaded_phone_still_offers_take_back_and_keeps_only_its_token(browser, server):
    """The laptop's word, not the page's: the browser keeps the token and nothing beside it."""
    from playwright.sync_api import expect

    console, code, phone, _ = _a_phone_at_a_meeting(browser, server)
    withdraw = phone.locator("#withdraw-btn")
    mode = phone.locator("#screen-item")
    expect(withdraw).to_be_hidden()
    console.push("arrive")
    phone.click('label.option[data-index="1"]')
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    expect(withdraw).to_be_visible()  # from the answer's acknowledgement, no reconnect needed
    console.push("welcome")  # on to a discussion: the page no longer sees his answer
    expect(mode).to_have_attribute("data-mode", "discussion")
    phone.reload()
    expect(mode).to_have_attribute("data-mode", "discussion")
    expect(withdraw).to_be_visible()  # from welcome
    stored = phone.evaluate("[Object.keys(localStorage), Object.keys(sessionStorage)]")
    assert stored == [[f"fireside:{code}"], []]
    token = phone.evaluate(f"localStorage.getItem('fireside:{code}')")

    # The same token takes its answers back elsewhere (another tab): the page follows the laptop.
    elsewhere = SocketPhone(server.url, code, token=token)
    assert elsewhere.call(events.WITHDRAW, {})["withdrawn"] == 1
    phone.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # a sleeping screen wakes: sync
    expect(withdraw).to_be_hidden()
    phone.reload()
    expect(mode).to_have_attribute("data-mode", "discussion")  # welcomed
    expect(withdraw).to_be_hidden()
    needs = console.push("needs")
    assert elsewhere.call(events.ANSWER, {"item_id": needs, "pass": True})["ok"]
    console.push("welcome")
    phone.reload()
    expect(mode).to_have_attribute("data-mode", "discussion")
    expect(withdraw).to_be_visible()
    assert phone.evaluate("[Object.keys(localStorage), Object.keys(sessionStorage)]") == [[f"fireside:{code}"], []]
    elsewhere.close()
    console.close()


def test_once_the_room_sees_his_answer_revealed_the_open_page_stops_offering_take_back(browser, server):
    """A revealed answer stays: a button still there would only lead to "There was nothing to take back".

    Answered on this page, the reveal alone hides it; answered before a reload (the page then knows
    only the laptop's yes), the reveal makes the page ask the laptop again.
    """
    from playwright.sync_api import expect

    console, code, phone, _ = _a_phone_at_a_meeting(browser, server)
    withdraw = phone.locator("#withdraw-btn")
    others = [SocketPhone(server.url, code) for _ in range(3)]
    arrive = console.push("arrive")
    phone.click('label.option[data-index="1"]')
    phone.click("#send-btn")
    expect(withdraw).to_be_visible()
    console.answered_and_revealed(arrive, others, [0, 1, 2])
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "revealed")
    expect(withdraw).to_be_hidden()

    needs = console.push("needs")
    phone.locator("#screen-item label.option").first.click()
    phone.click("#send-btn")
    expect(withdraw).to_be_visible()
    phone.reload()  # the page now knows only that the laptop holds something of his
    expect(withdraw).to_be_visible()
    console.answered_and_revealed(needs, others, [[0], [1], [2]])
    expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "revealed")
    expect(withdraw).to_be_hidden(timeout=8000)  # after the page asked again, within a few seconds
    for other in others:
        other.close()
    console.close()


def test_an_answer_to_a_reopened_words_poll_never_brings_take_back_on_the_page(browser, server):
    """The facilitator read the words at the first close: a latecomer's word given after the reopen
    stays, and the page says nothing of taking it back, not even until its next sync."""
    from playwright.sync_api import expect

    console, code, phone, _ = _a_phone_at_a_meeting(browser, server)
    others = [SocketPhone(server.url, code) for _ in range(3)]
    feeling = console.push("feeling")
    for other, word in zip(others, ("tired", "hopeful", "calm")):
        assert other.call(events.ANSWER, {"item_id": feeling, "value": word})["ok"]
    console.do(events.CLOSE_POLL, item_id=feeling)
    console.do(events.OPEN_POLL, item_id=feeling, confirm=True)
    phone.fill("#words-input", "alone")
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    expect(phone.locator("#withdraw-btn")).to_be_hidden()
    phone.click("#change-btn")  # and a change of it stays too
    phone.fill("#words-input", "steady")
    phone.click("#send-btn")
    expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
    expect(phone.locator("#withdraw-btn")).to_be_hidden()
    for other in others:
        other.close()
    console.close()


def _what_a_probe_learns(evening, latecomer_passes):
    """A spare phone passes on a words poll; two answer, one passes; close; a latecomer taps; close again.

    Returns everything the spare phone is told of itself on the way: its `withdrawable` after each
    close (through sync), the item it is shown, and what taking its answers back then says.
    """
    evening.start()
    feeling = evening.push("feeling")
    probe = evening.phone()
    assert probe.pass_(feeling)["ok"]
    for phone, tap in zip([evening.phone() for _ in range(3)], ("tired", "hopeful", None)):
        assert (phone.pass_(feeling) if tap is None else phone.answer(feeling, tap))["ok"]
    evening.do(events.CLOSE_POLL, item_id=feeling)
    seen = [probe.emit(events.SYNC)[FLAG]]
    evening.do(events.OPEN_POLL, item_id=feeling)  # below the floor, no review list: no confirmation asked
    latecomer = evening.phone()
    assert (latecomer.pass_(feeling) if latecomer_passes else latecomer.answer(feeling, "alone"))["ok"]
    evening.do(events.CLOSE_POLL, item_id=feeling)
    sync = probe.emit(events.SYNC)
    seen += [sync[FLAG], sync["item"], sync["mine"]]
    withdrawn = probe.emit(events.WITHDRAW)
    return seen + [withdrawn.get("withdrawn"), withdrawn.get("kept_items")]


def test_nothing_a_phone_is_told_of_itself_says_whether_a_latecomer_passed(evening, data_dir, migrated_database,
                                                                           tmp_path):
    """A words poll's review list is drawn at a close only once k men wrote: were "read" to wait for it, a
    phone's own `withdrawable` (and what withdraw keeps) would flip when a latecomer's tap was an answer
    and not when it was a pass. From its first close such a poll counts as read, whatever was written."""
    from conftest import Evening, make_app, make_data_dir

    answered = _what_a_probe_learns(evening, latecomer_passes=False)
    other = make_app(make_data_dir(tmp_path / "other"), migrated_database)
    try:
        passed = _what_a_probe_learns(Evening(other), latecomer_passes=True)
    finally:
        other.extensions["fireside"].store.close()
    assert answered == passed
    assert answered[:2] == [False, False]  # the poll closed: his pass there stays, as a written answer would
