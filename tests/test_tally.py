"""Tallies per poll kind and the privacy floor (facilitator/tally.py)."""

import random

import pytest

from facilitator import tally as tally_module
from facilitator.tally import normalise_phrase, normalise_text, pending_texts, tally

CHOICE = {"kind": "choice", "options": ["Alone", "Close", "Both"]}
MULTI = {"kind": "multi", "options": ["Rest", "Company", "Quiet", "Purpose"], "max": 3}
SCALE = {"kind": "scale", "scale": {"min": 0, "max": 10, "min_label": "Not at all", "max_label": "Completely"}}
COMPASS = {"kind": "compass", "axes": {"x": "Connection", "y": "Space", "low": "A little", "high": "A lot"}}
WORDS = {"kind": "words", "max_words": 3}
TEXT = {"kind": "text"}

YES = {"approved": True, "export": False}
NO = {"approved": False, "export": False}

DISTRIBUTION_FIELDS = {"counts", "median", "points", "quadrants", "words", "texts"}


class ReversingRng:
    """Stands in for SystemRandom so a test can see that a shuffle happened."""

    def shuffle(self, items):
        items.reverse()


def point(x, y):
    return {"x": x, "y": y}


# --- the floor ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "values"),
    [
        (CHOICE, [0, 1]),
        (MULTI, [[0, 1], [2]]),
        (SCALE, [3, 7]),
        (COMPASS, [point(10, 90), point(60, 60)]),
        (WORDS, ["tired", "calm"]),
        (TEXT, ["I came anyway.", "Glad to be here."]),
    ],
)
def test_below_floor_shows_no_distribution_for_any_kind(item, values):
    approved = {"tired": YES, "calm": YES, "I came anyway.": YES, "Glad to be here.": YES}
    result = tally(item, values, passed=5, floor=3, approved=approved)
    assert result == {"kind": item["kind"], "shown": False, "answered": 7, "floor": 3}  # nor how many passed


def test_choice_below_floor_shows_no_counts():
    result = tally(CHOICE, [0, 0], passed=5, floor=3)
    assert result["shown"] is False
    assert "counts" not in result
    assert not DISTRIBUTION_FIELDS & result.keys()


def test_passes_do_not_count_towards_the_floor():
    assert tally(CHOICE, [0, 1], passed=10, floor=3)["shown"] is False


def test_exactly_floor_answers_are_shown():
    result = tally(CHOICE, [0, 1, 1], passed=2, floor=3)
    assert result == {
        "kind": "choice",
        "shown": True,
        "answered": 5,
        "passed": 2,
        "floor": 3,
        "counts": [1, 2, 0],
    }


def test_one_below_a_higher_floor_is_not_shown():
    assert tally(CHOICE, [0, 1, 2, 0], passed=0, floor=5)["shown"] is False
    assert tally(CHOICE, [0, 1, 2, 0, 1], passed=0, floor=5)["shown"] is True


@pytest.mark.parametrize("asked", [0, 1, 2, -4])
def test_floor_clamps_to_three(asked):
    two = tally(CHOICE, [0, 1], passed=0, floor=asked)
    assert two["shown"] is False
    assert two["floor"] == 3
    three = tally(CHOICE, [0, 1, 2], passed=0, floor=asked)
    assert three["shown"] is True
    assert three["floor"] == 3


def test_discussion_has_no_tally():
    with pytest.raises(ValueError):
        tally({"kind": "discussion"}, [], passed=0, floor=3)


# --- choice and multi -----------------------------------------------------------------


def test_choice_counts_one_per_option_including_unchosen():
    assert tally(CHOICE, [2, 0, 2, 2], passed=1, floor=3)["counts"] == [1, 0, 3]


def test_multi_counts_every_option_each_answer_picked():
    values = [[0, 1, 3], [1], [1, 3], [2, 1]]
    result = tally(MULTI, values, passed=0, floor=3)
    assert result["counts"] == [1, 4, 1, 2]
    assert result["answered"] == 4


def test_choice_index_outside_the_options_is_refused():
    with pytest.raises(ValueError):
        tally(CHOICE, [0, 1, -1], passed=0, floor=3)


# --- scale ----------------------------------------------------------------------------


