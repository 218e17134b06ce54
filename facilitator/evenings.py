"""The facilitator's own evenings as the editor sees them: read, checked, written, imported.

An evening is a deck file (prompts/README.md) in the data folder's decks directory. The editor
works on the deck form (the fields of the file, as the schema reads them); this module turns a file
into that form and back. Checking is prompts/schema.py's, the very same as the loader's and
`fireside decks check`; here its sentences are only sorted to the field they are about, so the
editor can show each next to its field.

Writing keeps what a person wrote: a file (or the built-in deck it was duplicated from) is
re-read with tomlkit and only the values that changed are replaced, so comments stay. A file is
written to a temporary file beside it and renamed over it (mode 0600), and never over a file that
changed on disk since the editor opened it (``Conflict``).
"""

from __future__ import annotations

import hashlib
import re
import threading
import tomllib
import unicodedata
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Comment, Null, Table, Whitespace

import prompts
import prompts as deck_files  # the loader: prompts/__init__.py
from facilitator import i18n, instance
from facilitator.i18n import _l
from prompts.schema import FIELD_NAMES, ITEM_FIELDS, KIND_LABELS, Text, labelled, validate_deck, validate_item

IMPORT_BYTES_MAX = 48 * 1024  # a deck of 60 long items fits; the built-in ones are about 5 KB
TEXT_MAX = 4000  # one value in the editor's message; the schema's own limits are far below
VALUES_MAX = 60  # fields of one item, entries of one list
KEEP_EMPTY = ("id", "kind", "prompt")  # written even when empty, so the schema names them
DECK_ORDER = ("title", "summary", "minutes", "language")

# What each field is called in the editor, in the facilitator's words: the form's labels, and the
# name a problem gives the field it is about, never the file's own name for it ("prompt", "scale_min").
FIELD_LABELS = {
    "title": _l("Title"), "summary": _l("One-line summary"), "language": _l("Written in"),
    "id": _l("Short name"), "kind": _l("Kind"), "prompt": _l("What the phones show"),
    "note": _l("Note for you (only on the console)"), "minutes": _l("Minutes"), "options": _l("Options"),
    "max": _l("Each man may pick up to"), "scale_min": _l("Lowest point"), "scale_max": _l("Highest point"),
    "min_label": _l("Words at the lowest point"), "max_label": _l("Words at the highest point"),
    "x_label": _l("Across (left to right)"), "y_label": _l("Up (bottom to top)"),
    "low_label": _l("Low end of both"), "high_label": _l("High end of both"),
    "max_words": _l("Words per answer, at most"),
}


# The schema's sentences that name a field in the file's own words, as the editor says them instead
# (the same values; `fireside decks check` keeps the file's words, for whoever edits the file).
IN_HIS_WORDS = {
    "max %(n)s must be at least 1": _l("Each man must be able to pick at least 1, not %(n)s"),
    "max %(n)s is more than the %(options)s options": _l("Each man can pick at most the %(options)s options there are, not %(n)s"),
    "scale min %(low)s is not below max %(high)s": _l("The lowest point, %(low)s, must be below the highest, %(high)s"),
    "scale from %(low)s to %(high)s has %(points)s points; the most is %(most)s":
        _l("From %(low)s to %(high)s is %(points)s points; a scale has at most %(most)s"),
    "id '%(id)s' may only use lowercase letters, digits, - and _":
        _l("The short name “%(id)s” may only use small letters, digits, - and _"),
}


def field_labels(language):
    """FIELD_LABELS in a language, for the editor's page."""
    return {name: i18n.say(label, language) for name, label in FIELD_LABELS.items()}


_write_lock = threading.Lock()  # one save at a time: "is it unchanged?" and "replace it" are one step


