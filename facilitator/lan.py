"""The laptop's address on the room's network, the join URL, and QR codes to reach it."""

import io
import ipaddress
import re
import shutil
import socket
import subprocess
import sys
from typing import NamedTuple

import qrcode
import qrcode.image.svg

NO_NETWORK_HELP = (
    "No network found, so phones cannot reach this laptop yet.\n"
    "  - If the room has Wi-Fi: connect the laptop to it; phones join the same Wi-Fi.\n"
    "  - If it has none: turn on this laptop's hotspot (docs/rooms.md says how), or join a\n"
    "    phone's hotspot, and let the men join it. No internet is needed: Fireside only uses\n"
    "    the local network. (Started as fireside --wifi \"ITS NAME\", the projector also shows\n"
    "    a QR code for joining the hotspot.)"
)


def usable(address):
    """A private or link-local IPv4 address other devices in the room could reach."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_multicast)


class Interface(NamedTuple):
    """One of the laptop's IPv4 addresses, and the network interface it is on ("" when not known)."""

    name: str
    address: str


# The laptop's own hotspot: the address each system gives itself on the network it shares.
# NetworkManager ("Hotspot", `nmcli device wifi hotspot`): 10.42.N.1; Windows (Mobile hotspot, and
# Internet Connection Sharing): 192.168.137.1; macOS (Internet Sharing): 192.168.2.1 on bridge100.
_HOTSPOT_ADDRESS = re.compile(r"^(10\.42\.\d{1,3}\.1|192\.168\.137\.1|192\.168\.2\.1)$")
_HOTSPOT_NAME = re.compile(r"^(bridge\d+|ap\d*|uap\d+|.*hotspot.*)$", re.IGNORECASE)
# Networks inside the laptop (containers, virtual machines, VPNs): no phone in the room is on them.
_VIRTUAL_NAME = re.compile(
    r"^(docker|br-|veth|virbr|vboxnet|vmnet|lxcbr|lxdbr|podman|cni|flannel|tun|tap|wg|utun|tailscale|zt|ham)"
    r"|vEthernet|VirtualBox|VMware|Hyper-V", re.IGNORECASE)  # the last ones: Windows adapters' names


def looks_like_hotspot(interface):
    """Whether an address is the laptop's own hotspot (the address or the interface name says so)."""
    return bool(_HOTSPOT_ADDRESS.match(interface.address) or _HOTSPOT_NAME.match(interface.name))


def _rank(interface, hotspot):
    """Lower is likelier the network the phones are on: the hotspot first when there is one, then the LAN."""
    if hotspot and looks_like_hotspot(interface):
        return 0
    if _VIRTUAL_NAME.search(interface.name):
        return 3
    if ipaddress.IPv4Address(interface.address).is_link_local:
        return 2  # 169.254.x.x: the laptop found no DHCP there, so the room is probably elsewhere
    return 1


def choose(found, hotspot=False):
    """The interface phones reach the laptop on, from a list of Interface, or None when none is usable.

    hotspot: the room's network is the laptop's own hotspot (`fireside --wifi`), so an interface
    that looks like one (looks_like_hotspot) comes first. Otherwise the order the system lists
    them in decides, after networks inside the laptop (containers, VPNs) and link-local addresses.
    """
    candidates = [interface for interface in found if usable(interface.address)]
    if not candidates:
        return None
    return min(candidates, key=lambda interface: _rank(interface, hotspot))  # min is stable: the first of a rank


def parse_ip(text):
    """Linux: the interfaces in `ip -o -4 addr show up`."""
    return [Interface(name.split("@")[0], address)
            for name, address in re.findall(r"^\d+:\s+(\S+)\s+inet (\d+\.\d+\.\d+\.\d+)/", text, re.MULTILINE)]


def parse_ifconfig(text):
    """macOS and BSD: the interfaces in `ifconfig`."""
    found, name = [], ""
    for line in text.splitlines():
        header = re.match(r"^(\S+?):? flags=", line)
        if header:
            name = header.group(1)
            continue
        inet = re.match(r"^\s+inet (?:addr:)?(\d+\.\d+\.\d+\.\d+)", line)
        if inet and name:
            found.append(Interface(name, inet.group(1)))
    return found


def parse_ipconfig(text):
    """Windows: the adapters in `ipconfig`, whatever the system's language (the address line says IPv4)."""
    found, name = [], ""
    for line in text.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            name = line.rstrip()[:-1].strip()  # "Wireless LAN adapter Local Area Connection* 10"
            continue
        address = re.match(r"^\s+IPv4[^:]*:\s*(\d+\.\d+\.\d+\.\d+)", line)
        if address and name:
            found.append(Interface(name, address.group(1)))
    return found


# Each system's own tool for its interfaces, and how to read what it prints.
_TOOLS = {"linux": (["ip", "-o", "-4", "addr", "show", "up"], parse_ip),
          "darwin": (["ifconfig"], parse_ifconfig),
          "win32": (["ipconfig"], parse_ipconfig)}


def _run(command, parse):
    """The interfaces a system tool lists, or None when the tool is missing or fails."""
    if not shutil.which(command[0]):
        return None
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=2, errors="replace")
    except (OSError, subprocess.SubprocessError):
        return None
    return parse(done.stdout or "") if done.returncode == 0 else None


def _from_hostname():
    """Any system: the addresses the laptop's own name resolves to, those that are really its own.

    The name may be asked of the network's DNS server, whose answer anyone on the network could
    forge: an address is kept only when the laptop can bind a socket to it, which only its own allow.
    """
    try:
        found = [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
    except OSError:
        return []
    return [address for address in dict.fromkeys(found) if _is_own(address)]


def _is_own(address):
    """Whether an IPv4 address is one of this laptop's (binding to any other fails)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((address, 0))
            return True
    except OSError:
        return False


def _from_route():
    """Any system: the address the default route would leave from (a UDP connect sends nothing)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, and connect() sends no packet
            return [probe.getsockname()[0]]
    except OSError:
        return []


def interfaces():
    """The laptop's IPv4 addresses, with their interface names where the system's tool gives them."""
    platform = "linux" if sys.platform.startswith("linux") else "win32" if sys.platform == "win32" else "darwin"
    found = _run(*_TOOLS[platform])
    if found is None:
        # Without the tool (a minimal system), the laptop's name and its default route still give an
        # address. Only then: resolving the laptop's name may ask a DNS server, which a room may not have
        # (and whose answers are checked: _from_hostname).
        found = [Interface("", address) for address in _from_hostname() + _from_route()]
    return found


def lan_address(hotspot=False, found=None):
    """The laptop's address on the room's network (its own hotspot's, when hotspot), or None when it has none.

    found: the interfaces to choose from (default: the laptop's own, `interfaces()`).
    """
    chosen = choose(interfaces() if found is None else found, hotspot)
    return chosen.address if chosen else None


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
