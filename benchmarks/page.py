"""The phone page on a crowded room's Wi-Fi: headless Chromium, throttled through the DevTools protocol.

Starts a real `fireside serve` on 127.0.0.1, starts a meeting from a console (python-socketio),
and opens the join address (/j/<code>) in headless Chromium with the network throttled by CDP
`Network.emulateNetworkConditions` (default 1.6 Mbit/s each way and 150 ms of latency). It reports:

  cold    a first visit, empty cache: requests, bytes on the wire (encoded), first contentful
          paint, and "useful": the agreements are shown and the page's scripts have run (the
          "I'm in" button works: DOMContentLoaded, as every script is deferred);
  joined  from tapping "I'm in" until the "You're in" screen (Socket.IO connects and welcomes);
  warm    the same address opened again (a phone coming back): requests, bytes and timings.

Every wait is bounded; the server is stopped however the run ends. Loopback only.

  python benchmarks/page.py                      # 3 runs, medians
  python benchmarks/page.py --runs 5 --kbps 1600 --latency 150 --json page.json

Needs Chromium at /usr/bin/chromium (or --chromium PATH) and the test extra (playwright, python-socketio client).
"""

import argparse
import json
import os
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
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(data, port, timeout=20):
    """`fireside serve` on loopback; returns (process, seconds to first answer)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "facilitator.cli", "serve", "--no-browser", "--host", HOST,
                                "--port", str(port), "--data", str(data)], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError("fireside exited early")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1):
                return process, time.perf_counter() - started
        except OSError:
            time.sleep(0.01)
    process.kill()
    raise RuntimeError(f"fireside did not answer in {timeout}s")


def start_meeting(url):
    """Start an empty meeting from the console; returns the join code."""
    import socketio

    console = socketio.Client(reconnection=False)
    states = []
    console.on("console", states.append, namespace="/facilitator")
    console.connect(url, namespaces=["/facilitator"], transports=["websocket"], wait_timeout=10)
    try:
        answer = console.call("start_meeting", {"deck": None, "title": "Page benchmark"}, namespace="/facilitator",
                              timeout=10)
        assert answer.get("ok"), answer
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if states and (states[-1].get("meeting") or {}).get("code"):
                return states[-1]["meeting"]["code"]
            time.sleep(0.05)
        raise RuntimeError("no join code from the console")
    finally:
        console.disconnect()


class Wire:
    """Counts requests (page files apart from Socket.IO's), cache hits and encoded bytes, through CDP."""

    def __init__(self, cdp):
        self.reset()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event):
        if "/socket.io/" in event["request"]["url"]:
            self.socket_requests += 1
        else:
            self.requests[event["requestId"]] = event["request"]["url"]

    def _received(self, event):
        if event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"):
            self.cached.add(event["requestId"])

    def _finished(self, event):
        self.bytes += int(event.get("encodedDataLength", 0))

    def reset(self):
        self.requests, self.cached, self.bytes, self.socket_requests = {}, set(), 0, 0

    @property
    def fetched(self):
        """Page files that went over the network (a 304 counts: it costs a round trip)."""
        return len([r for r in self.requests if r not in self.cached])


USEFUL = """() => ['join-btn', 'screen-wait', 'screen-item'].some(id => {
  const node = document.getElementById(id);
  return node && node.offsetParent !== null && document.readyState !== 'loading';
})"""

TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {dcl: nav ? nav.domContentLoadedEventEnd : null, load: nav ? nav.loadEventEnd : null,
          fcp: fcp ? fcp.startTime : null};
}"""


def visit(page, wire, url, timeout_ms):
    """Open url; returns requests, bytes and timings (ms from navigation start)."""
    wire.reset()
    page.goto(url, wait_until="load", timeout=timeout_ms)
    # Useful: the agreements with a working "I'm in", or (a phone coming back) its place in the room.
    page.wait_for_function(USEFUL, timeout=timeout_ms)
    page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0",
                           timeout=timeout_ms)
    timings = page.evaluate(TIMINGS)
    return {"requests": wire.fetched, "from_cache": len(wire.cached), "kb": round(wire.bytes / 1024, 1),
            "fcp_ms": round(timings["fcp"]), "useful_ms": round(timings["dcl"]), "load_ms": round(timings["load"])}


def one_run(browser, url, args):
    """A cold visit, joining, and a warm visit, in a fresh browser context."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        rate = args.kbps * 1000 / 8  # bytes per second
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": args.latency,
                                                       "downloadThroughput": rate, "uploadThroughput": rate})
        if args.identity:  # what the page cost before compression: ask for the plain files
            cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
        wire = Wire(cdp)
        timeout_ms = args.step_timeout * 1000
        cold = visit(page, wire, url, timeout_ms)
        tapped = time.perf_counter()
        page.click("#join-btn", timeout=timeout_ms)
        page.wait_for_selector("#screen-wait", state="visible", timeout=timeout_ms)
        cold["joined_ms"] = round((time.perf_counter() - tapped) * 1000)
        page.goto("about:blank")
        warm = visit(page, wire, url, timeout_ms)
        return {"cold": cold, "warm": warm}
    finally:
        context.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/page.py", formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description=__doc__.split("\n\nNeeds")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs, each in a fresh browser context (default 3)")
    parser.add_argument("--kbps", type=float, default=1600, help="throughput each way, kbit/s (default 1600)")
    parser.add_argument("--latency", type=float, default=150, help="added latency, ms (default 150)")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium to drive")
    parser.add_argument("--step-timeout", type=float, default=30, help="limit on each wait, seconds")
    parser.add_argument("--identity", action="store_true",
                        help="ask for uncompressed responses (Accept-Encoding: identity), for comparison")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 20:
        parser.error("--runs must be 1..20")

    from playwright.sync_api import sync_playwright

    data = tempfile.mkdtemp(prefix="fireside-page-")
    port = free_port()
    process, startup = start_server(data, port)
    url = f"http://{HOST}:{port}"
    runs = []
    try:
        code = start_meeting(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, timeout=args.step_timeout * 1000,
                                                 args=["--no-sandbox", "--disable-gpu",
                                                       "--disable-background-networking"])
            try:
                for _ in range(args.runs):
                    runs.append(one_run(browser, f"{url}/j/{code}", args))
            finally:
                browser.close()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()

    def median(visit_name, key):
        return statistics.median(r[visit_name][key] for r in runs if r[visit_name].get(key) is not None)

    print(f"Phone page{' (uncompressed)' if args.identity else ''}, {args.kbps:g} kbit/s each way, "
          f"{args.latency:g} ms latency, {len(runs)} runs (medians); "
          f"server start-up {startup * 1000:.0f} ms")
    print("| visit | files over the network | from cache | KB on the wire | first paint ms | useful ms | load ms | "
          "joined ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("cold", "warm"):
        joined = f"{median(name, 'joined_ms'):.0f}" if name == "cold" else ""
        print(f"| {name} | {median(name, 'requests'):.0f} | {median(name, 'from_cache'):.0f} | "
              f"{median(name, 'kb'):.1f} | {median(name, 'fcp_ms'):.0f} | "
              f"{median(name, 'useful_ms'):.0f} | {median(name, 'load_ms'):.0f} | {joined} |")
    useful = median("cold", "useful_ms")
    print(f"- first useful screen <= 1 s on a cold visit: {'met' if useful <= 1000 else 'MISSED'} ({useful:.0f} ms)")
    if args.json:
        Path(args.json).write_text(json.dumps({"startup_ms": round(startup * 1000), "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
