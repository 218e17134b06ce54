"""A real `fireside serve` process driven by real Socket.IO clients over loopback."""

import subprocess
import sys
import urllib.request

from conftest import SocketConsole, SocketPhone

from facilitator import events


def test_an_evening_runs_on_the_real_server(server):
    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    phones = [SocketPhone(server.url, code) for _ in range(2)]
    arrive = console.push("arrive")
    for phone in phones:
        phone.wait_for(events.ITEM, check=lambda p: p["item"] and p["item"]["id"] == arrive)
    assert phones[0].call(events.ANSWER, {"item_id": arrive, "value": 0}) == {"ok": True, "item_id": arrive,
                                                                               "mine": 0, "withdrawable": True}
    assert phones[1].call(events.ANSWER, {"item_id": arrive, "value": 2})["ok"]
    phones[0].wait_for(events.COUNT, check=lambda p: p["answered"] == 2)

    console.do(events.REVEAL_POLL, item_id=arrive)
    result = phones[1].wait_for(events.ITEM, check=lambda p: p["item"]["state"] == "revealed")["item"]["result"]
    assert result["shown"] is False and result["answered"] == 2 and "counts" not in result

    energy = console.push("energy")
    third = SocketPhone(server.url, code)
    assert third.welcome["item"]["id"] == energy
    for phone, value in zip([*phones, third], [3, 3, 8]):
        assert phone.call(events.ANSWER, {"item_id": energy, "value": value})["ok"]
    console.do(events.REVEAL_POLL, item_id=energy)
    result = third.wait_for(events.ITEM, check=lambda p: p["item"]["state"] == "revealed")["item"]["result"]
    assert result["shown"] is True and result["median"] == 3 and result["counts"][3] == 2
    for client in (*phones, third, console):
        client.close()


def test_server_prints_where_to_join_and_stops_cleanly_on_ctrl_c(server):
    with urllib.request.urlopen(server.url + "/", timeout=5) as response:
        assert response.status == 200
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert server.stop() == 0
    output = server.output()
    assert "Your console:" in output and f"http://127.0.0.1:{server.port}/facilitator" in output
    assert "Fireside stopped" in output
    assert "Traceback" not in output


def test_a_taken_port_gives_a_clear_message(server, data_dir):
    second = subprocess.run(
        [sys.executable, "-m", "facilitator.cli", "serve", "--no-browser", "--host", "127.0.0.1",
         "--port", str(server.port), "--data", str(data_dir)],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert second.returncode == 2
    assert f"port {server.port} is already in use" in second.stderr
    assert "Traceback" not in second.stderr + second.stdout


def test_a_phones_messages_are_handled_in_the_order_it_sent_them(server):
    """Handlers run in turn on each connection (async_handlers=False): answer, change, withdraw, answer."""
    import threading

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    phone = SocketPhone(server.url, code)
    arrive = console.push("arrive")
    phone.wait_for(events.ITEM, check=lambda p: p["item"] and p["item"]["id"] == arrive)
    acks, done = [], threading.Event()

    def record(answer):
        acks.append(answer)
        if len(acks) == 4:
            done.set()

    sent = [(events.ANSWER, {"item_id": arrive, "value": 0}), (events.ANSWER, {"item_id": arrive, "value": 1}),
            (events.WITHDRAW, {}), (events.ANSWER, {"item_id": arrive, "value": 2})]
    for event, payload in sent:  # all four at once, none waiting for its ack
        phone.client.emit(event, payload, namespace=events.PARTICIPANT_NS, callback=record)
    assert done.wait(5)
    assert [answer.get("mine", answer.get("withdrawn")) for answer in acks] == [0, 1, 1, 2]
    assert phone.call(events.SYNC, {})["mine"] == 2
    console.do(events.REVEAL_POLL, item_id=arrive)
    result = phone.wait_for(events.ITEM, check=lambda p: p["item"]["state"] == "revealed")["item"]["result"]
    assert result["answered"] == 1
    for client in (phone, console):
        client.close()
