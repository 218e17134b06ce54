"""Decks: the format, the validator, the loader, and the content of the built-in decks."""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

import prompts
from facilitator.kinds import KINDS
from prompts import DeckError, check_decks, find_deck, list_decks, load_deck, write_starter
from prompts.schema import DEFAULT_AXES, validate_item

BUILTIN = prompts.builtin_deck_files()
ENGLISH = [path for path in BUILTIN if path.parent == prompts.BUILTIN_DIR]
SPANISH = [path for path in BUILTIN if path.parent == prompts.BUILTIN_DIR / "es"]
EVENINGS = [path for path in BUILTIN if not path.stem.startswith("starter")]
ENGLISH_EVENINGS = [path for path in EVENINGS if path in ENGLISH]
STARTERS = [path for path in BUILTIN if path.stem.startswith("starter")]
FIRST_SIX = {
    "how-we-meet", "two-sides", "closeness-distance", "what-we-were-taught", "under-the-anger",
    "holding-on",
}
# The year of evenings: 8 to 15 items each, all of them counted.
NEW_EVENINGS = {
    "fathers", "grief", "work-and-providing", "friendship", "shame", "checking-out", "repair",
    "open-floor", "year-end",
}
THEMES = FIRST_SIX | NEW_EVENINGS
END_CHECK = ["end-heard", "end-mattered", "end-way", "end-right"]
# Items that can open abuse, violence, self-harm or suicide, by deck: each note says how to
# receive it.
DISCLOSURE_ITEMS = {
    "how-we-meet": {"feeling-kept"},
    "closeness-distance": {"dance-learned"},
    "what-we-were-taught": {"taught-who"},
    "under-the-anger": {"anger-moment", "anger-steps-talk", "anger-share"},
    "fathers": {"father-words", "father-showed"},
    "grief": {"loss-how", "loss-remember"},
    "work-and-providing": {"work-worth"},
    "friendship": {"friends-then-now"},
    "shame": {"shame-parts", "shame-seen"},
    "checking-out": {"escape-gives-costs"},
    "repair": {"rupture-parts", "repair-hard"},
    "open-floor": {"floor-topics", "floor-first", "floor-next"},
    "how-we-meet-es": {"feeling-kept"},
}
# The words every deck's frame carries, in each language a deck is written in: the welcome's
# agreements, the clock in the notes, where help is, how to receive a disclosure, where words and
# sentences go, the end check's labels, and the options that cannot go with others.
FRAME = {
    "en": {
        "welcome": ("Welcome", "Answer on your phone or just listen", "peer group, not therapy or a crisis service",
                    "What is said here stays here, unless someone's safety is at risk", "Anyone may pass"),
        "opening": ("6:30.", "how the evening runs"),
        "break": "by about 7:30",
        "closing": "Start closing by 8:10",
        "help": ("help lines you have set", "wants a word"),
        "disclosure": ("abuse, violence, self-harm or suicide", "thank him", "don't probe", "keep the room safe",
                       "talk with him after", "help lines you have set"),
        "review": ("Close the poll", "review list"),
        "not_live": "as they arrive",
        "end_labels": {"min_label": "Not at all", "max_label": "Very much"},
        "not_with_others": re.compile(r"^(none of these|nothing\b|not sure|still not sure|i'm not sure|"
                                      r"hardly anywhere|i rarely|about right as it is)", re.I),
    },
    "es": {
        "welcome": ("Bienvenidos", "Responde en tu teléfono o solo escucha", "grupo de iguales: ni terapia ni servicio de crisis",
                    "Lo dicho aquí, aquí se queda, salvo si alguien corre peligro", "Cualquiera puede decir «paso»"),
        "opening": ("18:30.", "cómo será la noche"),
        "break": "hacia las 19:30",
        "closing": "Empieza a cerrar a más tardar a las 20:10",
        "help": ("líneas de ayuda que configuraste", "hablar un momento"),
        "disclosure": ("abuso, violencia, autolesiones o suicidio", "agradécele", "no indagues",
                       "mantén el espacio seguro", "hablar con él después", "líneas de ayuda que configuraste"),
        "review": ("Cierra la encuesta", "lista de revisión"),
        "not_live": "a medida que llegan",
        "end_labels": {"min_label": "Nada", "max_label": "Muchísimo"},
        "not_with_others": re.compile(r"^(ninguna de estas|ninguno de estos|nada\b|no estoy seguro|no lo sé|"
                                      r"todavía no lo sé|casi en ningún|casi nunca|rara vez|"
                                      r"está bien como está)", re.I),
    },
}


def frame(deck) -> dict:
    """The frame's words in the deck's own language."""
    return FRAME[deck.language]
STARTER_ITEMS = [
    ("agreements", "discussion"),
    ("checkin-feeling", "choice"),
    ("checkin-strength", "scale"),
    ("compass-tonight", "compass"),
    ("tonight-wish", "multi"),
    ("on-your-mind", "text"),
    ("checkout-word", "words"),
]


