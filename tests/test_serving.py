"""Both servers `fireside serve` can run (facilitator/serving.py): gevent by default, threads as the fallback."""

import os
import struct
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import RunningServer, SocketConsole, SocketPhone

from facilitator import events, serving, wsgi


def test_gevent_is_the_default_when_installed_and_the_environment_may_say_otherwise(monkeypatch):
    import gevent  # noqa: F401  (a dependency of Fireside: missing it is a failure, not a skip)
    monkeypatch.delenv("FIRESIDE_ASYNC_MODE", raising=False)
    assert serving.choose_mode() == "gevent"
    monkeypatch.setenv("FIRESIDE_ASYNC_MODE", "threading")
    assert serving.choose_mode() == "threading"
    monkeypatch.setenv("FIRESIDE_ASYNC_MODE", "nonsense")
    assert serving.choose_mode() == "gevent"


@pytest.mark.server
@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_each_server_runs_an_evening_quietly_and_stops_on_ctrl_c(mode, data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("FIRESIDE_ASYNC_MODE", mode)
    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        console = SocketConsole(server.url)
        state = console.start()
        arrive = console.push("arrive")
        phones = [SocketPhone(server.url, state["meeting"]["code"]) for _ in range(3)]
        for n, phone in enumerate(phones):
            assert phone.call(events.ANSWER, {"item_id": arrive, "value": n})["ok"]
        console.do(events.REVEAL_POLL, item_id=arrive)
        for phone in phones:
            item = phone.wait_for(events.ITEM, check=lambda p: p["item"]["state"] == "revealed")["item"]
            assert item["result"]["counts"] == [1, 1, 1]
        for client in (*phones, console):
            client.close()
    finally:
        assert server.stop() == 0
    output = server.output()
    assert "Fireside stopped" in output and "Traceback" not in output
    assert "127.0.0.1 - -" not in output and "GET /" not in output  # no access log, no client address


@pytest.mark.server
@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_each_server_stops_on_ctrl_c_even_when_started_with_it_ignored(mode, data_dir, tmp_path, monkeypatch):
    """A script that runs Fireside in the background starts it with Ctrl-C ignored: it must stop all the same."""
    import signal

    monkeypatch.setenv("FIRESIDE_ASYNC_MODE", mode)
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)  # what the server inherits, as from `fireside &`
    try:
        server = RunningServer(data_dir, tmp_path / "server.log").start()
    finally:
        signal.signal(signal.SIGINT, before)
    status = Path(f"/proc/{server.process.pid}/status").read_text().splitlines()
    ignored = int(next(line for line in status if line.startswith("SigIgn:")).split()[1], 16)
    try:
        assert not ignored & (1 << (signal.SIGINT - 1))  # Fireside took Ctrl-C back
    finally:
        assert server.stop(timeout=10) == 0
    assert "Fireside stopped" in server.output()


@pytest.mark.server
@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_each_server_drops_an_oversized_websocket_message_at_the_limit_without_waiting_for_the_rest(
        mode, data_dir, tmp_path, monkeypatch):
    import websocket  # websocket-client, which python-socketio's client uses

    from facilitator import MAX_MESSAGE_BYTES

    monkeypatch.setenv("FIRESIDE_ASYNC_MODE", mode)
    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                         timeout=5)
        try:
            assert ws.recv().startswith("0{")  # engine.io open
            # A frame that claims 10 MB, of which only a little more than the limit ever comes (a zero
            # mask, so the payload is plain letters): refused once the limit is passed.
            ws.sock.sendall(bytes([0x81, 0x80 | 127]) + struct.pack("!Q", 10_000_000) + bytes(4)
                            + b"x" * (MAX_MESSAGE_BYTES + 1024))
            reply = ws.sock.recv(64)
            assert reply[:1] == b"\x88" and struct.unpack("!H", reply[2:4])[0] == 1009  # close: message too big
        finally:
            ws.sock.close()
        with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:  # nobody else noticed
            assert response.status == 200
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.output()


@pytest.mark.server
@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_each_server_declines_compression_so_every_phone_gets_the_same_bytes(mode, data_dir, tmp_path, monkeypatch):
    """Browsers offer permessage-deflate; accepted, every broadcast would be compressed again for each phone."""
    import websocket  # websocket-client, which python-socketio's client uses

    monkeypatch.setenv("FIRESIDE_ASYNC_MODE", mode)
    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                         timeout=5, header=["Sec-WebSocket-Extensions: permessage-deflate; "
                                                            "client_max_window_bits"])
        try:
            assert not any(name.lower() == "sec-websocket-extensions" for name in ws.getheaders())
            assert ws.recv().startswith("0{")  # engine.io open, as plain text
        finally:
            ws.close()
    finally:
        assert server.stop() == 0


