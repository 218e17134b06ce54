"""Fireside: the server the facilitator runs on his laptop, and his console and projector view."""

import json
import time
from pathlib import Path

from engineio import json as engineio_json
from flask import Flask, request

from facilitator.sockets import socketio  # noqa: F401  (the app's Socket.IO server: tests and tools import it from here)

# In-process default (tests, the test client). `fireside serve` passes ASYNC_MODE = "gevent" when gevent is
# installed (it is a dependency): facilitator/serving.py, and the figures in docs/performance.md.
ASYNC_MODE = "threading"
# No honest event is near this; anything bigger is refused: by engine.io (max_http_buffer_size) on
# long-polling, and on a WebSocket as it arrives, by simple-websocket (serving.prepare_websockets).
MAX_MESSAGE_BYTES = 32 * 1024
SOCKETIO_PATH = "socket.io"  # where engine.io answers; nostore.py marks everything under it no-store
# Engine.IO's heartbeat, chosen (docs/performance.md, "A phone's cost"): the server pings every
# PING_INTERVAL seconds and drops a phone that has not answered PING_TIMEOUT seconds later. At 25 s
# an idle phone costs about 20 KB an hour (0.002 % of a 1 GB plan); a phone whose Wi-Fi or screen
# went is seen gone, and its session freed, within 45 s ("n phones here", and the old sessions of
# a room that came back, limits.Handshakes); and the connection never sits idle long enough for a
# venue's NAT or access point to forget it (often after 30 to 60 s of silence).
PING_INTERVAL = 25
PING_TIMEOUT = 20


def create_app(config=None):
    """Build the Fireside app on a data folder: secrets, database, the running meeting, pages, sockets."""
    from facilitator import (
        access,
        broadcast,
        compress,
        handlers,
        handshakes,
        helplines,
        i18n,
        instance,
        nostore,
        snapshot,
    )
    from facilitator.decks import DeckShelf
    from facilitator.room import Room
    from facilitator.store import Store

    config = dict(config or {})
    data_dir = instance.prepare(config.pop("DATA_DIR", None) or instance.default_data_dir())
    keys = instance.load_secrets(data_dir)

    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=keys["secret_key"],
        FACILITATOR_KEY=keys["facilitator_key"],
        DATA_DIR=str(data_dir),
        DATABASE=str(Path(data_dir) / "fireside.db"),
        USER_DECKS=str(Path(data_dir) / "decks"),
        PUBLIC_URL=None,  # the join address phones use; `fireside serve` sets it from the LAN address
        # When `fireside serve` chose that address itself: {"hotspot", "port", "address"}, and it is
        # looked for again every ADDRESS_CHECK_SECONDS (Broadcaster.follow_network) among INTERFACES
        # (a function giving lan.Interface; None: the laptop's own, lan.interfaces).
        FOLLOW_NETWORK=None,
        ADDRESS_CHECK_SECONDS=5,
        INTERFACES=None,
        COUNT_INTERVAL=0.1,  # the console's "n answered" is pushed at most ten times a second
        MAX_CONTENT_LENGTH=64 * 1024,
        # Flood limits (facilitator/limits.py, docs/security.md); 0 switches one off.
        PHONE_EVENTS_PER_SECOND=10,
        PHONE_EVENT_BURST=20,
        JOIN_GUESSES_PER_MINUTE=20,
        # Joins of phones that are not coming back with a known token (those are counted per phone,
        # below); what so many joins can hold in memory is bounded by SESSIONS_PER_ADDRESS.
        JOINS_PER_MINUTE=1200,
        NEW_PHONES_PER_MINUTE=30,  # new tokens, which "phones joined" counts: a NAT'd group of 30 at once
        # A phone coming back with its token is counted per phone, not per address (a NAT'd room comes
        # back at once after a Wi-Fi drop): a flaky phone reconnects a few times a minute, not 20.
        RETURNS_PER_PHONE_PER_MINUTE=20,
        # Engine.IO sessions: not yet joined, per address and in all; all per address. Why these
        # numbers: limits.Handshakes.
        UNJOINED_PER_ADDRESS=1200,
        UNJOINED_TOTAL=2000,
        SESSIONS_PER_ADDRESS=2500,
        LAPTOP_SESSIONS_UNLIMITED=True,  # loopback passes these bounds; real-server tests say False
        # A running meeting idle this long ends itself (facilitator/idle.py): at start, and checked
        # every IDLE_CHECK_SECONDS while serving. CLOCK gives seconds since the epoch (tests pass their own).
        IDLE_END_HOURS=6,
        IDLE_CHECK_SECONDS=60,
        CLOCK=time.time,
        # The language meetings start in (facilitator/i18n.py); None: the last meeting's, else the laptop's.
        LANGUAGE=None,
    )
    app.config.update(config)

    store = Store(app.config["DATABASE"])
    room = Room(store, DeckShelf(app.config["USER_DECKS"]))
    help_problem = None
    try:
        room.help_lines = helplines.load(data_dir)
    except helplines.HelpLinesError as error:  # a help.toml he mistyped must not stop the evening
        help_problem = error.args[0]  # a sentence, said on the console in the meeting's language
    room.next_language = _first_language(app.config["LANGUAGE"], store)
    app.extensions["fireside"] = broadcast.Broadcaster(app, store, room)
    app.extensions["fireside"].help_problem = help_problem
    app.extensions["fireside"].end_forgotten_meeting(broadcast=False)  # nobody is connected yet

    from facilitator.editor import bp as editor_bp
    from facilitator.views import bp as facilitator_bp
    from participant import bp as participant_bp

    app.register_blueprint(facilitator_bp)
    app.register_blueprint(editor_bp)
    app.register_blueprint(participant_bp)
    i18n.init_app(app, lambda: room.language)  # pages in the meeting's language, not the phone's
    snapshot.install(app)  # static files and templates from memory: a reinstall under the server changes nothing
    compress.init_app(app)  # gzip for text, versioned static URLs cached for a year: docs/performance.md

    @app.after_request
    def security_headers(response):
        """Every page may load only from Fireside itself: nothing leaves the room."""
        host = request.host
        # Only the editor's phone preview may be framed, and only by Fireside's own pages.
        ancestors = "'self'" if getattr(response, "framed_by_self", False) else "'none'"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"connect-src 'self' ws://{host} wss://{host}; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {ancestors}"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # async_handlers=False: each connection's events are handled in turn, in the order sent, by the
    # greenlet (or thread) that reads that connection, instead of one new greenlet per event:
    # cheaper in a burst of answers, and a phone's "answer, then withdraw" can never be swapped.
    socketio.init_app(app, async_mode=app.config.get("ASYNC_MODE", ASYNC_MODE), path=SOCKETIO_PATH,
                      max_http_buffer_size=MAX_MESSAGE_BYTES, cors_allowed_origins=access.same_origin,
                      logger=False, engineio_logger=False, async_handlers=False, json=PacketJSON,
                      ping_interval=PING_INTERVAL, ping_timeout=PING_TIMEOUT)
    nostore.init_app(app, SOCKETIO_PATH)  # after init_app: it wraps engine.io's middleware too
    # After init_app, so the gate wraps Flask-SocketIO's middleware and sees each handshake first.
    handshakes.install(app, socketio.server.eio, app.extensions["fireside"].handshakes)
    from participant import handlers as phone_events

    handlers.register(socketio.server, app)  # console and phone events: one way, no request context each
    phone_events.register(socketio.server, app)
    handlers.quiet_unreadable_messages()
    return app


