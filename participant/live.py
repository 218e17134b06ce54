"""Socket.IO handlers of the participant namespace: phones join, answer, pass and withdraw."""

from flask import request
from flask_socketio import ConnectionRefusedError, emit

from facilitator import events, limits, socketio
from facilitator.live import fireside, unlimited
from facilitator.meeting import Refused


@socketio.on("connect", namespace=events.PARTICIPANT_NS)
def phone_connect(auth=None):
    """A phone joins with the meeting code (and its token when it comes back); gets `welcome`."""
    auth = auth if isinstance(auth, dict) else {}
    app = fireside()
    address = request.remote_addr  # kept in memory for a minute by the limits, never stored or logged
    exempt = unlimited(address)
    refusal = app.limits.join_refusal(address, exempt)
    if refusal:
        raise ConnectionRefusedError(refusal)
    try:
        if set(auth) - {"code", "token"}:
            raise Refused("Please open the page from the QR code again.")
        welcome = app.room.join(auth.get("code"), auth.get("token"))
    except Refused as refusal:
        app.limits.wrong_code(address, exempt)
        raise ConnectionRefusedError(str(refusal)) from None
    app.limits.joined(address, exempt)
    emit(events.WELCOME, welcome)  # first, so the phone has its state before any count
    app.phone_connected(request.sid, welcome["token"])


@socketio.on("disconnect", namespace=events.PARTICIPANT_NS)
def phone_disconnect(reason=None):
    """A phone slept, lost Wi-Fi or left: it is no longer counted as here."""
    fireside().phone_gone(request.sid)
    fireside().limits.forget(request.sid)


def _phone_action(handler):
    """Run a phone event for the connected token; Refused becomes an error answer."""

    def wrapper(payload=None, *extra):
        app = fireside()
        if not app.limits.allow_event(request.sid):
            return {"ok": False, "error": limits.SLOW_DOWN}
        token = app.token_of(request.sid)
        if token is None:
            return {"ok": False, "error": "Please reload the page to join again."}
        if extra:
            return {"ok": False, "error": "Send one message at a time."}
        try:
            return {"ok": True, **handler(app, token, payload)}
        except Refused as refusal:
            return {"ok": False, "error": str(refusal)}

    wrapper.__doc__ = handler.__doc__
    return wrapper


@socketio.on(events.ANSWER, namespace=events.PARTICIPANT_NS)
@_phone_action
def answer(app, token, payload):
    """A phone answers or passes; acknowledged only after the ballot is committed."""
    item, mine, picture_changed = app.room.answer(token, payload)
    app.count_changed()
    if picture_changed:
        app.broadcast_room()
    return {"item_id": item["id"], "mine": mine}


@socketio.on(events.WITHDRAW, namespace=events.PARTICIPANT_NS)
@_phone_action
def withdraw(app, token, payload):
    """A phone takes back all its answers to polls not yet revealed."""
    if payload not in (None, {}):
        raise Refused("withdraw takes no fields.")
    removed = app.room.withdraw(token)
    app.count_changed()
    return {"withdrawn": removed}


@socketio.on(events.SYNC, namespace=events.PARTICIPANT_NS)
@_phone_action
def sync(app, token, payload):
    """A phone that woke up asks for the full current state."""
    if payload not in (None, {}):
        raise Refused("sync takes no fields.")
    return app.room.welcome(token)


@socketio.on("*", namespace=events.PARTICIPANT_NS)
def unknown_event(event, *args):
    """Anything else a phone sends (a console action included) is answered with a refusal."""
    if not fireside().limits.allow_event(request.sid):
        return {"ok": False, "error": limits.SLOW_DOWN}
    return {"ok": False, "error": "Phones can only answer, pass, withdraw or sync."}
