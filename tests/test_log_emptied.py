"""End empties SQLite's write-ahead log, or says it could not (DESIGN.md, privacy rule 2).

Deleted ballots and the destroyed key stay in the -wal file until a checkpoint empties it. Another
program reading the database (a backup or sync tool, a viewer) keeps SQLite from emptying it, so
End must not claim success then: it says so on the console and in the terminal, and the log is
emptied as soon as the reader lets go (on the next check while serving, or the next start).
"""

import logging
import sqlite3
import time

import pytest
from conftest import UNAPPROVED_SENTENCES, Evening, hold_an_evening, run_fireside

from facilitator import create_app, events

NOT_EMPTIED = "could not empty its database's log file"


@pytest.fixture(autouse=True)
def brief_checkpoint_waits(monkeypatch):
    """The reader here never lets go during End, so each of End's attempts need only be brief."""
    monkeypatch.setattr("facilitator.store.CHECKPOINT_WAIT_MS", 10)


def a_reader(data_dir):
    """A second connection to the database holding a read transaction, as a backup tool would."""
    reader = sqlite3.connect(data_dir / "fireside.db", isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM ballots").fetchone()[0] == 6
    return reader


def wal(data_dir):
    """The write-ahead log's bytes (none: empty)."""
    path = data_dir / "fireside.db-wal"
    return path.read_bytes() if path.exists() else b""


def log_frames(data_dir):
    """The pages written into the write-ahead log since it was last emptied (its header is 32 bytes, each page 24 more)."""
    log, page_size = wal(data_dir), 4096
    if log:
        page_size = int.from_bytes(log[8:12], "big")
    return 0 if len(log) <= 32 else (len(log) - 32) // (page_size + 24)


def all_files(data_dir):
    """The database and its side files, as bytes."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("fireside.db*")))


def test_end_says_so_when_a_reader_keeps_the_log_full_and_the_next_start_empties_it(app, evening, data_dir, caplog):
    hold_an_evening(evening)
    key = evening.room.meeting["meeting_key"]
    reader = a_reader(data_dir)
    try:
        with caplog.at_level(logging.WARNING):
            answer = evening.do(events.END_MEETING)
        warning = answer.get("warning", "")
        assert NOT_EMPTIED in warning and "another program is reading the database" in warning
        assert evening.console_state()["notices"] == [warning]
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [warning]
        # What the warning is about: the key is still on disk (in the file, with the log holding
        # the pages that no longer have it, until the log is folded in).
        assert wal(data_dir) and key.encode() in all_files(data_dir)

        # Fireside closes while the reader still holds the log (its writer, trying again after each
        # pause, would otherwise empty it the moment the reader lets go), so closing empties nothing.
        evening.store.close()
        assert wal(data_dir) and key.encode() in all_files(data_dir)
        reader.execute("COMMIT")  # the reader lets go but stays open
        again = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "COUNT_INTERVAL": 0})
        try:
            assert wal(data_dir) == b""
            assert Evening(again).console_state()["notices"] == []
        finally:
            again.extensions["fireside"].store.close()
    finally:
        reader.close()
    raw = all_files(data_dir)
    assert key.encode() not in raw
    for text in UNAPPROVED_SENTENCES:
        assert text.encode() not in raw


def test_while_serving_the_log_is_emptied_once_the_reader_lets_go_and_the_console_hears_of_it(app, evening, data_dir):
    app.config["IDLE_CHECK_SECONDS"] = 0.02
    fs = app.extensions["fireside"]
    hold_an_evening(evening)
    key = evening.room.meeting["meeting_key"]
    reader = a_reader(data_dir)
    try:
        assert NOT_EMPTIED in evening.do(events.END_MEETING).get("warning", "")
        assert NOT_EMPTIED in evening.console_state()["notices"][0]
        fs.watch()
        reader.execute("COMMIT")  # the reader lets go (and stays open: only Fireside can empty the log)
        state, deadline = None, time.monotonic() + 5
        while state is None and time.monotonic() < deadline:
            time.sleep(0.02)
            state = evening.console_state()
        fs.stop_watching()
        assert state is not None and state["notices"] == []
        # Emptied: the writer's own fold (it tries again for about a second after End) may since
        # have begun a new log with the database's header page alone (the schema, no ballot).
        assert fs.store.log_clean and log_frames(data_dir) <= 1
        raw = all_files(data_dir)
        assert key.encode() not in raw
        for text in UNAPPROVED_SENTENCES:
            assert text.encode() not in raw
    finally:
        fs.stop_watching()
        reader.close()


def test_fireside_end_says_so_and_exits_non_zero_when_a_reader_keeps_the_log_full(app, evening, data_dir):
    hold_an_evening(evening)
    key = evening.room.meeting["meeting_key"]
    evening.store.close()
    reader = a_reader(data_dir)
    try:
        result = run_fireside("end", "--data", data_dir)
        assert result.exit_code == 1
        out, err = result.stdout, result.stderr
        assert 'Ended the meeting "Test evening"' in out
        assert f"fireside: Fireside {NOT_EMPTIED}" in err and "another program is reading the database" in err
        assert key.encode() in all_files(data_dir)  # not yet folded over: the old page still holds it
    finally:
        reader.close()  # the last connection to close empties the log
    assert wal(data_dir) == b"" and key.encode() not in all_files(data_dir)
