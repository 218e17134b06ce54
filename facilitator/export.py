"""Anonymized summaries of ended meetings: Markdown, CSV, JSON and a printable HTML page with SVG charts.

A summary is built only from what a meeting keeps once it has ended (DESIGN.md, "Privacy by
construction"): the day, the deck, how many phones joined, each item's prompt, each poll's
tally as stored in `items.result` (behind the privacy floor), the words and sentences the
facilitator approved *and* marked for export, and his notes. Ballots, tokens, the meeting key,
the join code and any time finer than the day never reach it, so no format can leak them.

Everything here is deterministic: the same meeting gives the same bytes, whether the console
downloads it or `fireside export` writes it. The format is documented in docs/export.md.

Every sentence Fireside writes into a summary is in the language of its meeting (`meetings.language`),
whatever language the server speaks now; the history page is in the room's language. The language
of one render lives in a context variable (`speaking`), so two renders at once, in two threads or
greenlets, never borrow each other's words. Column names, JSON keys and the `status` and `part`
values stay English: programs read them.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import datetime
import functools
import io
import json
import re
import textwrap
from pathlib import Path

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from facilitator import i18n
from facilitator.i18n import _l
from facilitator.kinds import DEFAULT_AXES, KIND_LABELS, MODERATED_KINDS, SPEC_FIELDS

# 2: a result's "answered" counts real answers only; "responded" counts everyone, passes included.
# 3: below the floor a result keeps "responded" only, not how many of them answered or passed.
SCHEMA = "fireside.summary/3"

FORMATS = ("md", "csv", "json", "html")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "html": "text/html; charset=utf-8",
}

# What happened to an item, in the summary's "status" field.
DISCUSSION = "discussion"  # a prompt, no answers
SHOWN = "shown"  # revealed in the room, above the floor
NOT_REVEALED = "not revealed"  # above the floor, but the room never saw it: tallied when the meeting ended
NOT_SHOWN = "not shown"  # below the privacy floor: only how many responded is kept

HERE = Path(__file__).parent
STYLESHEET = HERE / "static" / "export.css"
STYLESHEET_URL = "/f/static/export.css"  # the facilitator blueprint's static_url_path

QUADRANTS = ("both", "connection", "space", "neither")  # the stored tally's and the CSV's order
# The order a person reads the compass in: top left, top right, bottom left, bottom right, as the
# chart draws them and the projector and phones list them (participant/static/results.js).
QUADRANT_ORDER = ("space", "both", "neither", "connection")


class ExportError(Exception):
    """A summary that cannot be made, with a sentence that says why and what to do.

    Its message may be an i18n.Sentence: str() gives the English (the command line, the logs),
    i18n.say(error.message, language) the facilitator's language.
    """

    @property
    def message(self):
        """The sentence, to be said in a language."""
        return self.args[0] if self.args else ""


# --- the language of one render ------------------------------------------------------------------

_LANGUAGE = contextvars.ContextVar("fireside_summary_language", default=i18n.SOURCE)


@contextlib.contextmanager
def speaking(language):
    """Inside the block, every sentence this module and its templates write is in this language."""
    token = _LANGUAGE.set(i18n.supported(language) or i18n.SOURCE)
    try:
        yield _LANGUAGE.get()
    finally:
        _LANGUAGE.reset(token)


def language() -> str:
    """The language of the render under way (English outside any)."""
    return _LANGUAGE.get()


def _(message, **params):
    """A sentence in the language of the render under way, %(name)s filled from params."""
    return i18n.tr(_LANGUAGE.get(), message, **params)


def ngettext(singular, plural, n, **params):
    """A sentence for a number n (%(num)s, written as the language writes numbers), in the render's language."""
    params.setdefault("num", count(n))
    return i18n.ntr(_LANGUAGE.get(), singular, plural, n, **params)


def _jinja_gettext(message):
    """gettext for the templates (Jinja fills the %(name)s itself, escaping them)."""
    return i18n.translations(_LANGUAGE.get()).gettext(message)


def _jinja_ngettext(singular, plural, n):
    """ngettext for the templates."""
    return i18n.translations(_LANGUAGE.get()).ngettext(singular, plural, n)


# --- building the summary ------------------------------------------------------------------


def deck_titles(user_dir) -> dict:
    """Every deck's title by its id (built-in and the facilitator's own), so a summary names a deck as he knows it."""
    import prompts

    try:
        decks, _problems = prompts.list_decks(user_dir)
    except Exception:  # noqa: BLE001 - an unreadable deck folder costs only the titles, never the summary
        return {}
    return {deck.id: deck.title for deck in decks}


def shared_keys(user_dir) -> set:
    """The item ids that more than one deck uses (prompts/README.md): the questions meant to be compared."""
    import prompts

    try:
        decks, _problems = prompts.list_decks(user_dir)
    except Exception:  # noqa: BLE001 - an unreadable deck folder costs only this hint, never the page
        return set()
    seen, shared = set(), set()
    for deck in decks:
        for key in {item.get("key") or item.get("id") for item in deck.items} - {None, ""}:
            (shared if key in seen else seen).add(key)
    return shared


def summary(store, meeting_id, titles: dict | None = None, help_lines=None) -> dict:
    """The summary of one ended meeting, read from the store (see build_summary); titles: deck_titles().

    help_lines, the facilitator's local help lines as set now (facilitator/helplines.py), go on
    the summary so the printed page carries them; they are his settings, not the meeting's data.
    """
    meeting = store.meeting(meeting_id)
    if meeting is None:
        raise ExportError(_l("There is no meeting %(id)s. `fireside meetings` lists them.", id=meeting_id))
    if meeting["status"] != "ended":
        raise ExportError(_l(
            "Meeting %(id)s is still running. End it on the console first: until then its "
            "answers are still raw ballots, and a summary holds only what is kept once it has ended.",
            id=meeting_id))
    items = store.items(meeting_id)
    moderation = {item["id"]: store.moderation(item["id"]) for item in items if item["kind"] in MODERATED_KINDS}
    built = build_summary(meeting, items, moderation, titles)
    built["help_lines"] = [{"label": line["label"], "contact": line["contact"]} for line in help_lines or []]
    return built


def latest_ended(store):
    """The id of the most recent ended meeting, or None."""
    for meeting in store.meetings():  # newest first
        if meeting["status"] == "ended":
            return meeting["id"]
    return None


