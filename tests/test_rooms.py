"""A room with no Wi-Fi: the laptop's hotspot as the room's network (`fireside --wifi`), docs/rooms.md.

The Wi-Fi QR code and its escaping, the saved password, the address phones are sent to (chosen
from fake interface lists: the one seam), what the terminal and the projector say, and that the
password goes nowhere else.
"""

import json
import os
import re
import socket
import stat

import pytest
import qrcode
from conftest import examples, hold_an_evening, run_fireside
from hypothesis import given, settings
from hypothesis import strategies as st

from facilitator import cli, create_app, events, export, lan, wifi
from facilitator.lan import Interface
from facilitator.wifi import Wifi

PASSWORD = "Ember;glow,42:\"quiet\"\\room"  # every character the format escapes, so it shows if it leaks


def read_wifi_qr(text):
    """Read a Wi-Fi QR payload as a phone does (ZXing's rules): fields split at unescaped ';', backslash escapes."""
    assert text.startswith("WIFI:") and text.endswith(";;")
    fields, field, escaped = {}, "", False
    for char in text[len("WIFI:"):-1]:
        if escaped:
            field, escaped = field + char, False
        elif char == "\\":
            escaped = True
        elif char == ";":
            key, _, value = field.partition(":")
            fields[key] = value
            field = ""
        else:
            field += char
    return fields


# --- the Wi-Fi QR code ----------------------------------------------------------------------------------

def test_the_wifi_qr_escapes_backslash_semicolon_comma_colon_and_quotes():
    network = Wifi('The "Hall"; back,room: 2\\3', PASSWORD)
    payload = wifi.qr_payload(network)
    assert payload == ('WIFI:T:WPA;S:The \\"Hall\\"\\; back\\,room\\: 2\\\\3;'
                       'P:Ember\\;glow\\,42\\:\\"quiet\\"\\\\room;;')
    assert read_wifi_qr(payload) == {"T": "WPA", "S": network.name, "P": PASSWORD}


def test_an_open_network_gets_a_nopass_qr_without_a_password_field():
    assert wifi.qr_payload(Wifi("Fireside Hall")) == "WIFI:T:nopass;S:Fireside Hall;;"


def test_a_name_that_is_not_ascii_is_kept_as_it_is_and_encoded_in_utf8():
    network = Wifi("Salón Ñandú ☕", "contraseña-1")
    payload = wifi.qr_payload(network)
    assert payload == "WIFI:T:WPA;S:Salón Ñandú ☕;P:contraseña-1;;"
    code = qrcode.QRCode()
    code.add_data(payload)
    assert code.data_list[0].data == payload.encode("utf-8")  # what a phone's camera decodes as UTF-8
    assert "<svg" in lan.qr_svg(payload)


@settings(max_examples=examples(300), deadline=None)
@given(name=st.text(min_size=1, max_size=32), password=st.text(min_size=8, max_size=63))
def test_whatever_the_name_and_password_a_phone_reads_them_back_exactly(name, password):
    assert read_wifi_qr(wifi.qr_payload(Wifi(name, password))) == {"T": "WPA", "S": name, "P": password}


def test_a_name_or_password_no_network_could_have_is_refused_with_a_sentence():
    for bad in ("", "   ", "x" * 33, "é" * 17):  # 17 × 2 bytes: one past the 32 an SSID may hold
        with pytest.raises(wifi.WifiError, match="Wi-Fi name"):
            wifi.check_name(bad)
    assert wifi.check_name("é" * 16) == "é" * 16
    for bad in ("short", "x" * 64, "tab\there-ok-but-not-newline\n"):
        with pytest.raises(wifi.WifiError, match="Type it again"):
            wifi.check_password(bad)
    for good in ("", "12345678", "x" * 63, "ab" * 32):  # open, shortest, longest, a 64-digit hex key
        assert wifi.check_password(good) == good


def test_the_password_does_not_show_in_a_debug_print_of_the_network():
    assert PASSWORD not in repr(Wifi("Hall", PASSWORD)) and "Hall" in repr(Wifi("Hall", PASSWORD))


# --- the saved password ---------------------------------------------------------------------------------

