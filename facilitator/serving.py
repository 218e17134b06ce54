"""Which server `fireside serve` runs, and in which async mode (chosen by measuring: docs/performance.md).

gevent (its pywsgi server, greenlets instead of threads) carries a hall of 1,000 phones on a 2-core
laptop; Werkzeug's threaded server is the fallback wherever gevent is not installed.
FIRESIDE_ASYNC_MODE=threading or =gevent overrides the choice (benchmarks use it). Both serve
WebSockets through simple-websocket, as engine.io drives it (on greenlets under gevent), with
each message capped at MAX_MESSAGE_BYTES as it arrives (docs/decisions.md says why this stack).

Both servers keep the privacy rule of the access log: no line ever names a client's address.
"""

import gc
import importlib.util
import logging
import os
import signal
import socket
import sys
import warnings

from facilitator.wsgi import called_in_line

ASYNC_MODES = ("gevent", "threading")
# Connections the kernel may hold for the server before it accepts them. A hall of 1,000 phones
# coming back in the same second after a Wi-Fi drop overflows the usual 128: the connections past
# it are dropped and each phone's TCP tries again 1, 3 and 7 seconds later, so the whole room
# waited 8 s for a server that was idle (docs/performance.md, the reconnect storm). The kernel caps
# it at its own limit (Linux: net.core.somaxconn, 4,096 since 5.4; macOS: kern.ipc.somaxconn, 128).
LISTEN_BACKLOG = 2048


def choose_mode():
    """gevent when it can be imported, else threading; FIRESIDE_ASYNC_MODE says otherwise."""
    wanted = os.environ.get("FIRESIDE_ASYNC_MODE", "").strip().lower()
    if wanted in ASYNC_MODES:
        return wanted
    return "gevent" if importlib.util.find_spec("gevent") else "threading"


def prepare(mode):
    """Set up the WebSocket layer and, under gevent, make the standard library cooperative.

    Runs before the app, its locks and its sockets exist, and before any thread is started.
    Fireside's own locks and events are threading's; monkey-patched, they are gevent's, so a
    waiting greenlet never blocks the others. (ssl is already imported by then, by the Socket.IO
    client library; the server never uses it.)
    """
    # sqlite-utils imports numpy and pandas whenever they are installed, to store their values;
    # Fireside stores none. On a laptop that has them for another program, numpy alone was 87 ms
    # of start-up and about 10 MB in the server, with a thread of OpenBLAS's: leave them out, as
    # if they were not installed (None in sys.modules makes their import fail).
    for unused in ("numpy", "pandas"):
        sys.modules.setdefault(unused, None)
    prepare_websockets()
    if mode != "gevent":
        return
    # engine.io's gevent driver serves WebSockets through gevent-websocket whenever it can import
    # it, and then needs gevent-websocket's own pywsgi handler. Fireside no longer depends on it,
    # but an older install may have left it behind: make it unimportable here, so WebSockets go
    # through simple-websocket on greenlets, on the plain pywsgi server make_server() builds.
    sys.modules["geventwebsocket"] = None
    from gevent import monkey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        monkey.patch_all()


PR_SET_DUMPABLE = 4  # prctl(2), Linux


def keep_memory_off_disk():
    """Ask the system never to copy this process's memory into a crash report (a core dump).

    While a meeting runs, the server's memory holds what End deletes from the disk: the meeting's
    key, the phones' tokens, each poll's ballots. A crash report of it (a core file, or the copies
    systemd-coredump and apport keep under /var) would keep them after End, where the
    facilitator would never think to look (docs/privacy.md). The core size limit is set to 0, and
    on Linux the process is also marked not dumpable, which the kernel checks before it hands a
    crash to any helper (and which keeps other programs of the same user from reading the
    server's memory through /proc). Returns what took effect; what a system does not offer is
    left as it is.
    """
    done = []
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        done.append("no core file")
    except (ImportError, ValueError, OSError):  # Windows has no such limit
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0:
                done.append("not dumpable")
        except (OSError, AttributeError):
            pass
    return done