def build_summary(meeting: dict, items: list, moderation: dict, titles: dict | None = None) -> dict:
    """The summary as plain data (the JSON format): meeting, used items in order, items not used.

    moderation maps an item id to {text: {"approved", "export"}} for words and text polls.
    """
    used, not_used = [], []
    for item in items:
        if item["state"] == "pending":  # never pushed to the room
            not_used.append({"key": item.get("key") or "", "kind": item["kind"], "prompt": item["prompt"]})
            continue
        entry = {"number": len(used) + 1, "key": item.get("key") or "", "kind": item["kind"],
                 "prompt": item["prompt"]}
        entry.update({name: item[name] for name in SPEC_FIELDS if name in item})
        entry.update(_outcome(item, meeting, moderation.get(item["id"], {})))
        used.append(entry)
    return {
        "schema": SCHEMA,
        "at_a_glance": at_a_glance(used),
        "meeting": {
            "id": meeting["id"],
            "title": meeting["title"],
            "deck": meeting["deck"] or "",
            # The deck's title as the console lists it; its id when the deck is no longer there.
            "deck_title": (titles or {}).get(meeting["deck"]) or meeting["deck"] or "",
            "held_on": meeting["held_on"],  # the day only
            "phones_joined": meeting["phones_joined"],
            "floor": meeting["privacy_floor"],
            "notes": meeting["notes"] or "",
            # The language the meeting was held in: every sentence Fireside writes into its summary is in it.
            "language": i18n.supported(meeting.get("language")) or i18n.SOURCE,
        },
        "items": used,
        "not_used": not_used,
    }


# Shared deck ids (prompts/README.md) that say how the room arrived and how it left: an item whose
# key starts or ends with the first of a pair is set beside the one with the second in its place.
BEFORE_AFTER = (("checkin-", "checkout-", "prefix"), ("-tonight", "-leaving", "suffix"))
END_CHECK = "end-"  # scale items whose key starts so: the end-of-evening check
GLANCE_KINDS = ("choice", "multi", "scale", "compass")


def _partner(key: str):
    """(the key of how the room left, was this the arriving one) for a key of a before/after pair, else None."""
    for before, after, where in BEFORE_AFTER:
        if where == "prefix":
            if key.startswith(before):
                return after + key[len(before):], True
            if key.startswith(after):
                return before + key[len(after):], False
        else:
            if key.endswith(before):
                return key[:-len(before)] + after, True
            if key.endswith(after):
                return key[:-len(after)] + before, False
    return None


def at_a_glance(used: list) -> dict:
    """What the morning-after reader wants first, by the decks' shared ids, showing only what exists.

    pairs: how the room arrived and left (check-in beside check-out, compass tonight beside
    leaving), each {"before", "after"} the number of a used item or None when only one was used;
    checks: the end-of-evening check (scale items keyed end-…); words: the words items whose kept
    words are in the summary. Everything refers to items by number; nothing new is counted.
    """
    by_key = {item["key"]: item for item in used if item["key"] and item["kind"] in GLANCE_KINDS}
    pairs, seen = [], set()
    for item in used:
        key = item["key"]
        if key not in by_key or key in seen:
            continue
        partner = _partner(key)
        if partner is None:
            continue
        other_key, arriving = partner
        other = by_key.get(other_key)
        if other is not None and other["kind"] != item["kind"]:
            other = None  # only like beside like
        seen.update({key, other_key})
        before, after = (item, other) if arriving else (other, item)
        pairs.append({"kind": item["kind"], "before": before["number"] if before else None,
                      "after": after["number"] if after else None})
    checks = [item["number"] for item in used if item["kind"] == "scale" and item["key"].startswith(END_CHECK)]
    words = [item["number"] for item in used
             if item["kind"] == "words" and (item.get("result") or {}).get("words")]
    return {"pairs": pairs, "checks": checks, "words": words}


def _outcome(item: dict, meeting: dict, moderation: dict) -> dict:
    """status, revealed and result of one used item."""
    if item["kind"] == "discussion":
        return {"status": DISCUSSION, "revealed": None, "result": None}
    revealed = item["state"] == "revealed"
    stored = item.get("result")
    if not isinstance(stored, dict):  # cannot happen for an ended meeting; say nothing rather than guess
        stored = {"kind": item["kind"], "shown": False, "answered": item.get("answered", 0), "passed": 0,
                  "floor": meeting["privacy_floor"]}
    stored = {**stored, **counts(stored)}
    if not stored.get("shown"):
        # Below the floor, only how many responded: not how many of them passed (a meeting ended
        # before Fireside stopped keeping that split may still hold it), nor anything else.
        result = {name: stored.get(name) for name in ("kind", "shown", "responded", "floor")}
        result["shown"] = False
        return {"status": NOT_SHOWN, "revealed": revealed, "result": result}
    result = dict(stored)
    if item["kind"] in MODERATED_KINDS:
        result.update(_exported_only(item["kind"], stored, moderation))
    return {"status": SHOWN if revealed else NOT_REVEALED, "revealed": revealed, "result": result}


def counts(tallied: dict) -> dict:
    """A tally's counts as every summary names them: responded (everyone), answered (passes left out), passed.

    The tally and the live surfaces count every phone that responded under "answered" (a pass
    included); a summary says "answered" only of real answers, as the room's pages do.
    """
    passed = tallied.get("passed") or 0
    responded = tallied.get("answered") or 0
    return {"responded": responded, "answered": responded - passed, "passed": passed}


def _exported_only(kind: str, result: dict, moderation: dict) -> dict:
    """Keep the approved words or sentences the facilitator marked for export; count the rest."""

    def marked(text):
        return bool((moderation.get(text) or {}).get("export"))

    if kind == "words":
        words = result.get("words") or []
        kept = [dict(entry) for entry in words if marked(entry["word"])]
        return {"words": kept, "withheld": len(words) - len(kept)}
    texts = result.get("texts") or []
    kept = [text for text in texts if marked(text)]  # the shuffled order stored at reveal
    return {"texts": kept, "withheld": len(texts) - len(kept)}


# --- words for people --------------------------------------------------------------------------


