"""Socket.IO handlers of the participant namespace: phones join, answer, pass, withdraw and ask for a word after.

Joining and leaving go through Flask-SocketIO (they need the request: the phone's address).
The events a phone sends while it is here (answer, withdraw, sync, and anything else) are
registered by register(), called by create_app, the one way both namespaces share (dispatch.py).
"""

from flask import request
from flask_socketio import ConnectionRefusedError, emit

from facilitator import dispatch, events, handshakes, i18n, limits, rules
from facilitator.access import unlimited
from facilitator.broadcast import fireside
from facilitator.i18n import _l
from facilitator.rules import MeetingEnded, Refused
from facilitator.sockets import socketio

# The answer to any event from a connection whose meeting is not the one running now (it ended,
# and the phone did not take `ended` as the end): the connection is then dropped.
FROM_ANOTHER_MEETING = _l("The meeting you joined has ended. To join the one running now, "
                          "scan the QR code on the screen again.")
JOINED_AS_IT_CHANGED = _l("The meeting changed just as you joined. Please open the page from the QR code again.")
NOT_JOINED = _l("Please reload the page to join again.")
PHONES_ONLY = _l("Phones can only answer, pass, withdraw, ask for a word after, or sync.")


def said(sentence, app=None):
    """A sentence (a Sentence, a Refused's message or plain text) in the meeting's language, for a phone."""
    if isinstance(sentence, Refused):
        sentence = sentence.args[0] if sentence.args else str(sentence)
    return i18n.say(sentence, (app or fireside()).room.language)


@socketio.on("connect", namespace=events.PARTICIPANT_NS)
def phone_connect(auth=None):
    """A phone joins with the meeting code (and its token when it comes back); gets `welcome`."""
    auth = auth if isinstance(auth, dict) else {}
    app = fireside()
    meeting_id = app.running_meeting_id()  # the meeting this phone joins: its connection is bound to it
    address = request.remote_addr  # kept in memory for a minute by the limits, never stored or logged
    exempt = unlimited(address)
    returning = None if exempt else _returning(app, auth.get("token"))
    refusal = app.limits.join_refusal(address, exempt, phone=returning)
    if refusal:
        raise ConnectionRefusedError(said(refusal, app))
    try:
        if set(auth) - {"code", "token"}:
            raise Refused(_l("Please open the page from the QR code again."))
        new = not exempt and bool(app.limits.new_phones) and returning is None
        refusal = app.limits.new_phone_refusal(address, exempt) if new else None
        if refusal:  # before the code is checked: it says nothing about the code
            raise ConnectionRefusedError(said(refusal, app))
        welcome = app.room.join(auth.get("code"), auth.get("token"))
    except MeetingEnded as ended:  # not a guess: a phone that slept through End, or an old QR code
        raise ConnectionRefusedError(said(ended, app), {"ended": True}) from None
    except Refused as refusal:
        app.limits.wrong_code(address, exempt)
        raise ConnectionRefusedError(said(refusal, app)) from None
    app.limits.joined(address, exempt, new=new, phone=returning)
    app.note_activity()
    emit(events.WELCOME, welcome)  # first, so the phone has its state before any count
    app.phone_connected(request.sid, welcome["token"], meeting_id)
    if app.running_meeting_id() != meeting_id:  # it ended while this phone joined: End may have missed it
        app.phone_gone(request.sid)
        raise ConnectionRefusedError(said(JOINED_AS_IT_CHANGED, app))
    handshakes.joined(app.handshakes, request.environ)


def _returning(app, token):
    """The arrival marker of a phone coming back with a token this meeting has seen, else None (a new phone).

    A made-up token counts as new as much as none at all: the limit on new phones rests on it, and
    only a token the meeting gave out (to a phone that knew the code) is counted per phone.
    """
    meeting = app.room.meeting
    if not meeting or not rules.valid_token(token):
        return None
    marker = rules.arrival_marker(meeting["meeting_key"], token)
    return marker if app.store.arrived(meeting["id"], marker) else None


@socketio.on("disconnect", namespace=events.PARTICIPANT_NS)
def phone_disconnect(reason=None):
    """A phone slept, lost Wi-Fi or left: it is no longer counted as here."""
    fireside().phone_gone(request.sid)
    fireside().limits.forget(request.sid)



def register(server, app):
    """Register the phone events of this app on its python-socketio server (dispatch.py: no request context each)."""
    fs = app.extensions["fireside"]
    namespace = events.PARTICIPANT_NS

    def refusal(sid):
        """Why this connection's event is not taken (too fast, not joined, another meeting's), or None."""
        if not fs.limits.allow_event(sid):
            return {"ok": False, "error": said(limits.SLOW_DOWN, fs)}
        phone = fs.phone_of(sid)
        if phone is None:
            return {"ok": False, "error": said(NOT_JOINED, fs)}
        if phone[1] != fs.running_meeting_id():  # it joined a meeting that is not the running one
            fs.drop_phone_soon(sid)
            return {"ok": False, "error": said(FROM_ANOTHER_MEETING, fs)}
        return None

    def answer(sid, payload):
        """A phone answers or passes; acknowledged only after the ballot is committed."""
        item, mine, picture_changed, withdrawable = fs.room.answer(fs.token_of(sid), payload)
        fs.note_activity()
        fs.count_changed()
        if picture_changed:  # now and then, in live mode
            fs.broadcast_item()
        # Whether "Take back my answers" would take this one back: not in a reopened words or
        # sentences poll, read at its first close. The room's own moments decide, nothing of others'.
        return {"item_id": item["id"], "mine": mine, "withdrawable": withdrawable}

    def withdraw(sid, payload):
        """A phone takes back all its answers to polls not yet revealed."""
        if payload not in (None, {}):
            raise Refused(_l("withdraw takes no fields."))
        removed, kept = fs.room.withdraw(fs.token_of(sid))
        fs.note_activity()
        fs.count_changed()
        return {"withdrawn": removed, "kept": len(kept), "kept_items": kept}  # ids only: docs/protocol.md

    def word_after(sid, payload):
        """A phone asks, privately, for a word after the meeting (or takes it back); the console hears nothing now."""
        return {"word_after": fs.room.word_after(fs.token_of(sid), payload)}

    def sync(sid, payload):
        """A phone that woke up asks for the full current state: its own, by this connection's token only."""
        if payload not in (None, {}):
            raise Refused(_l("sync takes no fields."))
        return fs.room.welcome(fs.token_of(sid))

    def anything_else(event, sid):
        """Anything else a phone sends (a console action included) is answered with a refusal."""
        refused = refusal(sid)
        if refused and refused["error"] != said(NOT_JOINED, fs):
            return refused
        return {"ok": False, "error": said(PHONES_ONLY, fs)}

    for event, handler in ((events.ANSWER, answer), (events.WITHDRAW, withdraw), (events.SYNC, sync),
                           (events.WORD_AFTER, word_after)):
        dispatch.on_event(server, app, namespace, event, handler, before=refusal)
    dispatch.on_any_other(server, app, namespace, anything_else)
