"""The facilitator namespace: the console's and the projector's events, and errors in any handler.

Each handler checks its payload, asks the running meeting (room.py) to act, answers the console,
and broadcasts through the Broadcaster (broadcast.py). Who may connect: access.py.
"""

import functools
import logging
import sqlite3

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, emit, join_room

from facilitator import access, events, handshakes
from facilitator.broadcast import CONSOLES, SCREENS, fireside
from facilitator.rules import Refused
from facilitator.sockets import socketio
from facilitator.store import LOG_NOT_EMPTIED


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
    if not access.facilitator_allowed(request.remote_addr, auth.get("key")):
        raise ConnectionRefusedError("This view belongs to the facilitator's laptop.")
    view = auth.get("view", "console")
    if view not in ("console", "screen") or set(auth) - {"key", "view"}:
        raise ConnectionRefusedError("The console connects with a view of console or screen, and a key.")
    app = fireside()
    if view == "screen":
        join_room(SCREENS)
        emit(events.SCREEN, app.room.screen_payload(app.join_url(), app.phones_here))
    else:
        join_room(CONSOLES)
        emit(events.CONSOLE, app.console_payload())
    handshakes.joined(app.handshakes, request.environ)


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
    if title is not None and not isinstance(title, str):
        raise Refused("The title must be text.")
    deck = payload.get("deck")
    if deck is not None and not isinstance(deck, str):
        raise Refused("Choose a deck by its id.")
    room.start_meeting(deck, title, payload.get("floor", 3), payload.get("live_results", False))
    return {"meeting": {"id": room.meeting["id"], "code": room.meeting["join_code"], "join_url": fireside().join_url()}}


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
