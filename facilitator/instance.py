"""The facilitator's data folder: where it is, and the secrets Fireside makes there on first run."""

import json
import os
import secrets
import sys
from pathlib import Path

SECRETS_FILE = "secrets.json"


class DataDirError(Exception):
    """A data folder Fireside cannot use, with a message saying what to do."""


def default_data_dir():
    """A per-user folder that survives reboots, in the place each system expects."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming") / "Fireside"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Fireside"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "fireside"


def prepare(data_dir):
    """Create the data folder (owner-only) and check that Fireside can write in it."""
    data_dir = Path(data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)
        probe = data_dir / ".fireside-write-check"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise DataDirError(
            f"Fireside cannot write in its data folder {data_dir} ({error.strerror or error}). "
            "Free some space or fix its permissions, or choose another folder with --data."
        ) from error
    return data_dir


def load_secrets(data_dir):
    """The Flask secret key and the facilitator key: made once, kept owner-only, never defaults."""
    path = Path(data_dir) / SECRETS_FILE
    if path.exists():
        try:
            stored = json.loads(path.read_text())
            if isinstance(stored.get("secret_key"), str) and isinstance(stored.get("facilitator_key"), str):
                return stored
        except (OSError, ValueError):
            pass
        raise DataDirError(
            f"{path} is damaged. Move it aside and start Fireside again: it will make new keys "
            "(a co-facilitator will need the new key)."
        )
    stored = {"secret_key": secrets.token_hex(32), "facilitator_key": secrets.token_urlsafe(18)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle)
    return stored
