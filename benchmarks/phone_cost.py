"""A phone's cost in bytes: joining, an idle hour, one poll, and waking up after sleep.

A fresh `fireside serve` on 127.0.0.1 (as benchmarks/load.py starts it); a console starts a meeting;
one measured phone (a python-socketio AsyncClient on the WebSocket transport, as the phone page
uses) joins among --others other phones, and the server's own TCP counters for the measured
phone's connection (`ss -ti`: bytes and segments each way) are read after each step:

  join     connect (the WebSocket upgrade), Socket.IO connect, `welcome`
  idle     --idle seconds with nothing happening: Engine.IO's pings (the server sends one every
           ping interval; the phone answers) and nothing else; per hour = per second × 3,600
  poll     the console pushes a choice poll, every phone answers (the others over --answer-over
           seconds, so the measured phone hears the counts as a room would), the console reveals
  wake     the phone's connection dies (its screen slept), it comes back with its token: the new
           connection's bytes until `welcome`

Bytes are the TCP payload both ways plus 52 bytes of IPv4 and TCP headers (with timestamps) per
segment, as the server's kernel counted them; Wi-Fi's own framing comes on top. The phone page
itself (38 KB the first time, 3.7 KB from cache) is measured by benchmarks/page.py.

  python benchmarks/phone_cost.py            # about 90 s: the idle step waits for real pings
"""

import argparse
import asyncio
import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402
import storm  # noqa: E402

HEADERS = 52  # IPv4 (20) + TCP with the timestamp option (32), per segment


def counters(port, client_port):
    """(bytes the server sent, bytes it received, segments out, segments in) on the connection from client_port."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{port} and dport = :{client_port} )"],
                         capture_output=True, text=True, timeout=10).stdout
    fields = dict(re.findall(r"\b(bytes_sent|bytes_received|segs_out|segs_in):(\d+)", out))
    return tuple(int(fields.get(name, 0)) for name in ("bytes_sent", "bytes_received", "segs_out", "segs_in"))


def on_wire(before, after):
    """(to the phone, from the phone) in bytes on the wire between two readings."""
    sent, received, segs_out, segs_in = (b - a for a, b in zip(before, after))
    return sent + HEADERS * segs_out, received + HEADERS * segs_in


async def measured_phone(server, code, token=None):
    """A phone connected with the code (and token); (the Phone, its client port on loopback)."""
    known = storm.peers(server.port)
    phone = storm.Phone(0)
    phone.token = token
    await phone.connect(server.url, code, 20)
    new = storm.peers(server.port) - known
    if len(new) != 1:
        raise RuntimeError("could not tell the measured phone's connection apart")
    return phone, new.pop()


async def run(args):
    load.stop_on_signals()  # Ctrl-C or kill: the server is stopped too
    workdir = tempfile.mkdtemp(prefix="fireside-cost-")
    load.WORKDIRS.add(workdir)
    server = load.Server("fireside", args.mode, workdir)
    figures = {}
    try:
        server.start()
        console = load.Console()
        await console.connect(server.url, 20)
        await console.do("start_meeting", {"deck": None, "title": "Cost"}, 20)
        await asyncio.wait_for(console.has_code.wait(), 20)
        others = [storm.Phone(i + 1) for i in range(args.others)]
        await asyncio.gather(*(p.connect(server.url, console.code, 20) for p in others))

        known = storm.peers(server.port)
        phone, port = await measured_phone(server, console.code)
        figures["join"] = on_wire((0, 0, 0, 0), counters(server.port, port))
        del known

        start = counters(server.port, port)
        await asyncio.sleep(args.idle)
        idle = on_wire(start, counters(server.port, port))
        figures["idle_per_hour"] = tuple(round(b * 3600 / args.idle) for b in idle)

        start = counters(server.port, port)
        added = await console.do("add_item", {"kind": "choice", "prompt": "How are you arriving tonight?",
                                              "options": ["Tired", "Restless", "Calm"], "push": True}, 20)
        await asyncio.sleep(0.5)
        item_id = added["item_id"]
        await phone.client.call("answer", {"item_id": item_id, "value": 0}, namespace=load.PARTICIPANT_NS,
                                timeout=20)
        for other in others:
            await other.client.call("answer", {"item_id": item_id, "value": other.index % 3},
                                    namespace=load.PARTICIPANT_NS, timeout=20)
            await asyncio.sleep(args.answer_over / max(1, len(others)))
        await asyncio.sleep(1.5)  # the last count reaches the phones
        await console.do("reveal_poll", {"item_id": item_id}, 20)
        await asyncio.sleep(0.5)
        figures["poll"] = on_wire(start, counters(server.port, port))

        token = phone.token
        await phone.client.disconnect()
        phone, port = await measured_phone(server, console.code, token)
        figures["wake"] = on_wire((0, 0, 0, 0), counters(server.port, port))

        for client in [phone, *others]:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.client.disconnect(), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(console.client.disconnect(), 5)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


def report(figures, args):
    """The figures as lines, and what an evening costs on a 1 GB data plan."""
    lines = [f"{args.others + 1} phones in the room; bytes to the phone / from the phone, headers included"]
    for key, words in (("join", "join (upgrade, connect, welcome)"), ("idle_per_hour", "one idle hour"),
                       ("poll", "one choice poll (push, answer, counts, reveal)"),
                       ("wake", "waking up (a new connection with the token)")):
        down, up = figures[key]
        lines.append(f"  {words:48} {down:>8,} / {up:>7,}  ({(down + up) / 1024:.1f} KB)")
    hours, polls, wakes = 3, 20, 10
    total = (sum(figures["idle_per_hour"]) * hours + sum(figures["poll"]) * polls + sum(figures["wake"]) * wakes
             + sum(figures["join"]))
    lines.append(f"  an evening ({hours} h connected, {polls} polls, {wakes} wakes; the page itself not counted): "
                 f"{total / 1024:.0f} KB, {100 * total / 1024 ** 3:.3f} % of a 1 GB plan")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/phone_cost.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--idle", type=float, default=60, help="idle seconds measured (default 60)")
    parser.add_argument("--others", type=int, default=19, help="other phones in the room (default 19)")
    parser.add_argument("--answer-over", type=float, default=10, help="seconds the others take to answer")
    parser.add_argument("--mode", choices=load.MODES, default=load.default_mode())
    args = parser.parse_args(argv)
    if not shutil.which("ss"):
        parser.error("needs ss (iproute2)")
    started = time.perf_counter()
    figures = load.run_loop(run(args), load.default_loop())
    print(report(figures, args))
    print(f"  ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