def deck_file(folder: Path, text: str, name: str = "evening.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD = """\
    title = "Monday"

    [[items]]
    id = "tonight"
    kind = "scale"
    prompt = "How are you tonight?"
    scale_min = 0
    scale_max = 10
"""


# --- the built-in decks ------------------------------------------------------------------------


def test_kinds_match_the_server():
    assert prompts.schema.KINDS == KINDS


@pytest.mark.parametrize("path", BUILTIN, ids=[p.stem for p in BUILTIN])
def test_builtin_deck_validates(path):
    assert check_decks([path]) == []
    deck = load_deck(path)
    assert deck.id == path.stem
    assert deck.builtin is True
    assert deck.title and deck.summary and deck.minutes
    for item in deck.items:
        assert item["note"], f"{path.name}, item '{item['key']}' has no facilitator note"


def _minutes_before(deck, test) -> int | None:
    """The minutes of the items before the first one ``test`` accepts (None if none does)."""
    spent = 0
    for item in deck.items:
        if test(item):
            return spent
        spent += item["minutes"]
    return None


@pytest.mark.parametrize("path", EVENINGS, ids=[p.stem for p in EVENINGS])
def test_evening_is_a_real_evening(path):
    deck = load_deck(path)
    kinds = [item["kind"] for item in deck.items]
    # the first six keep their whole content inside the shared opening and end check
    assert 8 <= len(deck.items) <= (15 if deck.id in NEW_EVENINGS else 20)
    assert deck.minutes == 120  # 6:30 to 8:30 PM
    assert all(item["minutes"] for item in deck.items)
    assert 110 <= sum(item["minutes"] for item in deck.items) <= 120
    assert len(set(kinds) - {"discussion"}) >= 3
    assert kinds.count("discussion") >= 3
    # discussion prompts between polls: never more than three polls in a row (the end check's
    # four quick scales are one block that needs no talk)
    run = 0
    for item in deck.items:
        if item["key"] in END_CHECK:
            continue
        run = 0 if item["kind"] == "discussion" else run + 1
        assert run <= 3, f"{deck.id}: too many polls in a row before '{item['key']}'"
    keys = [item["key"] for item in deck.items]
    assert keys[0] == "agreements"
    assert keys[-1] == "checkout-round"


@pytest.mark.parametrize("path", BUILTIN, ids=[p.stem for p in BUILTIN])
def test_every_deck_opens_with_the_welcome_and_the_agreements(path):
    deck = load_deck(path)
    opening, words = deck.items[0], frame(deck)
    assert opening["key"] == "agreements" and opening["kind"] == "discussion"
    for said in words["welcome"]:
        assert said in opening["prompt"], said
    # Every phone that shows the welcome has already joined: it is never told to scan the code.
    assert not re.search(r"\b(scan|escanea)", opening["prompt"], re.IGNORECASE), opening["prompt"]
    if path in EVENINGS:
        clock, runs = words["opening"]
        assert opening["minutes"] == 5
        assert opening["note"].startswith(clock) and runs in opening["note"]


@pytest.mark.parametrize("path", EVENINGS, ids=[p.stem for p in EVENINGS])
def test_every_evening_asks_the_compass_during_check_in_and_pairs_check_in_with_check_out(path):
    keys = [item["key"] for item in load_deck(path).items]
    assert keys.count("compass-tonight") == 1
    at = keys.index("compass-tonight")
    assert keys[at + 1] == "checkin-round"
    assert "checkin-feeling" in keys[:at]
    assert keys.index("break") < keys.index("checkout-feeling") < keys.index("checkout-round")


@pytest.mark.parametrize("path", EVENINGS, ids=[p.stem for p in EVENINGS])
def test_every_evening_ends_with_the_same_end_check_before_the_check_out_round(path):
    deck = load_deck(path)
    keys = [item["key"] for item in deck.items]
    assert keys[-1 - len(END_CHECK):-1] == END_CHECK
    for item in deck.items[-1 - len(END_CHECK):-1]:
        assert item["kind"] == "scale"
        assert item["scale"] == {"min": 0, "max": 10, **frame(deck)["end_labels"]}


@pytest.mark.parametrize("path", EVENINGS, ids=[p.stem for p in EVENINGS])
def test_the_clock_anchors_in_the_notes_match_the_minutes(path):
    deck = load_deck(path)
    pause = next(item for item in deck.items if item["key"] == "break")
    assert frame(deck)["break"] in pause["note"]
    assert 45 <= _minutes_before(deck, lambda item: item is pause) <= 60
    closing = [item for item in deck.items if frame(deck)["closing"] in item["note"]]
    assert len(closing) == 1
    assert closing[0]["key"] in ("checkout-feeling", "compass-leaving")
    assert 85 <= _minutes_before(deck, lambda item: item is closing[0]) <= 100


@pytest.mark.parametrize("path", EVENINGS, ids=[p.stem for p in EVENINGS])
def test_the_check_out_note_says_where_help_is(path):
    deck = load_deck(path)
    note = deck.items[-1]["note"]
    for said in frame(deck)["help"]:
        assert said in note, said


def test_items_that_can_open_harm_tell_the_facilitator_how_to_receive_it():
    decks = {path.stem: load_deck(path) for path in EVENINGS}
    assert NEW_EVENINGS - {"year-end"} <= set(DISCLOSURE_ITEMS)
    for path in SPANISH:  # an evening written again in Spanish receives what the English one receives
        english = path.stem.removesuffix("-es")
        assert DISCLOSURE_ITEMS.get(path.stem, set()) >= DISCLOSURE_ITEMS.get(english, set()), path.stem
    for deck_id, keys in DISCLOSURE_ITEMS.items():
        notes = {item["key"]: item["note"] for item in decks[deck_id].items}
        for key in keys:
            for words in frame(decks[deck_id])["disclosure"]:
                assert words in notes[key], f"{deck_id}, '{key}': {words}"
    anger = {item["key"]: item["note"] for item in decks["under-the-anger"].items}
    for key in ("agreements", "anger-moment"):
        assert "not anger management" in anger[key]
        assert "violence at home" in anger[key] and "help lines you have set" in anger[key]


def test_words_and_sentences_are_said_to_reach_the_review_list_when_the_poll_is_closed():
    for path in BUILTIN:
        deck = load_deck(path)
        close, review = frame(deck)["review"]
        for item in deck.items:
            assert frame(deck)["not_live"] not in item["note"]
            if item["kind"] in ("words", "text"):
                assert close in item["note"] and review in item["note"], f"{path.stem}, '{item['key']}'"


def test_the_wording_fixes_hold():
    decks = {path.stem: load_deck(path) for path in ENGLISH_EVENINGS}
    needs = {item["key"]: item for item in decks["holding-on"].items}
    stems = {needs[f"needs-{part}"]["prompt"].split(". ", 1)[1]
             for part in ("emotional", "connection", "autonomy", "security")}
    assert stems == {"Which of these would you like more of?"}
    assert "Friends I see regularly" in needs["needs-connection"]["options"]
    assert "A friend I could call at any hour" in needs["needs-security"]["options"]
    assert "checkout-feeling" in needs  # a closing poll
    dance = {item["key"]: item for item in decks["closeness-distance"].items}
    assert "The circle is the trouble, not either person in it." in dance["dance-circle"]["prompt"]
    practise = dance["both-moves-with-care"]["prompt"]
    assert "If you tend to step back" in practise and "If you tend to reach" in practise
    ease = [item for deck in decks.values() for item in deck.items
            if item["key"] == "say-feelings-ease"]
    assert ease and all(item["scale"]["min_label"] == "Very hard"
                        and item["scale"]["max_label"] == "Very easy" for item in ease)
    parts = {deck.id for deck in decks.values() for item in deck.items
             if "a part of" in item["prompt"].lower() and "another part" in item["prompt"]}
    assert {"holding-on", "shame", "repair"} <= parts


def test_the_themes_are_covered():
    decks = {path.stem: load_deck(path) for path in ENGLISH_EVENINGS}
    assert set(decks) == THEMES
    keys = {deck_id: {item["key"] for item in deck.items} for deck_id, deck in decks.items()}
    by_key = {deck_id: {item["key"]: item for item in deck.items} for deck_id, deck in decks.items()}
    floor = by_key["open-floor"]
    assert floor["floor-topics"]["kind"] == "words"
    assert "Let the room choose" in floor["floor-topics"]["note"]
    assert sum(item["kind"] != "discussion" and key not in END_CHECK
               for key, item in floor.items()) <= 4  # few polls: the room talks
    assert by_key["year-end"]["year-themes"]["kind"] == "multi"
    assert by_key["year-end"]["year-wish"]["kind"] == "text"
    new_kinds = {item["kind"] for deck_id in NEW_EVENINGS for item in decks[deck_id].items}
    assert new_kinds == set(KINDS)
    feeling = next(i for i in decks["how-we-meet"].items if i["key"] == "checkin-feeling")
    assert feeling["options"][:5] == ["Mad", "Sad", "Glad", "Scared", "Ashamed"]
    assert {"agreements", "checkin-strength", "checkout-word"} <= keys["how-we-meet"]
    assert "compass-tonight" in keys["two-sides"] and "compass-leaving" in keys["two-sides"]
    assert {"when-they-want-more", "when-they-want-space"} <= keys["closeness-distance"]
    assert {"taught-messages", "care-how"} <= keys["what-we-were-taught"]
    steps = ["anger-trigger", "anger-first-reaction", "anger-what-i-did", "anger-underneath",
             "anger-need"]
    anger = [item["key"] for item in decks["under-the-anger"].items]
    assert [key for key in anger if key in steps] == steps
    needs = {item["key"]: item["kind"] for item in decks["holding-on"].items}
    for part in ("emotional", "connection", "autonomy", "security"):
        assert needs[f"needs-{part}"] == "multi"


@pytest.mark.parametrize("language", sorted(FRAME))
def test_a_shared_id_is_the_same_question_everywhere(language):
    """Results are compared across meetings by id, so an id must always ask the same thing (in one language)."""
    decks = [path for path in BUILTIN if load_deck(path).language == language]
    evenings = [path for path in decks if path in EVENINGS]
    seen = defaultdict(list)
    for path in decks:
        for item in load_deck(path).items:
            question = {k: v for k, v in item.items() if k not in ("note", "minutes")}
            seen[item["key"]].append((path.stem, question))
    for key, uses in seen.items():
        first = uses[0][1]
        for deck_id, question in uses[1:]:
            assert question == first, f"'{key}' in {deck_id} differs from {uses[0][0]}"
    assert len(seen["checkin-feeling"]) == len(decks)
    assert len(seen["compass-tonight"]) == len(decks)
    assert len(seen["checkout-feeling"]) == len(evenings)
    for key in END_CHECK:
        assert len(seen[key]) == len(evenings)


# The shape of a question: what a phone's answer means, whatever the language it is asked in.
SHAPE = ("kind", "max", "exclusive", "max_words")


def _shape(item) -> dict:
    """What an item asks for, apart from its words: kind, how many options, the scale's points, the flags."""
    shape = {name: item.get(name) for name in SHAPE}
    shape["options"] = len(item.get("options") or [])
    shape["scale"] = (item["scale"]["min"], item["scale"]["max"]) if "scale" in item else None
    return shape


@pytest.mark.parametrize("path", SPANISH, ids=[p.stem for p in SPANISH])
def test_a_spanish_evening_keeps_the_ids_and_shapes_of_the_english_one(path):
    """The group's history follows an id across languages, so a Spanish deck asks the same questions by the same ids."""
    spanish = load_deck(path)
    english = load_deck(prompts.BUILTIN_DIR / f"{path.stem.removesuffix('-es')}.toml")
    assert spanish.language == "es" and english.language == "en"
    assert [item["key"] for item in spanish.items] == [item["key"] for item in english.items]
    assert [item["minutes"] for item in spanish.items] == [item["minutes"] for item in english.items]
    for mine, theirs in zip(spanish.items, english.items):
        assert _shape(mine) == _shape(theirs), mine["key"]
        assert mine["prompt"] != theirs["prompt"], mine["key"]  # written in Spanish, not left in English


def test_a_deck_in_a_language_folder_says_so_and_names_every_compass_label():
    """A deck in prompts/decks/es/ is written in Spanish, and spells out the compass's labels in it.

    Left out, they would be the English defaults on every phone in a Spanish room.
    """
    assert SPANISH and len(SPANISH) >= 3
    for path in BUILTIN:
        deck = load_deck(path)
        assert deck.language == ("en" if path in ENGLISH else path.parent.name), path.stem
        if deck.language == "en":
            continue
        for item in deck.items:
            if item["kind"] == "compass":
                assert not set(item["axes"].values()) & set(DEFAULT_AXES.values()), (path.stem, item["key"])


@pytest.mark.parametrize("deck_id", [path.stem for path in STARTERS])
def test_starter_deck_has_every_kind(deck_id):
    deck = find_deck(deck_id, None)
    assert [(item["key"], item["kind"]) for item in deck.items] == STARTER_ITEMS
    assert {kind for _, kind in STARTER_ITEMS} == set(KINDS)


def test_normalised_items_match_the_protocol():
    items = {item["key"]: item for item in find_deck("starter", None).items}
    assert items["agreements"] == {
        "key": "agreements", "kind": "discussion", "prompt": items["agreements"]["prompt"],
        "note": items["agreements"]["note"], "minutes": 3,
    }
    assert items["checkin-feeling"]["options"][0] == "Mad"
    assert items["tonight-wish"]["max"] == 2
    assert items["checkin-strength"]["scale"] == {
        "min": 0, "max": 10, "min_label": "Barely there", "max_label": "Fills me up"}
    assert items["compass-tonight"]["axes"] == DEFAULT_AXES
    assert items["checkout-word"]["max_words"] == 3
    assert set(items["on-your-mind"]) == {"key", "kind", "prompt", "note", "minutes"}


# --- broken decks: one mistake each, one exact message each -------------------------------------

# How a problem names the languages Fireside speaks, in any language: "en (English), es (Español)".
SPEAKS = ", ".join(f"{code} ({name})" for code, name in prompts.languages().items())

BROKEN = [
    ("toml syntax error", """\
        title = "Monday

        [[items]]
     """, "evening.toml, line 1: not valid TOML: a quote is not closed on this line"),
    ("toml bare text", """\
        title = Monday
     """, "evening.toml, line 1: not valid TOML: a value is not valid; text must be in quotes"),
    ("toml key twice", """\
        title = "Monday"
        title = "Tuesday"
     """, "evening.toml, line 2: not valid TOML: this name was already given a value above"),
    ("toml unclosed list", """\
        title = "Monday"
        [[items]]
        options = ["a", "b"
     """, "evening.toml, at the end: not valid TOML: unclosed array"),
    ("missing title", """\
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
     """, "evening.toml: title is missing"),
    ("empty title", """\
        title = "  "
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
     """, "evening.toml: title is empty"),
    ("unknown deck field", """\
        title = "Monday"
        sumary = "A night."
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
     """, "evening.toml: unknown field 'sumary' (did you mean 'summary'?)"),
    ("language Fireside does not speak", """\
        title = "Monday"
        language = "xx"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
     """, f"evening.toml: language 'xx' is not one Fireside speaks; it speaks {SPEAKS}"),
    ("language as a name", """\
        title = "Monday"
        language = "Spanish"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
     """, "evening.toml: language 'Spanish' is not a language code; write two letters, like \"es\" for Spanish"),
    ("language not text", """\
        title = "Monday"
        language = 34
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
     """, "evening.toml: language must be text in quotes"),
    ("item field above the items", """\
        title = "Monday"
        prompt = "Welcome."
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
     """, "evening.toml: unknown field 'prompt'; item fields go below an [[items]] line"),
    ("no items", """\
        title = "Monday"
     """, "evening.toml: there are no items; add at least one [[items]] table"),
    ("items misspelt", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
        [[item]]
        id = "break"
     """, "evening.toml: unknown field 'item' (did you mean 'items'?)"),
    ("items not tables", """\
        title = "Monday"
        items = ["Welcome."]
     """, "evening.toml, item 1: each item must be an [[items]] table with id, kind and prompt"),
    ("deck minutes not a number", """\
        title = "Monday"
        minutes = "two hours"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
     """, "evening.toml: minutes must be a whole number"),
    ("unknown kind", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "slider"
        prompt = "How are you?"
     """, "evening.toml, item 'tonight': kind 'slider' is not one of "
         "choice, multi, scale, compass, words, text, discussion"),
    ("missing kind", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        prompt = "How are you?"
     """, "evening.toml, item 'tonight': kind is missing"),
    ("missing prompt", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
     """, "evening.toml, item 'tonight': prompt is missing"),
    ("empty prompt", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = ""
     """, "evening.toml, item 'tonight': prompt is empty"),
    ("prompt too long", f"""\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "{'a' * 301}"
     """, "evening.toml, item 'tonight': prompt is 301 characters long; the most is 300"),
    ("prompt not text", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = 7
     """, "evening.toml, item 'tonight': prompt must be text in quotes"),
    ("duplicate id", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
        [[items]]
        id = "break"
        kind = "discussion"
        prompt = "Break."
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Goodbye."
     """, "evening.toml, item 'tonight': the id is used by more than one item (items 1 and 3)"),
    ("missing id", """\
        title = "Monday"
        [[items]]
        kind = "discussion"
        prompt = "Welcome."
     """, "evening.toml, item 1: id is missing"),
    ("empty id", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
        [[items]]
        id = ""
        kind = "discussion"
        prompt = "Goodbye."
     """, "evening.toml, item 2: id is empty"),
    ("id with spaces", """\
        title = "Monday"
        [[items]]
        id = "How are you"
        kind = "discussion"
        prompt = "Welcome."
     """, "evening.toml, item 'How are you': id 'How are you' may only use lowercase letters, "
         "digits, - and _"),
    ("choice with one option", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "choice"
        prompt = "How are you?"
        options = ["Fine"]
     """, "evening.toml, item 'tonight': options has 1 entry; a choice item needs 2 to 12"),
    ("choice with thirteen options", f"""\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "choice"
        prompt = "How are you?"
        options = {[str(n) for n in range(13)]!r}
     """.replace("'", '"'),
     "evening.toml, item 'tonight': options has 13 entries; a choice item needs 2 to 12"),
    ("choice without options", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "choice"
        prompt = "How are you?"
     """, "evening.toml, item 'tonight': options is missing"),
    ("options not a list", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "choice"
        prompt = "How are you?"
        options = "Fine, Bad"
     """, "evening.toml, item 'tonight': options must be a list of text, like [\"Yes\", \"No\"]"),
    ("option repeated", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "choice"
        prompt = "How are you?"
        options = ["Sad", "Glad", "sad"]
     """, "evening.toml, item 'tonight': option 3 'sad' repeats option 1"),
    ("option empty", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "choice"
        prompt = "How are you?"
        options = ["Sad", " "]
     """, "evening.toml, item 'tonight': option 2 is empty"),
    ("option too long", f"""\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "choice"
        prompt = "How are you?"
        options = ["Sad", "{'b' * 81}"]
     """, "evening.toml, item 'tonight': option 2 is 81 characters long; the most is 80"),
    ("multi max more than options", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "multi"
        prompt = "What do you need?"
        options = ["Rest", "Company", "Quiet", "Work"]
        max = 5
     """, "evening.toml, item 'tonight': max 5 is more than the 4 options"),
    ("multi max zero", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "multi"
        prompt = "What do you need?"
        options = ["Rest", "Company"]
        max = 0
     """, "evening.toml, item 'tonight': max 0 must be at least 1"),
    ("multi without max", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "multi"
        prompt = "What do you need?"
        options = ["Rest", "Company"]
     """, "evening.toml, item 'tonight': max is missing"),
    ("scale min not below max", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "scale"
        prompt = "How are you?"
        scale_min = 10
        scale_max = 5
     """, "evening.toml, item 'tonight': scale min 10 is not below max 5"),
    ("scale min equals max", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "scale"
        prompt = "How are you?"
        scale_min = 3
        scale_max = 3
     """, "evening.toml, item 'tonight': scale min 3 is not below max 3"),
    ("scale too many points", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "scale"
        prompt = "How are you?"
        scale_min = 0
        scale_max = 100
     """, "evening.toml, item 'tonight': scale from 0 to 100 has 101 points; the most is 11"),
    ("scale with a decimal", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "scale"
        prompt = "How are you?"
        scale_min = 0
        scale_max = 10.0
     """, "evening.toml, item 'tonight': scale_max must be a whole number"),
    ("scale without max", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "scale"
        prompt = "How are you?"
        scale_min = 0
     """, "evening.toml, item 'tonight': scale_max is missing"),
    ("scale label too long", f"""\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "scale"
        prompt = "How are you?"
        scale_min = 0
        scale_max = 10
        max_label = "{'c' * 41}"
     """, "evening.toml, item 'tonight': max_label is 41 characters long; the most is 40"),
    ("compass empty label", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "compass"
        prompt = "Where are you?"
        y_label = ""
     """, "evening.toml, item 'tonight': y_label is empty"),
    ("words max too big", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "words"
        prompt = "One word?"
        max_words = 8
     """, "evening.toml, item 'tonight': max_words 8 is not between 1 and 5"),
    ("unknown item field", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
        notes = "Read it out."
     """, "evening.toml, item 'tonight': unknown field 'notes' (did you mean 'note'?)"),
    ("unknown item field without a guess", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
        colour = "red"
     """, "evening.toml, item 'tonight': unknown field 'colour'"),
    ("field of another kind", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "scale"
        prompt = "How are you?"
        scale_min = 0
        scale_max = 10
        options = ["Low", "High"]
     """, "evening.toml, item 'tonight': options does not belong on a scale item"),
    ("item minutes zero", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
        minutes = 0
     """, "evening.toml, item 'tonight': minutes 0 is not between 1 and 180"),
    ("minutes true", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
        minutes = true
     """, "evening.toml, item 'tonight': minutes must be a whole number"),
    ("note not text", """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "discussion"
        prompt = "Welcome."
        note = ["Read it out."]
     """, "evening.toml, item 'tonight': note must be text in quotes"),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in BROKEN],
                         ids=[case[0] for case in BROKEN])
