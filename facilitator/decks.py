"""The decks a meeting can start from: the built-in ones and the facilitator's own."""

from pathlib import Path

import prompts
from facilitator.i18n import _l
from facilitator.rules import Refused
from prompts.schema import joined


def planned_minutes(deck):
    """How long the deck's items say the evening runs: the same sum the agenda shows once it starts.

    A deck may state its own length too; when its items carry timers, their sum is the one number
    the facilitator sees, on the deck's card and on the agenda alike.
    """
    timed = sum(item.get("minutes") or 0 for item in deck.items)
    return timed or deck.minutes


def is_trial(deck):
    """Whether deck is the built-in trial evening ("Trying it out") written in its own language."""
    return deck.builtin and deck.id == prompts.starter_file(deck.language).stem


class DeckShelf:
    """Finds decks in prompts/decks and in the data folder's decks/ each time it is asked."""

    def __init__(self, user_dir):
        """user_dir holds the facilitator's own decks (it may not exist yet)."""
        self.user_dir = Path(user_dir)

    def summaries(self, language=None, last=None):
        """(decks as the console lists them, problems of broken decks); those written in language first.

        The console ticks the first deck it lists, so a room meeting in English is never offered a
        Spanish evening first only because its title sorts first, nor the reverse. Within the
        meeting's language: the evening of the last meeting (last, a deck id), then his own
        evenings, then the short trial evening, then the rest. A group that meets with the same
        evening, or with one he wrote, finds it ticked after a meeting; a facilitator who presses
        Start on his first evening gets a run through every kind of item, not a heavy topic such as
        grief.
        """
        decks, problems = prompts.list_decks(self.user_dir)
        if language is not None:  # stable: by title within each
            decks = sorted(decks, key=lambda deck: (
                deck.language != language, deck.id != last, deck.builtin, not is_trial(deck)))
        listed = [
            {"id": deck.id, "title": deck.title, "summary": deck.summary, "minutes": planned_minutes(deck),
             "items": len(deck.items), "builtin": deck.builtin, "language": deck.language}
            for deck in decks
        ]
        return listed, problems

    def drafts(self):
        """His own evenings that cannot be started yet: [{"id", "title", "problems": how many}], by title.

        The console names them by title and sends him to the editor, which says each problem in
        his words beside its field; the file check's sentences name the file and its fields.
        """
        from facilitator import evenings  # the editor's reading of a deck file, broken ones too

        return [{"id": deck["id"], "title": deck["title"], "problems": len(deck["problems"])}
                for deck in evenings.listing(self.user_dir) if not deck["builtin"] and deck["problems"]]

    def find(self, deck_id):
        """One deck by id; a missing or broken deck is refused with its problems."""
        if not isinstance(deck_id, str) or not deck_id:
            raise Refused(_l("Choose a deck, or start an empty meeting."))
        try:
            return prompts.find_deck(deck_id, self.user_dir)
        except prompts.DeckError as error:
            raise Refused(joined("\n", error.problems)) from error  # each problem in the meeting's language