def prepare_websockets():
    """Make every WebSocket refuse a message longer than MAX_MESSAGE_BYTES as it arrives, and go uncompressed.

    engine.io checks its own limit (max_http_buffer_size) only once a whole message is in
    memory, and creates simple-websocket's Server without its max_message_size option, which
    stops reading at the limit and closes with 1009 (message too big). This gives simple-websocket's
    Server that option by default, wherever engine.io creates one (under gevent or threads).

    It also declines permessage-deflate, which every browser offers: compressed, each connection
    keeps its own zlib streams (about 100 KB a phone) and a broadcast such as a reveal is
    compressed again for every phone (docs/decisions.md). simple-websocket negotiates from the
    request headers in the WSGI environ it is given; without the offer there, it accepts none, as
    a WebSocket server may (RFC 7692), and every phone gets the same bytes.
    """
    import simple_websocket

    from facilitator import MAX_MESSAGE_BYTES

    if getattr(simple_websocket.Server, "fireside_prepared", False):
        return

    class FiresideWebSocketServer(simple_websocket.Server):
        """simple-websocket's server side, never without a message size limit, and uncompressed."""

        fireside_prepared = True

        def __init__(self, environ, *args, **options):
            if options.get("max_message_size") is None and len(args) < 4:  # not given, or "no limit"
                options["max_message_size"] = MAX_MESSAGE_BYTES
            environ = {key: value for key, value in environ.items() if key != "HTTP_SEC_WEBSOCKET_EXTENSIONS"}
            super().__init__(environ, *args, **options)

    simple_websocket.Server = FiresideWebSocketServer


def make_server(app, host, port, mode, request_handler=None):
    """A server bound to host:port (OSError if it cannot be); request_handler is Werkzeug's for threading."""
    app = called_in_line(app)
    if mode == "gevent":
        server = _no_delay_gevent_server()((host, port), app, handler_class=_quiet_gevent_handler(),
                                           log=None, error_log=_ErrorLog(), backlog=LISTEN_BACKLOG)
        server.secure_environ_class = _no_address_environ()
        server.init_socket()  # bind now, so a taken port is reported before anything is printed
        return server
    from werkzeug.serving import make_server as werkzeug_server

    server = werkzeug_server(host, port, app, threaded=True, request_handler=request_handler)
    server.socket.listen(LISTEN_BACKLOG)  # Werkzeug listens with 128; listening again sets the new length
    no_delay(server.socket)  # accepted sockets inherit it on Linux; the gevent server sets each one too
    return server


def no_delay(sock):
    """Send small packets at once (TCP_NODELAY): no waiting for the last one's acknowledgement first.

    With Nagle's algorithm on, the Socket.IO connect answer (a few bytes, right after Engine.IO's
    open packet) waited for the phone's delayed acknowledgement of the first: about 40 ms added to
    every join, and to any small message that followed another (docs/performance.md). Browsers set
    it on their side already. A socket that is not TCP (a Unix socket in a test) is left alone.
    """
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


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

    # Ctrl-C too, as under gevent: Python leaves SIGINT ignored when Fireside was started with it
    # ignored (from a script that ran it in the background, say), and it would then never stop.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
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


def _no_delay_gevent_server():
    """pywsgi's server, setting TCP_NODELAY on every connection it accepts, before its first byte."""
    from gevent import pywsgi

    class NoDelayServer(pywsgi.WSGIServer):
        def handle(self, sock, address):
            """A new connection: small packets go out at once (no_delay), then pywsgi serves it."""
            no_delay(sock)
            super().handle(sock, address)

    return NoDelayServer


def _quiet_gevent_handler():
    """pywsgi's handler without access lines, and with error lines that name no address, socket or input."""
    from gevent import pywsgi
    from gevent.pywsgi import WSGIHandler

    class QuietHandler(WSGIHandler):
        def log_request(self):
            """No per-request lines: who asked for what is nobody's business."""

        def handle_one_response(self):
            """One request; after a WebSocket the connection ends with it.

            What a phone sends after its WebSocket closed (its last frames, an answer even) is not an
            HTTP request: read as one, pywsgi would print its bytes as a bad request line.
            """
            super().handle_one_response()
            if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                self.close_connection = True

        def _handle_client_error(self, ex):
            """Input that is not HTTP is refused in one line that never repeats it (it may be a phone's words)."""
            self.log_error("%s", "A client sent something that is not an HTTP request; it was refused.")
            return ("400", pywsgi._BAD_REQUEST_RESPONSE)

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
