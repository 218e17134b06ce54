"""Only the facilitator steers, and nobody gets in without the code: every refusal, proved.

Other devices are played through the test client's REMOTE_ADDR seam (192.0.2.x is TEST-NET-1:
never routed, and no packet ever leaves this machine). Cross-origin and oversized messages are
tried against a real server on 127.0.0.1, because the test client skips the HTTP layer.
"""

import contextlib
import gc
import http.client
import json
import math
import os
import re
import sqlite3
import stat
import time
import urllib.error
import urllib.request
import warnings

import pytest
from conftest import (
    TEST_DECK,
    Evening,
    RunningServer,
    SocketConsole,
    SocketPhone,
    real_client,
)
from flask_socketio import ConnectionRefusedError

import participant.handlers
from facilitator import access, create_app, events, handlers, limits, rules, socketio
from facilitator.instance import DataDirError, load_secrets

REMOTE = "192.0.2.44"
OTHER_REMOTE = "192.0.2.45"
FACILITATOR_EVENTS = [events.START_MEETING, events.END_MEETING, events.PUSH_ITEM, events.CLEAR_ITEM,
                      events.OPEN_POLL, events.CLOSE_POLL, events.REVEAL_POLL, events.REOPEN_POLL,
                      events.ADD_ITEM, events.MODERATE, events.MODERATE_ALL, events.SET_NOTES, events.ROOM_CHOOSE]


# --- helpers --------------------------------------------------------------------------------------

def remote(app, address=REMOTE, **headers):
    """An HTTP test client that looks like another device on the Wi-Fi."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if headers:
        client.environ_base.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    return client


def console_from(app, flask_client, auth=None, headers=None):
    """A facilitator-namespace connection through a given HTTP client."""
    return socketio.test_client(app, namespace=events.FACILITATOR_NS, flask_test_client=flask_client,
                                auth=auth, headers=headers)


def phone_from(app, address, code, token=None):
    """A phone connection from a given address; returns the test client (connected or not)."""
    auth = {"code": code, **({"token": token} if token else {})}
    return socketio.test_client(app, namespace=events.PARTICIPANT_NS, flask_test_client=remote(app, address),
                                auth=auth)


def dump(store):
    """Every row of every table, to compare the database before and after."""
    with store._lock:
        names = [row[0] for row in store.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: sorted(map(repr, store.db.execute(f'SELECT * FROM "{name}"').fetchall())) for name in names}


@pytest.fixture
def refusals(monkeypatch):
    """Every sentence a refused connection is told, in order."""
    said = []

    class Spy(ConnectionRefusedError):
        def __init__(self, *args):
            said.append(args[0] if args else "")
            super().__init__(*args)

    monkeypatch.setattr(participant.handlers, "ConnectionRefusedError", Spy)
    monkeypatch.setattr(handlers, "ConnectionRefusedError", Spy)
    return said


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, under the test's control."""
    now = [1000.0]
    monkeypatch.setattr(limits, "clock", lambda: now[0])
    return now


# --- 1. authority: pages ------------------------------------------------------------------------------

PAGES = ["/facilitator", "/screen", "/facilitator/qr.svg"]


@pytest.mark.parametrize("path", PAGES)
def test_facilitator_pages_answer_the_laptop_itself(evening, client, path):
    evening.start()
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_facilitator_pages_refuse_another_device_without_the_right_key(evening, app, path):
    evening.start()
    key = app.config["FACILITATOR_KEY"]
    device = remote(app)
    assert device.get(path).status_code == 403
    for wrong in ["", "x", key[:-1], key + "x", key.upper() if key.upper() != key else key.lower()]:
        assert device.get(path, query_string={"key": wrong}).status_code == 403, wrong
    assert device.get(path, query_string={"key": key}).status_code == 200


def test_the_refusal_page_says_how_to_get_in(app):
    page = remote(app).get("/facilitator")
    assert page.status_code == 403
    assert "co-facilitator" in page.get_data(as_text=True).lower()


FORWARDED = [
    {"X-Forwarded-For": "127.0.0.1"},
    {"X-Forwarded-For": "127.0.0.1, 127.0.0.1"},
    {"X-Real-IP": "127.0.0.1"},
    {"Forwarded": "for=127.0.0.1;host=localhost;proto=http"},
    {"X-Forwarded-Host": "localhost", "X-Forwarded-For": "::1"},
    {"X-Client-IP": "127.0.0.1", "True-Client-IP": "127.0.0.1", "CF-Connecting-IP": "127.0.0.1"},
]


@pytest.mark.parametrize("headers", FORWARDED)
def test_a_forwarded_for_header_from_another_device_does_not_make_it_the_laptop(app, headers):
    device = remote(app, **headers)
    for path in PAGES[:2]:
        assert device.get(path).status_code == 403
    refused = console_from(app, remote(app), headers=headers)
    assert not refused.is_connected(events.FACILITATOR_NS)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example",
                                  "localhost.evil.example:8765", "fireside.test"])
def test_a_web_page_that_rebinds_its_name_to_the_laptop_is_refused(app, host):
    """DNS rebinding: a site re-points its own name at 127.0.0.1; the request comes from loopback."""
    page = app.test_client().get("/facilitator", headers={"Host": host})
    assert page.status_code == 403
    refused = console_from(app, app.test_client(), headers={"Host": host})
    assert not refused.is_connected(events.FACILITATOR_NS)


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "localhost", "[::1]:8765",
                                  "LOCALHOST.", "192.168.1.20:8765", "app.localhost:8765"])
def test_the_laptop_by_its_own_names_is_the_laptop(app, host):
    assert app.test_client().get("/facilitator", headers={"Host": host}).status_code == 200
    assert access.names_this_laptop(host)


def test_loopback_addresses_and_nothing_else_are_the_laptop():
    for address in ["127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"]:
        assert access.is_loopback(address), address
    for address in ["192.0.2.44", "10.0.0.1", "::ffff:192.0.2.1", "", None, "fe80::1", "0.0.0.0"]:
        assert not access.is_loopback(address), address


# --- 1. authority: the facilitator namespace -----------------------------------------------------------

@pytest.mark.parametrize("auth", [None, {}, {"key": ""}, {"key": "guess"}, {"key": None}, {"key": 12345},
                                  {"key": ["KEY"]}, {"key": {"key": "KEY"}}, {"key": "KEY-"},
                                  {"key": "KEY"[:-1]}, "KEY", ["KEY"]])
