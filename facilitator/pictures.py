"""When a poll may show a new picture: the one rule against differencing (pure, no I/O).

A *picture* of a poll is what any surface shows of its answers: the live or revealed result on
phones and the projector, the console's review queue of words and sentences, the summary and the
history. Two pictures that differ by one man's answer tell the room what he chose, so every
picture of a poll is drawn from a *basis*, a copy of its ballots taken when the picture was made,
and a new basis may be taken only when

- at least k real answers are in it (the privacy floor; passes are not answers), and
- against every earlier basis of the poll, the real answers it adds (new, or changed to) are
  none or at least k, and so are the real answers it takes away (withdrawn, changed from, or
  turned into a pass), and it does add or take away something; or it draws the very same
  picture (the same answers and as many passes: a picture says how many passed, and one pass
  more beside the same answers would say whose tap it was).

Both sides count, each on its own. The room sees a man withdraw (the count of responses drops),
so a picture that took away one answer and added three would show which answer he took back
(his dot is missing); one that took away two and added one would show the one added alone.

A reveal or close that could draw no picture still showed the room "not shown" and a count of
responses: its ballots are kept as a floor mark, and a first picture must be k apart from every
mark too (may_publish), or one latecomer's tap would show by making the picture appear.

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


def changes(old: dict, new: dict) -> tuple[int, int]:
    """(added, removed): the real answers new has that old has not, and those old has that new has not.

    Added are new answers, changed ones and passes turned into answers; removed are withdrawn
    answers, changed ones and answers turned into a pass. A changed answer is on both sides: a
    picture of new shows old's answers, less the removed, with the added.
    """
    a, b = real(old), real(new)
    added = sum(1 for ballot, value in b.items() if a.get(ballot) != value)
    removed = sum(1 for ballot, value in a.items() if b.get(ballot) != value)
    return added, removed


def may_publish(current: dict, bases: list, floor: int, step: int | None = None, marks: list = ()) -> bool:
    """True when current may become a new picture: enough answers, and k apart from (or equal to) every earlier one.

    step, in live mode, is how many answers added or taken away the last picture asks for (a big
    room's pictures then come in fewer, bigger steps); it never lowers the rule.
    marks: the ballots of reveals or closes that drew no picture (the room saw "not shown" and a
    count of responses): a first picture k apart from them, too. Otherwise one
    latecomer's tap after a reopen would make the picture appear if it was an answer and not if it
    was a pass, and every surface would say which.
    """
    if len(real(current)) < floor:
        return False
    if bases and step and max(changes(bases[-1], current)) < step:
        return False
    return all(_clear_of(current, mark, floor) for mark in marks) and all(_apart(current, basis, floor) for basis in bases)


def _clear_of(current: dict, mark: dict, floor: int) -> bool:
    """True when a picture may follow a moment that drew none: k real answers more since then, at least.

    Only answers that were not answers then count (new ones, passes turned into answers): the room
    never saw the mark's answers, so one changed or taken back shows nothing of it, but a picture
    appearing because one more tap was an answer would say so of that tap. Not "none more" either:
    after a picture, k men changing theirs make the next picture k apart from it, and then "none
    more since the mark" would hang on one latecomer's tap alone, a picture appearing only if he
    passed (an attack review, December 2026). So after a moment that drew none, only k new answers
    bring the next picture; changes alone wait for them.
    """
    more = sum(1 for ballot, value in current.items() if value is not None and mark.get(ballot) is None)
    return more >= floor


def _apart(current: dict, basis: dict, floor: int) -> bool:
    """True when a picture of current may stand beside one of basis: each side k apart or untouched, or the same picture."""
    added, removed = changes(basis, current)
    if not added and not removed:
        return passes(current) == passes(basis)
    return all(side == 0 or side >= floor for side in (added, removed))


def waiting(current: dict, bases: list, floor: int, since: dict | None = None) -> dict | None:
    """What a kept picture says of the responses it does not show: {"newer": n, "more": m}, or None.

    newer counts the phones whose response (an answer or a pass) is new, changed or withdrawn since
    the picture; more is at least how many further ones a different picture needs (the floor, and
    every earlier picture, ask for k real answers apart). Both take a pass as an answer, so that
    neither tells the room whether the man who just tapped passed: more is then a lower bound
    (and more so when fewer than k answers were taken away: only more taken away, or those
    given back, can then make a new picture).
    since: what newer counts from, when not the last picture (before any picture: the first floor mark,
    when the room was first told there were too few).
    """
    if not bases:
        return None
    newer = responses_apart(current, bases[-1] if since is None else since)
    if not newer:
        return None
    gaps = [floor - d for d in (responses_apart(current, basis) for basis in bases) if 0 < d < floor]
    more = max([1, floor - len(current), *gaps])
    return {"newer": newer, "more": more}
