"""The only module that touches SQLite: schema, migrations, and one serialised writer.

Flask-SocketIO runs every event handler in its own thread (or greenlet), so the store owns a
single connection opened with check_same_thread=False and lets one caller at a time use it.
Writes are committed before a method returns, which is what lets an answer be
acknowledged to a phone only once it is safe on disk.

Answers are group-committed, as Datasette does its writes: each is queued, and one writer
thread (a greenlet under gevent) drains the queue into one transaction whenever someone waits;
each caller returns only once its own ballot is committed. Anyone else who uses the connection
(a read, a reveal's tally, a withdrawal, the end of a meeting) first commits what is queued, so
nobody ever sees the database without an answer that was queued before them.

Privacy lives here as much as anywhere (DESIGN.md, "Privacy by construction"):
ballots are kept under an HMAC of the meeting key, the phone's token and the poll; no
column anywhere holds a token, an address or a time finer than the day, except the hour a
running meeting was last active (so that a forgotten meeting can end itself; cleared at its end).
Nor does the file keep the order in which answers came (docs/privacy.md, "No order in the
file"): a poll's ballots are one record, sorted by ballot id and written whole at each commit
(ballot_sets), and the write-ahead log, which would hold every earlier version of it, is
emptied as soon as answers pause, and after each change of a signal (forget_order).
"""

import contextlib
import datetime
import json
import logging
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from facilitator.i18n import _l
from facilitator.kinds import SPEC_FIELDS

SCHEMA_VERSION = 4
migrations = Migrations("fireside")
log = logging.getLogger("fireside.store")

CHECKPOINT_ATTEMPTS = 5  # a reader usually lets go within a moment; never hold End up for long
CHECKPOINT_WAIT_MS = 100  # how long each attempt waits for readers (the connection otherwise waits 10 s)
BUSY_TIMEOUT_MS = 10_000  # the connection's usual wait for a lock (sqlite3.connect(timeout=10))
# How long the writer waits for more answers before it empties the log (Store.forget_order):
# long enough for a burst's acks to go out first, short enough that a copy of the folder taken
# between two men's answers holds one of them at most.
FOLD_AFTER_SECONDS = 0.02
# ...and at the latest this long after the first change it holds, however closely answers follow
# one another: the log then keeps the order of at most a tenth of a second of answers.
FOLD_AT_MOST_SECONDS = 0.1
FOLD_TRIES = 50  # a reader holding the log that long (about a second) is reported, as at End
LOG_NOT_EMPTIED = str(_l(  # a str for the terminal; the console says it translated (broadcast.notices)
    "Fireside could not empty its database's log file (fireside.db-wal), which may still hold copies of "
    "deleted answers, or the order in which answers came, because another program is reading the "
    "database. Close any program that has "
    "fireside.db open (a backup or sync tool, a database viewer); Fireside tries again every minute "
    "while it runs, and when it starts."
))
LOG_EMPTIED_NOW = ("Fireside has now emptied its database's log file: no copy of deleted answers, and no order "
                   "of answers, is left in it.")


class StoreError(Exception):
    """A database file Fireside cannot use, with a message that says what to do."""


@migrations()
def m001_initial(db):
    """Meetings, their items, anonymous ballots, arrivals and moderation."""
    db["meetings"].create(
        {
            "id": int,
            "title": str,
            "deck": str,
            "held_on": str,  # the day only: the time of day is nobody's business
            "status": str,  # running | ended
            "join_code": str,  # null once the meeting has ended
            "meeting_key": str,  # hex; destroyed (null) when the meeting ends
            "privacy_floor": int,
            "current_item": int,
            "phones_joined": int,
            "notes": str,
        },
        pk="id",
        not_null=["title", "held_on", "status", "privacy_floor", "phones_joined", "notes"],
        defaults={"phones_joined": 0, "notes": "", "deck": ""},
    )
    db["items"].create(
        {
            "id": int,
            "meeting_id": int,
            "position": int,
            "key": str,  # the deck's stable item id, compared across meetings
            "kind": str,
            "prompt": str,
            "spec": str,  # JSON: options, max, scale, axes, max_words
            "note": str,
            "minutes": int,
            "state": str,  # pending | open | closed | revealed | shown
            "answered": int,  # kept up to date so an answer costs constant work
            "result": str,  # JSON tally as the room saw it, once revealed or ended
        },
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id")],
        not_null=["meeting_id", "position", "kind", "prompt", "state", "answered"],
        defaults={"answered": 0, "note": "", "key": "", "spec": "{}"},
    )
    db["items"].create_index(["meeting_id", "position"])
    # sqlite-utils cannot declare WITHOUT ROWID; a rowid would record answer order. (So did the
    # place of each row in its page: m007 keeps each poll's ballots as one sorted record instead.)
    db.execute(
        "CREATE TABLE ballots ("
        " ballot TEXT PRIMARY KEY,"  # HMAC(meeting_key, token + item id), hex
        " item_id INTEGER NOT NULL REFERENCES items(id),"
        " answer TEXT,"  # JSON value; null when the phone passed
        " passed INTEGER NOT NULL DEFAULT 0"
        ") WITHOUT ROWID"
    )
    db["ballots"].create_index(["item_id"])
    db.execute(
        "CREATE TABLE arrivals ("
        " marker TEXT PRIMARY KEY,"  # HMAC(meeting_key, 'arrival' + token): counts phones once
        " meeting_id INTEGER NOT NULL REFERENCES meetings(id)"
        ") WITHOUT ROWID"
    )
    db["moderation"].create(
        {"item_id": int, "text": str, "approved": int, "export": int},
        pk=("item_id", "text"),
        foreign_keys=[("item_id", "items", "id")],
        not_null=["approved", "export"],
        defaults={"approved": 0, "export": 0},
    )
    db["fireside"].create({"key": str, "value": str}, pk="key")
    db["fireside"].insert({"key": "schema_version", "value": str(SCHEMA_VERSION)})