def long_day(held_on: str) -> str:
    """'2025-03-03' as the render's language writes a day in full: 'Monday, March 3, 2025', 'lunes, 3 de marzo de 2025'.

    Babel's own form for the language (CLDR), whatever the laptop's locale.
    """
    try:
        day = datetime.date.fromisoformat(held_on)
    except (TypeError, ValueError):
        return str(held_on)
    return format_date(day, format="full", locale=language())


def kind_name(kind: str) -> str:
    """What a kind is called ("One choice"), in the render's language.

    The names are written once, in prompts/schema.py (KIND_LABELS), and marked for the catalogue there.
    """
    return i18n.tr(language(), str(KIND_LABELS.get(kind, kind)))


def axis_word(text: str) -> str:
    """An axis name as the deck wrote it; Fireside's own default words (prompts/schema.py) in the render's language."""
    if text in {str(default) for default in DEFAULT_AXES.values()}:
        return i18n.tr(language(), str(text))
    return text


def kind_label(item: dict) -> str:
    """What kind of item this is, in a few words."""
    kind = item["kind"]
    label = kind_name(kind)
    if kind == "multi":
        # Translators: a poll where each man picks up to max options, e.g. "Several choices (up to 2)".
        return _("%(kind)s (up to %(max)s)", kind=label, max=item.get("max", "?"))
    if kind == "scale":
        scale = item.get("scale") or {}
        return f"{label} {scale.get('min')}–{scale.get('max')}"
    return label


def status_text(item: dict) -> str:
    """One line on whether and how the room saw this result."""
    result = item.get("result") or {}
    if item["status"] == NOT_SHOWN:
        return _("not shown — fewer than %(floor)s answers", floor=result.get("floor"))
    if item["status"] == NOT_REVEALED:
        return _("not revealed in the room (tallied when the meeting ended)")
    if item["status"] == SHOWN:
        return _("shown in the room")
    return _("discussion prompt")


def answers(result: dict) -> int | str:
    """Real answers, passes left out (a summary's "answered"); "—" below the floor, where only responses are kept."""
    if "responded" in result and "answered" not in result:
        return "—"
    return result.get("answered") or 0


def answered_text(result: dict) -> str:
    """'4 answered · 1 passed': answered never counts a pass; below the floor, '2 responded' (passes included)."""
    if "responded" in result and "answered" not in result:
        # Translators: how many men responded to a poll with too few answers to show, passes included.
        return ngettext("%(num)s responded", "%(num)s responded", result["responded"])
    passed = result.get("passed") or 0
    answered = result.get("answered") or 0
    # Translators: how many men answered a poll (passes are counted apart).
    parts = [ngettext("%(num)s answered", "%(num)s answered", answered)]
    if passed:
        # Translators: how many men passed on a poll ("Prefiero pasar").
        parts.append(ngettext("%(num)s passed", "%(num)s passed", passed))
    if result.get("later"):
        parts.append(later_text(result["later"]))
    return " · ".join(parts)


def glance_rows(before: dict | None, after: dict | None) -> list:
    """Rows (label, arrived, left) setting two like items side by side; a missing or floored side reads "—"."""
    sample = before or after
    kind = sample["kind"]

    def shown(item):
        return item is not None and (item.get("result") or {}).get("shown")

    def cell(item, pick):
        return pick(item["result"]) if shown(item) else "—"

    rows = [(_("Answered"), *(answers(i["result"]) if i else "—" for i in (before, after)))]
    if kind in ("choice", "multi"):
        options = []
        for item in (before, after):
            for option in (item or {}).get("options") or []:
                if option not in options:
                    options.append(option)
        for option in options:
            def count(result, item=None, option=option):
                return result["counts"][item["options"].index(option)] if option in item["options"] else "—"
            rows.append((option, *(cell(i, lambda r, i=i: count(r, i)) for i in (before, after))))
    elif kind == "scale":
        # Translators: a row or column of the card at a glance: the middle answer on a scale (as the phones say it).
        rows.append((_("The middle of the answers"), *(cell(i, lambda r: number(r["median"])) for i in (before, after))))
    elif kind == "compass":
        names, axes = quadrant_names(sample), axes_of(sample)
        rows += [(names[q], *(cell(i, lambda r, q=q: r["quadrants"][q]) for i in (before, after))) for q in QUADRANT_ORDER]
        # Translators: the room's middle answer on one axis of the compass, e.g. "The middle of the answers: connection".
        rows.append((_("The middle of the answers: %(axis)s", axis=axes["x"].lower()),
                     *(cell(i, lambda r: number(r["median"]["x"])) for i in (before, after))))
        rows.append((_("The middle of the answers: %(axis)s", axis=axes["y"].lower()),
                     *(cell(i, lambda r: number(r["median"]["y"])) for i in (before, after))))
    return rows


# Said on the card at a glance when the deck has nothing to set side by side (Markdown and HTML).
NOTHING_TO_SET_SIDE_BY_SIDE = _l("Nothing here to set side by side: this evening has no check-in, check-out, "
                                 "compass at the start and the end, or end-of-evening check.")


def item_numbers(before: dict | None, after: dict | None) -> str:
    """'items 2 and 9', or 'item 2' when only one side of a pair was used."""
    numbers = [i["number"] for i in (before, after) if i]
    if len(numbers) == 2:
        # Translators: the two items of a before/after pair on the card at a glance, e.g. "items 2 and 9".
        return _("items %(first)s and %(second)s", first=numbers[0], second=numbers[1])
    return _("item %(number)s", number=numbers[0])


def glance_items(summary_: dict) -> dict:
    """The at-a-glance card with its item numbers resolved to the items themselves."""
    by_number = {item["number"]: item for item in summary_["items"]}
    card = summary_.get("at_a_glance") or {}
    return {
        "pairs": [{"before": by_number.get(p["before"]), "after": by_number.get(p["after"])}
                  for p in card.get("pairs", [])],
        "checks": [by_number[n] for n in card.get("checks", []) if n in by_number],
        "words": [by_number[n] for n in card.get("words", []) if n in by_number],
    }


def glance_table(pair: dict) -> tuple:
    """(column names, rows) of one pair's table on the card: a column for each side that was asked.

    Both asked: Arriving beside Leaving. Only one: that side's column alone, never an empty column of "—"
    (not_asked() says once, under the pairs, that the other question was not asked).
    """
    sides = [n for n, item in enumerate((pair["before"], pair["after"])) if item is not None]
    names = (_("Arriving"), _("Leaving"))
    rows = [(label, *(values[n] for n in sides)) for label, *values in glance_rows(pair["before"], pair["after"])]
    return [names[n] for n in sides], rows


