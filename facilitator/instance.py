"""The facilitator's data folder: where it is, and the secrets Fireside makes there on first run."""

import contextlib
import errno
import json
import os
import secrets
import stat
import sys
import tempfile
from pathlib import Path

SECRETS_FILE = "secrets.json"
LOCK_FILE = "fireside.lock"


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
        advice = {
            errno.ENOSPC: "Free some space on that disk",
            errno.EDQUOT: "Free some space on that disk",
            errno.EROFS: "That disk is read-only: fix its permissions (or make it writable)",
            errno.ENOTDIR: "Part of that path is a file, not a folder",
            errno.EEXIST: "That path is a file, not a folder",
        }.get(error.errno, "Free some space or fix its permissions")
        raise DataDirError(
            f"Fireside cannot write in its data folder {data_dir} ({error.strerror or error}). "
            f"{advice}, or choose another folder with --data."
        ) from error
    keep_to_owner(data_dir)
    return data_dir


OWN_FILES = ("fireside.db", "fireside.db-wal", "fireside.db-shm", SECRETS_FILE, LOCK_FILE, "decks", "wifi.toml", "help.toml")


def keep_to_owner(data_dir):
    """Take away group and other access from Fireside's own files in the data folder, decks included.

    Decks a facilitator copies in with his editor arrive readable by all; Fireside's own files are
    made owner-only as they are written. Only Fireside's own names are touched (someone may point
    --data at a folder that holds other things), and symbolic links are neither changed nor followed.
    """
    folder = Path(data_dir)
    paths = [folder / name for name in OWN_FILES]
    decks = folder / "decks"
    if decks.is_dir() and not decks.is_symlink():
        with contextlib.suppress(OSError):
            paths += list(decks.iterdir())
    for path in paths:
        with contextlib.suppress(OSError):
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                os.chmod(path, stat.S_IMODE(mode) & 0o700)


def load_secrets(data_dir):
    """The Flask secret key and the facilitator key: made once, kept owner-only, never defaults."""
    path = Path(data_dir) / SECRETS_FILE
    if path.exists() or path.is_symlink():
        try:
            stored = json.loads(path.read_text())
        except OSError as error:
            raise DataDirError(
                f"Fireside cannot read its keys in {path} ({error.strerror or error}). Fix the permissions "
                "of that file, or choose another folder with --data."
            ) from error
        except ValueError:
            stored = None
        if (isinstance(stored, dict) and isinstance(stored.get("secret_key"), str)
                and isinstance(stored.get("facilitator_key"), str)
                and len(stored["secret_key"]) >= 32 and len(stored["facilitator_key"]) >= 16):
            return stored
        raise DataDirError(
            f"{path} is damaged; Fireside has not changed it. Move it aside and start Fireside again: "
            "it will make new keys (a co-facilitator will need the new key)."
        )
    stored = {"secret_key": secrets.token_hex(32), "facilitator_key": secrets.token_urlsafe(18)}
    created = False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        created = True
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        if created:
            with contextlib.suppress(OSError):
                path.unlink()  # a half-written key file would only be refused next time
        raise DataDirError(
            f"Fireside cannot write its keys to {path} ({error.strerror or error}). Free some space or "
            "fix the folder's permissions, or choose another folder with --data."
        ) from error
    return stored


def new_facilitator_key(data_dir):
    """Replace the facilitator key with a fresh one, kept owner-only; returns it.

    The old key stops working at once: a co-facilitator's link that was lost, seen by the room
    or simply no longer wanted is worth nothing after this. The file is replaced whole (a
    temporary file renamed over it), so a crash leaves the old keys or the new ones, never half.
    """
    path = Path(data_dir) / SECRETS_FILE
    stored = load_secrets(data_dir)
    stored = {**stored, "facilitator_key": secrets.token_urlsafe(18)}
    try:
        write_private(path, json.dumps(stored))
    except OSError as error:
        raise DataDirError(
            f"Fireside cannot write a new key to {path} ({error.strerror or error}). Free some space or "
            "fix the folder's permissions; the old key still works until then."
        ) from error
    return stored["facilitator_key"]


def write_private(path, text):
    """Write text to path whole or not at all, readable by the owner alone (0600); raises OSError.

    A temporary file beside it (mkstemp makes it 0600), flushed to disk, then renamed over it: a
    crash or a full disk leaves the old file or the new one, never half of either.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def hold_folder(data_dir):
    """Hold the data folder for this process until it exits; None when another Fireside holds it.

    `fireside serve` holds it while it serves, and `fireside end` while it ends a meeting: ending
    the meeting under a running server would leave that server taking answers for a meeting whose
    key is gone. The operating system lets go of the lock when the process ends, even when killed.
    Returns the open lock file, to keep (closing it lets go).
    """
    path = Path(data_dir) / LOCK_FILE
    try:
        handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b")
    except OSError as error:
        raise DataDirError(
            f"Fireside cannot write in its data folder {data_dir} ({error.strerror or error}). "
            "Fix its permissions, or choose another folder with --data."
        ) from error
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle
