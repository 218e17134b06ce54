"""Which server `fireside serve` runs, and in which async mode (chosen by measuring: docs/performance.md).

gevent (its pywsgi server, WebSockets through gevent-websocket, greenlets instead of threads)
carries a hall of 1,000 phones on a 2-core laptop; Werkzeug's threaded server is the fallback
wherever gevent is not installed. FIRESIDE_ASYNC_MODE=threading or =gevent overrides the choice
(benchmarks use it). Without gevent-websocket, engine.io runs simple-websocket on greenlets.

Both servers keep the privacy rule of the access log: no line ever names a client's address.
"""

import gc
import importlib.util
import logging
import os
import signal
import struct
import warnings

ASYNC_MODES = ("gevent", "threading")


def choose_mode():
    """gevent when it can be imported, else threading; FIRESIDE_ASYNC_MODE says otherwise."""
    wanted = os.environ.get("FIRESIDE_ASYNC_MODE", "").strip().lower()
    if wanted in ASYNC_MODES:
        return wanted
    return "gevent" if importlib.util.find_spec("gevent") else "threading"


def prepare(mode):
    """Make the standard library cooperative before the app, its locks and its sockets exist.

    Fireside's own locks and events are threading's; monkey-patched, they are gevent's, so a
    waiting greenlet never blocks the others. It runs before any thread is started. (ssl is
    already imported by then, by the Socket.IO client library; the server never uses it.)
    """
    if mode != "gevent":
        return
    from gevent import monkey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        monkey.patch_all()


def make_server(app, host, port, mode, request_handler=None):
    """A server bound to host:port (OSError if it cannot be); request_handler is Werkzeug's for threading."""
    if mode == "gevent":
        from gevent import pywsgi

        server = pywsgi.WSGIServer((host, port), app, handler_class=_quiet_gevent_handler(),
                                   log=None, error_log=_ErrorLog())
        server.secure_environ_class = _no_address_environ()
        server.init_socket()  # bind now, so a taken port is reported before anything is printed
        return server
    from werkzeug.serving import make_server as werkzeug_server

    return werkzeug_server(host, port, app, threaded=True, request_handler=request_handler)


def serve_forever(server, mode):
    """Serve until Ctrl-C or SIGTERM; then close the listening socket."""
    _tune_garbage_collector()
    if mode == "gevent":
        import gevent

        def stop():
            gevent.spawn(server.stop, 2)

        for sig in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)):
            if sig is not None:
                try:
                    gevent.signal_handler(sig, stop)
                except (AttributeError, ValueError, OSError):  # Windows: Ctrl-C arrives as KeyboardInterrupt
                    pass
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.stop(2)
        return

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _tune_garbage_collector():
    """Fewer, cheaper collections while a hall answers at once (docs/performance.md).

    What start-up made (modules, the app) is frozen out of every later collection, and the young
    generation is collected every 50,000 allocations instead of every 700: a burst of 1,000
    answers allocates a lot and keeps little.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


# --- gevent, quietly: no client address is ever printed -------------------------------------------

class _ErrorLog:
    """pywsgi's error log, through logging."""

    def write(self, text):
        text = text.strip()
        if text:
            logging.getLogger("fireside.server").error("%s", text)

    def flush(self):
        pass


def _quiet_gevent_handler():
    """pywsgi's handler without access lines, and with error lines that name no address or socket."""
    try:  # engine.io serves WebSockets through gevent-websocket when it is installed
        from geventwebsocket.handler import WebSocketHandler as Base
        capped = _capped_websocket()
    except ImportError:  # else through simple-websocket, on greenlets
        from gevent.pywsgi import WSGIHandler as Base
        capped = None

    class QuietHandler(Base):
        def run_websocket(self):
            """gevent-websocket's loop, on a WebSocket that drops an oversized message as it arrives."""
            if capped is not None and getattr(self, "websocket", None) is not None:
                self.websocket.__class__ = capped
            return super().run_websocket()

        def log_request(self):
            """No per-request lines: who asked for what is nobody's business."""

        def log_error(self, msg, *args):
            """The error, with the client's address (an argument here) left out."""
            args = tuple("a client" if arg is self.client_address else arg for arg in args)
            try:
                message = msg % args if args else msg
            except (TypeError, ValueError):
                message = msg
            self.server.error_log.write(message)

    return QuietHandler


def _no_address_environ():
    from gevent.pywsgi import SecureEnviron

    class NoAddressEnviron(SecureEnviron):
        """What gevent prints beside an unexpected error: the keys, not REMOTE_ADDR."""

        default_whitelist_keys = ("PATH_INFO", "REQUEST_METHOD")
        default_print_masked_keys = False

    return NoAddressEnviron