def not_asked(pairs: list) -> list:
    """Said once under the card's pairs: which pairs were asked on one side only, and which side that was."""
    said = []
    for missing, shown in (("after", "before"), ("before", "after")):
        numbers = [count(pair[shown]["number"]) for pair in pairs if pair[missing] is None and pair[shown]]
        if not numbers:
            continue
        items = format_list(numbers, locale=language())
        if missing == "after":
            # Translators: under the card at a glance; items is "2" or "2 and 5", the items asked only as men arrived.
            said.append(ngettext("The leaving question was not asked tonight: item %(items)s shows only how the room arrived.",
                                 "The leaving questions were not asked tonight: items %(items)s show only how the room arrived.",
                                 len(numbers), items=items))
        else:
            # Translators: under the card at a glance; items is "9" or "9 and 11", the items asked only as men left.
            said.append(ngettext("The arriving question was not asked tonight: item %(items)s shows only how the room left.",
                                 "The arriving questions were not asked tonight: items %(items)s show only how the room left.",
                                 len(numbers), items=items))
    return said


def later_text(later: int) -> str:
    """'1 later response not shown': answers or passes after the last picture, too few to draw a new one."""
    return ngettext("%(num)s later response not shown", "%(num)s later responses not shown", later)


def axes_of(item: dict) -> dict:
    """The compass's axis names, with the deck defaults filled in (Fireside's own words in the render's language)."""
    axes = {**DEFAULT_AXES, **{k: v for k, v in (item.get("axes") or {}).items() if v}}
    return {name: axis_word(text) for name, text in axes.items()}


def quadrant_names(item: dict) -> dict:
    """Readable names of the four compass quadrants."""
    axes = axes_of(item)
    # Translators: a quadrant of the compass where one axis is high, e.g. "Mostly connection".
    return {"both": _("Both"), "connection": _("Mostly %(axis)s", axis=_lower_first(axes["x"])),
            "space": _("Mostly %(axis)s", axis=_lower_first(axes["y"])), "neither": _("Neither")}


def scale_point_label(item: dict, index: int, count: int) -> str:
    """'0 (None)' at the ends of a scale, the bare number between them."""
    scale = item.get("scale") or {}
    point = scale.get("min", 0) + index
    label = str(point)
    if index == 0 and scale.get("min_label"):
        label += f" ({scale['min_label']})"
    elif index == count - 1 and scale.get("max_label"):
        label += f" ({scale['max_label']})"
    return label


def number(value) -> str:
    """A median as a person reads it in the render's language: 5 as '5', 5.5 as '5.5' ('5,5' in Spanish)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    return format_decimal(value, locale=language())


def count(value) -> str:
    """A count in a sentence, as the render's language writes it (1,000 / 1.000)."""
    return format_decimal(value, locale=language()) if isinstance(value, int) else str(value)


def plain_number(value) -> str:
    """A median for a program (the CSV's value, x and y columns): 5 as '5', 5.5 as '5.5', in any language."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _lower_first(text: str) -> str:
    """The text with its first letter in lower case, the rest as written."""
    return text[:1].lower() + text[1:]


def filename(summary_: dict, fmt: str) -> str:
    """A safe file name: fireside-2025-03-03-test-evening.md."""
    meeting = summary_["meeting"]
    slug = re.sub(r"[^a-z0-9]+", "-", meeting["title"].lower()).strip("-")[:40].strip("-")
    return f"fireside-{meeting['held_on']}-{slug or 'meeting-' + str(meeting['id'])}.{fmt}"


# --- formats ---------------------------------------------------------------------------------


def render(summary_: dict, fmt: str) -> str:
    """The summary in one format, as text (the HTML is standalone: its stylesheet inline), in its meeting's language."""
    if fmt == "md":
        return to_markdown(summary_)
    if fmt == "csv":
        return to_csv(summary_)
    if fmt == "json":
        return to_json(summary_)
    if fmt == "html":
        return to_html(summary_, standalone=True)
    raise ExportError(_l("Unknown format %(format)s: choose one of %(formats)s.", format=repr(fmt),
                         formats=", ".join(FORMATS)))


def summary_language(summary_: dict) -> str:
    """The language a summary is written in: its meeting's (English for a summary made before meetings had one)."""
    return i18n.supported((summary_.get("meeting") or {}).get("language")) or i18n.SOURCE


def to_json(summary_: dict) -> str:
    """The complete summary, schema fireside.summary/3."""
    return json.dumps(summary_, ensure_ascii=False, indent=2) + "\n"


# Markdown ----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def md(text) -> str:
    """Text safe inside Markdown: its special characters escaped, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def to_markdown(summary_: dict) -> str:
    """For the facilitator's own notes: the card at a glance, his notes, then the items (in the meeting's language)."""
    with speaking(summary_language(summary_)):
        return _markdown(summary_)


def _markdown(summary_: dict) -> str:
    """The Markdown, in the language of the render under way."""
    meeting = summary_["meeting"]
    out = [f"# {md(meeting['title'])}", ""]
    # The day as he says it, as the page says it; the file's name keeps 2025-03-03 for sorting, the CSV and JSON for programs.
    facts = [_("Day: %(day)s", day=long_day(meeting["held_on"]))]
    if meeting["deck"]:
        facts.append(_("Evening: %(deck)s", deck=md(meeting.get("deck_title") or meeting["deck"])))
    facts.append(_("Phones joined: %(num)s", num=count(meeting["phones_joined"])))
    facts.append(_("Privacy floor: %(floor)s — a result is shown only when at least %(floor)s people answered "
                   "(passes do not count)", floor=count(meeting["floor"])))
    out += [f"- {fact}" for fact in facts] + [""]
    out += _md_glance(summary_)

    out += ["## " + _("Notes"), ""]
    notes = meeting["notes"].strip()
    if notes:
        out += [_md_block(line) for line in notes.splitlines()]
    else:
        out.append("*" + _("No notes.") + "*")
    out.append("")

    # As on the page: the items under a heading of their own, so that a discussion prompt coming first does not
    # read as a line of his notes.
    out += ["## " + _("The evening, item by item"), ""]
    for item in summary_["items"]:
        if item["kind"] == "discussion":  # a prompt to talk about: one line is enough
            discussion = _("discussion")
            out += [f"- **{item['number']}.** {md(item['prompt'])} *({discussion})*", ""]
            continue
        out += [f"### {item['number']}. {md(item['prompt'])}", ""]
        result = item["result"]
        out += [f"*{md(kind_label(item))} · {answered_text(result)} · {status_text(item)}*", ""]
        if result.get("shown"):
            out += _md_result(item, result)
    if summary_["not_used"]:
        out += ["## " + _("Not used in this meeting"), ""]
        out += [f"- {md(entry['prompt'])} ({md(_unused_kind(entry['kind']))})" for entry in summary_["not_used"]]
        out.append("")
    if summary_.get("help_lines"):
        out += ["", "## " + _("Where to get help"), ""]
        out += [f"- {md(line['label'])}: {md(line['contact'])}" for line in summary_["help_lines"]]
    return "\n".join(out).rstrip("\n") + "\n"


def _unused_kind(kind: str) -> str:
    """An unused item's kind in the Markdown list: its id in English, as it always was; its name in another language."""
    if language() == i18n.SOURCE or kind not in KIND_LABELS:
        return kind
    return _lower_first(kind_name(kind))


