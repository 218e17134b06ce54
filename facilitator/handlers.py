"""The facilitator namespace: the console's and the projector's events, and errors in any handler.

Each handler checks its payload, asks the running meeting (room.py) to act, answers the console,
and broadcasts through the Broadcaster (broadcast.py). Who may connect: access.py.
"""

import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, emit, join_room

from babel.numbers import format_decimal

from facilitator import access, dispatch, events, handshakes, helplines, i18n, rules
from facilitator.broadcast import CONSOLES, SCREENS, fireside
from facilitator.i18n import _l
from facilitator.kinds import MEETING_NOTES_MAX, MODERATED_MAX_CHARS, SPOT_FIELDS, TITLE_MAX
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


@socketio.on_error_default
def unexpected_error(error):
    """A bug or a failing disk in a connect or disconnect handler (the ones Flask-SocketIO runs)."""
    connecting = (getattr(request, "event", None) or {}).get("message") == "connect"
    return dispatch.unexpected(current_app, getattr(request, "namespace", None), error, connecting=connecting)


@socketio.on("connect", namespace=events.FACILITATOR_NS)
def facilitator_connect(auth=None):
    """The console or the projector connects; refused without facilitator rights."""
    auth = auth if isinstance(auth, dict) else {}
    app = fireside()
    if not access.facilitator_allowed(request.remote_addr, auth.get("key")):
        raise ConnectionRefusedError(i18n.tr(app.room.language, "This view belongs to the facilitator's laptop."))
    view = auth.get("view", "console")
    if view not in ("console", "screen") or set(auth) - {"key", "view"}:
        raise ConnectionRefusedError(i18n.tr(app.room.language,
                                             "The console connects with a view of console or screen, and a key."))
    app.saw_console(request.host_url)
    # Who let it in: the laptop itself may invite and revoke a co-facilitator; a key can be revoked.
    join_room(LAPTOP if access.facilitator_allowed(request.remote_addr, None) else KEYED)
    if view == "screen":
        join_room(SCREENS)
        emit(events.SCREEN, app.room.screen_payload(app.join_url(), app.phones_here))
    else:
        join_room(CONSOLES)
        emit(events.CONSOLE, app.console_payload())
    handshakes.joined(app.handshakes, request.environ)


LAPTOP = "laptop"  # facilitator connections from the laptop itself
KEYED = "keyed"  # facilitator connections let in by the facilitator key (a co-facilitator's device)

ACTIONS = []  # (event, fields, broadcast, laptop_only, handler) of every console action, registered by register()
NOT_FROM_HERE = _l("Only the laptop that runs Fireside can invite or revoke a co-facilitator. "
                   "Ask the facilitator to do it on his console.")


def facilitator_action(event, fields, broadcast="item", laptop_only=False):
    """A console event: its payload's fields are checked, it runs, is answered, and the room hears of it.

    handler(fs, payload) gets the app's Broadcaster and the payload; what it returns is added to
    the answer. broadcast says what is sent afterwards: the current item to everyone ("item"),
    the console only ("console"), the meeting's end ("ended") or start ("started"), or nothing
    (None). laptop_only: refused to a device let in by the key (a co-facilitator's).
    """

    def record(handler):
        ACTIONS.append((event, fields, broadcast, laptop_only, handler))
        return handler

    return record


def register(server, app):
    """Register every console action, and the answer to an unknown one, on this app's server (dispatch.py)."""
    fs = app.extensions["fireside"]
    sends = {"item": fs.broadcast_item, "console": fs.broadcast_console, "ended": fs.broadcast_ended,
             "started": fs.broadcast_started, "language": fs.broadcast_language, None: lambda: None}

    def from_the_laptop(sid):
        if LAPTOP not in server.rooms(sid, namespace=events.FACILITATOR_NS):
            return {"ok": False, "error": i18n.say(NOT_FROM_HERE, fs.room.language)}
        return None

    def action(fields, broadcast, handler):
        def run(sid, payload):
            payload = {} if payload is None else payload
            if not isinstance(payload, dict):
                raise Refused(_l("The message must be an object."))
            unknown = set(payload) - set(fields)
            if unknown:
                raise Refused(_l("Unknown field: %(field)s.", field=sorted(unknown)[0]))
            if rules.broken_text(payload):
                raise Refused(rules.BROKEN_TEXT)
            answer = handler(fs, payload)
            fs.note_activity()
            sends[broadcast]()
            return answer

        run.__doc__ = handler.__doc__
        return run

    for event, fields, broadcast, laptop_only, handler in ACTIONS:
        dispatch.on_event(server, app, events.FACILITATOR_NS, event, action(fields, broadcast, handler),
                          before=from_the_laptop if laptop_only else None)
    dispatch.on_any_other(server, app, events.FACILITATOR_NS, lambda event, sid: {
        "ok": False, "error": i18n.tr(fs.room.language, "Fireside does not know that request.")})


