"""Two workers and Redis on one machine: a broadcast from one worker reaches the phones of both.

The experiment behind docs/scaling.md. It starts, on 127.0.0.1 only:

  - Redis from the distribution's package (`redis-server`, e.g. Debian's), on a free port, with
    nothing saved to disk; stopped when the benchmark ends, however it ends;
  - two workers: benchmarks/floor.py on Fireside's own server stack (gevent's pywsgi,
    simple-websocket, serving.py), each with python-socketio's RedisManager on that Redis
    (--message-queue), as Flask-SocketIO's `message_queue=` would set it up;
  - N phones, half on each worker, and the console on worker A.

The console on worker A pushes a poll and reveals it; both broadcasts are emitted on worker A
only. It reports, per worker, how many phones got each broadcast and how long after the console
sent it (p50, p99, max), then the same with one worker and no Redis for comparison.

  python benchmarks/two_workers.py -n 500 -r 3

Needs redis-server on the PATH (apt install redis-server) and the redis package for Python
(pip install "redis>=5,<6"). Every wait has a limit; every process it starts is stopped.
"""

import argparse
import asyncio
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402


class Redis:
    """redis-server as a child process on loopback, with no persistence."""

    def __init__(self, workdir):
        self.port = load.free_port()
        self.process = None
        self.workdir = workdir

    def start(self, timeout=10):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.workdir, "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket

                with socket.create_connection((load.HOST, self.port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer")

    @property
    def url(self):
        return f"redis://{load.HOST}:{self.port}/0"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class Phone(load.Phone):
    """A load.py phone that also notes when the poll opened."""

    def __init__(self, index):
        super().__init__(index, deflate=False)
        self.opened_at = None

    def _room(self, payload):
        item = payload.get("item") or {}
        if item.get("state") == "open" and self.opened_at is None:
            self.opened_at = time.perf_counter()
        super()._room(payload)


async def one_run(servers, n, timeout):
    """Console on servers[0], phones spread over all; when each broadcast reached each phone."""
    console = load.Console()
    await console.connect(servers[0].url, timeout)
    await console.do("start_meeting", {"deck": None, "title": "Two workers"}, timeout)
    await asyncio.wait_for(console.has_code.wait(), timeout)
    phones = [Phone(i) for i in range(n)]
    gate = asyncio.Semaphore(100)

    async def join(phone):
        async with gate:
            await phone.join(servers[phone.index % len(servers)].url, console.code, timeout)

    await asyncio.gather(*(join(p) for p in phones))
    pushed = time.perf_counter()
    await console.do("add_item", {"kind": "choice", "prompt": "How are you arriving tonight?",
                                  "options": ["Tired", "Restless", "Calm"], "push": True}, timeout)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(p.open.wait() for p in phones)), timeout)
    await asyncio.sleep(0.3)
    revealed = time.perf_counter()
    await console.do("reveal_poll", {"item_id": 1}, timeout)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(p.revealed.wait() for p in phones)), timeout)
    rows = []
    for w in range(len(servers)):
        mine = [p for p in phones if p.index % len(servers) == w]
        opened = [p.opened_at - pushed for p in mine if p.opened_at]
        reveal = [p.revealed_at - revealed for p in mine if p.revealed_at]
        rows.append({"worker": "AB"[w], "phones": len(mine), "got_poll": len(opened), "got_reveal": len(reveal),
                     "poll_p50_ms": load.ms(load.pct(opened, 50)), "poll_p99_ms": load.ms(load.pct(opened, 99)),
                     "reveal_p50_ms": load.ms(load.pct(reveal, 50)), "reveal_p99_ms": load.ms(load.pct(reveal, 99)),
                     "reveal_max_ms": load.ms(max(reveal) if reveal else None)})
    await asyncio.gather(*(_quietly(p.client.disconnect()) for p in phones))
    await _quietly(console.client.disconnect())
    return rows


async def _quietly(coroutine):
    with contextlib.suppress(Exception):
        await asyncio.wait_for(coroutine, 5)


async def main_async(args):
    workdir = tempfile.mkdtemp(prefix="fireside-workers-")
    results = {"two workers, Redis": [], "one worker": []}
    redis = Redis(workdir)
    try:
        redis.start()
        for repeat in range(args.repeat):
            for setup in results:
                servers = []
                try:
                    count = 2 if setup.startswith("two") else 1
                    extra = ["--message-queue", redis.url] if count == 2 else []
                    for _ in range(count):
                        servers.append(load.Server("floor", args.mode, workdir, extra=extra).start())
                    rows = await asyncio.wait_for(one_run(servers, args.phones, args.step_timeout), args.run_timeout)
                except Exception as error:
                    rows = [{"error": f"{type(error).__name__}: {error}"[:300]}]
                finally:
                    for server in servers:
                        server.stop()
                loadavg = " ".join(Path("/proc/loadavg").read_text().split()[:3])
                print(f"{setup} #{repeat + 1} (load {loadavg}): {rows}", file=sys.stderr, flush=True)
                results[setup].append(rows)
    finally:
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def summary(results, n):
    lines = [f"{n} phones; the console on worker A; medians (min–max) over runs"]
    for setup, runs in results.items():
        good = [rows for rows in runs if rows and "error" not in rows[0]]
        for w in range(len(good[0]) if good else 0):
            per = [rows[w] for rows in good]
            parts = [f"got poll {min(r['got_poll'] for r in per)}/{per[0]['phones']}, "
                     f"got reveal {min(r['got_reveal'] for r in per)}/{per[0]['phones']} (worst run)"]
            for key in ("poll_p99_ms", "reveal_p50_ms", "reveal_p99_ms"):
                values = [r[key] for r in per if r.get(key) is not None]
                if values:
                    parts.append(f"{key} {statistics.median(values):g} ({min(values):g}–{max(values):g})")
            lines.append(f"  {setup}, worker {per[0]['worker']}: " + "; ".join(parts))
        if len(good) < len(runs):
            lines.append(f"  {setup}: {len(runs) - len(good)} runs failed: {[r for r in runs if r and 'error' in r[0]]}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/two_workers.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("-n", "--phones", type=int, default=500)
    parser.add_argument("-r", "--repeat", type=int, default=3)
    parser.add_argument("--mode", choices=load.MODES, default=load.default_mode())
    parser.add_argument("--step-timeout", type=float, default=20)
    parser.add_argument("--run-timeout", type=float, default=120)
    args = parser.parse_args(argv)
    if not shutil.which("redis-server"):
        parser.error("needs redis-server (apt install redis-server)")
    load.raise_fd_limit(args.phones * 2)
    results = load.run_loop(main_async(args), load.default_loop())
    print(summary(results, args.phones))
    return 0


if __name__ == "__main__":
    sys.exit(main())
