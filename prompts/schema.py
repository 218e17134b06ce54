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

Every sentence here is a ``Text``: a str holding the English, which also knows how to say itself
through another language's catalogue (``facilitator.i18n.say``). The module stays pure: no files,
no server, and ``facilitator`` is imported only when a page asks for a language other than English.
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

DEFAULT_LANGUAGE = "en"  # a deck that names no language is written in English
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")  # a language's code: "es", "pt"; which ones Fireside speaks, the loader knows

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


# --- sentences ---------------------------------------------------------------------------------


class Text(str):
    """A sentence of the schema: as a str it is the English; ``through`` says it in another language.

    Its message (with %(name)s placeholders) and params are kept, so a catalogue can translate
    the whole sentence, a param that is a Text too, and a plural by its number.
    """

    def __new__(cls, message: str, params: dict | None = None, plural: str | None = None, n: int | None = None):
        """The English message (and plural form, for n) with its %(name)s values."""
        params = dict(params or {})
        if plural is not None:
            params.setdefault("num", n)
        english = plural if plural is not None and n != 1 else message
        self = super().__new__(cls, english % params if params else english)
        self.message, self.plural, self.n, self.params = message, plural, n, params
        return self

    def through(self, catalogue) -> str:
        """This sentence in the language of a gettext catalogue (gettext and ngettext)."""
        params = {name: value.through(catalogue) if isinstance(value, Text) else value
                  for name, value in self.params.items()}
        if self.plural is not None:
            return catalogue.ngettext(self.message, self.plural, self.n) % params
        said = catalogue.gettext(self.message)
        return said % params if params else said


def _l(message: str, /, **params: Any) -> Text:
    """A sentence, marked for the catalogue (facilitator/i18n.py extracts every _l and _nl)."""
    return Text(message, params)


def _nl(singular: str, plural: str, n: int, /, **params: Any) -> Text:
    """A sentence for a number n (%(num)s), marked for the catalogue."""
    return Text(singular, params, plural, n)


def joined(separator: str, parts) -> Text:
    """Sentences (or names) in a row with a separator, each said in the listener's language."""
    parts = list(parts)
    return Text(separator.replace("%", "%%").join(f"%(p{i})s" for i in range(len(parts))),
                {f"p{i}": part for i, part in enumerate(parts)})


def _speaker(language: str):
    """A function saying a Text in a language (English: as it is)."""
    if not language or language == "en":
        return str
    from facilitator import i18n  # the catalogues are the server's; only a page in another language needs them

    return lambda text: i18n.say(text, language)


# Translators: the compass's default labels: across, up, the low end and the high end of both.
DEFAULT_AXES = {"x": _l("Connection"), "y": _l("Space to myself"), "low": _l("A little"), "high": _l("A lot")}


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
KIND_LABELS = {"choice": _l("One choice"), "multi": _l("Several choices"), "scale": _l("Scale"),
               "compass": _l("Compass"), "words": _l("A few words"), "text": _l("A sentence"),
               "discussion": _l("Discussion")}
KIND_HINTS = {"choice": _l("each man picks one option"), "multi": _l("each picks up to a number of options"),
              "scale": _l("a point on a scale"), "compass": _l("how much connection, how much space"),
              "words": _l("a word or a few"), "text": _l("a short sentence"), "discussion": _l("a prompt, no answers")}

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
    Field("id", (), True, _l("filled in from the question; keep it when you reword the question, so this "
                             "question's results still sit beside earlier meetings'")),
    Field("kind", (), True, _l("how the men answer this item on their phones")),
    Field("prompt", (), True, _l("what every phone shows, at most %(n)s characters", n=PROMPT_MAX)),
    Field("note", (), False, _l("for the facilitator only, shown on the console")),
    Field("minutes", (), False, _l("a suggested timer, 1 to %(most)s", most=ITEM_MINUTES_MAX)),
    Field("options", ("choice", "multi"), True,
          _l("%(least)s to %(most)s answers, each at most %(n)s characters",
             least=OPTIONS_MIN, most=OPTIONS_MAX, n=OPTION_MAX)),
    Field("max", ("multi",), True, _l("how many options one man may pick")),
    Field("scale_min", ("scale",), True, _l("the lowest point, a whole number")),
    Field("scale_max", ("scale",), True,
          _l("the highest point; at most %(n)s points in all", n=SCALE_POINTS_MAX)),
    Field("min_label", ("scale",), False, _l("words under the lowest point")),
    Field("max_label", ("scale",), False, _l("words under the highest point")),
    Field("x_label", ("compass",), False, _l("across; if left empty, “%(label)s”", label=DEFAULT_AXES["x"])),
    Field("y_label", ("compass",), False, _l("up; if left empty, “%(label)s”", label=DEFAULT_AXES["y"])),
    Field("low_label", ("compass",), False, _l("the low end of both; if left empty, “%(label)s”", label=DEFAULT_AXES["low"])),
    Field("high_label", ("compass",), False,
          _l("the high end of both; if left empty, “%(label)s”", label=DEFAULT_AXES["high"])),
    Field("max_words", ("words",), False,
          _l("%(least)s to %(most)s words per answer; if left empty, %(n)s", least=WORDS_MIN, most=WORDS_MAX, n=WORDS_DEFAULT)),
)
FIELD_NAMES = tuple(field.name for field in ITEM_FIELDS)
COMMON_FIELDS = tuple(field.name for field in ITEM_FIELDS if not field.kinds)
SPOT_FIELDS = tuple(name for name in FIELD_NAMES if name != "id")  # an item added on the spot has no id

