"""The one schema of a deck and of a deck item.

A deck item is written in "deck form" (the fields of an ``[[items]]`` table in a deck file, or the
payload of the console's ``add_item``). ``validate_item`` checks one item and turns it into the
normalised item the server uses (the "item" shape of docs/protocol.md, plus ``note`` and
``minutes``). ``validate_deck`` checks a whole parsed deck file.

Every problem is one plain sentence that names where it is: the file, the item id and the field,
e.g. ``evening.toml, item 'tonight': scale min 10 is not below max 5``.

It is also the one home of what Fireside knows about kinds and limits: the kinds and their labels,
the fields an item carries, and every limit (of decks and items, of answers, of a meeting). The
server imports them from here (``facilitator.kinds`` re-exports the server's share), and every page
reads them from its JSON config block (``for_pages``), so server, pages and docs cannot disagree.

This module is pure: no files, no server, no import from ``facilitator``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

# --- limits ------------------------------------------------------------------------------------

# A deck and its items.
ID_MAX = 40
TITLE_MAX = 80  # a deck's title, and a meeting's: one line on a phone's header and the projector
SUMMARY_MAX = 600
PROMPT_MAX = 300
OPTION_MAX = 80
LABEL_MAX = 40
NOTE_MAX = 1000
OPTIONS_MIN = 2
OPTIONS_MAX = 12
SCALE_POINTS_MAX = 11
SCALE_LIMIT = 1000
WORDS_DEFAULT = 3
WORDS_MIN = 1
WORDS_MAX = 5
ITEM_MINUTES_MAX = 180
DECK_MINUTES_MAX = 600
DECK_ITEMS_MAX = 60

# Answers.
TEXT_MAX_CHARS = 280  # a sentence
WORDS_MAX_CHARS = 60  # a few words, spaces included
COMPASS_MAX = 100  # each axis of the compass runs from 0 to this

# A meeting.
DEFAULT_FLOOR = 3
MIN_FLOOR = 3  # never lower: a result from two men tells each what the other said
MAX_FLOOR = 100  # ample even for a hall of 1,000 phones; in a group of 5 to 20 men, more hides every result
MEETING_NOTES_MAX = 5000  # the facilitator's notes: even at 6 bytes a character in JSON, one 32 KiB message

DEFAULT_AXES = {"x": "Connection", "y": "Space to myself", "low": "A little", "high": "A lot"}
DEFAULT_LANGUAGE = "en"  # a deck that names no language is written in English
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")  # a language's code: "es", "pt"; which ones Fireside speaks, the loader knows

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


# --- the fields --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of an item in deck form."""

    name: str
    kinds: tuple[str, ...]  # the kinds that take it; every kind when empty
    required: bool
    help: str


# The order of this mapping is the order of facilitator.kinds.KINDS.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "choice": ("options",),
    "multi": ("options", "max"),
    "scale": ("scale_min", "scale_max", "min_label", "max_label"),
    "compass": ("x_label", "y_label", "low_label", "high_label"),
    "words": ("max_words",),
    "text": (),
    "discussion": (),
}
KINDS = tuple(KIND_FIELDS)
POLL_KINDS = tuple(kind for kind in KINDS if kind != "discussion")
MODERATED_KINDS = ("words", "text")  # shown only once the facilitator approves them

# What each kind is called on the console and in summaries, and what a phone does with it.
KIND_LABELS = {"choice": "One choice", "multi": "Several choices", "scale": "Scale", "compass": "Compass",
               "words": "A few words", "text": "A sentence", "discussion": "Discussion"}
KIND_HINTS = {"choice": "each man picks one option", "multi": "each picks up to a number of options",
              "scale": "a point on a scale", "compass": "how much connection, how much space",
              "words": "a word or a few", "text": "a short sentence", "discussion": "a prompt, no answers"}

# What a normalised item carries for its kind (validate_item below); the store, the room and the
# summary keep and show exactly these.
SPEC_FIELDS = ("options", "max", "scale", "axes", "max_words", "exclusive")