def _md_glance(summary_: dict) -> list:
    """The at-a-glance card: arriving beside leaving, the end-of-evening check, the words kept."""
    card = glance_items(summary_)
    out = ["## " + _("At a glance"), ""]
    if not (card["pairs"] or card["checks"] or card["words"]):
        return out + [f"*{NOTHING_TO_SET_SIDE_BY_SIDE.say(language())}*", ""]
    for pair in card["pairs"]:
        sample = pair["before"] or pair["after"]
        out += [f"### {md(sample['prompt'])} ({item_numbers(pair['before'], pair['after'])})", ""]
        names, rows = glance_table(pair)
        out += ["|  | " + " | ".join(names) + " |", "|:--|" + "--:|" * len(names)]
        out += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
        out.append("")
    out += [line for sentence in not_asked(card["pairs"]) for line in (f"*{sentence}*", "")]
    if card["checks"]:
        head = (_("Question"), _("The middle of the answers"), _("Answered"))
        out += ["### " + _("End-of-evening check"), "", "| " + " | ".join(head) + " |", "|:--|--:|--:|"]
        for item in card["checks"]:
            result = item["result"]
            median = number(result["median"]) if result.get("shown") else _("not shown")
            out.append(f"| {md(item['prompt'])} | {median} | {answers(result)} |")
        out.append("")
    if card["words"]:
        out += ["### " + _("Words kept"), ""]
        for item in card["words"]:
            words = ", ".join(f"{md(entry['word'])} ({entry['count']})" for entry in item["result"]["words"])
            out += [f"- {md(item['prompt'])} — {words}"]  # a dash, not a colon: a prompt ends with its own stop
        out.append("")
    return out


def _md_block(line: str) -> str:
    """A line of the facilitator's notes: kept as he wrote it, except what would become markup."""
    return md(line) if line.strip() else ""


def _md_table(head: tuple, rows: list) -> list:
    """A two-column table, numbers right-aligned."""
    lines = [f"| {md(head[0])} | {md(head[1])} |", "|:--|--:|"]
    lines += [f"| {md(label)} | {value} |" for label, value in rows]
    return lines + [""]


def _md_result(item: dict, result: dict) -> list:
    """The picture the room saw, in Markdown."""
    kind = item["kind"]
    if kind in ("choice", "multi"):
        return _md_table((_("Option"), _("Answers")), list(zip(item["options"], result["counts"])))
    if kind == "scale":
        counts = result["counts"]
        rows = [(scale_point_label(item, i, len(counts)), n) for i, n in enumerate(counts)]
        # The room's middle answer in the words the phones and the projector use for it.
        return _md_table((_("Point"), _("Answers")), rows) + [
            _("The middle of the answers:") + " " + number(result["median"]), ""]
    if kind == "compass":
        axes, names = axes_of(item), quadrant_names(item)
        rows = [(names[q], result["quadrants"][q]) for q in QUADRANT_ORDER]
        median = result["median"]
        # Quadrants and medians read; a list of every dot's coordinates does not (the CSV keeps them).
        return _md_table((_("Quadrant"), _("Answers")), rows) + [
            # Translators: the room's middle answer on each axis of the compass, as the phones say it, e.g.
            # "The middle of the answers: connection 60, space to myself 70".
            _("The middle of the answers: %(x_axis)s %(x)s, %(y_axis)s %(y)s", x_axis=md(axes["x"].lower()),
              x=number(median["x"]), y_axis=md(axes["y"].lower()), y=number(median["y"])) + " " +
            # Translators: what the compass's ends mean, after its middle answers: "(0 = a little, 100 = a lot)".
            _("(0 = %(low)s, 100 = %(high)s)", low=md(axes["low"].lower()), high=md(axes["high"].lower())),
            "",
        ]
    lines = []
    if kind == "words":
        lines += [f"- {md(entry['word'])} ({entry['count']})" for entry in result["words"]]
    else:
        for text in result["texts"]:
            lines += [f"> {md(text)}", ""]
        lines = lines[:-1]
    if not lines:
        lines.append("*" + _("None of the answers shown in the room was marked for the summary.") + "*")
    elif result.get("withheld"):
        lines += ["", f"*{_withheld_text(kind, result['withheld'])}*"]
    return lines + [""]


def _withheld_text(kind: str, withheld: int) -> str:
    """'2 more words were shown in the room but not marked for the summary.'"""
    if kind == "words":
        return ngettext("%(num)s more word was shown in the room but not marked for the summary.",
                        "%(num)s more words were shown in the room but not marked for the summary.", withheld)
    return ngettext("%(num)s more sentence was shown in the room but not marked for the summary.",
                    "%(num)s more sentences were shown in the room but not marked for the summary.", withheld)


# CSV -----------------------------------------------------------------------------------------

CSV_COLUMNS = ("meeting", "day", "deck", "number", "key", "kind", "prompt", "status", "responded", "answered", "passed",
               "floor", "part", "label", "value", "count", "x", "y")
# A cell starting with one of these runs as a formula in a spreadsheet (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # a median such as -1.5: read as a number, never a formula