@facilitator_action(events.START_MEETING, ("deck", "title", "floor", "live_results"), broadcast="started")
def start_meeting(fs, payload):
    """Console starts a meeting from a deck or empty; everyone sees the waiting screen and the code."""
    title = payload.get("title")
    if title is not None and (not isinstance(title, str) or len(title.strip()) > TITLE_MAX):
        raise Refused(_l("The title must be text of at most %(n)s characters.", n=TITLE_MAX))
    deck = payload.get("deck")
    if deck is not None and not isinstance(deck, str):
        raise Refused(_l("Choose a deck by its id."))
    fs.room.start_meeting(deck, title, payload.get("floor", 3), payload.get("live_results", False))
    meeting = fs.room.meeting
    return {"meeting": {"id": meeting["id"], "code": meeting["join_code"], "join_url": fs.join_url()}}


@facilitator_action(events.END_MEETING, (), broadcast="ended")
def end_meeting(fs, payload):
    """Console ends the meeting; phones are told it ended, then disconnected; a log that kept copies is not passed over."""
    fs.room.end_meeting()
    if not fs.store.log_clean:
        return {"warning": LOG_NOT_EMPTIED}
    return None


@facilitator_action(events.PUSH_ITEM, ("item_id",))
def push_item(fs, payload):
    """Console shows an item on every phone and the projector."""
    fs.room.push_item(payload.get("item_id"))


@facilitator_action(events.CLEAR_ITEM, ())
def clear_item(fs, payload):
    """Console sends every phone back to waiting."""
    fs.room.clear_item()


def _transition(action):
    """A console event that moves a poll through its states."""

    def handler(fs, payload):
        fs.room.transition(payload.get("item_id"), action, payload.get("confirm", False))

    handler.__doc__ = f"Console asks to {action} a poll; everyone sees its new state."
    return handler


facilitator_action(events.OPEN_POLL, ("item_id", "confirm"))(_transition("open"))
facilitator_action(events.CLOSE_POLL, ("item_id",))(_transition("close"))
facilitator_action(events.REVEAL_POLL, ("item_id",))(_transition("reveal"))
facilitator_action(events.REOPEN_POLL, ("item_id", "confirm"))(_transition("reopen"))


ADD_ITEM_FIELDS = (*SPOT_FIELDS, "push")


@facilitator_action(events.ADD_ITEM, ADD_ITEM_FIELDS)
def add_item(fs, payload):
    """Console adds a poll on the spot (deck form), optionally pushing it at once."""
    from prompts.schema import joined, validate_item

    push = payload.get("push", False)
    if not isinstance(push, bool):
        raise Refused(_l("push must be true or false."))
    raw = {name: value for name, value in payload.items() if name != "push"}
    item, problems = validate_item(raw, "", require_key=False)
    if problems:
        raise Refused(joined("; ", problems))
    item_id = fs.room.add_item(item)
    if push:
        fs.room.push_item(item_id)
    return {"item_id": item_id}


@facilitator_action(events.MODERATE, ("item_id", "text", "approved", "export"))
def moderate(fs, payload):
    """Console approves or hides a word or sentence; a revealed result updates everywhere."""
    text, approved, export = payload.get("text"), payload.get("approved"), payload.get("export", False)
    if not isinstance(text, str) or not text or len(text) > MODERATED_MAX_CHARS:
        raise Refused(_l("Which word or sentence? Send it as text."))
    if not isinstance(approved, bool) or not isinstance(export, bool):
        raise Refused(_l("approved and export must be true or false."))
    fs.room.moderate(payload.get("item_id"), text, approved, export)


