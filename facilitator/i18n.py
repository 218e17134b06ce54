"""Fireside in the meeting's language: one gettext catalogue per language, for every page and message.

Every sentence is written in English in the code and looked up in `facilitator/translations/<language>/
LC_MESSAGES/messages.mo` (compiled from the `.po` beside it; docs/translating.md). The language is
the running meeting's (the facilitator's choice on the console), not the phone's, so phones, console
and projector agree; with no meeting running it is the one the next meeting will start in.

- Pages rendered by Flask: Flask-Babel, with `_()` in the templates (`init_app`).
- The JavaScript pages: `t()` and `nt()` in `participant/static/common.js`, fed by `for_page()`,
  the page's own sentences from the same catalogue, in its config block.
- Sentences sent over Socket.IO, written into a summary or printed: `tr(language, ...)`,
  or a `Sentence` made now and said later in the listener's language (a `Refused`).

`python -m facilitator.i18n update` extracts every sentence, updates each catalogue and compiles it.
"""

import datetime
import functools
import hashlib
import os
import sys
from pathlib import Path

from babel import Locale
from babel.messages.extract import extract
from babel.support import NullTranslations, Translations

ROOT = Path(__file__).resolve().parent.parent  # the folder holding facilitator/ and participant/
TRANSLATIONS = Path(__file__).resolve().with_name("translations")
SOURCE = "en"  # the language the code is written in: it needs no catalogue

# The scripts of each JavaScript page, whose sentences its config block carries (for_page).
PAGE_SCRIPTS = {
    "phone": ("participant/static/common.js", "participant/static/results.js",
              "participant/static/phone.js", "participant/static/waiting.js"),
    "console": ("participant/static/common.js", "participant/static/results.js",
                "facilitator/static/console.js", "facilitator/static/choose.js"),
    "screen": ("participant/static/common.js", "participant/static/results.js", "facilitator/static/screen.js"),
    "evenings": ("participant/static/common.js", "facilitator/static/evenings.js"),
}
JS_KEYWORDS = {"t": None, "nt": (1, 2)}  # t("…", {vars}), nt("one …", "many …", n, {vars})


@functools.lru_cache(maxsize=1)
def languages():
    """The languages Fireside speaks: English, and every language with a compiled catalogue."""
    found = sorted(p.name for p in TRANSLATIONS.glob("*") if (p / "LC_MESSAGES" / "messages.mo").is_file())
    return (SOURCE, *found)


def language_names():
    """{code: the language's name in itself}, for the console's choice ("English", "Español")."""
    return {code: Locale.parse(code).get_display_name(code).capitalize() for code in languages()}


def supported(code):
    """The language Fireside speaks for a code like "es", "es_ES.UTF-8" or "es-MX", or None."""
    if not isinstance(code, str):
        return None
    base = code.split(".")[0].replace("-", "_").split("_")[0].lower()
    return base if base in languages() else None


def laptop_language():
    """The laptop's own language, as its locale settings say (LANGUAGE, LC_ALL, LC_MESSAGES, LANG); else English."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for code in os.environ.get(name, "").split(":"):
            if code and code not in ("C", "POSIX") and supported(code):
                return supported(code)
    return SOURCE


@functools.lru_cache(maxsize=8)
def translations(language):
    """The compiled catalogue of a language (read once); English and unknown languages say the code's own words."""
    if language == SOURCE or language not in languages():
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [language])


def tr(language, message, /, **params):
    """A sentence in a language, with %(name)s filled from params (a param that is a sentence is said too)."""
    text = translations(language).gettext(message)
    return text % _said(params, language) if params else text


def ntr(language, singular, plural, n, /, **params):
    """A sentence that depends on a number n (available as %(num)s), in a language."""
    params.setdefault("num", n)
    return translations(language).ngettext(singular, plural, n) % _said(params, language)


def _said(params, language):
    """Params with every sentence among them said in the language (a Sentence, a schema problem)."""
    return {name: say(value, language) if isinstance(value, Sentence) or hasattr(value, "through") else value
            for name, value in params.items()}


class Sentence:
    """A sentence made now and said later in the listener's language (a Refused, a kind's label).

    str() gives the English, so logs and tests that read English keep working.
    """

    __slots__ = ("message", "n", "params", "plural")

    def __init__(self, message, plural=None, n=None, /, **params):
        """The English message (and plural form, for n) with its %(name)s values (which may include one called n)."""
        self.message, self.plural, self.n, self.params = message, plural, n, params

    def say(self, language):
        """The sentence in a language."""
        if self.plural is not None:
            return ntr(language, self.message, self.plural, self.n, **self.params)
        return tr(language, self.message, **self.params)

    def __str__(self):
        return self.say(SOURCE)

    def __repr__(self):
        return f"Sentence({str(self)!r})"

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def _l(message, /, **params):
    """A sentence said later in the listener's language (marked for extraction)."""
    return Sentence(message, **params)


def _nl(singular, plural, n, /, **params):
    """A sentence for a number n, said later in the listener's language (marked for extraction)."""
    return Sentence(singular, plural, n, **params)


def say(text, language):
    """Anything a person is told, in a language: a Sentence or a schema sentence is translated; other text as it is."""
    if isinstance(text, Sentence):
        return text.say(language)
    if hasattr(text, "through"):  # prompts.schema.Text: the schema cannot import this module
        return text.through(translations(language))
    return str(text)