class EveningError(Exception):
    """An evening that cannot be read, written or imported; ``problems`` are plain sentences.

    Each problem may be a sentence to say later in the meeting's language (i18n.Sentence, schema.Text);
    ``said(language)`` gives them all in one.
    """

    def __init__(self, problems, status=400):
        """problems: a sentence or a list of them; status: the HTTP answer it becomes."""
        one = isinstance(problems, (str, i18n.Sentence))
        self.problems = [problems] if one else list(problems)
        self.status = status
        super().__init__(" ".join(str(problem) for problem in self.problems))

    def said(self, language):
        """The problems, each in a language."""
        return [i18n.say(problem, language) for problem in self.problems]


class Conflict(EveningError):
    """The file changed on disk since the editor opened it."""

    def __init__(self, name):
        """name: the file's name, for the sentence."""
        super().__init__(_l("%(name)s was changed on disk since you opened it (perhaps in a text editor). "
                            "Reload it to see that version; your changes here are not saved.", name=name), status=409)


def version_of(data: bytes | None) -> str | None:
    """A fingerprint of a file's bytes: the editor sends it back to prove it saw this version."""
    return None if data is None else hashlib.sha256(data).hexdigest()


# --- finding files --------------------------------------------------------------------------------

def _builtin_ids():
    """The ids of the built-in decks, casefolded."""
    return {path.stem.casefold() for path in deck_files.builtin_deck_files()}


def own_path(user_dir, deck_id) -> Path | None:
    """The facilitator's deck file with this id; the id is only compared with names on disk, never joined."""
    if not isinstance(deck_id, str):
        return None
    builtin = _builtin_ids()
    for path in deck_files._deck_files(Path(user_dir)):
        if path.stem == deck_id and path.stem.casefold() not in builtin:
            return path
    return None


def builtin_path(deck_id) -> Path | None:
    """The built-in deck file with this id, or None."""
    return next((p for p in deck_files.builtin_deck_files() if p.stem == deck_id), None)


def listing(user_dir, language=i18n.SOURCE):
    """Every deck for the editor's list: built-in ones, then his own, broken ones too (with their problems, in a language)."""
    builtin = [{"id": p.stem, **_head_of(p), "builtin": True, "problems": []}
               for p in deck_files.builtin_deck_files()]
    own = []
    builtin_ids = _builtin_ids()
    for path in deck_files._deck_files(Path(user_dir)):
        if path.stem.casefold() in builtin_ids:
            continue
        problems = [i18n.say(problem, language) for problem in prompts.check_decks([path])]
        own.append({"id": path.stem, **_head_of(path), "builtin": False, "problems": problems})
    builtin.sort(key=lambda d: d["title"].casefold())
    own.sort(key=lambda d: d["title"].casefold())
    return builtin + own


def _head_of(path):
    """A deck's title as its file says (or its file name when it has none that reads) and its language."""
    try:
        head = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        head = {}
    title, language = head.get("title"), head.get("language")
    return {"title": title.strip() if isinstance(title, str) and title.strip() else path.stem,
            "language": i18n.supported(language) or i18n.SOURCE}


# --- reading ------------------------------------------------------------------------------------

def read(user_dir, deck_id, language=i18n.SOURCE):
    """One deck in deck form with its version: {"id", "builtin", "version", "deck", "check"}."""
    path = own_path(user_dir, deck_id)
    builtin = path is None
    if builtin:
        path = builtin_path(deck_id)
    if path is None:
        raise EveningError(_l("There is no evening called '%(id)s'. It may have been deleted.", id=deck_id), status=404)
    data = path.read_bytes()
    deck = parse(data, path.name)
    return {"id": path.stem, "builtin": builtin, "version": version_of(data), "deck": deck,
            "check": check(deck, language)}


