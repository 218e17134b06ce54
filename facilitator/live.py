"""Socket.IO handlers of the facilitator namespace, and the one broadcast helper.

Everything the room sees leaves through Fireside.broadcast_room / broadcast_console /
count_changed, so what phones, the projector and the console show has one source.
"""

import functools
import hmac
import threading

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, emit, join_room

from facilitator import events, lan, socketio
from facilitator.meeting import Refused

CONSOLE_ROOM = "console"
SCREEN_ROOM = "screen"
LOOPBACK_PREFIXES = ("127.", "::1", "::ffff:127.")


def is_loopback(address):
    """True for the laptop itself; the address comes from the socket, never from a header."""
    return bool(address) and (address == "::1" or address.startswith(LOOPBACK_PREFIXES))


def facilitator_allowed(address, key):
    """The console answers to the laptop itself, or to a device that knows the facilitator key."""
    if is_loopback(address):
        return True
    expected = current_app.config["FACILITATOR_KEY"]
    return isinstance(key, str) and hmac.compare_digest(key.encode(), expected.encode())


def fireside():
    """The Fireside object of the app handling this request."""
    return current_app.extensions["fireside"]


class Fireside:
    """Per-app state that handlers share: the store, the room, connected phones, broadcasting."""

    def __init__(self, app, store, room):
        """Tie the room to this app's socket server."""
        self.app = app
        self.store = store
        self.room = room
        self.phones = {}  # sid -> token, in memory only, for as long as the phone is connected
        self._phones_lock = threading.Lock()
        self._dirty = threading.Event()
        self._ticker = None
        self._ticker_lock = threading.Lock()

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

    def phone_connected(self, sid, token):
        """Remember which token a connection speaks for."""
        with self._phones_lock:
            self.phones[sid] = token
        self.count_changed()

    def phone_gone(self, sid):
        """Forget a connection's token."""
        with self._phones_lock:
            self.phones.pop(sid, None)
        self.count_changed()

    def token_of(self, sid):
        """The token of a connected phone."""
        with self._phones_lock:
            return self.phones.get(sid)

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
        socketio.emit(events.SCREEN, self.room.screen_payload(self.join_url()), namespace=events.FACILITATOR_NS,
                      to=SCREEN_ROOM)
        self.broadcast_console()

    def broadcast_console(self):
        """Something only the console shows changed."""
        socketio.emit(events.CONSOLE, self.room.console_payload(self.join_url(), self.phones_here),
                      namespace=events.FACILITATOR_NS, to=CONSOLE_ROOM)

    def broadcast_ended(self):
        """The meeting ended: phones forget their tokens; screen and console go back to the start."""
        socketio.emit(events.ENDED, {}, namespace=events.PARTICIPANT_NS)
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
        """Background loop: however fast answers come, counts go out once per interval."""
        while True:
            self._dirty.wait()
            self._dirty.clear()
            with self.app.app_context():
                try:
                    self._push_counts()
                except Exception:  # a failed push must not stop later ones
                    current_app.logger.exception("could not push counts")
            socketio.sleep(interval)

    def _push_counts(self):
        """Send "n answered" (and phones here) to everyone; refresh moderation lists on the console."""
        item = self.room.current
        phones = self.phones_here
        if item is not None:
            socketio.emit(events.COUNT, {"item_id": item["id"], "answered": item["answered"]},
                          namespace=events.PARTICIPANT_NS)
        payload = {"item_id": item["id"] if item else None, "answered": item["answered"] if item else 0,
                   "phones": phones}
        socketio.emit(events.COUNT, payload, namespace=events.FACILITATOR_NS, to=CONSOLE_ROOM)
        socketio.emit(events.COUNT, payload, namespace=events.FACILITATOR_NS, to=SCREEN_ROOM)


# --- the facilitator namespace ----------------------------------------------------------

@socketio.on("connect", namespace=events.FACILITATOR_NS)
def facilitator_connect(auth=None):
    """The console or the projector connects; refused without facilitator rights."""
    auth = auth if isinstance(auth, dict) else {}
    if not facilitator_allowed(request.remote_addr, auth.get("key")):
        raise ConnectionRefusedError("This view belongs to the facilitator's laptop.")
    view = auth.get("view", "console")
    app = fireside()
    if view == "screen":
        join_room(SCREEN_ROOM)
        emit(events.SCREEN, app.room.screen_payload(app.join_url()))
    else:
        join_room(CONSOLE_ROOM)
        emit(events.CONSOLE, app.room.console_payload(app.join_url(), app.phones_here))


def facilitator_action(event, fields, broadcast="room"):
    """Register a console event: check its payload's fields, run it, answer, broadcast."""

    def register(handler):
        @functools.wraps(handler)
        def wrapper(payload=None):
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
                return {"ok": False, "error": str(refusal)}
            if broadcast == "room":
                app.broadcast_room()
            elif broadcast == "ended":
                app.broadcast_ended()
            else:
                app.broadcast_console()
            return {"ok": True, **answer}

        socketio.on_event(event, wrapper, namespace=events.FACILITATOR_NS)
        return wrapper

    return register


@facilitator_action(events.START_MEETING, ("deck", "title", "floor", "live_results"))
def start_meeting(room, payload):
    """Console starts a meeting from a deck or empty; everyone sees the waiting screen and the code."""
    title = payload.get("title")
    if title is not None and not isinstance(title, str):
        raise Refused("The title must be text.")
    deck = payload.get("deck")
    if deck is not None and not isinstance(deck, str):
        raise Refused("Choose a deck by its id.")
    room.start_meeting(deck, title, payload.get("floor", 3), payload.get("live_results", False))


@facilitator_action(events.END_MEETING, (), broadcast="ended")
def end_meeting(room, payload):
    """Console ends the meeting; phones are told it ended."""
    room.end_meeting()


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


facilitator_action(events.OPEN_POLL, ("item_id",))(_transition("open"))
facilitator_action(events.CLOSE_POLL, ("item_id",))(_transition("close"))
facilitator_action(events.REVEAL_POLL, ("item_id",))(_transition("reveal"))
facilitator_action(events.REOPEN_POLL, ("item_id", "confirm"))(_transition("reopen"))


ADD_ITEM_FIELDS = ("kind", "prompt", "options", "max", "scale_min", "scale_max", "min_label", "max_label",
                   "x_label", "y_label", "low_label", "high_label", "max_words", "note", "minutes", "push")


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
    if not isinstance(text, str) or not text or len(text) > 300:
        raise Refused("Which word or sentence? Send it as text.")
    if not isinstance(approved, bool) or not isinstance(export, bool):
        raise Refused("approved and export must be true or false.")
    room.moderate(payload.get("item_id"), text, approved, export)


@facilitator_action(events.SET_NOTES, ("notes",), broadcast="console")
def set_notes(room, payload):
    """Console saves the facilitator's notes for the summary."""
    notes = payload.get("notes")
    if not isinstance(notes, str) or len(notes) > 20000:
        raise Refused("Notes must be text of at most 20,000 characters.")
    room.set_notes(notes)
