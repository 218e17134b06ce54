"""The laptop's address on the room's network, the join URL, and QR codes to reach it."""

import io
import ipaddress
import re
import shutil
import socket
import subprocess

import qrcode
import qrcode.image.svg

NO_NETWORK_HELP = (
    "No network found, so phones cannot reach this laptop yet.\n"
    "  - If the room has Wi-Fi: connect the laptop to it; phones join the same Wi-Fi.\n"
    "  - If it has none: turn on the hotspot of a phone, connect this laptop to it, and let the\n"
    "    men join that hotspot. No internet is needed: Fireside only uses the local network.\n"
    "  Then restart fireside (Ctrl-C, then run it again)."
)


def _usable(address):
    """A private or link-local IPv4 address other devices in the room could reach."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_multicast)


def _from_ip_command():
    """Linux: the addresses the `ip` tool lists."""
    if not shutil.which("ip"):
        return []
    try:
        out = subprocess.run(["ip", "-o", "-4", "addr", "show", "up"], capture_output=True, text=True,
                             timeout=2).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)


def _from_hostname():
    """Any system: the addresses the laptop's own name resolves to."""
    try:
        return [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
    except OSError:
        return []


def _from_route():
    """Any system: the address the default route would leave from (a UDP connect sends nothing)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, and connect() sends no packet
            return [probe.getsockname()[0]]
    except OSError:
        return []


def lan_address():
    """The laptop's address on the local network, or None when it has none."""
    for finder in (_from_ip_command, _from_hostname, _from_route):
        for address in finder():
            if _usable(address):
                return address
    return None


def base_url(host, port):
    """http://host:port, with IPv6 addresses in brackets."""
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def join_url(base, code):
    """The address a phone opens to join this meeting."""
    return f"{base.rstrip('/')}/j/{code}"


def qr_svg(text):
    """A QR code as a standalone SVG document (scales to any size, works offline)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, border=2)
    out = io.BytesIO()
    image.save(out)
    # Drop the fixed millimetre size so the page decides how big the code is drawn.
    return re.sub(r' (width|height)="[^"]*mm"', "", out.getvalue().decode(), count=2)


def qr_terminal(text):
    """A QR code drawn with block characters, two modules per character row, light on dark safe."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    lines = []
    for top, bottom in zip(matrix[0::2], matrix[1::2]):
        # Dark modules are drawn as spaces and light ones as blocks, so it reads on dark terminals.
        line = "".join(
            {(False, False): "\u2588", (True, True): " ", (False, True): "\u2580", (True, False): "\u2584"}[(t, b)]
            for t, b in zip(top, bottom)
        )
        lines.append(line)
    return "\n".join(lines)
