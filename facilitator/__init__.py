"""Fireside: the server the facilitator runs on his laptop, and his console and projector view."""

from pathlib import Path

from flask import Flask, request
from flask_socketio import SocketIO

socketio = SocketIO()

ASYNC_MODE = "threading"  # runs everywhere Python does, Windows included; see docs/performance.md
MAX_MESSAGE_BYTES = 32 * 1024  # no honest event is near this; anything bigger is refused unread


def create_app(config=None):
    """Build the Fireside app on a data folder: secrets, database, the running meeting, pages, sockets."""
    from facilitator import instance, live
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
        COUNT_INTERVAL=0.1,  # the console's "n answered" is pushed at most ten times a second
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.config.update(config)

    store = Store(app.config["DATABASE"])
    room = Room(store, DeckShelf(app.config["USER_DECKS"]))
    app.extensions["fireside"] = live.Fireside(app, store, room)

    from facilitator.views import bp as facilitator_bp
    from participant import bp as participant_bp

    app.register_blueprint(facilitator_bp)
    app.register_blueprint(participant_bp)

    @app.after_request
    def security_headers(response):
        """Every page may load only from Fireside itself: nothing leaves the room."""
        host = request.host
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            f"connect-src 'self' ws://{host} wss://{host}; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    socketio.init_app(app, async_mode=ASYNC_MODE, max_http_buffer_size=MAX_MESSAGE_BYTES,
                      logger=False, engineio_logger=False)
    return app
