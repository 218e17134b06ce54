"""The meeting and poll state machine, and what a valid answer is: pure, no I/O."""

import hashlib
import hmac
import re
import secrets

from facilitator.i18n import _l, _nl
from facilitator.kinds import COMPASS_MAX, MAX_FLOOR, MIN_FLOOR, POLL_KINDS, TEXT_MAX_CHARS, WORDS_MAX_CHARS

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: letters people misread on a projector or mistype on a phone.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8  # 25**8 is about 2**37: far beyond guessing, still easy to type
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class Refused(Exception):
    """An action or answer that is not allowed now; the message is said to the person.

    details are extra fields of the error answer, e.g. needs_confirm for a reopen.
    """

    def __init__(self, message, **details):
        """A message for a person, and machine-readable details for the page."""
        super().__init__(message)
        self.details = details


class MeetingEnded(Refused):
    """A phone came with the code of a meeting that has ended (an old QR code, a phone that slept through End)."""


# --- codes, keys and ballots ---------------------------------------------------

def new_join_code():
    """A fresh join code, e.g. 'K7QM-XR4P'."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text):
    """What a person typed, as the code it means: upper case, dash in the middle."""
    raw = re.sub(r"[^A-Za-z0-9]", "", str(text or "")).upper()
    if len(raw) != CODE_LENGTH:
        return None
    return f"{raw[:4]}-{raw[4:]}"


def new_meeting_key():
    """The secret that ballots of one meeting are filed under; destroyed when it ends."""
    return secrets.token_hex(32)


def new_token():
    """A phone's random token for one meeting."""
    return secrets.token_urlsafe(32)


def valid_token(token):
    """True when a token a phone sent back looks like one Fireside gave out."""
    return isinstance(token, str) and bool(TOKEN_PATTERN.match(token))


def _mac(meeting_key, message):
    """HMAC-SHA256 of a message under the meeting's key, as hex (one C call)."""
    return hmac.digest(bytes.fromhex(meeting_key), message.encode(), "sha256").hex()


def ballot_id(meeting_key, token, item_id):
    """Where a phone's answer to one poll is filed: unlinkable to its answers to other polls."""
    return _mac(meeting_key, ballot_message(token, item_id))


def ballot_message(token, item_id):
    """What a ballot id is the HMAC of."""
    return f"ballot:{token}:{item_id}"