def test_broken_deck_gives_one_clear_problem(tmp_path, text, expected):
    path = deck_file(tmp_path, text)
    assert check_decks([path]) == [expected]
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    assert caught.value.problems == [expected]
    assert str(caught.value) == expected


def test_every_problem_is_listed_one_per_line(tmp_path):
    path = deck_file(tmp_path, """\
        title = "Monday"
        [[items]]
        id = "tonight"
        kind = "scale"
        prompt = "How are you?"
        scale_min = 10
        scale_max = 5
        [[items]]
        id = "needs"
        kind = "multi"
        prompt = "What do you need?"
        options = ["Rest"]
        max = 2
    """)
    expected = [
        "evening.toml, item 'tonight': scale min 10 is not below max 5",
        "evening.toml, item 'needs': options has 1 entry; a multi item needs 2 to 12",
    ]
    assert check_decks([path]) == expected
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    assert str(caught.value) == "\n".join(expected)


def test_check_decks_reports_many_files_and_missing_ones(tmp_path):
    good = deck_file(tmp_path, GOOD, "good.toml")
    bad = deck_file(tmp_path, 'title = "x"\n', "bad.toml")
    assert check_decks([good]) == []
    assert check_decks([good, bad, tmp_path / "gone.toml"]) == [
        "bad.toml: there are no items; add at least one [[items]] table",
        "gone.toml: there is no such file",
    ]