def test_a_saved_password_is_owner_only_and_read_back_exactly_beside_other_networks(tmp_path):
    wifi.save(tmp_path, Wifi("Fireside Hall", PASSWORD))
    wifi.save(tmp_path, Wifi("Salón \"B\"", ""))
    wifi.save(tmp_path, Wifi("Fireside Hall", "a new one then"))
    path = tmp_path / "wifi.toml"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert wifi.load(tmp_path) == {"Fireside Hall": Wifi("Fireside Hall", "a new one then"),
                                   "Salón \"B\"": Wifi("Salón \"B\"", "")}
    assert "edit it here" in path.read_text()  # the file says how to change it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wifi.toml"]  # no temporary file left


def test_a_password_file_copied_in_readable_by_all_is_made_owner_only(tmp_path):
    path = tmp_path / "wifi.toml"
    path.write_text('[[network]]\nname = "Hall"\npassword = "12345678"\n')
    os.chmod(path, 0o644)
    assert wifi.load(tmp_path) == {"Hall": Wifi("Hall", "12345678")}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_damaged_password_file_is_named_with_what_to_do(tmp_path):
    path = tmp_path / "wifi.toml"
    for damaged in ('[[network]]\nname = "Hall\n', '[[network]]\npassword = "12345678"\n', "network = 3\n"):
        path.write_text(damaged)
        with pytest.raises(wifi.WifiError) as raised:
            wifi.load(tmp_path)
        assert str(path) in str(raised.value) and "text editor" in str(raised.value)


@pytest.fixture
def serve_here(monkeypatch):
    """`fireside serve` run in this process, as far as a taken port: threads, not gevent, and the umask kept.

    Past the Wi-Fi step, serve sets the umask and prepares its server; under gevent that would make
    this whole test process cooperative (monkey-patched) for every test after it.
    """
    monkeypatch.setenv("FIRESIDE_ASYNC_MODE", "threading")
    umask = os.umask(0o022)
    os.umask(umask)
    yield
    os.umask(umask)


def _port_in_use():
    """A listening socket on loopback, so `fireside serve` stops plainly after the Wi-Fi step."""
    held = socket.create_server(("127.0.0.1", 0))
    return held, held.getsockname()[1]


def test_fireside_wifi_asks_the_password_hidden_twice_and_keeps_it_owner_only_when_told(tmp_path, serve_here):
    held, port = _port_in_use()
    with held:
        result = run_fireside_with_input(f"{PASSWORD}\n{PASSWORD}\ny\n", "--wifi", "Fireside Hall", "--host",
                                         "127.0.0.1", "--port", port, "--data", tmp_path, "--no-browser")
    assert 'Password of the Wi-Fi "Fireside Hall"' in result.stdout and "Type it again" in result.stdout
    assert PASSWORD not in result.output  # hidden as he types, and never printed back
    assert "Keep it in" in result.stdout and "Kept." in result.stdout
    assert wifi.load(tmp_path) == {"Fireside Hall": Wifi("Fireside Hall", PASSWORD)}
    assert stat.S_IMODE(os.stat(tmp_path / "wifi.toml").st_mode) == 0o600
    assert result.exit_code == 2 and f"port {port} is already in use" in result.stderr  # then it went on


def test_a_kept_password_is_not_asked_again_and_one_not_kept_is_used_once(tmp_path, serve_here):
    held, port = _port_in_use()
    args = ("--host", "127.0.0.1", "--port", port, "--data", tmp_path, "--no-browser")
    with held:
        once = run_fireside_with_input("12345678\n12345678\nn\n", "--wifi", "Hall", *args)
        assert "Password of the Wi-Fi" in once.stdout and not (tmp_path / "wifi.toml").exists()
        wifi.save(tmp_path, Wifi("Hall", "12345678"))
        again = run_fireside_with_input("", "--wifi", "Hall", *args)
    assert "Password of" not in again.stdout and "already in use" in again.stderr
    assert f"its password is the one kept in {tmp_path / 'wifi.toml'}" in again.stdout