def test_scale_counts_every_point_from_min_to_max():
    item = {"kind": "scale", "scale": {"min": 1, "max": 5, "min_label": "", "max_label": ""}}
    result = tally(item, [1, 5, 5, 3], passed=0, floor=3)
    assert result["counts"] == [1, 0, 1, 0, 2]


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([7, 2, 9], 7),  # odd: the middle value
        ([0, 10, 4, 6, 5], 5),
        ([2, 8, 4, 6], 5),  # even, whole mean stays an int
        ([3, 4, 9, 1], 3.5),  # even, half: a float
        ([10, 10, 10], 10),
    ],
)
def test_scale_median(values, median):
    result = tally(SCALE, values, passed=0, floor=3)
    assert result["median"] == median
    assert type(result["median"]) is type(median)


# --- compass --------------------------------------------------------------------------


def test_compass_points_do_not_keep_answer_order():
    values = [point(90, 10), point(5, 80), point(50, 50), point(5, 20)]
    result = tally(COMPASS, values, passed=0, floor=3)
    assert result["points"] == [[5, 20], [5, 80], [50, 50], [90, 10]]


@pytest.mark.parametrize(
    ("x", "y", "quadrant"),
    [
        (50, 50, "both"),
        (100, 100, "both"),
        (50, 49, "connection"),
        (100, 0, "connection"),
        (49, 50, "space"),
        (0, 100, "space"),
        (49, 49, "neither"),
        (0, 0, "neither"),
    ],
)
def test_compass_quadrant_boundaries(x, y, quadrant):
    # Two fixed "neither" dots keep the floor met; the third is the one under test.
    values = [point(0, 0), point(1, 1), point(x, y)]
    quadrants = tally(COMPASS, values, passed=0, floor=3)["quadrants"]
    expected = {"both": 0, "connection": 0, "space": 0, "neither": 2}
    expected[quadrant] += 1
    assert quadrants == expected


def test_compass_quadrants_add_up_to_the_answers():
    values = [point(80, 80), point(80, 20), point(20, 80), point(20, 20), point(60, 90)]
    result = tally(COMPASS, values, passed=3, floor=3)
    assert result["quadrants"] == {"both": 2, "connection": 1, "space": 1, "neither": 1}
    assert result["answered"] == 8


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([point(10, 90), point(30, 0), point(70, 40)], {"x": 30, "y": 40}),
        ([point(10, 90), point(30, 0), point(70, 40), point(80, 55)], {"x": 50, "y": 47.5}),
    ],
)
def test_compass_median_per_axis(values, median):
    assert tally(COMPASS, values, passed=0, floor=3)["median"] == median


# --- words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        ("Tired ", "tired"),
        ("tired!", "tired"),
        ("TIRED", "tired"),
        ("  Not   ALONE.  ", "not alone"),
        ("  tired,   hopeful...  ", "tired hopeful"),
        ("«Calm» ¡hola!", "calm hola"),
        ("don't know", "don't know"),
        ("— ... !", ""),
        ("STRASSE straße", "strasse strasse"),  # casefold, not lower
        ("cafe\u0301", "café"),  # the same letter composed two ways
    ],
)
def test_a_words_answer_normalises_to_one_phrase(raw, phrase):
    assert normalise_phrase(raw) == phrase


def test_words_in_different_spellings_count_as_one_word():
    values = ["Tired ", "tired!", "TIRED"]
    result = tally(WORDS, values, passed=0, floor=3, approved={"tired": YES})
    assert result["words"] == [{"word": "tired", "count": 3}]


def test_a_phrase_is_counted_whole_never_split_into_its_words():
    values = ["not alone", "Not  alone!", "alone", "not sure"]
    approved = {"not alone": YES, "alone": YES, "not sure": YES, "not": YES}
    result = tally(WORDS, values, passed=0, floor=3, approved=approved)
    assert result["words"] == [{"word": "not alone", "count": 2}, {"word": "alone", "count": 1},
                               {"word": "not sure", "count": 1}]


def test_words_most_frequent_first_ties_alphabetical():
    values = ["hopeful", "angry", "tired", "tired", "hopeful", "tired", "bored"]
    approved = {word: YES for word in ("hopeful", "angry", "tired", "bored")}
    result = tally(WORDS, values, passed=0, floor=3, approved=approved)
    assert result["words"] == [
        {"word": "tired", "count": 3},
        {"word": "hopeful", "count": 2},
        {"word": "angry", "count": 1},
        {"word": "bored", "count": 1},
    ]


def test_unapproved_words_never_appear():
    values = ["tired", "lonely", "tired", "ashamed"]
    approved = {"tired": YES, "lonely": NO, "ashamed": {"export": True}}
    result = tally(WORDS, values, passed=0, floor=3, approved=approved)
    assert result["words"] == [{"word": "tired", "count": 2}]


