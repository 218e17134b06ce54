"""The projector's two steps with `fireside --wifi`, and a laptop that changes network, in headless Chromium
against a real server."""

import json
import os

import pytest
from conftest import RunningServer, SocketConsole, assert_accessible
from test_browser import _open, browser  # noqa: F401  (browser: the module's Chromium, a fixture)

from facilitator import lan, wifi
from facilitator.wifi import Wifi

pytestmark = pytest.mark.browser

PASSWORD = 'Ember;glow,42:"quiet"'
PROJECTORS = [(1280, 720), (1024, 768), (800, 600)]


def _loaded(page, selector):
    """Wait until an image has loaded, and check it drew (the page's CSP forbids the eval that wait_for_function polls with)."""
    from playwright.sync_api import expect

    image = page.locator(selector)
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0, f"{selector} did not load"


def _box(page, selector):
    """An element's box on the page: x, y, width, height."""
    return page.locator(selector).bounding_box()


def _inside(inner, width, height):
    """Whether a box lies wholly on a screen of that size."""
    return inner["x"] >= 0 and inner["y"] >= 0 and inner["x"] + inner["width"] <= width + 0.5 \
        and inner["y"] + inner["height"] <= height + 0.5


def _apart(one, two):
    """Whether two boxes do not overlap."""
    return (one["x"] + one["width"] <= two["x"] or two["x"] + two["width"] <= one["x"]
            or one["y"] + one["height"] <= two["y"] or two["y"] + two["height"] <= one["y"])


def test_the_projector_shows_the_wifi_then_the_meeting_as_two_steps_at_every_size(
        browser, data_dir, tmp_path):  # noqa: F811  (browser: the fixture imported above)
    from playwright.sync_api import expect

    wifi.save(data_dir, Wifi("Fireside Hall", PASSWORD))  # as the prompt keeps it
    server = RunningServer(data_dir, tmp_path / "server.log", args=["--wifi", "Fireside Hall"])
    server.args += ["--url", server.url]  # the join address, whatever network this machine is on
    server.start()
    shots = os.environ.get("FIRESIDE_SHOTS") or tmp_path
    try:
        # Before the meeting: men who arrive early can join the Wi-Fi already.
        early, _ = _open(browser, server.url + "/screen", viewport={"width": 1280, "height": 720})
        expect(early.locator("#view-idle #wifi-qr")).to_be_visible()
        expect(early.locator("#view-idle #wifi-name")).to_have_text("Fireside Hall")
        expect(early.locator("#idle-text")).to_contain_text("Fireside is ready.")
        _loaded(early, "#wifi-qr")
        assert _inside(_box(early, "#view-idle .wifi-step"), 1280, 720)
        early.screenshot(path=os.path.join(shots, "projector-wifi-before-the-meeting-1280x720.png"))
        console = SocketConsole(server.url)
        code = console.start()["meeting"]["code"]
        console.close()
        # The meeting starts: the same page moves the Wi-Fi to step 1 of two.
        expect(early.locator("#view-join #wifi-qr")).to_be_visible()
        expect(early.locator("#join-step")).to_be_visible()
        early.context.close()
        for width, height in PROJECTORS:
            screen, recorder = _open(browser, server.url + "/screen", viewport={"width": width, "height": height})
            expect(screen.locator("#join-code")).to_have_text(code)
            expect(screen.locator("#wifi-qr")).to_be_visible()
            expect(screen.locator("#wifi-step .step-title")).to_have_text("1 Join the Wi-Fi")
            expect(screen.locator("#join-step")).to_have_text("2")
            expect(screen.locator("#wifi-name")).to_have_text("Fireside Hall")
            expect(screen.locator("#wifi-password")).to_have_text(PASSWORD)
            expect(screen.locator("#wifi-open")).to_be_hidden()
            expect(screen.locator(".wifi-note")).to_have_text(
                "No internet here — if your phone asks, stay connected.")
            for image in ("#wifi-qr", "#join-qr"):
                _loaded(screen, image)
            boxes = {name: _box(screen, selector) for name, selector in
                     (("wifi-qr", "#wifi-step .join-qr"), ("wifi-text", ".wifi-text"),
                      ("join-qr", "#view-join > .join-qr"), ("join-text", ".join-text"))}
            for name, box in boxes.items():
                assert _inside(box, width, height), f"{name} runs off a {width}x{height} screen: {box}"
            names = list(boxes)
            for n, one in enumerate(names):
                for other in names[n + 1:]:
                    assert _apart(boxes[one], boxes[other]), f"{one} and {other} overlap at {width}x{height}"
            wifi_qr, join_qr = _box(screen, "#wifi-qr"), _box(screen, "#join-qr")
            assert wifi_qr["y"] < join_qr["y"]  # step 1 above step 2
            assert min(wifi_qr["width"], join_qr["width"]) >= 0.28 * height  # big enough from the back row
            screen.screenshot(path=os.path.join(shots, f"projector-two-steps-{width}x{height}.png"))
            assert recorder.foreign(server.url) == [] and recorder.errors == []
            screen.context.close()
        # An item up: latecomers get both codes, small, in the corner.
        console = SocketConsole(server.url)
        console.wait_for(lambda state: state["meeting"] is not None)
        console.push("arrive")
        console.close()
        late, _ = _open(browser, server.url + "/screen", viewport={"width": 1280, "height": 720})
        expect(late.locator("#corner-wifi-qr")).to_be_visible()
        expect(late.locator("#corner-qr")).to_be_visible()
        _loaded(late, "#corner-wifi-qr")
        assert _box(late, "#corner-wifi-qr")["y"] < _box(late, "#corner-qr")["y"]
        assert _inside(_box(late, "#corner"), 1280, 720) and _apart(_box(late, "#corner"), _box(late, "#item-prompt"))
        late.screenshot(path=os.path.join(shots, "projector-wifi-latecomers-1280x720.png"))
        late.context.close()
        plain = browser.new_context()
        served = plain.request.get(server.url + "/facilitator/wifi.svg")
        assert served.ok and served.text() == lan.qr_svg(wifi.qr_payload(Wifi("Fireside Hall", PASSWORD)))
        plain.close()
    finally:
        server.stop()
    output = server.output()
    assert 'Step 1: phones join the Wi-Fi "Fireside Hall"' in output and "Step 2" in output
    assert PASSWORD not in output and "Ember" not in output  # its QR code, yes; its letters, never


