"""Socket.IO handlers of the facilitator namespace, and the one broadcast helper.

Everything the room sees leaves through Fireside.broadcast_room / broadcast_console /
count_changed, so what phones, the projector and the console show has one source.
"""

import functools
import hmac
import html
import ipaddress
import logging
import socket
import sqlite3
import threading
import time

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, emit, join_room

from facilitator import events, idle, lan, limits, socketio
from facilitator.kinds import MEETING_NOTES_MAX, MODERATED_MAX_CHARS, SPOT_FIELDS, TITLE_MAX
from facilitator.meeting import Refused
from facilitator.store import LOG_NOT_EMPTIED

CONSOLE_ROOM = "console"
PHONE_COUNT_MESSAGES = 1000  # count messages a second to all phones together, at most (see CountPace)
SCREEN_ROOM = "screen"
DROP_GRACE = 0.05  # seconds a dropped phone's refusal has to leave before its connection closes
LOOPBACK_PREFIXES = ("127.", "::1", "::ffff:127.")


def is_loopback(address):
    """True for the laptop itself; the address comes from the socket, never from a header."""
    return bool(address) and (address == "::1" or address.startswith(LOOPBACK_PREFIXES))


def unlimited(address):
    """The laptop itself (and a test client, which has no address) is not held to the flood limits."""
    return address is None or is_loopback(address)


def facilitator_allowed(address, key, host=None):
    """The console answers to the laptop itself, or to a device that knows the facilitator key.

    address is the socket's own peer address (REMOTE_ADDR); X-Forwarded-For and friends are never
    read. The laptop itself counts only when the page was asked for by the laptop's own name
    (host, default: this request's Host header): a web page from elsewhere that re-points its own
    domain at 127.0.0.1 (DNS rebinding) reaches loopback too, but under its own name.
    """
    if host is None and request:
        host = request.host
    if is_loopback(address) and (host is None or names_this_laptop(host)):
        return True
    expected = current_app.config["FACILITATOR_KEY"]
    return isinstance(key, str) and hmac.compare_digest(key.encode(), expected.encode())


@functools.lru_cache(maxsize=1)
def _own_names():
    """The laptop's own host names, as a browser on it may be pointed at them."""
    name = socket.gethostname().lower().rstrip(".")
    return {"localhost", name, f"{name}.local"} if name else {"localhost"}


