"""The running meeting as both namespaces see it: store, state machine and tallies joined.

Handlers in live.py (the facilitator) and participant/live.py (the phones) translate
Socket.IO events into calls here; this module decides and records, and returns the
payloads to send. One lock makes "check the poll is open, then queue the ballot" a single
step, and every reveal commits the queue before it tallies, so no answer can slip in after a
reveal (Room.answer).
"""

import threading

from facilitator import meeting as rules
from facilitator import tally as tallies
from facilitator.kinds import DEFAULT_FLOOR, MODERATED_KINDS
from facilitator.meeting import Refused

LIVE_STEP_SHARE = 10  # live mode: a new picture after max(k, a tenth of the last picture's answers)
PUBLIC_FIELDS = ("id", "key", "kind", "prompt", "state", "answered", "result",
                 "options", "max", "scale", "axes", "max_words")


def public_item(item):
    """What anyone in the room may see of an item: never the facilitator's note."""
    if item is None:
        return None
    return {name: item[name] for name in PUBLIC_FIELDS if name in item}


class Room:
    """The meeting in progress, kept in memory and written through to the store."""

    def __init__(self, store, decks):
        """decks is the app's DeckShelf: what a meeting can be started from."""
        self.store = store
        self.decks = decks
        self._lock = threading.RLock()
        self._load()

    def _load(self):
        """Read the running meeting (if any) from the store: this is how a restart resumes."""
        with self._lock:
            self.meeting = self.store.running_meeting()
            self.items = {}
            self.order = []
            if self.meeting:
                for item in self.store.items(self.meeting["id"]):
                    self.items[item["id"]] = item
                    self.order.append(item["id"])

    # --- reading ----------------------------------------------------------------

    @property
    def current(self):
        """The item on every phone now, or None."""
        if not self.meeting or self.meeting["current_item"] is None:
            return None
        return self.items.get(self.meeting["current_item"])

    def code_matches(self, code):
        """True when code (as typed) is the running meeting's join code."""
        code = rules.normalise_code(code)
        return bool(self.meeting and code and code == self.meeting["join_code"])

    def room_payload(self):
        """What phones and the screen are told when the current item changes."""
        with self._lock:
            return {"item": public_item(self.current)}

    def screen_payload(self, join_url, phones):
        """What the projector shows."""
        with self._lock:
            meeting = None
            if self.meeting:
                meeting = {"title": self.meeting["title"], "code": self.meeting["join_code"], "join_url": join_url}
            return {"meeting": meeting, "item": public_item(self.current), "phones": phones}

    def console_payload(self, join_url, phones):
        """Everything the facilitator's console shows."""
        with self._lock:
            decks, problems = self.decks.summaries() if not self.meeting else ([], [])
            if not self.meeting:
                return {"meeting": None, "agenda": [], "current": None, "decks": decks,
                        "deck_problems": problems, "phones": phones, "pending": {}}
            agenda = []
            pending = {}
            for item_id in self.order:
                item = self.items[item_id]
                entry = public_item(item)
                entry["note"] = item.get("note") or ""
                entry["minutes"] = item.get("minutes")
                agenda.append(entry)
                if item["kind"] in MODERATED_KINDS and item["state"] in ("closed", "revealed"):
                    pending[str(item_id)] = self.pending_texts(item)
            m = self.meeting
            return {
                "meeting": {"id": m["id"], "title": m["title"], "deck": m["deck"], "code": m["join_code"],
                            "join_url": join_url, "floor": m["privacy_floor"], "held_on": m["held_on"],
                            "notes": m["notes"], "phones_joined": m["phones_joined"],
                            "live_results": bool(m["live_results"])},
                "agenda": agenda,
                "current": m["current_item"],
                "decks": decks,
                "deck_problems": problems,
                "phones": phones,
                "pending": pending,
            }

    def pending_texts(self, item):
        """The words or sentences of a closed moderated poll, once at least k men wrote one.

        Not while the poll is open: a sentence that appears the moment a man looks up from his
        phone would tell the facilitator whose it is. Not below the floor, for the same reason.
        """
        values, _passed = self.store.answers(item["id"])
        if len(values) < self.meeting["privacy_floor"]:
            return []
        return tallies.pending_texts(item["kind"], values, self.store.moderation(item["id"]))

    # --- phones -----------------------------------------------------------------

    def join(self, code, token):
        """A phone arrives (or comes back); returns the welcome payload with its token."""
        with self._lock:
            if not self.meeting:
                raise Refused("There is no meeting running right now. Ask the facilitator when it starts.")
            if not self.code_matches(code):
                raise Refused("That code isn't the one for tonight's meeting. Check the code on the screen.")
            if not rules.valid_token(token):
                token = rules.new_token()
            if self.store.record_arrival(self.meeting["id"], rules.arrival_marker(self.meeting["meeting_key"], token)):
                self.meeting["phones_joined"] += 1  # the store counted it too; no need to read it back
            return self.welcome(token)

    def welcome(self, token):
        """The full state a phone needs, including its own answer to the current poll."""
        with self._lock:
            if not self.meeting:
                raise Refused("The meeting has ended.")
            item = self.current
            mine = None
            if item is not None and rules.is_poll(item):
                mine = self.store.ballot(self._ballot(token, item["id"]), item["id"])
            return {"token": token, "meeting": {"title": self.meeting["title"]}, "item": public_item(item),
                    "mine": self._mine(mine)}

    @staticmethod
    def _mine(stored):
        """A stored ballot as the phone is told it."""
        if stored is None:
            return None
        return {"pass": True} if "pass" in stored else stored["value"]

    def _ballot(self, token, item_id):
        """The ballot id of this phone's answer to this poll."""
        return rules.ballot_id(self.meeting["meeting_key"], token, item_id)

    def answer(self, token, payload):
        """Validate and store an answer (or pass); returns (item, what is stored, picture changed).

        Only returns once the ballot is committed. The poll's state is checked and the ballot
        queued under the room's lock; it is committed outside it, together with the answers that
        arrived at the same moment (Store.wait, group commit). Whatever reads or writes the store
        next (a reveal's tally first of all) commits what is queued first, so no answer can slip
        in after a reveal, and none queued before it is left out. In live mode the room's picture
        is redrawn only after at least k new answers since the last picture, so no single answer
        shows.
        """
        item_id, value, passed = rules.parse_answer(payload)
        with self._lock:
            if not self.meeting:
                raise Refused("The meeting has ended.")
            item = self.items.get(item_id)
            if item is None:
                raise Refused("There is no such poll in this meeting.")
            rules.check_answer_allowed(item)
            stored = None if passed else rules.validate_value(item, value)
            queued = self.store.queue_answer(item_id, self._ballot(token, item_id), stored, passed)
        self.store.wait(queued)
        with self._lock:
            current = self.meeting is not None and self.items.get(item_id) is item
            if current:
                item["answered"] = self.store.answered(item_id, item["answered"])
            changed = current and item["state"] == "open" and self._live_step(item)
            return item, ({"pass": True} if passed else stored), changed

    def _sync_count(self, item):
        """Commit queued answers and take the item's committed count (before a tally the room sees)."""
        self.store.flush()
        item["answered"] = self.store.answered(item["id"], item["answered"])

    def _live_step(self, item):
        """In live mode, publish a new picture after every k new answers; True when it did.

        In a big room the step grows with the room: at least a tenth of the answers the last
        picture had (LIVE_STEP_SHARE). Each picture re-tallies every ballot, so a fixed step of
        k would make a burst of N answers cost O(N²/k) reads and N/k broadcasts to every phone;
        with the growing step it costs O(N) reads and O(log N) pictures. Below 10·k answers the
        step is k, as before, and it is never less than k.
        """
        if not self.meeting["live_results"] or item["kind"] in MODERATED_KINDS:
            return False
        floor = self.meeting["privacy_floor"]
        published = item.get("published_at", 0)
        if item["answered"] - published < max(floor, published // LIVE_STEP_SHARE):
            return False
        result = self._tally(item)
        if not result["shown"]:
            return False
        item["published_at"] = item["answered"]
        self._set_state(item, "open", dict(result, live=True))
        return True

    def withdraw(self, token):
        """Delete this phone's answers to every poll not yet revealed; returns how many."""
        with self._lock:
            if not self.meeting:
                raise Refused("The meeting has ended; nothing of yours is kept.")
            open_polls = [i for i in self.items.values() if rules.is_poll(i) and i["state"] != "revealed"]
            removed = self.store.delete_ballots((self._ballot(token, i["id"]), i["id"]) for i in open_polls)
            for item in open_polls:
                item["answered"] = self.store.item(item["id"])["answered"]
            return removed

    # --- the facilitator ----------------------------------------------------------

    def start_meeting(self, deck_id=None, title=None, floor=DEFAULT_FLOOR, live_results=False):
        """Start a meeting from a deck (or empty) with a fresh code and key."""
        with self._lock:
            if not isinstance(live_results, bool):
                raise Refused("live_results must be true or false.")
            if self.meeting:
                raise Refused("A meeting is already running. End it before starting another.")
            floor = rules.clamp_floor(floor)
            items, deck_title = [], "Tonight's meeting"
            if deck_id:
                deck = self.decks.find(deck_id)
                items, deck_title = deck.items, deck.title
            self.store.start_meeting(title=(title or deck_title).strip()[:120], deck=deck_id or "", items=items,
                                     floor=floor, join_code=rules.new_join_code(),
                                     meeting_key=rules.new_meeting_key(), live_results=live_results)
            self._load()

    def end_meeting(self):
        """End it: every unrevealed poll is reduced to its tally, ballots and key are destroyed."""
        with self._lock:
            self._require_meeting()
            results = {}
            self.store.flush()
            for item in self.items.values():
                if rules.is_poll(item) and item["state"] != "revealed":
                    results[item["id"]] = self._tally(item)
            self.store.end_meeting(self.meeting["id"], results)
            self._load()

    def _require_meeting(self):
        """Refuse a facilitator action when there is no meeting."""
        if not self.meeting:
            raise Refused("There is no meeting running. Start one first.")

    def _item(self, item_id):
        """One item of the running meeting, or Refused."""
        self._require_meeting()
        item = self.items.get(item_id) if isinstance(item_id, int) and not isinstance(item_id, bool) else None
        if item is None:
            raise Refused("There is no such item in this meeting.")
        return item

    def _tally(self, item):
        """The item's result as the room may see it, privacy floor applied."""
        values, passed = self.store.answers(item["id"])
        approved = self.store.moderation(item["id"]) if item["kind"] in MODERATED_KINDS else None
        return tallies.tally(item, values, passed, self.meeting["privacy_floor"], approved)

    def push_item(self, item_id):
        """Show an item on every phone and the screen; a pending poll opens."""
        with self._lock:
            item = self._item(item_id)
            state = rules.state_on_push(item)
            if state != item["state"]:
                self._set_state(item, state)
            self.store.set_current(self.meeting["id"], item_id)
            self.meeting["current_item"] = item_id

    def clear_item(self):
        """Phones go back to waiting."""
        with self._lock:
            self._require_meeting()
            self.store.set_current(self.meeting["id"], None)
            self.meeting["current_item"] = None

    def transition(self, item_id, action, confirm=False):
        """Open, close, reveal or reopen a poll."""
        with self._lock:
            item = self._item(item_id)
            to = rules.next_state(item, action)
            if action == "reopen" and confirm is not True:
                raise Refused(rules.REOPEN_WARNING, needs_confirm=True)
            if to == "open":
                item["published_at"] = 0  # a reopened poll starts its live steps again
            self._sync_count(item)
            self._set_state(item, to, self._tally(item) if to == "revealed" else None)

    def _set_state(self, item, state, result=None):
        """Write an item's new state through to the store and the cache."""
        self.store.set_item_state(item["id"], state, result)
        item["state"], item["result"] = state, result

    def add_item(self, item):
        """Append an item (already validated, deck form) to the agenda; returns its id."""
        with self._lock:
            self._require_meeting()
            new = self.store.add_item(self.meeting["id"], item)
            self.items[new["id"]] = new
            self.order.append(new["id"])
            return new["id"]

    def moderate(self, item_id, text, approved, export):
        """Approve or hide a word or sentence; a revealed poll's picture follows at once."""
        with self._lock:
            item = self._item(item_id)
            if item["kind"] not in MODERATED_KINDS:
                raise Refused("Only words and text polls are moderated.")
            self.store.moderate(item_id, text, approved, export)
            if item["state"] == "revealed":
                self._set_state(item, "revealed", self._tally(item))

    def set_notes(self, notes):
        """Save the facilitator's notes."""
        with self._lock:
            self._require_meeting()
            self.store.set_notes(self.meeting["id"], notes)
            self.meeting["notes"] = notes