def test_facilitator_namespace_refuses_another_device_without_the_key(app, auth, refusals):
    key = app.config["FACILITATOR_KEY"]
    auth = json.loads(json.dumps(auth).replace('"KEY"', json.dumps(key)).replace('"KE"', json.dumps(key[:-1])))
    refused = console_from(app, remote(app), auth=auth)
    assert not refused.is_connected(events.FACILITATOR_NS)
    assert refusals and "facilitator" in refusals[-1]


def test_facilitator_namespace_lets_in_a_co_facilitator_with_the_key(app):
    keyed = console_from(app, remote(app), auth={"key": app.config["FACILITATOR_KEY"], "view": "screen"})
    assert keyed.is_connected(events.FACILITATOR_NS)


@pytest.mark.parametrize("auth", [{"view": "admin"}, {"view": 1}, {"view": "console", "role": "boss"}])
def test_facilitator_namespace_refuses_unknown_views_and_fields(app, auth):
    assert not console_from(app, app.test_client(), auth=auth).is_connected(events.FACILITATOR_NS)


def test_a_phone_cannot_trigger_any_facilitator_action(evening):
    code = evening.start()
    arrive = evening.push("arrive")
    phone = evening.phone()
    before = dump(evening.store)
    payloads = {events.START_MEETING: {"deck": "test-evening"}, events.PUSH_ITEM: {"item_id": arrive},
                events.REVEAL_POLL: {"item_id": arrive}, events.CLOSE_POLL: {"item_id": arrive},
                events.ADD_ITEM: {"kind": "choice", "prompt": "x", "options": ["a", "b"], "push": True},
                events.SET_NOTES: {"notes": "hacked"}}
    for event in FACILITATOR_EVENTS:
        answer = phone.emit(event, payloads.get(event, {}))
        assert answer["ok"] is False and "Phones can only" in answer["error"], event
    assert dump(evening.store) == before
    assert evening.room.meeting["join_code"] == code and evening.room.items[arrive]["state"] == "open"


# --- 1. join codes ------------------------------------------------------------------------------------

def test_join_codes_are_random_unambiguous_and_carry_more_than_30_bits():
    confusable = set("0O1IL5S2Z8B")
    assert not confusable & set(rules.CODE_ALPHABET)
    assert len(set(rules.CODE_ALPHABET)) == len(rules.CODE_ALPHABET)
    assert rules.CODE_LENGTH * math.log2(len(rules.CODE_ALPHABET)) >= 30
    codes = [rules.new_join_code() for _ in range(3000)]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[%s]{4}-[%s]{4}" % ((rules.CODE_ALPHABET,) * 2), c) for c in codes)
    seen = [ch for c in codes for ch in c.replace("-", "")]
    assert set(seen) == set(rules.CODE_ALPHABET)
    # Every letter in every place about equally often (25 letters, 3000 codes: ~120 each).
    for position in range(rules.CODE_LENGTH):
        column = [c.replace("-", "")[position] for c in codes]
        assert max(column.count(ch) for ch in rules.CODE_ALPHABET) < 200


def test_the_code_is_forgiving_about_case_and_dash(evening):
    code = evening.start()
    for typed in [code.lower(), code.replace("-", ""), f" {code} ", code.replace("-", " ")]:
        assert evening.room.code_matches(typed)


def test_codes_die_when_the_meeting_ends_and_the_next_meeting_has_a_new_one(evening, client):
    old = evening.start()
    assert client.get(f"/j/{old}").status_code == 200
    evening.do(events.END_MEETING)
    assert client.get(f"/j/{old}").status_code == 410  # gone: "this meeting has ended" (test_arrivals.py)
    assert not phone_from(evening.app, REMOTE, old).is_connected(events.PARTICIPANT_NS)
    new = evening.start()
    assert new != old
    assert not phone_from(evening.app, REMOTE, old).is_connected(events.PARTICIPANT_NS)
    assert phone_from(evening.app, REMOTE, new).is_connected(events.PARTICIPANT_NS)
    row = evening.store.db.execute("SELECT join_code, meeting_key FROM meetings ORDER BY id").fetchall()
    assert row[0] == (None, None) and row[1][0] == new and len(row[1][1]) == 64


def test_ending_the_meeting_disconnects_every_phone_after_telling_it(evening):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    evening.do(events.END_MEETING)
    for phone in phones:
        assert phone.last(events.ENDED) == {}
        assert not phone.client.is_connected(events.PARTICIPANT_NS)
    assert evening.app.extensions["fireside"].phones_here == 0


def _attempt(phone, event, payload):
    """A real phone's call, or None when the server no longer lets it be heard at all."""
    import socketio as sio_client

    try:
        return phone.call(event, payload, timeout=2)
    except (sio_client.exceptions.BadNamespaceError, sio_client.exceptions.TimeoutError):
        return None


def test_a_phone_that_ignores_ended_cannot_sync_or_answer_in_the_next_meeting(server):
    console = SocketConsole(server.url)
    first = console.start()["meeting"]["code"]
    phone = SocketPhone(server.url, first)  # it records `ended` and does nothing about it
    console.do(events.END_MEETING)
    phone.wait_for(events.ENDED)
    told = len(phone.events)
    console.start()
    arrive = console.push("arrive")

    synced = _attempt(phone, events.SYNC, {})
    answered = _attempt(phone, events.ANSWER, {"item_id": arrive, "value": 0})
    assert not (synced or {}).get("ok") and not (answered or {}).get("ok"), (synced, answered)
    assert [name for name, payload in phone.events[told:] if name == events.ITEM and payload["item"]] == []
    state = console.wait_for(lambda s: s["meeting"] is not None)
    assert state["phones"] == 0 and [i["answered"] for i in state["agenda"] if i["id"] == arrive] == [0]


def test_packets_a_phone_writes_itself_for_the_facilitators_namespace_are_ignored(server, data_dir):
    """Over the wire, as a script on a phone would: facilitator events on the phone's own connection."""
    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    arrive = console.push("arrive")
    phone = SocketPhone(server.url, code)

    def meeting():
        with contextlib.closing(sqlite3.connect(data_dir / "fireside.db", timeout=5)) as conn:
            return (conn.execute("SELECT id, status, join_code, current_item FROM meetings").fetchall(),
                    conn.execute("SELECT id, state, position FROM items ORDER BY id").fetchall(),
                    conn.execute("SELECT COUNT(*) FROM ballots").fetchall())

    before = meeting()
    payloads = {events.PUSH_ITEM: {"item_id": arrive}, events.REVEAL_POLL: {"item_id": arrive},
                events.ADD_ITEM: {"kind": "choice", "prompt": "x", "options": ["a", "b"], "push": True}}
    for event in FACILITATOR_EVENTS:  # an EVENT packet for the facilitator's namespace, asking for an ack
        phone.client.eio.send(f"2{events.FACILITATOR_NS},7{json.dumps([event, payloads.get(event, {})])}")
    # A phone's events are taken in turn: once this is answered, every packet before it was read.
    assert phone.call(events.SYNC, {})["ok"]
    assert meeting() == before
    assert console.states[-1]["meeting"]["code"] == code
    assert [i["state"] for i in console.states[-1]["agenda"] if i["id"] == arrive] == ["open"]
    assert phone.client.connected  # ignored, not a reason to drop a phone that may have been fooled


