"""No order in the file: the database never says which answer (or which signal) came first.

The attack: someone copies Fireside's data folder while a meeting runs (the laptop is the
facilitator's) and reads the bytes. SQLite puts each new row where its page has free space,
one after another, and its write-ahead log keeps every committed version of a page, so with a
row per ballot the file told the order of the answers: with an eye on who tapped when, that
names the man behind an answer. So each poll's ballots (and each meeting's signals) are one
record sorted by id, written whole at each commit, and the log is emptied as soon as answers
pause (store.py, Store.forget_order; docs/privacy.md).

The proof plays the attack as strongly as it can be played: the same answers given in two
different orders, one commit each, leave byte-identical database files, and after every one of
them the log is emptied within moments. Whatever an attacker reads in the file, it is the same
whichever man answered first.
"""

import random
import sqlite3
import threading
import time

import pytest
from conftest import copy_migrated_database

from facilitator.store import Store

MEETING_KEY = "5e" * 32
PAGE = 4096  # SQLite's page size, as Fireside's database has it
OPTIONS = ["Tired", "Restless", "Calm"]


@pytest.fixture(autouse=True)
def brief_pause_before_folding(monkeypatch):
    """The writer folds the log in once answers pause; here, where answers come one by one, a brief pause."""
    monkeypatch.setattr("facilitator.store.FOLD_AFTER_SECONDS", 0.002, raising=False)


