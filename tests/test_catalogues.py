"""Every sentence a person can see is in every catalogue, translated, and compiled as written."""

import re

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from conftest import catalogue_template

from facilitator import i18n

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CATALOGUES = sorted(i18n.TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def _read(po):
    with po.open("rb") as f:
        return read_po(f, locale=po.parent.parent.name)


def test_fireside_speaks_a_second_language():
    """Spanish ships, beside English."""
    assert "es" in i18n.languages() and [po.parent.parent.name for po in CATALOGUES] == ["es"]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parent.parent.name)
def test_every_sentence_in_the_code_is_translated(po):
    """A sentence in a template, a script or a Refused that a catalogue lacks fails here.

    Fix: `python -m facilitator.i18n update`, then translate what it lists (docs/translating.md).
    """
    catalog = _read(po)
    template = catalogue_template()
    missing = [m.id for m in template if m.id and (m.id not in catalog or catalog[m.id].fuzzy)]
    assert not missing, f"{po.parent.parent.name} lacks {len(missing)} sentences, e.g. {missing[:5]}"
    untranslated = i18n.untranslated(catalog)
    assert not untranslated, f"{len(untranslated)} sentences are not yet translated, e.g. {untranslated[:5]}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parent.parent.name)
def test_a_translation_keeps_every_placeholder(po):
    """%(n)s in the English must be in the translation, or the page shows a hole or crashes."""
    wrong = []
    for message in _read(po):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - wanted or (set(PLACEHOLDER.findall(ids[0])) - {"num"}) - set(PLACEHOLDER.findall(text)):
                wrong.append((ids[0], text))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parent.parent.name)
def test_the_compiled_catalogue_is_the_written_one(po):
    """The .mo Fireside reads says what the .po says: nobody forgot to compile."""
    def forms(text):  # a plural's ids and forms: tuples in the .po, lists in the .mo
        return tuple(text) if isinstance(text, (list, tuple)) else text

    written = {forms(m.id): forms(m.string) for m in _read(po) if m.id}
    with po.with_suffix(".mo").open("rb") as f:
        compiled = {forms(m.id): forms(m.string) for m in read_mo(f) if m.id}
    assert compiled == written


# Pairs of counts the same screens show side by side: one may never read as the other.
DISTINCT_COUNTS = [("%(num)s answered", "%(num)s responded")]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parent.parent.name)
@pytest.mark.parametrize("pair", DISTINCT_COUNTS)
def test_men_who_answered_and_men_who_responded_are_told_apart_in_every_language(po, pair):
    """The console says '6 responded' (passes included) where the projector says '5 answered · 1 passed'.

    Said with one word in a language, the facilitator sees two numbers for one thing.
    """
    catalog = _read(po)
    first, second = (catalog[msgid].string for msgid in pair)
    assert set(first).isdisjoint(second), (first, second)