def test_a_phone_event_from_an_ended_meetings_connection_is_refused_and_dropped(evening):
    evening.start()
    phone = evening.phone()
    # The meeting ends, and the next one begins, without the phones being told (as one that
    # ended itself after hours of silence would): the old connection is still open.
    evening.room.end_meeting()
    evening.room.start_meeting("test-evening")
    arrive = evening.item_id("arrive")
    evening.room.push_item(arrive)

    refused = phone.answer(arrive, 0)
    assert refused == {"ok": False, "error": participant.handlers.FROM_ANOTHER_MEETING}
    assert "QR code" in refused["error"]
    deadline = time.monotonic() + 5
    while phone.client.is_connected(events.PARTICIPANT_NS) and time.monotonic() < deadline:
        time.sleep(0.01)  # the connection is dropped once the refusal has gone out
    assert not phone.client.is_connected(events.PARTICIPANT_NS)
    assert evening.store.db.execute("SELECT COUNT(*) FROM ballots").fetchone() == (0,)
    assert evening.app.extensions["fireside"].phones_here == 0


def test_starting_a_meeting_drops_a_phone_still_connected_from_an_earlier_one(evening):
    evening.start()
    phone = evening.phone()
    phone.received()
    evening.room.end_meeting()  # ended without the phones being told, as one that ended itself would be
    evening.start()
    evening.push("arrive")
    assert not phone.client.is_connected(events.PARTICIPANT_NS)
    assert phone.received() == []  # not a word of the new meeting reached it


# --- 3. joins and code guesses per address -------------------------------------------------------------

def test_code_guesses_are_limited_per_address(evening, refusals, clock):
    code = evening.start()
    app = evening.app
    for n in range(app.config["JOIN_GUESSES_PER_MINUTE"]):
        guess = phone_from(app, REMOTE, f"AAAA-{n:04d}")
        assert not guess.is_connected(events.PARTICIPANT_NS)
        assert "isn't the one" in refusals[-1]
    # Now even the right code is refused from that address, with a sentence saying why...
    assert not phone_from(app, REMOTE, code).is_connected(events.PARTICIPANT_NS)
    assert refusals[-1] == limits.TOO_MANY_GUESSES
    # ...while every other phone in the room joins as usual.
    assert phone_from(app, OTHER_REMOTE, code).is_connected(events.PARTICIPANT_NS)
    clock[0] += limits.WINDOW
    assert phone_from(app, REMOTE, code).is_connected(events.PARTICIPANT_NS)


def test_the_join_page_counts_as_a_guess_too(evening, refusals, clock):
    code = evening.start()
    device = remote(evening.app)
    for n in range(evening.app.config["JOIN_GUESSES_PER_MINUTE"]):
        assert device.get(f"/j/AAAA-{n:04d}").status_code == 404
    page = device.get(f"/j/{code}")
    assert page.status_code == 429 and "Too many wrong codes" in page.get_data(as_text=True)
    assert not phone_from(evening.app, REMOTE, code).is_connected(events.PARTICIPANT_NS)
    assert remote(evening.app, OTHER_REMOTE).get(f"/j/{code}").status_code == 200
    clock[0] += limits.WINDOW
    assert device.get(f"/j/{code}").status_code == 200


def test_a_phone_coming_back_is_limited_per_phone_but_not_from_the_laptop(evening, refusals, clock):
    code = evening.start()
    app = evening.app
    returns = app.config["RETURNS_PER_PHONE_PER_MINUTE"]
    token = phone_from(app, REMOTE, code).get_received(events.PARTICIPANT_NS)[0]["args"][0]["token"]
    other = phone_from(app, REMOTE, code).get_received(events.PARTICIPANT_NS)[0]["args"][0]["token"]
    for _ in range(returns):  # coming back with its token: no new phone, but a return
        assert phone_from(app, REMOTE, code, token).is_connected(events.PARTICIPANT_NS)
    assert not phone_from(app, REMOTE, code, token).is_connected(events.PARTICIPANT_NS)
    assert refusals[-1] == limits.TOO_MANY_JOINS
    # Another phone behind the same address has its own count...
    assert phone_from(app, REMOTE, code, other).is_connected(events.PARTICIPANT_NS)
    for _ in range(returns + 5):  # ...and the laptop itself (benchmarks, tests) has none
        assert evening.phone().client.is_connected(events.PARTICIPANT_NS)
    clock[0] += limits.WINDOW
    assert phone_from(app, REMOTE, code, token).is_connected(events.PARTICIPANT_NS)


def _welcome(client):
    """The welcome a phone's test client received when it joined."""
    return next(m["args"][0] for m in client.get_received(events.PARTICIPANT_NS) if m["name"] == events.WELCOME)


