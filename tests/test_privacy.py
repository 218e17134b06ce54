"""Each privacy rule of Fireside's design, proved on the database file and on what the server sends."""

import contextlib
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import RunningServer, SocketConsole, SocketPhone, received_by

from facilitator import events, socketio

RECOGNISABLE_AGENT = "FiresideTestPhone/7.3 (Recognisable-Agent-4417)"


def _db_files(data_dir):
    """The database and its side files, as bytes."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("fireside.db*")))


def _every_value(db_path):
    """Every table, column name and cell of the database, as one string."""
    conn = sqlite3.connect(db_path)
    try:
        parts = []
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            parts.append(table)
            parts.extend(column[0] for column in cursor.description)
            parts.extend(str(cell) for row in cursor for cell in row)
        return "\n".join(parts)
    finally:
        conn.close()


def _screen(app):
    """A projector view connected from the laptop."""
    return socketio.test_client(app, namespace=events.FACILITATOR_NS, auth={"view": "screen"},
                                flask_test_client=app.test_client())


def _payloads(test_client, namespace):
    """Every event payload a test client received since last asked, with its name."""
    return [(m["name"], m["args"][0]) for m in received_by(test_client, namespace)]


# 1. No identity -----------------------------------------------------------------------------

def test_no_address_or_user_agent_is_stored_or_printed(server, data_dir):
    console = SocketConsole(server.url)
    join_code = console.start()["meeting"]["code"]
    request = urllib.request.Request(server.url + "/", headers={"User-Agent": RECOGNISABLE_AGENT})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    phones = [SocketPhone(server.url, join_code, headers={"User-Agent": RECOGNISABLE_AGENT}) for _ in range(3)]
    arrive = console.push("arrive")
    for n, phone in enumerate(phones):
        assert phone.call(events.ANSWER, {"item_id": arrive, "value": n})["ok"]
    console.do(events.REVEAL_POLL, item_id=arrive)
    for client in (*phones, console):
        client.close()
    server.stop()

    output = server.output()
    stored = _every_value(data_dir / "fireside.db")
    raw = _db_files(data_dir)
    assert "Recognisable-Agent" not in output and "Recognisable-Agent" not in stored
    assert b"Recognisable-Agent" not in raw
    # The only 127.0.0.1 Fireside prints is in the console and projector URLs it announces.
    assert not re.search(r"127\.0\.0\.1(?!:\d+/)", output), output
    assert "127.0.0.1" not in stored and b"127.0.0.1" not in raw


# 2. Unlinkable ballots ------------------------------------------------------------------------

def test_no_column_joins_one_phones_answers_to_two_polls(evening, data_dir):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    keys = ("arrive", "energy", "compass")
    values = {"arrive": 1, "energy": 4, "compass": {"x": 70, "y": 20}}
    for key in keys:
        item_id = evening.push(key)
        for phone in phones:
            assert phone.answer(item_id, values[key])["ok"]

    db = sqlite3.connect(data_dir / "fireside.db")
    columns = [row[1] for row in db.execute("PRAGMA table_info(ballots)")]
    assert columns == ["ballot", "item_id", "answer", "passed"]
    rows = db.execute("SELECT ballot, item_id FROM ballots").fetchall()
    assert len(rows) == 9 and len({ballot for ballot, _ in rows}) == 9
    # No hidden insertion order to sort by: each poll's ballots are one record (filed under the
    # poll's id, which is no secret), in the order of their ids (tests/test_no_order.py).
    assert [row[0] for row in db.execute("SELECT rowid FROM ballot_sets")] == sorted({i for _, i in rows})
    for item_id in {i for _, i in rows}:
        of_poll = [b for b, i in rows if i == item_id]
        assert of_poll == sorted(of_poll)
    db.close()
    everything, raw = _every_value(data_dir / "fireside.db"), _db_files(data_dir)
    for phone in phones:
        assert phone.token not in everything and phone.token.encode() not in raw
    for name in re.findall(r"\w+", everything.split("\n")[0]):
        assert not re.search(r"token|addr|agent|device|time|created", name)


def test_ending_the_meeting_destroys_key_and_ballots_and_keeps_only_tallies(evening, data_dir):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    arrive = evening.push("arrive")
    for n, phone in enumerate(phones):
        phone.answer(arrive, n)
    sentence = evening.push("sentence")
    for phone, text in zip(phones, ["Unapproved words stay private alpha", "Beta sentence here", "Gamma one"]):
        phone.answer(sentence, text)
    key = evening.room.meeting["meeting_key"]
    db = sqlite3.connect(data_dir / "fireside.db")
    ballots = [row[0] for row in db.execute("SELECT ballot FROM ballots")]
    db.close()
    assert len(ballots) == 6

    evening.do(events.END_MEETING)

    db = sqlite3.connect(data_dir / "fireside.db")
    assert db.execute("SELECT meeting_key, join_code, status FROM meetings").fetchone() == (None, None, "ended")
    assert db.execute("SELECT COUNT(*) FROM ballots").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM arrivals").fetchone()[0] == 0
    results = dict(db.execute("SELECT key, result FROM items WHERE result IS NOT NULL").fetchall())
    db.close()
    assert '"counts": [1, 1, 1]' in results["arrive"]
    raw = _db_files(data_dir)
    assert key.encode() not in raw
    for ballot in ballots:
        assert ballot.encode() not in raw
    assert b"Unapproved words stay private" not in raw


def _get(url, data=None):
    """One plain HTTP request, as a browser makes it (a POST when data is given); returns (headers, body)."""
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "text/plain;charset=UTF-8"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers, response.read().decode()
    except urllib.error.HTTPError as refused:  # a 404 page is a page too
        with refused:
            return refused.headers, refused.read().decode()


@pytest.fixture
def crash_reports_on():
    """Processes started from here may write crash reports (core dumps), as on a laptop that keeps them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    yield
    resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))