@facilitator_action(events.MODERATE_ALL, ("item_id", "texts"))
def moderate_all(fs, payload):
    """Console approves every word or sentence it lists for a poll at once: one new picture, not one per entry."""
    texts = payload.get("texts")
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t for t in texts):
        raise Refused(_l("Which words or sentences? Send them as a list of text."))
    fs.room.moderate_all(payload.get("item_id"), texts)


@facilitator_action(events.SET_NOTES, ("notes",), broadcast="console")
def set_notes(fs, payload):
    """Console saves the facilitator's notes for the summary."""
    notes = payload.get("notes")
    if not isinstance(notes, str) or len(notes) > MEETING_NOTES_MAX:
        language = fs.room.language
        raise Refused(i18n.tr(language, "Notes must be text of at most %(n)s characters.",
                              n=format_decimal(MEETING_NOTES_MAX, locale=language)))
    fs.room.set_notes(notes)


@facilitator_action(events.ROOM_CHOOSE, ("item_id", "texts", "max"))
def room_choose(fs, payload):
    """Console lets the room choose: approved answers of a revealed words or text poll become a new multi poll, pushed at once."""
    texts, most = payload.get("texts"), payload.get("max", 2)
    if not isinstance(texts, list) or not all(isinstance(t, str) and t for t in texts):
        raise Refused(_l("Which answers? Send them as a list of text."))
    if isinstance(most, bool) or not isinstance(most, int):
        raise Refused(_l("How many may each man pick? Send a whole number."))
    item_id = fs.room.room_choose(payload.get("item_id"), texts, most)
    fs.room.push_item(item_id)
    return {"item_id": item_id}


# --- the co-facilitator's key -------------------------------------------------------------------


def cofacilitator_url(app):
    """The address that gives a co-facilitator's device the whole console: the key travels in it."""
    base = app.extensions["fireside"].public_url or ""
    return f"{base}/facilitator?key={app.config['FACILITATOR_KEY']}"


def new_key(app, server):
    """A fresh facilitator key; every device let in by the old one is disconnected. Returns how many."""
    from facilitator import instance

    app.config["FACILITATOR_KEY"] = instance.new_facilitator_key(app.config["DATA_DIR"])
    keyed = [sid for sid, _eio in server.manager.get_participants(events.FACILITATOR_NS, KEYED)]
    for sid in keyed:
        server.disconnect(sid, namespace=events.FACILITATOR_NS)
    return len(keyed)


@facilitator_action(events.INVITE_COFACILITATOR, ("new_key",), broadcast=None, laptop_only=True)
def invite_cofacilitator(fs, payload):
    """The laptop's console shows the co-facilitator's link and QR code; new_key replaces the key first."""
    if not isinstance(payload.get("new_key", False), bool):
        raise Refused(_l("new_key must be true or false."))
    disconnected = new_key(fs.app, socketio.server) if payload.get("new_key") else 0
    return {"url": cofacilitator_url(fs.app), "qr_url": "/facilitator/cofacilitator.svg",
            "disconnected": disconnected}


@facilitator_action(events.REVOKE_COFACILITATOR, (), broadcast=None, laptop_only=True)
def revoke_cofacilitator(fs, payload):
    """The laptop's console revokes the co-facilitator: a new key nobody has seen, his device disconnected."""
    return {"disconnected": new_key(fs.app, socketio.server)}


@facilitator_action(events.SET_HELP_LINES, ("lines",), broadcast="console")
def set_help_lines(fs, payload):
    """Console sets the facilitator's local help lines (kept in help.toml); every phone shows them behind Help."""
    try:
        lines = helplines.validate(payload.get("lines"))
    except helplines.HelpLinesError as error:
        raise Refused(error.args[0]) from None  # a sentence, said in the meeting's language
    try:
        fs.set_help_lines(lines)
    except helplines.HelpLinesError as error:
        raise Refused(error.args[0]) from None
    return {"lines": lines}


@facilitator_action(events.SET_LANGUAGE, ("language",), broadcast="language")
def set_language(fs, payload):
    """Console sets the language of the running meeting (every page reloads in it) or of the next one."""
    heard_by_meeting = fs.room.set_language(payload.get("language"))
    return {"language": fs.room.language, "meeting": heard_by_meeting}