@migrations()
def m002_live_results(db):
    """A meeting may show results while a poll is open, in steps of at least k answers."""
    db["meetings"].add_column("live_results", int, not_null_default=0)
    db.execute("UPDATE fireside SET value = '2' WHERE key = 'schema_version'")


@migrations()
def m003_pictures(db):
    """The ballots each picture of a poll was drawn from, so no two pictures differ by one man (pictures.py)."""
    # Filed under the same HMAC ballot ids as the ballots, WITHOUT ROWID for the same reason, and
    # deleted with them when the meeting ends.
    db.execute(
        "CREATE TABLE pictures ("
        " item_id INTEGER NOT NULL REFERENCES items(id),"
        " number INTEGER NOT NULL,"  # 0 for a poll's first picture, then 1, 2, …
        " ballot TEXT NOT NULL,"
        " answer TEXT,"  # JSON value as it was then; null for a pass
        " PRIMARY KEY (item_id, number, ballot)"
        ") WITHOUT ROWID"
    )
    db.execute("UPDATE fireside SET value = '3' WHERE key = 'schema_version'")


@migrations()
def m004_last_active(db):
    """The hour (UTC, rounded down) a running meeting was last active, so a forgotten one can end itself.

    Null once the meeting has ended. Older versions of Fireside ignore the column, so the schema
    version stays as it was.
    """
    db["meetings"].add_column("last_active", str)


@migrations()
def m005_word_after(db):
    """A man's private "I'd like a word after": filed like a ballot, deleted when the meeting ends.

    One row per phone that asked, under HMAC(meeting key, "word-after" + token): no token, no time,
    and WITHOUT ROWID, meant to keep no order of the signals (the place of each row in its page
    still did: m007 keeps them as one sorted record per meeting). `wants` is whether it still
    asks; `shown` whether the console's count includes it (Room: the count moves only at a break, at
    the close, or in steps of two). A signal taken back after it was counted stays, wanting nothing,
    until the count is next drawn. Older versions of Fireside ignore the table, so the schema version
    stays as it was.
    """
    db.execute(
        "CREATE TABLE word_after ("
        " marker TEXT PRIMARY KEY,"
        " meeting_id INTEGER NOT NULL REFERENCES meetings(id),"
        " wants INTEGER NOT NULL,"
        " shown INTEGER NOT NULL DEFAULT 0"
        ") WITHOUT ROWID"
    )


@migrations()
def m006_language(db):
    """The language a meeting is held in (facilitator/i18n.py): its phones, projector, console and summary.

    Meetings from before had only English. Older versions of Fireside ignore the column.
    """
    db["meetings"].add_column("language", str, not_null_default="en")


@migrations()
def m007_sets_not_rows(db):
    """Each poll's ballots, and each meeting's signals, as one record sorted by id: no order in the file.

    A row per ballot sat in its page where free space was when it came, one after another, so
    the bytes of the file said which answer came before which (and which signal, for "a word
    after"). A poll's ballots are now one JSON object, {ballot id: answer as JSON text, or null
    for a pass}, and a meeting's signals one object, {marker: [wants, shown]}, their keys sorted,
    each written whole whenever one of its entries changes; views named ballots and word_after
    show them as rows, as the tables did. Older versions of Fireside write to those tables, so
    the schema version moves on.
    """
    db.execute(
        "CREATE TABLE ballot_sets ("
        " item_id INTEGER PRIMARY KEY REFERENCES items(id),"  # the poll: its id is no secret
        " ballots TEXT NOT NULL"  # {HMAC ballot id: answer JSON text, or null when the phone passed}
        ")"
    )
    sets = {}
    for ballot, item_id, answer, passed in db.execute("SELECT ballot, item_id, answer, passed FROM ballots"):
        sets.setdefault(item_id, {})[ballot] = None if passed else answer
    db.conn.executemany("INSERT INTO ballot_sets (item_id, ballots) VALUES (?, ?)",
                        ((item_id, _ballot_set_text(ballots)) for item_id, ballots in sets.items()))
    db.execute("DROP TABLE ballots")
    db.execute(BALLOTS_VIEW)

    db.execute(
        "CREATE TABLE signal_sets ("
        " meeting_id INTEGER PRIMARY KEY REFERENCES meetings(id),"
        " signals TEXT NOT NULL"  # {HMAC marker: [wants, shown]}, as word_after's rows were (m005)
        ")"
    )
    signals = {}
    for marker, meeting_id, wants, shown in db.execute("SELECT marker, meeting_id, wants, shown FROM word_after"):
        signals.setdefault(meeting_id, {})[marker] = [wants, shown]
    db.conn.executemany("INSERT INTO signal_sets (meeting_id, signals) VALUES (?, ?)",
                        ((meeting_id, _ballot_set_text(rows)) for meeting_id, rows in signals.items()))
    db.execute("DROP TABLE word_after")
    db.execute(WORD_AFTER_VIEW)
    db.execute("UPDATE fireside SET value = '4' WHERE key = 'schema_version'")