def test_a_deck_saved_by_windows_notepad_loads(tmp_path):
    path = tmp_path / "notepad.toml"
    path.write_bytes(b"\xef\xbb\xbf" + textwrap.dedent(GOOD).replace("\n", "\r\n").encode())
    assert load_deck(path).items[0]["scale"]["max"] == 10


def test_a_deck_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes('title = "Caf\xe9"\n'.encode("latin-1"))
    assert check_decks([path]) == ["latin.toml: is not UTF-8 text; save it again as UTF-8"]


# --- one item, as the console sends it ---------------------------------------------------------


def test_item_added_on_the_spot_needs_no_id():
    item, problems = validate_item(
        {"kind": "multi", "prompt": " What do you need? ", "options": ["Rest", "Company"],
         "max": 1},
        "new poll", require_key=False)
    assert problems == []
    assert item == {"key": "", "kind": "multi", "prompt": "What do you need?",
                    "options": ["Rest", "Company"], "max": 1, "note": "", "minutes": None}


def test_item_problems_without_a_place_are_bare_sentences():
    item, problems = validate_item({"kind": "scale", "prompt": "How?", "scale_min": 5,
                                    "scale_max": 5}, "", require_key=False)
    assert item is None
    assert problems == ["scale min 5 is not below max 5"]