DECK_FIELDS: tuple[Field, ...] = (
    Field("title", (), True, _l("the evening's name, at most %(n)s characters", n=TITLE_MAX)),
    Field("summary", (), False, _l("a paragraph on what the evening is about, at most %(n)s", n=SUMMARY_MAX)),
    Field("minutes", (), False, _l("the suggested length of the whole evening, 1 to %(most)s", most=DECK_MINUTES_MAX)),
    Field("language", (), False, _l("the language the deck is written in, a code like \"es\"; default \"%(code)s\"",
                                    code=DEFAULT_LANGUAGE)),
    Field("items", (), True, _l("the items, in order, each an [[items]] table")),
)
DECK_FIELD_NAMES = tuple(field.name for field in DECK_FIELDS)

_MISSING = object()


# --- small helpers -----------------------------------------------------------------------------


class _Problems:
    """Collects problems under one label ("evening.toml, item 'tonight'")."""

    def __init__(self, label: str):
        """label: where every problem is (the file, the item), or "" for bare messages."""
        self.label = label
        self.items: list[str] = []

    def add(self, message: str) -> None:
        """One problem, after the label."""
        self.items.append(labelled(self.label, message))


def labelled(label, message) -> Text:
    """A problem after the place it is in: "evening.toml, item 'tonight': id is missing"."""
    return Text("%(where)s: %(problem)s", {"where": label, "problem": message}) if label else message


def _item_name(raw_id=None, index=None):
    """How a problem names an item: by its id, else by its position ("" when it has neither)."""
    if isinstance(raw_id, str) and raw_id.strip():
        return _l("item '%(id)s'", id=raw_id.strip())
    return _l("item %(n)s", n=index) if index else ""


def _place(*parts) -> str:
    """The parts of a place that are there, after one another: "evening.toml, item 3"."""
    parts = [part for part in parts if part]
    return joined(", ", parts) if len(parts) > 1 else (parts[0] if parts else "")


def _unknown(name: str, known: tuple[str, ...]) -> Text:
    """A field the schema does not know, with the known one it is closest to."""
    guess = difflib.get_close_matches(str(name), known, n=1, cutoff=0.75)
    if guess:
        return _l("unknown field '%(field)s' (did you mean '%(guess)s'?)", field=name, guess=guess[0])
    return _l("unknown field '%(field)s'", field=name)


def _text(raw: dict, name: str, out: _Problems, *, required: bool, most: int,
          default: str | None = None) -> str | None:
    value = raw.get(name, _MISSING)
    if value is _MISSING:
        if required:
            out.add(_l("%(field)s is missing", field=name))
        return default
    if not isinstance(value, str):
        out.add(_l("%(field)s must be text in quotes", field=name))
        return default
    value = value.strip()
    if not value and (required or default is not None):
        out.add(_l("%(field)s is empty", field=name))
        return default
    if len(value) > most:
        out.add(_l("%(field)s is %(length)s characters long; the most is %(most)s", field=name, length=len(value),
                   most=most))
        return default
    return value


def _whole(raw: dict, name: str, out: _Problems, *, required: bool, low: int, high: int,
           default: int | None = None) -> int | None:
    value = raw.get(name, _MISSING)
    if value is _MISSING:
        if required:
            out.add(_l("%(field)s is missing", field=name))
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        out.add(_l("%(field)s must be a whole number", field=name))
        return None
    if not low <= value <= high:
        out.add(_l("%(field)s %(value)s is not between %(low)s and %(high)s", field=name, value=value, low=low,
                   high=high))
        return None
    return value