@migrations()
def m008_no_pass_count_below_the_floor(db):
    """A result below the privacy floor keeps how many responded, no longer how many of them passed.

    The room knows who tapped; with fewer than k real answers, "1 answered, 1 passed" says whose
    tap was the pass (docs/privacy.md, "Nobody sees who passed"). Results stored before, of ended
    meetings and of the one running, lose the split here. Older versions of Fireside read such a
    result as one with no pass, so the schema version stays.
    """
    for item_id, text in db.execute("SELECT id, result FROM items WHERE result IS NOT NULL").fetchall():
        result = json.loads(text)
        if isinstance(result, dict) and not result.get("shown") and "passed" in result:
            del result["passed"]
            db.execute("UPDATE items SET result = ? WHERE id = ?", (json.dumps(result), item_id))


@migrations()
def m009_first_close_had(db):
    """Whether a poll's first close (or reveal) has passed: it draws the count of "a word after" once.

    Kept in memory only until now, a restart forgot it for a poll closed and opened again before
    the restart, and its next close drew the count once more: a close the facilitator could place
    right after a man he watched tapped (docs/privacy.md, "A word after"). Older versions of
    Fireside ignore the column, so the schema version stays.
    """
    db["items"].add_column("first_close_had", int, not_null_default=0)


# Every ballot as a row, as the ballots table showed them before m007 (for reading only).
BALLOTS_VIEW = (
    "CREATE VIEW ballots AS SELECT entry.key AS ballot, ballot_sets.item_id AS item_id,"
    " entry.value AS answer, entry.value IS NULL AS passed"
    " FROM ballot_sets, json_each(ballot_sets.ballots) AS entry"
)


# Every signal as a row, as the word_after table showed them before m007 (for reading only).
WORD_AFTER_VIEW = (
    "CREATE VIEW word_after AS SELECT entry.key AS marker, signal_sets.meeting_id AS meeting_id,"
    " json_extract(entry.value, '$[0]') AS wants, json_extract(entry.value, '$[1]') AS shown"
    " FROM signal_sets, json_each(signal_sets.signals) AS entry"
)


def _ballot_set_text(entries):
    """A poll's ballots (or a meeting's signals) as stored: JSON, keys sorted, so the text depends on the set alone."""
    return json.dumps(entries, sort_keys=True, separators=(",", ":"))


# The tables that keep a set whole: table -> (the column of its owner, the column of the set).
WHOLE_SETS = {"ballot_sets": ("item_id", "ballots"), "signal_sets": ("meeting_id", "signals")}


def _write_whole(execute, table, owner, entries):
    """Store a poll's ballots (ballot_sets) or a meeting's signals (signal_sets) whole; none left: no record."""
    key, column = WHOLE_SETS[table]
    if entries:
        execute(f"INSERT INTO {table} ({key}, {column}) VALUES (?, ?)"
                f" ON CONFLICT ({key}) DO UPDATE SET {column} = excluded.{column}", (owner, _ballot_set_text(entries)))
    else:
        execute(f"DELETE FROM {table} WHERE {key} = ?", (owner,))


