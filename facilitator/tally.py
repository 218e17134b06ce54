"""Aggregation per poll kind, behind the privacy floor (pure functions, no I/O).

The server keys moderation of `words` and `text` answers by `normalise_phrase` and
`normalise_text`, so those two are part of this module's public surface. A `words` answer is one
phrase ("not alone"), counted as a whole: splitting it would change what the man said.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

from facilitator.kinds import MIN_FLOOR, MODERATED_KINDS

__all__ = ["tally", "normalise_phrase", "normalise_text", "pending_texts"]

# The OS's randomness, not the seeded Mersenne Twister: an order the room could reproduce
# or predict would hint at who answered when.
_rng = random.SystemRandom()

# Compass values at or above this mean "more wanted" on that axis.
_COMPASS_MIDDLE = 50


def normalise_phrase(s: str) -> str:
    """Return a `words` answer as the one phrase it is counted as: NFC, casefolded, single-spaced, end punctuation stripped from each word."""
    # NFC first so the same letter typed on two different phones keys to the same phrase.
    words = (_strip_end_punctuation(raw) for raw in unicodedata.normalize("NFC", s).casefold().split())
    return " ".join(word for word in words if word)


def normalise_text(s: str) -> str:
    """Return a `text` answer in the form moderation is keyed by: NFC, trimmed, internal whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", s).split())


def tally(item: dict, values: list, passed: int, floor: int, approved: dict | None = None, show: bool = True) -> dict:
    """Aggregate a poll's real answers into what the room may see, or only counts while below the privacy floor.

    show=False gives the counts only, whatever the floor: for answers no picture may be drawn from.
    """
    kind = item["kind"]
    if kind not in _TALLIERS:
        raise ValueError(f"{kind!r} polls have no tally.")
    # The floor is never lower than MIN_FLOOR, whatever a caller or a stored meeting says.
    floor = max(int(floor), MIN_FLOOR)
    result = {
        "kind": kind,
        "shown": False,
        "answered": len(values) + passed,  # everyone who responded: a pass is counted, as on the phones
        "floor": floor,
    }
    # Passes do not count towards the floor: two answers among seven phones still identify. Below
    # it, how many passed is not said either: the room knows who tapped, and with fewer than k
    # answers "1 answered, 1 passed" would tell whose tap was the pass.
    if not show or len(values) < floor:
        return result
    result["shown"] = True
    result["passed"] = passed
    result.update(_TALLIERS[kind](item, values, approved or {}))
    return result


def pending_texts(kind: str, values: list, approved: dict | None) -> list[dict]:
    """List every distinct normalised phrase or text with its count and moderation flags, shuffled, for the console."""
    if kind not in MODERATED_KINDS:
        raise ValueError(f"{kind!r} answers are not moderated.")
    approved = approved or {}
    counts = _word_counts(values) if kind == "words" else _text_counts(values)
    entries = [
        {
            "text": text,
            "count": count,
            "approved": _flag(approved, text, "approved"),
            "export": _flag(approved, text, "export"),
            "decided": text in approved,  # approved or hidden by hand at least once: no "Approve all" then
        }
        for text, count in sorted(counts.items())
    ]
    # Sorted then shuffled, so the list's order says nothing about when anything was answered.
    _rng.shuffle(entries)
    return entries


# --- per kind ---------------------------------------------------------------------------


def _tally_options(item: dict, values: list, approved: dict) -> dict:
    """Count choices per option; a multi answer counts once for each option it picked."""
    counts = [0] * len(item["options"])
    for value in values:
        for index in value if isinstance(value, list) else [value]:
            counts[_index(index, len(counts))] += 1
    return {"counts": counts}


def _tally_scale(item: dict, values: list, approved: dict) -> dict:
    """Count answers per scale point, from min to max, and give their median."""
    low, high = item["scale"]["min"], item["scale"]["max"]
    counts = [0] * (high - low + 1)
    for value in values:
        counts[_index(value - low, len(counts))] += 1
    return {"counts": counts, "median": _median(values)}