def test_item_defaults():
    compass, _ = validate_item({"id": "c", "kind": "compass", "prompt": "Where?"}, "x")
    words, _ = validate_item({"id": "w", "kind": "words", "prompt": "Word?"}, "x")
    scale, _ = validate_item({"id": "s", "kind": "Scale", "prompt": "How?", "scale_min": 1,
                              "scale_max": 5}, "x")
    assert compass["axes"] == {"x": "Connection", "y": "Space to myself", "low": "A little",
                               "high": "A lot"}
    assert words["max_words"] == 3
    assert scale["kind"] == "scale"
    assert scale["scale"] == {"min": 1, "max": 5, "min_label": "", "max_label": ""}


def test_the_schema_checks_a_language_codes_shape_and_the_loader_that_fireside_speaks_it(tmp_path):
    deck = {"title": "Segunda", "language": "pt", "items": [{"id": "a", "kind": "discussion", "prompt": "Olá."}]}
    assert prompts.schema.validate_deck(deck, "x")[0]["language"] == "pt"  # pure: it reads no catalogue
    assert prompts.schema.validate_deck({**deck, "language": "ES"}, "x")[0]["language"] == "es"
    assert prompts.schema.validate_deck({k: v for k, v in deck.items() if k != "language"}, "x")[0]["language"] == "en"
    path = deck_file(tmp_path, GOOD.replace('title = "Monday"', 'title = "Lunes"\n    language = "es"'))
    assert load_deck(path).language == "es"
    assert check_decks([deck_file(tmp_path, GOOD.replace('title = "Monday"', 'title = "x"\n    language = "xx"'))]) == [
        f"evening.toml: language 'xx' is not one Fireside speaks; it speaks {SPEAKS}"]