def test_a_password_too_short_is_asked_again_with_a_sentence(tmp_path, serve_here):
    held, port = _port_in_use()
    with held:
        result = run_fireside_with_input("short\nshort\n12345678\n12345678\nn\n", "--wifi", "Hall", "--port", port,
                                         "--host", "127.0.0.1", "--data", tmp_path)
    assert "a Wi-Fi password has 8 to 63 characters, and this one has 5" in result.stderr
    assert result.stdout.count("Password of the Wi-Fi") == 2 and "already in use" in result.stderr


def test_without_a_terminal_and_no_saved_password_fireside_says_how_to_save_one(tmp_path, serve_here):
    result = run_fireside_with_input("", "--wifi", "Fireside Hall", "--data", tmp_path, "--no-browser")
    assert result.exit_code == 2
    assert 'no password is saved for the Wi-Fi "Fireside Hall"' in result.stderr
    assert 'fireside --wifi "Fireside Hall" once in a terminal' in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "fireside.db").exists()


def test_the_password_cannot_be_given_on_the_command_line():
    assert not [p for p in cli.serve.params if "pass" in p.name or "key" in p.name]
    result = run_fireside("--wifi", "Hall", "--password", "12345678")
    assert result.exit_code == 2 and "No such option" in result.stderr


def run_fireside_with_input(text, *args):
    """The `fireside` command line, with text typed at its prompts."""
    from click.testing import CliRunner

    return CliRunner().invoke(cli.fireside, [str(arg) for arg in args], input=text, catch_exceptions=False)


# --- the address phones are sent to ---------------------------------------------------------------------

LAN = Interface("wlp3s0", "192.168.1.23")
DOCKER = Interface("docker0", "172.17.0.1")
LOOPBACK = Interface("lo", "127.0.0.1")


@pytest.mark.parametrize("hotspot", [
    Interface("wlp2s0", "10.42.0.1"),                           # NetworkManager: nmcli device wifi hotspot
    Interface("Local Area Connection* 10", "192.168.137.1"),    # Windows: Mobile hotspot
    Interface("bridge100", "192.168.2.1"),                      # macOS: Internet Sharing
    Interface("bridge101", "192.168.3.1"),                      # macOS, a second sharing bridge
    Interface("ap0", "192.168.12.1"),                           # hostapd by hand
], ids=["networkmanager", "windows", "macos", "macos-other-bridge", "hostapd"])
def test_with_wifi_phones_are_sent_to_the_laptops_hotspot_not_its_other_networks(hotspot):
    found = [LOOPBACK, DOCKER, LAN, hotspot]
    assert lan.choose(found, hotspot=True) == hotspot
    assert lan.lan_address(hotspot=True, found=found) == hotspot.address
    assert lan.choose(found, hotspot=False) == LAN  # without --wifi: the network the laptop is on


def test_networks_inside_the_laptop_and_link_local_addresses_come_last():
    inside = [LOOPBACK, DOCKER, Interface("veth12@if3", "172.18.0.1"), Interface("tailscale0", "100.64.0.7"),
              Interface("vEthernet (WSL)", "172.29.64.1"), Interface("en7", "169.254.10.20")]
    assert lan.choose([*inside, LAN], hotspot=False) == LAN
    assert lan.choose([*inside, LAN], hotspot=True) == LAN  # no hotspot here: the room's network is the LAN
    assert lan.choose(inside, hotspot=False) == Interface("en7", "169.254.10.20")
    assert lan.choose([LOOPBACK, Interface("", "0.0.0.0")], hotspot=True) is None


