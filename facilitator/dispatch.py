"""The one way the events of both namespaces are registered, and how an unexpected error is answered.

Every event a console or a phone sends (not connect and disconnect, which need the request: the
peer's address) is registered straight on python-socketio's server, with the app in a closure.
Flask-SocketIO would build and tear down a Flask request context for every event; in a hall of
1,000 phones answering at once that cost as much as everything else an answer does
(docs/decisions.md). No handler needs a request: the join address comes from configuration or
from the console's own connection (Broadcaster.public_url).
"""

import sqlite3

from facilitator import events, i18n
from facilitator.rules import Refused

DISK_TROUBLE = ("database or disk is full", "readonly", "read-only", "disk i/o error", "unable to open")


def on_event(server, app, namespace, event, handler, before=None):
    """Register handler(sid, payload) for one event of a namespace.

    before(sid) may answer instead (a refusal). The handler gets one payload at most (None when
    none was sent); what it returns is added to {"ok": true}; a Refused is answered as
    {"ok": false, "error", **details}; anything else by unexpected().
    """

    def on(sid, *args):
        try:
            refusal = before(sid) if before else None
            if refusal:
                return refusal
            if len(args) > 1:
                return {"ok": False, "error": i18n.tr(_language(app), "Send one message at a time.")}
            try:
                return {"ok": True, **(handler(sid, args[0] if args else None) or {})}
            except Refused as refused:
                return {"ok": False, "error": i18n.say(refused.args[0], _language(app)), **refused.details}
        except Exception as error:  # noqa: BLE001 - answered (or raised, in tests) by unexpected()
            return unexpected(app, namespace, error)

    on.__doc__ = handler.__doc__
    server.on(event, on, namespace=namespace)


def on_any_other(server, app, namespace, handler):
    """Register handler(event, sid) for every event of a namespace that nothing else takes."""

    def on(event, sid, *args):
        try:
            return handler(event, sid)
        except Exception as error:  # noqa: BLE001
            return unexpected(app, namespace, error)

    server.on("*", on, namespace=namespace)


def unexpected(app, namespace, error, connecting=False):
    """A bug or a failing disk in any handler: a plain sentence back, and never a connection let in.

    Tests (TESTING, or PROPAGATE_EXCEPTIONS) see the exception itself, so no bug hides behind this;
    a full disk is the laptop's trouble, not a bug, and is answered even in tests.
    """
    disk = isinstance(error, sqlite3.Error) and any(word in str(error).lower() for word in DISK_TROUBLE)
    propagate = app.config.get("PROPAGATE_EXCEPTIONS")
    if propagate is None:
        propagate = app.testing
    if propagate and not disk:
        raise error
    if disk:
        app.logger.error("Fireside could not write its database (%s). Free some space on this laptop.", error)
    else:
        app.logger.error("Fireside hit an unexpected error in a socket event.", exc_info=error)
    if connecting:
        return False  # refuse the connection: an error must never let anyone in
    language = _language(app)
    if namespace == events.PARTICIPANT_NS:
        message = (i18n.tr(language, "The laptop could not save that just now. Please try again in a moment.")
                   if disk else i18n.tr(language, "Something went wrong on the facilitator's laptop. Please try again."))
    else:
        message = (i18n.tr(language, "Fireside could not save that: the laptop's disk is full or cannot be written. "
                           "Free some space; everything saved before is safe.") if disk else
                   i18n.tr(language, "Something went wrong in Fireside, so that did not go through. Please try again."))
    return {"ok": False, "error": message}


def _language(app):
    """The language the room is spoken to in now (the meeting's)."""
    fireside = app.extensions.get("fireside")
    return fireside.room.language if fireside else i18n.SOURCE