def test_a_room_behind_one_address_comes_back_at_once_with_its_answers_while_a_guesser_there_is_stopped(
        evening, refusals, clock, monkeypatch):
    """A venue NAT: every phone reaches the laptop from one address; after a Wi-Fi drop all come back at once."""
    code = evening.start()
    app = evening.app
    monkeypatch.setattr(app.extensions["fireside"].limits, "joins", 40)  # the default, 1,200, is reached the same way
    arrive = evening.push("arrive")
    tokens, mine = [], {}
    for batch in range(2):  # 60 phones, as fast as new phones may join from one address
        for _ in range(app.config["NEW_PHONES_PER_MINUTE"]):
            phone = phone_from(app, REMOTE, code)
            token = _welcome(phone)["token"]
            tokens.append(token)
            if len(tokens) % 2:  # half of them answer before the drop
                mine[token] = len(tokens) % 3
                ack = phone.emit(events.ANSWER, {"item_id": arrive, "value": mine[token]},
                                 namespace=events.PARTICIPANT_NS, callback=True)
                assert ack["ok"]
            phone.disconnect(namespace=events.PARTICIPANT_NS)  # the Wi-Fi drops
        clock[0] += limits.WINDOW
    # Someone behind the same address guesses codes, and is stopped...
    for n in range(app.config["JOIN_GUESSES_PER_MINUTE"]):
        assert not phone_from(app, REMOTE, f"AAAA-{n:04d}").is_connected(events.PARTICIPANT_NS)
    for guess in ("AAAA-9999", code):
        assert not phone_from(app, REMOTE, guess).is_connected(events.PARTICIPANT_NS)
        assert refusals[-1] == limits.TOO_MANY_GUESSES
    assert not phone_from(app, REMOTE, code, rules.new_token()).is_connected(events.PARTICIPANT_NS)
    assert refusals[-1] == limits.TOO_MANY_GUESSES  # a made-up token is no way past it
    # ...while the whole room comes back in the same second, each phone to the open poll and its own answer.
    back = [phone_from(app, REMOTE, code, token) for token in tokens]
    assert all(phone.is_connected(events.PARTICIPANT_NS) for phone in back)
    for token, phone in zip(tokens, back):
        welcome = _welcome(phone)
        assert welcome["item"]["id"] == arrive and welcome["item"]["state"] == "open"
        assert welcome["mine"] == mine.get(token)
    assert evening.room.meeting["phones_joined"] == len(tokens)


def test_a_room_of_1000_behind_one_address_may_open_its_sessions_at_once_but_not_a_script_without_end(app):
    """The handshake bounds as configured: a NAT'd hall comes back in one go; one address never fills the laptop."""
    book = limits.Handshakes(app.config)
    hall = 1000
    old = []
    for n in range(hall):  # the room as it was before the Wi-Fi dropped: joined, still open until their ping timeout
        handshake, refusal = book.admit(REMOTE)
        assert refusal is None
        book.opened(handshake, f"old-{n}")
        book.joined(handshake)
        old.append(handshake)
    back = [book.admit(REMOTE) for _ in range(hall)]  # every phone again, in the same second
    assert all(refusal is None for _, refusal in back)
    # A script from that address, never joining, is held to its bound and leaves room for everyone else.
    while book.admit(REMOTE)[1] is None:
        pass
    assert book.unjoined(REMOTE) == app.config["UNJOINED_PER_ADDRESS"] < app.config["UNJOINED_TOTAL"]
    assert book.admit(OTHER_REMOTE)[1] is None


def test_new_phones_are_limited_per_address_apart_from_phones_coming_back(evening, refusals, clock):
    code = evening.start()
    app = evening.app
    room = evening.room
    first = phone_from(app, REMOTE, code)
    token = first.get_received(events.PARTICIPANT_NS)[0]["args"][0]["token"]
    for _ in range(app.config["NEW_PHONES_PER_MINUTE"] - 1):
        assert phone_from(app, REMOTE, code).is_connected(events.PARTICIPANT_NS)
    assert room.meeting["phones_joined"] == app.config["NEW_PHONES_PER_MINUTE"]
    # One more new phone from that address is refused, whatever its code, with a sentence...
    assert not phone_from(app, REMOTE, code).is_connected(events.PARTICIPANT_NS)
    assert refusals[-1] == limits.TOO_MANY_NEW_PHONES
    assert not phone_from(app, REMOTE, "AAAA-AAAA").is_connected(events.PARTICIPANT_NS)
    assert refusals[-1] == limits.TOO_MANY_NEW_PHONES
    # ...and so is a made-up token, which would count as a new phone just the same...
    assert not phone_from(app, REMOTE, code, rules.new_token()).is_connected(events.PARTICIPANT_NS)
    assert refusals[-1] == limits.TOO_MANY_NEW_PHONES
    assert room.meeting["phones_joined"] == app.config["NEW_PHONES_PER_MINUTE"]
    # ...while a phone coming back with its token gets in, and so do new phones elsewhere.
    assert phone_from(app, REMOTE, code, token).is_connected(events.PARTICIPANT_NS)
    assert phone_from(app, OTHER_REMOTE, code).is_connected(events.PARTICIPANT_NS)
    clock[0] += limits.WINDOW
    assert phone_from(app, REMOTE, code).is_connected(events.PARTICIPANT_NS)
    assert room.meeting["phones_joined"] == app.config["NEW_PHONES_PER_MINUTE"] + 2


def test_a_phone_counts_once_here_however_many_connections_it_opens(evening):
    code = evening.start()
    app = evening.app
    here = lambda: app.extensions["fireside"].phones_here  # noqa: E731
    first = phone_from(app, REMOTE, code)
    token = first.get_received(events.PARTICIPANT_NS)[0]["args"][0]["token"]
    again = [phone_from(app, REMOTE, code, token) for _ in range(5)]  # tabs, or a script
    other = phone_from(app, OTHER_REMOTE, code)
    counts = [m["args"][0]["phones"] for m in evening.console.get_received(events.FACILITATOR_NS)
              if m["name"] == events.COUNT]
    assert here() == 2 and counts[-1] == 2 and max(counts) == 2
    assert evening.room.meeting["phones_joined"] == 2
    for client in [first, *again[:-1]]:
        client.disconnect(namespace=events.PARTICIPANT_NS)
    assert here() == 2  # one of its connections is still here
    again[-1].disconnect(namespace=events.PARTICIPANT_NS)
    other.disconnect(namespace=events.PARTICIPANT_NS)
    assert here() == 0


def test_guess_counts_live_in_memory_only_and_are_bounded(evening, monkeypatch, caplog, clock):
    evening.start()
    monkeypatch.setattr(limits, "MAX_ADDRESSES", 5)
    for n in range(12):
        phone_from(evening.app, f"192.0.2.{100 + n}", "AAAA-AAAA")
        clock[0] += 1
    assert evening.app.extensions["fireside"].limits.remembered_addresses() <= 5
    stored = json.dumps(dump(evening.store))
    assert "192.0.2" not in stored
    assert "192.0.2" not in caplog.text


