"""Where one acknowledgement's time goes: load.py's scenario against a Fireside that notes the time of each step.

    python benchmarks/ack_path.py -n 300 --spread 20      # men answering at their own pace (command P)
    python benchmarks/ack_path.py -n 1000                  # one burst

It starts `fireside serve` through this file (the same server, with timestamps added after
monkey-patching: nothing else changes), plays load.py's phones against it once, and splits each
answer's latency, as the phone measured it, into the steps the server took:

  to server      the phone sent it until the server's WebSocket reader had its bytes
  to handler     the reader had it until the answer handler started (Engine.IO and Socket.IO
                 decoding, the flood limit; and whatever the server did first, such as other sends)
  checks         the handler's own work before waiting for the commit: validation, the ballot id
                 (HMAC), the room's lock, queueing the ballot
  commit         waiting for the group commit (the writer wakes, commits, wakes the handler)
  ack out        the commit was done until the ack's bytes were being written to the phone's socket
  to phone       from then until the phone's callback ran (the send itself, and the phones' own
                 process, when it is busy)

and shows the slowest acks step by step, whether each overlapped a count being sent to every
phone, how long those fan-outs lasted, the longest commits (SQLite checkpoints), and the messages
and characters each phone was sent. Times are time.perf_counter() in both processes
(CLOCK_MONOTONIC on Linux), so the server's and the phones' times compare directly. The timing
adds a little work per step: compare runs of this tool with each other, not with load.py's.
"""

import argparse
import atexit
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
T = time.perf_counter


# --- the server side: `python benchmarks/ack_path.py serve ...` ------------------------------------

def serve_traced(argv):
    """Run `fireside serve` with timestamps on an answer's path and on every count push, written at exit."""
    sys.path.insert(0, str(ROOT))
    from facilitator import serving

    log = {"read": [], "h0": [], "w0": [], "w1": [], "h1": [], "sent": [], "commit": [], "push": []}
    atexit.register(lambda: Path(os.environ["ACK_PATH_OUT"]).write_text(json.dumps(log)))
    prepare = serving.prepare

    def prepare_and_trace(mode):
        """Prepare as `fireside serve` does (monkey-patching first), then add the timestamps."""
        prepare(mode)
        _trace(log)

    serving.prepare = prepare_and_trace
    from facilitator.cli import main

    sys.argv = ["fireside", *argv]
    return main()


def _trace(log):
    """Wrap the steps of an answer's path so that each notes (Engine.IO session id, time)."""
    import engineio.socket
    import simple_websocket.ws
    from gevent import getcurrent

    from facilitator import broadcast, dispatch, store

    ws_sid = {}  # id(simple-websocket connection) -> Engine.IO session id
    handling = {}  # id(greenlet) -> the session whose answer it handles

    websocket_handler = engineio.socket.Socket._websocket_handler

    def noting_handler(self, ws):
        ws_sid[id(getattr(ws, "ws", ws))] = self.sid
        return websocket_handler(self, ws)

    engineio.socket.Socket._websocket_handler = noting_handler

    handle_events = simple_websocket.ws.Base._handle_events

    def noting_events(self):
        if id(self) in ws_sid:
            log["read"].append((ws_sid[id(self)], T()))
        return handle_events(self)

    simple_websocket.ws.Base._handle_events = noting_events

    send = simple_websocket.ws.Base.send

    def noting_send(self, data):
        kind = "ack" if data.startswith("43") else "count" if '"count"' in data[:40] else "other"
        log["sent"].append((ws_sid.get(id(self)), T(), kind, len(data)))  # as the send starts
        send(self, data)

    simple_websocket.ws.Base.send = noting_send

    on_event = dispatch.on_event

    def noting_on_event(server, app, namespace, event, handler, before=None):
        if event != "answer":
            return on_event(server, app, namespace, event, handler, before)

        def answer(sid, payload):
            eio_sid = server.manager.eio_sid_from_sid(sid, namespace)
            handling[id(getcurrent())] = eio_sid
            log["h0"].append((eio_sid, T()))
            try:
                return handler(sid, payload)
            finally:
                log["h1"].append((eio_sid, T()))

        return on_event(server, app, namespace, event, answer, before)

    dispatch.on_event = noting_on_event

    wait = store.Store.wait

    def noting_wait(self, queued):
        eio_sid = handling.get(id(getcurrent()))
        log["w0"].append((eio_sid, T()))
        try:
            return wait(self, queued)
        finally:
            log["w1"].append((eio_sid, T()))

    store.Store.wait = noting_wait

    commit_queued = store.Store._commit_queued

    def noting_commit(self):
        queued, started = len(self._queue), T()
        committed = commit_queued(self)
        if queued:
            log["commit"].append((started, T(), queued))
        return committed

    store.Store._commit_queued = noting_commit

    push_counts = broadcast.Broadcaster._push_counts

    def noting_push(self, console=True, phones=True):
        started = T()
        push_counts(self, console=console, phones=phones)
        log["push"].append((started, T(), console, phones))

    broadcast.Broadcaster._push_counts = noting_push