def test_item_must_be_a_table():
    assert validate_item(["kind"], "console") == (
        None, ["console: each item must be an [[items]] table with id, kind and prompt"])


def test_require_key_still_checks_a_given_id():
    _, problems = validate_item({"id": "Bad Id", "kind": "text", "prompt": "Hi"}, "console",
                                require_key=False)
    assert problems == [
        "console, item 'Bad Id': id 'Bad Id' may only use lowercase letters, digits, - and _"]


# --- the facilitator's own decks ---------------------------------------------------------------


def test_list_decks_adds_his_decks_and_reports_broken_ones(tmp_path):
    deck_file(tmp_path, GOOD, "monday.toml")
    deck_file(tmp_path, 'title = "Broken"\n[[items]]\nid = "a"\n', "broken.toml")
    deck_file(tmp_path, GOOD, "two-sides.toml")
    (tmp_path / "notes.txt").write_text("not a deck")
    decks, problems = list_decks(tmp_path)
    ids = [deck.id for deck in decks]
    assert set(ids) == {path.stem for path in BUILTIN} | {"monday"}
    assert ids[-1] == "monday"
    mine = decks[-1]
    assert mine.builtin is False and mine.title == "Monday" and mine.path == tmp_path / "monday.toml"
    assert all(deck.builtin for deck in decks[:-1])
    assert problems == [
        "broken.toml, item 'a': kind is missing",
        "broken.toml, item 'a': prompt is missing",
        "two-sides.toml: a built-in deck is already called 'two-sides'; give your file another name",
    ]