def test_the_systems_own_lists_of_interfaces_are_read_with_their_names():
    linux = ("1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
             "3: wlp2s0    inet 10.42.0.1/24 brd 10.42.0.255 scope global noprefixroute wlp2s0\\  valid_lft\n"
             "5: veth1@if4    inet 172.18.0.1/16 scope global veth1\\ valid_lft forever\n")
    assert lan.parse_ip(linux) == [LOOPBACK, Interface("wlp2s0", "10.42.0.1"), Interface("veth1", "172.18.0.1")]
    macos = ("lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 16384\n\tinet 127.0.0.1 netmask 0xff000000\n"
             "en0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
             "\tinet6 fe80::1%en0 prefixlen 64 scopeid 0x4\n"
             "\tinet 192.168.1.23 netmask 0xffffff00 broadcast 192.168.1.255\n"
             "bridge100: flags=8a63<UP,BROADCAST,SMART,RUNNING,ALLMULTI,SIMPLEX,MULTICAST> mtu 1500\n"
             "\tether 3e:22:fb:1a:2b:64\n\tinet 192.168.2.1 netmask 0xffffff00 broadcast 192.168.2.255\n")
    assert lan.parse_ifconfig(macos) == [Interface("lo0", "127.0.0.1"), Interface("en0", "192.168.1.23"),
                                         Interface("bridge100", "192.168.2.1")]
    windows = ("\r\nWindows IP Configuration\r\n\r\n\r\nWireless LAN adapter Local Area Connection* 10:\r\n\r\n"
               "   Connection-specific DNS Suffix  . : \r\n"
               "   IPv4 Address. . . . . . . . . . . : 192.168.137.1\r\n"
               "   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n\r\n"
               "Drahtlos-LAN-Adapter WLAN:\r\n\r\n"
               "   IPv4-Adresse  . . . . . . . . . . : 192.168.1.23(Bevorzugt)\r\n"
               "   Standardgateway . . . . . . . . . : 192.168.1.1\r\n")
    assert lan.parse_ipconfig(windows) == [Interface("Wireless LAN adapter Local Area Connection* 10", "192.168.137.1"),
                                           Interface("Drahtlos-LAN-Adapter WLAN", "192.168.1.23")]
    assert lan.choose(lan.parse_ipconfig(windows), hotspot=True).address == "192.168.137.1"


def test_url_and_host_say_where_phones_are_sent_before_any_guess():
    found = [LAN, Interface("wlp2s0", "10.42.0.1")]
    assert cli.join_address("0.0.0.0", None, True, found) == ("10.42.0.1", found[1])
    assert cli.join_address("0.0.0.0", None, False, found) == ("192.168.1.23", LAN)
    assert cli.join_address("192.168.1.23", None, True, found) == ("192.168.1.23", None)  # --host
    assert cli.join_address("0.0.0.0", "http://fireside.lan:8765", True, found) == ("fireside.lan", None)  # --url
    assert cli.join_address("127.0.0.1", None, True, [LOOPBACK]) == (None, None)


def test_a_url_phones_could_not_open_is_refused_with_how_to_write_it(tmp_path, serve_here):
    for bad in ("10.42.0.1:8765", "ftp://10.42.0.1", "http://10.42.0.1:8765/screen", "http://:80", "http://x:99999"):
        result = run_fireside("--url", bad, "--data", tmp_path, "--no-browser")
        assert result.exit_code == 2 and "Write it as http://ADDRESS:PORT" in result.stderr, bad
    assert cli._checked_url("http://10.42.0.1:8765/") == "http://10.42.0.1:8765"


# --- what the terminal says -----------------------------------------------------------------------------

def wifi_app(data_dir, network=None, **config):
    """An app whose room's network is a Wi-Fi (as `fireside --wifi` makes it)."""
    return create_app({"DATA_DIR": str(data_dir), "TESTING": True, "COUNT_INTERVAL": 0,
                       "PUBLIC_URL": "http://10.42.0.1:8765", "WIFI": network or Wifi("Fireside Hall", PASSWORD),
                       **config})


def test_the_terminal_shows_the_wifi_qr_then_the_join_qr_without_the_password_in_words(data_dir):
    app = wifi_app(data_dir)
    try:
        text = cli.announcement(app, "10.42.0.1", "http://10.42.0.1:8765", 8765)
    finally:
        app.extensions["fireside"].store.close()
    step1, step2 = text.index('Step 1: phones join the Wi-Fi "Fireside Hall"'), text.index("Step 2")
    assert step1 < step2 < text.index("Phones join at:   http://10.42.0.1:8765/")
    assert lan.qr_terminal(wifi.qr_payload(app.config["WIFI"])) in text[step1:step2]
    assert lan.qr_terminal("http://10.42.0.1:8765/") in text[step2:]
    assert PASSWORD not in text and "Ember" not in text