@pytest.mark.server
def test_a_gevent_websocket_left_installed_by_an_older_fireside_does_not_take_the_websockets(
        data_dir, tmp_path, monkeypatch):
    """engine.io would hand WebSockets to gevent-websocket whenever it can import it; Fireside serves them itself."""
    left_over = tmp_path / "site" / "geventwebsocket"
    left_over.mkdir(parents=True)
    (left_over / "__init__.py").write_text("")  # importable, as an upgrade that kept it leaves it
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"),
                                                                   str(left_over.parent)])))
    monkeypatch.setenv("FIRESIDE_ASYNC_MODE", "gevent")
    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        console = SocketConsole(server.url)
        code = console.start()["meeting"]["code"]
        arrive = console.push("arrive")
        phone = SocketPhone(server.url, code)  # WebSocket transport only
        assert phone.call(events.ANSWER, {"item_id": arrive, "value": 0})["ok"]
        for client in (phone, console):
            client.close()
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.output()


@pytest.mark.server
def test_numpy_and_pandas_installed_for_another_program_stay_out_of_the_server(data_dir, tmp_path, monkeypatch):
    """sqlite-utils would import them whenever it can, for values Fireside never stores (start-up, memory, a thread)."""
    site = tmp_path / "site"
    for name in ("numpy", "pandas"):
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text(  # importable, and telling when it is imported
            f"open({str(tmp_path / (name + '.imported'))!r}, 'w').close()\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(site)])))
    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        console = SocketConsole(server.url)
        code = console.start()["meeting"]["code"]
        arrive = console.push("arrive")
        phone = SocketPhone(server.url, code)
        assert phone.call(events.ANSWER, {"item_id": arrive, "value": 0})["ok"]  # the store has written
        for client in (phone, console):
            client.close()
    finally:
        assert server.stop() == 0
    assert not (tmp_path / "numpy.imported").exists()
    assert not (tmp_path / "pandas.imported").exists()


def test_every_wsgi_layer_of_fireside_is_called_as_a_bound_method_not_an_object(app):
    """An object called as app(environ, start_response) nests a C frame that every greenlet wait copies out and back."""
    import types

    server = serving.make_server(app, "127.0.0.1", 0, "gevent")
    try:
        served = server.application  # what pywsgi calls for every request
    finally:
        server.close()
    layers, layer = [], served
    while (len(layers) < 4 and isinstance(layer, types.MethodType)  # the fourth leads back to Flask's own
           and isinstance(layer.__func__, types.FunctionType)):
        owner = layer.__self__
        layers.append(type(owner).__name__)
        # Flask calls its wsgi_app; each of Fireside's layers keeps the next one as app or wsgi_app
        layer = next((getattr(owner, name) for name in ("wsgi_app", "app") if callable(getattr(owner, name, None))),
                     None)
    # pywsgi -> Flask -> the handshake gate -> no-store -> Flask-SocketIO's middleware, each in line
    assert layers[:4] == ["Flask", "HandshakeGate", "NoStoreSockets", "_SocketIOMiddleware"], layers


def test_an_object_is_called_in_line_through_its_python_call_and_anything_else_is_left_alone():
    import functools

    class Layer:
        def __call__(self, environ, start_response):
            return [b"layer"]

    def function(environ, start_response):
        return [b"function"]

    layer = Layer()
    in_line = wsgi.called_in_line(layer)
    assert in_line.__self__ is layer and in_line(None, None) == [b"layer"]
    assert wsgi.called_in_line(function) is function
    partial = functools.partial(function, None)  # a C callable: nothing to gain, left as it is
    assert wsgi.called_in_line(partial) is partial


def _engineio_websocket(server):
    """A raw WebSocket to the real server, past engine.io's open packet."""
    import websocket  # websocket-client, which python-socketio's client uses

    ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=5)
    assert ws.recv().startswith("0{")  # engine.io open
    return ws


@pytest.mark.server
def test_a_message_in_fragments_split_inside_a_letter_with_a_ping_between_is_read_whole(server):
    """Fragments, a ping between them and a letter cut in two are read as the WebSocket rules say."""
    from websocket import ABNF

    message = '40/participant,{"code":"GRÜSSE"}'.encode()  # a join (no meeting runs), with a two-byte letter
    cut = message.index("Ü".encode()) + 1  # between the letter's two bytes
    ws = _engineio_websocket(server)
    try:
        ws.send_frame(ABNF(fin=0, opcode=ABNF.OPCODE_TEXT, data=message[:cut]))
        ws.send_frame(ABNF(fin=1, opcode=ABNF.OPCODE_PING, data=b"still there?"))
        ws.send_frame(ABNF(fin=1, opcode=ABNF.OPCODE_CONT, data=message[cut:]))
        opcode, frame = ws.recv_data_frame(control_frame=True)
        assert (opcode, frame.data) == (ABNF.OPCODE_PONG, b"still there?")  # answered mid-message
        reply = ws.recv()  # the join was read as one message, letter and all, and answered
        assert reply.startswith('44/participant,{"message":"There is no meeting running')
    finally:
        ws.close()


