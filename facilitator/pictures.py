"""When a poll may show a new picture: the one rule against differencing (pure, no I/O).

A *picture* of a poll is what any surface shows of its answers: the live or revealed result on
phones and the projector, the console's review queue of words and sentences, the summary and the
history. Two pictures that differ by one man's answer tell the room what he chose, so every
picture of a poll is drawn from a *basis*, a copy of its ballots taken when the picture was made,
and a new basis may be taken only when

- at least k real answers are in it (the privacy floor; passes are not answers), and
- it differs from every earlier basis of the poll by at least k new, changed or withdrawn real
  answers, or not at all.

Until then every surface keeps drawing the last basis, and says how many newer answers wait.
Bases are compared ballot by ballot: a ballot is the HMAC under which one phone's answer to this
poll is filed, and its value is the stored answer (JSON text), or None for a pass. A basis is a
dict {ballot: value}.
"""

from __future__ import annotations

import json


def real(basis: dict) -> dict:
    """The real answers of a basis: passes left out."""
    return {ballot: value for ballot, value in basis.items() if value is not None}


def answers(basis: dict) -> tuple[list, int]:
    """A basis as a tally takes it: the values of its real answers, and how many passed."""
    values = [json.loads(value) for value in basis.values() if value is not None]
    return values, len(basis) - len(values)


def distance(one: dict, other: dict) -> int:
    """How many real answers differ between two bases: new, changed, withdrawn or turned into a pass."""
    a, b = real(one), real(other)
    return sum(1 for ballot in a.keys() | b.keys() if a.get(ballot) != b.get(ballot))


def may_publish(current: dict, bases: list, floor: int, step: int | None = None) -> bool:
    """True when current may become a new picture: enough answers, and k apart from (or equal to) every earlier one.

    step, in live mode, is a larger distance asked of the last picture only (a big room's pictures
    then come in fewer, bigger steps); it never lowers the rule.
    """
    if len(real(current)) < floor:
        return False
    if bases and distance(current, bases[-1]) < max(floor, step or 0):
        return False
    return all(d == 0 or d >= floor for d in (distance(current, basis) for basis in bases))


def waiting(current: dict, bases: list, floor: int) -> dict | None:
    """What a kept picture says of the answers it does not show: {"newer": n, "more": m}, or None.

    newer counts the new, changed or withdrawn answers since the picture; more is how many further
    ones a new picture needs at least (the floor, and every earlier picture, ask for k apart).
    """
    if not bases:
        return None
    newer = distance(current, bases[-1])
    if not newer:
        return None
    gaps = [floor - d for d in (distance(current, basis) for basis in bases) if 0 < d < floor]
    more = max([1, floor - len(real(current)), *gaps])
    return {"newer": newer, "more": more}