# The flags an option of a multi item may carry, written as an inline table in place of its text:
# options = ["Closeness", "Space", { text = "None of these", exclusive = true }]. An exclusive
# option is chosen alone: the phone unticks the others, and the server refuses it with any other.
# A normalised multi item lists the indexes of its exclusive options under "exclusive" (only when
# it has one).
OPTION_FLAGS = ("exclusive",)

ITEM_FIELDS: tuple[Field, ...] = (
    Field("id", (), True, "a short stable name: lowercase letters, digits, - and _; "
          "results are compared across meetings by it"),
    Field("kind", (), True, "one of " + ", ".join(KINDS)),
    Field("prompt", (), True, f"what every phone shows, at most {PROMPT_MAX} characters"),
    Field("note", (), False, "for the facilitator only, shown on the console"),
    Field("minutes", (), False, f"a suggested timer, 1 to {ITEM_MINUTES_MAX}"),
    Field("options", ("choice", "multi"), True,
          f"{OPTIONS_MIN} to {OPTIONS_MAX} answers, each at most {OPTION_MAX} characters; on a multi item an "
          "option may be written { text = \"None of these\", exclusive = true }: chosen alone, never with others"),
    Field("max", ("multi",), True, "how many options one man may pick"),
    Field("scale_min", ("scale",), True, "the lowest point, a whole number"),
    Field("scale_max", ("scale",), True,
          f"the highest point; at most {SCALE_POINTS_MAX} points in all"),
    Field("min_label", ("scale",), False, "words under the lowest point"),
    Field("max_label", ("scale",), False, "words under the highest point"),
    Field("x_label", ("compass",), False, f"across; default \"{DEFAULT_AXES['x']}\""),
    Field("y_label", ("compass",), False, f"up; default \"{DEFAULT_AXES['y']}\""),
    Field("low_label", ("compass",), False, f"the low end of both; default \"{DEFAULT_AXES['low']}\""),
    Field("high_label", ("compass",), False,
          f"the high end of both; default \"{DEFAULT_AXES['high']}\""),
    Field("max_words", ("words",), False,
          f"{WORDS_MIN} to {WORDS_MAX} words per answer; default {WORDS_DEFAULT}"),
)
FIELD_NAMES = tuple(field.name for field in ITEM_FIELDS)
COMMON_FIELDS = tuple(field.name for field in ITEM_FIELDS if not field.kinds)
SPOT_FIELDS = tuple(name for name in FIELD_NAMES if name != "id")  # an item added on the spot has no id

DECK_FIELDS: tuple[Field, ...] = (
    Field("title", (), True, f"the evening's name, at most {TITLE_MAX} characters"),
    Field("summary", (), False, f"a paragraph on what the evening is about, at most {SUMMARY_MAX}"),
    Field("minutes", (), False, f"the suggested length of the whole evening, 1 to {DECK_MINUTES_MAX}"),
    Field("language", (), False, f"the language the deck is written in, a code like \"es\"; default \"{DEFAULT_LANGUAGE}\""),
    Field("items", (), True, "the items, in order, each an [[items]] table"),
)
DECK_FIELD_NAMES = tuple(field.name for field in DECK_FIELDS)

_MISSING = object()


# --- small helpers -----------------------------------------------------------------------------


class _Problems:
    """Collects problems under one label ("evening.toml, item 'tonight'")."""

    def __init__(self, label: str):
        self.label = label
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(f"{self.label}: {message}" if self.label else message)


def _unknown(name: str, known: tuple[str, ...]) -> str:
    guess = difflib.get_close_matches(str(name), known, n=1, cutoff=0.75)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    return f"unknown field '{name}'{hint}"


def _text(raw: dict, name: str, out: _Problems, *, required: bool, most: int,
          default: str | None = None) -> str | None:
    value = raw.get(name, _MISSING)
    if value is _MISSING:
        if required:
            out.add(f"{name} is missing")
        return default
    if not isinstance(value, str):
        out.add(f"{name} must be text in quotes")
        return default
    value = value.strip()
    if not value and (required or default is not None):
        out.add(f"{name} is empty")
        return default
    if len(value) > most:
        out.add(f"{name} is {len(value)} characters long; the most is {most}")
        return default
    return value