def csv_cell(value):
    """A cell a spreadsheet reads as text, never as a formula: a quote goes before a dangerous first character.

    Titles, prompts, options, words, sentences and notes come from the facilitator, a deck file or
    a man's phone; "=HYPERLINK(…)" in any of them would otherwise run when the summary is opened.
    Numbers (counts, points, medians) are left as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _SafeRows(csv.DictWriter):
    """csv.DictWriter whose every cell goes through csv_cell."""

    def writerow(self, rowdict):
        """Write one row, each cell made safe for a spreadsheet."""
        return super().writerow({name: csv_cell(value) for name, value in rowdict.items()})


def to_csv(summary_: dict) -> str:
    """One row per option, scale point, quadrant, dot, word or sentence (see docs/export.md).

    The columns, and the status and part values, are English whatever the language, for programs;
    the labels a person reads are in the meeting's language.
    """
    with speaking(summary_language(summary_)):
        return _csv(summary_)


def _csv(summary_: dict) -> str:
    """The CSV, in the language of the render under way."""
    buffer = io.StringIO()
    # A byte-order mark, so that Excel reads UTF-8 (dashes, accents) rather than guessing a code page.
    buffer.write("\ufeff")
    writer = _SafeRows(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    meeting = summary_["meeting"]
    base = {"meeting": meeting["id"], "day": meeting["held_on"], "deck": meeting["deck"], "floor": meeting["floor"]}
    writer.writerow({**base, "part": "meeting", "label": meeting["title"], "count": meeting["phones_joined"]})
    if meeting["notes"]:
        writer.writerow({**base, "part": "notes", "label": meeting["notes"]})
    for item in summary_["items"]:
        result = item["result"] or {}
        row = {**base, "number": item["number"], "key": item["key"], "kind": item["kind"], "prompt": item["prompt"],
               "status": item["status"], "responded": result.get("responded", ""), "answered": result.get("answered", ""),
               "passed": result.get("passed", "")}
        label = status_text(item)
        if result.get("later"):
            label += f"; {later_text(result['later'])}"
        writer.writerow({**row, "part": "item", "label": label})
        if result.get("shown"):
            for part in _csv_parts(item, result):
                writer.writerow({**row, **part})
    for entry in summary_["not_used"]:
        writer.writerow({**base, "key": entry["key"], "kind": entry["kind"], "prompt": entry["prompt"],
                         "status": "not used", "part": "item", "label": _("not used in this meeting")})
    for line in summary_.get("help_lines", []):
        writer.writerow({**base, "part": "help", "label": line["label"], "value": line["contact"]})
    return buffer.getvalue()


def _csv_parts(item: dict, result: dict):
    """The detail rows of one shown result."""
    kind = item["kind"]
    if kind in ("choice", "multi"):
        for index, (option, count) in enumerate(zip(item["options"], result["counts"])):
            yield {"part": "option", "label": option, "value": index, "count": count}
    elif kind == "scale":
        counts = result["counts"]
        for index, count in enumerate(counts):
            yield {"part": "point", "label": scale_point_label(item, index, len(counts)),
                   "value": item["scale"]["min"] + index, "count": count}
        yield {"part": "median", "label": _("the middle of the answers"), "value": plain_number(result["median"])}
    elif kind == "compass":
        names = quadrant_names(item)
        for quadrant in QUADRANTS:
            yield {"part": "quadrant", "label": names[quadrant], "value": quadrant,
                   "count": result["quadrants"][quadrant]}
        yield {"part": "median", "label": _("the middle of the answers"), "x": plain_number(result["median"]["x"]),
               "y": plain_number(result["median"]["y"])}
        for x, y in result["points"]:
            yield {"part": "dot", "x": x, "y": y, "count": 1}
    elif kind == "words":
        for entry in result["words"]:
            yield {"part": "word", "label": entry["word"], "count": entry["count"]}
    elif kind == "text":
        for text in result["texts"]:
            yield {"part": "sentence", "label": text}


# HTML ----------------------------------------------------------------------------------------

_env = None


def environment() -> Environment:
    """The Jinja environment of the summary and history pages (independent of Flask, for the CLI).

    Its _() and ngettext() say each sentence in the language of the render under way (speaking()),
    read when the sentence is said, so one environment serves renders in several languages at once.
    """
    global _env
    if _env is None:
        env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]),
                          trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
        env.add_extension("jinja2.ext.i18n")
        env.install_gettext_callables(_jinja_gettext, _jinja_ngettext, newstyle=True)
        env.globals.update(long_day=long_day, kind_label=kind_label, status_text=status_text,
                           answered_text=answered_text, answers=answers, quadrant_names=quadrant_names, axes_of=axes_of,
                           scale_point_label=scale_point_label, number=number, count=count, chart=chart,
                           withheld_text=_withheld_text, QUADRANT_ORDER=QUADRANT_ORDER, glance_items=glance_items,
                           glance_table=glance_table, not_asked=not_asked, item_numbers=item_numbers,
                           language=language, strong=strong,
                           nothing_to_set_side_by_side=lambda: NOTHING_TO_SET_SIDE_BY_SIDE.say(language()))
        _env = env
    return _env


def strong(text) -> Markup:
    """Text set in bold inside a translated sentence (escaped; the sentence keeps it as markup)."""
    return Markup("<strong>%s</strong>") % text


@functools.cache  # read once (at start, snapshot.py): a reinstall under the running server changes nothing
def stylesheet() -> str:
    """export.css, for pages opened from disk that cannot load it from the server."""
    return STYLESHEET.read_text(encoding="utf-8")


def to_html(summary_: dict, standalone: bool = True, links: dict | None = None) -> str:
    """The printable page. standalone: the stylesheet inline (a file opened from disk); else linked
    from the server, as its Content-Security-Policy forbids inline styles. links: the served page's
    download and history addresses."""
    template = environment().get_template("facilitator/summary.html")
    with speaking(summary_language(summary_)):
        return template.render(s=summary_, meeting=summary_["meeting"], standalone=standalone,
                               css=Markup(stylesheet()) if standalone else None,
                               stylesheet_url=STYLESHEET_URL, links=links or {})


# --- SVG charts (presentation attributes only: no inline style, so a strict CSP allows them) ---

INK = "#2b2620"
MUTED = "#8a7f72"
ACCENT = "#b8601c"
ACCENT_2 = "#2f6f8f"
TRACK = "#ece6dd"


def chart(item: dict) -> Markup:
    """The SVG picture of one shown result."""
    result = item["result"]
    kind = item["kind"]
    if kind in ("choice", "multi"):
        return bars(item["options"], result["counts"], result["answered"])
    if kind == "scale":
        return histogram(item, result["counts"], result.get("median"))
    if kind == "compass":
        return compass(item, result["points"], result["quadrants"], result.get("median"))
    return Markup("")


def svg_number(value: float) -> str:
    """A coordinate, short."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def svg_text(x, y, text, size, anchor="middle", fill=INK, weight=None, extra="") -> str:
    """An SVG <text>, escaped."""
    bold = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{svg_number(x)}" y="{svg_number(y)}" font-size="{svg_number(size)}" text-anchor="{anchor}" '
            f'fill="{fill}"{bold}{extra}>{escape(text)}</text>')