def test_words_without_any_approval_show_an_empty_cloud():
    result = tally(WORDS, ["tired", "calm", "calm"], passed=0, floor=3)
    assert result["shown"] is True
    assert result["words"] == []


def test_approval_flags_from_sqlite_integers_are_honoured():
    approved = {"tired": {"approved": 1, "export": 0}, "calm": {"approved": 0, "export": 1}}
    result = tally(WORDS, ["tired", "calm", "tired"], passed=0, floor=3, approved=approved)
    assert result["words"] == [{"word": "tired", "count": 2}]


# --- text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("  I came anyway.  ", "I came anyway."),
        ("I   came\n\tanyway.", "I came anyway."),
        ("Case Stays", "Case Stays"),
        ("   ", ""),
    ],
)
def test_normalise_text(raw, text):
    assert normalise_text(raw) == text


def test_text_shows_each_approved_text_once():
    values = ["I came anyway.", " I came  anyway. ", "Glad to be here.", "Nobody knows.", "Rough week."]
    approved = {"I came anyway.": YES, "Glad to be here.": YES, "Nobody knows.": NO}
    result = tally(TEXT, values, passed=1, floor=3, approved=approved)
    assert sorted(result["texts"]) == ["Glad to be here.", "I came anyway."]
    assert len(result["texts"]) == 2


def test_unapproved_texts_never_appear():
    values = ["My name is Tom.", "Rough week.", "Hard month."]
    result = tally(TEXT, values, passed=0, floor=3, approved={"My name is Tom.": NO})
    assert result["texts"] == []


def test_text_order_comes_from_the_shuffle_not_the_answers(monkeypatch):
    monkeypatch.setattr(tally_module, "_rng", ReversingRng())
    values = ["b text", "c text", "a text"]
    approved = {text: YES for text in values}
    # Sorted a, b, c before the shuffle; the stand-in reverses it.
    assert tally(TEXT, values, passed=0, floor=3, approved=approved)["texts"] == ["c text", "b text", "a text"]


def test_text_shuffle_uses_system_random():
    assert isinstance(tally_module._rng, random.SystemRandom)


def test_text_shuffle_varies_between_reveals():
    values = [f"sentence {n}" for n in range(6)]
    approved = {text: YES for text in values}
    orders = {tuple(tally(TEXT, values, passed=0, floor=3, approved=approved)["texts"]) for _ in range(40)}
    # 720 orders; 40 identical draws from SystemRandom would be astronomically unlikely.
    assert len(orders) > 1
    assert all(sorted(order) == sorted(values) for order in orders)


# --- pending lists for the console ----------------------------------------------------


def by_text(entries):
    return sorted(entries, key=lambda entry: entry["text"])


def test_pending_words_lists_every_distinct_phrase_with_count_and_flags():
    values = ["Not alone", "not  ALONE!", "tired", "LONELY tired"]
    approved = {"tired": {"approved": True, "export": True}, "lonely tired": NO}
    assert by_text(pending_texts("words", values, approved)) == [
        {"text": "lonely tired", "count": 1, "approved": False, "export": False, "decided": True},  # hidden
        {"text": "not alone", "count": 2, "approved": False, "export": False, "decided": False},
        {"text": "tired", "count": 1, "approved": True, "export": True, "decided": True},
    ]


def test_pending_texts_lists_every_distinct_text_with_count_and_flags():
    values = ["Rough week.", "  Rough   week. ", "I came anyway.", "   "]
    approved = {"I came anyway.": {"approved": True, "export": False}}
    assert by_text(pending_texts("text", values, approved)) == [
        {"text": "I came anyway.", "count": 1, "approved": True, "export": False, "decided": True},
        {"text": "Rough week.", "count": 2, "approved": False, "export": False, "decided": False},
    ]


def test_pending_flags_default_to_false_without_approvals():
    entries = pending_texts("text", ["One.", "Two."], None)
    assert all(entry["approved"] is False and entry["export"] is False and entry["decided"] is False
               for entry in entries)


def test_pending_order_comes_from_the_shuffle_not_the_answers(monkeypatch):
    monkeypatch.setattr(tally_module, "_rng", ReversingRng())
    entries = pending_texts("words", ["beta", "gamma", "alpha"], {})
    assert [entry["text"] for entry in entries] == ["gamma", "beta", "alpha"]


def test_pending_is_only_for_moderated_kinds():
    with pytest.raises(ValueError):
        pending_texts("choice", [0, 1], {})