def test_the_terminal_says_when_the_wifi_is_open_or_its_hotspot_is_off(data_dir):
    app = wifi_app(data_dir, Wifi("Open Hall"))
    try:
        assert 'join the Wi-Fi "Open Hall" (an open network)' in cli.announcement(app, "10.42.0.1", "http://x", 1)
        off = cli.announcement(app, None, "http://127.0.0.1:8765", 8765)
    finally:
        app.extensions["fireside"].store.close()
    assert 'The Wi-Fi "Open Hall" was not found on this laptop: turn its hotspot on' in off
    assert "No need to restart: Fireside looks again every few seconds" in off  # follow_network


def test_the_terminal_says_which_network_phones_are_sent_to_and_what_to_do_if_wrong():
    network = Wifi("Fireside Hall", PASSWORD)
    hotspot = cli._hotspot_note(network, "10.42.0.1", Interface("wlp2s0", "10.42.0.1"))
    assert "reach this laptop at 10.42.0.1 (its hotspot, on wlp2s0)" in hotspot
    guessed = cli._hotspot_note(network, "192.168.1.23", LAN)
    assert "does not seem to run a hotspot" in guessed and "--url" in guessed and "docs/rooms.md" in guessed


# --- what the projector gets, and where the password never goes -----------------------------------------

def test_only_the_projector_page_carries_the_wifi_and_only_the_laptop_or_the_key_gets_its_qr(data_dir):
    app = wifi_app(data_dir)
    try:
        laptop = app.test_client()
        screen = laptop.get("/screen").get_data(as_text=True)
        config = json.loads(re.search(r'id="fireside-config">(.*?)</script>', screen).group(1))
        assert config["wifi"] == {"name": "Fireside Hall", "password": PASSWORD, "qr_url": "/facilitator/wifi.svg"}
        assert "Fireside Hall" not in laptop.get("/facilitator").get_data(as_text=True)  # the console: not there
        qr = laptop.get("/facilitator/wifi.svg")
        assert qr.status_code == 200 and qr.headers["Cache-Control"] == "no-store"
        assert qr.get_data(as_text=True) == lan.qr_svg(wifi.qr_payload(app.config["WIFI"]))
        phone = app.test_client()
        phone.environ_base["REMOTE_ADDR"] = "192.168.1.40"
        assert phone.get("/facilitator/wifi.svg").status_code == 403
        assert phone.get("/screen").status_code == 403
        key = app.config["FACILITATOR_KEY"]
        assert phone.get(f"/facilitator/wifi.svg?key={key}").status_code == 200
    finally:
        app.extensions["fireside"].store.close()
    plain = create_app({"DATA_DIR": str(data_dir), "TESTING": True})
    try:
        assert plain.test_client().get("/facilitator/wifi.svg").status_code == 404
        assert '"wifi"' not in plain.test_client().get("/screen").get_data(as_text=True)
    finally:
        plain.extensions["fireside"].store.close()


def test_the_wifi_password_never_reaches_a_phone_the_database_or_an_export(data_dir):
    from conftest import Evening

    app = wifi_app(data_dir)
    try:
        evening = Evening(app)
        phones = hold_an_evening(evening)
        code = evening.room.meeting["join_code"]
        pages = [app.test_client().get(path).get_data(as_text=True) for path in ("/", f"/j/{code}")]
        arrive = evening.item_id("arrive")
        evening.do(events.PUSH_ITEM, item_id=arrive)
        evening.do(events.REVEAL_POLL, item_id=arrive)
        evening.do(events.END_MEETING)
        meeting_id = evening.store.meetings()[0]["id"]
        said = json.dumps([phone.received() for phone in phones]) + json.dumps(evening.console.get_received(
            events.FACILITATOR_NS))
        exports = [export.render(export.summary(evening.store, meeting_id), fmt) for fmt in export.FORMATS]
        evening.store.checkpoint()
    finally:
        app.extensions["fireside"].store.close()
    files = b"".join(path.read_bytes() for path in data_dir.iterdir() if path.is_file() and path.name != "wifi.toml")
    for secret in (PASSWORD, "Ember;glow", "Ember\\;glow"):
        assert secret not in said and secret not in "".join(pages) and secret not in "".join(exports)
        assert secret.encode() not in files
    assert "Fireside Hall" not in said  # not even the name: phones are on it already