# --- 3. sessions that never join: the bookkeeping, and other devices through the test client ------------

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def test_sessions_that_have_not_joined_are_bounded_per_address_and_in_total():
    book = limits.Handshakes({"UNJOINED_PER_ADDRESS": 2, "UNJOINED_TOTAL": 3})
    (a1, none1), (a2, none2) = book.admit(REMOTE), book.admit(REMOTE)
    assert none1 is none2 is None
    assert book.admit(REMOTE) == (None, (limits.TOO_MANY_HERE, limits.BUSY_HERE))
    b1, refusal = book.admit(OTHER_REMOTE)
    assert refusal is None
    assert book.admit("192.0.2.46") == (None, (limits.LAPTOP_BUSY, limits.BUSY_LAPTOP))
    assert book.unjoined() == 3 and book.unjoined(REMOTE) == 2
    # A session that joins stops counting as unjoined; one that closes stops counting at all.
    book.opened(a1, "one")
    book.joined(a1)
    assert book.unjoined(REMOTE) == 1 and book.sessions(REMOTE) == 2
    a3, refusal = book.admit(REMOTE)
    assert refusal is None
    book.opened(a2, "two")
    book.closed("two")
    assert book.unjoined(REMOTE) == 1 and book.sessions(REMOTE) == 2
    c1, refusal = book.admit("192.0.2.46")
    assert refusal is None
    # Every way of ending is safe to repeat, and leaves nothing behind.
    for handshake in (a1, a2, a3, b1, c1):
        book.release(handshake)
        book.release(handshake)
    book.closed("one")
    book.joined(a3)
    assert book.unjoined() == 0 and book.remembered_addresses() == 0


def test_all_sessions_of_an_address_are_bounded_joined_or_not():
    book = limits.Handshakes({"SESSIONS_PER_ADDRESS": 2})
    for sid in ("one", "two"):
        handshake, refusal = book.admit(REMOTE)
        book.opened(handshake, sid)
        book.joined(handshake)
    assert book.unjoined() == 0
    assert book.admit(REMOTE) == (None, (limits.TOO_MANY_HERE, limits.BUSY_HERE))
    assert book.admit(OTHER_REMOTE)[1] is None
    book.closed("one")
    assert book.admit(REMOTE)[1] is None


def _polls(client):
    """An Engine.IO handshake over long-polling through a test client: (status, body as text)."""
    response = client.get(HANDSHAKE)
    return response.status_code, response.get_data(as_text=True)


def _session(body):
    """The session id in an Engine.IO open packet."""
    return json.loads(body[1:])["sid"]


def test_a_device_past_its_bound_is_refused_while_other_devices_and_the_laptop_get_in(data_dir):
    # Through Flask's test client, requests pass the whole WSGI stack: the gate, Flask-SocketIO,
    # Engine.IO (which opens real sessions); REMOTE_ADDR plays the other devices.
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "COUNT_INTERVAL": 0, "UNJOINED_PER_ADDRESS": 3})
    try:
        code = Evening(app).start()
        book = app.extensions["fireside"].handshakes
        device = remote(app)
        idle = []
        for _ in range(3):
            status, body = _polls(device)
            assert status == 200 and body.startswith("0{")
            idle.append(_session(body))
        for _ in range(20):
            assert _polls(device) == (429, limits.BUSY_HERE)
        refused = device.get(HANDSHAKE)
        assert refused.headers["Retry-After"] and "Access-Control-Allow-Origin" not in refused.headers
        assert book.unjoined(REMOTE) == 3
        # Another phone on the Wi-Fi opens a session and joins over the same long-polling.
        other = remote(app, OTHER_REMOTE)
        status, body = _polls(other)
        joined = _session(body)
        assert book.unjoined(OTHER_REMOTE) == 1
        joining = other.post(f"{HANDSHAKE}&sid={joined}", data=f'40{events.PARTICIPANT_NS},{{"code":"{code}"}}')
        assert joining.status_code == 200  # (its welcome goes where the console's test client sends it: nowhere)
        assert app.extensions["fireside"].phones_here == 1
        assert book.unjoined(OTHER_REMOTE) == 0 and book.sessions(OTHER_REMOTE) == 1
        # The laptop itself is not held to the bound.
        laptop = app.test_client()
        assert all(_polls(laptop)[0] == 200 for _ in range(10))
        assert book.unjoined() == 3
        # Sessions that close (here: the client says goodbye) are no longer counted or remembered.
        for client, sid in [(device, sid) for sid in idle] + [(other, joined)]:
            assert client.post(f"{HANDSHAKE}&sid={sid}", data="1").status_code == 200
        assert book.unjoined() == 0 and book.remembered_addresses() == 0
        assert _polls(device)[0] == 200
    finally:
        app.extensions["fireside"].store.close()


# --- 3. events per connection --------------------------------------------------------------------------

def test_a_flooding_phone_is_told_to_slow_down_and_nobody_else_notices(evening, clock):
    evening.start()
    arrive = evening.push("arrive")
    flooder, neighbour = evening.phone(), evening.phone()
    burst = evening.app.config["PHONE_EVENT_BURST"]
    answers = [flooder.emit(events.SYNC) for _ in range(burst)]
    assert all(a["ok"] for a in answers)
    before = dump(evening.store)
    slowed = flooder.answer(arrive, 1)
    assert slowed == {"ok": False, "error": limits.SLOW_DOWN}
    assert flooder.emit("no-such-event") == {"ok": False, "error": limits.SLOW_DOWN}
    assert dump(evening.store) == before
    assert neighbour.answer(arrive, 2)["ok"]
    clock[0] += 0.15  # ten a second: one more event after a tenth of a second
    assert flooder.answer(arrive, 1)["ok"]
    assert flooder.answer(arrive, 0) == {"ok": False, "error": limits.SLOW_DOWN}
    clock[0] += 10
    assert all(flooder.emit(events.SYNC)["ok"] for _ in range(burst))


def test_token_bucket_refills_at_its_rate_up_to_its_burst(clock):
    bucket = limits.TokenBucket(10, 20)
    assert sum(bucket.take() for _ in range(30)) == 20
    clock[0] += 0.5
    assert sum(bucket.take() for _ in range(30)) == 5
    clock[0] += 100
    assert sum(bucket.take() for _ in range(30)) == 20


# --- 3. bad input that is not a payload ------------------------------------------------------------------

def test_unknown_events_and_extra_arguments_get_an_answer(evening):
    evening.start()
    arrive = evening.push("arrive")
    phone = evening.phone()
    assert phone.emit("vote_twice", {})["ok"] is False
    extra = phone.client.emit(events.ANSWER, {"item_id": arrive, "value": 1}, {"again": 1},
                              namespace=events.PARTICIPANT_NS, callback=True)
    assert extra["ok"] is False and "one message" in extra["error"]
    assert evening.try_("become_admin")["ok"] is False
    extra = evening.console.emit(events.SET_NOTES, {"notes": "x"}, 2, namespace=events.FACILITATOR_NS,
                                 callback=True)
    assert extra["ok"] is False
    assert evening.store.answered(arrive) == 0 and evening.room.meeting["notes"] == ""