# --- the JavaScript pages -------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _script_messages(digest, text):
    """The sentences a script passes to t() and nt(): msgid, or (singular, plural)."""
    del digest  # the cache key: the same text is extracted once
    from io import BytesIO

    found = []
    for _lineno, message, _comments, _context in extract("javascript", BytesIO(text.encode()),
                                                         keywords=JS_KEYWORDS, comment_tags=()):
        found.append(message)
    return tuple(found)


def _page_messages(page):
    """Every sentence the scripts of one page say."""
    found = []
    for relative in PAGE_SCRIPTS[page]:
        text = (ROOT / relative).read_text(encoding="utf-8")
        found.extend(_script_messages(hashlib.blake2b(text.encode(), digest_size=16).digest(), text))
    return found


@functools.lru_cache(maxsize=1)
def _plural_indexes(language):
    """{CLDR plural category: index of the gettext plural form} for a language (Intl.PluralRules in the page)."""
    forms = translations(language)
    expression = getattr(forms, "plural", None)
    locale = Locale.parse(language)
    indexes = {}
    for n in (*range(200), 1000, 1000000, 2000000):
        category = locale.plural_form(n)
        if category not in indexes:
            indexes[category] = int(expression(n)) if expression else int(n != 1)
    return indexes


@functools.lru_cache(maxsize=16)
def for_page(page, language):
    """The config block's i18n for one page: its language, its sentences' translations, its plural rule.

    Only what differs from English is sent, so an English page carries almost nothing.
    """
    forms = translations(language)
    messages = {}
    for message in _page_messages(page):
        if isinstance(message, tuple):
            singular, plural = message
            said = [forms.ngettext(singular, plural, n) for n in _plural_samples(language)]
            if said != [singular if n == 1 else plural for n in _plural_samples(language)]:
                messages[singular] = _plural_list(forms, singular, plural, language)
        else:
            said = forms.gettext(message)
            if said != message:
                messages[message] = said
    return {"language": language, "messages": messages, "plural": _plural_indexes(language)}


def _plural_samples(language):
    """One number for each plural form of a language, in the order of the forms."""
    samples = {}
    for category, index in _plural_indexes(language).items():
        samples.setdefault(index, _example(language, category))
    return [samples[i] for i in sorted(samples)]


def _example(language, category):
    """A number of a plural category in a language."""
    locale = Locale.parse(language)
    for n in (*range(200), 1000, 1000000, 2000000):
        if locale.plural_form(n) == category:
            return n
    return 2


def _plural_list(forms, singular, plural, language):
    """The plural forms of one sentence, in gettext's order."""
    return [forms.ngettext(singular, plural, n) for n in _plural_samples(language)]


# --- Flask ----------------------------------------------------------------------------------------


def init_app(app, language_of):
    """Flask-Babel for the app's pages, in the language language_of() names (the meeting's)."""
    from flask_babel import Babel, get_locale

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=language_of)
    for page in PAGE_SCRIPTS:  # read now, like the static files (snapshot.py): a reinstall changes nothing
        for language in languages():
            for_page(page, language)
    app.jinja_env.globals.update(page_language=lambda: str(get_locale() or SOURCE))


# --- keeping the catalogues -----------------------------------------------------------------------


PY_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "_nl": (1, 2), "tr": (2,), "ntr": (2, 3),
               "lazy_gettext": None}
SOURCES = (  # (folder, pattern, extraction method, keywords): everything a person may be shown
    ("facilitator", "**/*.py", "python", PY_KEYWORDS),
    ("participant", "**/*.py", "python", PY_KEYWORDS),
    ("prompts", "*.py", "python", PY_KEYWORDS),
    ("facilitator", "templates/**/*.html", "jinja2.ext:babel_extract", PY_KEYWORDS),
    ("participant", "templates/**/*.html", "jinja2.ext:babel_extract", PY_KEYWORDS),
    ("facilitator", "static/*.js", "javascript", JS_KEYWORDS),
    ("participant", "static/*.js", "javascript", JS_KEYWORDS),
)
HEADER_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)  # fixed, so a catalogue changes only where its sentences do


def extract_all():
    """Every sentence in the code, templates and scripts, as a Babel catalogue (the template of every .po)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    template = Catalog(project="Fireside", creation_date=HEADER_DATE, fuzzy=False)
    for folder, pattern, method, keywords in SOURCES:
        for path in sorted((ROOT / folder).glob(pattern)):
            if "vendor" in path.parts or "__pycache__" in path.parts:
                continue
            for lineno, message, comments, context in extract_from_file(
                    method, str(path), keywords=keywords, comment_tags=("Translators:",),
                    strip_comment_tags=True):
                where = (str(path.relative_to(ROOT)), lineno)
                template.add(message, None, [where], auto_comments=comments, context=context)
    return template


def untranslated(catalog):
    """The sentences of a catalogue with no translation (or a plural form missing)."""
    return [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]


def update(argv=()):
    """Merge every sentence into each language's .po (new ones untranslated) and compile each .mo."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    template = extract_all()
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.creation_date = HEADER_DATE
        catalog.obsolete.clear()
        with po.open("wb") as f:
            write_po(f, catalog, no_location=True, sort_output=True, width=100, include_previous=False)
        missing = untranslated(catalog)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)
        print(f"{po.relative_to(ROOT)}: {len(catalog)} sentences, {len(missing)} not yet translated")
    languages.cache_clear()
    translations.cache_clear()


if __name__ == "__main__":  # python -m facilitator.i18n update
    if sys.argv[1:2] != ["update"]:
        sys.exit("usage: python -m facilitator.i18n update")
    update(sys.argv[2:])