# --- the phones' side ----------------------------------------------------------------------------------

STEPS = ["to server", "to handler", "checks", "commit", "ack out", "to phone"]


async def run(n, spread, out):
    """Play load.py's scenario once against the traced server; returns (figures, per-phone acks, server log)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import load

    load.SPREAD = spread
    acks = {}
    burst = load.LocalCrowd.burst

    async def noting_burst(self, server):
        result = await burst(self, server)
        acks.update({p.client.eio.sid: (lat, done) for p, (lat, done) in zip(self.joined, result[0])})
        return result

    load.LocalCrowd.burst = noting_burst

    class Traced(load.Server):
        """Fireside started through this file."""

        def command(self):
            return [sys.executable, str(Path(__file__).resolve()), "serve", "--no-browser", "--host", load.HOST,
                    "--port", str(self.port), "--data", str(self.data)]

    os.environ["ACK_PATH_OUT"] = str(out)
    server = Traced("fireside", "gevent", tempfile.mkdtemp(prefix="fireside-ack-path-"))
    server.start()
    try:
        figures = (await load.scenario([server], n, "choice", 100, 30, True, 1, 180, load.default_loop()))[0]
    finally:
        server.stop()
    return figures, acks, json.loads(Path(out).read_text())


def first_after(events, sid, since):
    """The first time noted for this session at or after since (None if none)."""
    times = [t for s, t, *_ in events.get(sid, ()) if t >= since - 1e-4]
    return min(times) if times else None


def report(figures, acks, log):
    """Print the decomposition."""
    by_sid = {}
    for key in ("read", "h0", "w0", "w1", "h1"):
        for sid, t in log[key]:
            by_sid.setdefault(key, {}).setdefault(sid, []).append((sid, t))
    ack_sent = {sid: t for sid, t, kind, _ in log["sent"] if kind == "ack"}
    rows = []
    for sid, (latency, done) in acks.items():
        if latency is None or sid not in ack_sent:
            continue
        sent = done - latency
        points = [sent] + [first_after(by_sid[key], sid, sent) for key in ("read", "h0", "w0", "w1", "h1")]
        points += [ack_sent[sid], done]
        if None in points:
            continue
        parts = [b - a for a, b in zip(points, points[1:])]
        # after the commit: the rest of the handler and the ack's way out, together
        step = {"to server": parts[0], "to handler": parts[1], "checks": parts[2], "commit": parts[3],
                "ack out": parts[4] + parts[5], "to phone": parts[6]}
        rows.append((latency, sent, done, step))
    rows.sort(key=lambda row: row[0])
    if not rows:
        print("no acknowledgement could be followed")
        return
    start, end = min(r[1] for r in rows), max(r[2] for r in rows)
    phones = set(acks)
    count_sends = sorted(t for sid, t, kind, _ in log["sent"] if kind == "count" and sid in phones)
    fanouts = []  # (started, last phone reached, phones reached) of each count sent to the phones
    pushes = sorted(started for started, _, _, to_phones in log["push"] if to_phones)
    for started, following in zip(pushes, pushes[1:] + [float("inf")]):
        if start - 0.5 <= started <= end + 0.5:
            reached = [t for t in count_sends if started <= t < min(following, started + 0.5)]
            if reached:
                fanouts.append((started, max(reached), len(reached)))

    def during_fanout(row):
        return any(a <= row[2] and row[1] <= b for a, b, _ in fanouts)

    latencies = [r[0] for r in rows]
    print(f"{figures['phones']} phones, spread {load_spread} s: {len(rows)} acks followed; "
          f"ack p50 {ms(statistics.median(latencies))}, p99 {ms(pct(latencies, 99))}, max {ms(max(latencies))} ms")
    print("median of each step (ms): " + ", ".join(f"{s} {ms(statistics.median(r[3][s] for r in rows))}"
                                                  for s in STEPS))
    durations = [b - a for a, b, _ in fanouts]
    if durations:
        print(f"counts to every phone during the answers: {len(fanouts)}, each reaching "
              f"{statistics.median(n for *_, n in fanouts):g} phones in {ms(statistics.median(durations))} ms "
              f"(median; {ms(min(durations))}–{ms(max(durations))})")
    overlapping = [r[0] for r in rows if during_fanout(r)]
    others = [r[0] for r in rows if not during_fanout(r)]
    for name, group in (("acks overlapping such a count", overlapping), ("the others", others)):
        if group:
            print(f"{name}: {len(group)}, median {ms(statistics.median(group))} ms, max {ms(max(group))}")
    commits = [(b - a, a - start, n) for a, b, n in log["commit"] if start - 0.5 <= a <= end + 0.5]
    if commits:
        slow = sorted(commits, reverse=True)[:3]
        print(f"commits: {len(commits)} (ballots each: {min(c[2] for c in commits)}–{max(c[2] for c in commits)}), "
              f"median {ms(statistics.median(c[0] for c in commits))} ms; longest "
              + ", ".join(f"{ms(d)} ms at {s:.1f} s" for d, s, _ in slow))
    print("the slowest acks, step by step (ms):")
    for row in rows[-6:]:
        latency, step = row[0], row[3]
        print(f"  {ms(latency):7} = " + ", ".join(f"{s} {ms(step[s])}" for s in STEPS)
              + ("  [during a count to every phone]" if during_fanout(row) else ""))
    messages = {}
    for sid, t, kind, size in log["sent"]:
        if sid in phones and start <= t <= end:
            got = messages.setdefault(sid, [0, 0])
            got[0] += 1
            got[1] += size
    if messages:
        print(f"each phone was sent while the answers came (median): "
              f"{statistics.median(m for m, _ in messages.values()):g} messages, "
              f"{statistics.median(c for _, c in messages.values()):g} characters")


def ms(seconds):
    """Seconds as milliseconds, two decimals."""
    return round(seconds * 1000, 2)


def pct(values, p):
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))]


load_spread = 0.0


def main(argv=None):
    """Command line."""
    global load_spread
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return serve_traced(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--phones", type=int, default=300)
    parser.add_argument("--spread", type=float, default=0.0, help="seconds over which the answers go out")
    parser.add_argument("--json", help="also keep the server's log and the acks in this file")
    args = parser.parse_args(argv)
    load_spread = args.spread
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import load

    load.raise_fd_limit(args.phones)
    out = Path(tempfile.mkdtemp(prefix="fireside-ack-path-")) / "server.json"
    print(f"load average (1 min) before: {os.getloadavg()[0]:.2f}")
    figures, acks, log = load.run_loop(run(args.phones, args.spread, out), load.default_loop())
    report(figures, acks, log)
    print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": figures, "acks": acks, "log": log}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
