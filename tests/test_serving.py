"""Both servers `fireside serve` can run (facilitator/serving.py): gevent by default, threads as the fallback."""

import struct
import urllib.request

import pytest
from conftest import RunningServer, SocketConsole, SocketPhone

from facilitator import events, serving


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
def test_the_gevent_server_drops_an_oversized_websocket_message_before_reading_it(server):
    import gevent  # noqa: F401  (a dependency of Fireside: missing it is a failure, not a skip)
    import websocket  # websocket-client, which python-socketio's client uses
    ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=5)
    try:
        assert ws.recv().startswith("0{")  # engine.io open
        # A frame that claims 10 MB, of which only 4 bytes ever come: refused on its header alone.
        ws.sock.sendall(bytes([0x81, 0x80 | 127]) + struct.pack("!Q", 10_000_000) + b"mask" + b"tiny")
        reply = ws.sock.recv(64)
        assert reply[:1] == b"\x88" and struct.unpack("!H", reply[2:4])[0] == 1009  # close: message too big
    finally:
        ws.sock.close()
    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:  # nobody else noticed
        assert response.status == 200


def _engineio_websocket(server):
    """A raw WebSocket to the real server, past engine.io's open packet."""
    import websocket  # websocket-client, which python-socketio's client uses

    ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=5)
    assert ws.recv().startswith("0{")  # engine.io open
    return ws


@pytest.mark.server
def test_a_message_in_fragments_split_inside_a_letter_with_a_ping_between_is_read_whole(server):
    """gevent-websocket's reading is replaced in serving.py (faster): fragments, pings and UTF-8 still hold."""
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


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 70, 125, 126, 1000, 65_537])
def test_unmasking_in_one_xor_gives_the_bytes_the_websocket_rule_gives(length):
    import os

    from geventwebsocket.websocket import Header

    payload, mask = os.urandom(length), os.urandom(4)
    header = Header(length=length)
    header.mask = mask
    assert serving._unmask(payload, mask) == bytes(header.mask_payload(payload))  # gevent-websocket's, byte by byte
    assert serving._unmask(serving._unmask(payload, mask), mask) == payload


@pytest.mark.parametrize("opcode", [0x1, 0x2, 0x8, 0xA])
@pytest.mark.parametrize("length", [0, 1, 125, 126, 65_535, 65_536, 1 << 33])
def test_frame_headers_are_the_bytes_gevent_websocket_would_send(opcode, length):
    from geventwebsocket.websocket import Header

    assert serving._frame_header(opcode, length) == Header.encode_header(True, opcode, b"", length, 0)


def test_a_frame_the_socket_takes_only_in_part_is_sent_whole_and_in_order():
    """send_frame tries one send(); what the socket did not take goes through sendall()."""
    import io
    from types import SimpleNamespace

    from geventwebsocket.websocket import Stream

    class Wire:  # a socket whose buffer takes 1,000 bytes at a time
        def __init__(self):
            self.sent = []

        def send(self, data):
            self.sent.append(bytes(data[:1000]))
            return min(1000, len(data))

        def sendall(self, data):
            self.sent.append(bytes(data))

    wire = Wire()
    handler = SimpleNamespace(socket=wire, rfile=io.BytesIO())
    websocket = serving._capped_websocket()({}, Stream(handler), handler)
    message = "".join(chr(0x41 + n % 26) for n in range(70_000))
    websocket.send(message)
    assert len(wire.sent) == 2 and len(wire.sent[0]) == 1000
    assert b"".join(wire.sent) == serving._frame_header(0x1, 70_000) + message.encode()
    websocket.send("hello")  # a short one goes out in the one send()
    assert wire.sent[-1] == bytes([0x81, 5]) + b"hello"