def _tally_compass(item: dict, values: list, approved: dict) -> dict:
    """Give the sorted dots, the count per quadrant and the median on each axis."""
    # Sorted, because the order answers arrived in is the order men tapped in the room.
    points = sorted([value["x"], value["y"]] for value in values)
    quadrants = {"both": 0, "connection": 0, "space": 0, "neither": 0}
    for x, y in points:
        closer, apart = x >= _COMPASS_MIDDLE, y >= _COMPASS_MIDDLE
        if closer and apart:
            quadrants["both"] += 1
        elif closer:
            quadrants["connection"] += 1
        elif apart:
            quadrants["space"] += 1
        else:
            quadrants["neither"] += 1
    median = {"x": _median([x for x, _ in points]), "y": _median([y for _, y in points])}
    return {"points": points, "quadrants": quadrants, "median": median}


def _tally_words(item: dict, values: list, approved: dict) -> dict:
    """Count approved phrases (a words answer is one phrase), most frequent first, ties alphabetical."""
    counts = _word_counts(values)
    words = [
        {"word": word, "count": count}
        for word, count in counts.items()
        if _flag(approved, word, "approved")
    ]
    # Ties alphabetical so the cloud's order depends on the answers only, never on their timing.
    words.sort(key=lambda entry: (-entry["count"], entry["word"]))
    return {"words": words}


def _tally_text(item: dict, values: list, approved: dict) -> dict:
    """List each distinct approved text once, shuffled."""
    # Each approved text once: a repeated sentence's count could single out a small clique.
    texts = sorted(text for text in _text_counts(values) if _flag(approved, text, "approved"))
    _rng.shuffle(texts)
    return {"texts": texts}


_TALLIERS = {
    "choice": _tally_options,
    "multi": _tally_options,
    "scale": _tally_scale,
    "compass": _tally_compass,
    "words": _tally_words,
    "text": _tally_text,
}


# --- helpers ----------------------------------------------------------------------------


def _strip_end_punctuation(word: str) -> str:
    """Strip Unicode punctuation from both ends of one word."""
    # Unicode punctuation categories (P*), so "¡hola!" and «tired» lose their marks too;
    # symbols such as emoji are kept, since a feeling may be answered with one.
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(word[end - 1]).startswith("P"):
        end -= 1
    return word[start:end]


def _word_counts(values: list) -> Counter:
    """Count how many answers gave each normalised phrase ("not alone" is one phrase, not two words)."""
    # Empty after normalising (only punctuation) means nothing to show or moderate.
    return Counter(phrase for phrase in map(normalise_phrase, values) if phrase)


def _text_counts(values: list) -> Counter:
    """Count how many answers gave each normalised text."""
    # Empty after normalising means nothing to show or moderate.
    return Counter(text for text in map(normalise_text, values) if text)


def _flag(approved: dict, key: str, name: str) -> bool:
    """Read one moderation flag, False unless the facilitator set it."""
    # Anything not explicitly approved stays hidden: an unknown or partial entry is a "no".
    # bool(), not "is True": flags read back from SQLite arrive as 0/1.
    return bool((approved.get(key) or {}).get(name, False))


def _index(index: int, size: int) -> int:
    """Return index if it lies in 0..size-1, else raise ValueError."""
    # Refuse rather than let a negative index silently count towards another option.
    if not 0 <= index < size:
        raise ValueError(f"Answer index {index} is outside 0..{size - 1}.")
    return index


def _median(numbers: list) -> int | float:
    """Return the median, the mean of the two middle values for an even count."""
    ordered = sorted(numbers)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    total = ordered[middle - 1] + ordered[middle]
    # An integer when the two middle values allow it, so 5 shows as "5", not "5.0".
    return total // 2 if total % 2 == 0 else total / 2