def parse(data: bytes, name: str) -> dict:
    """A deck file's bytes as deck form; unreadable TOML raises EveningError naming the line."""
    if len(data) > deck_files.DECK_BYTES_MAX:
        raise EveningError(_l("%(name)s is too large for an evening (%(size)s KB).", name=name, size=len(data) // 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EveningError(_l("%(name)s is not UTF-8 text; save it again as UTF-8.", name=name)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise EveningError(deck_files._toml_problem(name, error)) from None


# --- checking, sorted by field -----------------------------------------------------------------

_OPTION = re.compile(r"^option \d+\b")
_DUPLICATE = re.compile(r"the id is used by more than one item \(items (?P<numbers>[\d, and]+)\)$")


def _sentence(message):
    """A schema message as a sentence on its own: a capital and a full stop."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "?", ")")) else ".")


def _item_field(message):
    """Which field of an item a schema message is about ("" for the item as a whole)."""
    if _OPTION.match(message):
        return "options"
    if message.startswith("scale min"):
        return "scale_min"
    if message.startswith("scale from"):
        return "scale_max"
    first = message.split(" ", 1)[0]
    if " does not belong on a " in message:
        return "kind"
    return first if first in FIELD_NAMES else ""


def _label(raw, index):
    """The label the schema puts before an item's messages (prompts/schema.validate_item)."""
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    return f"item '{raw_id.strip()}'" if isinstance(raw_id, str) and raw_id.strip() else f"item {index}"


def _after_label(message, prefix):
    """A schema message without the label before it (prefix, "item 'tonight': "), still a sentence to translate."""
    if not message.startswith(prefix):
        return message
    if isinstance(message, Text) and "problem" in message.params:
        return message.params["problem"]
    return message[len(prefix):]


def _named(message, language):
    """A schema message that names a field ("title is empty"), naming it by its label in the editor."""
    if isinstance(message, Text) and message.message in IN_HIS_WORDS:
        return i18n.tr(language, IN_HIS_WORDS[message.message].message, **message.params)
    field = message.params.get("field") if isinstance(message, Text) else None
    if not isinstance(field, str) or field not in FIELD_LABELS:
        return message
    params = dict(message.params, field=_quoted(FIELD_LABELS[field], language))
    if params.get("kind") in KIND_LABELS:  # "does not belong on a compass item": the kind as the editor names it
        params["kind"] = _quoted(KIND_LABELS[params["kind"]], language)
    return Text(message.message, params, message.plural, message.n)


def _quoted(label, language):
    """A field's or a kind's label in a language, in that language's quotation marks."""
    return i18n.tr(language, "“%(label)s”", label=i18n.say(label, language))


def check(deck, language=i18n.SOURCE) -> dict:
    """The schema's verdict on a deck in deck form, each sentence under the field it is about, in a language.

    {"ok", "count", "deck": {field: [sentences]}, "items": [{field: [sentences]}], "all": [...],
     "bad_options": [[the numbers of an item's options with a problem]]}
    Messages are sorted by their English (the schema's words); each is then said in the language.
    """
    result = {"deck": {}, "items": [], "all": [], "bad_options": []}
    _fields, problems = validate_deck(deck, "", prompts.languages())
    raw_items = deck.get("items") if isinstance(deck, dict) else None
    raw_items = raw_items if isinstance(raw_items, list) else []
    for index, raw in enumerate(raw_items, start=1):
        found, bad_options = {}, []
        _item, messages = validate_item(raw, "", index=index)
        prefix = _label(raw, index) + ": "
        for message in messages:
            message = _after_label(message, prefix)
            option = _OPTION.match(str(message))
            if option:
                bad_options.append(int(option.group(0).split()[1]))
            sentence = _sentence(i18n.say(_named(message, language), language))
            found.setdefault(_item_field(str(message)), []).append(sentence)
            result["all"].append(i18n.tr(language, "Item %(n)s: %(problem)s", n=index, problem=sentence))
        result["items"].append(found)
        result["bad_options"].append(bad_options)
    for message in problems:
        duplicate = _DUPLICATE.search(message)
        if duplicate:
            numbers = [int(n) for n in re.findall(r"\d+", duplicate["numbers"])]
            for number in numbers:
                others = ", ".join(str(n) for n in numbers if n != number)
                sentence = i18n.tr(language, "Item %(numbers)s has the same short name; each item needs its own.",
                                   numbers=others)
                result["items"][number - 1].setdefault("id", []).append(sentence)
                result["all"].append(i18n.tr(language, "Item %(n)s: %(problem)s", n=number, problem=sentence))
        elif message.startswith("item "):
            continue  # an item's own problem, sorted above
        else:
            first = message.split(" ", 1)[0]
            field = first if first in ("title", "summary", "minutes", "language") else "items"
            sentence = _sentence(i18n.say(_named(message, language), language))
            result["deck"].setdefault(field, []).append(sentence)
            result["all"].append(sentence)
    result["count"] = len(result["all"])
    result["ok"] = not result["all"]
    return result


# --- what the editor sends ------------------------------------------------------------------------

def _clean_value(value, depth=0):
    """A value the editor may send: text, a whole number, true/false, or a short list of them."""
    if isinstance(value, bool) or isinstance(value, int):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**9:
            raise EveningError(_l("A number in the evening is far too large."))
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value  # the schema says "a whole number"
    if isinstance(value, str):
        if len(value) > TEXT_MAX:
            raise EveningError(_l("A text in the evening is longer than %(n)s characters.", n=TEXT_MAX))
        return value
    if isinstance(value, list) and depth == 0:
        if len(value) > VALUES_MAX:
            raise EveningError(_l("A list in the evening has more than %(n)s entries.", n=VALUES_MAX))
        return [_clean_value(v, depth + 1) for v in value]
    if isinstance(value, dict) and depth == 1:  # an option with flags, should options ever carry them
        return _clean_table(value, depth + 1)
    raise EveningError(_l("The evening holds a value the editor cannot save. Reload the page and try again."))


_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _clean_table(table, depth=0):
    """A table of fields (a deck's or an item's), each name a plain field name."""
    if not isinstance(table, dict) or len(table) > VALUES_MAX:
        raise EveningError(_l("The evening could not be read. Reload the page and try again."))
    clean = {}
    for name, value in table.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise EveningError(_l("The evening has a field name the editor cannot save."))
        if value is None:
            continue
        clean[name] = _clean_value(value, depth)
    return clean


def clean(deck) -> dict:
    """The editor's deck as plain deck form, or EveningError; its contents are left to the schema."""
    if not isinstance(deck, dict):
        raise EveningError(_l("The evening could not be read. Reload the page and try again."))
    items = deck.get("items", [])
    if not isinstance(items, list) or len(items) > VALUES_MAX:
        raise EveningError(_l("An evening has at most %(n)s items.", n=VALUES_MAX))
    top = _clean_table({k: v for k, v in deck.items() if k != "items"})
    top["items"] = [_clean_table(item) for item in items]
    return top


# --- writing ------------------------------------------------------------------------------------

def _keep(name, value):
    """Whether a field is written: empty optional fields are left out of the file."""
    if value is None:
        return False
    if value == "" or value == []:
        return name in KEEP_EMPTY or name == "title"
    return True


def _set(table, name, value):
    """Set a value in a tomlkit table, leaving it (and its comment) alone when it is unchanged."""
    if name in table and table[name] == value:
        return
    table[name] = value


def _is_trivia(entry):
    """A comment or blank line in a tomlkit container's body (key None)."""
    return entry[0] is None and isinstance(entry[1], (Comment, Whitespace))


def _cut_trailing(body):
    """Remove and return the comments just above an ``[[items]]`` line from the body that ends there.

    In a deck file those comments end the body of the table before (or the top of the file, for
    the first item), though they are about the next item. The block runs from the last blank line
    of the comments at the end: comments further up, set apart by a blank line, stay where they are.
    """
    while body and body[-1][0] is None and isinstance(body[-1][1], Null):  # what a deleted table leaves
        del body[-1]
    start = len(body)
    while start and _is_trivia(body[start - 1]):
        start -= 1
    cut = start
    for index in range(len(body) - 1, start - 1, -1):
        if isinstance(body[index][1], Whitespace):
            cut = index
            break
    trailing = body[cut:]
    del body[cut:]
    return trailing


def to_toml(deck: dict, source: str | None = None) -> str:
    """A deck in deck form as TOML text; with ``source`` (the text it came from), its comments are kept.

    Each item that keeps its id keeps its table, so the comments inside it and the comments just
    above it travel with it when the items are reordered; only values that changed are rewritten.
    """
    doc = tomlkit.parse(source) if source else tomlkit.document()
    old = doc.get("items") if source else None
    old_tables = list(old) if isinstance(old, list) and all(isinstance(t, Table) for t in old) else []
    if "items" in doc:
        del doc["items"]
    above, tail = {}, []  # the comments above each old item, by table; those after the last item
    previous = None
    for table in old_tables:
        above[id(table)] = _cut_trailing(doc.body if previous is None else previous.value.body)
        previous = table
    if old_tables:
        tail = _cut_trailing(old_tables[-1].value.body)
    by_id = {}
    for table in old_tables:
        key = table.get("id")
        if isinstance(key, str) and key not in by_id:
            by_id[key] = table

    for name in list(doc):
        if name != "items" and not _keep(name, deck.get(name)):
            del doc[name]
    fields = [n for n in DECK_ORDER if n in deck] + [n for n in deck if n not in DECK_ORDER and n != "items"]
    for name in fields:
        if _keep(name, deck[name]):
            _set(doc, name, deck[name])
    order = [field.name for field in ITEM_FIELDS]
    tables = []
    for item in deck.get("items", []):
        key = item.get("id")
        table = by_id.pop(key, None) if isinstance(key, str) else None
        if table is None:
            table = tomlkit.table()
        for name in list(table):
            if not _keep(name, item.get(name)):
                del table[name]
        for name in sorted(item, key=lambda n: order.index(n) if n in order else len(order)):
            if _keep(name, item[name]):
                _set(table, name, item[name])
        tables.append(table)
    # The comments above each item go back above it, wherever it now stands; a new item gets a
    # blank line above it.
    previous = None
    for table in tables:
        body = doc.body if previous is None else previous.value.body
        block = above.get(id(table)) or []
        if not block and body:
            block = [(None, Whitespace("\n"))]
        body.extend(block)
        previous = table
    if tables:
        tables[-1].value.body.extend(tail)
        indent = tables[0].trivia.indent
        doc.append("items", AoT(tables, parsed=True))
        tables[0].trivia.indent = indent  # tomlkit adds a blank line after a comment; the block has its own
    text = tomlkit.dumps(doc)
    return text if text.endswith("\n") else text + "\n"


def _new_path(folder: Path, title) -> Path:
    """A file name for a new evening from its title, taken by no deck (his or built-in)."""
    text = unicodedata.normalize("NFKD", str(title or "")).encode("ascii", "ignore").decode()
    stem = deck_files._file_stem(text)[:40].strip("-_") or "evening"
    taken = _builtin_ids() | {p.stem.casefold() for p in folder.glob("*.toml")}
    name, number = stem, 2
    while name.casefold() in taken:
        name, number = f"{stem}-{number}", number + 1
    return folder / f"{name}.toml"


def save(user_dir, deck_id, deck, version, source_id=None, language=i18n.SOURCE) -> dict:
    """Write an evening; returns {"id", "version", "check"}. It may be a draft (not valid yet).

    deck_id None makes a new file named after the title (source_id: the deck it was duplicated
    from, whose comments it keeps). Otherwise the file must still be the version the editor
    opened, or Conflict is raised and nothing is written.
    """
    deck = clean(deck)
    folder = Path(user_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with _write_lock:
        if deck_id is None:
            path, old = _new_path(folder, deck.get("title")), None
            source_path = (own_path(folder, source_id) or builtin_path(source_id)) if source_id else None
            source = source_path.read_text(encoding="utf-8-sig") if source_path else None
        else:
            path = own_path(folder, deck_id)
            if path is None:
                if builtin_path(deck_id):
                    raise EveningError(_l("Built-in evenings cannot be changed. Duplicate it and change the copy."),
                                       status=403)
                raise EveningError(_l("There is no evening called '%(id)s' any more: it was deleted on disk. "
                                      "Save it as a new evening instead.", id=deck_id), status=409)
            old = path.read_bytes()
            if version_of(old) != version:
                raise Conflict(path.name)
            source = old.decode("utf-8-sig", errors="replace")
        try:
            text = to_toml(deck, source)
        except Exception:  # a source file tomlkit cannot keep: write it afresh, without its comments
            text = to_toml(deck)
        instance.write_private(path, text)
    return {"id": path.stem, "version": version_of(text.encode("utf-8")), "check": check(deck, language)}


def delete(user_dir, deck_id, version) -> None:
    """Delete one of his evenings, if it is still the version the editor showed."""
    with _write_lock:
        path = own_path(user_dir, deck_id)
        if path is None:
            if builtin_path(deck_id):
                raise EveningError(_l("Built-in evenings cannot be deleted."), status=403)
            raise EveningError(_l("There is no evening called '%(id)s'.", id=deck_id), status=404)
        if version_of(path.read_bytes()) != version:
            raise Conflict(path.name)
        path.unlink()


# --- importing and exporting ----------------------------------------------------------------------

def _item_lines(text):
    """The line number of each [[items]] header, in order."""
    return [number for number, line in enumerate(text.splitlines(), start=1)
            if line.strip().startswith("[[items]]")]


def import_file(user_dir, name, text) -> dict:
    """A shared deck file, kept as written: checked first, refused with every problem named by line and field."""
    name = Path(str(name or "evening.toml")).name[:80] or "evening.toml"
    if not isinstance(text, str):
        raise EveningError(_l("Choose a .toml file to import."))
    data = text.encode("utf-8")
    if len(data) > IMPORT_BYTES_MAX:
        raise EveningError(_l("%(name)s is too large to be an evening (%(size)s KB; the most is %(most)s KB).",
                              name=name, size=len(data) // 1024, most=IMPORT_BYTES_MAX // 1024), status=413)
    parsed = parse(data, name)
    _fields, problems = validate_deck(parsed, name, prompts.languages())
    if problems:
        lines = _item_lines(text)
        numbered = []
        for message in problems:
            match = re.match(rf"^{re.escape(name)}, item (?:'(?P<key>[^']*)'|(?P<index>\d+)): ", message)
            line = None
            if match and match["index"]:
                line = lines[int(match["index"]) - 1] if int(match["index"]) <= len(lines) else None
            elif match:
                keys = [i for i, raw in enumerate(parsed.get("items", []), start=1)
                        if isinstance(raw, dict) and raw.get("id") == match["key"]]
                line = lines[keys[0] - 1] if keys and keys[0] <= len(lines) else None
            if line is not None:
                message = _with_line(message, name, line)
            numbered.append(message)
        raise EveningError(numbered)
    folder = Path(user_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with _write_lock:
        path = _new_path(folder, parsed.get("title"))
        instance.write_private(path, text if text.endswith("\n") else text + "\n")
    return {"id": path.stem}


def _with_line(message, name, line):
    """A schema message about an item of a file, with the line of its [[items]] header after the file's name."""
    where = message.params.get("where") if isinstance(message, Text) else None
    if isinstance(where, Text) and where.params.get("p0") == name and "p1" in where.params:
        # The schema's own kind of sentence, so the place translates as one (prompts.schema.Text).
        return labelled(Text("%(p0)s, %(p1)s, %(p2)s", {"p0": name, "p1": prompts.schema._l("line %(n)s", n=line),
                                                           "p2": where.params["p1"]}), message.params["problem"])
    return message.replace(f"{name}, ", f"{name}, line {line}, ", 1)


def export_file(user_dir, deck_id) -> tuple[str, bytes]:
    """(file name, bytes) of a deck, his or built-in, exactly as it is on disk."""
    path = own_path(user_dir, deck_id) or builtin_path(deck_id)
    if path is None:
        raise EveningError(_l("There is no evening called '%(id)s'.", id=deck_id), status=404)
    return path.name, path.read_bytes()
