"""A meeting nobody ended does not keep its key and raw answers for ever (DESIGN.md, privacy rule 2).

It resumes after a restart, but once nothing has happened in it for more than IDLE_END_HOURS it
ends itself, exactly as End ends it: when Fireside starts, and on a timer while it serves. A
clean stop says what stays on disk until then; `fireside end` ends it without serving.
"""

import calendar
import signal
import sqlite3
import time

import pytest
from conftest import UNAPPROVED_SENTENCES, Evening, RunningServer, SocketConsole, SocketPhone, hold_an_evening, run_fireside

from facilitator import create_app, events

EVENING = calendar.timegm((2025, 3, 3, 19, 20, 0))  # a Monday, 19:20 UTC
HOUR = 3600


class Clock:
    """A clock the test moves by hand: seconds since the epoch, as the app's CLOCK."""

    def __init__(self, now):
        """Start at now."""
        self.now = now

    def __call__(self):
        """The time it says it is."""
        return self.now

    def advance(self, hours):
        """Let hours go by."""
        self.now += hours * HOUR


def make_app(data_dir, clock, **config):
    """A Fireside app on data_dir, as the app fixture makes it, with its own clock."""
    return create_app({"DATA_DIR": str(data_dir), "TESTING": True, "COUNT_INTERVAL": 0,
                       "PUBLIC_URL": "http://fireside.test", "CLOCK": clock, **config})


def close(app):
    """Close an app's database, as a stopped process would."""
    app.extensions["fireside"].store.close()