def bars(options: list, counts: list, people: int) -> Markup:
    """Horizontal bars, one per option, with its count; long labels wrap in the table's first column."""
    people = max(1, people)
    rows = []
    for option, count in zip(options, counts):
        width = min(100.0, count / people * 100)
        bar = (f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" '
               f'focusable="false"><rect x="0" y="0" width="100" height="10" fill="{TRACK}"/>'
               f'<rect x="0" y="0" width="{svg_number(width)}" height="10" fill="{ACCENT}"/></svg>')
        rows.append(f'<tr><th scope="row">{escape(option)}</th><td class="bar-cell">{bar}</td>'
                    f'<td class="num">{count}</td></tr>')
    option, share, answers_ = escape(_("Option")), escape(_("Share")), escape(_("Answers"))
    return Markup(f'<table class="bars"><thead><tr><th scope="col">{option}</th><th scope="col">'
                  f'<span class="sr-only">{share}</span></th><th scope="col" class="num">'
                  f'{answers_}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def histogram(item: dict, counts: list, median) -> Markup:
    """A column per scale point, its count above, the median marked with a triangle."""
    scale = item.get("scale") or {"min": 0, "max": len(counts) - 1}
    low = scale.get("min", 0)
    width, top, height, axis = 440, 22, 120, 30
    col = width / max(1, len(counts))
    most = max([1, *counts])
    parts = [f'<line x1="0" y1="{top + height}" x2="{width}" y2="{top + height}" stroke="{MUTED}" '
             'stroke-width="1"/>']
    for index, count in enumerate(counts):
        x = index * col + col * 0.15
        w = col * 0.7
        h = count / most * height
        if count:
            parts.append(f'<rect x="{svg_number(x)}" y="{svg_number(top + height - h)}" width="{svg_number(w)}" height="{svg_number(h)}" '
                         f'rx="2" fill="{ACCENT}"/>')
            parts.append(svg_text(x + w / 2, top + height - h - 6, str(count), 13, weight="700"))
        parts.append(svg_text(index * col + col / 2, top + height + 18, str(low + index), 13, fill=MUTED))
    if isinstance(median, (int, float)):
        mx = (median - low + 0.5) * col
        my = top + height + 22
        parts.append(f'<path d="M{svg_number(mx)} {my} l-6 9 h12 z" fill="{INK}"/>')
    total = top + height + axis + 4
    label = "; ".join(f"{scale_point_label(item, i, len(counts))}: {c}" for i, c in enumerate(counts))
    # Translators: what a screen reader says of a scale's chart; points lists "0 (None): 1; 1: 0; …".
    label = _("Answers per point — %(points)s", points=label)
    return Markup(f'<svg class="chart histogram" viewBox="0 0 {width} {total}" role="img" '
                  f'aria-label="{escape(label)}">{"".join(parts)}</svg>')


# The compass's labels stand outside the square, where no dot can reach; how far out depends on the
# biggest dot (identical answers merge into one, bigger dot). All sizes are in the square's units (0-100).
COUNT_SIZE, NAME_SIZE, AXIS_SIZE, AXIS_END_SIZE = 6.5, 4.4, 5.2, 4.4
LINE = 5.2  # from one line of a quadrant's name to the next
CLEAR = 2.5  # between the furthest reach of a dot and a label
NAME_EM, COUNT_EM = 0.55, 0.62  # a character's width, generously, for the size of its words (sans-serif)
AXIS_EM = 0.62  # the same for an axis's words, bold
HALF = 47  # the width a quadrant's label may take when its neighbour across the band needs the rest


def dot_radius(answers: int) -> float:
    """How big a dot is for this many identical answers."""
    return 2.4 + 1.4 * (answers - 1) ** 0.5


def _label_width(count: str, line: str) -> float:
    """About how wide a quadrant's line is, with its count before it when count is given."""
    return (COUNT_EM * COUNT_SIZE * len(count) + NAME_EM * NAME_SIZE * (len(line) + 1)) if count \
        else NAME_EM * NAME_SIZE * len(line)


def _band(left: tuple, right: tuple) -> tuple:
    """Two quadrants side by side (count, name each): their names as lines, on one line each when both fit,
    else each name too wide for half the band wrapped between words."""
    if _label_width(*left) + _label_width(*right) + 6 <= 100:
        return [left[1]], [right[1]]
    per_line = int(HALF / (NAME_EM * NAME_SIZE))

    def lines(count, name):
        if _label_width(count, name) <= HALF:
            return [name]
        room = " " * int(COUNT_EM * COUNT_SIZE * len(count) / (NAME_EM * NAME_SIZE) + 1.5)
        wrapped = textwrap.wrap(name, per_line, initial_indent=room) or [""]
        return [wrapped[0].strip(), *wrapped[1:]]

    return lines(*left), lines(*right)


def _axis_name(low: str, name: str, high: str):
    """None when an axis's name fits between its ends on one line; else its lines (at most the square wide).

    The widths are generous (AXIS_EM), so a name that is said to fit does, in any sans-serif.
    """
    half = AXIS_EM * AXIS_SIZE * (len(name) + 2) / 2
    if max(len(low), len(high)) * AXIS_EM * AXIS_END_SIZE + 3 <= 50 - half:
        return None
    lines = textwrap.wrap(name + " →", int(100 / (AXIS_EM * AXIS_SIZE)))
    return lines or [name]


def compass(item: dict, points: list, quadrants: dict, median) -> Markup:
    """Every answer a dot on the connection × space field, identical answers merged, the median as a dashed
    ring; each quadrant's count and name just outside its corner, the axes' names further out.

    Dots lie anywhere from 0 to 100 on both axes, so no place inside the square is safe for a label:
    above the square for the top quadrants, below it for the bottom ones, beyond the reach of the
    biggest dot, so no dot, numbered dot or the ring ever covers a word.
    """
    axes, names = axes_of(item), quadrant_names(item)
    groups = {}
    for x, y in points:
        groups[(x, y)] = groups.get((x, y), 0) + 1
    has_median = isinstance(median, dict) and isinstance(median.get("x"), (int, float))
    reach = max([5.0 if has_median else 0.0, *(dot_radius(n) for n in groups.values())]) + CLEAR

    # Each quadrant: its count in bold, then its name on as many lines as it needs.
    counts = {key: str(quadrants.get(key, 0)) for key in QUADRANT_ORDER}
    labels = dict(zip(("space", "both"), _band(*((counts[k], names[k]) for k in ("space", "both")))))
    labels.update(zip(("neither", "connection"), _band(*((counts[k], names[k]) for k in ("neither", "connection")))))
    top_lines = max(len(labels["space"]), len(labels["both"]))
    bottom_lines = max(len(labels["neither"]), len(labels["connection"]))
    parts = []

    def quadrant_label(key, x, anchor, first_baseline):
        lines = labels[key]
        count = escape(counts[key])
        parts.append(f'<text x="{x}" y="{svg_number(first_baseline)}" font-size="{NAME_SIZE}" text-anchor="{anchor}" '
                     f'fill="{MUTED}"><tspan font-size="{COUNT_SIZE}" font-weight="700" fill="{INK}">{count}</tspan> '
                     f'{escape(lines[0])}</text>')
        for n, line in enumerate(lines[1:], start=1):
            parts.append(svg_text(x, first_baseline + n * LINE, line, NAME_SIZE, anchor, fill=MUTED))

    # Above the square: the last line's descenders clear the top dots.
    top_first = -reach - 1.2 - (top_lines - 1) * LINE
    # Below it: the first line's count clears the bottom dots.
    bottom_first = 100 + reach + COUNT_SIZE * 0.8
    ends_row = bottom_first + (bottom_lines - 1) * LINE + AXIS_SIZE * 1.6  # "a little", the x axis's name, "a lot"
    ends_side = -reach - 1.4  # the y axis's words, turned a quarter left, their feet toward the square
    x_name, y_name = _axis_name(axes["low"], axes["x"], axes["high"]), _axis_name(axes["low"], axes["y"], axes["high"])
    parts += [
        f'<rect x="0" y="0" width="100" height="100" rx="2" fill="#f7f3ed" stroke="{MUTED}" stroke-width="0.5"/>',
        f'<path d="M50 0 V100 M0 50 H100" stroke="{MUTED}" stroke-width="0.4" stroke-dasharray="1.5 1.5" '
        'fill="none"/>',
    ]
    for (x, y), n in sorted(groups.items()):
        parts.append(f'<circle cx="{x}" cy="{100 - y}" r="{svg_number(dot_radius(n))}" fill="{ACCENT}" '
                     'fill-opacity="0.85" stroke="#ffffff" stroke-width="0.6"/>')
        if n > 1:
            parts.append(svg_text(x, 100 - y + 1.6, str(n), 4.4, fill="#ffffff", weight="700"))
    if has_median:
        parts.append(f'<circle cx="{svg_number(median["x"])}" cy="{svg_number(100 - median["y"])}" r="5" fill="none" '
                     f'stroke="{INK}" stroke-width="0.7" stroke-dasharray="1.6 1.2"/>')
    quadrant_label("space", 0, "start", top_first)
    quadrant_label("both", 100, "end", top_first)
    quadrant_label("neither", 0, "start", bottom_first)
    quadrant_label("connection", 100, "end", bottom_first)
    # The x axis: its ends under the square's corners, its name between them, or on rows of its own below.
    parts.append(svg_text(0, ends_row, axes["low"], AXIS_END_SIZE, "start", fill=MUTED))
    parts.append(svg_text(100, ends_row, axes["high"], AXIS_END_SIZE, "end", fill=MUTED))
    rows = [ends_row] if x_name is None else [ends_row + (n + 1) * AXIS_SIZE * 1.25 for n in range(len(x_name))]
    for row, line in zip(rows, x_name or [axes["x"] + " →"]):
        parts.append(svg_text(50, row, line, AXIS_SIZE, weight="700"))
    # The y axis, turned: its ends beside the square's corners, its name between them or further out.
    for y, text, anchor in ((100, axes["low"], "start"), (0, axes["high"], "end")):
        parts.append(svg_text(ends_side, y, text, AXIS_END_SIZE, anchor, fill=MUTED,
                              extra=f' transform="rotate(-90 {svg_number(ends_side)} {y})"'))
    lines = y_name or [axes["y"] + " →"]
    outmost = ends_side if y_name is None else ends_side - AXIS_END_SIZE * 0.8 - AXIS_SIZE * 0.3 - 1
    columns = [outmost - (len(lines) - 1 - n) * AXIS_SIZE * 1.25 for n in range(len(lines))]  # the first furthest out
    for column, line in zip(columns, lines):
        parts.append(svg_text(column, 50, line, AXIS_SIZE, fill=INK, weight="700",
                              extra=f' transform="rotate(-90 {svg_number(column)} 50)"'))
    left = min(columns) - AXIS_SIZE - 1.5
    top = top_first - COUNT_SIZE - 1
    right = 100 + reach
    bottom = rows[-1] + 2.5
    # Translators: what a screen reader says of the compass chart; quadrants lists "Mostly space to myself: 1, Both: 2, …".
    label = ngettext("%(num)s answer as dots; %(quadrants)s", "%(num)s answers as dots; %(quadrants)s", len(points),
                     quadrants=", ".join(f"{names[q]}: {quadrants.get(q, 0)}" for q in QUADRANT_ORDER))
    box = " ".join(svg_number(v) for v in (left, top, right - left, bottom - top))
    return Markup(f'<svg class="chart compass" viewBox="{box}" role="img" '
                  f'aria-label="{escape(label)}">{"".join(parts)}</svg>')
