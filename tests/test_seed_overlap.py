"""No deck and no deck guide copies the articles Fireside was started from.

The articles (the "seeds", in ../shared/seeds next to the repository, or wherever
FIRESIDE_SEEDS points) gave the project its ideas; every sentence in it must be our own. The test
looks for any run of eight words that a shipped deck or prompts/README.md has in common with an
article. Run this file as a script to print every such run:

    python tests/test_seed_overlap.py [SEEDS_FOLDER]
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

RUN = 8  # words in a row that may not be shared with an article
ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(os.environ.get("FIRESIDE_SEEDS") or ROOT.parent / "shared" / "seeds")
CHECKED = sorted((ROOT / "prompts" / "decks").rglob("*.toml")) + [ROOT / "prompts" / "README.md"]  # decks/es/ too

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": " ", "\u201d": " ", "\u2014": " ",
                         "\u2013": " "})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def words(text: str) -> list[str]:
    """The words of a text, lowercased, with typographic quotes and dashes made plain."""
    return _WORD.findall(text.casefold().translate(_QUOTES))


def runs(text: str, size: int = RUN) -> set[tuple[str, ...]]:
    """Every run of ``size`` consecutive words in a text."""
    found = words(text)
    return {tuple(found[i:i + size]) for i in range(len(found) - size + 1)}


def seed_runs(folder: Path) -> dict[tuple[str, ...], str]:
    """Every eight-word run of every article in the folder, with the article it comes from."""
    table: dict[tuple[str, ...], str] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name != "README.md":
            for run in runs(path.read_text(encoding="utf-8", errors="replace")):
                table.setdefault(run, path.name)
    return table


def overlaps(paths: list[Path], seeds: dict[tuple[str, ...], str]) -> list[str]:
    """One line for every run of eight words a file shares with an article."""
    found = []
    for path in paths:
        for run in sorted(runs(path.read_text(encoding="utf-8")) & seeds.keys()):
            found.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}: "
                         f"“{' '.join(run)}” is also in {seeds[run]}")
    return found


def _seeds_or_skip() -> dict[tuple[str, ...], str]:
    if not SEEDS.is_dir():
        pytest.skip(f"the articles are not at {SEEDS}; set FIRESIDE_SEEDS to their folder")
    table = seed_runs(SEEDS)
    assert len(table) > 1000, f"{SEEDS} holds too little text to be the articles"
    return table


def test_no_deck_and_no_guide_shares_eight_words_in_a_row_with_an_article():
    assert any(path.suffix == ".toml" for path in CHECKED)
    assert overlaps(CHECKED, _seeds_or_skip()) == []


def test_a_sentence_copied_from_an_article_is_caught(tmp_path):
    seeds = _seeds_or_skip()
    article = next(p for p in sorted(SEEDS.iterdir()) if p.is_file() and p.name != "README.md")
    copied = " ".join(words(article.read_text(encoding="utf-8"))[40:52])
    deck = tmp_path / "copied.toml"
    # Typographic quotes and capitals do not hide a copy.
    deck.write_text(f'title = "Copied"\nsummary = "“{copied.capitalize()}.”"\n', encoding="utf-8")
    found = overlaps([deck], seeds)
    assert len(found) == 12 - RUN + 1
    assert all(line.startswith("copied.toml: “") and article.name in line for line in found)


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else SEEDS
    problems = overlaps(CHECKED, seed_runs(folder))
    print("\n".join(problems) or f"No run of {RUN} words in common with {folder}.")
    sys.exit(1 if problems else 0)