def read(data_dir, sql):
    """Rows straight from the database file."""
    conn = sqlite3.connect(data_dir / "fireside.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def db_bytes(data_dir):
    """The database and its side files, as bytes."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("fireside.db*")))


def assert_reduced_as_end_does(data_dir, key):
    """Only the tallies are left: no ballot, arrival, key, code, hour or unapproved sentence, anywhere on disk."""
    assert read(data_dir, "SELECT status, meeting_key, join_code, last_active FROM meetings") == [
        ("ended", None, None, None)]
    assert read(data_dir, "SELECT COUNT(*) FROM ballots") == [(0,)]
    assert read(data_dir, "SELECT COUNT(*) FROM arrivals") == [(0,)]
    assert read(data_dir, "SELECT COUNT(*) FROM moderation") == [(0,)]
    results = dict(read(data_dir, "SELECT key, result FROM items WHERE result IS NOT NULL"))
    assert '"counts": [1, 1, 1]' in results["arrive"]
    raw = db_bytes(data_dir)
    assert key.encode() not in raw
    for text in UNAPPROVED_SENTENCES:
        assert text.encode() not in raw


def test_a_forgotten_meeting_resumes_before_the_limit_and_ends_itself_at_the_first_start_after(data_dir, capsys):
    clock = Clock(EVENING)
    app = make_app(data_dir, clock)
    evening = Evening(app)
    hold_an_evening(evening)
    key, code = evening.room.meeting["meeting_key"], evening.room.meeting["join_code"]
    close(app)  # the terminal was closed mid-meeting: nobody pressed End

    clock.advance(5)  # Fireside starts again five hours later: the evening is still there
    app = make_app(data_dir, clock)
    assert app.extensions["fireside"].room.meeting["join_code"] == code
    close(app)
    assert "by itself" not in capsys.readouterr().out

    clock.advance(2)  # a restart is no activity: seven hours after the last answer, it ends itself
    app = make_app(data_dir, clock)
    try:
        assert app.extensions["fireside"].room.meeting is None
        said = capsys.readouterr().out
        assert 'Fireside ended the meeting "Test evening" by itself' in said and "more than 6 hours" in said
        notices = Evening(app).console_state()["notices"]
        assert len(notices) == 1 and 'ended the meeting "Test evening" by itself' in notices[0]
    finally:
        close(app)
    assert_reduced_as_end_does(data_dir, key)


def test_the_hour_of_last_activity_is_written_when_the_hour_changes_not_per_answer_and_cleared_at_the_end(
        data_dir):
    clock = Clock(EVENING)
    app = make_app(data_dir, clock)
    try:
        evening = Evening(app)
        evening.start()
        assert read(data_dir, "SELECT last_active FROM meetings") == [("2025-03-03T19:00Z",)]
        writes = []
        evening.store.db.conn.set_trace_callback(lambda sql: "last_active" in sql and writes.append(sql))
        phones = [evening.phone() for _ in range(3)]
        arrive = evening.push("arrive")
        for n, phone in enumerate(phones):
            clock.advance(0.2)
            assert phone.answer(arrive, n)["ok"]
        assert writes == []  # answers within the hour write nothing more
        clock.advance(0.5)  # 20:26
        assert phones[0].answer(arrive, 2)["ok"]
        assert len(writes) == 1
        assert read(data_dir, "SELECT last_active FROM meetings") == [("2025-03-03T20:00Z",)]
        evening.do(events.END_MEETING)
        assert read(data_dir, "SELECT last_active FROM meetings") == [(None,)]
    finally:
        close(app)


def test_a_meeting_forgotten_while_fireside_serves_ends_itself_and_console_and_phones_are_told(data_dir, capsys):
    clock = Clock(EVENING)
    app = make_app(data_dir, clock, IDLE_CHECK_SECONDS=0.02)
    fs = app.extensions["fireside"]
    try:
        evening = Evening(app)
        phones = hold_an_evening(evening)
        key = evening.room.meeting["meeting_key"]
        fs.watch()
        clock.advance(5.9)
        assert not fs.idle.forgotten()
        clock.advance(0.2)
        evening.console_state()  # what the console heard so far
        state, deadline = None, time.monotonic() + 5
        while state is None and time.monotonic() < deadline:
            time.sleep(0.02)
            state = evening.console_state()
        fs.stop_watching()
        assert state is not None, "the console was never told"
        assert state["meeting"] is None and 'ended the meeting "Test evening" by itself' in state["notices"][0]
        assert fs.room.meeting is None
        assert all(phone.received(events.ENDED) for phone in phones)
        assert 'Fireside ended the meeting "Test evening" by itself' in capsys.readouterr().out
    finally:
        fs.stop_watching()
        close(app)
    assert_reduced_as_end_does(data_dir, key)


def test_fireside_serve_ends_a_meeting_forgotten_for_hours_as_it_starts_and_says_so(data_dir, tmp_path):
    app = make_app(data_dir, Clock(time.time() - 8 * HOUR))  # an evening that stopped eight hours ago
    evening = Evening(app)
    hold_an_evening(evening)
    key = evening.room.meeting["meeting_key"]
    close(app)

    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        console = SocketConsole(server.url)
        state = console.wait_for(lambda state: True)
        assert state["meeting"] is None and "by itself" in state["notices"][0]
        console.close()
    finally:
        assert server.stop() == 0
    assert 'Fireside ended the meeting "Test evening" by itself' in server.output()
    assert_reduced_as_end_does(data_dir, key)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_clean_stop_with_a_meeting_running_says_what_stays_on_disk_and_how_to_end_it(server, data_dir, sig):
    console = SocketConsole(server.url)
    console.start()
    console.close()
    assert server.stop(sig) == 0
    said = " ".join(server.output().split())
    assert 'The meeting "Test evening" is still running.' in said
    for stays in ("meeting key", "join code", "every raw answer", "every sentence not yet approved"):
        assert stays in said
    assert f'fireside end --data "{data_dir}"' in said and "End meeting" in said


def test_fireside_end_ends_the_meeting_left_running_from_the_command_line(data_dir, tmp_path):
    app = make_app(data_dir, time.time)
    evening = Evening(app)
    hold_an_evening(evening)
    key = evening.room.meeting["meeting_key"]
    meeting_id = app.extensions["fireside"].room.meeting["id"]
    close(app)

    ended = run_fireside("end", "--data", data_dir)
    assert ended.exit_code == 0
    assert f'Ended the meeting "Test evening" (number {meeting_id}' in ended.stdout
    assert f"fireside export {meeting_id}" in ended.stdout and "Traceback" not in ended.output
    assert_reduced_as_end_does(data_dir, key)

    again = run_fireside("end", "--data", data_dir)
    assert again.exit_code == 1  # nothing is running any more
    assert f"fireside: no meeting is running in {data_dir}, so there is nothing to end." in again.stderr
    never = run_fireside("end", "--data", tmp_path / "never-used")
    assert never.exit_code == 1
    assert "no meeting is running" in never.stderr
    assert not (tmp_path / "never-used").exists()


def test_fireside_end_leaves_a_meeting_alone_while_fireside_serves_it(server, data_dir):
    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    refused = run_fireside("end", "--data", data_dir)
    assert refused.exit_code == 2
    err = refused.stderr
    assert f"Fireside is running with the data folder {data_dir} right now" in err and "its console" in err
    phone = SocketPhone(server.url, code)  # the meeting still runs, and the server still serves it
    assert phone.welcome["meeting"]["title"] == "Test evening"
    assert read(data_dir, "SELECT status FROM meetings") == [("running",)]


def test_a_second_fireside_on_the_same_data_folder_is_refused_with_a_clear_message(server, data_dir, tmp_path):
    second = RunningServer(data_dir, tmp_path / "second.log")
    with pytest.raises(RuntimeError, match="exited early"):
        second.start()
    assert second.process.returncode == 2
    assert f"fireside: Fireside is already running with the data folder {data_dir}" in second.output()
    assert "Traceback" not in second.output()