# --- the address follows the laptop to another network ----------------------------------------------------

HALL = Interface("wlp3s0", "192.168.1.23")
HALL_AGAIN = Interface("wlp3s0", "192.168.1.57")  # the same Wi-Fi, another address after it dropped


def following_app(data_dir, found, address=None, hotspot=False):
    """An app as `fireside serve` makes it when it chose the address itself; found: the laptop's networks now."""
    return create_app({"DATA_DIR": str(data_dir), "TESTING": True, "COUNT_INTERVAL": 0,
                       "PUBLIC_URL": lan.base_url(address or "127.0.0.1", 8765), "INTERFACES": lambda: list(found),
                       "FOLLOW_NETWORK": {"hotspot": hotspot, "port": 8765, "address": address}})


def _latest(client, name):
    """The latest message of this name a facilitator-namespace test client received."""
    got = [m["args"][0] for m in client.get_received(events.FACILITATOR_NS) if m["name"] == name]
    return got[-1] if got else None


def test_a_laptop_that_joins_the_wifi_after_starting_sends_phones_there_without_a_restart(data_dir, capsys):
    from conftest import Evening

    found = [LOOPBACK]
    app = following_app(data_dir, found)
    try:
        evening = Evening(app)
        code = evening.start()
        screen = socketio_client(app, {"view": "screen"})
        fs = app.extensions["fireside"]
        console = evening.console_state()
        assert str(fs_no_network(app)) in console["notices"]  # the console says why no phone comes
        # ...and no surface offers an address on the laptop itself, which would open nothing on a phone.
        assert console["meeting"]["join_url"] is None and _latest(screen, events.SCREEN)["meeting"]["join_url"] is None
        assert app.test_client().get("/facilitator/qr.svg").status_code == 404
        assert fs.follow_network() is False  # nothing changed: nothing is sent

        found.append(HALL)  # the facilitator connects the laptop to the hall's Wi-Fi
        screen.get_received(events.FACILITATOR_NS)
        assert fs.follow_network() is True
        join = f"http://192.168.1.23:8765/j/{code}"
        console = evening.console_state()
        assert console["meeting"]["join_url"] == join and str(fs_no_network(app)) not in console["notices"]
        assert _latest(screen, events.SCREEN)["meeting"]["join_url"] == join
        assert app.test_client().get("/facilitator/qr.svg").get_data(as_text=True) == lan.qr_svg(join)
        said = capsys.readouterr().out
        assert f"Phones now join at:   {join}" in said and lan.qr_terminal(join) in said
    finally:
        app.extensions["fireside"].store.close()


def test_a_new_address_on_the_same_wifi_and_a_lost_network_are_both_followed(data_dir, capsys):
    from conftest import Evening

    found = [LOOPBACK, HALL]
    app = following_app(data_dir, found, address=HALL.address)
    try:
        evening = Evening(app)
        code = evening.start()
        fs = app.extensions["fireside"]
        found[1] = HALL_AGAIN  # the Wi-Fi dropped and gave the laptop another address
        assert fs.follow_network() is True
        assert evening.console_state()["meeting"]["join_url"] == f"http://192.168.1.57:8765/j/{code}"
        del found[1]  # the laptop left the network altogether
        assert fs.follow_network() is True
        assert str(fs_no_network(app)) in evening.console_state()["notices"]
        assert "it is not on any network" in capsys.readouterr().out
    finally:
        app.extensions["fireside"].store.close()


def test_a_network_that_comes_along_later_does_not_take_the_room_away_from_the_wifi_it_is_on(data_dir):
    found = [HALL]
    app = following_app(data_dir, found, address=HALL.address)
    try:
        found.insert(0, Interface("enp0s31f6", "10.0.5.20"))  # a cable plugged in, listed first by the system
        assert app.extensions["fireside"].follow_network() is False
        assert app.extensions["fireside"].public_url == "http://192.168.1.23:8765"
        del found[1]  # the Wi-Fi goes: then the cable is all there is
        assert app.extensions["fireside"].follow_network() is True
        assert app.extensions["fireside"].public_url == "http://10.0.5.20:8765"
    finally:
        app.extensions["fireside"].store.close()


