"""The gate in front of Engine.IO: a handshake past the bounds of limits.Handshakes is refused unopened.

A WSGI middleware around the app (outside Flask-SocketIO's own) sees each Engine.IO handshake (a
GET under /socket.io/ without a session id) before Engine.IO allocates anything for it, and
either refuses it with 429 or 503 and a sentence, or lets it through holding a limits.Handshake
in its WSGI environ. Engine.IO's connect and disconnect events (wrapped around the handlers
python-socketio registered for them) tie that Handshake to its session id and free it when the
session closes; the phone and console namespaces mark it joined (joined(), below).

Only public names of python-engineio and Flask-SocketIO are used: the WSGIApp's engineio_path,
Server.on, and Server.handlers (where Server.on keeps what it registered). A WebSocket handshake
is refused the same way, before simple-websocket upgrades it. Nothing is logged or stored.
"""

import urllib.parse

from facilitator import i18n
from facilitator.wsgi import called_in_line

HANDSHAKE = "fireside.handshake"  # the environ key of a handshake's limits.Handshake
RETRY_AFTER = "2"  # seconds; a phone's Socket.IO client retries after 1 to 5 seconds anyway


class HandshakeGate:
    """WSGI middleware: bound the Engine.IO sessions that have not joined, per address and in all."""

    def __init__(self, app, book, spare_laptop=True, language=lambda: "en"):
        """Wrap app (the Flask app's wsgi_app, Flask-SocketIO's middleware) with a limits.Handshakes.

        language() names the language a refusal is said in (the meeting's).
        """
        from facilitator.access import unlimited

        self.app = called_in_line(app)  # each layer a bound method: wsgi.py says why
        self.language = language
        self.book = book
        self.spare = unlimited if spare_laptop else (lambda address: False)
        self.path = getattr(app, "engineio_path", "/socket.io/")

    def __call__(self, environ, start_response):
        """Refuse a handshake past a bound; let everything else through untouched."""
        if not self._is_handshake(environ):
            return self.app(environ, start_response)
        address = environ.get("REMOTE_ADDR")
        if self.spare(address):
            return self.app(environ, start_response)
        handshake, refusal = self.book.admit(address)
        if refusal:
            status, sentence = refusal
            return self._refuse(environ, start_response, status, i18n.tr(self.language(), sentence))
        environ[HANDSHAKE] = handshake
        try:
            return self.app(environ, start_response)
        finally:
            # A polling handshake's session outlives this request, until it closes. A WebSocket
            # handshake's request lasts as long as its session; one that made no session at all
            # (a bad request, a foreign origin) counts no longer either way.
            if handshake.sid is None or _transport(environ) == "websocket":
                self.book.release(handshake)

    def _is_handshake(self, environ):
        """A request that would make Engine.IO open a new session: a GET under its path, no sid."""
        if environ.get("REQUEST_METHOD") != "GET" or not (environ.get("PATH_INFO") or "").startswith(self.path):
            return False
        return "sid" not in urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))

    @staticmethod
    def _refuse(environ, start_response, status, sentence):
        """Say no cheaply: an HTTP error with the sentence (a WebSocket is refused before its upgrade)."""
        body = sentence.encode()
        start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                                ("Retry-After", RETRY_AFTER), ("Cache-Control", "no-store")])
        return [body]

    # --- Engine.IO's events --------------------------------------------------------------

    def watch(self, eio):
        """Chain this gate's bookkeeping in front of the connect and disconnect handlers of eio."""
        then_connect, then_disconnect = eio.handlers.get("connect"), eio.handlers.get("disconnect")

        def connect(sid, environ):
            """Engine.IO opened a session: python-socketio's handler first, then tie it to its handshake."""
            accepted = then_connect(sid, environ) if then_connect else None
            handshake = environ.get(HANDSHAKE)
            if handshake is not None and accepted in (None, True):
                self.book.opened(handshake, sid)
            return accepted

        def disconnect(sid, reason=None):
            """Engine.IO closed a session: python-socketio's handler first, then stop counting it."""
            try:
                if then_disconnect:
                    return then_disconnect(sid, reason)
            finally:
                self.book.closed(sid)

        eio.on("connect", connect)
        eio.on("disconnect", disconnect)


def _transport(environ):
    """The Engine.IO transport a request asks for (polling unless it says otherwise)."""
    return urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("transport", ["polling"])[0]


def install(app, eio, book):
    """Put the gate, keeping book (a limits.Handshakes), in front of app's Socket.IO (after socketio.init_app)."""
    gate = HandshakeGate(app.wsgi_app, book, spare_laptop=app.config.get("LAPTOP_SESSIONS_UNLIMITED", True),
                         language=lambda: _language(app))
    gate.watch(eio)
    app.wsgi_app = called_in_line(gate)


def _language(app):
    """The language of the app's meeting (English before the room exists)."""
    fireside = app.extensions.get("fireside")
    return fireside.room.language if fireside else i18n.SOURCE


def joined(book, environ):
    """A session was let into the phone or console namespace: its handshake no longer counts as unjoined.

    environ is the Flask request's (Flask-SocketIO builds it from the handshake's); sessions that
    came through no gate (the laptop, the test client) have no handshake and are not counted.
    """
    handshake = environ.get(HANDSHAKE) if environ else None
    if handshake is not None:
        book.joined(handshake)