def test_the_server_lets_no_crash_report_keep_its_memory(crash_reports_on, data_dir, tmp_path):
    # While a meeting runs, the server's memory holds the key, the tokens and the ballots that End
    # deletes from the disk; a core file of it would keep them. Started where crash reports are on,
    # `fireside serve` turns them off for itself, the hard limit too.
    running = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        limits = Path(f"/proc/{running.process.pid}/limits").read_text()
    finally:
        running.stop()
    core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
    assert core.split()[4:6] == ["0", "0"], core


def test_keeping_memory_off_disk_marks_the_process_not_dumpable():
    # Not dumpable: the kernel hands no crash of it to a helper (systemd-coredump, apport), whatever
    # their own settings, and other programs of the same user cannot read its memory through /proc.
    probe = ("import ctypes; from facilitator import serving; done = serving.keep_memory_off_disk(); "
             "print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0), done)")  # 3: PR_GET_DUMPABLE
    result = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(None, 1) == ["0", "['no core file', 'not dumpable']\n"], result.stdout


def _scratch_files():
    """SQLite's temporary files this process holds open (named etilqs_…, deleted as soon as opened)."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if "etilqs_" in target:
                found.append(target)
    return found


def test_sqlite_keeps_its_scratch_copies_in_memory(evening):
    # A statement that may fail halfway keeps an undo copy of what it changes; past 64 KB SQLite
    # writes it to a file in /var/tmp (deleted at once, but on the disk until its blocks are
    # reused), where End never reaches. Fireside's store keeps such copies in memory.
    db = evening.store.db.conn
    db.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, n INTEGER UNIQUE, pad TEXT)")
    db.executemany("INSERT INTO scratch (n, pad) VALUES (?, ?)", [(n, "ballot " * 40) for n in range(2000)])
    db.commit()
    try:
        db.execute("INSERT INTO scratch (n, pad) VALUES (-1, '')")  # opens a transaction
        db.execute("UPDATE scratch SET n = n + 10000, pad = pad || '.'")  # may fail halfway: undo copy
        assert _scratch_files() == []
    finally:
        db.rollback()
        db.execute("DROP TABLE scratch")


def test_socket_io_long_polling_responses_are_never_cached(server):
    # A phone whose WebSocket is blocked talks by long-polling: plain GETs whose answers a browser
    # may keep in its cache, `welcome` (his token, his own answer) among them, unless told not to.
    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    arrive = console.push("arrive")
    phone = SocketPhone(server.url, code)
    assert phone.call(events.ANSWER, {"item_id": arrive, "value": 2})["ok"]

    polling = server.url + "/socket.io/?EIO=4&transport=polling"
    headers, handshake = _get(polling)
    assert headers["Cache-Control"] == "no-store"
    polling += "&sid=" + json.loads(handshake[1:])["sid"]
    auth = json.dumps({"code": code, "token": phone.token})
    headers, _ = _get(polling, f"40{events.PARTICIPANT_NS},{auth}".encode())
    assert headers["Cache-Control"] == "no-store"
    packets = []
    for _ in range(5):  # the welcome comes in the first answer or two; each answer is checked
        headers, body = _get(polling)
        assert headers["Cache-Control"] == "no-store", body
        packets += body.split("\x1e")
        if any(f'"{events.WELCOME}"' in packet for packet in packets):
            break
    welcome = next(packet for packet in packets if f'"{events.WELCOME}"' in packet)
    assert phone.token in welcome and '"mine":2' in welcome  # what must not outlive the meeting


def test_pages_that_show_or_carry_answers_are_never_cached(server):
    console = SocketConsole(server.url)
    state = console.start()
    code, meeting_id = state["meeting"]["code"], state["meeting"]["id"]
    live = ["/", f"/j/{code}", "/j/WRNG-CODE", "/facilitator", "/screen", "/facilitator/qr.svg",
            "/facilitator/history"]
    for path in live:
        headers, _ = _get(server.url + path)
        assert headers.get("Cache-Control") == "no-store", path
    console.do(events.END_MEETING)
    ended = [f"/facilitator/summary/{meeting_id}", *(f"/facilitator/export/{meeting_id}.{fmt}"
                                                     for fmt in ("md", "csv", "json", "html"))]
    for path in ended:
        headers, _ = _get(server.url + path)
        assert headers.get("Cache-Control") == "no-store", path


# 3. Privacy floor -----------------------------------------------------------------------------

DISTRIBUTION = {"counts", "points", "median", "words", "texts", "quadrants"}


def _results(payload):
    """Every tally (a dict with 'shown') anywhere inside a payload."""
    if isinstance(payload, dict):
        found = [payload] if "shown" in payload else []
        return found + [r for value in payload.values() for r in _results(value)]
    if isinstance(payload, (list, tuple)):
        return [r for value in payload for r in _results(value)]
    return []


def _no_distribution(payload):
    """True when no result in a payload (at any depth) is shown or carries a distribution."""
    return all(not r["shown"] and not DISTRIBUTION & set(r) for r in _results(payload))


@pytest.mark.parametrize("floor, answers", [(3, 2), (5, 4)])
def test_below_the_floor_no_surface_receives_a_result(evening, floor, answers):
    evening.start(floor=floor)
    screen = _screen(evening.app)
    phones = [evening.phone() for _ in range(answers + 2)]
    compass = evening.push("compass")
    for n, phone in enumerate(phones[:answers]):
        phone.answer(compass, {"x": 10 * n, "y": 50})
    for phone in phones[answers:]:
        phone.pass_(compass)
    evening.do(events.REVEAL_POLL, item_id=compass)
    evening.do(events.END_MEETING)

    surfaces = [_payloads(phone.client, events.PARTICIPANT_NS) for phone in phones]
    surfaces.append(_payloads(screen, events.FACILITATOR_NS))
    surfaces.append(_payloads(evening.console, events.FACILITATOR_NS))
    for received in surfaces:
        assert received, "every surface heard the reveal"
        assert _no_distribution(received)
    revealed = [p for name, p in surfaces[0] if name == events.ITEM and p["item"] and p["item"]["state"] == "revealed"]
    # Everyone who responded, passes included, and not how many passed (docs/privacy.md).
    assert revealed[-1]["item"]["result"] == {"kind": "compass", "shown": False, "answered": answers + 2, "floor": floor}


def test_at_the_floor_the_result_reaches_every_surface(evening):
    evening.start()
    screen = _screen(evening.app)
    phones = [evening.phone() for _ in range(3)]
    compass = evening.push("compass")
    for n, phone in enumerate(phones):
        phone.answer(compass, {"x": 30 * n, "y": 80})
    evening.do(events.REVEAL_POLL, item_id=compass)
    shown = [p for name, p in _payloads(screen, events.FACILITATOR_NS) if name == events.SCREEN]
    assert shown[-1]["item"]["result"]["points"] == [[0, 80], [30, 80], [60, 80]]
    assert phones[0].last(events.ITEM)["item"]["result"]["quadrants"] == {"both": 1, "connection": 0,
                                                                          "space": 2, "neither": 0}


# 4. Timing-safe reveal ------------------------------------------------------------------------

def test_while_a_poll_is_open_only_the_count_changes_between_answers(evening):
    evening.start()
    screen = _screen(evening.app)
    phones = [evening.phone() for _ in range(5)]
    energy = evening.push("energy")
    watchers = [(p.client, events.PARTICIPANT_NS) for p in phones] + [(screen, events.FACILITATOR_NS),
                                                                       (evening.console, events.FACILITATOR_NS)]
    for client, namespace in watchers:
        client.get_received(namespace)
    for n, phone in enumerate(phones):
        phone.answer(energy, n)
        for client, namespace in watchers:
            received = _payloads(client, namespace)
            assert [name for name, _ in received] == [events.COUNT]
            assert received[0][1]["answered"] == n + 1
            assert set(received[0][1]) <= {"item_id", "answered", "phones"}


def test_live_mode_draws_a_new_picture_only_every_k_answers(evening):
    evening.start(live_results=True)
    phones = [evening.phone() for _ in range(7)]
    arrive = evening.push("arrive")
    pictures = []
    for n, phone in enumerate(phones):
        phone.received()
        phone.answer(arrive, n % 3)
        pictures.append([p["item"]["result"] for p in phones[0].received(events.ITEM)])
    drawn = [n + 1 for n, got in enumerate(pictures) if got]
    assert drawn == [3, 6]
    assert pictures[2][0]["counts"] == [1, 1, 1] and pictures[2][0]["live"] is True
    assert pictures[5][0]["counts"] == [2, 2, 2]


def test_reopening_explains_why_it_is_risky_and_changes_nothing_until_confirmed(evening):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    arrive = evening.push("arrive")
    for phone in phones:
        phone.answer(arrive, 0)
    evening.do(events.REVEAL_POLL, item_id=arrive)
    phones[0].received()
    refused = evening.try_(events.REOPEN_POLL, item_id=arrive)
    assert refused["ok"] is False and "could be noticed" in refused["error"]
    assert phones[0].received() == []


# 5. Moderated free text ------------------------------------------------------------------------

def test_sentences_reach_the_room_only_when_approved_and_never_with_times(evening):
    evening.start()
    screen = _screen(evening.app)
    phones = [evening.phone() for _ in range(3)]
    sentence = evening.push("sentence")
    texts = ["I drove an hour to be here.", "First time in a group like this.", "Rough week."]
    for phone, text in zip(phones, texts):
        phone.answer(sentence, text)
    evening.do(events.CLOSE_POLL, item_id=sentence)
    evening.do(events.MODERATE, item_id=sentence, text="Rough week.", approved=True, export=True)
    evening.do(events.REVEAL_POLL, item_id=sentence)
    room = [p for name, p in _payloads(screen, events.FACILITATOR_NS) if name == events.SCREEN]
    assert room[-1]["item"]["result"]["texts"] == ["Rough week."]
    for phone in phones:
        assert "I drove an hour" not in repr(phone.received())
    assert not re.search(r"\d\d:\d\d", repr(room))


# 6. Nothing leaves the room ------------------------------------------------------------------------

def test_every_page_allows_only_fireside_itself(evening, client):
    code = evening.start()
    for path in ["/", f"/j/{code}", "/j/WRNG-CODE", "/join?code=nonsense", "/facilitator", "/screen",
                 "/facilitator/qr.svg", "/p/static/vendor/socket.io.min.js", "/no-such-page"]:
        response = client.get(path, buffered=True)
        response.close()
        policy = response.headers.get("Content-Security-Policy", "")
        assert policy.startswith("default-src 'self'"), path
        assert "http" not in policy.replace("ws://", "").replace("wss://", ""), path


# 7. A man's own control --------------------------------------------------------------------------

def test_a_phone_can_take_back_every_answer_not_yet_revealed(evening):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    arrive = evening.push("arrive")
    for phone in phones:
        phone.answer(arrive, 0)
    evening.do(events.REVEAL_POLL, item_id=arrive)
    energy = evening.push("energy")
    for phone in phones:
        phone.answer(energy, 5)
    compass = evening.push("compass")
    phones[0].answer(compass, {"x": 1, "y": 2})
    assert phones[0].emit(events.WITHDRAW) == {"ok": True, "withdrawn": 2, "kept": 0, "kept_items": []}
    assert evening.store.answers(compass) == ([], 0)
    assert evening.store.answers(energy) == ([5, 5], 0)
    assert evening.store.answered(energy) == 2
    assert evening.store.answered(arrive) == 3  # a revealed poll keeps what the room saw
    assert phones[0].emit(events.SYNC)["mine"] is None


def _four_write_and_the_poll_closes(evening, key, writings):
    phones = [evening.phone() for _ in writings]
    item_id = evening.push(key)
    for phone, text in zip(phones, writings):
        assert phone.answer(item_id, text)["ok"]
    return phones, item_id


def test_a_sentence_taken_back_before_the_close_never_reaches_the_review_list(evening):
    evening.start()
    phones, sentence = _four_write_and_the_poll_closes(
        evening, "sentence", ["first line", "second line", "third line", "a line he thinks better of"])
    assert phones[3].emit(events.WITHDRAW) == {"ok": True, "withdrawn": 1, "kept": 0, "kept_items": []}
    evening.do(events.CLOSE_POLL, item_id=sentence)
    listed = {entry["text"] for entry in evening.room.pending_texts(evening.room.items[sentence])}
    assert listed == {"first line", "second line", "third line"}


@pytest.mark.parametrize("key, writings", [
    ("sentence", ["first line", "second line", "third line", "a line he thinks better of"]),
    ("feeling", ["tired", "calm", "hopeful", "ashamed"]),
])
def test_a_writing_the_facilitator_has_read_stays_and_the_phone_is_told_so(evening, key, writings):
    """Closed, its review list read: a sentence leaving it as a man tapped would be his, so it stays, and he knows."""
    evening.start()
    phones, item_id = _four_write_and_the_poll_closes(evening, key, writings)
    arrive = evening.push("arrive")
    assert phones[3].answer(arrive, 1)["ok"]
    evening.do(events.CLOSE_POLL, item_id=item_id)
    listed_before = evening.room.pending_texts(evening.room.items[item_id])
    assert phones[3].emit(events.WITHDRAW) == {
        "ok": True, "withdrawn": 1, "kept": 1, "kept_items": [item_id]}  # arrive taken, the writing kept
    assert evening.store.answered(item_id) == 4 and evening.store.answered(arrive) == 0
    assert evening.room.pending_texts(evening.room.items[item_id]) == listed_before
    evening.do(events.PUSH_ITEM, item_id=item_id)
    assert phones[3].emit(events.SYNC)["mine"] == writings[3]  # his phone still shows it as his
    # Opened again after review (with the warning), it stays read: taking back still keeps it.
    evening.do(events.OPEN_POLL, item_id=item_id, confirm=True)
    assert phones[3].emit(events.WITHDRAW) == {"ok": True, "withdrawn": 0, "kept": 1, "kept_items": [item_id]}
    assert evening.store.answered(item_id) == 4


def test_a_token_cannot_read_back_his_kept_writings_by_taking_back(evening):
    """Whoever holds a phone's token (its page, its storage) learns from "Take back" only where writings stay.

    The room moved on: sync gives no answer of the sentences' poll, and taking back, which changes
    nothing when only read writings are left, must not hand them over either.
    """
    evening.start()
    phones, sentence = _four_write_and_the_poll_closes(
        evening, "sentence", ["first line", "second line", "third line", "something he never said before"])
    evening.do(events.CLOSE_POLL, item_id=sentence)
    feeling = evening.push("feeling")
    for phone, word in zip(phones, ("tired", "calm", "hopeful", "ashamed")):
        assert phone.answer(feeling, word)["ok"]
    evening.do(events.CLOSE_POLL, item_id=feeling)
    evening.push("welcome")
    assert phones[3].emit(events.SYNC).get("mine") is None
    for _ in range(2):  # the second time nothing is left to take: a silent read, if anything came back
        reply = phones[3].emit(events.WITHDRAW)
        assert reply == {"ok": True, "withdrawn": 0, "kept": 2, "kept_items": sorted([sentence, feeling])}
        assert "never said" not in json.dumps(reply) and "ashamed" not in json.dumps(reply)


def test_taking_back_after_a_close_without_a_review_list_leaves_nothing_of_him(evening):
    """A choice poll closed and not revealed has no picture yet: taking back is complete, and the reveal lacks him."""
    evening.start()
    phones = [evening.phone() for _ in range(4)]
    arrive = evening.push("arrive")
    for phone, value in zip(phones, (0, 0, 1, 2)):
        assert phone.answer(arrive, value)["ok"]
    evening.do(events.CLOSE_POLL, item_id=arrive)
    assert phones[3].emit(events.WITHDRAW) == {"ok": True, "withdrawn": 1, "kept": 0, "kept_items": []}
    evening.do(events.REVEAL_POLL, item_id=arrive)
    assert evening.room.items[arrive]["result"]["counts"] == [2, 1, 0]
