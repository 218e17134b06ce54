"""Decks: the run-sheets of prompts and polls a facilitator runs an evening from.

A deck is one TOML file (the format is in prompts/README.md). The built-in decks live in
``prompts/decks/`` (those in another language than English in a folder named by its code,
``prompts/decks/es/``); the facilitator's own decks live in a folder of his data dir. Nothing here
raises a traceback at a facilitator: every mistake in a deck becomes a plain problem sentence that
names the file, the item and the field.

    load_deck(path) -> Deck                      raises DeckError(problems)
    check_decks(paths) -> list[str]              every problem of many files
    list_decks(user_dir) -> (decks, problems)    built-in + his own; broken ones only reported
    find_deck(deck_id, user_dir) -> Deck         raises DeckError when missing or broken
    starter_deck_text(title) -> str             a commented deck to start from
    write_starter(name, user_dir) -> Path        `fireside decks new NAME`; never overwrites
    schema.validate_item(raw, where, require_key=True) -> (item | None, problems)
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from facilitator import i18n

from .schema import DEFAULT_LANGUAGE, TITLE_MAX, _l, validate_deck, validate_item

__all__ = [
    "BUILTIN_DIR",
    "Deck",
    "DeckError",
    "check_decks",
    "find_deck",
    "list_decks",
    "load_deck",
    "starter_deck_text",
    "validate_item",
    "write_starter",
]

BUILTIN_DIR = Path(__file__).resolve().parent / "decks"
STARTER_FILE = BUILTIN_DIR / "starter.toml"  # the English one; another language's is decks/<code>/starter-<code>.toml
DECK_BYTES_MAX = 256 * 1024
# What a new deck of his own says until he writes his own (in the deck's language: i18n.tr).
STARTER_SUMMARY = _l("Say in a sentence or two what this evening is about.")
STARTER_TITLE = _l("My evening")


class DeckError(Exception):
    """A deck that cannot be used. ``problems`` holds one sentence per mistake."""

    def __init__(self, problems: Iterable[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


@dataclass
class Deck:
    id: str  # the file name without .toml
    title: str
    summary: str
    minutes: int | None  # suggested length of the evening
    items: list[dict] = field(default_factory=list)  # normalised, see schema.validate_item
    path: Path | None = None
    builtin: bool = False
    language: str = DEFAULT_LANGUAGE  # the language its prompts are written in, a code Fireside speaks

    def as_dict(self) -> dict:
        """The deck as JSON-ready data (the console's ``decks`` list)."""
        return {"id": self.id, "title": self.title, "summary": self.summary,
                "minutes": self.minutes, "builtin": self.builtin, "language": self.language,
                "items": [dict(item) for item in self.items]}


# --- reading one file --------------------------------------------------------------------------

_TOML_AT_LINE = re.compile(r"^(?P<what>.*) \(at line (?P<line>\d+), column \d+\)$", re.S)
_TOML_AT_END = re.compile(r"^(?P<what>.*) \(at end of document\)$", re.S)
_TOML_PLAIN = {
    "Invalid value": "a value is not valid; text must be in quotes",
    "Cannot overwrite a value": "this name was already given a value above",
    "Illegal character '\\n'": "a quote is not closed on this line",
}


def _toml_problem(where: str, error: tomllib.TOMLDecodeError) -> str:
    message = str(error)
    if match := _TOML_AT_LINE.match(message):
        place, what = f"{where}, line {match['line']}", match["what"]
    elif match := _TOML_AT_END.match(message):
        place, what = f"{where}, at the end", match["what"]
    else:
        place, what = where, message
    what = _TOML_PLAIN.get(what, what[:1].lower() + what[1:])
    return _l("%(place)s: not valid TOML: %(what)s", place=place, what=what)


def _is_builtin(path: Path) -> bool:
    try:
        folder = path.resolve().parent
    except OSError:
        return False
    return folder == BUILTIN_DIR or folder.parent == BUILTIN_DIR  # prompts/decks/ or prompts/decks/es/


_parsed: dict[tuple, tuple[Deck | None, list[str]]] = {}  # (file, its bytes' hash) -> _parse's


def _read(path: Path, builtin: bool | None = None, shared: bool = False) -> tuple[Deck | None, list[str]]:
    """One deck file read and checked, parsed again only when its bytes changed.

    The console lists every deck on each refresh, and parsing them all costs more than the rest of
    the refresh; reading and hashing a file costs little. Each caller gets its own copy of the
    items, so nothing a caller does reaches the cache, unless it asks for the cached deck itself
    (shared: list_decks, whose callers only read).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:
        return _parse(path, builtin, None)
    key = (str(path), builtin, hashlib.blake2b(data, digest_size=16).digest())
    if key not in _parsed:
        if len(_parsed) > 256:  # many files over a long run: start again rather than grow
            _parsed.clear()
        _parsed[key] = _parse(path, builtin, data)
    deck, problems = _parsed[key]
    if deck is not None and not shared:
        deck = dataclasses.replace(deck, items=copy.deepcopy(deck.items))
    return deck, list(problems)


def _parse(path: Path, builtin: bool | None, data: bytes | None) -> tuple[Deck | None, list[str]]:
    """Parse and check one deck file's bytes (None: read them): the deck, or what is wrong."""
    where = path.name or str(path)
    try:
        if data is None:
            data = path.read_bytes()
    except FileNotFoundError:
        return None, [_l("%(where)s: there is no such file", where=where)]
    except IsADirectoryError:
        return None, [_l("%(where)s: is a folder, not a deck file", where=where)]
    except OSError as error:
        return None, [_l("%(where)s: cannot be read (%(why)s)", where=where, why=error.strerror or str(error))]
    if len(data) > DECK_BYTES_MAX:
        return None, [_l("%(where)s: is too large for a deck (%(size)s KB)", where=where, size=len(data) // 1024)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [_l("%(where)s: is not UTF-8 text; save it again as UTF-8", where=where)]
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, [_toml_problem(where, error)]
    fields, problems = validate_deck(parsed, where, languages())
    if problems:
        return None, problems
    return Deck(
        id=path.stem,
        title=fields["title"],
        summary=fields["summary"],
        minutes=fields["minutes"],
        items=fields["items"],
        path=path,
        builtin=_is_builtin(path) if builtin is None else builtin,
        language=fields["language"],
    ), []


def languages() -> dict[str, str]:
    """The languages a deck may be written in: those Fireside speaks, {code: the language's name in itself}."""
    return i18n.language_names()


def load_deck(path: Path | str) -> Deck:
    """Read and check one deck file. Raises DeckError with every problem found."""
    deck, problems = _read(Path(path))
    if problems:
        raise DeckError(problems)
    return deck


def check_decks(paths: Iterable[Path | str]) -> list[str]:
    """Every problem of every file, in order; [] when all are good."""
    problems: list[str] = []
    for path in paths:
        problems.extend(_read(Path(path))[1])
    return problems


# --- the decks Fireside knows ------------------------------------------------------------------


def _deck_files(folder: Path | None) -> list[Path]:
    if folder is None:
        return []
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.toml") if p.is_file())


def builtin_deck_files() -> list[Path]:
    """The built-in deck files, sorted by name: English ones in prompts/decks/, others in a folder per language."""
    folders = [BUILTIN_DIR] + sorted(p for p in BUILTIN_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    return sorted((path for folder in folders for path in _deck_files(folder)), key=lambda p: p.name)


def list_decks(user_dir: Path | str | None = None) -> tuple[list[Deck], list[str]]:
    """Every built-in deck, then the facilitator's own from ``user_dir`` (if it exists).

    A broken deck is left out and its problems are returned instead; nothing raises. A deck of his
    whose file name is the id of a built-in deck is left out too, with a problem saying so. The
    decks are the ones kept between calls: read them, never change them (find_deck gives a copy).
    """
    decks: list[Deck] = []
    problems: list[str] = []
    builtin_files = builtin_deck_files()
    for path in builtin_files:
        deck, found = _read(path, builtin=True, shared=True)
        problems.extend(found)
        if deck is not None:
            decks.append(deck)
    builtin_ids = {path.stem.casefold() for path in builtin_files}
    own: list[Deck] = []
    for path in _deck_files(Path(user_dir) if user_dir is not None else None):
        if path.stem.casefold() in builtin_ids:
            problems.append(_l("%(file)s: a built-in deck is already called '%(deck)s'; give your file another name",
                               file=path.name, deck=path.stem))
            continue
        deck, found = _read(path, builtin=False, shared=True)
        problems.extend(found)
        if deck is not None:
            own.append(deck)
    decks.sort(key=lambda d: d.title.casefold())
    own.sort(key=lambda d: d.title.casefold())
    return decks + own, problems


def find_deck(deck_id: str, user_dir: Path | str | None = None) -> Deck:
    """The deck with this id (a built-in one first). DeckError if there is none or it is broken.

    The id is only compared with file names found on disk, never joined into a path.
    """
    builtin = builtin_deck_files()
    builtin_ids = {path.stem.casefold() for path in builtin}
    own = [path for path in _deck_files(Path(user_dir) if user_dir is not None else None)
           if path.stem.casefold() not in builtin_ids]
    for path, is_builtin in [(p, True) for p in builtin] + [(p, False) for p in own]:
        if path.stem == deck_id:
            deck, problems = _read(path, builtin=is_builtin)
            if problems:
                raise DeckError(problems)
            return deck
    raise DeckError([_l("there is no deck called '%(deck)s'", deck=deck_id)])


# --- a new deck of his own ---------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _toml_string(value: str) -> str:
    """A TOML basic string holding ``value`` on one line."""
    return json.dumps(" ".join(_CONTROL.sub(" ", value).split()), ensure_ascii=False)


def starter_file(language: str = DEFAULT_LANGUAGE) -> Path:
    """The built-in starter deck written in this language (its items, notes and comments), else the English one."""
    written = BUILTIN_DIR / language / f"starter-{language}.toml"
    return written if language != DEFAULT_LANGUAGE and written.is_file() else STARTER_FILE


def starter_deck_text(title: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A small, commented deck with one item of every kind, titled ``title``, written in ``language``.

    A man whose meetings are held in Spanish gets the Spanish starter: its items, its comments and
    its summary are in Spanish, and the file says so (language = "es").
    """
    source = starter_file(language)
    spoken = language if source != STARTER_FILE else DEFAULT_LANGUAGE
    default = i18n.tr(spoken, str(STARTER_TITLE))
    title = " ".join(_CONTROL.sub(" ", str(title)).split())[:TITLE_MAX].strip() or default
    summary = i18n.tr(spoken, str(STARTER_SUMMARY))
    text = source.read_text(encoding="utf-8")
    text, titled = re.subn(r"^title = .*$", lambda _: f"title = {_toml_string(title)}", text,
                           count=1, flags=re.M)
    text, summed = re.subn(r"^summary = .*$",
                           lambda _: f"summary = {_toml_string(summary)}", text,
                           count=1, flags=re.M)
    if not (titled and summed):  # the starter lost its one-line title or summary
        raise RuntimeError(f"{source} needs one-line title and summary")
    return text


def _file_stem(name: str) -> str:
    stem = re.sub(r"[^\w]+", "-", name.casefold(), flags=re.UNICODE).strip("-_")
    return stem[:60].strip("-_")


def write_starter(name: str, user_dir: Path | str, language: str = DEFAULT_LANGUAGE) -> Path:
    """Write a starter deck called NAME into ``user_dir``, written in ``language``; return its path.

    The file name is NAME in lowercase with dashes ("Monday night" -> monday-night.toml) and the
    title is NAME as written. Refuses (DeckError) an empty name, the id of a built-in deck, and a
    file that already exists: it never overwrites.
    """
    stem = _file_stem(str(name))
    if not stem:
        raise DeckError([_l("'%(name)s' cannot be a deck name; use letters or digits", name=name)])
    if stem.casefold() in {path.stem.casefold() for path in builtin_deck_files()}:
        raise DeckError([f"a built-in deck is already called '{stem}'; choose another name"])
    words = " ".join(str(name).replace("-", " ").replace("_", " ").split())
    title = words if words != words.lower() else words[:1].upper() + words[1:]
    folder = Path(user_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.toml"
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(starter_deck_text(title, language))
    except FileExistsError:
        raise DeckError([f"{path} already exists; choose another name, or edit that file"])
    return path