def _whole(raw: dict, name: str, out: _Problems, *, required: bool, low: int, high: int,
           default: int | None = None) -> int | None:
    value = raw.get(name, _MISSING)
    if value is _MISSING:
        if required:
            out.add(f"{name} is missing")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        out.add(f"{name} must be a whole number")
        return None
    if not low <= value <= high:
        out.add(f"{name} {value} is not between {low} and {high}")
        return None
    return value


def _options(raw: dict, kind: str, out: _Problems) -> tuple[list[str] | None, list[int]]:
    """The options as text, and the indexes of those flagged exclusive (multi items only)."""
    value = raw.get("options", _MISSING)
    if value is _MISSING:
        out.add("options is missing")
        return None, []
    if not isinstance(value, list):
        out.add('options must be a list of text, like ["Yes", "No"]')
        return None, []
    if not OPTIONS_MIN <= len(value) <= OPTIONS_MAX:
        entries = "entry" if len(value) == 1 else "entries"
        out.add(f"options has {len(value)} {entries}; a {kind} item needs "
                f"{OPTIONS_MIN} to {OPTIONS_MAX}")
        return None, []
    options: list[str] = []
    exclusive: list[int] = []
    seen: dict[str, int] = {}
    ok = True
    for number, option in enumerate(value, start=1):
        if isinstance(option, dict):
            option, flagged = _flagged_option(option, number, kind, out)
            if option is None:
                ok = False
                continue
            if flagged:
                exclusive.append(number - 1)
        if not isinstance(option, str):
            out.add(f"option {number} must be text in quotes")
            ok = False
            continue
        option = option.strip()
        if not option:
            out.add(f"option {number} is empty")
            ok = False
        elif len(option) > OPTION_MAX:
            out.add(f"option {number} is {len(option)} characters long; the most is {OPTION_MAX}")
            ok = False
        elif option.casefold() in seen:
            out.add(f"option {number} '{option}' repeats option {seen[option.casefold()]}")
            ok = False
        else:
            seen[option.casefold()] = number
        options.append(option)
    return (options if ok else None), exclusive


def _flagged_option(option: dict, number: int, kind: str, out: _Problems) -> tuple[str | None, bool]:
    """An option written as a table ({ text = "None of these", exclusive = true }): (its text, exclusive)."""
    known = ("text", *OPTION_FLAGS)
    unknown = [name for name in option if name not in known]
    if unknown:
        out.add(f"option {number}: {_unknown(unknown[0], known)}")
        return None, False
    if kind != "multi":
        out.add(f"option {number}: exclusive only means something on a multi item, where several "
                "options may be chosen; write the option as plain text")
        return None, False
    text = option.get("text", _MISSING)
    if text is _MISSING:
        out.add(f'option {number} needs its text, like {{ text = "None of these", exclusive = true }}')
        return None, False
    flag = option.get("exclusive", False)
    if not isinstance(flag, bool):
        out.add(f"option {number}: exclusive must be true or false")
        return None, False
    return text, flag


# --- one item ----------------------------------------------------------------------------------


