"""The poll kinds Fireside knows and the limits the server checks, as prompts/schema.py defines them.

prompts/schema.py is their one home; this module only names the server's share of them, so that
the server's modules import them from inside the facilitator package.
"""

from prompts.schema import (  # noqa: F401  (re-exported)
    COMPASS_MAX,
    DEFAULT_AXES,
    DEFAULT_FLOOR,
    KIND_LABELS,
    KINDS,
    MAX_FLOOR,
    MEETING_NOTES_MAX,
    MIN_FLOOR,
    MODERATED_KINDS,
    POLL_KINDS,
    SPEC_FIELDS,
    SPOT_FIELDS,
    TEXT_MAX_CHARS,
    TITLE_MAX,
    WORDS_MAX_CHARS,
)

# The longest word or sentence the facilitator may approve: the longest answer of a moderated kind,
# after the tally's Unicode normalisation, which can make a text up to three times longer (NFC).
MODERATED_MAX_CHARS = 3 * max(TEXT_MAX_CHARS, WORDS_MAX_CHARS)