def names_this_laptop(host):
    """True when a Host header names this laptop: an IP address, localhost, or its own name."""
    name = str(host or "").strip().lower()
    if name.startswith("["):  # [::1]:8765
        name = name[1:name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:  # 127.0.0.1:8765, localhost:8765
        name = name.rsplit(":", 1)[0]
    name = name.rstrip(".")
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return name in _own_names() or name.endswith(".localhost")


def same_origin(origin, environ):
    """Socket.IO's origin check: a browser's page must come from this very server (scheme and host).

    Unlike the default, forwarded headers (X-Forwarded-Host, -Proto) do not widen what is accepted.
    Clients that send no Origin at all (not browsers) are not asked.
    """
    host = environ.get("HTTP_HOST")
    scheme = environ.get("wsgi.url_scheme", "http")
    return bool(origin and host) and origin == f"{scheme}://{host}"


class UnreadableMessages(logging.Filter):
    """Engine.IO logs a traceback for every message it cannot decode (bad JSON, nesting too deep).

    Such a message comes from a broken or hostile client, not from a bug in Fireside: one line
    without the traceback says enough, and nobody can fill the facilitator's terminal with them.
    """

    def filter(self, record):
        """Shorten "message handler error" records; let every other record through untouched."""
        if record.msg == "message handler error" and record.exc_info:
            record.msg, record.args = "Ignored a message Fireside could not read (%s).", (record.exc_info[0].__name__,)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_unreadable_messages():
    """Install the filter on engine.io's logger, once."""
    logger = logging.getLogger("engineio.server")
    if not any(isinstance(f, UnreadableMessages) for f in logger.filters):
        logger.addFilter(UnreadableMessages())


def too_many_page(message):
    """A bare page for a join refused by the flood limits (no template: nothing else to show)."""
    return ('<!doctype html><html lang="en"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Fireside</title>'
            f"<p>{html.escape(message)}</p></html>")


def fireside():
    """The Fireside object of the app handling this request."""
    return current_app.extensions["fireside"]


class CountPace:
    """When "n answered" goes out, however fast answers come (pure: the caller gives the time).

    The console and the projector hear of a change at once, then at most once per interval.
    Phones hear one phone interval after the first change they have not heard of, with the count
    as it is then. The phone interval is the interval in a small room, but longer in a big one,
    so that telling every phone costs at most PHONE_COUNT_MESSAGES messages a second (1,000
    phones: once a second) and the laptop's work per second stays bounded. Waiting before telling
    phones, rather than telling them at once, keeps that work out of a burst of answers (whose
    acks then go first) and gives phones the count the burst left, not its first answer.
    """

    def __init__(self, interval, messages_per_second=PHONE_COUNT_MESSAGES):
        self.interval = interval
        self.messages_per_second = messages_per_second
        self.console_due = float("-inf")  # the console may be told from then on
        self.console_behind = False  # a change the console has not heard of
        self.phones_due = None  # when phones are told of a change they have not heard of; None: none

    def phone_interval(self, phones):
        """How long phones wait to hear of a change in a room of this many phones."""
        return max(self.interval, phones / self.messages_per_second)

    def change(self, now, phones):
        """Something changed (one answer or many) at this time, with this many phones here."""
        self.console_behind = True
        if self.phones_due is None:
            self.phones_due = now + self.phone_interval(phones)

    def due(self, now):
        """(tell the console, tell the phones) at this time; what it says yes to counts as told."""
        console = self.console_behind and now >= self.console_due
        phones = self.phones_due is not None and now >= self.phones_due
        if console:
            self.console_behind, self.console_due = False, now + self.interval
        if phones:
            self.phones_due = None
        return console, phones

    def next_at(self):
        """When something is next due (None: nothing waits to be told)."""
        times = [self.console_due] if self.console_behind else []
        if self.phones_due is not None:
            times.append(self.phones_due)
        return min(times) if times else None


class Fireside:
    """Per-app state that handlers share: the store, the room, connected phones, broadcasting."""

    def __init__(self, app, store, room):
        """Tie the room to this app's socket server."""
        self.app = app
        self.store = store
        self.room = room
        # sid -> (token, id of the meeting it joined), in memory only, for as long as the phone is connected
        self.phones = {}
        self.limits = limits.Limits(app.config)  # flood limits, in memory only
        self._phones_lock = threading.Lock()
        self._dirty = threading.Event()
        self._ticker = None
        self._ticker_lock = threading.Lock()
        self.idle = idle.IdleWatch(store, room, app.config["CLOCK"], app.config["IDLE_END_HOURS"])
        self.note_activity = self.idle.note  # an answer, a join, a facilitator action
        self._watching = None  # set to stop the watch started by watch()

    # --- addresses ------------------------------------------------------------------

    @property
    def public_url(self):
        """Where phones reach the server: set by `fireside serve`, else the address the console used."""
        return self.app.config["PUBLIC_URL"] or (request.host_url.rstrip("/") if request else "")

    def join_url(self):
        """The running meeting's join address, or None."""
        meeting = self.room.meeting
        return lan.join_url(self.public_url, meeting["join_code"]) if meeting else None

    # --- phones ---------------------------------------------------------------------

    def phone_connected(self, sid, token, meeting_id):
        """Remember which token a connection speaks for, and the meeting it joined."""
        with self._phones_lock:
            self.phones[sid] = (token, meeting_id)
        self.count_changed()

    def phone_gone(self, sid):
        """Forget a connection's token."""
        with self._phones_lock:
            self.phones.pop(sid, None)
        self.count_changed()

    def phone_of(self, sid):
        """(token, meeting id) of a connected phone, or None."""
        with self._phones_lock:
            return self.phones.get(sid)

    def token_of(self, sid):
        """The token of a connected phone."""
        phone = self.phone_of(sid)
        return phone[0] if phone else None

    def running_meeting_id(self):
        """The id of the meeting running now, or None."""
        meeting = self.room.meeting
        return meeting["id"] if meeting else None

    def drop_phones(self, keep=None):
        """Disconnect every phone that did not join meeting keep (every phone, when keep is None).

        A connection must not outlive its meeting: one that stayed open would hear the next
        meeting's items and results, and could answer in it, without ever being given its code.
        """
        with self._phones_lock:
            gone = [sid for sid, (_token, meeting_id) in self.phones.items() if keep is None or meeting_id != keep]
            for sid in gone:
                del self.phones[sid]
        for sid in gone:
            socketio.server.disconnect(sid, namespace=events.PARTICIPANT_NS)
        if gone:
            self.count_changed()

    def drop_phone_soon(self, sid):
        """Forget a phone at once and close its connection once the refusal it is being sent has gone out.

        The refusal is the answer to the event being handled, sent only after the handler returns;
        a connection closed before that would never read it. Under gevent the background task runs
        only once this greenlet has queued the answer; with threads, DROP_GRACE gives it the time.
        """
        with self._phones_lock:
            self.phones.pop(sid, None)
        self.count_changed()
        server = socketio.server  # this app's, even if another app is made meanwhile (tests)

        def close():
            socketio.sleep(DROP_GRACE)
            server.disconnect(sid, namespace=events.PARTICIPANT_NS)

        socketio.start_background_task(close)

    @property
    def phones_here(self):
        """How many phones are connected right now."""
        with self._phones_lock:
            return len(self.phones)

    # --- broadcasting -----------------------------------------------------------------

    def broadcast_room(self):
        """The current item changed: tell every phone, the projector and the console."""
        room_payload = self.room.room_payload()
        socketio.emit(events.ROOM, room_payload, namespace=events.PARTICIPANT_NS)
        socketio.emit(events.SCREEN, self.room.screen_payload(self.join_url(), self.phones_here), namespace=events.FACILITATOR_NS,
                      to=SCREEN_ROOM)
        self.broadcast_console()

    def broadcast_console(self):
        """Something only the console shows changed."""
        socketio.emit(events.CONSOLE, self.console_payload(), namespace=events.FACILITATOR_NS, to=CONSOLE_ROOM)

    def console_payload(self):
        """The room's console payload, with the notices the facilitator must read (the page shows each once)."""
        return dict(self.room.console_payload(self.join_url(), self.phones_here), notices=self.notices())

    def notices(self):
        """Sentences for the console: a forgotten meeting ended itself; the log is not yet emptied."""
        found = []
        if self.room.meeting is not None:
            self.idle.ended_notice = None  # a new meeting has started: that news is old
        elif self.idle.ended_notice:
            found.append(self.idle.ended_notice)
        if not self.store.log_clean:
            found.append(LOG_NOT_EMPTIED)
        return found

    # --- a forgotten meeting ------------------------------------------------------------

    def end_forgotten_meeting(self, broadcast=True):
        """End the running meeting if it was idle beyond IDLE_END_HOURS, and say so; True when it did."""
        notice = self.idle.end_if_forgotten()
        if notice is None:
            return False
        idle.tell(notice)
        if broadcast:
            self.broadcast_ended()
        return True

    def watch(self):
        """While serving: every IDLE_CHECK_SECONDS, end a forgotten meeting and retry a log not yet emptied."""
        with self._ticker_lock:
            if self._watching is None:
                self._watching = threading.Event()
                socketio.start_background_task(self._watch, self._watching)

    def stop_watching(self):
        """Stop the watch (before the store closes)."""
        with self._ticker_lock:
            if self._watching is not None:
                self._watching.set()
                self._watching = None

    def _watch(self, stopped):
        """Background loop of watch(), until stopped."""
        interval = self.app.config["IDLE_CHECK_SECONDS"]
        while True:
            socketio.sleep(interval)
            if stopped.is_set():
                return
            with self.app.app_context():
                try:
                    if self.end_forgotten_meeting():
                        continue
                    if not self.store.log_clean and self.store.checkpoint():
                        self.broadcast_console()  # the notice about the log goes
                except Exception:  # a failed check must not stop later ones
                    current_app.logger.exception("could not check whether the meeting was forgotten")

    def broadcast_ended(self):
        """The meeting ended: phones forget their tokens and are disconnected; screen and console go back to the start."""
        socketio.emit(events.ENDED, {}, namespace=events.PARTICIPANT_NS)
        self.drop_phones()  # each connection has `ended` queued before its disconnect, so it reads it first
        self.broadcast_room()

    def broadcast_started(self):
        """A meeting began: a phone still connected from an earlier one is dropped before anything is shown."""
        self.drop_phones(keep=self.running_meeting_id())
        self.broadcast_room()

    def count_changed(self):
        """An answer or a phone arrived or left: push counts, at most ten times a second."""
        interval = self.app.config["COUNT_INTERVAL"]
        if not interval:
            self._push_counts()
            return
        self._dirty.set()
        with self._ticker_lock:
            if self._ticker is None:
                self._ticker = socketio.start_background_task(self._tick, interval)

    def _tick(self, interval):
        """Background loop: however fast answers come, counts go out at CountPace's pace."""
        pace = CountPace(interval)
        while True:
            now = time.monotonic()
            if pace.console_behind:  # the console has a change to hear of: tell it when due
                socketio.sleep(max(0.0, pace.next_at() - now))
            else:  # wait for a change, or until the phones are due
                self._dirty.wait(None if pace.phones_due is None else max(0.0, pace.phones_due - now))
            now = time.monotonic()
            if self._dirty.is_set():
                self._dirty.clear()
                pace.change(now, self.phones_here)
            console, phones = pace.due(now)
            if console or phones:
                with self.app.app_context():
                    try:
                        self._push_counts(console=console, phones=phones)
                    except Exception:  # a failed push must not stop later ones
                        current_app.logger.exception("could not push counts")

    def _push_counts(self, console=True, phones=True):
        """Send "n answered" (and phones here) to the console and the screen, and "n answered" to phones."""
        item = self.room.current
        if phones and item is not None:  # one message, encoded once, to every phone
            socketio.emit(events.COUNT, {"item_id": item["id"], "answered": item["answered"]},
                          namespace=events.PARTICIPANT_NS)
        if console:
            payload = {"item_id": item["id"] if item else None, "answered": item["answered"] if item else 0,
                       "phones": self.phones_here}
            socketio.emit(events.COUNT, payload, namespace=events.FACILITATOR_NS, to=CONSOLE_ROOM)
            socketio.emit(events.COUNT, payload, namespace=events.FACILITATOR_NS, to=SCREEN_ROOM)


# --- the facilitator namespace ----------------------------------------------------------

@socketio.on("*", namespace=events.FACILITATOR_NS)
def facilitator_unknown_event(event, *args):
    """An event the console never sends: answered, so the sender is not left waiting."""
    return {"ok": False, "error": "Fireside does not know that request."}


DISK_TROUBLE = ("database or disk is full", "readonly", "read-only", "disk i/o error", "unable to open")


@socketio.on_error_default
def unexpected_error(error):
    """A bug or a failing disk in any handler: refuse plainly, never let a connection in.

    Tests (TESTING, or PROPAGATE_EXCEPTIONS) see the exception itself, so no bug hides behind this.
    """
    app = current_app._get_current_object()
    disk = isinstance(error, sqlite3.Error) and any(word in str(error).lower() for word in DISK_TROUBLE)
    propagate = app.config.get("PROPAGATE_EXCEPTIONS")
    if propagate is None:
        propagate = app.testing
    if propagate and not disk:  # a full disk is the laptop's trouble, not a bug: answered even in tests
        raise error
    connecting = (getattr(request, "event", None) or {}).get("message") == "connect"
    phone = getattr(request, "namespace", None) == events.PARTICIPANT_NS
    if disk:
        app.logger.error("Fireside could not write its database (%s). Free some space on this laptop.", error)
    else:
        app.logger.error("Fireside hit an unexpected error in a socket event.", exc_info=error)
    if connecting:
        return False  # refuse the connection: an error must never let anyone in
    if phone:
        message = ("The laptop could not save that just now. Please try again in a moment." if disk else
                   "Something went wrong on the facilitator's laptop. Please try again.")
    else:
        message = ("Fireside could not save that: the laptop's disk is full or cannot be written. "
                   "Free some space; everything saved before is safe." if disk else
                   "Something went wrong in Fireside, so that did not go through. Please try again.")
    return {"ok": False, "error": message}


@socketio.on("connect", namespace=events.FACILITATOR_NS)
def facilitator_connect(auth=None):
    """The console or the projector connects; refused without facilitator rights."""
    auth = auth if isinstance(auth, dict) else {}
    if not facilitator_allowed(request.remote_addr, auth.get("key")):
        raise ConnectionRefusedError("This view belongs to the facilitator's laptop.")
    view = auth.get("view", "console")
    if view not in ("console", "screen") or set(auth) - {"key", "view"}:
        raise ConnectionRefusedError("The console connects with a view of console or screen, and a key.")
    app = fireside()
    if view == "screen":
        join_room(SCREEN_ROOM)
        emit(events.SCREEN, app.room.screen_payload(app.join_url(), app.phones_here))
    else:
        join_room(CONSOLE_ROOM)
        emit(events.CONSOLE, app.console_payload())


def facilitator_action(event, fields, broadcast="room"):
    """Register a console event: check its payload's fields, run it, answer, broadcast."""

    def register(handler):
        @functools.wraps(handler)
        def wrapper(payload=None, *extra):
            if extra:
                return {"ok": False, "error": "Send one message at a time."}
            if payload is None:
                payload = {}
            if not isinstance(payload, dict):
                return {"ok": False, "error": "The message must be an object."}
            unknown = set(payload) - set(fields)
            if unknown:
                return {"ok": False, "error": f"Unknown field: {sorted(unknown)[0]}."}
            app = fireside()
            try:
                answer = handler(app.room, payload) or {}
            except Refused as refusal:
                return {"ok": False, "error": str(refusal), **refusal.details}
            app.note_activity()
            if broadcast == "room":
                app.broadcast_room()
            elif broadcast == "ended":
                app.broadcast_ended()
            elif broadcast == "started":
                app.broadcast_started()
            else:
                app.broadcast_console()
            return {"ok": True, **answer}

        socketio.on_event(event, wrapper, namespace=events.FACILITATOR_NS)
        return wrapper

    return register


@facilitator_action(events.START_MEETING, ("deck", "title", "floor", "live_results"), broadcast="started")
def start_meeting(room, payload):
    """Console starts a meeting from a deck or empty; everyone sees the waiting screen and the code."""
    title = payload.get("title")
    if title is not None and (not isinstance(title, str) or len(title.strip()) > TITLE_MAX):
        raise Refused(f"The title must be text of at most {TITLE_MAX} characters.")
    deck = payload.get("deck")
    if deck is not None and not isinstance(deck, str):
        raise Refused("Choose a deck by its id.")
    room.start_meeting(deck, title, payload.get("floor", 3), payload.get("live_results", False))


@facilitator_action(events.END_MEETING, (), broadcast="ended")
def end_meeting(room, payload):
    """Console ends the meeting; phones are told it ended, then disconnected; a log that kept copies is not passed over."""
    room.end_meeting()
    if not fireside().store.log_clean:
        return {"warning": LOG_NOT_EMPTIED}
    return None


@facilitator_action(events.PUSH_ITEM, ("item_id",))
def push_item(room, payload):
    """Console shows an item on every phone and the projector."""
    room.push_item(payload.get("item_id"))


@facilitator_action(events.CLEAR_ITEM, ())
def clear_item(room, payload):
    """Console sends every phone back to waiting."""
    room.clear_item()


def _transition(action):
    """A console event that moves a poll through its states."""

    def handler(room, payload):
        room.transition(payload.get("item_id"), action, payload.get("confirm", False))

    handler.__doc__ = f"Console asks to {action} a poll; everyone sees its new state."
    return handler


facilitator_action(events.OPEN_POLL, ("item_id", "confirm"))(_transition("open"))
facilitator_action(events.CLOSE_POLL, ("item_id",))(_transition("close"))
facilitator_action(events.REVEAL_POLL, ("item_id",))(_transition("reveal"))
facilitator_action(events.REOPEN_POLL, ("item_id", "confirm"))(_transition("reopen"))


ADD_ITEM_FIELDS = (*SPOT_FIELDS, "push")


@facilitator_action(events.ADD_ITEM, ADD_ITEM_FIELDS)
def add_item(room, payload):
    """Console adds a poll on the spot (deck form), optionally pushing it at once."""
    from prompts.schema import validate_item

    push = payload.get("push", False)
    if not isinstance(push, bool):
        raise Refused("push must be true or false.")
    raw = {name: value for name, value in payload.items() if name != "push"}
    item, problems = validate_item(raw, "", require_key=False)
    if problems:
        raise Refused("; ".join(problems))
    item_id = room.add_item(item)
    if push:
        room.push_item(item_id)
    return {"item_id": item_id}


@facilitator_action(events.MODERATE, ("item_id", "text", "approved", "export"))
def moderate(room, payload):
    """Console approves or hides a word or sentence; a revealed result updates everywhere."""
    text, approved, export = payload.get("text"), payload.get("approved"), payload.get("export", False)
    if not isinstance(text, str) or not text or len(text) > MODERATED_MAX_CHARS:
        raise Refused("Which word or sentence? Send it as text.")
    if not isinstance(approved, bool) or not isinstance(export, bool):
        raise Refused("approved and export must be true or false.")
    room.moderate(payload.get("item_id"), text, approved, export)


@facilitator_action(events.MODERATE_ALL, ("item_id", "texts"))
def moderate_all(room, payload):
    """Console approves every word or sentence it lists for a poll at once: one new picture, not one per entry."""
    texts = payload.get("texts")
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t for t in texts):
        raise Refused("Which words or sentences? Send them as a list of text.")
    room.moderate_all(payload.get("item_id"), texts)


@facilitator_action(events.SET_NOTES, ("notes",), broadcast="console")
def set_notes(room, payload):
    """Console saves the facilitator's notes for the summary."""
    notes = payload.get("notes")
    if not isinstance(notes, str) or len(notes) > MEETING_NOTES_MAX:
        raise Refused(f"Notes must be text of at most {MEETING_NOTES_MAX:,} characters.")
    room.set_notes(notes)
