"""Fixtures: a fresh app and database per test, an Evening helper to drive console and phones."""

import contextlib
import functools
import gc
import inspect
import json
import os
import re
import secrets
import textwrap
import types
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask_socketio.test_client import SocketIOTestClient

from facilitator import cli, create_app, events, instance, socketio
from facilitator.store import Store

# Meetings start in English unless a test chooses (facilitator/i18n.py reads the laptop's language
# from these); real servers the tests start inherit it.
os.environ["LANGUAGE"] = "en"

TEST_DECK = textwrap.dedent('''
    title = "Test evening"
    summary = "One item of every kind, for Fireside's own tests."
    minutes = 120

    [[items]]
    id = "welcome"
    kind = "discussion"
    prompt = "Take a breath. What brought you here tonight?"
    note = "Read it slowly."

    [[items]]
    id = "arrive"
    kind = "choice"
    prompt = "How are you arriving tonight?"
    options = ["Tired", "Restless", "Calm"]

    [[items]]
    id = "needs"
    kind = "multi"
    prompt = "Which needs are alive in you tonight?"
    options = ["Closeness", "Space", "Rest", "Being heard"]
    max = 2

    [[items]]
    id = "energy"
    kind = "scale"
    prompt = "How much energy do you have?"
    scale_min = 0
    scale_max = 10
    min_label = "None"
    max_label = "Plenty"

    [[items]]
    id = "compass"
    kind = "compass"
    prompt = "How much closeness and how much space do you want tonight?"

    [[items]]
    id = "feeling"
    kind = "words"
    prompt = "One word for how you feel."
    max_words = 2

    [[items]]
    id = "sentence"
    kind = "text"
    prompt = "Something you want the group to know."
''')


# What makes a test slow enough to leave out of the fast loop (`-m "not browser and not server"`):
# a browser, or a real server process (a fixture that starts one, or a test that starts one itself).
BROWSER_FIXTURES = {"browser", "webkit"}
SERVER_FIXTURES = {"server", "shared"}
# What a test that starts a process uses (names in its compiled code): each set, all of its names.
STARTS_A_PROCESS = ({"RunningServer"}, {"subprocess"}, {"sys", "executable"})


QUICK = {"on": False}  # the fast loop: property tests run a tenth of their examples (examples())


def fast_loop(config):
    """Whether this run leaves out the tests that start a server (-m "not browser and not server")."""
    return "not server" in (config.getoption("markexpr") or "")


def pytest_configure(config):
    """A run that leaves out the server and browser tests is the fast loop: property tests go quick too."""
    QUICK["on"] = fast_loop(config)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """How many processes `-n auto` (pyproject.toml) runs the tests in.

    The fast loop spreads over every core (pytest-xdist's own count): its tests build their own app
    and database and share nothing. A run with servers and browsers stays in one process, as it
    always ran: those tests wait on real sockets and Chromium, and two at once on a 2-core machine
    would share its cores with each other's timing.
    """
    return None if fast_loop(config) else 0


def pytest_collection_finish(session):
    """Set what importing and collecting made aside from the garbage collector's rounds.

    Those objects (the libraries, the test modules) live the whole run; without this every full
    collection walked them again, and pytest's own rounds at the end too: about a second a run.
    """
    gc.collect()
    gc.freeze()