@pytest.mark.server
def test_a_text_message_that_is_not_utf8_closes_the_connection_with_1007(server):
    from websocket import ABNF

    ws = _engineio_websocket(server)
    try:
        ws.send_frame(ABNF(fin=1, opcode=ABNF.OPCODE_TEXT, data=b'40/participant,{"code":"\xff\xfe"}'))
        opcode, frame = ws.recv_data_frame(control_frame=True)
        assert opcode == ABNF.OPCODE_CLOSE and struct.unpack("!H", frame.data[:2])[0] == 1007
    finally:
        ws.sock.close()
    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
        assert response.status == 200


def _nodelay_app(accepted):
    """A WSGI app answering with TCP_NODELAY as the server side of this connection has it ("1" or "0")."""
    import socket

    def app(environ, start_response):
        sock = environ.get("werkzeug.socket") or accepted[-1]
        body = b"1" if sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) else b"0"
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "1")])
        return [body]

    return app


def _ask_over_loopback(port, connect):
    """One plain HTTP request over a new loopback connection; the body of the answer."""
    with connect(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    return reply.split(b"\r\n\r\n", 1)[1]


def test_the_gevent_server_sends_small_packets_at_once_on_every_connection_it_accepts():
    """TCP_NODELAY on the accepted socket: a join's second small packet no longer waits ~40 ms for an ack."""
    import gevent.socket

    accepted = []
    server = serving.make_server(_nodelay_app(accepted), "127.0.0.1", 0, "gevent")
    handle = server.handle  # the server's own per-connection handler, which should set the option
    server.set_handle(lambda sock, address: (accepted.append(sock), handle(sock, address)))
    server.start()  # accepts on gevent's hub while this test waits on a gevent socket (nothing patched)
    try:
        assert _ask_over_loopback(server.server_port, gevent.socket.create_connection) == b"1"
    finally:
        server.stop()


def test_the_threads_server_sends_small_packets_at_once_on_every_connection_it_accepts():
    """The fallback server's accepted sockets have TCP_NODELAY too."""
    import socket
    import threading

    server = serving.make_server(_nodelay_app([]), "127.0.0.1", 0, "threading")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        assert _ask_over_loopback(server.server_port, socket.create_connection) == b"1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _listen_queue(port):
    """The length of the listening socket's accept queue on port, as the kernel reports it (ss, Linux)."""
    import subprocess

    out = subprocess.run(["ss", "-ltnH", f"( sport = :{port} )"], capture_output=True, text=True, timeout=10).stdout
    return int(out.split()[2])  # State Recv-Q Send-Q ...: for a listening socket, Send-Q is the backlog


@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_each_server_queues_a_whole_hall_reconnecting_at_once_instead_of_dropping_past_128(mode):
    """A room of 1,000 phones back in one second: with the usual 128, the rest waited for TCP's retries (1, 3, 7 s)."""
    server = serving.make_server(_nodelay_app([]), "127.0.0.1", 0, mode)
    try:
        port = server.server_port
        assert _listen_queue(port) >= 1000
    finally:
        if mode == "gevent":
            server.close()
        else:
            server.server_close()


SECRET = "My brother is sick and nobody knows"  # what a phone might have written, unmasked to be easy to find


@pytest.mark.server
@pytest.mark.parametrize("mode", ["gevent", "threading"])
def test_frames_sent_after_a_websocket_closed_are_never_read_as_http_nor_printed(mode, data_dir, tmp_path, monkeypatch):
    """A phone's last frames after the close (its answer, even) must not reach the terminal as a bad request."""
    import socket

    from websocket import ABNF

    monkeypatch.setenv("FIRESIDE_ASYNC_MODE", mode)
    server = RunningServer(data_dir, tmp_path / "server.log").start()
    try:
        ws = _engineio_websocket(server)
        late = ABNF(fin=1, opcode=ABNF.OPCODE_TEXT, data=('42/participant,["answer","' + SECRET + '"]').encode())
        late.get_mask_key = lambda length: bytes(length)  # a zero mask: the words travel as written
        try:
            # The server closes this one (a text that is not UTF-8); the phone, not yet aware, still sends.
            ws.send_frame(ABNF(fin=1, opcode=ABNF.OPCODE_TEXT, data=b'40/participant,{"code":"\xff"}'))
            opcode, _frame = ws.recv_data_frame(control_frame=True)
            assert opcode == ABNF.OPCODE_CLOSE
            time.sleep(0.3)  # the server's side of the WebSocket has ended
            try:
                ws.sock.sendall(late.format() + ABNF.create_frame(struct.pack("!H", 1000), ABNF.OPCODE_CLOSE).format())
                time.sleep(0.3)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server had already hung up: nothing of it was read
        finally:
            ws.sock.close()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:  # not HTTP at all
            raw.sendall((SECRET + " HTTP/1.1\r\n\r\n").encode())
            raw.recv(1024)
        with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        assert server.stop() == 0
    output = server.output()
    assert SECRET not in output and "brother" not in output
    assert "Invalid HTTP method" not in output and "\\x81" not in output, output
    if mode == "gevent":  # one refusal, for the connection that was never HTTP; the late frames were never read
        assert output.count("not an HTTP request") == 1, output