def gevent_websocket(websocket):
    """engine.io's gevent WebSocket wrapper, made to take simple-websocket's options (max_message_size).

    Returns None when WebSockets go through gevent-websocket, which has no such option.
    """
    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

    if not (isinstance(websocket, type) and issubclass(websocket, SimpleWebSocketWSGI)):
        return None

    class GeventSimpleWebSocket(SimpleWebSocketWSGI):
        """simple-websocket on greenlets, as engine.io's gevent driver sets it up, plus options."""

        def __init__(self, handler, server, **options):
            import gevent.event
            import gevent.selectors
            from engineio.async_drivers.gevent import Thread

            super().__init__(handler, server, thread_class=Thread, event_class=gevent.event.Event,
                             selector_class=gevent.selectors.DefaultSelector, **options)

    return GeventSimpleWebSocket


def _capped_websocket():
    """gevent-websocket's WebSocket, refusing a message longer than MAX_MESSAGE_BYTES before reading it.

    engine.io checks its own limit only once a whole message is in memory; gevent-websocket has
    no limit at all. This reads each frame's header first and closes the connection (1009,
    message too big) when the frame, or the message it belongs to, would pass the limit. It also
    reads, sends and closes with less Python on the way (docs/performance.md), by the same rules.
    """
    from geventwebsocket.exceptions import ProtocolError, WebSocketError
    from geventwebsocket.websocket import (
        MSG_ALREADY_CLOSED,
        MSG_SOCKET_DEAD,
        Header,
        WebSocket,
    )

    from facilitator import MAX_MESSAGE_BYTES

    class CappedWebSocket(WebSocket):
        __slots__ = ()  # the same layout, so a connection's WebSocket can become one

        def read_frame(self):
            header = Header.decode_header(self.stream)
            counted = getattr(self.handler, "fireside_message_bytes", 0)  # of the message being read
            if header.opcode in (self.OPCODE_TEXT, self.OPCODE_BINARY):
                counted = 0
            if header.opcode in (self.OPCODE_TEXT, self.OPCODE_BINARY, self.OPCODE_CONTINUATION):
                counted += header.length
                self.handler.fireside_message_bytes = counted
            if header.length > MAX_MESSAGE_BYTES or counted > MAX_MESSAGE_BYTES:
                self.close(1009, b"Message is too big")
                raise WebSocketError("message too big")
            if header.flags:
                raise ProtocolError
            if not header.length:
                return header, b""
            try:
                payload = self.raw_read(header.length)
            except Exception:  # as gevent-websocket does: a short read is reported below
                payload = b""
            if len(payload) != header.length:
                raise WebSocketError("Unexpected EOF reading frame payload")
            if header.mask:
                payload = _unmask(payload, header.mask)
            return header, payload

        def validate_utf8(self, payload):
            """Nothing: gevent-websocket checks UTF-8 byte by byte in Python, for each frame and again
            for the whole message, and then decodes the message anyway (strictly, in C), which
            refuses invalid UTF-8 the same way: the connection closes with 1007."""

        def send_frame(self, message, opcode):
            """gevent-websocket's send_frame, with less on the way to the socket.

            The header is packed in one step, and the frame goes out in one send() when the socket
            takes it all (it nearly always does); only the rest, if any, goes through sendall(),
            which asks the kernel for the socket's buffer size on every call.
            """
            if self.closed:
                self.current_app.on_close(MSG_ALREADY_CLOSED)
                raise WebSocketError(MSG_ALREADY_CLOSED)
            if opcode in (self.OPCODE_TEXT, self.OPCODE_PING):
                message = self._encode_bytes(message)
            elif opcode == self.OPCODE_BINARY:
                message = bytes(message)
            frame = _frame_header(opcode, len(message)) + message
            try:
                sent = self.raw_write.__self__.send(frame)  # raw_write is the connection socket's sendall
                if sent < len(frame):
                    self.raw_write(memoryview(frame)[sent:])
            except OSError:
                raise WebSocketError(MSG_SOCKET_DEAD) from None

        def close(self, code=1000, message=b""):
            """gevent-websocket's close, with the code in the close frame (gevent-websocket drops it)."""
            if self.closed:
                self.current_app.on_close(MSG_ALREADY_CLOSED)
            try:
                reason = message if isinstance(message, bytes) else str(message or "").encode()
                self.send_frame(struct.pack("!H", code) + reason, self.OPCODE_CLOSE)
            except WebSocketError:  # as gevent-websocket: the socket is going anyway
                pass
            finally:
                self.closed = True
                self.stream = self.raw_write = self.raw_read = self.environ = None

    return CappedWebSocket


def _frame_header(opcode, length):
    """A server's WebSocket frame header: final frame, no mask, the payload's length."""
    if length < 126:
        return bytes((0x80 | opcode, length))
    if length < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, length)
    return struct.pack("!BBQ", 0x80 | opcode, 127, length)


def _unmask(payload, mask):
    """A WebSocket payload XORed with its 4-byte mask, as one big-integer XOR (done in C)."""
    length = len(payload)
    key = (bytes(mask) * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(length, "little")
