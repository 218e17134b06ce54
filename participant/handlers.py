"""Socket.IO handlers of the participant namespace: phones join, answer, pass and withdraw.

Joining and leaving go through Flask-SocketIO (they need the request: the phone's address).
The events a phone sends while it is here (answer, withdraw, sync, and anything else) are
registered on python-socketio's server directly (register(), called by create_app): Flask-SocketIO
would build and tear down a Flask request context for every one of them, which in a hall of
1,000 phones answering at once costs as much as everything else an answer does
(docs/performance.md). They need only the connection id and the app, held here in a closure.
An unexpected error still goes to Flask-SocketIO's error handler (handlers.unexpected_error), in
the same request context Flask-SocketIO would have given it.
"""

from flask import request
from flask_socketio import ConnectionRefusedError, emit

from facilitator import events, handshakes, limits, rules
from facilitator.access import unlimited
from facilitator.broadcast import fireside
from facilitator.rules import Refused
from facilitator.sockets import socketio

# The answer to any event from a connection whose meeting is not the one running now (it ended,
# and the phone did not take `ended` as the end): the connection is then dropped.
FROM_ANOTHER_MEETING = ("The meeting you joined has ended. To join the one running now, "
                        "scan the QR code on the screen again.")
JOINED_AS_IT_CHANGED = "The meeting changed just as you joined. Please open the page from the QR code again."


@socketio.on("connect", namespace=events.PARTICIPANT_NS)
def phone_connect(auth=None):
    """A phone joins with the meeting code (and its token when it comes back); gets `welcome`."""
    auth = auth if isinstance(auth, dict) else {}
    app = fireside()
    meeting_id = app.running_meeting_id()  # the meeting this phone joins: its connection is bound to it
    address = request.remote_addr  # kept in memory for a minute by the limits, never stored or logged
    exempt = unlimited(address)
    refusal = app.limits.join_refusal(address, exempt)
    if refusal:
        raise ConnectionRefusedError(refusal)
    try:
        if set(auth) - {"code", "token"}:
            raise Refused("Please open the page from the QR code again.")
        new = not exempt and bool(app.limits.new_phones) and _new_phone(app, auth.get("token"))
        refusal = app.limits.new_phone_refusal(address, exempt) if new else None
        if refusal:  # before the code is checked: it says nothing about the code
            raise ConnectionRefusedError(refusal)
        welcome = app.room.join(auth.get("code"), auth.get("token"))
    except Refused as refusal:
        app.limits.wrong_code(address, exempt)
        raise ConnectionRefusedError(str(refusal)) from None
    app.limits.joined(address, exempt, new=new)
    app.note_activity()
    emit(events.WELCOME, welcome)  # first, so the phone has its state before any count
    app.phone_connected(request.sid, welcome["token"], meeting_id)
    if app.running_meeting_id() != meeting_id:  # it ended while this phone joined: End may have missed it
        app.phone_gone(request.sid)
        raise ConnectionRefusedError(JOINED_AS_IT_CHANGED)
    handshakes.joined(app.handshakes, request.environ)


def _new_phone(app, token):
    """True when joining with this token would add a phone to the meeting's count (no token, or an unseen one).

    A made-up token counts as new as much as none at all: the limit on new phones rests on it.
    """
    meeting = app.room.meeting
    if not meeting or not rules.valid_token(token):
        return True
    return not app.store.arrived(meeting["id"], rules.arrival_marker(meeting["meeting_key"], token))


@socketio.on("disconnect", namespace=events.PARTICIPANT_NS)
def phone_disconnect(reason=None):
    """A phone slept, lost Wi-Fi or left: it is no longer counted as here."""
    fireside().phone_gone(request.sid)
    fireside().limits.forget(request.sid)