def test_with_wifi_a_hotspot_turned_on_late_wins_over_the_network_the_laptop_was_on(data_dir):
    found = [HALL]
    app = following_app(data_dir, found, address=HALL.address, hotspot=True)
    try:
        found.append(Interface("wlp2s0", "10.42.0.1"))
        assert app.extensions["fireside"].follow_network() is True
        assert app.extensions["fireside"].public_url == "http://10.42.0.1:8765"
    finally:
        app.extensions["fireside"].store.close()


def test_while_serving_the_laptops_networks_are_looked_at_again_every_few_seconds(data_dir):
    import time

    found = [LOOPBACK]
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "PUBLIC_URL": "http://127.0.0.1:8765",
                      "INTERFACES": lambda: list(found), "ADDRESS_CHECK_SECONDS": 0.05,
                      "FOLLOW_NETWORK": {"hotspot": False, "port": 8765, "address": None}})
    fs = app.extensions["fireside"]
    fs.watch()
    try:
        found.append(HALL)
        deadline = time.monotonic() + 5
        while fs.public_url != "http://192.168.1.23:8765" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fs.public_url == "http://192.168.1.23:8765"
    finally:
        fs.stop_watching()
        fs.store.close()


@pytest.mark.parametrize(("host", "url", "follows"), [
    ("0.0.0.0", None, True),                              # the default: Fireside chose the address
    ("::", None, True),
    ("0.0.0.0", "http://10.42.0.1:8765", False),          # --url: where phones go, whatever happens
    ("192.168.1.23", None, False),                        # --host with one of the laptop's addresses
    ("127.0.0.1", None, False),                           # the laptop alone: no phone can come anyway
])
def test_only_an_address_fireside_chose_itself_follows_the_laptop(host, url, follows):
    follow = cli.follow_network(host, url, False, "192.168.1.23", 8765)
    assert (follow == {"hotspot": False, "port": 8765, "address": "192.168.1.23"}) is follows


def test_an_address_given_is_never_replaced_by_what_the_laptop_finds(data_dir):
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "PUBLIC_URL": "http://10.42.0.1:8765",
                      "INTERFACES": lambda: [HALL_AGAIN]})
    try:
        fs = app.extensions["fireside"]
        assert fs.follow_network() is False and fs.public_url == "http://10.42.0.1:8765"
        assert not fs.on_no_network
    finally:
        app.extensions["fireside"].store.close()


def socketio_client(app, auth):
    """A facilitator-namespace client from the laptop itself."""
    from facilitator import socketio

    return socketio.test_client(app, namespace=events.FACILITATOR_NS, auth=auth, flask_test_client=app.test_client())


def fs_no_network(app):
    """The console's sentence about a laptop on no network, in the meeting's language."""
    from facilitator import broadcast, i18n

    return i18n.say(broadcast.NO_NETWORK, app.extensions["fireside"].room.language)


def test_without_the_systems_tool_an_address_the_network_names_is_used_only_if_it_is_the_laptops(
        data_dir, monkeypatch):
    """Without `ip`/`ifconfig`, the laptop's name is looked up, maybe by the hall's DNS: a forged answer
    must not send phones to another machine, now that the address is looked for every few seconds."""
    monkeypatch.setattr(lan, "_run", lambda *args: None)  # a minimal system: no tool to list interfaces
    monkeypatch.setattr(lan, "_from_route", list)
    monkeypatch.setattr(lan.socket, "getaddrinfo",
                        lambda *args, **kw: [(None, None, None, "", ("10.0.0.66", 0)), (None, None, None, "", ("127.0.0.1", 0))])
    assert lan.interfaces() == [Interface("", "127.0.0.1")]  # the forged one is dropped; the laptop's own kept
    app = following_app(data_dir, [], address=None)
    app.config["INTERFACES"] = None  # the laptop's own, as serve has it
    try:
        assert app.extensions["fireside"].follow_network() is False
        assert app.extensions["fireside"].public_url == "http://127.0.0.1:8765"
    finally:
        app.extensions["fireside"].store.close()