def validate_item(raw: Any, where: str, require_key: bool = True, *,
                  index: int | None = None) -> tuple[dict | None, list[str]]:
    """Check one item in deck form; return (normalised item, problems).

    ``where`` starts every problem (the file name, e.g. "evening.toml"; "" for bare messages).
    ``index`` is the item's 1-based position, used to name an item that has no usable id.
    With ``require_key=False`` (an item added on the spot) the id may be left out; its key is "".
    The item is None whenever there is any problem.
    """
    if not isinstance(raw, dict):
        out = _Problems(", ".join(p for p in (where, f"item {index}" if index else "") if p))
        out.add("each item must be an [[items]] table with id, kind and prompt")
        return None, out.items

    raw_id = raw.get("id", _MISSING)
    if isinstance(raw_id, str) and raw_id.strip():
        name = f"item '{raw_id.strip()}'"
    elif index is not None:
        name = f"item {index}"
    else:
        name = ""
    out = _Problems(", ".join(p for p in (where, name) if p))

    # id
    key = ""
    if raw_id is _MISSING:
        if require_key:
            out.add("id is missing")
    elif not isinstance(raw_id, str):
        out.add("id must be text in quotes")
    elif not raw_id.strip():
        if require_key:
            out.add("id is empty")
    else:
        key = raw_id.strip()
        if len(key) > ID_MAX:
            out.add(f"id is {len(key)} characters long; the most is {ID_MAX}")
        elif not ID_PATTERN.match(key):
            out.add(f"id '{key}' may only use lowercase letters, digits, - and _")

    # kind
    kind = raw.get("kind", _MISSING)
    if kind is _MISSING:
        out.add("kind is missing")
        kind = None
    elif not isinstance(kind, str):
        out.add("kind must be text in quotes")
        kind = None
    else:
        kind = kind.strip().lower()
        if kind not in KIND_FIELDS:
            out.add(f"kind '{raw['kind']}' is not one of {', '.join(KINDS)}")
            kind = None

    prompt = _text(raw, "prompt", out, required=True, most=PROMPT_MAX)
    note = _text(raw, "note", out, required=False, most=NOTE_MAX) or ""
    minutes = _whole(raw, "minutes", out, required=False, low=1, high=ITEM_MINUTES_MAX)

    item: dict[str, Any] = {"key": key, "kind": kind, "prompt": prompt}

    if kind in ("choice", "multi"):
        options, exclusive = _options(raw, kind, out)
        item["options"] = options
        if exclusive:
            item["exclusive"] = exclusive
        if kind == "multi":
            most = raw.get("max", _MISSING)
            if most is _MISSING:
                out.add("max is missing")
            elif isinstance(most, bool) or not isinstance(most, int):
                out.add("max must be a whole number")
            elif most < 1:
                out.add(f"max {most} must be at least 1")
            elif options is not None and most > len(options):
                out.add(f"max {most} is more than the {len(options)} options")
            else:
                item["max"] = most
    elif kind == "scale":
        low = _whole(raw, "scale_min", out, required=True, low=-SCALE_LIMIT, high=SCALE_LIMIT)
        high = _whole(raw, "scale_max", out, required=True, low=-SCALE_LIMIT, high=SCALE_LIMIT)
        if low is not None and high is not None:
            if low >= high:
                out.add(f"scale min {low} is not below max {high}")
            elif high - low + 1 > SCALE_POINTS_MAX:
                out.add(f"scale from {low} to {high} has {high - low + 1} points; "
                        f"the most is {SCALE_POINTS_MAX}")
        item["scale"] = {
            "min": low,
            "max": high,
            "min_label": _text(raw, "min_label", out, required=False, most=LABEL_MAX) or "",
            "max_label": _text(raw, "max_label", out, required=False, most=LABEL_MAX) or "",
        }
    elif kind == "compass":
        item["axes"] = {
            axis: _text(raw, f"{axis}_label", out, required=False, most=LABEL_MAX,
                        default=DEFAULT_AXES[axis])
            for axis in ("x", "y", "low", "high")
        }
    elif kind == "words":
        item["max_words"] = _whole(raw, "max_words", out, required=False, low=WORDS_MIN,
                                   high=WORDS_MAX, default=WORDS_DEFAULT)

    # fields that are unknown, or that belong to another kind
    for field in raw:
        if field not in FIELD_NAMES:
            out.add(_unknown(field, FIELD_NAMES))
        elif kind is not None and field not in COMMON_FIELDS and field not in KIND_FIELDS[kind]:
            out.add(f"{field} does not belong on a {kind} item")

    item["note"] = note
    item["minutes"] = minutes
    if out.items:
        return None, out.items
    return item, []


# --- a whole deck ------------------------------------------------------------------------------


