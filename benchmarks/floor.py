"""The floor: a bare python-socketio server speaking just enough of Fireside's protocol for load.py.

It does what Fireside does on the wire during a load run, with none of Fireside's logic: no
database, no ballots, no HMAC, no validation, no privacy floor, no counts pushed at a pace. A
phone joins with the code and gets `welcome`; `answer` bumps an in-memory count and is
acknowledged at once; `add_item` and `reveal_poll` broadcast `item` to every phone. Nothing is
pushed to the console per answer (Fireside does not do that either: it pushes counts at a pace,
which is its own logic), so the two do the same work on the wire and the difference is
Fireside's own. It runs on Fireside's own server stack (facilitator/serving.py: the same server,
WebSocket layer, message cap, monkey-patching and garbage-collector tuning, in the same async
mode) and with the same Socket.IO options (each connection's events handled in turn, as
Fireside does: async_handlers off; packets encoded and decoded with Fireside's PacketJSON, which
makes its encoder and decoder once instead of on every packet: about 2 µs of every answer), so
the ratio between the two is what Fireside's own work costs.

    python benchmarks/floor.py --mode threading --port 8799

Modes (the same names as load.py and FIRESIDE_ASYNC_MODE):
  threading   Werkzeug's threaded server + simple-websocket (threads)
  gevent      gevent's pywsgi + simple-websocket on greenlets, monkey-patched
"""

import argparse
import sys


def parse_args(argv=None):
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", default="threading", choices=("threading", "gevent"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--flask", action="store_true",
                        help="the same handlers through Flask-SocketIO on a bare Flask app (what Flask costs)")
    parser.add_argument("--message-queue", metavar="URL",
                        help="share broadcasts with other workers through python-socketio's RedisManager "
                             "(redis://127.0.0.1:PORT/0; pip install redis): benchmarks/two_workers.py")
    return parser.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None
from facilitator import MAX_MESSAGE_BYTES, PacketJSON, serving  # noqa: E402  (load.py puts the checkout on the path)

if ARGS is not None:
    serving.prepare(ARGS.mode)  # as `fireside serve` does, at the same point: before any server object exists

import json  # noqa: E402
import secrets  # noqa: E402
import threading  # noqa: E402

import socketio  # noqa: E402

PARTICIPANT_NS = "/participant"
FACILITATOR_NS = "/facilitator"
CODE = "FLOR-TEST"


class FlaskSocketIO:
    """Flask-SocketIO dressed as python-socketio's Server: handlers get (sid, ...) as the floor's do."""

    def __init__(self, mode):
        import flask
        from flask_socketio import SocketIO

        self.flask = flask
        self.app = flask.Flask("floor")
        self.app.add_url_rule("/healthz", "healthz", lambda: {"ok": True})
        self.socketio = SocketIO(self.app, async_mode=mode, max_http_buffer_size=MAX_MESSAGE_BYTES,
                                 logger=False, engineio_logger=False,
                                 async_handlers=False, json=PacketJSON)

    def on(self, event, namespace):
        def register(handler):
            def wrapper(*args):
                sid = self.flask.request.sid
                if event == "connect":
                    return handler(sid, self.flask.request.environ, args[0] if args else None)
                return handler(sid, *args)

            self.socketio.on_event(event, wrapper, namespace=namespace)
            return handler

        return register

    def enter_room(self, sid, room, namespace):
        self.socketio.server.enter_room(sid, room, namespace=namespace)

    def emit(self, *args, **kwargs):
        self.socketio.emit(*args, **kwargs)


def build(mode, flask=False, message_queue=None):
    """The bare Socket.IO server and its WSGI app (with /healthz)."""
    if flask:
        sio = FlaskSocketIO(mode)
    else:
        manager = socketio.RedisManager(message_queue) if message_queue else None
        sio = socketio.Server(async_mode=mode, max_http_buffer_size=MAX_MESSAGE_BYTES, logger=False,
                              engineio_logger=False, client_manager=manager,
                              async_handlers=False, json=PacketJSON)
    state = {"item": None, "answered": 0, "counts": None, "points": []}
    lock = threading.Lock()

    def item():
        return dict(state["item"], answered=state["answered"]) if state["item"] else None

    @sio.on("connect", namespace=FACILITATOR_NS)
    def console_connect(sid, environ, auth=None):
        sio.enter_room(sid, "console", namespace=FACILITATOR_NS)

    @sio.on("start_meeting", namespace=FACILITATOR_NS)
    def start_meeting(sid, payload):
        sio.emit("console", {"meeting": {"code": CODE}, "phones": 0}, to="console", namespace=FACILITATOR_NS)
        return {"ok": True}

    @sio.on("add_item", namespace=FACILITATOR_NS)
    def add_item(sid, payload):
        kind = payload["kind"]
        with lock:
            state["item"] = {"id": 1, "key": "", "kind": kind, "prompt": payload["prompt"], "state": "open",
                             "answered": 0, "result": None}
            if kind == "choice":
                state["item"]["options"] = payload["options"]
                state["counts"] = [0] * len(payload["options"])
            state["answered"] = 0
            state["points"] = []
        sio.emit("item", {"item": item()}, namespace=PARTICIPANT_NS)
        return {"ok": True, "item_id": 1}

    @sio.on("reveal_poll", namespace=FACILITATOR_NS)
    def reveal_poll(sid, payload):
        with lock:
            result = {"kind": state["item"]["kind"], "shown": True, "answered": state["answered"], "passed": 0,
                      "floor": 3}
            if state["item"]["kind"] == "choice":
                result["counts"] = list(state["counts"])
            else:
                result["points"] = sorted(state["points"])
            state["item"]["state"] = "revealed"
            state["item"]["result"] = result
        sio.emit("item", {"item": item()}, namespace=PARTICIPANT_NS)
        return {"ok": True}

    @sio.on("connect", namespace=PARTICIPANT_NS)
    def phone_connect(sid, environ, auth=None):
        if not isinstance(auth, dict) or auth.get("code") != CODE:
            raise socketio.exceptions.ConnectionRefusedError("That code isn't the one for tonight's meeting.")
        sio.emit("welcome", {"token": secrets.token_urlsafe(32), "meeting": {"title": "Floor"}, "item": item(),
                             "mine": None}, to=sid, namespace=PARTICIPANT_NS)

    @sio.on("answer", namespace=PARTICIPANT_NS)
    def answer(sid, payload):
        value = payload.get("value")
        with lock:
            state["answered"] += 1
            if state["item"]["kind"] == "choice":
                state["counts"][value] += 1
            else:
                state["points"].append([value["x"], value["y"]])
        return {"ok": True, "item_id": 1, "mine": value, "withdrawable": True}  # the same bytes as Fireside's ack

    def health(environ, start_response):
        body = json.dumps({"ok": True}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return sio.app if flask else socketio.WSGIApp(sio, health)


def serve(args):
    """Serve the floor on the server Fireside uses in this mode (serving.make_server), until Ctrl-C or SIGTERM."""
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *a, **k):
            pass

        def log(self, *a, **k):
            pass

    server = serving.make_server(build(args.mode, args.flask, args.message_queue), args.host, args.port, args.mode,
                                 request_handler=Quiet)
    print(f"floor ({args.mode}) on http://{args.host}:{args.port}", flush=True)
    serving.serve_forever(server, args.mode)
    return 0


if __name__ == "__main__":
    sys.exit(serve(ARGS))