def test_list_decks_without_a_user_folder(tmp_path):
    decks, problems = list_decks(tmp_path / "nowhere")
    assert problems == []
    assert len(decks) == len(BUILTIN)
    assert list_decks(None) == (decks, [])


def test_find_deck(tmp_path):
    deck_file(tmp_path, GOOD, "monday.toml")
    deck_file(tmp_path, 'title = "Broken"\n', "broken.toml")
    assert find_deck("under-the-anger", tmp_path).builtin is True
    assert find_deck("monday", tmp_path).items[0]["key"] == "tonight"
    with pytest.raises(DeckError, match="^broken.toml: there are no items"):
        find_deck("broken", tmp_path)
    for missing in ("tuesday", "../decks/starter", "", None):
        with pytest.raises(DeckError, match="^there is no deck called"):
            find_deck(missing, tmp_path)


def test_deck_as_dict_is_json_ready():
    import json

    data = find_deck("starter", None).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"id", "title", "summary", "minutes", "builtin", "language", "items"}
    assert data["language"] == "en" and find_deck("starter-es", None).as_dict()["language"] == "es"


def test_write_starter_makes_a_valid_deck_and_never_overwrites(tmp_path):
    folder = tmp_path / "decks"
    path = write_starter("Monday night", folder)
    assert path == folder / "monday-night.toml"
    deck = load_deck(path)
    assert deck.title == "Monday night"
    assert deck.builtin is False
    assert {item["kind"] for item in deck.items} == set(KINDS)
    before = path.read_text(encoding="utf-8")
    with pytest.raises(DeckError, match="already exists"):
        write_starter("monday night", folder)
    assert path.read_text(encoding="utf-8") == before
    assert [d.id for d in list_decks(folder)[0] if not d.builtin] == ["monday-night"]