def _first_language(asked, store):
    """The language the next meeting starts in: the one asked for, else the last meeting's, else the laptop's."""
    from facilitator import i18n

    if asked:
        chosen = i18n.supported(asked)
        if chosen is None:
            raise ValueError(f"Fireside does not speak {asked!r} yet; it speaks {', '.join(i18n.languages())}.")
        return chosen
    last = store.meetings()[:1] if store is not None else []  # None: no meeting was ever held here
    return i18n.supported(last[0]["language"]) if last and i18n.supported(last[0]["language"]) else i18n.laptop_language()


def _bounded_int(digits):
    """An integer in a packet, as engine.io reads it: more than 100 digits is refused."""
    if len(digits) > 100:
        raise ValueError("Integer is too large")
    return int(digits)


class PacketJSON:
    """JSON for Socket.IO packets: engine.io's own rules, with its encoder and decoder made once.

    engine.io's json module passes options on every call (compact separators to encode; integers
    of at most 100 digits to decode), which makes the standard library build a new encoder or
    decoder each time: a little of every answer's cost. These two are the same, built once.
    """

    _compact = json.JSONEncoder(separators=(",", ":"))
    _decoder = json.JSONDecoder(parse_int=_bounded_int)

    @classmethod
    def dumps(cls, obj, **options):
        """json.dumps; the compact form every packet uses comes from the one encoder."""
        if options == {"separators": (",", ":")}:
            return cls._compact.encode(obj)
        return json.dumps(obj, **options)

    @classmethod
    def loads(cls, text, **options):
        """engine.io's loads; a packet's text goes through the one decoder."""
        if options or not isinstance(text, str):
            return engineio_json.loads(text, **options)
        return cls._decoder.decode(text)
