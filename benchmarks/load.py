"""Load benchmark: a real `fireside serve` and N simulated phones answering one burst, next to a bare floor.

For each N, a fresh server is started on 127.0.0.1 (a free port, a throw-away data folder) and:

  1. a facilitator console connects (/facilitator, from loopback) and starts an empty meeting;
  2. N phones (python-socketio AsyncClients in this one process, or spread over --client-procs
     processes, WebSocket transport) join with the meeting's code, at most --join-concurrency at a
     time; each waits for `welcome`;
  3. the console adds a poll and pushes it; every phone sees it open;
  4. every phone answers in one burst (all N `answer` events sent at once; with several client
     processes, each sends its share at one shared instant) and waits for its ack;
  5. the console reveals; every phone waits for `room` with the revealed result.

It reports, per N (columns of the table):
  start ms       process start until /healthz first answers
  join s         all N phones connected and welcomed
  join p99       one phone's join, connect() called until connected and `welcome` arrived (p99)
  ack p50/95/99  answer sent until its acknowledgement arrived (Fireside acks after the commit)
  count+ ms      last ack until the console's `count` shows all N (negative: the count came first)
  counts         `count` pushes the console got during the burst, and burst ms how long it lasted
  reveal p99/max console sends reveal_poll until a phone has the result
  lost           acks missing or refused, or N minus the server's own count in the revealed result
  RSS MB         the server's peak resident memory (VmHWM); CPU s its CPU time (user+system)
  CPU/answer ms  the server's CPU time during the burst over N (read from its CPU-time clock, to
                 the nanosecond); client CPU/answer the same for the phones (all client processes)
  sent to each phone  (below the table; one client process) the Socket.IO messages and characters
                 a phone was sent while the answers came: its ack and every count (median over phones)
The same steps run against benchmarks/floor.py (a bare python-socketio server on Fireside's own
server stack, facilitator/serving.py, in the same async mode, doing the same work on the wire: an
in-memory count, the ack, the reveal; no Fireside logic), and Fireside's figures are given as
ratios to the floor's, then as median (min–max) over the runs with the load average of each.
By default this one process plays every phone, so its own CPU time (client CPU/answer) is part of
every latency, the floor's included: compare ratios, not absolute milliseconds, across machines.
The phones run on uvloop when it is installed (--loop): the same AsyncClients, on a faster loop.
--client-procs P spreads the phones over P child processes (the floor runs the same way), so the
client side of the burst runs in parallel; on a machine with few cores they compete with the
server for them. Child processes are stopped however a run ends.

Everything talks to 127.0.0.1 only. Every wait has a limit, each N has a time limit, and the whole
run has --timeout; servers are stopped (SIGINT, then SIGKILL) however a run ends.

Needs the `bench` extra:  pip install -e ".[bench]"   (aiohttp for the AsyncClient, uvloop for its
event loop). Linux: it reads /proc for memory, CPU and how busy the machine is, and raises its own
open-files limit.

Examples:
  python benchmarks/load.py                         # N = 50 300 1000, default mode, floor too
  python benchmarks/load.py --mode threading -n 1000
  python benchmarks/load.py --mode gevent --kind compass --json out.json
  python benchmarks/load.py -n 1000 -r 3 --mode gevent threading
  python benchmarks/load.py -n 1000 -r 3 --client-procs 2
  python benchmarks/load.py -n 1000 -r 3 --loop asyncio   # the phones on asyncio's own event loop
  python benchmarks/load.py -n 300 -r 5 --spread 20       # men answering over 20 s, not at once
  python benchmarks/load.py -n 300 -r 5 --server-cpus 0 --client-cpus 1   # the server on one core
  python benchmarks/load.py -n 50 -r 5 --join-concurrency 1 --no-floor    # one join at a time
"""

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTICIPANT_NS = "/participant"
FACILITATOR_NS = "/facilitator"
MODES = ("threading", "gevent")
HOST = "127.0.0.1"  # loopback only: this benchmark never sends anything anywhere else
SERVER_CPUS = None  # --server-cpus: the servers run under `taskset -c` this list
SPREAD = 0.0  # --spread: seconds over which the answers go out (0: one burst)
POLLS = 1  # --polls: polls asked in turn in each run, each answered in one burst


def default_mode():
    """The async mode `fireside serve` uses when nothing is said."""
    sys.path.insert(0, str(ROOT))
    try:
        from facilitator.serving import choose_mode

        return choose_mode()
    finally:
        sys.path.pop(0)


def default_loop():
    """uvloop when it is installed (the bench extra has it), else asyncio's own event loop."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def run_loop(coroutine, loop):
    """Run coroutine to the end on a new event loop of the kind asked for ("uvloop" or "asyncio")."""
    if loop == "uvloop":
        import uvloop

        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


# --- numbers -----------------------------------------------------------------------------------

def pct(values, p):
    """The p-th percentile (nearest rank) of values, or None."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * p // 100)))
    return ordered[int(rank) - 1]


def ms(seconds):
    """Seconds to milliseconds, rounded, tolerating None."""
    return None if seconds is None else round(seconds * 1000, 1)


# --- the server process ------------------------------------------------------------------------

def free_port():
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def cpu_busy(seconds=0.5):
    """How busy the machine's CPUs are (0..1) over a short look, from /proc/stat (Linux); None elsewhere."""
    def sample():
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


async def settle(limit, most=0.35):
    """Wait (at most limit seconds) until others leave the CPUs mostly idle; returns the busy share seen."""
    deadline = time.monotonic() + limit
    busy = await asyncio.to_thread(cpu_busy)
    while busy is not None and busy > most and time.monotonic() < deadline:
        await asyncio.sleep(2)
        busy = await asyncio.to_thread(cpu_busy)
    return busy


def process_cpu_clock(pid):
    """Linux's CPU-time clock of another process (what clock_getcpuclockid(3) returns): all its threads, in ns."""
    return ((~pid) << 3) | 2  # CPUCLOCK_SCHED of the whole process, as the kernel encodes it


def proc_stats(pid):
    """Peak RSS (MB) and CPU time (s, user+system) of a process (Linux).

    The CPU time is read from the process's own CPU-time clock, to the nanosecond. /proc/PID/stat
    counts it in ticks of 10 ms, charged to whichever process runs at each tick: over a burst of
    1,000 answers (about 150 ms of CPU) that is a sample of 15 ticks, and two runs of the same
    server differed by a third. /proc is the fallback where the clock cannot be read.
    """
    peak = cpu = None
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    try:
        cpu = time.clock_gettime(process_cpu_clock(pid))
    except (OSError, OverflowError, AttributeError):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = os.sysconf("SC_CLK_TCK")
            cpu = (int(fields[11]) + int(fields[12])) / ticks
    return peak, cpu