def test_a_bug_refuses_plainly_and_never_lets_a_connection_in(data_dir, monkeypatch):
    app = create_app({"DATA_DIR": str(data_dir), "PROPAGATE_EXCEPTIONS": False, "COUNT_INTERVAL": 0})
    try:
        from conftest import Evening

        evening = Evening(app)
        evening.start()
        arrive = evening.push("arrive")
        phone = evening.phone()

        def broken(*args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(evening.room, "answer", broken)
        answer = phone.answer(arrive, 1)
        assert answer["ok"] is False and "Something went wrong" in answer["error"]
        monkeypatch.setattr(evening.room, "join", broken)
        code = evening.room.meeting["join_code"]
        assert not phone_from(app, REMOTE, code).is_connected(events.PARTICIPANT_NS)
        monkeypatch.setattr(evening.room, "console_payload", broken)
        key = app.config["FACILITATOR_KEY"]
        assert not console_from(app, app.test_client()).is_connected(events.FACILITATOR_NS)
        assert not console_from(app, remote(app), auth={"key": key}).is_connected(events.FACILITATOR_NS)
    finally:
        app.extensions["fireside"].store.close()


def test_a_full_disk_during_the_meeting_gives_a_clear_answer_and_loses_nothing_saved(evening):
    evening.start()
    sentence = evening.push("sentence")
    phones = [evening.phone() for _ in range(60)]
    with evening.store._lock:
        pages = evening.store.db.execute("PRAGMA page_count").fetchone()[0]
        evening.store.db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now full
    acked, refused = [], None
    for phone in phones:
        answer = phone.answer(sentence, "A long sentence that takes room on the disk. " * 6)
        if not answer["ok"]:
            refused = answer
            break
        acked.append(phone)
    assert refused == {"ok": False, "error": "The laptop could not save that just now. Please try again in a "
                                             "moment."}
    assert evening.store.answered(sentence) == len(acked)
    failed = evening.try_(events.SET_NOTES, notes="Notes that need room. " * 220)  # 4,840 characters: within the limit
    assert failed["ok"] is False and "disk is full" in failed["error"]
    with evening.store._lock:
        evening.store.db.execute("PRAGMA max_page_count = 1073741823")  # space freed
    assert phones[len(acked)].answer(sentence, "Fine again.")["ok"]
    assert evening.store.answered(sentence) == len(acked) + 1
    assert len(evening.store.answers(sentence)[0]) == len(acked) + 1


# --- 2. secrets and files --------------------------------------------------------------------------------

def test_secrets_are_made_on_first_run_owner_only_and_differ_between_installs(tmp_path):
    first = load_secrets(tmp_path)
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secrets(tmp_path) == first
    other = tmp_path / "other"
    other.mkdir()
    second = load_secrets(other)
    assert first["secret_key"] != second["secret_key"]
    assert first["facilitator_key"] != second["facilitator_key"]
    assert re.fullmatch(r"[0-9a-f]{64}", first["secret_key"])
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", first["facilitator_key"])


def test_no_secret_is_written_into_the_code():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for folder in ("facilitator", "participant"):
        for name in os.listdir(os.path.join(root, folder)):
            if name.endswith(".py"):
                with open(os.path.join(root, folder, name), encoding="utf-8") as handle:
                    text = handle.read()
                assert not re.search(r"(SECRET_KEY|FACILITATOR_KEY)\s*=\s*['\"]", text), name


def test_a_damaged_secrets_file_is_named_and_left_alone(tmp_path):
    path = tmp_path / "secrets.json"
    for damaged in ['{"secret_key": 1}', "not json", "[]", '{"secret_key": "", "facilitator_key": ""}']:
        path.write_text(damaged)
        with pytest.raises(DataDirError) as raised:
            load_secrets(tmp_path)
        assert str(path) in str(raised.value) and "Move it aside" in str(raised.value)
        assert path.read_text() == damaged


def test_each_meeting_gets_a_fresh_key_that_dies_with_it(evening):
    evening.start()
    first = evening.room.meeting["meeting_key"]
    evening.do(events.END_MEETING)
    evening.start()
    assert evening.room.meeting["meeting_key"] != first
    keys = [row[0] for row in evening.store.db.execute("SELECT meeting_key FROM meetings ORDER BY id")]
    assert keys[0] is None and keys[1] == evening.room.meeting["meeting_key"]


def _loose_files(folder):
    """Every file and folder under folder that a group or others could read, write or enter."""
    loose = []
    for path in [folder, *folder.rglob("*")]:
        mode = os.lstat(path).st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            loose.append(f"{path.relative_to(folder.parent)} {oct(stat.S_IMODE(mode))}")
    return loose


def test_every_file_in_the_data_folder_is_owner_only_after_a_real_evening(server, data_dir):
    console = SocketConsole(server.url)
    state = console.start()
    arrive = console.push("arrive")
    phones = [SocketPhone(server.url, state["meeting"]["code"]) for _ in range(3)]
    for n, phone in enumerate(phones):
        assert phone.call(events.ANSWER, {"item_id": arrive, "value": n})["ok"]
    names = {p.name for p in data_dir.iterdir()}
    assert {"fireside.db", "fireside.db-wal", "fireside.db-shm", "secrets.json", "decks"} <= names
    assert _loose_files(data_dir) == []
    for client in (*phones, console):
        client.close()
    assert server.stop() == 0
    assert _loose_files(data_dir) == []
    output = server.output()
    # The co-facilitator's key is printed only with --co-facilitator: a mirrored screen must not show it.
    assert json.loads((data_dir / "secrets.json").read_text())["facilitator_key"] not in output


def test_a_deck_copied_in_by_hand_is_made_owner_only(data_dir):
    deck = data_dir / "decks" / "test-evening.toml"
    os.chmod(deck, 0o644)
    os.chmod(data_dir / "decks", 0o755)
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True})
    app.extensions["fireside"].store.close()
    assert _loose_files(data_dir) == []


# --- 2. cross-origin Socket.IO, on a real server ------------------------------------------------------------