class MeetingMac:
    """HMAC-SHA256 under one meeting's key: the same hex as _mac, for a third of its cost.

    hmac.digest looks SHA-256 up in OpenSSL on every call (about 11 µs with OpenSSL 3, against
    3 µs for this, on the project's machine). HMAC (RFC 2104) is two hashes, over the key's
    inner and outer pads and then the message, so the pads are hashed once here and copied for
    each message. The Room keeps one for the running meeting only and drops it whenever the
    meeting changes (Room._load), so nothing made from a key outlives its meeting in memory.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, meeting_key):
        """Hash the key's two pads once."""
        key = bytes.fromhex(meeting_key)
        block = hashlib.sha256().block_size
        if len(key) > block:  # as HMAC does with a key longer than a block
            key = hashlib.sha256(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = hashlib.sha256(key.translate(hmac.trans_36))
        self._outer = hashlib.sha256(key.translate(hmac.trans_5C))

    def __call__(self, message):
        """The HMAC of a message, as hex."""
        inner = self._inner.copy()
        inner.update(message.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def arrival_marker(meeting_key, token):
    """Counts a phone once per meeting without storing its token."""
    return _mac(meeting_key, f"arrival:{token}")


def word_after_marker(meeting_key, token):
    """Where a phone's "I'd like a word after" is filed: one per phone and meeting, unlinkable to its ballots."""
    return _mac(meeting_key, f"word-after:{token}")


# The console's count of "I'd like a word after" moves between a break and the close only by
# at least this many signals at once (docs/privacy.md, "A word after").
WORD_AFTER_STEP = 2


def is_break(item):
    """A break in the evening: a discussion item whose deck id says so (e.g. "break", "tea-break")."""
    return item["kind"] == "discussion" and "break" in (item.get("key") or "")


def is_closing(item):
    """The evening's closing round: an item whose deck id starts with "checkout"."""
    return (item.get("key") or "").startswith("checkout")


def clamp_floor(value):
    """The privacy floor: a whole number from MIN_FLOOR to MAX_FLOOR."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused(_l("The privacy floor must be a whole number."))
    if value < MIN_FLOOR:
        raise Refused(_l("The privacy floor cannot be lower than %(n)s.", n=MIN_FLOOR))
    if value > MAX_FLOOR:
        raise Refused(_l("The privacy floor can be at most %(n)s; above that, no result would ever be shown.",
                         n=MAX_FLOOR))
    return value


# --- states ----------------------------------------------------------------------

# (from state, action) -> to state, for polls
POLL_TRANSITIONS = {
    ("pending", "open"): "open",
    ("closed", "open"): "open",
    ("open", "close"): "closed",
    ("open", "reveal"): "revealed",
    ("closed", "reveal"): "revealed",
    ("revealed", "reopen"): "open",
}

REOPEN_WARNING = _l(
    "This poll's results have already been shown. If you reopen it, anyone who changes an answer "
    "after seeing the results could be noticed by the people around them. Reopen anyway?"
)

REOPEN_REVIEWED_WARNING = _l(
    "You have already read this poll's answers. If you open it again, a new answer would stand out "
    "when it reaches you, so it joins your list only once enough others have answered too. Open it again?"
)

# Why a poll cannot take an action in its state: one whole sentence each, so a translator can
# make the state and the action agree (next_state).
NOT_NOW = {
    ("pending", "close"): _l("This poll is not shown yet; it cannot be closed now."),
    ("pending", "reveal"): _l("This poll is not shown yet; it cannot be revealed now."),
    ("pending", "reopen"): _l("This poll is not shown yet; it cannot be reopened now."),
    ("open", "open"): _l("This poll is open; it cannot be opened now."),
    ("open", "reopen"): _l("This poll is open; it cannot be reopened now."),
    ("closed", "close"): _l("This poll is closed; it cannot be closed now."),
    ("closed", "reopen"): _l("This poll is closed; it cannot be reopened now."),
    ("revealed", "open"): _l("This poll is revealed; it cannot be opened now."),
    ("revealed", "close"): _l("This poll is revealed; it cannot be closed now."),
    ("revealed", "reveal"): _l("This poll is revealed; it cannot be revealed now."),
}


def is_poll(item):
    """Discussion prompts take no answers; every other kind does."""
    return item["kind"] in POLL_KINDS


def next_state(item, action):
    """The state an item moves to under an action, or Refused with the reason."""
    if not is_poll(item):
        raise Refused(_l("A discussion prompt has no answers to open, close or reveal."))
    to = POLL_TRANSITIONS.get((item["state"], action))
    if to is None:
        raise Refused(NOT_NOW.get((item["state"], action)) or _l("This poll cannot do that now."))
    return to


def state_on_push(item):
    """Pushing an item shows it; a poll not yet used opens as it appears."""
    if not is_poll(item):
        return "shown"
    return "open" if item["state"] == "pending" else item["state"]


# --- answers ---------------------------------------------------------------------

def check_answer_allowed(item):
    """Refuse an answer to an item that is not an open poll."""
    if not is_poll(item):
        raise Refused(_l("This is a prompt to think about; there is nothing to answer."))
    if item["state"] == "pending":
        raise Refused(_l("This poll has not been opened yet."))
    if item["state"] == "closed":
        raise Refused(_l("This poll is closed; answers are not being taken now."))
    if item["state"] == "revealed":
        raise Refused(_l("The results of this poll have been shown, so answers are locked."))
    if item["state"] != "open":
        raise Refused(_l("This poll is not open."))


def _is_int(value):
    """A JSON integer (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)


def validate_value(item, value):
    """Check an answer value against its poll; returns the value to store, or Refused."""
    kind = item["kind"]
    if kind == "choice":
        if not _is_int(value) or not 0 <= value < len(item["options"]):
            raise Refused(_l("Please choose one of the options."))
        return value
    if kind == "multi":
        limit = item.get("max") or len(item["options"])
        if not isinstance(value, list) or not value:
            raise Refused(_l("Please choose at least one option, or pass."))
        if not all(_is_int(v) and 0 <= v < len(item["options"]) for v in value):
            raise Refused(_l("One of those choices is not an option of this poll."))
        if len(set(value)) != len(value):
            raise Refused(_l("Each option can be chosen once."))
        if len(value) > limit:
            raise Refused(_l("Please choose at most %(n)s.", n=limit))
        alone = [v for v in value if v in (item.get("exclusive") or ())]
        if alone and len(value) > 1:
            raise Refused(_l("“%(option)s” is chosen on its own, not together with other options. "
                             "Untick it, or untick the others.", option=item["options"][alone[0]]))
        return sorted(value)
    if kind == "scale":
        low, high = item["scale"]["min"], item["scale"]["max"]
        if not _is_int(value) or not low <= value <= high:
            raise Refused(_l("Please choose a number from %(low)s to %(high)s.", low=low, high=high))
        return value
    if kind == "compass":
        if not isinstance(value, dict) or set(value) != {"x", "y"}:
            raise Refused(_l("Please place your dot on the field."))
        if not all(_is_int(value[a]) and 0 <= value[a] <= COMPASS_MAX for a in ("x", "y")):
            raise Refused(_l("The dot must be inside the field (0 to %(most)s on each side).", most=COMPASS_MAX))
        return {"x": value["x"], "y": value["y"]}
    if kind == "words":
        limit = item.get("max_words") or 3
        if not isinstance(value, str) or not value.strip():
            raise Refused(_l("Please type a word, or pass."))
        if len(value) > WORDS_MAX_CHARS:
            raise Refused(_l("Please keep it under %(n)s characters.", n=WORDS_MAX_CHARS))
        if len(value.split()) > limit:
            raise Refused(_nl("Please use at most %(num)s word.", "Please use at most %(num)s words.", limit))
        if broken_text(value):
            raise Refused(BROKEN_TEXT)
        return " ".join(value.split())
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise Refused(_l("Please write something, or pass."))
        if len(value) > TEXT_MAX_CHARS:
            raise Refused(_l("Please keep it to %(n)s characters.", n=TEXT_MAX_CHARS))
        if broken_text(value):
            raise Refused(BROKEN_TEXT)
        return value.strip()
    raise Refused(_l("This item takes no answers."))


BROKEN_TEXT = _l("Part of that text could not be read. Please type it again.")


def broken_text(value, depth=0):
    """True when a text, or any text inside a list or object, holds half a character (a lone surrogate).

    JSON can carry one ("\\ud800"), but no page can show it and the database cannot store it: refused
    where it arrives, it changes nothing, instead of failing later where the facilitator approves it.
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if depth > 32:  # deeper than any message Fireside takes: what reads it refuses it
        return False
    if isinstance(value, dict):
        return any(broken_text(key, depth + 1) or broken_text(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return any(broken_text(item, depth + 1) for item in value)
    return False


def parse_answer(payload):
    """Split an answer event into (item_id, value, passed), refusing anything malformed."""
    if not isinstance(payload, dict):
        raise Refused(_l("An answer must be an object with item_id and value, or item_id and pass."))
    unknown = set(payload) - {"item_id", "value", "pass"}
    if unknown:
        raise Refused(_l("Unknown field: %(field)s.", field=sorted(unknown)[0]))
    item_id = payload.get("item_id")
    if not _is_int(item_id):
        raise Refused(_l("item_id must be a whole number."))
    has_value, passed = "value" in payload, payload.get("pass")
    if "pass" in payload and passed is not True:
        raise Refused(_l("pass can only be true."))
    if has_value == bool(passed):
        raise Refused(_l("Send either an answer or a pass, not both and not neither."))
    return item_id, payload.get("value"), bool(passed)