LIVE_SERVERS = set()  # servers started and not stopped yet: an interrupted run stops them (stop_on_signals)
WORKDIRS = set()  # throw-away folders of runs under way


def stop_on_signals():
    """Ctrl-C or `kill` stops every server and phone process this run started, then the run, at once.

    Without it, Ctrl-C during the wait for quiet CPUs ended in a traceback from the event loop's
    shutdown, and `kill` left the server of the run under way running.
    """
    def stop(signum, _frame):
        import multiprocessing

        for server in list(LIVE_SERVERS):
            with contextlib.suppress(Exception):
                server.process.kill()
                server.process.wait(5)
        for child in multiprocessing.active_children():  # the phones' processes (--client-procs)
            child.kill()
        for folder in list(WORKDIRS):
            shutil.rmtree(folder, ignore_errors=True)
        print(f"\nstopped by {signal.Signals(signum).name}: no server of this run is left running", file=sys.stderr)
        os._exit(128 + signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)


class Server:
    """Fireside (`python -m facilitator.cli serve`) or the floor, as a child process on loopback."""

    def __init__(self, kind, mode, workdir, profile=None, extra=()):
        self.kind, self.mode, self.workdir, self.profile = kind, mode, workdir, profile
        self.extra = list(extra)  # more arguments for the floor (two_workers.py: --message-queue)
        self.port = free_port()
        self.process = None
        self.data = Path(tempfile.mkdtemp(prefix="data-", dir=workdir))  # a fresh database each run
        self.startup = None
        self.log_path = Path(workdir) / f"{kind}-{mode}-{self.port}.log"

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def command(self):
        if self.kind in ("floor", "flask-floor"):
            return [sys.executable, str(ROOT / "benchmarks" / "floor.py"), "--mode", self.mode, "--port",
                    str(self.port), "--host", HOST, *(["--flask"] if self.kind == "flask-floor" else []),
                    *self.extra]
        args = ["serve", "--no-browser", "--host", HOST, "--port", str(self.port), "--data", str(self.data)]
        if self.profile:  # cProfile of the server's main thread (every greenlet in gevent mode)
            out = Path(self.profile) / f"fireside-{self.mode}-{self.port}.prof"
            return [sys.executable, "-c", "import sys, cProfile; sys.argv[0] = 'fireside'; "
                    "from facilitator.cli import main; "
                    f"cProfile.run('main()', {str(out)!r})", *args]
        return [sys.executable, "-m", "facilitator.cli", *args]

    def spy(self, folder):
        """Record where the server spends its CPU with py-spy (its own pid, collapsed stacks), until it exits."""
        out = Path(folder) / f"{self.kind}-{self.mode}-{self.port}.txt"
        self.spying = subprocess.Popen(["py-spy", "record", "--pid", str(self.process.pid), "--rate", "1000",
                                        "--format", "raw", "--nonblocking", "-o", str(out)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self, timeout=20):
        command = self.command()
        if SERVER_CPUS:  # pinned, as on a laptop with one free core (taskset, util-linux)
            command = ["taskset", "-c", SERVER_CPUS, *command]
        env = {**os.environ, "PYTHONUNBUFFERED": "1",
               "FIRESIDE_ASYNC_MODE": self.mode,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        log = open(self.log_path, "ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env=env, cwd=self.workdir)
        LIVE_SERVERS.add(self)
        log.close()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        self.startup = time.perf_counter() - started
                        return self
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"{self.kind} did not answer in {timeout}s:\n{self.output()}")

    def stats(self):
        return proc_stats(self.process.pid)

    def stop(self, timeout=10):
        LIVE_SERVERS.discard(self)
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        spying = getattr(self, "spying", None)
        if spying is not None:  # py-spy writes its file once the server has exited
            try:
                spying.wait(30)
            except subprocess.TimeoutExpired:
                spying.kill()
                spying.wait(5)

    def output(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- the clients ---------------------------------------------------------------------------------

class Phone:
    """One simulated phone: an AsyncClient on the participant namespace, recording what arrives when."""

    def __init__(self, index, deflate):
        import socketio

        self.index = index
        # Browsers offer permessage-deflate and simple-websocket accepts it; aiohttp offers it with compress=15.
        options = {"websocket_extra_options": {"compress": 15}} if deflate else {}
        # handle_sigint=False: Ctrl-C is load.py's (stop_on_signals), not python-engineio's, which stops the loop mid-run
        self.client = socketio.AsyncClient(reconnection=False, handle_sigint=False, **options)
        self.welcome = asyncio.Event()
        self.open = asyncio.Event()
        self.revealed = asyncio.Event()
        self.item_id = None
        self.revealed_at = None
        self.result = None
        self.counts = 0
        self.messages = self.bytes = 0  # Socket.IO packets the server sent this phone, and their characters
        handle = self.client._handle_eio_message  # python-socketio's, registered on its Engine.IO client

        async def counted(data):
            self.messages += 1
            self.bytes += len(data)
            await handle(data)

        self.client.eio.on("message", counted)
        self.client.on("welcome", self._welcome, namespace=PARTICIPANT_NS)
        self.client.on("item", self._room, namespace=PARTICIPANT_NS)
        self.client.on("count", self._count, namespace=PARTICIPANT_NS)

    def _welcome(self, payload):
        self.welcome.set()

    def _room(self, payload):
        item = payload.get("item") or {}
        if item.get("state") == "open":
            self.item_id = item["id"]
            self.open.set()
        elif item.get("state") == "revealed" and not self.revealed.is_set():
            self.revealed_at = time.perf_counter()
            self.result = item.get("result")
            self.revealed.set()

    def _count(self, payload):
        self.counts += 1

    def next_poll(self):
        """Forget the last poll: wait for the next one to open, and for its reveal."""
        self.open.clear()
        self.revealed.clear()
        self.revealed_at = self.result = None

    async def join(self, url, code, timeout):
        started = time.perf_counter()
        await self.client.connect(url, namespaces=[PARTICIPANT_NS], auth={"code": code},
                                  transports=["websocket"], wait_timeout=timeout)
        await asyncio.wait_for(self.welcome.wait(), timeout)
        return time.perf_counter() - started


async def answer_all(phones, value_of, timeout, spread=0.0):
    """Every phone sends its answer at once, none waiting for its ack; then all acks are awaited together.

    Returns one (latency, time the ack arrived) per phone, or (None, None) where no ack came or it
    refused. An ack's time is taken in its callback, the moment the client reads it, not when a
    coroutine waiting for it next runs; and there is one wait for all the acks, not one wait (with
    its own timer) per phone: with 1,000 phones in one event loop, both would be the client's own
    work inside every latency. spread > 0: the answers go out evenly over that many seconds (men
    answering at their own pace) instead of at once; each latency is still from its own send.
    """
    loop = asyncio.get_running_loop()
    sent = []
    first = time.perf_counter()
    for i, phone in enumerate(phones):
        if spread:
            await asyncio.sleep(max(0.0, first + i * spread / len(phones) - time.perf_counter()))
        acked = loop.create_future()
        started = time.perf_counter()
        try:
            await phone.client.emit("answer", {"item_id": phone.item_id, "value": value_of(phone.index)},
                                    namespace=PARTICIPANT_NS, callback=functools.partial(_ack_arrived, acked))
        except Exception:  # a dropped connection: the answer is lost as far as the phone knows
            acked.cancel()
        sent.append((started, acked))
    waiting = [acked for _, acked in sent if not acked.done()]
    if waiting:
        await asyncio.wait(waiting, timeout=timeout)
    results = []
    for started, acked in sent:
        done, ack = acked.result() if acked.done() and not acked.cancelled() else (None, None)
        results.append((done - started, done) if isinstance(ack, dict) and ack.get("ok") else (None, None))
    return results


def _ack_arrived(future, *args):
    """An answer's ack callback: note when it arrived, and what it said."""
    if not future.done():
        future.set_result((time.perf_counter(), args[0] if args else None))


class Console:
    """The facilitator's console from loopback: starts the meeting, adds the poll, reveals."""

    def __init__(self):
        import socketio

        self.client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self.code = None
        self.counts = []  # (time, answered)
        self.has_code = asyncio.Event()
        self.client.on("console", self._console, namespace=FACILITATOR_NS)
        self.client.on("count", self._count, namespace=FACILITATOR_NS)

    def _console(self, payload):
        meeting = payload.get("meeting")
        if meeting and meeting.get("code"):
            self.code = meeting["code"]
            self.has_code.set()

    def _count(self, payload):
        self.counts.append((time.perf_counter(), payload.get("answered", 0)))

    async def connect(self, url, timeout):
        await self.client.connect(url, namespaces=[FACILITATOR_NS], transports=["websocket"], wait_timeout=timeout)

    async def do(self, event, payload, timeout):
        answer = await self.client.call(event, payload, namespace=FACILITATOR_NS, timeout=timeout)
        if not (isinstance(answer, dict) and answer.get("ok")):
            raise RuntimeError(f"{event} refused: {answer}")
        return answer


def poll_for(kind):
    """The add_item payload of the benchmark's poll and the value phone i answers with."""
    if kind == "compass":
        return ({"kind": "compass", "prompt": "Where are you tonight?", "push": True},
                lambda i: {"x": (i * 37) % 101, "y": (i * 61) % 101})
    return ({"kind": "choice", "prompt": "How are you arriving tonight?", "options": ["Tired", "Restless", "Calm"],
             "push": True}, lambda i: i % 3)


class LocalCrowd:
    """The phones as AsyncClients in this process (--client-procs 1, as the benchmark always did)."""

    def __init__(self, n, join_concurrency, step_timeout, deflate, value_of, spread=0.0):
        self.spread = spread
        self.phones = [Phone(i, deflate) for i in range(n)]
        self.joined = []
        self.gate = asyncio.Semaphore(join_concurrency)
        self.step_timeout, self.value_of = step_timeout, value_of

    async def join(self, url, code):
        async def join(phone):
            async with self.gate:
                try:
                    return await phone.join(url, code, self.step_timeout)
                except Exception:
                    return None

        join_times = await asyncio.gather(*(join(p) for p in self.phones))
        self.joined = [p for p, t in zip(self.phones, join_times) if t is not None]
        return join_times

    async def wait_open(self):
        await asyncio.wait_for(asyncio.gather(*(p.open.wait() for p in self.joined)), self.step_timeout)
        return self.joined[0].item_id if self.joined else None

    async def reset_counts(self):
        for phone in self.joined:
            phone.counts = phone.messages = phone.bytes = 0

    async def next_poll(self):
        for phone in self.joined:
            phone.next_poll()

    async def received(self):
        """Median messages and characters each phone was sent since reset_counts (the ack included)."""
        if not self.joined:
            return None, None
        return (statistics.median(p.messages for p in self.joined), statistics.median(p.bytes for p in self.joined))

    async def burst(self, server):
        """All answers at once; (results, burst start, client CPU s, server CPU s)."""
        cpu_burst = server.stats()[1]
        client_burst = time.process_time()
        burst_started = time.perf_counter()
        results = await answer_all(self.joined, self.value_of, self.step_timeout + self.spread, self.spread)
        cpu_burst = server.stats()[1] - cpu_burst
        client_burst = time.process_time() - client_burst
        return results, burst_started, client_burst, cpu_burst

    async def counts_max(self):
        return max((p.counts for p in self.joined), default=0)

    async def revealed(self):
        """After the reveal: when each phone had it, and the server's count in the result."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(p.revealed.wait() for p in self.joined)), self.step_timeout)
        answered = next((p.result.get("answered") for p in self.joined if p.result), None)
        return [p.revealed_at for p in self.joined if p.revealed_at], answered

    def cpu_s(self):
        return 0.0  # this process's own CPU is counted by the caller

    async def leave(self):
        async def leave(phone):
            async with self.gate:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(phone.client.disconnect(), 5)

        await asyncio.gather(*(leave(p) for p in self.phones))

    def close(self):
        pass


# --- phones in several processes (--client-procs P) ------------------------------------------------
#
# Each child process plays phones i with i % P == its number, in its own event loop, and obeys the
# parent step by step over a pipe. The burst starts at one instant for all: the parent sends a time
# on time.perf_counter()'s clock (CLOCK_MONOTONIC on Linux, the same in every process), a little
# ahead; every child sleeps until then and sends its answers. Times reported back (ack arrivals,
# reveal arrivals) are on that clock, so the parent merges them as if one process had measured them.

def crowd_child(conn, number, procs, n, kind, join_concurrency, step_timeout, deflate, limit, loop):
    """A child process's main: play its share of the phones until told to leave (or limit seconds pass)."""
    with contextlib.suppress(Exception):
        raise_fd_limit(2 * n)
    try:
        run_loop(asyncio.wait_for(_crowd_child(conn, number, procs, n, kind, join_concurrency, step_timeout,
                                               deflate), limit), loop)
    except BaseException as error:  # tell the parent (if it is still there), then go without tearing down
        with contextlib.suppress(Exception):
            conn.send(("error", f"client process {number}: {type(error).__name__}: {error}"[:500]))
        with contextlib.suppress(Exception):
            conn.close()
        os._exit(1)  # a run cut short leaves open clients: no pages of warnings about them on the way out
    conn.close()


async def _crowd_child(conn, number, procs, n, kind, join_concurrency, step_timeout, deflate):
    _, value_of = poll_for(kind)
    crowd = LocalCrowd(0, max(1, join_concurrency // procs), step_timeout, deflate, value_of)
    crowd.phones = [Phone(i, deflate) for i in range(number, n, procs)]

    async def receive():
        while not await asyncio.to_thread(conn.poll, 1):
            pass
        return conn.recv()

    conn.send(("ready", None))
    cpu_ready = time.process_time()
    while True:
        command, arg = await receive()
        if command == "join":
            url, code = arg
            reply = await crowd.join(url, code)
        elif command == "open":
            reply = await crowd.wait_open()
        elif command == "next":
            reply = await crowd.next_poll()
        elif command == "reset":
            reply = await crowd.reset_counts()
            gc.collect()
            gc.freeze()
            gc.disable()
        elif command == "burst":
            await asyncio.sleep(max(0, arg - time.perf_counter()))
            client_burst = time.process_time()
            results = await answer_all(crowd.joined, value_of, step_timeout)
            reply = (results, time.process_time() - client_burst)
        elif command == "counts":
            reply = await crowd.counts_max()
        elif command == "revealed":
            reply = (*await crowd.revealed(), time.process_time() - cpu_ready)
            gc.enable()
            gc.unfreeze()
        elif command == "leave":
            await crowd.leave()
            conn.send(("ok", None))
            return
        else:
            raise ValueError(f"unknown command {command!r}")
        conn.send(("ok", reply))


class ProcessCrowd:
    """The phones spread over procs child processes; the same steps as LocalCrowd, merged here."""

    def __init__(self, procs, n, kind, join_concurrency, step_timeout, deflate, limit, loop):
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # no fork of a process with an event loop and threads
        self.step_timeout = step_timeout
        self.pipes, self.children = [], []
        self.child_cpu = 0.0
        for number in range(procs):
            parent_end, child_end = context.Pipe()
            child = context.Process(target=crowd_child, name=f"phones-{number}", daemon=True,
                                    args=(child_end, number, procs, n, kind, join_concurrency, step_timeout,
                                          deflate, limit, loop))
            child.start()
            child_end.close()
            self.pipes.append(parent_end)
            self.children.append(child)
        self.order = [list(range(number, n, procs)) for number in range(procs)]

    async def _ask(self, pipe, command, arg, timeout):
        if command is not None:
            pipe.send((command, arg))
        if not await asyncio.to_thread(pipe.poll, timeout):
            raise TimeoutError(f"a client process did not answer {command or 'ready'} in {timeout:.0f}s")
        status, reply = pipe.recv()
        if status != "ok" and status != "ready":
            raise RuntimeError(reply)
        return reply

    async def ask(self, command, arg=None, timeout=None):
        """Send a command to every child; their replies in child order."""
        return await asyncio.gather(*(self._ask(p, command, arg, timeout or self.step_timeout + 10)
                                      for p in self.pipes))

    async def start(self):
        await self.ask(None, timeout=60)  # each child has imported socketio and is listening

    def merge(self, parts):
        """Per-child lists back into phone order."""
        out = [None] * sum(len(o) for o in self.order)
        for indexes, part in zip(self.order, parts):
            for i, value in zip(indexes, part):
                out[i] = value
        return out

    async def join(self, url, code):
        parts = await self.ask("join", (url, code), timeout=self.step_timeout * 4 + 10)
        self.joined = [t for t in self.merge(parts) if t is not None]
        return self.merge(parts)

    async def wait_open(self):
        ids = await self.ask("open")
        return next((i for i in ids if i is not None), None)

    async def reset_counts(self):
        await self.ask("reset")

    async def next_poll(self):
        await self.ask("next")

    async def burst(self, server):
        cpu_burst = server.stats()[1]
        burst_started = time.perf_counter() + 0.2  # the shared instant: every child has the command by then
        parts = await self.ask("burst", burst_started)
        cpu_burst = server.stats()[1] - cpu_burst
        results = [r for part, _ in parts for r in part]
        return results, burst_started, sum(cpu for _, cpu in parts), cpu_burst

    async def counts_max(self):
        return max(await self.ask("counts"), default=0)

    async def received(self):
        return None, None  # counted by LocalCrowd only (--spread runs in one process)

    async def revealed(self):
        parts = await self.ask("revealed")
        answered = next((a for _, a, _ in parts if a is not None), None)
        self.child_cpu = sum(cpu for _, _, cpu in parts)
        return [t for times, _, _ in parts for t in times], answered

    def cpu_s(self):
        """The children's CPU time from their start (after imports) until every phone had the reveal."""
        return self.child_cpu

    async def leave(self):
        await self.ask("leave", timeout=60)

    def close(self):
        """However the run ended: every child stops (asked, then terminated, then killed)."""
        for pipe in self.pipes:
            with contextlib.suppress(Exception):
                pipe.close()
        for child in self.children:
            child.join(5)
            if child.is_alive():
                child.terminate()
                child.join(5)
            if child.is_alive():
                child.kill()
                child.join(5)


async def scenario(servers, n, kind, join_concurrency, step_timeout, deflate, procs=1, limit=180, loop="asyncio"):
    """One full run against started servers; returns the figures of each, in the same order.

    With one server, its phones join and answer POLLS polls in turn. With several (--paired), each
    server gets its own console and its own N phones, all joined first; then every poll is asked of
    each server in turn, and the order turns around every poll (a b, b a, a b...), so that whatever
    else the machine does in those seconds falls on both alike.
    """
    payload, value_of = poll_for(kind)
    crowds = []
    try:
        for _ in servers:
            if procs > 1:
                crowd = ProcessCrowd(procs, n, kind, join_concurrency, step_timeout, deflate, limit, loop)
                crowds.append(crowd)
                await crowd.start()
            else:
                crowds.append(LocalCrowd(n, join_concurrency, step_timeout, deflate, value_of, SPREAD))
        runs = []
        for server, crowd in zip(servers, crowds):
            figures = {"server": server.kind, "mode": server.mode, "phones": n, "kind": kind,
                       "startup_ms": ms(server.startup), "client_procs": procs, "loop": loop,
                       "paired": len(servers) > 1, "cpu_before": time.process_time()}
            console, joined = await _join(crowd, server, step_timeout, figures)
            runs.append((server, crowd, console, joined, figures, []))
        for number in range(POLLS):
            for server, crowd, console, joined, figures, polls in (runs if number % 2 == 0 else runs[::-1]):
                if number:
                    await crowd.next_poll()
                polls.append(await _poll(crowd, console, server, n, joined, step_timeout, payload))
                polls[-1]["at"] = round(time.time(), 3)  # to pair each poll with its neighbours
        for server, crowd, console, joined, figures, polls in runs:
            await _finish(crowd, console, server, figures, polls)
        return [figures for *_, figures, _ in runs]
    finally:
        for crowd in crowds:
            crowd.close()


async def _join(crowd, server, step_timeout, figures):
    """A console starts the meeting and every phone joins; (console, how many joined)."""
    console = Console()
    await console.connect(server.url, step_timeout)
    await console.do("start_meeting", {"deck": None, "title": "Load test"}, step_timeout)
    await asyncio.wait_for(console.has_code.wait(), step_timeout)

    started = time.perf_counter()
    join_times = await crowd.join(server.url, console.code)
    figures["join_s"] = round(time.perf_counter() - started, 2)
    ok_joins = [t for t in join_times if t is not None]
    figures["joined"] = len(ok_joins)
    figures["join_p99_ms"] = ms(pct(ok_joins, 99))
    return console, len(ok_joins)


async def _finish(crowd, console, server, figures, polls):
    """A run's figures from its polls and the server's totals; the phones and the console leave."""
    figures["polls"] = polls
    for key in polls[0]:  # one poll: its figures; several: the median of each over the polls, lost added up
        if key == "at":
            continue
        values = [poll[key] for poll in polls if isinstance(poll.get(key), (int, float))]
        if key == "lost":
            figures[key] = sum(values)
        elif values:
            figures[key] = values[0] if len(polls) == 1 else round(statistics.median(values), 4)
        else:
            figures[key] = None

    peak, cpu = server.stats()
    figures["server_peak_rss_mb"] = round(peak, 1) if peak else None
    figures["server_cpu_s"] = round(cpu, 2) if cpu is not None else None
    # This process's CPU since the run began (both servers' phones, when paired) and its children's.
    figures["client_cpu_s"] = round(time.process_time() - figures.pop("cpu_before") + crowd.cpu_s(), 2)

    await crowd.leave()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(console.client.disconnect(), 5)


async def _poll(crowd, console, server, n, joined, step_timeout, payload):
    """One poll: the console adds and pushes it, every phone answers in one burst, the console reveals."""
    figures = {}
    await console.do("add_item", payload, step_timeout)
    item_id = await crowd.wait_open()
    await asyncio.sleep(0.3)  # let the join-time counts (or the last reveal) settle before the burst
    console.counts.clear()
    await crowd.reset_counts()

    gc.collect()
    gc.freeze()  # this process plays 1,000 phones: its own collector must not pause them all at once
    gc.disable()
    results, burst_started, client_burst, cpu_burst = await crowd.burst(server)
    acks = [lat for lat, _ in results if lat is not None]
    last_ack = max((done for _, done in results if done is not None), default=None)
    figures["acked"] = len(acks)
    figures["ack_p50_ms"] = ms(pct(acks, 50))
    figures["ack_p95_ms"] = ms(pct(acks, 95))
    figures["ack_p99_ms"] = ms(pct(acks, 99))
    figures["ack_max_ms"] = ms(max(acks) if acks else None)
    figures["server_cpu_per_answer_ms"] = round(cpu_burst * 1000 / joined, 4) if joined else None
    figures["client_cpu_per_answer_ms"] = round(client_burst * 1000 / joined, 4) if joined else None

    # The floors push no counts (Fireside's pace is its own logic): nothing to wait for there.
    deadline = time.perf_counter() + (step_timeout if server.kind == "fireside" else 0)
    full = None
    while time.perf_counter() < deadline:
        full = next((t for t, answered in console.counts if answered >= joined), None)
        if full is not None:
            break
        await asyncio.sleep(0.005)
    figures["count_after_last_ack_ms"] = ms(full - last_ack) if full and last_ack else None
    burst_end = (full or time.perf_counter())
    pushes = [t for t, _ in console.counts if t <= burst_end + 0.001]
    figures["console_counts"] = len(pushes)
    span = burst_end - burst_started
    figures["burst_ms"] = ms(span)  # from the first answer sent until the console showed them all
    figures["phone_counts_max"] = await crowd.counts_max()
    # What each phone was sent while the answers came (deterministic where timings are not):
    # its own ack, and every count that reached it.
    figures["phone_messages"], figures["phone_chars"] = await crowd.received()

    await asyncio.sleep(0.2)
    reveal_started = time.perf_counter()
    await console.do("reveal_poll", {"item_id": item_id}, step_timeout)
    revealed_at, server_answered = await crowd.revealed()
    fan = [t - reveal_started for t in revealed_at]
    figures["revealed"] = len(fan)
    figures["reveal_p50_ms"] = ms(pct(fan, 50))
    figures["reveal_p99_ms"] = ms(pct(fan, 99))
    figures["reveal_max_ms"] = ms(max(fan) if fan else None)
    figures["server_answered"] = server_answered
    figures["lost"] = n - min(len(acks), server_answered if server_answered is not None else 0)
    gc.enable()
    gc.unfreeze()
    return figures


async def run_one(kinds, mode, n, poll_kind, args, workdir):
    """Start the servers, run the scenario within its time limit, always stop them; one row per server."""
    servers = [Server(kind, mode, workdir, args.profile if kind == "fireside" else None) for kind in kinds]
    try:
        for server in servers:
            server.start()
            if args.py_spy:
                server.spy(args.py_spy)
        return await asyncio.wait_for(scenario(servers, n, poll_kind, args.join_concurrency, args.step_timeout,
                                               not args.no_deflate, args.client_procs, args.run_timeout,
                                               args.loop),
                                      args.run_timeout)
    except Exception as error:  # report and carry on with the next run
        return [{"server": kind, "mode": mode, "phones": n, "kind": poll_kind,
                 "error": f"{type(error).__name__}: {error}"[:500]} for kind in kinds]
    finally:
        for server in servers:
            server.stop()
            if "Traceback" in server.output():
                tail = server.output()[server.output().index("Traceback"):][:1500]
                print(f"\n  ({server.kind} printed a traceback:)\n{tail}", file=sys.stderr)


# --- reporting -----------------------------------------------------------------------------------

COLUMNS = [
    ("phones", "N"), ("startup_ms", "start ms"), ("join_s", "join s"), ("join_p99_ms", "join p99"),
    ("ack_p50_ms", "ack p50"),
    ("ack_p95_ms", "ack p95"), ("ack_p99_ms", "ack p99"), ("count_after_last_ack_ms", "count+ ms"),
    ("console_counts", "counts"), ("burst_ms", "burst ms"), ("reveal_p99_ms", "reveal p99"),
    ("reveal_max_ms", "reveal max"),
    ("lost", "lost"), ("server_peak_rss_mb", "RSS MB"), ("server_cpu_s", "CPU s"),
    ("server_cpu_per_answer_ms", "CPU/answer ms"), ("client_cpu_per_answer_ms", "client CPU/answer ms"),
]


def medians(rows):
    """One row per (server, mode, N): the median of each figure over the repeats; lost is the worst."""
    groups = {}
    for row in rows:
        groups.setdefault((row["server"], row["mode"], row["phones"]), []).append(row)
    out = []
    for (server, mode, n), runs in groups.items():
        good = [r for r in runs if "error" not in r]
        if not good:
            out.append(runs[0])
            continue
        merged = {"server": server, "mode": mode, "phones": n, "runs": len(good), "failed": len(runs) - len(good)}
        for key, value in good[0].items():
            values = [r[key] for r in good if isinstance(r.get(key), (int, float))]
            if key == "polls":  # each run keeps its own polls (in --json's runs)
                continue
            if key in merged or not values:
                merged.setdefault(key, value)
            elif key == "lost":
                merged[key] = max(values) + merged["failed"] * n
            else:  # CPU per answer keeps its microseconds: the 1.2x target is decided on them
                merged[key] = round(statistics.median(values), 4 if key.endswith("cpu_per_answer_ms") else 2)
        out.append(merged)
    return out


RANGED = [("ack_p99_ms", "ack p99 ms"), ("join_p99_ms", "join p99 ms"), ("reveal_p99_ms", "reveal p99 ms"),
          ("server_cpu_per_answer_ms", "CPU/answer ms"), ("server_peak_rss_mb", "RSS MB")]


def ranges(runs):
    """Median (min–max) of the main figures per (server, mode, N), with every run's figure and load average."""
    groups = {}
    for row in runs:
        if "error" not in row:
            groups.setdefault((row["server"], row["mode"], row["phones"]), []).append(row)
    lines = []
    for (server, mode, n), good in groups.items():
        parts = []
        for key, title in RANGED:
            values = [r[key] for r in good if isinstance(r.get(key), (int, float))]
            if values:
                parts.append(f"{title} {statistics.median(values):g} ({min(values):g}–{max(values):g})")
        lines.append(f"- {server} {mode} N={n}, {len(good)} runs: " + "; ".join(parts))
        lines.append(f"  ack p99 of each run: {', '.join(str(r.get('ack_p99_ms')) for r in good)}; "
                     f"load average (1 min) after each: {', '.join(str(r.get('load_avg')) for r in good)}")
        if any(len(r.get("polls") or ()) > 1 for r in good):
            lines.append("  CPU/answer ms of each poll, run by run: " + "; ".join(
                ", ".join(f"{p['server_cpu_per_answer_ms']:g}" for p in r["polls"]
                          if p.get("server_cpu_per_answer_ms") is not None) for r in good))
        sent = [(r.get("phone_messages"), r.get("phone_chars")) for r in good if r.get("phone_messages") is not None]
        if sent:
            lines.append(f"  each phone was sent, while the answers came (median over phones; each run): "
                         f"{', '.join(f'{m:g} messages, {c:g} characters' for m, c in sent)}")
    return "\n".join(lines)


def table(rows):
    """A Markdown table of runs."""
    head = ["server", "mode"] + [title for _, title in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['server']} | {row['mode']} | {row['phones']} | error: {row['error']} |")
            continue
        cells = [row["server"], row["mode"]] + ["" if row.get(k) is None else str(row.get(k)) for k, _ in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratios(rows):
    """Fireside's ack and reveal figures over the floor's, per N and mode."""
    floor = {(r["mode"], r["phones"]): r for r in rows if r["server"] == "floor" and "error" not in r}
    lines = ["| server | mode | N | ack p50 × | ack p99 × | reveal p99 × | RSS × | CPU/answer × |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        f = floor.get((r["mode"], r["phones"]))
        if r["server"] == "floor" or "error" in r or not f:
            continue

        def x(key):
            a, b = r.get(key), f.get(key)
            return f"{a / b:.2f}" if a and b else ""

        lines.append(f"| {r['server']} | {r['mode']} | {r['phones']} | {x('ack_p50_ms')} | {x('ack_p99_ms')} | "
                     f"{x('reveal_p99_ms')} | {x('server_peak_rss_mb')} | {x('server_cpu_per_answer_ms')} |")
    return "\n".join(lines)


def paired_polls(runs):
    """Fireside's CPU per answer over the floor's, poll by poll, from --paired runs: [(mode, N, ratios)].

    Poll k of Fireside and poll k of the floor were asked one right after the other, so each ratio
    compares two bursts that met the same seconds of the machine.
    """
    out = {}
    for fire in (r for r in runs if r.get("paired") and r["server"] == "fireside" and "error" not in r):
        floor = next((r for r in runs if r.get("paired") and r["server"] == "floor" and "error" not in r
                      and r["polls"][0]["at"] - fire["polls"][-1]["at"] < 60
                      and fire["polls"][0]["at"] - r["polls"][-1]["at"] < 60
                      and (r["mode"], r["phones"]) == (fire["mode"], fire["phones"])), None)
        if floor is None:
            continue
        for a, b in zip(fire["polls"], floor["polls"]):
            if a.get("server_cpu_per_answer_ms") and b.get("server_cpu_per_answer_ms"):
                out.setdefault((fire["mode"], fire["phones"]), []).append(
                    a["server_cpu_per_answer_ms"] / b["server_cpu_per_answer_ms"])
    return [(mode, n, ratios) for (mode, n), ratios in out.items()]


def paired_report(runs):
    """Lines on the paired polls (none when no run was --paired)."""
    lines = []
    for mode, n, ratios in paired_polls(runs):
        fire = [p["server_cpu_per_answer_ms"] for r in runs if r.get("paired") and r["server"] == "fireside"
                and r["mode"] == mode and r["phones"] == n and "error" not in r for p in r["polls"]]
        floor = [p["server_cpu_per_answer_ms"] for r in runs if r.get("paired") and r["server"] == "floor"
                 and r["mode"] == mode and r["phones"] == n and "error" not in r for p in r["polls"]]
        lines.append(f"- {mode}, N={n}, {len(ratios)} pairs of polls: Fireside's CPU per answer over the floor's "
                     f"burst next to it: median {statistics.median(ratios):.2f}x "
                     f"(quartiles {' – '.join(f'{q:.2f}' for q in statistics.quantiles(ratios, n=4, method='inclusive')[::2]) if len(ratios) > 1 else ''}, "
                     f"{min(ratios):.2f}–{max(ratios):.2f}); over every poll, {statistics.median(fire):.4f} "
                     f"against {statistics.median(floor):.4f} ms ({statistics.median(fire) / statistics.median(floor):.2f}x)")
    return "\n".join(lines)


TARGETS = [
    ("lost", lambda v, n: v == 0, "0 answers lost"),
    ("ack_p99_ms", lambda v, n: v is not None and v <= 250, "ack p99 <= 250 ms"),
    ("reveal_max_ms", lambda v, n: v is not None and v <= 1000, "reveal reaches every phone <= 1 s"),
    ("server_peak_rss_mb", lambda v, n: v is not None and v <= 300, "server memory <= 300 MB"),
    ("startup_ms", lambda v, n: v is not None and v <= 2000, "first answer <= 2 s after start"),
]


def counts_bounded(row):
    """The console heard at most about ten counts a second during the burst (one more for the edges)."""
    return row.get("console_counts") is not None and row["console_counts"] <= (row.get("burst_ms") or 0) / 100 + 2


def verdicts(rows, runs=()):
    """Each target, for each Fireside run with 1,000 phones (or the largest N run).

    CPU per answer is judged on the paired polls when the runs were --paired (the median of the
    ratios of bursts next to each other), else on the ratio of the medians.
    """
    paired = {(mode, n): statistics.median(ratios) for mode, n, ratios in paired_polls(runs)}
    fire = [r for r in rows if r["server"] == "fireside" and "error" not in r]
    if not fire:
        return "no successful Fireside run"
    top = max(r["phones"] for r in fire)
    floor = {(r["mode"], r["phones"]): r for r in rows if r["server"] == "floor" and "error" not in r}
    out = []
    for r in (r for r in fire if r["phones"] == top):
        for key, ok, words in TARGETS:
            out.append(f"- {r['mode']}, N={top}: {words}: {'met' if ok(r.get(key), top) else 'MISSED'} "
                       f"({r.get(key)})")
        out.append(f"- {r['mode']}, N={top}: console count pushed at most ~10 times a second: "
                   f"{'met' if counts_bounded(r) else 'MISSED'} ({r.get('console_counts')} in {r.get('burst_ms')} ms)")
        f = floor.get((r["mode"], top))
        if f and f.get("ack_p99_ms") and r.get("ack_p99_ms"):
            ratio = r["ack_p99_ms"] / f["ack_p99_ms"]
            out.append(f"- {r['mode']}, N={top}: ack p99 within 1.5x the floor: "
                       f"{'met' if ratio <= 1.5 else 'MISSED'} ({ratio:.2f}x)")
        if (r["mode"], top) in paired:
            ratio = paired[(r["mode"], top)]
            out.append(f"- {r['mode']}, N={top}: server CPU per answer within 1.2x the floor's: "
                       f"{'met' if ratio <= 1.2 else 'MISSED'} ({ratio:.2f}x, the median over pairs of polls)")
        elif f and f.get("server_cpu_per_answer_ms") and r.get("server_cpu_per_answer_ms"):
            ratio = r["server_cpu_per_answer_ms"] / f["server_cpu_per_answer_ms"]
            out.append(f"- {r['mode']}, N={top}: server CPU per answer within 1.2x the floor's: "
                       f"{'met' if ratio <= 1.2 else 'MISSED'} ({r['server_cpu_per_answer_ms']} against "
                       f"{f['server_cpu_per_answer_ms']} ms, {ratio:.2f}x)")
    return "\n".join(out)


# --- main ------------------------------------------------------------------------------------------

def raise_fd_limit(n):
    """1,000 phones need 1,000 sockets here and as many in the server: raise the soft limit if we may."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, 4 * n + 256)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="benchmarks/load.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\nNeeds")[0], epilog="Needs" + __doc__.split("\n\nNeeds", 1)[1])
    parser.add_argument("-n", "--phones", type=int, nargs="+", default=[50, 300, 1000],
                        help="numbers of phones, one run each (default: 50 300 1000; at most 10000)")
    parser.add_argument("--mode", nargs="+", choices=MODES, default=None,
                        help="async mode(s) and server, both with simple-websocket: threading = Werkzeug "
                             "threaded; gevent = gevent pywsgi (default: what `fireside serve` uses)")
    parser.add_argument("--kind", choices=("choice", "compass"), default="choice",
                        help="the poll answered (compass makes the biggest reveal: every point)")
    parser.add_argument("-r", "--repeat", type=int, default=1,
                        help="runs of each (server, mode, N), reported as medians (default 1; 3 on a busy machine)")
    parser.add_argument("--settle", type=float, default=60,
                        help="before each run, wait up to this many seconds for other programs to leave the "
                             "CPUs at most 35%% busy (default 60; 0: do not wait)")
    parser.add_argument("--no-floor", action="store_true", help="skip the bare python-socketio floor")
    parser.add_argument("--flask-floor", action="store_true",
                        help="also run the floor's handlers through Flask-SocketIO on a bare Flask app: "
                             "what the framework costs, apart from Fireside's own work")
    parser.add_argument("--no-deflate", action="store_true",
                        help="phones do not offer permessage-deflate (browsers do, so by default they offer it)")
    parser.add_argument("--client-procs", type=int, default=1, metavar="P",
                        help="spread the phones over P client processes (phone i in process i %% P), each with "
                             "its own event loop; all send their answers at one shared instant and this process "
                             "merges the latencies. Default 1: every phone in this process, as before. The "
                             "client processes share the machine's cores with the server")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default=None,
                        help="the phones' event loop (in every client process): uvloop spends about a third "
                             "less CPU per phone than asyncio's own loop, so less of the client's work is inside "
                             "every latency (default: uvloop when installed, else asyncio)")
    parser.add_argument("--join-concurrency", type=int, default=100,
                        help="phones connecting at the same moment (default 100)")
    parser.add_argument("--step-timeout", type=float, default=30, help="limit on each wait, seconds (default 30)")
    parser.add_argument("--run-timeout", type=float, default=180, help="limit on one run, seconds (default 180)")
    parser.add_argument("--timeout", type=float, default=1500,
                        help="limit on the whole benchmark, seconds (default 1500); it stops by itself")
    parser.add_argument("--polls", type=int, default=1, metavar="B",
                        help="polls asked in turn in each run, each answered in one burst by every phone "
                             "(default 1). A run's per-burst figures (acks, CPU per answer, reveal) are then "
                             "the medians over its polls, and lost is their sum: CPU per answer of one burst "
                             "moves by a third between bursts of the same code, so several per run narrow "
                             "the figure at the cost of a few seconds each")
    parser.add_argument("--paired", action="store_true",
                        help="run Fireside and the floor side by side in each run, each with its own N phones, "
                             "and ask every poll of both in turn (the order turning each poll): both meet the "
                             "same seconds of the machine, and each Fireside burst is compared with the floor "
                             "burst next to it. Use with --polls")
    parser.add_argument("--spread", type=float, default=0.0, metavar="S",
                        help="send the answers evenly over S seconds instead of in one burst (men answering "
                             "at their own pace; one client process only)")
    parser.add_argument("--server-cpus", metavar="LIST",
                        help="run the servers (Fireside and the floor) on these CPUs only (taskset -c LIST, "
                             "e.g. 0: one slow core)")
    parser.add_argument("--client-cpus", metavar="LIST",
                        help="run the phones (this process) on these CPUs only, e.g. 1")
    parser.add_argument("--json", help="also write every figure to this JSON file")
    parser.add_argument("--profile", metavar="DIR", help="run Fireside under cProfile, writing .prof files to DIR")
    parser.add_argument("--py-spy", metavar="DIR",
                        help="record each server (Fireside and the floor) with py-spy (pip install py-spy; "
                             "root or ptrace rights), collapsed stacks in DIR/<server>-<mode>-<port>.txt")
    args = parser.parse_args(argv)
    if not 1 <= args.client_procs <= 16:
        parser.error("--client-procs must be between 1 and 16")
    if any(n < 1 or n > 10_000 for n in args.phones):
        parser.error("--phones must be between 1 and 10,000")
    if not 1 <= args.polls <= 50:
        parser.error("--polls must be between 1 and 50")
    if args.spread and args.client_procs > 1:
        parser.error("--spread works with one client process")
    args.mode = args.mode or [default_mode()]
    if args.loop == "uvloop" and default_loop() != "uvloop":
        parser.error('--loop uvloop: uvloop is not installed (pip install -e ".[bench]")')
    args.loop = args.loop or default_loop()
    return args


async def main_async(args):
    stop_on_signals()  # here, inside the event loop: asyncio's runner puts its own Ctrl-C handler in first
    rows = []
    workdir = tempfile.mkdtemp(prefix="fireside-load-")
    WORKDIRS.add(workdir)
    deadline = time.monotonic() + args.timeout
    try:
        for mode in args.mode:
            for n in args.phones:
                for repeat in range(args.repeat):
                    kinds = ["fireside", *([] if args.no_floor else ["floor"]),
                             *(["flask-floor"] if args.flask_floor else [])]
                    for together in ([kinds] if args.paired else [[kind] for kind in kinds]):
                        left = deadline - time.monotonic()
                        if left < 10:
                            print("overall --timeout reached; stopping", file=sys.stderr)
                            return rows
                        args.run_timeout = min(args.run_timeout, left)
                        busy = await settle(min(args.settle, max(0, left - 60)))
                        print(f"{' and '.join(together):8} {mode:10} N={n:<5} #{repeat + 1} ...", end=" ",
                              flush=True, file=sys.stderr)
                        for row in await run_one(together, mode, n, args.kind, args, workdir):
                            row["busy_before"] = None if busy is None else round(busy, 2)
                            row["load_avg"] = round(os.getloadavg()[0], 2)
                            rows.append(row)
                            print(row.get("error") or f"\n  {row['server']}: ack p99 {row['ack_p99_ms']} ms, reveal "
                                  f"p99 {row['reveal_p99_ms']} ms, lost {row['lost']}, RSS "
                                  f"{row['server_peak_rss_mb']} MB, CPUs busy before {row['busy_before']}, "
                                  f"load {row['load_avg']}", end="", file=sys.stderr, flush=True)
                        print(file=sys.stderr, flush=True)
                        await asyncio.sleep(1)  # let sockets close before the next server
        return rows
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        WORKDIRS.discard(workdir)


def main(argv=None):
    global SERVER_CPUS, SPREAD, POLLS
    args = parse_args(argv)
    SERVER_CPUS, SPREAD, POLLS = args.server_cpus, args.spread, args.polls
    if args.client_cpus:
        os.sched_setaffinity(0, {int(c) for c in args.client_cpus.split(",")})
    limit = raise_fd_limit(max(args.phones))
    print(f"fd limit {limit}; modes {args.mode}; poll {args.kind}; python {sys.version.split()[0]}; "
          f"{os.cpu_count()} cores; {args.client_procs} client process(es); event loop {args.loop}", file=sys.stderr)
    runs = run_loop(main_async(args), args.loop)
    rows = medians(runs)
    print(f"Phones played by {args.client_procs} client process(es) on {os.cpu_count()} cores, "
          f"on the {args.loop} event loop.")
    if args.repeat > 1:
        print(f"Medians of {args.repeat} runs each (answers lost: the worst run).")
    print(table(rows))
    print()
    print(ratios(rows))
    print()
    print(ranges(runs))
    print()
    if paired_report(runs):
        print(paired_report(runs))
        print()
    print(verdicts(rows, runs))
    if args.json:
        Path(args.json).write_text(json.dumps({"medians": rows, "runs": runs}, indent=2))
    return 0 if runs and all("error" not in r for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