def _options(raw: dict, kind: str, out: _Problems) -> tuple[list[str] | None, list[int]]:
    """The options as text, and the indexes of those flagged exclusive (multi items only)."""
    value = raw.get("options", _MISSING)
    if value is _MISSING:
        out.add(_l("%(field)s is missing", field="options"))
        return None, []
    if not isinstance(value, list):
        out.add(_l('options must be a list of text, like ["Yes", "No"]'))
        return None, []
    if not OPTIONS_MIN <= len(value) <= OPTIONS_MAX:
        out.add(_nl("options has %(num)s entry; a %(kind)s item needs %(least)s to %(most)s",
                    "options has %(num)s entries; a %(kind)s item needs %(least)s to %(most)s",
                    len(value), kind=kind, least=OPTIONS_MIN, most=OPTIONS_MAX))
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
            out.add(_l("option %(n)s must be text in quotes", n=number))
            ok = False
            continue
        option = option.strip()
        if not option:
            out.add(_l("option %(n)s is empty", n=number))
            ok = False
        elif len(option) > OPTION_MAX:
            out.add(_l("option %(n)s is %(length)s characters long; the most is %(most)s", n=number,
                       length=len(option), most=OPTION_MAX))
            ok = False
        elif option.casefold() in seen:
            out.add(_l("option %(n)s '%(option)s' repeats option %(first)s", n=number, option=option,
                       first=seen[option.casefold()]))
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
        out.add(labelled(_l("option %(n)s", n=number), _unknown(unknown[0], known)))
        return None, False
    if kind != "multi":
        out.add(_l("option %(n)s: exclusive only means something on a multi item, where several "
                   "options may be chosen; write the option as plain text", n=number))
        return None, False
    text = option.get("text", _MISSING)
    if text is _MISSING:
        out.add(_l('option %(n)s needs its text, like { text = "None of these", exclusive = true }', n=number))
        return None, False
    flag = option.get("exclusive", False)
    if not isinstance(flag, bool):
        out.add(_l("option %(n)s: exclusive must be true or false", n=number))
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
        out = _Problems(_place(where, _item_name(index=index)))
        out.add(_l("each item must be an [[items]] table with id, kind and prompt"))
        return None, out.items

    raw_id = raw.get("id", _MISSING)
    out = _Problems(_place(where, _item_name(raw_id, index)))

    # id
    key = ""
    if raw_id is _MISSING:
        if require_key:
            out.add(_l("%(field)s is missing", field="id"))
    elif not isinstance(raw_id, str):
        out.add(_l("%(field)s must be text in quotes", field="id"))
    elif not raw_id.strip():
        if require_key:
            out.add(_l("%(field)s is empty", field="id"))
    else:
        key = raw_id.strip()
        if len(key) > ID_MAX:
            out.add(_l("%(field)s is %(length)s characters long; the most is %(most)s", field="id", length=len(key),
                       most=ID_MAX))
        elif not ID_PATTERN.match(key):
            out.add(_l("id '%(id)s' may only use lowercase letters, digits, - and _", id=key))

    # kind
    kind = raw.get("kind", _MISSING)
    if kind is _MISSING:
        out.add(_l("%(field)s is missing", field="kind"))
        kind = None
    elif not isinstance(kind, str):
        out.add(_l("%(field)s must be text in quotes", field="kind"))
        kind = None
    else:
        kind = kind.strip().lower()
        if kind not in KIND_FIELDS:
            out.add(_l("kind '%(kind)s' is not one of %(kinds)s", kind=raw["kind"], kinds=", ".join(KINDS)))
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
                out.add(_l("%(field)s is missing", field="max"))
            elif isinstance(most, bool) or not isinstance(most, int):
                out.add(_l("%(field)s must be a whole number", field="max"))
            elif most < 1:
                out.add(_l("max %(n)s must be at least 1", n=most))
            elif options is not None and most > len(options):
                out.add(_l("max %(n)s is more than the %(options)s options", n=most, options=len(options)))
            else:
                item["max"] = most
    elif kind == "scale":
        low = _whole(raw, "scale_min", out, required=True, low=-SCALE_LIMIT, high=SCALE_LIMIT)
        high = _whole(raw, "scale_max", out, required=True, low=-SCALE_LIMIT, high=SCALE_LIMIT)
        if low is not None and high is not None:
            if low >= high:
                out.add(_l("scale min %(low)s is not below max %(high)s", low=low, high=high))
            elif high - low + 1 > SCALE_POINTS_MAX:
                out.add(_l("scale from %(low)s to %(high)s has %(points)s points; the most is %(most)s", low=low,
                           high=high, points=high - low + 1, most=SCALE_POINTS_MAX))
        item["scale"] = {
            "min": low,
            "max": high,
            "min_label": _text(raw, "min_label", out, required=False, most=LABEL_MAX) or "",
            "max_label": _text(raw, "max_label", out, required=False, most=LABEL_MAX) or "",
        }
    elif kind == "compass":
        item["axes"] = {
            axis: _text(raw, f"{axis}_label", out, required=False, most=LABEL_MAX,
                        default=str(DEFAULT_AXES[axis]))
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
            out.add(_l("%(field)s does not belong on a %(kind)s item", field=field, kind=kind))

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
        out.add(_l("a deck must be a TOML table"))
        return None, out.items
    for field in data:
        if field not in DECK_FIELD_NAMES:
            message = _unknown(field, DECK_FIELD_NAMES)
            if field in FIELD_NAMES and field not in DECK_FIELD_NAMES:
                message = joined("; ", [message, _l("item fields go below an [[items]] line")])
            out.add(message)
    title = _text(data, "title", out, required=True, most=TITLE_MAX)
    summary = _text(data, "summary", out, required=False, most=SUMMARY_MAX) or ""
    minutes = _whole(data, "minutes", out, required=False, low=1, high=DECK_MINUTES_MAX)
    language = _language(data, out, languages)

    raw_items = data.get("items", _MISSING)
    items: list[dict] = []
    if raw_items is _MISSING:
        out.add(_l("there are no items; add at least one [[items]] table"))
    elif not isinstance(raw_items, list):
        out.add(_l("items must be a list of [[items]] tables"))
    elif not raw_items:
        out.add(_l("there are no items; add at least one [[items]] table"))
    elif len(raw_items) > DECK_ITEMS_MAX:
        out.add(_l("there are %(n)s items; the most is %(most)s", n=len(raw_items), most=DECK_ITEMS_MAX))
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
                listed = _l("%(first)s and %(last)s", first=", ".join(str(n) for n in numbers[:-1]), last=numbers[-1])
                out.items.append(labelled(_place(where, _item_name(key)),
                                          _l("the id is used by more than one item (items %(numbers)s)",
                                             numbers=listed)))

    if out.items:
        return None, out.items
    return {"title": title, "summary": summary, "minutes": minutes, "language": language, "items": items}, []


def _language(data: dict, out: _Problems, languages: dict[str, str] | None) -> str:
    """The language a deck is written in: a code of two or three letters, one Fireside speaks."""
    code = _text(data, "language", out, required=False, most=ID_MAX, default=DEFAULT_LANGUAGE)
    if code == DEFAULT_LANGUAGE:
        return code
    if not LANGUAGE_PATTERN.match(code.lower()):
        out.add(_l("language '%(code)s' is not a language code; write two letters, like \"es\" for Spanish", code=code))
        return DEFAULT_LANGUAGE
    code = code.lower()
    if languages is not None and code not in languages:
        named = [f"{known} ({name})" for known, name in languages.items()]
        spoken = ", ".join(named)
        out.add(_l("language '%(code)s' is not one Fireside speaks; it speaks %(spoken)s", code=code, spoken=spoken))
        return DEFAULT_LANGUAGE
    return code


def describe_fields(language: str = "en") -> list[dict]:
    """The item fields as plain data, for the console's form and for the docs; their help in a language."""
    say = _speaker(language)
    return [
        {"name": f.name, "kinds": list(f.kinds) or list(KINDS), "required": f.required,
         "help": say(f.help)}
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


def for_pages(language: str = "en") -> dict:
    """The kinds, their labels (in the room's language), their fields and every limit, for each page's config block."""
    say = _speaker(language)
    return {"kinds": list(KINDS), "poll_kinds": list(POLL_KINDS), "moderated_kinds": list(MODERATED_KINDS),
            "kind_labels": {kind: say(label) for kind, label in KIND_LABELS.items()},
            "kind_hints": {kind: say(hint) for kind, hint in KIND_HINTS.items()},
            "field_kinds": {field.name: list(field.kinds) for field in ITEM_FIELDS if field.kinds},
            "spec_fields": list(SPEC_FIELDS), "option_flags": list(OPTION_FLAGS),
            "default_axes": {axis: say(label) for axis, label in DEFAULT_AXES.items()}, "limits": dict(LIMITS)}