def _apart(work):
    """work() in a thread of the operating system, the caller waiting for it; its result.

    Under gevent (serving.prepare) the caller's greenlet waits in gevent's thread pool, and the
    event loop serves everyone else meanwhile: SQLite lets go of the interpreter while it writes
    and waits for the disk. Otherwise the caller is a thread already, and runs it itself.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        import gevent

        return gevent.get_hub().threadpool.apply(work)
    return work()


def _loads(text, default=None):
    """JSON column to value, tolerating null."""
    return default if text is None else json.loads(text)


class _Ballot:
    """One queued answer, until it is committed (or has failed)."""

    __slots__ = ("item_id", "ballot", "answer", "passed", "done", "count", "error")

    def __init__(self, item_id, ballot, answer, passed):
        self.item_id = item_id
        self.ballot = ballot
        # An option's number, the commonest answer, is its own JSON: str() skips json.dumps' set-up.
        self.answer = None if passed else str(answer) if type(answer) is int else json.dumps(answer)
        self.passed = int(bool(passed))
        self.done = None  # its batch's event (Store.queue_answer), set once committed or failed
        self.count = None  # the item's answered count right after this ballot
        self.error = None


class Store:
    """One SQLite file, one connection, one lock; answers committed in groups."""

    def __init__(self, path):
        """Open (creating if needed) the database at path and bring its schema up to date."""
        self.path = Path(path)
        self._lock = threading.RLock()
        self._queue = []  # answers waiting for their transaction (group commit)
        self._queue_lock = threading.Lock()
        # One event for every answer queued since the writer last took the queue: set once that
        # batch is committed. An event per answer cost about a tenth of an answer's own work.
        self._batch_done = threading.Event()
        self._wake = threading.Event()  # someone waits for a queued answer: the writer should commit
        self._writer = None  # the writer thread, started by the first wait
        self._closing = False
        self._sets = {}  # item id -> its ballots as committed ({ballot id: answer text or None}), once read
        self._unfolded = False  # ballots or signals changed since the log was last emptied (forget_order)
        self._unfolded_since = 0.0  # when they first did (time.monotonic), or the last try at emptying it
        self._fold_tries = 0  # tries to empty it that a reader kept from succeeding, in a row
        conn = None
        try:
            _create_owner_only(self.path)
            conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10)
            self.db = Database(conn)
            self._check_version()  # reads only: a file Fireside refuses is left exactly as it was
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA secure_delete=ON")  # deleted ballots are overwritten, not left behind
            # SQLite's own scratch files (a statement's undo copy past 64 KB, a big sort) would go to
            # /var/tmp, where End never reaches them: keep them in memory.
            self.db.execute("PRAGMA temp_store=MEMORY")
            self.db.enable_wal()
            # In WAL mode NORMAL survives a killed process; only a power cut could lose the last commits.
            self.db.execute("PRAGMA synchronous=NORMAL")
            migrations.apply(self.db)
            self.log_clean = True  # the write-ahead log holds no copy of deleted rows (see checkpoint)
            self.checkpoint()  # a log a reader kept full when Fireside last ended a meeting is emptied now
        except (StoreError, sqlite3.Error, OSError) as error:
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            if isinstance(error, StoreError):
                raise
            raise StoreError(_explain(self.path, error)) from error
        _owner_only(self.path)

    def _check_version(self):
        """Refuse a damaged file, another program's database, or one from a newer Fireside."""
        check = self.db.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise StoreError(_damaged(self.path, check[0][0] if check else "no answer"))
        tables = set(self.db.table_names())
        if "fireside" not in tables:
            if tables - {migrations.migrations_table}:
                raise StoreError(
                    f"{self.path} is a database of some other program, not Fireside's. Fireside has not "
                    "changed it. Move it out of Fireside's data folder, or use --data with another folder."
                )
            return
        row = self.db.execute("SELECT value FROM fireside WHERE key = 'schema_version'").fetchone()
        try:
            version = int(row[0]) if row else SCHEMA_VERSION
        except (TypeError, ValueError):
            raise StoreError(_damaged(self.path, "its schema version is unreadable")) from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer version of Fireside (schema {row[0]}, "
                f"this one knows {SCHEMA_VERSION}). Fireside has not changed it. Update Fireside "
                "(pip install --upgrade fireside), or use --data with another folder."
            )

    @contextlib.contextmanager
    def _tx(self):
        """Serialise access and group writes into one transaction (after the queued answers)."""
        with self._lock:
            self._commit_queued()
            with self.db.atomic():
                yield self.db

    def _rows(self, sql, params=()):
        """Run a SELECT under the lock (after the queued answers are committed) and return dicts.

        Straight on the connection: sqlite-utils' query() wraps each statement in a savepoint of its
        own (for writes that return rows), three statements where a read needs one.
        """
        with self._lock:
            self._commit_queued()
            cursor = self.db.conn.execute(sql, params)
            keys = [column[0] for column in cursor.description]
            return [dict(zip(keys, row)) for row in cursor.fetchall()]

    def close(self):
        """Stop the writer and close the connection (what is queued is committed first)."""
        with self._queue_lock:
            self._closing, writer = True, self._writer
        self._wake.set()
        if writer is not None:
            writer.join(10)
        with self._lock:
            self._commit_queued()
            self.db.close()

    # meetings -----------------------------------------------------------------

    def running_meeting(self):
        """The meeting in progress, or None."""
        rows = self._rows("SELECT * FROM meetings WHERE status = 'running' ORDER BY id DESC LIMIT 1")
        return rows[0] if rows else None

    def meeting(self, meeting_id):
        """One meeting by id, or None."""
        rows = self._rows("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
        return rows[0] if rows else None

    def last_deck(self):
        """The deck id the newest meeting started from ("" for an empty one), or None before any."""
        rows = self._rows("SELECT deck FROM meetings ORDER BY id DESC LIMIT 1")
        return rows[0]["deck"] if rows else None

    def meetings(self):
        """Every meeting, newest first."""
        return self._rows("SELECT * FROM meetings ORDER BY id DESC")

    def start_meeting(self, *, title, deck, items, floor, join_code, meeting_key, live_results=False,
                      today=None, language="en"):
        """Create a running meeting with its agenda; returns the meeting row."""
        held_on = (today or datetime.date.today()).isoformat()
        with self._tx() as db:
            meeting_id = db["meetings"].insert(
                {
                    "title": title,
                    "deck": deck or "",
                    "held_on": held_on,
                    "status": "running",
                    "join_code": join_code,
                    "meeting_key": meeting_key,
                    "privacy_floor": floor,
                    "current_item": None,
                    "phones_joined": 0,
                    "notes": "",
                    "live_results": int(live_results),
                    "language": language,
                }
            ).last_pk
            for position, item in enumerate(items):
                self._insert_item(db, meeting_id, position, item)
        return self.meeting(meeting_id)

    def _insert_item(self, db, meeting_id, position, item):
        """Insert one agenda item in deck form; returns its id."""
        spec = {name: item[name] for name in SPEC_FIELDS if name in item}
        return db["items"].insert(
            {
                "meeting_id": meeting_id,
                "position": position,
                "key": item.get("key", ""),
                "kind": item["kind"],
                "prompt": item["prompt"],
                "spec": json.dumps(spec),
                "note": item.get("note") or "",
                "minutes": item.get("minutes"),
                "state": "pending",
                "answered": 0,
                "result": None,
            }
        ).last_pk

    def set_current(self, meeting_id, item_id):
        """Which item every phone and the screen show now (None: waiting)."""
        with self._tx() as db:
            db["meetings"].update(meeting_id, {"current_item": item_id})

    def set_last_active(self, meeting_id, hour):
        """Record the hour a running meeting was last active (text, see idle.py); ended meetings keep none."""
        with self._tx() as db:
            db.execute("UPDATE meetings SET last_active = ? WHERE id = ? AND status = 'running'",
                       (hour, meeting_id))

    def set_language(self, meeting_id, language):
        """The language a meeting goes on in."""
        with self._tx() as db:
            db["meetings"].update(meeting_id, {"language": language})

    def set_notes(self, meeting_id, notes):
        """The facilitator's own notes for the summary."""
        with self._tx() as db:
            db["meetings"].update(meeting_id, {"notes": notes})

    def arrived(self, meeting_id, marker):
        """True when this phone was already counted for the meeting (read only)."""
        return bool(self._rows("SELECT 1 FROM arrivals WHERE marker = ? AND meeting_id = ?", (marker, meeting_id)))

    def record_arrival(self, meeting_id, marker):
        """Count a phone once per meeting; True when it is new."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO arrivals (marker, meeting_id) VALUES (?, ?)", (marker, meeting_id)
            )
            if cursor.rowcount:
                db.execute("UPDATE meetings SET phones_joined = phones_joined + 1 WHERE id = ?", (meeting_id,))
                return True
        return False

    # "I'd like a word after" -------------------------------------------------------

    def word_after(self, meeting_id, marker):
        """True when this phone asks for a word after the meeting."""
        with self._lock:
            return self._signals(meeting_id).get(marker, [0, 0])[0] == 1

    def set_word_after(self, meeting_id, marker, wants):
        """Record or take back one phone's signal; a taken-back signal the console counts stays until redrawn."""
        with self._tx() as db:
            signals = self._signals(meeting_id)
            if wants:
                signals[marker] = [1, signals.get(marker, [0, 0])[1]]
            elif marker in signals:
                if signals[marker][1]:  # counted: it stays, wanting nothing, until the count is drawn
                    signals[marker] = [0, 1]
                else:
                    del signals[marker]
            _write_whole(db.execute, "signal_sets", meeting_id, signals)
        self._fold_soon()

    def word_after_counts(self, meeting_id):
        """(signals asking now, signals the console counts, signals that differ between the two)."""
        with self._lock:
            signals = self._signals(meeting_id).values()
        return (sum(w for w, _ in signals), sum(s for _, s in signals), sum(w != s for w, s in signals))

    def draw_word_after(self, meeting_id):
        """The console's count becomes the signals asking now; returns it."""
        with self._tx() as db:
            signals = {marker: [1, 1] for marker, (wants, _) in self._signals(meeting_id).items() if wants}
            _write_whole(db.execute, "signal_sets", meeting_id, signals)
        self._fold_soon()
        return len(signals)

    def _signals(self, meeting_id):
        """Under the lock: a meeting's signals, {marker: [wants, shown]} (a fresh dict: change it freely)."""
        self._commit_queued()
        row = self.db.conn.execute("SELECT signals FROM signal_sets WHERE meeting_id = ?", (meeting_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def end_meeting(self, meeting_id, results):
        """Keep only the tallies the room saw; delete ballots, arrivals and signals; destroy the key and code."""
        with self._tx() as db:
            for item_id, result in results.items():
                db["items"].update(item_id, {"result": json.dumps(result)})
            for table in ("ballot_sets", "pictures"):
                db.execute(
                    f"DELETE FROM {table} WHERE item_id IN (SELECT id FROM items WHERE meeting_id = ?)", (meeting_id,)
                )
            self._sets.clear()
            db.execute("DELETE FROM arrivals WHERE meeting_id = ?", (meeting_id,))
            db.execute("DELETE FROM signal_sets WHERE meeting_id = ?", (meeting_id,))
            db.execute(
                "DELETE FROM moderation WHERE approved = 0 AND item_id IN "
                "(SELECT id FROM items WHERE meeting_id = ?)",
                (meeting_id,),
            )
            db["meetings"].update(
                meeting_id,
                {"status": "ended", "join_code": None, "meeting_key": None, "current_item": None,
                 "last_active": None},
            )
        self.checkpoint()

    def checkpoint(self):
        """Fold the write-ahead log into the file and empty it, so deleted rows leave no copy there.

        Another connection reading the database (a backup tool, a viewer) keeps SQLite from
        emptying the log: the checkpoint then reports itself busy and the -wal file keeps its
        bytes, deleted answers and keys included. So the result is checked, not assumed: a few
        brief attempts, then log_clean is False (the console and the terminal say so) until a
        later call succeeds. Returns True when the log is empty.
        """
        with self._lock:
            self._commit_queued()
            self.db.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
            try:
                for attempt in range(CHECKPOINT_ATTEMPTS):
                    if attempt:
                        time.sleep(CHECKPOINT_WAIT_MS / 1000)
                    busy = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                    if not busy and self._log_size() == 0:
                        break
                else:
                    if self.log_clean:
                        log.error(LOG_NOT_EMPTIED)
                    self.log_clean = False
                    return False
            finally:
                self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self.log_clean:
                log.warning(LOG_EMPTIED_NOW)
            self.log_clean = True
            return True

    def _log_size(self):
        """Bytes in the write-ahead log file (none: 0)."""
        try:
            return os.path.getsize(str(self.path) + "-wal")
        except OSError:
            return 0

    # items --------------------------------------------------------------------

    def items(self, meeting_id):
        """The meeting's agenda in order, each item as a dict with its spec unpacked."""
        rows = self._rows("SELECT * FROM items WHERE meeting_id = ? ORDER BY position, id", (meeting_id,))
        return [self._item(row) for row in rows]

    def item(self, item_id):
        """One item, or None."""
        rows = self._rows("SELECT * FROM items WHERE id = ?", (item_id,))
        return self._item(rows[0]) if rows else None

    @staticmethod
    def _item(row):
        """Row to item dict: spec fields at top level, result decoded (first_close_had: first_close_had())."""
        item = dict(row)
        item.pop("first_close_had", None)
        item.update(_loads(item.pop("spec"), {}))
        item["result"] = _loads(item["result"])
        return item

    def add_item(self, meeting_id, item):
        """Append an item to a running meeting's agenda; returns the new item."""
        with self._tx() as db:
            position = db.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM items WHERE meeting_id = ?", (meeting_id,)
            ).fetchone()[0]
            item_id = self._insert_item(db, meeting_id, position, item)
        return self.item(item_id)

    def set_item_state(self, item_id, state, result=None, first_close=False):
        """Move an item to a new state, storing the tally the room sees when given.

        first_close: this is the poll's first close or reveal, remembered for good (first_close_had).
        """
        change = {"state": state, "result": None if result is None else json.dumps(result)}
        if first_close:
            change["first_close_had"] = 1
        with self._tx() as db:
            db["items"].update(item_id, change)

    def first_close_had(self, meeting_id):
        """The ids of a meeting's polls whose first close or reveal has passed."""
        return {row["id"] for row in self._rows(
            "SELECT id FROM items WHERE meeting_id = ? AND first_close_had", (meeting_id,))}

    # ballots ------------------------------------------------------------------

    def record_answer(self, item_id, ballot, answer, passed):
        """Store or replace one ballot and keep the item's count; returns the new count once committed."""
        return self.wait(self.queue_answer(item_id, ballot, answer, passed))

    def queue_answer(self, item_id, ballot, answer, passed):
        """Queue one ballot for the next group commit; wait(queued) commits it."""
        queued = _Ballot(item_id, ballot, answer, passed)
        with self._queue_lock:
            queued.done = self._batch_done
            self._queue.append(queued)
        return queued

    def wait(self, queued):
        """Return once the queued ballot is committed (the item's count then); raise if it failed."""
        self._start_writer()
        self._wake.set()
        queued.done.wait()
        if queued.error is not None:
            raise queued.error
        return queued.count

    def _start_writer(self):
        """Start the writer thread, once."""
        if self._writer is None:  # once: checked again under the lock
            with self._queue_lock:
                if self._writer is None and not self._closing:
                    self._writer = threading.Thread(target=self._write_queued, name="fireside-writer", daemon=True)
                    self._writer.start()

    def _fold_soon(self):
        """Ballots or signals changed: the writer empties the log once nothing more comes for a moment."""
        self._mark_unfolded()
        self._start_writer()
        self._wake.set()

    def _mark_unfolded(self):
        """The log now holds a change; the first one since it was emptied starts the clock (_write_queued)."""
        if not self._unfolded:
            self._unfolded_since = time.monotonic()
        self._unfolded = True

    def _write_queued(self):
        """The writer: each time it is woken, commit everything queued in one transaction, until closed.

        It yields once before taking the queue, so that the answers of a burst that arrive in the
        same instant (under gevent: in the same turn of the loop) share the transaction. Once no
        answer has come for FOLD_AFTER_SECONDS it empties the log (forget_order): not before the
        acks, which would then wait for the disk, and once for a short burst; in a long one (a hall
        answering for seconds, no two answers that far apart) every FOLD_AT_MOST_SECONDS.
        """
        while True:
            if not self._unfolded:
                self._wake.wait()
            else:
                left = self._unfolded_since + FOLD_AT_MOST_SECONDS - time.monotonic()
                woken = left > 0 and self._wake.wait(min(FOLD_AFTER_SECONDS, left))
                if not woken or time.monotonic() - self._unfolded_since >= FOLD_AT_MOST_SECONDS:
                    self._unfolded_since = time.monotonic()  # a failed try waits its turn again
                    self.forget_order()  # a pause, or long enough: fold the log in (the acks went out before)
                    continue
            self._wake.clear()
            if self._closing:
                return
            time.sleep(0)
            try:
                with self._lock:
                    self._commit_queued()
            except Exception:  # every ballot of the batch already carries its error; keep writing
                logging.getLogger(__name__).exception("Fireside could not write queued answers.")

    def flush(self):
        """Commit every queued answer now."""
        with self._lock:
            self._commit_queued()

    def answered(self, item_id):
        """How many phones answered or passed a poll, as committed (queued answers are committed first)."""
        rows = self._rows("SELECT answered FROM items WHERE id = ?", (item_id,))
        return rows[0]["answered"] if rows else 0

    def _commit_queued(self):
        """Under the lock: commit every queued ballot in one transaction; False when none was queued."""
        with self._queue_lock:
            batch, self._queue = self._queue, []
            if batch:  # what is queued from now on waits for the next batch
                done, self._batch_done = self._batch_done, threading.Event()
        if not batch:
            return False
        try:
            try:
                with self.db.atomic():
                    written = self._write_ballots(batch)
                self._sets.update(written)
            except Exception:  # one bad ballot, or a full disk: each on its own, so the others still count
                for queued in batch:
                    try:
                        with self.db.atomic():
                            written = self._write_ballots([queued])
                        self._sets.update(written)
                    except Exception as error:  # noqa: BLE001 - handed to its caller, who raises it
                        queued.count, queued.error = None, error
            self._mark_unfolded()  # the writer folds the log in, once answers pause (_write_queued)
            self._wake.set()  # (the writer's own commit wakes it once more: it then waits to fold)
        finally:
            for queued in batch:
                if queued.count is None and queued.error is None:  # the committer itself was stopped
                    queued.error = sqlite3.OperationalError("the answer was not saved")
            done.set()
        return True

    def _write_ballots(self, batch):
        """Write these ballots (new, or changed answers) in the open transaction; returns the new sets.

        Each poll's set is written whole, once per batch, and the items' counts moved once per
        item. Each ballot's count is the item's count right after it, as if they had been written
        one by one. The sets returned are the store's own once the transaction is committed.
        """
        sets = {}  # item id -> its ballots with this batch's
        added = {}  # item id -> new ballots so far
        for queued in batch:
            queued.count = None
            ballots = sets.get(queued.item_id)
            if ballots is None:
                ballots = sets[queued.item_id] = dict(self._ballots_of(queued.item_id))
            new = queued.ballot not in ballots
            ballots[queued.ballot] = None if queued.passed else queued.answer
            added[queued.item_id] = added.get(queued.item_id, 0) + new
            queued.count = added[queued.item_id]  # for now: new ballots of its item up to this one
        counts = {}
        cursor = self.db.conn.cursor()
        for item_id, new in added.items():
            _write_whole(cursor.execute, "ballot_sets", item_id, sets[item_id])
            if new:
                sql, args = "UPDATE items SET answered = answered + ? WHERE id = ? RETURNING answered", (new, item_id)
            else:
                sql, args = "SELECT answered FROM items WHERE id = ?", (item_id,)
            counts[item_id] = cursor.execute(sql, args).fetchall()[0][0]
        for queued in batch:
            queued.count += counts[queued.item_id] - added[queued.item_id]
        return sets

    def _ballots_of(self, item_id):
        """Under the lock: a poll's committed ballots, {ballot id: answer text or None}; read once, then kept."""
        ballots = self._sets.get(item_id)
        if ballots is None:
            row = self.db.conn.execute("SELECT ballots FROM ballot_sets WHERE item_id = ?", (item_id,)).fetchone()
            ballots = self._sets[item_id] = json.loads(row[0]) if row else {}
        return ballots

    def _committed_ballots(self, item_id):
        """A poll's ballots once everything queued is committed, in the order of their ids (a copy to keep).

        In that order, never as they came: a picture's rows are written in the order given here
        (add_picture), and a tally lists words and sentences in the order of the answers.
        """
        with self._lock:
            self._commit_queued()
            return dict(sorted(self._ballots_of(item_id).items()))

    def forget_order(self):
        """Empty the write-ahead log now, so it holds no earlier version of any poll's ballots or signals.

        The writer's, once ballots or signals changed and nothing more came for FOLD_AFTER_SECONDS.
        The log keeps the pages of every commit until it is emptied; side by side, two versions of
        a poll's ballots would show which one came between them. Emptying it writes the pages into
        the file and waits for the disk twice, so it runs in a thread of the operating system
        (_apart): under gevent the event loop serves everyone else meanwhile, and only what needs
        the database waits for it (the store's lock is held). Each try is brief: a reader of the database (this process's own, or another
        program) may keep the log from being emptied, and the writer tries again after the same
        pause, up to FOLD_TRIES times; then log_clean is False, the console says so, and
        checkpoint() tries every minute. Returns True when the log is empty.
        """
        with self._lock:
            if self.db.conn.in_transaction:  # inside a caller's transaction: the writer tries again
                return False
            try:
                emptied = _apart(self._fold)
            except (sqlite3.Error, OSError):  # a full or failing disk: a failed try, and the writer goes on
                log.exception("Fireside could not empty its database's log file.")
                emptied = False
            if emptied:
                self._unfolded, self._fold_tries = False, 0
                return True
        self._fold_tries += 1
        if self._fold_tries >= FOLD_TRIES:
            self._unfolded, self._fold_tries = False, 0
            if self.log_clean:
                log.error(LOG_NOT_EMPTIED)
            self.log_clean = False
        return False

    def _fold(self):
        """One try at emptying the log (the caller holds the lock, outside any transaction); True when it did.

        Once it is empty, the database's header page (the schema, no ballot) is written into it
        afresh: SQLite waits for the disk once when it starts a new log, and that wait is then
        here rather than in front of the next answer's ack.
        """
        self.db.conn.execute("PRAGMA busy_timeout = 0")
        try:
            busy = self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            self.db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if busy or self._log_size():
            return False
        self.db.conn.execute("PRAGMA user_version = 0")  # Fireside keeps its schema version elsewhere
        return True

    def ballot(self, ballot, item_id):
        """This ballot's answer: a value, {'pass': True}, or None when there is none."""
        with self._lock:
            self._commit_queued()
            ballots = self._ballots_of(item_id)
            if ballot not in ballots:
                return None
            answer = ballots[ballot]
        return {"pass": True} if answer is None else {"value": _loads(answer)}

    def delete_ballots(self, pairs):
        """Delete ballots given as (ballot, item_id) pairs; returns how many there were."""
        sets, deleted = {}, 0
        with self._tx() as db:
            for ballot, item_id in pairs:
                ballots = sets.get(item_id)
                if ballots is None:
                    ballots = sets[item_id] = dict(self._ballots_of(item_id))
                if ballot in ballots:
                    del ballots[ballot]
                    deleted += 1
                    db.execute("UPDATE items SET answered = answered - 1 WHERE id = ?", (item_id,))
            cursor = db.conn.cursor()
            for item_id, ballots in sets.items():
                if len(ballots) != len(self._ballots_of(item_id)):
                    _write_whole(cursor.execute, "ballot_sets", item_id, ballots)
        self._sets.update(sets)
        if deleted:
            self._fold_soon()
        return deleted

    def answers(self, item_id):
        """Every real answer to an item (no passes) and the number of passes."""
        ballots = self._committed_ballots(item_id)
        values = [_loads(answer) for answer in ballots.values() if answer is not None]
        return values, len(ballots) - len(values)

    def basis(self, item_id):
        """Every ballot of an item as a picture's basis: {ballot: answer as JSON text, or None for a pass}."""
        return self._committed_ballots(item_id)

    # pictures -----------------------------------------------------------------

    def pictures(self, item_id, marks=False):
        """The bases of every picture of an item so far, oldest first.

        marks: instead, the floor marks (numbered -1, -2, …): the ballots of a reveal or close that
        drew no picture (the room saw "not shown"), which a later picture must be k apart
        from all the same (Room._draw says why).
        """
        which = "number < 0" if marks else "number >= 0"
        rows = self._rows(f"SELECT number, ballot, answer FROM pictures WHERE item_id = ? AND {which}", (item_id,))
        bases = {}
        for row in rows:
            bases.setdefault(row["number"], {})[row["ballot"]] = row["answer"]
        return [bases[number] for number in sorted(bases, key=abs)]

    def add_picture(self, item_id, number, basis):
        """Keep the ballots a new picture was drawn from (a basis from Store.basis)."""
        with self._tx() as db:
            db.conn.executemany(
                "INSERT INTO pictures (item_id, number, ballot, answer) VALUES (?, ?, ?, ?)",
                ((item_id, number, ballot, answer) for ballot, answer in basis.items()),
            )

    # moderation ---------------------------------------------------------------

    def moderation(self, item_id):
        """The facilitator's decisions on an item's words or sentences, by normalised text."""
        rows = self._rows("SELECT text, approved, export FROM moderation WHERE item_id = ?", (item_id,))
        return {row["text"]: {"approved": bool(row["approved"]), "export": bool(row["export"])} for row in rows}

    def moderate(self, item_id, text, approved, export):
        """Record whether a word or sentence may be shown, and whether it goes into exports."""
        with self._tx() as db:
            db["moderation"].upsert(
                {"item_id": item_id, "text": text, "approved": int(approved), "export": int(export and approved)},
                pk=("item_id", "text"),
            )

    def approve(self, item_id, texts):
        """Approve many words or sentences of one poll in one transaction; each keeps its export mark."""
        with self._tx() as db:
            db.conn.executemany(
                "INSERT INTO moderation (item_id, text, approved, export) VALUES (?, ?, 1, 0) "
                "ON CONFLICT (item_id, text) DO UPDATE SET approved = 1", [(item_id, text) for text in texts])


def _damaged(path, detail):
    """What to say about a database file that cannot be read."""
    return (
        f"{path} is damaged or is not a Fireside database ({detail}). Fireside has not changed it. "
        f"Move it aside (for example rename it to {Path(path).name}.damaged) and start again to begin "
        "with an empty one, or use --data with another folder."
    )


def _explain(path, error):
    """A sentence the facilitator can act on, for an error met while opening the database."""
    text = str(error).lower()
    if isinstance(error, OSError) or any(word in text for word in (
            "unable to open", "readonly", "read-only", "disk is full", "disk i/o", "permission")):
        reason = getattr(error, "strerror", None) or error
        return (
            f"Fireside cannot open or write its database {path} ({reason}). Free some space on the "
            "disk or fix the permissions of that file and its folder, or use --data with another folder."
        )
    if "locked" in text or "busy" in text:
        return (
            f"{path} is in use by another program, perhaps another Fireside. Close it and start again, "
            "or use --data with another folder."
        )
    return _damaged(path, error)


def _create_owner_only(path):
    """Create an empty database file readable by the owner alone, before SQLite makes one 0644."""
    if path.exists():
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _owner_only(path):
    """Make the database and its side files readable by the owner alone."""
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(str(path) + suffix)
        if candidate.exists():
            with contextlib.suppress(OSError):
                os.chmod(candidate, 0o600)