def test_write_starter_refuses_bad_names(tmp_path):
    with pytest.raises(DeckError, match="cannot be a deck name"):
        write_starter(" -- ", tmp_path)
    with pytest.raises(DeckError, match="a built-in deck is already called 'two-sides'"):
        write_starter("Two sides", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_starter_in_spanish_is_the_spanish_starter_with_a_spanish_summary_and_says_so(tmp_path):
    from conftest import english_in

    path = write_starter("Noche del lunes", tmp_path, "es")
    deck = load_deck(path)
    assert (deck.title, deck.language, deck.builtin) == ("Noche del lunes", "es", False)
    assert deck.summary == "Di en una o dos frases de qué trata esta noche."
    assert {item["kind"] for item in deck.items} == set(KINDS)
    # What a man reads (not the keys and kinds a program reads): the comments, and every text value.
    comments = [line.split("#", 1)[1] for line in path.read_text(encoding="utf-8").splitlines() if "#" in line]
    values = [deck.summary] + [str(value) for item in deck.items for name, value in item.items()
                               if name not in ("id", "kind", "key") and isinstance(value, (str, list))]
    said = "\n".join(comments + values)
    kinds = re.compile(r"\b(?:" + "|".join(KINDS) + r")\b")  # the comments name each kind as he must write it
    assert english_in(kinds.sub("", said)) == []


def test_a_starter_in_a_language_with_no_starter_of_its_own_is_the_english_one():
    assert prompts.starter_file("en") == prompts.STARTER_FILE
    assert prompts.starter_file("fr") == prompts.STARTER_FILE  # no decks/fr/starter-fr.toml
    assert 'summary = "Say in a sentence or two' in prompts.starter_deck_text("Lundi", "fr")


@pytest.mark.parametrize("title", ['Quotes " and \\ back', "Line\nbreak", "grief-and-loss", ""])
def test_starter_text_is_valid_toml_for_any_title(tmp_path, title):
    path = tmp_path / "x.toml"
    path.write_text(prompts.starter_deck_text(title), encoding="utf-8")
    deck = load_deck(path)
    assert deck.title == (" ".join(title.split()) or "My evening")
    assert deck.summary == prompts.STARTER_SUMMARY


# --- the docs ----------------------------------------------------------------------------------

README = Path(prompts.__file__).parent / "README.md"


def test_readme_example_is_a_valid_deck_with_every_kind(tmp_path):
    text = README.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    deck = load_deck(deck_file(tmp_path, example, "example.toml"))
    assert {item["kind"] for item in deck.items} == set(KINDS)
    # an id it shares with a built-in deck asks the same question
    builtin = {item["key"]: item for path in ENGLISH for item in load_deck(path).items}
    for item in deck.items:
        if item["key"] in builtin:
            same = {k: v for k, v in builtin[item["key"]].items() if k not in ("note", "minutes")}
            assert {k: v for k, v in item.items() if k not in ("note", "minutes")} == same


def test_readme_names_every_field_and_every_builtin_deck():
    text = README.read_text(encoding="utf-8")
    for field in prompts.schema.FIELD_NAMES + prompts.schema.DECK_FIELD_NAMES:
        assert f"`{field}`" in text or f"[[{field}]]" in text, field
    for path in BUILTIN:
        assert f"`{path.stem}`" in text, path.stem


def test_every_shipped_option_that_cannot_go_with_others_is_exclusive():
    """"None of these" ticked beside "Driving alone" would say two things at once: such options are exclusive."""
    missing = []
    for path in prompts.builtin_deck_files():
        deck = prompts.load_deck(path)
        for item in deck.items:
            if item["kind"] != "multi":
                continue
            for index, option in enumerate(item["options"]):
                if frame(deck)["not_with_others"].match(option) and index not in item.get("exclusive", []):
                    missing.append(f"{path.stem} / {item['key']}: {option}")
    assert not missing, missing
