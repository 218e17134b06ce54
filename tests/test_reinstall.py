"""Installing Fireside again while it serves (the README's test command after its run command) changes
nothing for the room: the server keeps serving the pages, styles and scripts it loaded at start."""

import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from conftest import RunningServer, SocketConsole, SocketPhone

from facilitator import events

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("facilitator", "participant", "prompts")


def _get(url):
    """(status, body) of a GET on the real server, an HTTP error included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _pages_and_files(base, code, meeting_id):
    """Every page of an evening, and every script and stylesheet they load, by address: their bodies."""
    got = {}
    for page in ("/", f"/j/{code}", "/screen", "/facilitator", f"/facilitator/summary/{meeting_id}",
                 "/facilitator/history", f"/facilitator/export/{meeting_id}.html"):
        status, body = _get(base + page)
        assert status == 200, page
        got[page] = body
        for address in re.findall(rb'(?:src|href)="(/[pf]/static/[^"]+)"', body):
            address = address.decode().replace("&amp;", "&")
            for variant in (address, address.split("?", 1)[0]):  # versioned, and as a bare address
                got[variant] = _get(base + variant)
    return got


def test_a_reinstall_under_the_running_server_leaves_the_room_its_pages_styles_and_scripts(data_dir, tmp_path):
    installed = tmp_path / "site-packages"
    for package in PACKAGES:
        shutil.copytree(ROOT / package, installed / package, ignore=shutil.ignore_patterns("__pycache__"))
    # Only the copy on the path: not this checkout (PYTHONSAFEPATH keeps `-m` from adding the current folder).
    server = RunningServer(data_dir, tmp_path / "server.log",
                           env={"PYTHONPATH": str(installed), "PYTHONSAFEPATH": "1"}).start()
    try:
        console = SocketConsole(server.url)
        code = console.start()["meeting"]["code"]
        phones = [SocketPhone(server.url, code) for _ in range(3)]
        arrive = console.push("arrive")
        for phone in phones:
            assert phone.call(events.ANSWER, {"item_id": arrive, "value": 1})["ok"]
        console.do(events.REVEAL_POLL, item_id=arrive)
        meeting_id = console.states[-1]["meeting"]["id"]
        console.do(events.END_MEETING)
        code = console.start()["meeting"]["code"]
        before = _pages_and_files(server.url, code, meeting_id)
        assert any(address.endswith(".js") for address in before)

        for package in PACKAGES:  # what `pip install -e .` does to the copy `pip install .` made
            shutil.rmtree(installed / package)

        after = _pages_and_files(server.url, code, meeting_id)
        assert sorted(after) == sorted(before)
        for address, body in before.items():
            if isinstance(body, tuple):
                assert after[address] == body, f"{address} answers {after[address][0]} after the reinstall"
        console.close()
    finally:
        server.stop()
    assert "Traceback" not in server.output()