def examples(thorough):
    """How many examples a property test runs: all of them, or a tenth (at least 10) in the fast loop."""
    return max(10, thorough // 10) if QUICK["on"] else thorough


def _names(code):
    """Every global, attribute and module name a function's code uses, its inner functions' included."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


@functools.cache  # a parametrized test is one function for many items: looked at once
def _starts_a_process(function, depth=1):
    """Whether a test (or a helper of its module that it calls) starts a server or another process.

    Read from the names its compiled code uses, not its source: reading every test's source again
    cost each process of the fast loop a fifth of a second before its first test.
    """
    names = _names(function.__code__)
    if any(sign <= names for sign in STARTS_A_PROCESS):
        return True
    if depth:
        for name in names:
            helper = function.__globals__.get(name)
            if inspect.isfunction(helper) and helper.__module__ == function.__module__ and helper is not function:
                if _starts_a_process(helper, depth - 1):
                    return True
    return False


def pytest_collection_modifyitems(items):
    """Mark every test that drives Chromium `browser`, and every one that starts a process `server`."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        function = getattr(item, "function", None)
        if fixtures & SERVER_FIXTURES or (function is not None and _starts_a_process(function)):
            item.add_marker(pytest.mark.server)


def make_data_dir(folder):
    """A data folder at folder holding the test deck as the facilitator's own deck."""
    (folder / "decks").mkdir(parents=True)
    (folder / "decks" / "test-evening.toml").write_text(TEST_DECK)
    return folder


@pytest.fixture
def data_dir(tmp_path):
    """A data folder holding the test deck as the facilitator's own deck."""
    return make_data_dir(tmp_path / "data")


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """The bytes of a new database as Fireside's own migrations leave it, made once for the run.

    Store's migrations (an empty file brought to the current schema) are exercised here, in
    test_store.py and test_bad_files.py, and by every test that starts Fireside on a data folder
    of its own; migrating again for each app cost about 7 ms a test.
    """
    path = tmp_path_factory.mktemp("migrated") / "fireside.db"
    Store(path).close()  # the last connection gone, SQLite folds the log in: the one file is all of it
    assert not Path(f"{path}-wal").exists()
    return path.read_bytes()


def _new_private_file(path):
    """A file descriptor for writing a new owner-only file at path, or None when the file is there already."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # a server of the same test made it first: Fireside opens what is there
        return None


def copy_migrated_database(data_dir, migrated):
    """Put a fresh copy of the migrated database into a data folder, owner-only as Store makes it."""
    handle = _new_private_file(data_dir / "fireside.db")
    if handle is not None:
        with os.fdopen(handle, "wb") as file:
            file.write(migrated)


def write_new_keys(data_dir):
    """New random keys in the data folder's secrets.json, owner-only, as Fireside makes them on a first start.

    Fireside syncs that file to the disk before it goes on (a few milliseconds each time, 300 apps a
    run); a test's folder is gone after the run anyway. Making the keys is tested in test_security.py.
    """
    keys = {"secret_key": secrets.token_hex(32), "facilitator_key": secrets.token_urlsafe(18)}
    handle = _new_private_file(data_dir / instance.SECRETS_FILE)
    if handle is not None:
        with os.fdopen(handle, "w") as file:
            json.dump(keys, file)


def make_app(data_dir, migrated):
    """A Fireside app on a data folder with new keys and a new copy of the migrated database; counts pushed at once."""
    copy_migrated_database(data_dir, migrated)
    write_new_keys(data_dir)
    return create_app({"DATA_DIR": str(data_dir), "TESTING": True, "COUNT_INTERVAL": 0,
                       "PUBLIC_URL": "http://fireside.test"})


@pytest.fixture
def app(data_dir, migrated_database):
    """A fresh Fireside app on its own database (a new copy); counts are pushed at once so tests see them."""
    app = make_app(data_dir, migrated_database)
    yield app
    app.extensions["fireside"].store.close()


class Shared:
    """An app, its console and its data folder, made once for a module's tests that only read what it holds.

    Holding whole evenings again for each such test was a tenth of the fast loop.

    Only for tests that read (a summary, an export, a page): Shared.unchanged proves after each test that
    the database is exactly as the module's fixture left it, so no test sees another's doing.
    """

    def __init__(self, folder, migrated):
        """A fresh app on its own data folder (under folder) with a console connected."""
        self.data_dir = make_data_dir(folder / "data")
        self.app = make_app(self.data_dir, migrated)
        self.evening = Evening(self.app)

    def contents(self):
        """Every row of every table, as SQL text (the store's lock held, queued answers committed first)."""
        store = self.evening.store
        with store._lock:
            store._commit_queued()
            return list(store.db.conn.iterdump())

    @contextlib.contextmanager
    def unchanged(self):
        """Around one test (with an HTTP client of its own): fails it if the database changed meanwhile."""
        before = self.contents()
        self.client = self.app.test_client()
        yield self
        assert self.contents() == before, "a test sharing a read-only app changed its database"

    def close(self):
        """Close the database."""
        self.app.extensions["fireside"].store.close()


@pytest.fixture(autouse=True)
def _forget_test_clients():
    """Let go of the Socket.IO test clients a test made, so its app and database go with it.

    Flask-SocketIO keeps every test client in a class-wide table until it disconnects; tests leave
    theirs connected, so every app of the run stayed in memory, and the garbage collector went
    through all of them again and again (a third of the fast loop's time).
    """
    yield
    SocketIOTestClient.clients.clear()


@pytest.fixture
def client(app):
    """Flask's HTTP test client."""
    return app.test_client()


def run_fireside(*args):
    """The `fireside` command line run in-process through Click's runner: exit_code, stdout, stderr, output.

    Exceptions are not caught: a traceback the facilitator would see fails the test instead of hiding in
    the result.
    """
    return CliRunner().invoke(cli.fireside, [str(arg) for arg in args], catch_exceptions=False)


def received_by(test_client, namespace):
    """A Socket.IO test client's messages in a namespace since last asked, also once the server disconnected it.

    (The test client refuses to show them after a disconnect, though they are there: `ended`, say.)
    """
    if test_client.is_connected(namespace):
        return test_client.get_received(namespace)
    got = [m for m in test_client.queue if m["namespace"] == namespace]
    test_client.queue = [m for m in test_client.queue if m["namespace"] != namespace]
    return got


class Phone:
    """One phone in the room, through Flask-SocketIO's test client."""

    def __init__(self, app, code, token=None):
        """Connect with the join code (and a token when coming back)."""
        auth = {"code": code}
        if token:
            auth["token"] = token
        self.client = socketio.test_client(app, namespace=events.PARTICIPANT_NS, auth=auth)
        self.welcome = self.last(events.WELCOME)
        self.token = self.welcome["token"] if self.welcome else None

    def received(self, name=None):
        """Everything (or every event called name) received since last asked, also once the server disconnected it."""
        got = received_by(self.client, events.PARTICIPANT_NS)
        return [m["args"][0] for m in got if name is None or m["name"] == name]

    def last(self, name):
        """The latest payload of an event, or None."""
        found = self.received(name)
        return found[-1] if found else None

    def emit(self, event, payload=None):
        """Send an event and return the server's answer."""
        return self.client.emit(event, payload if payload is not None else {}, namespace=events.PARTICIPANT_NS,
                                callback=True)

    def answer(self, item_id, value):
        """Answer a poll."""
        return self.emit(events.ANSWER, {"item_id": item_id, "value": value})

    def pass_(self, item_id):
        """Pass on a poll."""
        return self.emit(events.ANSWER, {"item_id": item_id, "pass": True})

    def disconnect(self):
        """The phone sleeps or leaves."""
        self.client.disconnect(namespace=events.PARTICIPANT_NS)


class Evening:
    """The facilitator's console and the phones of one test evening."""

    def __init__(self, app):
        """Connect the console (the test client comes from loopback)."""
        self.app = app
        # Flask's test client supplies REMOTE_ADDR 127.0.0.1: the console is on the laptop itself.
        self.console = socketio.test_client(app, namespace=events.FACILITATOR_NS,
                                            flask_test_client=app.test_client())
        self.room = app.extensions["fireside"].room
        self.store = app.extensions["fireside"].store

    def do(self, event, **payload):
        """A console action that must succeed; returns its answer."""
        answer = self.try_(event, **payload)
        assert answer["ok"], answer
        return answer

    def try_(self, event, **payload):
        """A console action whatever its outcome."""
        return self.console.emit(event, payload, namespace=events.FACILITATOR_NS, callback=True)

    def start(self, deck="test-evening", **options):
        """Start a meeting from a deck; returns its join code."""
        self.do(events.START_MEETING, deck=deck, **options)
        return self.room.meeting["join_code"]

    def item_id(self, key):
        """The id in this meeting of the deck item with this key."""
        return next(i["id"] for i in self.room.items.values() if i["key"] == key)

    def push(self, key):
        """Push an item by its deck key; returns its id."""
        item_id = self.item_id(key)
        self.do(events.PUSH_ITEM, item_id=item_id)
        return item_id

    def phone(self, token=None):
        """A phone joining the running meeting."""
        return Phone(self.app, self.room.meeting["join_code"], token)

    def console_state(self):
        """The latest console payload."""
        got = [m["args"][0] for m in self.console.get_received(events.FACILITATOR_NS) if m["name"] == events.CONSOLE]
        return got[-1] if got else None


# Sentences nobody approves: a test that finds them on disk after End has found a leak.
UNAPPROVED_SENTENCES = ["Unapproved words stay private alpha", "Beta sentence kept from the room", "Gamma line unseen"]


def hold_an_evening(evening):
    """Start a meeting; three phones answer a poll (not revealed) and write sentences nobody approves.

    Returns the phones; the meeting's key and code are in evening.room.meeting.
    """
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    arrive = evening.push("arrive")
    for n, phone in enumerate(phones):
        assert phone.answer(arrive, n)["ok"]
    sentence = evening.push("sentence")
    for phone, text in zip(phones, UNAPPROVED_SENTENCES):
        assert phone.answer(sentence, text)["ok"]
    return phones


@pytest.fixture
def evening(app):
    """A console connected to a fresh app."""
    return Evening(app)


# --- a real server process ------------------------------------------------------------------

import signal  # noqa: E402
import socket as _socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402


def free_port():
    """A free TCP port on loopback."""
    with _socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# `fireside serve` itself, with some app config on top of its own (as create_app(config) in-process).
_SERVE_WITH_CONFIG = """
import json, sys
import facilitator
extra, made = json.loads(sys.argv.pop(1)), facilitator.create_app
facilitator.create_app = lambda config=None: made({**(config or {}), **extra})
from facilitator.cli import main
sys.exit(main(sys.argv[1:]))
"""


class RunningServer:
    """`fireside serve` as a subprocess on loopback, its output captured to a file."""

    def __init__(self, data_dir, log_path, port=None, config=None, args=(), env=None):
        """Nothing runs until start(); port: a given one (say, to restart on the same), else a free one.

        config: app config to set on top of what `fireside serve` sets (say, smaller limits).
        args: more options for `fireside serve` (say, --wifi).
        env: environment variables to set on top of the test's own (say, another PYTHONPATH).
        """
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = port or free_port()
        self.config = config
        self.args = list(args)
        self.env = env or {}
        self.process = None

    @property
    def url(self):
        """Base URL on loopback."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=15):
        """Start and wait until it answers."""
        log = open(self.log_path, "ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        command = ["-c", _SERVE_WITH_CONFIG, json.dumps(self.config)] if self.config else ["-m", "facilitator.cli"]
        self.process = subprocess.Popen(
            [sys.executable, *command, "serve", "--no-browser", "--host", "127.0.0.1",
             "--port", str(self.port), "--data", str(self.data_dir), *self.args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fireside exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"fireside did not answer in {timeout}s:\n{self.output()}")

    def stop(self, sig=signal.SIGINT, timeout=10):
        """Stop it (Ctrl-C by default) and wait."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode if self.process else None

    def output(self):
        """Everything it printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def server(data_dir, tmp_path, request):
    """A real Fireside server on a free loopback port, stopped after the test.

    Parametrized indirectly, its parameter is app config on top of `fireside serve`'s own.
    """
    running = RunningServer(data_dir, tmp_path / "server.log", config=getattr(request, "param", None)).start()
    yield running
    running.stop()


_real_clients = []  # every SocketPhone and SocketConsole a test made, closed after it


@pytest.fixture(autouse=True)
def _close_real_clients():
    """Disconnect every real Socket.IO client a test left open, so no socket outlives its test."""
    yield
    while _real_clients:
        _disconnect(_real_clients.pop())


def real_client(**options):
    """A python-socketio client for a real server that lets go of its socket at once when it disconnects.

    python-engineio's client closes its WebSocket while its own reader thread is still reading, and
    that thread takes the server's close frame; websocket-client's close() then waited its whole
    3 s for a frame that had already come. That was 3 s for every real client of the suite (a test
    of 20 phones spent a minute there). Ctrl-C stays pytest's (handle_sigint=False).

    Nor does it wait at all: close() would read the server's answer under the lock that the reader
    thread holds while it waits for a frame, so a server that said nothing more would keep both
    waiting for ever. The close frame is sent and the socket shut at once; the reader, woken by the
    end of the stream, ends as it does when the server closes first.
    """
    import socketio as sio_client
    import websocket as websocket_client  # websocket-client, python-engineio's client transport

    class QuickClose(websocket_client.WebSocket):
        def close(self, status=websocket_client.STATUS_NORMAL, reason=b"", timeout=0):
            super().close(status, reason, 0)

    return sio_client.Client(handle_sigint=False, websocket_extra_options={"class_": QuickClose}, **options)


def _disconnect(client):
    """Disconnect a python-socketio client and close its WebSocket even when the server dropped it first.

    (The client library leaves the socket of a connection the server closed open until collected.)
    """
    try:
        client.disconnect()
    except Exception:  # already gone with its server
        pass
    websocket = getattr(client.eio, "ws", None)
    if websocket is not None:
        websocket.shutdown()  # closes the socket at once, whatever state the connection is in


class SocketPhone:
    """A phone speaking real Socket.IO over a real WebSocket to a real server."""

    def __init__(self, url, code, token=None, timeout=5, headers=None):
        """Connect with the join code (and any HTTP headers, e.g. a User-Agent) and wait for `welcome`."""
        self.events = []
        self.welcome = None
        self.client = real_client(reconnection=False)
        _real_clients.append(self.client)
        self.client.on("*", self._record, namespace=events.PARTICIPANT_NS)
        auth = {"code": code, **({"token": token} if token else {})}
        self.client.connect(url, namespaces=[events.PARTICIPANT_NS], auth=auth, transports=["websocket"],
                            headers=headers or {}, wait_timeout=timeout)
        self.wait_for(events.WELCOME, timeout)
        self.welcome = self.last(events.WELCOME)
        self.token = self.welcome["token"]

    def _record(self, name, payload=None):
        """Keep every event this phone receives."""
        self.events.append((name, payload))

    def last(self, name):
        """Latest payload of an event."""
        found = [payload for event, payload in self.events if event == name]
        return found[-1] if found else None

    def wait_for(self, name, timeout=5, check=lambda payload: True):
        """Wait until an event arrives whose payload passes check; returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event, payload in reversed(self.events):
                if event == name and check(payload):
                    return payload
            time.sleep(0.02)
        raise AssertionError(f"no {name!r} event in {timeout}s; got {[e for e, _ in self.events]}")

    def call(self, event, payload, timeout=5):
        """Send and wait for the server's answer."""
        return self.client.call(event, payload, namespace=events.PARTICIPANT_NS, timeout=timeout)

    def close(self):
        """Disconnect."""
        _disconnect(self.client)


class SocketConsole:
    """The facilitator's console over a real connection (from loopback, so no key)."""

    def __init__(self, url, timeout=5):
        """Connect to the facilitator namespace."""
        self.url = url
        self.client = real_client(reconnection=False)
        _real_clients.append(self.client)
        self.states = []
        self.client.on(events.CONSOLE, self.states.append, namespace=events.FACILITATOR_NS)
        self.client.connect(url, namespaces=[events.FACILITATOR_NS], transports=["websocket"],
                            wait_timeout=timeout)

    def do(self, event, **payload):
        """A console action that must succeed."""
        answer = self.client.call(event, payload, namespace=events.FACILITATOR_NS, timeout=5)
        assert answer["ok"], answer
        return answer

    def wait_for(self, check, timeout=5):
        """Wait until the latest console state passes check; returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.states and check(self.states[-1]):
                return self.states[-1]
            time.sleep(0.02)
        raise AssertionError(f"the console state never passed the check in {timeout}s")

    def start(self, deck="test-evening", **options):
        """Start a meeting and wait until the console shows it; returns that state."""
        self.do(events.START_MEETING, deck=deck, **options)
        return self.wait_for(lambda state: state["meeting"] is not None)

    def item_id(self, key):
        """The id of a deck item in the latest agenda."""
        return next(item["id"] for item in self.states[-1]["agenda"] if item["key"] == key)

    def push(self, key):
        """Push a deck item by its key, as Evening.push does; returns its id."""
        item_id = self.item_id(key)
        self.do(events.PUSH_ITEM, item_id=item_id)
        return item_id

    def answered_and_closed(self, key, answers):
        """Push a poll, have one new phone give each answer, and close it; returns its id."""
        code = self.states[-1]["meeting"]["code"]
        item_id = self.push(key)
        for value in answers:
            phone = SocketPhone(self.url, code)
            assert phone.call(events.ANSWER, {"item_id": item_id, "value": value})["ok"]
            phone.close()
        self.do(events.CLOSE_POLL, item_id=item_id)
        return item_id

    def answered_and_revealed(self, item_id, phones, values):
        """Have each phone give its value to an open poll, approve every word or sentence, and reveal it."""
        for phone, value in zip(phones, values):
            assert phone.call(events.ANSWER, {"item_id": item_id, "value": value})["ok"]
        kind = next(item["kind"] for item in self.states[-1]["agenda"] if item["id"] == item_id)
        if kind in ("words", "text"):
            self.do(events.CLOSE_POLL, item_id=item_id)
            state = self.wait_for(lambda state: state["pending"].get(str(item_id)))
            self.do(events.MODERATE_ALL, item_id=item_id, texts=[entry["text"] for entry in state["pending"][str(item_id)]])
        self.do(events.REVEAL_POLL, item_id=item_id)

    def close(self):
        """Disconnect."""
        _disconnect(self.client)


# --- pages in a browser: one Chromium per module, and axe-core -----------------------------------

import shutil  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]
# axe-core from npm (tests/vendor/README.md): injected into a page by the test, never served by Fireside.
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(autouse=True)
def _close_pages(request):
    """Close the browser pages a test opened, as its real clients are: none lives on into the next test.

    A page left open keeps reconnecting to its test's stopped server all through the module, and
    would join the next server that happens to get the same port. Pages a module's own fixtures
    opened before the test (a whole evening held once for the module) stay.
    """
    if "browser" not in request.fixturenames:
        yield
        return
    chromium = request.getfixturevalue("browser")
    before = list(chromium.contexts)
    yield
    for context in chromium.contexts:
        if not any(context is kept for kept in before):
            context.close()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (Debian's, as CI installs it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def axe_violations(page):
    """What axe-core (every rule it runs by default) finds wrong with the page as it is now.

    The script goes in through the DevTools protocol, which the page's Content-Security-Policy
    does not govern, so the page under test keeps its own policy.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => {
        const found = await window.axe.run(document, {resultTypes: ['violations']});
        return found.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""")


def describe_violations(violations):
    """axe's findings as lines a person can act on: the rule, what it asks, and where."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    at {node['target']}: {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page, where):
    """axe-core finds nothing wrong with the page as it is now (where: which page and state, for the message)."""
    violations = axe_violations(page)
    assert not violations, f"axe-core finds problems on {where}:\n{describe_violations(violations)}"


# --- a page in another language ----------------------------------------------------------------
# What counts as English on a page that should speak another language: every sentence of the
# catalogue that the language says differently, and a few English words no Spanish page says.

ENGLISH_WORDS = ("the", "and", "you", "your", "with", "what", "this", "answered", "poll", "meeting", "phone",
                 "waiting")
# Whole words, lower case or capitalised: a join code such as "WITH-K7QM" is not a word.
ENGLISH_WORD = re.compile(r"(?<![\w-])(?:" + "|".join(f"{w}|{w.capitalize()}" for w in ENGLISH_WORDS) + r")(?![\w-])")
_PLACEHOLDER = re.compile(r"%\(\w+\)s")


@functools.lru_cache(maxsize=1)
def catalogue_template():
    """Every sentence in Fireside's code, as `python -m facilitator.i18n update` extracts it (once a run)."""
    from facilitator import i18n

    return i18n.extract_all()


def sentences_of(*sources):
    """The catalogue's English sentences that these source files say (paths from the repository's root)."""
    return [m.id for m in catalogue_template() if m.id and isinstance(m.id, str)
            and any(place in sources for place, _line in m.locations)]


@functools.lru_cache(maxsize=16)
def catalogue_patterns(language="es", sources=None, min_words=1, placeholders=True):
    """(English, pattern) for each catalogue sentence the language says differently (only those of sources).

    Markup is dropped and a placeholder stands for any words on one line; a sentence of placeholders
    alone, or of fewer than min_words words, proves nothing and is left out. placeholders=False
    leaves out every sentence with one (where a page puts English content into Spanish sentences).
    """
    from facilitator import i18n

    said = i18n.translations(language)
    found = []
    for message in catalogue_template():
        if not message.id or (sources and not any(place in sources for place, _line in message.locations)):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for n, english in zip((1, 2), ids):
            translated = said.ngettext(*ids, n) if len(ids) == 2 else said.gettext(english)
            text = " ".join(re.sub(r"<[^>]+>", "", english).split())
            pieces = _PLACEHOLDER.split(text)
            literal = " ".join(pieces)
            if translated == english or sum(c.isalpha() for c in literal) < 2 or len(literal.split()) < min_words:
                continue
            if not placeholders and len(pieces) > 1:
                continue
            body = r"[^\n]+?".join(r"\s+".join(re.escape(word) for word in piece.split(" ")) if piece.strip() else
                                   re.escape(piece) for piece in pieces)
            # A pattern is searched only in a text that holds its longest word: a search of the
            # lazy pattern over a whole summary costs milliseconds, an `in` microseconds.
            needle = max(literal.split(), key=len)
            found.append((english, re.compile(r"(?<![\w-])" + body + r"(?![\w-])"), needle))
    return tuple(found)


def english_in(text, language="es", sources=None, min_words=1, words=True, placeholders=True):
    """The English sentences (and words) still in a text meant to be in the language: [] when there are none."""
    found = [english for english, pattern, needle in catalogue_patterns(language, sources, min_words, placeholders)
             if needle in text and pattern.search(text)]
    if words:
        found += [f"the word {word!r}" for word in sorted(set(ENGLISH_WORD.findall(text)))]
    return found


# Everything a person can read on a page, as one text: what is shown, what a screen reader reads
# (aria-label, alt, title, placeholder, aria-valuetext, a select's options) and the tab's title.
# Text marked as written in another language than the page's (an English deck listed on a Spanish
# console) is content, not Fireside's words: left out, as a screen reader reads it in its own
# language. exclude: a CSS selector for what a test itself wrote.
READABLE_TEXT = """(exclude) => {
  const page = document.documentElement.lang;
  const foreign = [...document.body.querySelectorAll('[lang]')].filter((el) => el.lang && el.lang !== page);
  const skipped = (el) => foreign.some((f) => f.contains(el)) || !!(exclude && el.closest(exclude));
  const hide = [...foreign, ...(exclude ? document.body.querySelectorAll(exclude) : [])];
  const before = hide.map((el) => el.style.display);
  hide.forEach((el) => { el.style.display = 'none'; });
  const said = [document.title, document.body.innerText];
  hide.forEach((el, i) => { el.style.display = before[i]; });
  for (const el of document.querySelectorAll('[aria-label], [alt], [placeholder], [title], [aria-valuetext]')) {
    if (el.closest('[hidden]') || skipped(el)) continue;
    for (const name of ['aria-label', 'alt', 'placeholder', 'title', 'aria-valuetext']) {
      if (el.hasAttribute(name)) said.push(el.getAttribute(name));
    }
  }
  for (const option of document.querySelectorAll('option')) {
    if (!skipped(option) && !option.closest('[hidden]')) said.push(option.textContent);
  }
  return said.join('\\n');
}"""
