"""Bad files and bad folders: a sentence that names the file and says what to do, no traceback,
and nothing overwritten (the damaged file's checksum is the same afterwards).

As root, chmod stops nobody, so a read-only folder is a read-only bind mount and a full disk a
tiny tmpfs, both in a private mount namespace (`unshare -m`); those tests are skipped where that
is not allowed. Other folders Fireside cannot use are a path under a regular file, and a write
probe that lands on /dev/full.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import RunningServer, SocketConsole, run_fireside

from facilitator import create_app, events
from facilitator.instance import DataDirError, prepare
from facilitator.store import SCHEMA_VERSION, Store, StoreError

ROOT = Path(__file__).resolve().parents[1]


def checksum(path):
    """sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fireside_command(data_dir, *extra):
    """`fireside serve` on data_dir, as the facilitator would type it."""
    return [sys.executable, "-m", "facilitator.cli", "serve", "--no-browser", "--host", "127.0.0.1", "--port", "0",
            "--data", str(data_dir), *extra]


def run_all(commands, timeout=60):
    """Run commands side by side (each one starts a Python); returns (returncode, stdout, stderr) each."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    running = [subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for command in commands]
    results = []
    for process in running:
        out, err = process.communicate(timeout=timeout)
        results.append((process.returncode, out, err))
    return results


def assert_clear_failure(result, *phrases):
    """Exit code 2, a `fireside:` sentence on stderr containing every phrase, and no traceback."""
    code, out, err = result
    assert code == 2, (code, out, err)
    assert err.startswith("fireside: "), err
    for phrase in phrases:
        assert phrase in err, (phrase, err)
    assert "Traceback" not in out + err
    assert "Fireside is running" not in out


def make_database(path, version_bump=0, items=3):
    """A real Fireside database with a meeting in it, folded into one file."""
    store = Store(path)
    store.start_meeting(title="An evening", deck="", floor=3, join_code="K7QM-XR4P", meeting_key="ab" * 32,
                        items=[{"kind": "choice", "prompt": f"Question {n}?" + " pad" * 40, "options": ["a", "b"]}
                               for n in range(items)])
    if version_bump:
        with store._tx() as db:
            db.execute("UPDATE fireside SET value = ? WHERE key = 'schema_version'",
                       (str(SCHEMA_VERSION + version_bump),))
    store.checkpoint()
    store.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def _mount_namespaces_work():
    """True when this machine lets us make a private mount namespace (root in most containers)."""
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt 2>/dev/null"],
                           capture_output=True, timeout=10)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _mount_namespaces_work(), reason="needs `unshare -m` and mount (root)")


# --- fireside serve on damaged and unusable data folders, side by side ---------------------------------

@pytest.fixture
def folders(tmp_path):
    """A fresh folder per name."""
    def make(name):
        folder = tmp_path / name
        folder.mkdir()
        return folder
    return make


def test_serve_refuses_each_bad_file_with_a_clear_message_and_changes_nothing(folders):
    corrupt = folders("corrupt")
    (corrupt / "fireside.db").write_bytes(b"This is not a database. " * 400)
    newer = folders("newer")
    make_database(newer / "fireside.db", version_bump=1)
    secrets = folders("secrets")
    (secrets / "secrets.json").write_text('{"secret_key": "truncated')
    under_a_file = folders("file")
    (under_a_file / "notes.txt").write_text("a file, not a folder")
    before = {path: checksum(path) for path in (corrupt / "fireside.db", newer / "fireside.db",
                                               secrets / "secrets.json", under_a_file / "notes.txt")}

    results = run_all([fireside_command(corrupt), fireside_command(newer), fireside_command(secrets),
                       fireside_command(under_a_file / "notes.txt" / "data")])

    assert_clear_failure(results[0], str(corrupt / "fireside.db"), "damaged", "Move it aside", "has not changed it")
    assert_clear_failure(results[1], str(newer / "fireside.db"), "newer version of Fireside",
                         f"schema {SCHEMA_VERSION + 1}", "Update Fireside")
    assert_clear_failure(results[2], str(secrets / "secrets.json"), "damaged", "Move it aside")
    assert_clear_failure(results[3], str(under_a_file / "notes.txt" / "data"), "cannot write in its data folder",
                         "choose another folder with --data")
    assert {path: checksum(path) for path in before} == before
    assert not (corrupt / "fireside.db-wal").exists() and not (newer / "fireside.db-wal").exists()


@needs_mounts
def test_serve_on_a_read_only_or_full_data_folder_says_so(folders):
    read_only = folders("read-only")
    make_database(read_only / "fireside.db")
    before = checksum(read_only / "fireside.db")
    full = folders("full")
    bind_read_only = ('mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"')
    fill_up = ('mount -t tmpfs -o size=64k tmpfs "$1" && { dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; '
               'shift; exec "$@"; }')
    results = run_all([
        ["unshare", "-m", "sh", "-c", bind_read_only, "sh", str(read_only), *fireside_command(read_only)],
        ["unshare", "-m", "sh", "-c", fill_up, "sh", str(full), *fireside_command(full)],
    ])
    assert_clear_failure(results[0], str(read_only), "Read-only file system", "fix its permissions")
    assert_clear_failure(results[1], str(full), "No space left on device", "Free some space")
    assert checksum(read_only / "fireside.db") == before


# --- the same refusals, in-process, for the cases that need no server --------------------------------------

def test_a_truncated_database_is_named_and_left_as_it_was(tmp_path):
    path = make_database(tmp_path / "fireside.db", items=200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = checksum(path)
    with pytest.raises(StoreError) as refused:
        Store(path)
    assert str(path) in str(refused.value) and "Move it aside" in str(refused.value)
    assert checksum(path) == before


def test_another_programs_database_is_not_taken_over(tmp_path):
    path = tmp_path / "fireside.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    before = checksum(path)
    with pytest.raises(StoreError) as refused:
        Store(path)
    assert "some other program" in str(refused.value) and str(path) in str(refused.value)
    assert checksum(path) == before


def test_a_database_path_that_is_a_folder_is_named(tmp_path):
    (tmp_path / "fireside.db").mkdir()
    with pytest.raises(StoreError) as refused:
        Store(tmp_path / "fireside.db")
    assert str(tmp_path / "fireside.db") in str(refused.value) and "cannot open" in str(refused.value)


def test_a_full_disk_is_found_before_anything_is_written(tmp_path):
    (tmp_path / ".fireside-write-check").symlink_to("/dev/full")  # the write probe lands on a full device
    with pytest.raises(DataDirError) as refused:
        prepare(tmp_path)
    assert "No space left on device" in str(refused.value) and "Free some space" in str(refused.value)
    assert str(tmp_path) in str(refused.value)


def test_an_empty_database_file_is_simply_a_new_one(tmp_path):
    (tmp_path / "fireside.db").write_bytes(b"")
    Store(tmp_path / "fireside.db").close()


def test_a_database_from_this_version_opens_and_keeps_its_meeting(tmp_path):
    path = make_database(tmp_path / "fireside.db")
    store = Store(path)
    try:
        assert store.running_meeting()["join_code"] == "K7QM-XR4P"
    finally:
        store.close()


def test_other_commands_name_a_damaged_database_too(tmp_path):
    (tmp_path / "fireside.db").write_bytes(b"\x00garbage" * 512)
    before = checksum(tmp_path / "fireside.db")
    result = run_fireside("meetings", "--data", tmp_path)
    assert result.exit_code == 2
    err = result.stderr
    assert str(tmp_path / "fireside.db") in err and "Move it aside" in err and "Traceback" not in err
    assert checksum(tmp_path / "fireside.db") == before


# --- a broken deck ----------------------------------------------------------------------------------------

BROKEN_DECK = 'title = "Half written"\n\n[[items]]\nid = "q"\nkind = "choice"\nprompt = "Pick"\noptions = "no list"\n'
UNREADABLE_DECK = 'title = "Oops\n'


def test_decks_check_names_each_broken_deck_and_what_is_wrong(data_dir):
    (data_dir / "decks" / "half.toml").write_text(BROKEN_DECK)
    (data_dir / "decks" / "oops.toml").write_text(UNREADABLE_DECK)
    result = run_fireside("decks", "check", "--data", data_dir)
    assert result.exit_code == 1
    out, err = result.stdout, result.stderr
    assert "half.toml" in out and "options" in out and "oops.toml" in out
    assert "problem" in err and "Traceback" not in out + err


def test_a_broken_deck_is_reported_at_start_and_refused_on_the_console_and_left_alone(data_dir, tmp_path):
    deck = data_dir / "decks" / "half.toml"
    deck.write_text(BROKEN_DECK)
    before = checksum(deck)
    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        console = SocketConsole(server.url)
        deadline = time.monotonic() + 5
        while not console.states and time.monotonic() < deadline:
            time.sleep(0.02)
        assert any("half.toml" in problem for problem in console.states[-1]["deck_problems"])
        refused = console.client.call(events.START_MEETING, {"deck": "half"}, namespace=events.FACILITATOR_NS,
                                      timeout=5)
        assert refused["ok"] is False and "half.toml" in refused["error"]
        console.do(events.START_MEETING, deck="test-evening")  # the good decks still work
        console.close()
    finally:
        server.stop()
    output = server.output()
    assert "half.toml" in output and "fireside decks check" in output and "Traceback" not in output
    assert checksum(deck) == before


def test_an_app_on_a_folder_with_a_broken_deck_still_starts(data_dir):
    (data_dir / "decks" / "oops.toml").write_text(UNREADABLE_DECK)
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True})
    try:
        decks, problems = app.extensions["fireside"].room.decks.summaries()
        assert any(d["id"] == "test-evening" for d in decks) and any("oops.toml" in p for p in problems)
        assert json.dumps(problems)
    finally:
        app.extensions["fireside"].store.close()


def test_the_console_names_an_unfinished_evening_by_its_title_with_how_much_is_left(evening, data_dir):
    """A draft saved with problems: the console lists it by title, not as file and field words."""
    (data_dir / "decks" / "half.toml").write_text(BROKEN_DECK)
    (data_dir / "decks" / "oops.toml").write_text(UNREADABLE_DECK)
    payload = evening.room.console_payload("http://fireside.test", 0)
    assert payload["drafts"] == [{"id": "half", "title": "Half written", "problems": 1},
                                 {"id": "oops", "title": "oops", "problems": 1}]  # no title that reads: its file's name
    assert "half" not in [deck["id"] for deck in payload["decks"]]
    evening.start()
    assert "drafts" not in evening.room.console_payload("http://fireside.test", 0)  # only before a meeting
