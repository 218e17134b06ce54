"""Exclusive options: "None of these" in a multi poll is chosen alone (deck format, server; the phone: test_browser_care.py)."""

import sqlite3
import textwrap

from conftest import run_fireside

from facilitator import events
from prompts.schema import validate_item

# A deck with an exclusive option, written as a facilitator would (the shipped decks do not carry one yet).
NONE_OF_THESE_DECK = textwrap.dedent('''
    title = "Exclusive test"

    [[items]]
    id = "needs-tonight"
    kind = "multi"
    prompt = "Which needs are alive in you tonight?"
    options = ["Closeness", "Space", "Rest", { text = "None of these", exclusive = true }]
    max = 2
''')


def _multi(options, **extra):
    """A multi item in deck form with these options."""
    return {"id": "needs", "kind": "multi", "prompt": "Which?", "options": options, "max": 2, **extra}


def test_decks_check_accepts_an_exclusive_option(tmp_path):
    deck = tmp_path / "exclusive.toml"
    deck.write_text(NONE_OF_THESE_DECK)
    result = run_fireside("decks", "check", deck)
    assert result.exit_code == 0, result.output
    assert "All good: 1 deck(s) checked." in result.output


def test_an_exclusive_option_is_read_as_its_text_and_its_index():
    item, problems = validate_item(_multi(["A", "B", {"text": "None of these", "exclusive": True}]), "x.toml")
    assert problems == []
    assert item["options"] == ["A", "B", "None of these"] and item["exclusive"] == [2]
    plain, _ = validate_item(_multi(["A", "B"]), "x.toml")
    assert "exclusive" not in plain  # items without one are as they were


def test_a_malformed_exclusive_option_is_refused_with_a_sentence_that_names_it():
    cases = [
        (_multi(["A", {"text": "None", "exclusive": "yes"}]), "option 2: exclusive must be true or false"),
        (_multi(["A", {"exclusive": True}]), 'option 2 needs its text'),
        (_multi(["A", {"text": "None", "exclusiv": True}]), "option 2: unknown field 'exclusiv' (did you mean 'exclusive'?)"),
        ({"id": "one", "kind": "choice", "prompt": "Which?", "options": ["A", {"text": "None", "exclusive": True}]},
         "option 2: exclusive only means something on a multi item"),
    ]
    for raw, expected in cases:
        item, problems = validate_item(raw, "x.toml")
        assert item is None and any(expected in p for p in problems), problems


def _exclusive_meeting(evening, data_dir):
    """A meeting from the deck with an exclusive option, its multi poll pushed; returns the poll's id."""
    (data_dir / "decks" / "exclusive.toml").write_text(NONE_OF_THESE_DECK)
    evening.start(deck="exclusive")
    return evening.push("needs-tonight")


def test_the_server_refuses_an_exclusive_option_chosen_with_others_and_changes_nothing(evening, data_dir):
    needs = _exclusive_meeting(evening, data_dir)
    phone = evening.phone()
    assert phone.answer(needs, [0, 1])["ok"]
    refused = phone.answer(needs, [0, 3])
    assert refused["ok"] is False
    assert refused["error"] == ("“None of these” is chosen on its own, not together with other options. "
                                "Untick it, or untick the others.")
    assert evening.store.answers(needs) == ([[0, 1]], 0)
    assert evening.store.answered(needs) == 1
    db = sqlite3.connect(data_dir / "fireside.db")
    assert db.execute("SELECT answer FROM ballots").fetchall() == [("[0, 1]",)]
    db.close()
    assert phone.answer(needs, [3]) == {"ok": True, "item_id": needs, "mine": [3], "withdrawable": True}


def test_phones_are_told_which_options_are_exclusive(evening, data_dir):
    needs = _exclusive_meeting(evening, data_dir)
    phone = evening.phone()
    assert phone.welcome["item"]["id"] == needs
    assert phone.welcome["item"]["exclusive"] == [3]
    assert evening.try_(events.ADD_ITEM, kind="multi", prompt="Spot?", max=2,
                        options=["A", "B", {"text": "Neither", "exclusive": True}])["ok"]