def validate_deck(data: Any, where: str, languages: dict[str, str] | None = None) -> tuple[dict | None, list[str]]:
    """Check a parsed deck file; return ({"title", "summary", "minutes", "language", "items"}, problems).

    ``languages`` ({code: its name}) are the languages Fireside speaks, which a deck's language must
    be one of; without it only the code's shape is checked (this module reads no files).
    """
    out = _Problems(where)
    if not isinstance(data, dict):
        out.add("a deck must be a TOML table")
        return None, out.items
    for field in data:
        if field not in DECK_FIELD_NAMES:
            message = _unknown(field, DECK_FIELD_NAMES)
            if field in FIELD_NAMES and field not in DECK_FIELD_NAMES:
                message += "; item fields go below an [[items]] line"
            out.add(message)
    title = _text(data, "title", out, required=True, most=TITLE_MAX)
    summary = _text(data, "summary", out, required=False, most=SUMMARY_MAX) or ""
    minutes = _whole(data, "minutes", out, required=False, low=1, high=DECK_MINUTES_MAX)
    language = _language(data, out, languages)

    raw_items = data.get("items", _MISSING)
    items: list[dict] = []
    if raw_items is _MISSING:
        out.add("there are no items; add at least one [[items]] table")
    elif not isinstance(raw_items, list):
        out.add("items must be a list of [[items]] tables")
    elif not raw_items:
        out.add("there are no items; add at least one [[items]] table")
    elif len(raw_items) > DECK_ITEMS_MAX:
        out.add(f"there are {len(raw_items)} items; the most is {DECK_ITEMS_MAX}")
    else:
        positions: dict[str, list[int]] = {}
        for number, raw in enumerate(raw_items, start=1):
            item, problems = validate_item(raw, where, index=number)
            out.items.extend(problems)
            if item is not None:
                items.append(item)
            if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"].strip():
                positions.setdefault(raw["id"].strip(), []).append(number)
        for key, numbers in positions.items():
            if len(numbers) > 1:
                listed = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
                label = ", ".join(part for part in (where, f"item '{key}'") if part)
                out.items.append(f"{label}: the id is used by more than one item (items {listed})")

    if out.items:
        return None, out.items
    return {"title": title, "summary": summary, "minutes": minutes, "language": language, "items": items}, []


def _language(data: dict, out: _Problems, languages: dict[str, str] | None) -> str:
    """The language a deck is written in: a code of two or three letters, one Fireside speaks."""
    code = _text(data, "language", out, required=False, most=ID_MAX, default=DEFAULT_LANGUAGE)
    if code == DEFAULT_LANGUAGE:
        return code
    if not LANGUAGE_PATTERN.match(code.lower()):
        out.add(f"language '{code}' is not a language code; write two letters, like \"es\" for Spanish")
        return DEFAULT_LANGUAGE
    code = code.lower()
    if languages is not None and code not in languages:
        named = [f"{known} ({name})" for known, name in languages.items()]
        spoken = ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else "".join(named)
        out.add(f"language '{code}' is not one Fireside speaks; it speaks {spoken}")
        return DEFAULT_LANGUAGE
    return code


def describe_fields() -> list[dict]:
    """The item fields as plain data, for the console's form and for the docs."""
    return [
        {"name": f.name, "kinds": list(f.kinds) or list(KINDS), "required": f.required,
         "help": f.help}
        for f in ITEM_FIELDS
    ]


# Every limit a page needs, under the name it reads it by (for_pages).
LIMITS = {
    "title_max": TITLE_MAX, "notes_max": MEETING_NOTES_MAX,
    "floor_min": MIN_FLOOR, "floor_max": MAX_FLOOR, "floor_default": DEFAULT_FLOOR,
    "prompt_max": PROMPT_MAX, "note_max": NOTE_MAX, "label_max": LABEL_MAX,
    "options_min": OPTIONS_MIN, "options_max": OPTIONS_MAX, "option_max": OPTION_MAX,
    "scale_limit": SCALE_LIMIT, "scale_points_max": SCALE_POINTS_MAX,
    "words_min": WORDS_MIN, "words_max": WORDS_MAX, "words_default": WORDS_DEFAULT,
    "word_chars_max": WORDS_MAX_CHARS, "text_max": TEXT_MAX_CHARS, "compass_max": COMPASS_MAX,
}


def for_pages() -> dict:
    """The kinds, their labels, their fields and every limit, for the JSON config block in each page."""
    return {"kinds": list(KINDS), "poll_kinds": list(POLL_KINDS), "moderated_kinds": list(MODERATED_KINDS),
            "kind_labels": dict(KIND_LABELS), "kind_hints": dict(KIND_HINTS),
            "field_kinds": {field.name: list(field.kinds) for field in ITEM_FIELDS if field.kinds},
            "spec_fields": list(SPEC_FIELDS), "option_flags": list(OPTION_FLAGS),
            "default_axes": dict(DEFAULT_AXES), "limits": dict(LIMITS)}