@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One real server for the tests below, with a meeting running and a text poll on every phone."""
    folder = tmp_path_factory.mktemp("shared")
    data = folder / "data"
    (data / "decks").mkdir(parents=True)
    (data / "decks" / "test-evening.toml").write_text(TEST_DECK)
    running = RunningServer(data, folder / "server.log").start()
    console = SocketConsole(running.url)
    state = console.start()
    sentence = console.push("sentence")
    running.code, running.sentence, running.data_dir = state["meeting"]["code"], sentence, data
    yield running
    console.close()
    running.stop()
    _quietly_collect()


def _quietly_collect():
    """Collect the sockets a refused client library leaves behind, without a ResourceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def _engine_io_opens_websocket(server, origin, **headers):
    """True when the server opens an Engine.IO session over a WebSocket sent with this Origin."""
    import websocket  # websocket-client, the library python-socketio's client uses

    url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    try:
        raw = websocket.create_connection(url, origin=origin, header=[f"{k}: {v}" for k, v in headers.items()],
                                          timeout=3)
    except websocket.WebSocketBadStatusException:
        _quietly_collect()
        return False  # refused before the upgrade (threaded server)
    try:
        return raw.recv().startswith("0{")  # an upgraded socket is closed at once, unopened (gevent)
    except (websocket.WebSocketException, OSError):
        return False
    finally:
        raw.close()
        _quietly_collect()


FOREIGN = ["http://evil.example", "http://evil.example:{port}", "null", "https://127.0.0.1:{port}",
           "http://127.0.0.1:{port}.evil.example"]


@pytest.mark.parametrize("origin", FOREIGN)
def test_a_websocket_from_a_foreign_origin_is_refused(shared, origin):
    origin = origin.format(port=shared.port)
    assert not _engine_io_opens_websocket(shared, origin)
    assert not _engine_io_opens_websocket(shared, origin, **{"X-Forwarded-Host": origin.split("//")[-1]})
    assert _engine_io_opens_websocket(shared, shared.url)  # the server's own pages are welcome


def test_socket_io_from_a_foreign_origin_is_refused_and_from_its_own_pages_accepted(shared):
    import socketio as sio_client

    for origin in [o.format(port=shared.port) for o in FOREIGN]:
        for namespace, auth in ((events.FACILITATOR_NS, None), (events.PARTICIPANT_NS, {"code": shared.code})):
            client = real_client(reconnection=False)
            with pytest.raises(sio_client.exceptions.ConnectionError):
                client.connect(shared.url, namespaces=[namespace], transports=["polling"], auth=auth,
                               headers={"Origin": origin}, wait_timeout=3)
            client.disconnect()
    same = real_client(reconnection=False)  # sends the URL's own origin itself
    same.connect(shared.url, namespaces=[events.FACILITATOR_NS], transports=["websocket"], wait_timeout=3)
    assert same.connected
    same.disconnect()
    request = urllib.request.Request(shared.url + "/socket.io/?EIO=4&transport=polling",
                                     headers={"Origin": shared.url})
    with urllib.request.urlopen(request, timeout=5) as response:  # as the server's own page polls
        assert response.read().startswith(b"0{")
        assert response.headers["Access-Control-Allow-Origin"] == shared.url
    _quietly_collect()


