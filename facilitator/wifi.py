"""The room's Wi-Fi, for `fireside --wifi NAME`: the QR code phones join it by, and its saved password.

Where there is no Wi-Fi, the laptop's own hotspot is the room's network (docs/rooms.md). The
projector then shows two steps: a standard Wi-Fi QR code (this module's `qr_payload`), and the
join QR code. The password is the room's to see, on the projector; it is kept only here, in
memory, and in `wifi.toml` in the data folder (owner-only) when the facilitator asks for that.
It never reaches the database, a log line, an export or anything sent to a phone
(docs/security.md, "The room's Wi-Fi").
"""

import contextlib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from facilitator import instance

CONFIG_FILE = "wifi.toml"
MAX_NAME_BYTES = 32  # an SSID is at most 32 bytes (IEEE 802.11)
# The Wi-Fi QR format escapes these with a backslash (ZXing's "WIFI:" format, which phones' cameras read).
_SPECIAL = re.compile(r'([\\;,:"])')


class WifiError(Exception):
    """A Wi-Fi name, password or config file Fireside cannot use, with a sentence saying what to do."""


@dataclass(frozen=True)
class Wifi:
    """The room's network: its name, and its password ("" for an open network)."""

    name: str
    password: str = ""

    def __repr__(self):
        """Never the password: a traceback or a debug print shows only the name."""
        return f"Wifi(name={self.name!r}, password={'set' if self.password else 'none'})"

    @property
    def is_open(self):
        """Whether the network has no password."""
        return not self.password


def escape(text):
    """A name or password as the Wi-Fi QR format writes it: backslash before \\ ; , : and "."""
    return _SPECIAL.sub(r"\\\1", text)


def qr_payload(wifi):
    """The text of a standard Wi-Fi QR code, which a phone's camera offers to join.

    `WIFI:T:WPA;S:<name>;P:<password>;;` (WPA covers WPA2 and WPA3 on phones), or
    `WIFI:T:nopass;S:<name>;;` for an open network. Names that look like hexadecimal are not put in
    quotes: phones take the name as text, and some would keep the quotes as part of it.
    """
    if wifi.is_open:
        return f"WIFI:T:nopass;S:{escape(wifi.name)};;"
    return f"WIFI:T:WPA;S:{escape(wifi.name)};P:{escape(wifi.password)};;"


def check_name(name):
    """The network name, or WifiError with a sentence when no phone could join a network by it."""
    if not name or not name.strip():
        raise WifiError('the Wi-Fi name is empty. Give the network\'s name as phones list it, '
                        'e.g. fireside --wifi "Fireside Hall".')
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise WifiError(f'"{name}" is too long for a Wi-Fi name (at most {MAX_NAME_BYTES} bytes). Give the '
                        "network's name exactly as phones list it.")
    return name


def check_password(password):
    """The password, or WifiError with a sentence when no WPA network could have it ("" is an open network)."""
    if password == "":
        return password
    if len(password) == 64 and re.fullmatch(r"[0-9A-Fa-f]{64}", password):
        return password  # a raw 256-bit key, written in hexadecimal
    if not 8 <= len(password) <= 63:
        raise WifiError(f"a Wi-Fi password has 8 to 63 characters, and this one has {len(password)}. "
                        "Type it again as the hotspot shows it (or press Enter alone for an open network).")
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise WifiError("a Wi-Fi password cannot hold control characters. Type it again as the hotspot shows it.")
    return password


def config_path(data_dir):
    """Where the saved Wi-Fi passwords live in a data folder."""
    return Path(data_dir) / CONFIG_FILE


def load(data_dir):
    """The networks saved in the data folder's wifi.toml, by name (empty when there is no file)."""
    path = config_path(data_dir)
    if not path.exists():
        return {}
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)  # copied in by hand, it may have arrived readable by all
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise WifiError(f"Fireside cannot read {path} ({error.strerror or error}). Fix its permissions, or "
                        "move it aside and start again: Fireside asks for the password.") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise WifiError(f"{path} is not a Wi-Fi list Fireside can read ({error}). Fix it in a text editor, or "
                        "move it aside and start again: Fireside asks for the password.") from error
    entries = data.get("network", [])
    networks = {}
    for n, entry in enumerate(entries if isinstance(entries, list) else [None], 1):
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                and isinstance(entry.get("password", ""), str)):
            raise WifiError(f"{path}: network {n} needs a name and a password written in quotes "
                            '(name = "Fireside Hall" and password = "…"). Fix it in a text editor, or move '
                            "the file aside and start again.")
        networks[entry["name"]] = Wifi(entry["name"], entry.get("password", ""))
    return networks


def _toml_string(text):
    """A TOML basic string: quotes, backslashes and control characters escaped; everything else as is."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 32 or ord(c) == 127:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


HEADER = """\
# The Wi-Fi networks `fireside --wifi NAME` shows on the projector, with their passwords.
# Only your user can read this file. To change a password, edit it here; to be asked again, delete
# the network's three lines (or the whole file). An open network has password = "".
"""


def save(data_dir, wifi):
    """Keep a network's password in the data folder's wifi.toml (mode 0600), replacing an older one of that name."""
    path = config_path(data_dir)
    networks = load(data_dir)
    networks[wifi.name] = wifi
    text = HEADER + "".join(f"\n[[network]]\nname = {_toml_string(w.name)}\npassword = {_toml_string(w.password)}\n"
                            for w in networks.values())
    try:
        instance.write_private(path, text)  # whole or not at all: a half-written list would lose the others
    except OSError as error:
        raise WifiError(f"Fireside cannot write {path} ({error.strerror or error}). The password is used "
                        "tonight but not kept: free some space or fix the folder's permissions.") from error
    return path
