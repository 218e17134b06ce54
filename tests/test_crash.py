"""Kill the real server in the middle of a poll and start it again: nothing acknowledged is lost.

Twenty phones are real python-socketio clients that reconnect by themselves (as the phone page's
socket.io client does), sending the token they were given, so after the restart each one is
welcomed back with its own answer.
"""

import json
import signal
import sqlite3
import threading
import time

from conftest import RunningServer, SocketConsole, free_port, real_client

from facilitator import events, rules

PHONES = 20


class ReconnectingPhone:
    """A phone whose socket.io client reconnects on its own, with the token it was given."""

    def __init__(self, url, code):
        """Join and wait for `welcome`."""
        self.code, self.token = code, None
        self.welcomes = []
        self.client = real_client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=0.5,
                                  randomization_factor=0.05)
        self.client.on(events.WELCOME, self._welcome, namespace=events.PARTICIPANT_NS)
        self.client.connect(url, namespaces=[events.PARTICIPANT_NS], auth=self._auth, transports=["websocket"],
                            wait_timeout=5)
        self.wait_for_welcome(1)

    def _auth(self):
        """What the phone page sends on every (re)connection: the code, and its token once it has one."""
        return {"code": self.code, **({"token": self.token} if self.token else {})}

    def _welcome(self, payload):
        self.token = payload["token"]
        self.welcomes.append(payload)

    def wait_for_welcome(self, count, timeout=15):
        """Wait until this phone has been welcomed count times; returns the latest welcome."""
        deadline = time.monotonic() + timeout
        while len(self.welcomes) < count:
            assert time.monotonic() < deadline, f"welcomed {len(self.welcomes)} times, not {count}"
            time.sleep(0.02)
        return self.welcomes[-1]

    def answer(self, item_id, value, timeout=3):
        """The server's answer, or None when none came (the server died)."""
        try:
            return self.client.call(events.ANSWER, {"item_id": item_id, "value": value},
                                    namespace=events.PARTICIPANT_NS, timeout=timeout)
        except Exception:  # noqa: BLE001  (timeout, or not connected: either way, not acknowledged)
            return None

    def close(self):
        """Stop for good (no more reconnecting)."""
        self.client.reconnection = False  # a disconnect racing with this must not start a new attempt
        self.client.reconnection_attempts = 1  # and a loop of attempts already under way ends after this one
        self.client.shutdown()  # connected: disconnects; between two attempts: stops them and waits for the loop


def _read(data_dir, sql, params=()):
    """Rows straight from the database file, beside the running server."""
    conn = sqlite3.connect(data_dir / "fireside.db", timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _stored(data_dir, key, token, item_id):
    """What the database holds for this phone's answer to this poll: a value, or None."""
    rows = _read(data_dir, "SELECT answer FROM ballots WHERE ballot = ? AND item_id = ?",
                 (rules.ballot_id(key, token, item_id), item_id))
    return json.loads(rows[0][0]) if rows else None


def test_sigkill_mid_poll_loses_no_acknowledged_answer_and_phones_come_back(data_dir, tmp_path):
    port = free_port()
    first = RunningServer(data_dir, tmp_path / "first.log", port=port).start()
    console = SocketConsole(first.url)
    state = console.start()
    code = state["meeting"]["code"]
    energy = console.push("energy")  # scale 0..10
    phones = [ReconnectingPhone(first.url, code) for _ in range(PHONES)]

    # Half the room has answered and been told so...
    acked = {}  # phone index -> value the server acknowledged last
    inflight = {}  # phone index -> value sent when the server died (it may or may not be stored)
    for n in range(PHONES // 2):
        assert phones[n].answer(energy, n % 11) == {"ok": True, "item_id": energy, "mine": n % 11,
                                                        "withdrawable": True}
        acked[n] = n % 11

    # ...and then everybody keeps tapping (the first half changing their answer) as the laptop dies.
    def tap(n):
        for k in range(1000):
            value = (n + k) % 11
            inflight[n] = value
            answer = phones[n].answer(energy, value)
            if answer is None:
                return  # no answer came: the server is gone; what was sent may or may not be stored
            if answer.get("ok"):
                acked[n] = value
            del inflight[n]
            time.sleep(0.1)  # a quick thumb, within the flood limit

    tappers = [threading.Thread(target=tap, args=(n,)) for n in range(PHONES)]
    for thread in tappers:
        thread.start()
    time.sleep(0.35)
    first.stop(signal.SIGKILL)
    for thread in tappers:
        thread.join(10)
    console.close()
    assert first.process.returncode == -signal.SIGKILL

    second = RunningServer(data_dir, tmp_path / "second.log", port=port).start()
    key, current, status = _read(data_dir, "SELECT meeting_key, current_item, status FROM meetings")[0]
    assert status == "running" and current == energy
    for n, phone in enumerate(phones):
        stored = _stored(data_dir, key, phone.token, energy)
        if n in acked:
            assert stored in (acked[n], inflight.get(n)), (n, stored, acked[n])
        else:
            assert stored in (None, inflight.get(n)), (n, stored)
    ballots = _read(data_dir, "SELECT COUNT(*) FROM ballots WHERE item_id = ?", (energy,))[0][0]
    answered = _read(data_dir, "SELECT answered FROM items WHERE id = ?", (energy,))[0][0]
    assert answered == ballots >= len(acked) >= PHONES // 2

    # Every phone comes back by itself, and is shown the poll and its own answer.
    for n, phone in enumerate(phones):
        welcome = phone.wait_for_welcome(2)
        assert welcome["item"]["id"] == energy and welcome["item"]["state"] == "open"
        assert welcome["mine"] == _stored(data_dir, key, phone.token, energy), n

    # The meeting carries on: the rest answer, the facilitator reveals, all twenty count.
    console = SocketConsole(second.url)
    assert console.wait_for(lambda state: True)["meeting"]["code"] == code
    for n, phone in enumerate(phones):
        if n not in acked:
            assert phone.answer(energy, 5)["ok"]
    console.do(events.REVEAL_POLL, item_id=energy)
    revealed = _read(data_dir, "SELECT state, result FROM items WHERE id = ?", (energy,))[0]
    assert revealed[0] == "revealed" and json.loads(revealed[1])["answered"] == PHONES

    # Ctrl-C loses nothing either: stop, start again, everything is there and the phones return.
    console.close()
    assert second.stop(signal.SIGINT) == 0
    assert "Fireside stopped" in second.output()
    third = RunningServer(data_dir, tmp_path / "third.log", port=port).start()
    try:
        state, result = _read(data_dir, "SELECT state, result FROM items WHERE id = ?", (energy,))[0]
        assert state == "revealed" and json.loads(result)["answered"] == PHONES
        assert _read(data_dir, "SELECT COUNT(*) FROM ballots WHERE item_id = ?", (energy,))[0][0] == PHONES
        for phone in phones:
            welcome = phone.wait_for_welcome(3)
            assert welcome["item"]["state"] == "revealed"
            assert welcome["mine"] == _stored(data_dir, key, phone.token, energy)
    finally:
        for phone in phones:
            phone.close()
        third.stop()
    for run in (first, second, third):
        assert "Traceback" not in run.output(), run.output()