def test_the_engine_io_handshake_itself_refuses_a_foreign_origin(shared):
    request = urllib.request.Request(shared.url + "/socket.io/?EIO=4&transport=polling",
                                     headers={"Origin": "http://evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
    assert "Access-Control-Allow-Origin" not in refused.value.headers
    refused.value.close()


def test_pages_allow_only_the_server_itself(client):
    for path in ["/", "/facilitator", "/screen"]:
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "http" not in policy.replace("ws://localhost", "").replace("wss://localhost", "")
        assert headers["X-Content-Type-Options"] == "nosniff"


# --- 3. oversized and malformed messages, on a real server -------------------------------------------------

def _answered(data_dir, item_id):
    """How many answered the item, read from the database file itself."""
    conn = sqlite3.connect(data_dir / "fireside.db")
    try:
        return conn.execute("SELECT answered FROM items WHERE id = ?", (item_id,)).fetchone()[0]
    finally:
        conn.close()


def test_an_oversized_message_is_refused_without_disturbing_other_phones(shared):
    before = _answered(shared.data_dir, shared.sentence)
    big, neighbour = SocketPhone(shared.url, shared.code), SocketPhone(shared.url, shared.code)
    big.client.emit(events.ANSWER, {"item_id": shared.sentence, "value": "x" * (40 * 1024)},
                    namespace=events.PARTICIPANT_NS)
    deadline = time.monotonic() + 5
    while big.client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not big.client.connected  # dropped unread
    assert neighbour.call(events.ANSWER, {"item_id": shared.sentence, "value": "Still here."})["ok"]
    again = SocketPhone(shared.url, shared.code)  # the room still takes newcomers
    assert again.call(events.ANSWER, {"item_id": shared.sentence, "value": "Me too."})["ok"]
    assert _answered(shared.data_dir, shared.sentence) == before + 2
    for client in (big, neighbour, again):
        client.close()
    assert "Traceback" not in shared.output()


def test_an_oversized_polling_request_is_refused(shared):
    base = shared.url + "/socket.io/?EIO=4&transport=polling"
    with urllib.request.urlopen(base, timeout=5) as response:
        sid = json.loads(response.read().decode()[1:])["sid"]
    # A long-polling client always has a GET waiting; it carries the goodbye. Its request is on the
    # wire, whole, before the oversized one is sent.
    waiting = http.client.HTTPConnection("127.0.0.1", shared.port, timeout=5)
    waiting.request("GET", f"/socket.io/?EIO=4&transport=polling&sid={sid}")
    body = f'40{events.PARTICIPANT_NS},{{"code":"{shared.code}","pad":"{"x" * 40_000}"}}'.encode()
    request = urllib.request.Request(f"{base}&sid={sid}", data=body, headers={"Content-Type": "text/plain"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code in (400, 413)
    refused.value.close()
    polled = waiting.getresponse().read()
    waiting.close()
    assert polled.startswith(b"1")  # engine.io "close": the session is gone, unread
    with urllib.request.urlopen(shared.url + "/healthz", timeout=5) as response:
        assert json.load(response)["ok"] is True


def test_a_deeply_nested_message_does_not_bring_the_server_down(shared):
    import websocket  # websocket-client, which python-socketio's client uses

    before = _answered(shared.data_dir, shared.sentence)
    neighbour = SocketPhone(shared.url, shared.code)
    raw = websocket.create_connection(f"ws://127.0.0.1:{shared.port}/socket.io/?EIO=4&transport=websocket",
                                      timeout=5)
    try:
        assert raw.recv().startswith("0")  # engine.io open
        raw.send(f"40{events.PARTICIPANT_NS},{json.dumps({'code': shared.code})}")
        while not raw.recv().startswith(f"40{events.PARTICIPANT_NS}"):
            pass
        depth = 5000
        raw.send(f'42{events.PARTICIPANT_NS},1["answer",{"[" * depth}{"]" * depth}]')
        raw.send(f'42{events.PARTICIPANT_NS},2["answer",{{"item_id":{shared.sentence},"value":'
                 + '{"a":' * 3000 + "1" + "}" * 3000 + "}]")
        raw.send(f"42{events.PARTICIPANT_NS},3[")  # not even JSON
    finally:
        raw.close()
    assert neighbour.call(events.ANSWER, {"item_id": shared.sentence, "value": "Still here."})["ok"]
    with urllib.request.urlopen(shared.url + "/healthz", timeout=5) as response:
        assert json.load(response)["ok"] is True
    assert _answered(shared.data_dir, shared.sentence) == before + 1
    neighbour.close()
    assert "Traceback" not in shared.output(), shared.output()


# --- 3. sessions that never join, on a real server ------------------------------------------------------
# The real server is reached over loopback, the laptop's own address, which the bounds spare; these
# servers are told not to (LAPTOP_SESSIONS_UNLIMITED False), and to use small bounds, so each is reached soon.

def _handshake(url):
    """Open an Engine.IO session over long-polling that joins nothing: (its id, None), or (None, (status, text))."""
    try:
        with urllib.request.urlopen(url + HANDSHAKE, timeout=5) as response:
            return _session(response.read().decode()), None
    except urllib.error.HTTPError as refused:
        with refused:
            return None, (refused.code, refused.read().decode())


def _send(url, sid, packet):
    """Send one Engine.IO packet to an open long-polling session."""
    request = urllib.request.Request(f"{url}{HANDSHAKE}&sid={sid}", data=packet.encode(),
                                     headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.read() == b"OK"


def _websocket_handshake(server):
    """An Engine.IO handshake over a WebSocket: "open", or how it was refused: (HTTP status or close code, text)."""
    import websocket  # websocket-client, which python-socketio's client uses

    url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
    try:
        raw = websocket.create_connection(url, timeout=5)
    except websocket.WebSocketBadStatusException as refused:  # refused before the upgrade, as Fireside does
        _quietly_collect()
        return refused.status_code, (refused.resp_body or b"").decode()
    try:
        opcode, data = raw.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:  # closed after the upgrade: a refusal come too late
            return int.from_bytes(data[:2], "big"), data[2:].decode()
        return "open" if data.startswith(b"0{") else data
    finally:
        raw.close()
        raw.shutdown()  # close() leaves the socket open once the server has closed first


def _python_socketio_refused(server, code):
    """A real python-socketio phone over long-polling is refused (ConnectionError), not left waiting."""
    import socketio as sio_client

    client = real_client(reconnection=False)
    try:
        with pytest.raises(sio_client.exceptions.ConnectionError):
            client.connect(server.url, namespaces=[events.PARTICIPANT_NS], transports=["polling"],
                           auth={"code": code}, wait_timeout=3)
    finally:
        client.disconnect()
        _quietly_collect()


@pytest.mark.parametrize("server", [{"UNJOINED_PER_ADDRESS": 5, "LAPTOP_SESSIONS_UNLIMITED": False}], indirect=True)
def test_handshakes_that_never_join_are_refused_past_the_bound_and_a_phone_still_gets_in(server):
    code = SocketConsole(server.url).start()["meeting"]["code"]  # a session too, until it joins
    opened, refused = [], []
    for _ in range(60):  # a script that opens sessions and never joins
        sid, refusal = _handshake(server.url)
        (opened if sid else refused).append(sid or refusal)
    assert len(opened) == 5
    assert refused == [(429, limits.BUSY_HERE)] * 55
    assert _websocket_handshake(server) == (429, limits.BUSY_HERE)  # refused before the upgrade
    _python_socketio_refused(server, code)
    # One of them joins: its slot is free at once, and a real phone takes it and joins too.
    _send(server.url, opened.pop(), f'40{events.PARTICIPANT_NS},{{"code":"{code}"}}')
    phone = SocketPhone(server.url, code)
    assert phone.call(events.SYNC, {})["ok"]
    # Four sessions wait unjoined now: one more may open, and then no more.
    sid, refusal = _handshake(server.url)
    assert refusal is None
    assert _handshake(server.url) == (None, (429, limits.BUSY_HERE))
    # A session that closes frees its slot too.
    _send(server.url, sid, "1")  # Engine.IO's "close"
    assert _handshake(server.url)[1] is None
    assert _handshake(server.url) == (None, (429, limits.BUSY_HERE))
    assert "Traceback" not in server.output()


@pytest.mark.parametrize("server", [{"UNJOINED_PER_ADDRESS": 0, "UNJOINED_TOTAL": 4,
                                     "LAPTOP_SESSIONS_UNLIMITED": False}], indirect=True)
def test_handshakes_that_never_join_are_refused_past_the_total_bound(server):
    code = SocketConsole(server.url).start()["meeting"]["code"]
    opened = [_handshake(server.url)[0] for _ in range(4)]
    assert all(opened)
    for _ in range(20):
        assert _handshake(server.url) == (None, (503, limits.BUSY_LAPTOP))
    assert _websocket_handshake(server) == (503, limits.BUSY_LAPTOP)
    _send(server.url, opened.pop(), "1")
    phone = SocketPhone(server.url, code)  # over a WebSocket, as a phone's browser goes on
    assert phone.call(events.SYNC, {})["ok"]
    assert _handshake(server.url)[1] is None
    assert _handshake(server.url) == (None, (503, limits.BUSY_LAPTOP))


@pytest.mark.parametrize("server", [{"SESSIONS_PER_ADDRESS": 4, "LAPTOP_SESSIONS_UNLIMITED": False}], indirect=True)
def test_joined_sessions_count_toward_an_address_bound_until_they_close(server):
    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    phones = [SocketPhone(server.url, code) for _ in range(3)]  # the console and three phones: four
    token = phones[0].token
    assert _handshake(server.url) == (None, (429, limits.BUSY_HERE))  # none waits unjoined; all count
    phones[0].close()
    deadline = time.monotonic() + 5  # the server hears of the close a moment later
    while time.monotonic() < deadline:
        sid, refusal = _handshake(server.url)
        if sid:
            _send(server.url, sid, "1")  # closed again at once, before the answer comes
            break
        time.sleep(0.05)
    back = SocketPhone(server.url, code, token)  # the session that closed made room
    assert back.token == token
    assert _handshake(server.url) == (None, (429, limits.BUSY_HERE))
