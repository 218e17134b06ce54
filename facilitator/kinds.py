"""The poll kinds Fireside knows, and which of them take answers."""

KINDS = ("choice", "multi", "scale", "compass", "words", "text", "discussion")
POLL_KINDS = tuple(kind for kind in KINDS if kind != "discussion")
MODERATED_KINDS = ("words", "text")
DEFAULT_FLOOR = 3
MIN_FLOOR = 3
TEXT_MAX_CHARS = 280
WORDS_MAX_CHARS = 60
COMPASS_MAX = 100