# The laptop's networks as the server sees them, from a file the test rewrites: the one seam where a
# test cannot move a real laptop from one Wi-Fi to another (a sitecustomize in the server's process).
NETWORKS_SEAM = '''
import json, os
from facilitator import lan

def interfaces():
    with open(os.environ["FIRESIDE_TEST_NETWORKS"], encoding="utf-8") as file:
        return [lan.Interface(*pair) for pair in json.load(file)]

lan.interfaces = interfaces
'''


def test_the_projector_waits_for_a_network_then_follows_the_laptop_from_one_address_to_another(
        browser, data_dir, tmp_path):  # noqa: F811  (browser: the fixture imported above)
    from playwright.sync_api import expect

    seam = tmp_path / "seam"
    seam.mkdir()
    (seam / "sitecustomize.py").write_text(NETWORKS_SEAM, encoding="utf-8")
    networks = tmp_path / "networks.json"
    networks.write_text(json.dumps([["lo", "127.0.0.1"]]), encoding="utf-8")
    server = RunningServer(data_dir, tmp_path / "server.log",
                           env={"PYTHONPATH": os.pathsep.join([str(seam), os.environ.get("PYTHONPATH", "")]),
                                "FIRESIDE_TEST_NETWORKS": str(networks)},
                           config={"ADDRESS_CHECK_SECONDS": 0.2, "FOLLOW_NETWORK": {"hotspot": False, "address": None}})
    server.config["FOLLOW_NETWORK"]["port"] = server.port
    server.start()
    try:
        console = SocketConsole(server.url)
        code = console.start()["meeting"]["code"]
        screen, recorder = _open(browser, server.url + "/screen", viewport={"width": 1280, "height": 720})
        # On no network: one calm sentence, and nothing that would send a phone nowhere.
        expect(screen.locator("#join-waiting")).to_have_text(
            "Almost ready: this laptop is joining the room's network. The code to join appears here in a moment.")
        for nowhere in ("#join-qr", "#join-code", "#join-url"):
            expect(screen.locator(nowhere)).to_be_hidden()
        expect(screen.locator("#view-join")).to_have_accessible_name(
            "Almost ready: this laptop is joining the room's network. The code to join appears here in a moment.")
        assert_accessible(screen, "the projector while the laptop is on no network")

        networks.write_text(json.dumps([["lo", "127.0.0.1"], ["wlp3s0", "192.168.1.23"]]), encoding="utf-8")
        expect(screen.locator("#join-url")).to_have_text(f"192.168.1.23:{server.port}")
        expect(screen.locator("#join-code")).to_have_text(code)
        expect(screen.locator("#join-waiting")).to_be_hidden()
        _loaded(screen, "#join-qr")
        first = screen.locator("#join-qr").get_attribute("src")

        # The Wi-Fi drops and gives the laptop another address: the same code, a new QR code.
        networks.write_text(json.dumps([["lo", "127.0.0.1"], ["wlp3s0", "192.168.1.57"]]), encoding="utf-8")
        expect(screen.locator("#join-url")).to_have_text(f"192.168.1.57:{server.port}")
        expect(screen.locator("#join-qr")).not_to_have_attribute("src", first)
        _loaded(screen, "#join-qr")
        assert f"Phones now join at:   http://192.168.1.57:{server.port}/j/{code}" in server.output()
        assert recorder.errors == []
        console.close()
    finally:
        server.stop()
