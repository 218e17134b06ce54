"""Nothing in Fireside needs DNS or the internet at run time (docs/rooms.md).

The test runs a whole evening — the real server, a console, phones over real WebSockets, every
page and file a phone loads, the summary — inside a new network namespace whose only interface
is loopback: no other network, no DNS server, no route anywhere. Anything that reached for the
internet or a name server would fail there.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import TEST_DECK, RunningServer, SocketConsole, SocketPhone

from facilitator import events

TESTS = Path(__file__).parent


def _namespace_command():
    """The command that runs a program in a namespace with only loopback (up), or a reason it cannot here."""
    if not sys.platform.startswith("linux"):
        return None, f"network namespaces are a Linux feature, and this is {sys.platform}"
    if not (shutil.which("unshare") and shutil.which("ip")):
        return None, "this system lacks unshare or ip (util-linux and iproute2), which make the namespace"
    reasons = []
    # As root, a plain network namespace; otherwise one inside a user namespace, where the system allows it.
    for prefix in (["unshare", "--net"], ["unshare", "--user", "--map-root-user", "--net"]):
        probe = subprocess.run([*prefix, "ip", "link", "set", "lo", "up"], check=False, capture_output=True,
                               text=True, timeout=30)
        if probe.returncode == 0:
            return prefix, None
        reasons.append(f"{' '.join(prefix)}: {probe.stderr.strip() or probe.returncode}")
    return None, ("this system does not allow a new network namespace (" + "; ".join(reasons) + "). Run the "
                  "tests as root, or where unprivileged user namespaces are allowed")


def test_a_whole_evening_runs_where_the_only_network_is_loopback_and_there_is_no_dns(tmp_path):
    prefix, reason = _namespace_command()
    if prefix is None:
        pytest.skip(reason)
    inside = ("import sys; sys.path.insert(0, sys.argv[1]); import test_offline; "
              "test_offline.evening_without_a_network(sys.argv[2])")
    script = 'ip link set lo up && exec "$0" -c "$1" "$2" "$3"'
    done = subprocess.run([*prefix, "sh", "-c", script, sys.executable, inside, str(TESTS), str(tmp_path)],
                          check=False, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert done.returncode == 0, f"the evening failed without a network:\n{done.stdout}\n{done.stderr}"
    assert "an evening without a network: done" in done.stdout


def evening_without_a_network(folder):
    """In the namespace: check it has only loopback and no DNS, then hold an evening and export it."""
    folder = Path(folder)
    assert [name for _, name in socket.if_nameindex()] == ["lo"], socket.if_nameindex()
    try:
        socket.getaddrinfo("example.com", 80)
        raise AssertionError("a name was resolved: this namespace has DNS after all")
    except socket.gaierror:
        pass  # as in a church hall with no network

    data = folder / "data"
    (data / "decks").mkdir(parents=True)
    (data / "decks" / "test-evening.toml").write_text(TEST_DECK)
    server = RunningServer(data, folder / "server.log").start(timeout=60)
    try:
        console = SocketConsole(server.url)
        code = console.start()["meeting"]["code"]
        # Everything a phone's browser loads, from the join page down: all of it served by Fireside.
        page = _get(f"{server.url}/j/{code}")
        files = re.findall(r'(?:src|href)="(/[^"]+)"', page)
        assert any(".js" in name for name in files) and any(".css" in name for name in files), files
        for name in files:
            _get(server.url + name.replace("&amp;", "&"))
        for name in ("/screen", "/facilitator"):
            _get(server.url + name)

        phones = [SocketPhone(server.url, code) for _ in range(3)]
        arrive = console.push("arrive")
        for n, phone in enumerate(phones):
            assert phone.call(events.ANSWER, {"item_id": arrive, "value": n})["ok"]
        console.do(events.REVEAL_POLL, item_id=arrive)
        for phone in phones:
            phone.wait_for(events.ITEM, check=lambda item: (item["item"] or {}).get("result") is not None)
        console.do(events.END_MEETING)
        summary = _get(f"{server.url}/facilitator/export/1.md")
        assert "How are you arriving tonight?" in summary
        for client in (*phones, console):
            client.close()
    finally:
        code = server.stop()
    output = server.output()
    assert code == 0, output
    assert "No network found" in output  # and the terminal says how to make one (a hotspot)
    print("an evening without a network: done")


def _get(url):
    """A page or file from the server, which must answer 200."""
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200, url
        return response.read().decode("utf-8", errors="replace")