def log_bytes(path):
    """The write-ahead log's bytes (none: empty)."""
    wal = path.with_name(path.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def read_as_an_attacker(path, ids):
    """What the bytes say of these ids' order: on each page of the file, each group's ids by their place.

    ids is [(group, id)]: a group is a poll (its ballots) or a meeting's signals.
    """
    raw = path.read_bytes()
    found = {}
    for group, one in set(ids):
        at = raw.find(one.encode())
        while at != -1:
            found.setdefault((at // PAGE, group), []).append((at, one))
            at = raw.find(one.encode(), at + 1)
    return [[one for _, one in sorted(places)] for _, places in sorted(found.items(), key=lambda kv: str(kv[0]))]


def hold(folder, migrated, polls, events, signals=()):
    """A meeting on a fresh copy of the migrated database; events are (poll, ballot, answer) in order.

    answer None withdraws the ballot; {"pass": True} passes. After every commit the log must be
    empty. Returns the database file's bytes once closed.
    """
    folder.mkdir()
    copy_migrated_database(folder, migrated)
    path = folder / "fireside.db"
    store = Store(path)
    meeting = store.start_meeting(title="Tuesday", deck="", items=[], floor=3, join_code="TEST-CODE",
                                  meeting_key=MEETING_KEY)
    items = [store.add_item(meeting["id"], {"kind": "choice", "prompt": f"Poll {n}", "options": OPTIONS})["id"]
             for n in range(polls)]
    seen = []
    for poll, ballot, answer in events:
        if answer is None:
            store.delete_ballots([(ballot, items[poll])])
        else:
            store.record_answer(items[poll], ballot, None if "pass" in answer else answer["value"], "pass" in answer)
        seen.append((poll, ballot))
        attacked(path, seen)
    for marker, wants in signals:
        store.set_word_after(meeting["id"], marker, wants)
        seen.append(("signals", marker))
        attacked(path, seen)
    store.close()
    return path.read_bytes()


def attacked(path, ids):
    """The attack on a copy of the folder taken once the writer is done: neither the log nor the file gives an order.

    The writer empties the log once answers pause for FOLD_AFTER_SECONDS (so that acks never wait
    for it); the copy is taken when it has, and at most a second after the answer.
    """
    deadline = time.monotonic() + 1
    while any(one.encode() in log_bytes(path) for _, one in ids) and time.monotonic() < deadline:
        time.sleep(0.002)
    log = log_bytes(path)
    assert not any(one.encode() in log for _, one in ids), "the log keeps a version of the ballots from before"
    for on_a_page in read_as_an_attacker(path, ids):
        assert on_a_page == sorted(on_a_page), "ballots sit in the order they came, not in the order of their ids"


def ballot_id(rng):
    """A ballot id as Fireside makes them: 64 hex digits (an HMAC)."""
    return f"{rng.getrandbits(256):064x}"


def test_the_same_answers_in_another_order_leave_the_same_file(tmp_path, migrated_database):
    rng = random.Random(7)
    events = [(poll, ballot_id(rng), {"value": rng.randrange(3)}) for poll in range(3) for _ in range(20)]
    shuffled = [event for poll in range(3)
                for event in random.Random(8 + poll).sample(events[20 * poll:20 * poll + 20], 20)]
    assert shuffled != events
    first = hold(tmp_path / "first", migrated_database, 3, events)
    second = hold(tmp_path / "second", migrated_database, 3, shuffled)
    assert first == second
    for _, ballot, _ in events:  # the ballots are there at all, so the comparison compares something
        assert ballot.encode() in first


def test_the_same_signals_in_another_order_leave_the_same_file(tmp_path, migrated_database):
    rng = random.Random(9)
    markers = [ballot_id(rng) for _ in range(12)]
    signals = [(marker, True) for marker in markers] + [(markers[3], False), (markers[7], False)]
    other = [(marker, True) for marker in reversed(markers)] + [(markers[7], False), (markers[3], False)]
    first = hold(tmp_path / "first", migrated_database, 0, [], signals)
    second = hold(tmp_path / "second", migrated_database, 0, [], other)
    assert first == second
    assert markers[0].encode() in first and markers[3].encode() not in first


@pytest.mark.parametrize("seed", range(6))
def test_no_copy_taken_during_any_evening_shows_which_answer_came_first(tmp_path, migrated_database, seed):
    """Random evenings: answers, changed answers, passes and withdrawals, each in its own commit.

    After every commit, the attack on a copy of the folder finds every poll's ballots in the order
    of their ids on each page, and none in the log (hold). Two histories that end in the same
    ballots, reached in other orders and by other detours, end in the same ballots in the file.
    (Where a poll's record sits in its page may still differ: SQLite leaves free space where the
    record's earlier, shorter versions were. docs/privacy.md says what that space can tell.)
    """
    rng = random.Random(seed)
    polls = rng.randint(1, 3)
    final = {(poll, ballot_id(rng)): rng.choice([{"value": rng.randrange(3)}, {"pass": True}])
             for poll in range(polls) for _ in range(rng.randint(1, 15))}

    def history(rng):
        events = []
        for poll in range(polls):  # one poll open at a time, as in the room
            ballots = [(ballot, answer) for (of, ballot), answer in final.items() if of == poll]
            for ballot, answer in rng.sample(ballots, len(ballots)):
                for _ in range(rng.randint(0, 2)):  # detours: another answer first, or a withdrawal
                    events.append((poll, ballot, rng.choice([None, {"value": rng.randrange(3)}, {"pass": True}])))
                events.append((poll, ballot, answer))
            gone = ballot_id(rng)  # a man who answered and then withdrew
            events[rng.randrange(len(events) - len(ballots), len(events) + 1):0] = [(poll, gone, {"value": 1}),
                                                                                   (poll, gone, None)]
        return events

    first = history(random.Random(seed + 100))
    second = history(random.Random(seed + 200))
    assert first != second
    hold(tmp_path / "first", migrated_database, polls, first)
    hold(tmp_path / "second", migrated_database, polls, second)
    assert ballots_in(tmp_path / "first") == ballots_in(tmp_path / "second") == sorted(
        (poll + 1, ballot, None if "pass" in answer else str(answer["value"])) for (poll, ballot), answer in final.items())


def ballots_in(folder):
    """Every ballot in a closed database, as (poll, ballot id, answer) read through the ballots view."""
    db = sqlite3.connect(folder / "fireside.db")
    try:
        return sorted(db.execute("SELECT item_id, ballot, answer FROM ballots"))
    finally:
        db.close()


def test_a_database_from_before_keeps_every_ballot_and_signal_and_files_them_as_sets(tmp_path):
    """A meeting running under the older Fireside (a row per ballot and per signal) carries on after the update."""
    path = tmp_path / "fireside.db"
    store = Store(path)
    meeting = store.start_meeting(title="Tuesday", deck="", items=[], floor=3, join_code="TEST-CODE",
                                  meeting_key=MEETING_KEY)
    polls = [store.add_item(meeting["id"], {"kind": "choice", "prompt": f"Poll {n}", "options": OPTIONS})["id"]
             for n in range(2)]
    store.close()
    rows = [("c3" * 32, polls[0], "2", 0), ("a1" * 32, polls[0], None, 1), ("b2" * 32, polls[1], "0", 0)]
    db = sqlite3.connect(path)  # the tables as schema 3 had them (m001 and m005), with a running meeting's rows
    db.executescript(
        "DROP VIEW ballots; DROP TABLE ballot_sets; DROP VIEW word_after; DROP TABLE signal_sets;"
        "CREATE TABLE ballots (ballot TEXT PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id),"
        " answer TEXT, passed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
        "CREATE INDEX idx_ballots_item_id ON ballots (item_id);"
        "CREATE TABLE word_after (marker TEXT PRIMARY KEY, meeting_id INTEGER NOT NULL REFERENCES meetings(id),"
        " wants INTEGER NOT NULL, shown INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
        "DELETE FROM _sqlite_migrations WHERE name = 'm007_sets_not_rows';"
        "UPDATE fireside SET value = '3' WHERE key = 'schema_version';")
    db.executemany("INSERT INTO ballots VALUES (?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO word_after VALUES (?, ?, ?, ?)",
                   [("f0" * 32, meeting["id"], 1, 1), ("e0" * 32, meeting["id"], 0, 1), ("d0" * 32, meeting["id"], 1, 0)])
    db.execute("UPDATE items SET answered = 2 WHERE id = ?", (polls[0],))
    db.commit()
    db.close()

    store = Store(path)  # the update: m007 runs
    try:
        assert store.basis(polls[0]) == {"a1" * 32: None, "c3" * 32: "2"}
        assert store.ballot("b2" * 32, polls[1]) == {"value": 0}
        assert store.word_after_counts(meeting["id"]) == (2, 2, 2)
        assert store.record_answer(polls[0], "b2" * 32, 1, False) == 3  # the evening goes on
        assert store.answers(polls[0]) == ([1, 2], 1)  # in the order of the ballot ids (b2…, c3…)
        assert store._rows("SELECT value FROM fireside WHERE key = 'schema_version'") == [{"value": "4"}]
        assert store._rows("SELECT name FROM sqlite_master WHERE name LIKE 'idx_ballots%'") == []
    finally:
        store.close()
    db = sqlite3.connect(path)
    assert sorted(db.execute("SELECT ballot, item_id, answer, passed FROM ballots")) == sorted(
        [*rows, ("b2" * 32, polls[0], "1", 0)])
    db.close()


def test_what_the_store_hands_on_comes_in_the_order_of_the_ballot_ids_not_of_arrival(tmp_path):
    """A picture's copy of the ballots, the answers a tally reads: never in the order they came.

    A picture's rows are written in the order the store hands the ballots over, so that order
    would sit in the file; and words or sentences listed as they came would tell the console who
    wrote which, next to who put his phone down when.
    """
    store = Store(tmp_path / "fireside.db")
    try:
        meeting = store.start_meeting(title="Tuesday", deck="", items=[], floor=3, join_code="TEST-CODE",
                                      meeting_key=MEETING_KEY)
        poll = store.add_item(meeting["id"], {"kind": "choice", "prompt": "Poll", "options": OPTIONS})["id"]
        rng = random.Random(11)
        first = [ballot_id(rng) for _ in range(5)]
        for ballot in first:
            store.record_answer(poll, ballot, 0, False)
        store.basis(poll)  # the store has read them all once
        later = sorted((ballot_id(rng) for _ in range(8)), reverse=True)  # arriving against the order of their ids
        for n, ballot in enumerate(later):
            store.record_answer(poll, ballot, n % 3, False)
        basis = store.basis(poll)
        assert list(basis) == sorted(first + later)
        values, passes = store.answers(poll)
        assert values == [int(basis[ballot]) for ballot in sorted(basis)] and passes == 0
        store.add_picture(poll, 0, basis)
    finally:
        store.close()
    for on_a_page in read_as_an_attacker(tmp_path / "fireside.db", [("poll", b) for b in first + later]):
        assert on_a_page in (sorted(on_a_page), sorted(on_a_page, reverse=True))  # the record, the picture's rows


def test_a_reader_holding_the_log_through_the_answers_is_reported_and_the_log_emptied_once_it_lets_go(
        tmp_path, monkeypatch):
    """Another program reading the database keeps the log from being emptied: answers go on, and it is said."""
    monkeypatch.setattr("facilitator.store.FOLD_TRIES", 5)
    path = tmp_path / "fireside.db"
    store = Store(path)
    try:
        meeting = store.start_meeting(title="Tuesday", deck="", items=[], floor=3, join_code="TEST-CODE",
                                      meeting_key=MEETING_KEY)
        poll = store.add_item(meeting["id"], {"kind": "choice", "prompt": "Poll", "options": OPTIONS})["id"]
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM items").fetchall()  # a read that lasts: a backup tool, a viewer
        rng = random.Random(12)
        ballots = [ballot_id(rng) for _ in range(3)]
        for n, ballot in enumerate(ballots):
            assert store.record_answer(poll, ballot, n % 3, False) == n + 1  # acknowledged all the same
        deadline = time.monotonic() + 2
        while store.log_clean and time.monotonic() < deadline:
            time.sleep(0.005)
        assert not store.log_clean  # the console and the terminal say so (broadcast.notices, the log)
        assert all(ballot.encode() in log_bytes(path) for ballot in ballots)

        reader.execute("COMMIT")
        reader.close()
        assert store.checkpoint()  # what Fireside does every minute, and at End
        assert store.log_clean and log_bytes(path) == b""
    finally:
        store.close()


def test_a_disk_that_fails_while_the_log_is_emptied_stops_no_answer(tmp_path, monkeypatch):
    """The writer that empties the log is the one that commits answers: a failing disk must not stop it."""
    monkeypatch.setattr("facilitator.store.FOLD_TRIES", 3)

    def failing(self):
        raise sqlite3.OperationalError("disk I/O error")

    store = Store(tmp_path / "fireside.db")
    answering = threading.Thread()
    try:
        meeting = store.start_meeting(title="Tuesday", deck="", items=[], floor=3, join_code="TEST-CODE",
                                      meeting_key=MEETING_KEY)
        poll = store.add_item(meeting["id"], {"kind": "choice", "prompt": "Poll", "options": OPTIONS})["id"]
        monkeypatch.setattr(Store, "_fold", failing)
        rng = random.Random(13)
        assert store.record_answer(poll, ballot_id(rng), 1, False) == 1
        deadline = time.monotonic() + 2
        while store.log_clean and time.monotonic() < deadline:
            time.sleep(0.005)
        assert not store.log_clean  # said on the console and in the terminal
        counts = []  # the next answer, in a thread of its own: a dead writer would keep it waiting for ever
        answering = threading.Thread(target=lambda: counts.append(store.record_answer(poll, ballot_id(rng), 2, False)),
                                     daemon=True)
        answering.start()
        answering.join(5)
        assert counts == [2]  # the writer is still there
    finally:
        if not answering.is_alive():
            store.close()


def test_a_hall_answering_without_pause_leaves_at_most_a_tenth_of_a_second_of_order_in_the_log(
        tmp_path, migrated_database, monkeypatch):
    """Answers 5 ms apart for half a second never pause long enough to fold the log: it is folded anyway.

    Each commit writes the poll's whole record into the log again, so the versions side by side
    give the order of the answers between two folds. However closely answers follow one another,
    the log is emptied FOLD_AT_MOST_SECONDS after its first change: a copy taken at any moment holds
    the versions of at most that long.
    """
    monkeypatch.setattr("facilitator.store.FOLD_AFTER_SECONDS", 0.02)  # the server's own pause
    copy_migrated_database(tmp_path, migrated_database)
    store = Store(tmp_path / "fireside.db")
    try:
        meeting = store.start_meeting(title="t", deck="", items=[], floor=3, join_code="X", meeting_key=MEETING_KEY)
        poll = store.add_item(meeting["id"], {"kind": "text", "prompt": "p"})["id"]
        most = 0
        for n in range(100):
            store.record_answer(poll, f"{n + 1:064x}", f"SENTENCE-{n:03d}", False)
            time.sleep(0.005)
            wal = log_bytes(tmp_path / "fireside.db")
            # Every version of the record written since the log's last fold holds the oldest sentence in it.
            first = min((n for n in range(n + 1) if f"SENTENCE-{n:03d}".encode() in wal), default=None)
            if first is not None:
                most = max(most, wal.count(f"SENTENCE-{first:03d}".encode()))
    finally:
        store.close()
    # About 20 commits fit in a tenth of a second at 5 ms apart; without the bound, all 100 would.
    assert 0 < most <= 40, most