def register(server, app):
    """Register the phone events of this app on its python-socketio server (after socketio.init_app)."""
    fs = app.extensions["fireside"]
    namespace = events.PARTICIPANT_NS

    def from_another_meeting(sid, phone):
        """True (and the connection on its way out) when a phone joined a meeting that is not the running one."""
        if phone is None or phone[1] == fs.running_meeting_id():
            return False
        fs.drop_phone_soon(sid)
        return True

    def phone_action(event, handler):
        """A phone event for the connected token: rate-limited, one payload, Refused as an error answer."""

        def on_event(sid, *args):
            try:
                if not fs.limits.allow_event(sid):
                    return {"ok": False, "error": limits.SLOW_DOWN}
                phone = fs.phone_of(sid)
                if phone is None:
                    return {"ok": False, "error": "Please reload the page to join again."}
                if from_another_meeting(sid, phone):
                    return {"ok": False, "error": FROM_ANOTHER_MEETING}
                token = phone[0]
                if len(args) > 1:
                    return {"ok": False, "error": "Send one message at a time."}
                try:
                    return {"ok": True, **handler(fs, sid, token, args[0] if args else None)}
                except Refused as refusal:
                    return {"ok": False, "error": str(refusal)}
            except Exception as error:  # noqa: BLE001 - answered (or raised, in tests) as Flask-SocketIO would
                return _unexpected(server, app, sid, event, args, error)

        on_event.__doc__ = handler.__doc__
        server.on(event, on_event, namespace=namespace)

    def answer(fs, sid, token, payload):
        """A phone answers or passes; acknowledged only after the ballot is committed."""
        item, mine, picture_changed = fs.room.answer(token, payload)
        fs.note_activity()
        fs.count_changed()
        if picture_changed:  # now and then, in live mode: the payloads may want the request (join address)
            with _context(server, app, sid, events.ANSWER, (payload,)):
                fs.broadcast_room()
        return {"item_id": item["id"], "mine": mine}

    def withdraw(fs, sid, token, payload):
        """A phone takes back all its answers to polls not yet revealed."""
        if payload not in (None, {}):
            raise Refused("withdraw takes no fields.")
        removed = fs.room.withdraw(token)
        fs.note_activity()
        fs.count_changed()
        return {"withdrawn": removed}

    def sync(fs, sid, token, payload):
        """A phone that woke up asks for the full current state."""
        if payload not in (None, {}):
            raise Refused("sync takes no fields.")
        return fs.room.welcome(token)

    def unknown_event(event, sid, *args):
        """Anything else a phone sends (a console action included) is answered with a refusal."""
        try:
            if not fs.limits.allow_event(sid):
                return {"ok": False, "error": limits.SLOW_DOWN}
            if from_another_meeting(sid, fs.phone_of(sid)):
                return {"ok": False, "error": FROM_ANOTHER_MEETING}
            return {"ok": False, "error": "Phones can only answer, pass, withdraw or sync."}
        except Exception as error:  # noqa: BLE001
            return _unexpected(server, app, sid, event, args, error)

    phone_action(events.ANSWER, answer)
    phone_action(events.WITHDRAW, withdraw)
    phone_action(events.SYNC, sync)
    server.on("*", unknown_event, namespace=namespace)


def _context(server, app, sid, event, args):
    """The request context Flask-SocketIO would give this event (only for the rare paths that want one)."""
    environ = server.get_environ(sid, namespace=events.PARTICIPANT_NS)
    context = app.request_context(environ) if environ else app.test_request_context()

    class EventContext:
        def __enter__(self):
            context.__enter__()
            request.sid, request.namespace = sid, events.PARTICIPANT_NS
            request.event = {"message": event, "args": args}
            return context

        def __exit__(self, *exc):
            return context.__exit__(*exc)

    return EventContext()


def _unexpected(server, app, sid, event, args, error):
    """A bug or a failing disk: Flask-SocketIO's error handler answers it, as for every other event."""
    handler = socketio.exception_handlers.get(events.PARTICIPANT_NS, socketio.default_exception_handler)
    if handler is None:
        raise error
    with _context(server, app, sid, event, args):
        return handler(error)
