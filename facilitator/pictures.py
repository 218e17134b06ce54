"""When a poll may show a new picture: the one rule against differencing (pure, no I/O).

A *picture* of a poll is what any surface shows of its answers: the live or revealed result on
phones and the projector, the console's review queue of words and sentences, the summary and the
history. Two pictures that differ by one man's answer tell the room what he chose, so every
picture of a poll is drawn from a *basis*, a copy of its ballots taken when the picture was made,
and a new basis may be taken only when

- at least k real answers are in it (the privacy floor; passes are not answers), and
- it differs from every earlier basis of the poll by at least k new, changed or withdrawn real
  answers, or draws the very same picture (the same answers and as many passes: a picture
  says how many passed, and one pass more beside the same answers would say whose tap it was).

Until then every surface keeps drawing the last basis, and says how many newer responses wait.
That count takes passes as it takes answers, as the room's count of responses does: were it to
leave them out, a man's tap that moved one count and not the other would show he passed.
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


def passes(basis: dict) -> int:
    """How many passed in a basis (a picture shows that number)."""
    return len(basis) - len(real(basis))


def responses_apart(one: dict, other: dict) -> int:
    """How many phones' responses differ between two bases, a pass taken as any answer is."""
    return sum(1 for ballot in one.keys() | other.keys()
               if ballot not in one or ballot not in other or one[ballot] != other[ballot])


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
    return all(_apart(current, basis, floor) for basis in bases)


def _apart(current: dict, basis: dict, floor: int) -> bool:
    """True when a picture of current may stand beside one of basis: k real answers apart, or the same picture."""
    d = distance(current, basis)
    return d >= floor or (d == 0 and passes(current) == passes(basis))


def waiting(current: dict, bases: list, floor: int) -> dict | None:
    """What a kept picture says of the responses it does not show: {"newer": n, "more": m}, or None.

    newer counts the phones whose response (an answer or a pass) is new, changed or withdrawn since
    the picture; more is at least how many further ones a different picture needs (the floor, and
    every earlier picture, ask for k real answers apart). Both take a pass as an answer, so that
    neither tells the room whether the man who just tapped passed: more is then a lower bound.
    """
    if not bases:
        return None
    newer = responses_apart(current, bases[-1])
    if not newer:
        return None
    gaps = [floor - d for d in (responses_apart(current, basis) for basis in bases) if 0 < d < floor]
    more = max([1, floor - len(current), *gaps])
    return {"newer": newer, "more": more}
