"""The running meeting as both namespaces see it: store, state machine and tallies joined.

Handlers in handlers.py (the facilitator) and participant/handlers.py (the phones) translate
Socket.IO events into calls here; this module decides and records, and returns the
payloads to send. One lock makes "check the poll is open, then queue the ballot" a single
step, and every reveal commits the queue before it tallies, so no answer can slip in after a
reveal (Room.answer).

Every picture of a poll that any surface shows (live or revealed result, the review queue, the
summary) is drawn here, by Room._draw, under the one rule of pictures.py: no two pictures of a
poll differ by fewer than k real answers.
"""

import collections
import hashlib
import hmac
import random
import secrets
import threading

from facilitator import helplines, i18n, pictures, rules
from facilitator import tally as tallies
from facilitator.kinds import DEFAULT_AXES, DEFAULT_FLOOR, MODERATED_KINDS, SPEC_FIELDS, TITLE_MAX
from prompts.schema import NOTE_MAX, OPTION_MAX, joined, validate_item
from facilitator.i18n import _l
from facilitator.rules import MeetingEnded, Refused

ROOM_CHOICES_MAX = 8  # "Let the room choose": at most this many of the room's answers become options
_shuffle = random.SystemRandom().shuffle  # the OS's randomness: an order nobody can reproduce

LIVE_STEP_SHARE = 10  # live mode: a new picture after max(k, a tenth of the last picture's answers)
PUBLIC_FIELDS = ("id", "key", "kind", "prompt", "state", "result", *SPEC_FIELDS)


def public_item(item, answered, language=i18n.SOURCE):
    """What anyone in the room may see of an item, with how many answered: never the facilitator's note.

    Its picture only when revealed, or while open in live mode; a closed words poll's picture is
    the console's review queue, not the room's. A compass whose deck left an axis unnamed carries
    Fireside's own word for it, said in the meeting's language.
    """
    if item is None:
        return None
    public = {name: item[name] for name in PUBLIC_FIELDS if name in item}
    public["answered"] = answered
    if public.get("axes"):
        public["axes"] = said_axes(public["axes"], language)
    result = item.get("result")
    if result is not None and not (item["state"] == "revealed" or (item["state"] == "open" and result.get("live"))):
        public["result"] = None
    return public

def said_axes(axes, language):
    """A compass's axis names, Fireside's defaults (as the deck loader fills them in, in English) in a language."""
    return {axis: i18n.say(DEFAULT_AXES[axis], language) if axis in DEFAULT_AXES and name == str(DEFAULT_AXES[axis])
            else name for axis, name in axes.items()}


ENDED_CODES_KEPT = 50  # ended meetings whose old QR code still gets "this meeting has ended"
MEETING_ENDED = _l("This meeting has ended. Thank you for being here. If a new one starts, "
                   "scan the QR code on the screen.")


class Room:
    """The meeting in progress, kept in memory and written through to the store."""

    def __init__(self, store, decks):
        """decks is the app's DeckShelf: what a meeting can be started from."""
        self.store = store
        self.decks = decks
        self._lock = threading.RLock()
        # How many men asked for a word after the meeting that ended last, for the console until the
        # next one starts: in memory only, never on disk.
        self.ended_word_after = 0
        self.help_lines = []  # the facilitator's local help lines (helplines.py), set by create_app and the console
        # The language the next meeting starts in (i18n.py): set by create_app (--language, else the last
        # meeting's, else the laptop's) and by the console while no meeting runs.
        self.next_language = i18n.SOURCE
        # A meeting ended while this server ran, and no other has started: the projector thanks the room.
        self.just_ended = False
        self.ended_meeting = None  # the meeting that ended last while this server ran: the console offers its summary
        # The codes of meetings that ended while this server ran, so an old QR code is told the meeting
        # ended rather than that the code is wrong. In memory only, as keyed hashes: the database
        # forgets a code at End, and so does this once the server stops.
        self._code_salt = secrets.token_bytes(16)
        self._ended_codes = collections.deque(maxlen=ENDED_CODES_KEPT)
        # Phones that open Fireside's address while no meeting runs wait with this ticket and are let
        # in when the next meeting starts; the running meeting keeps the ticket its phones waited with.
        self._waiting_ticket = secrets.token_urlsafe(16)
        self._ticket_of_meeting = None
        self._load()

    def _load(self):
        """Read the running meeting (if any) from the store: this is how a restart resumes."""
        with self._lock:
            self.meeting = self.store.running_meeting()
            self._mac = None  # the running meeting's keyed HMAC (_ballot): made again from its key when needed
            self.items = {}
            self.order = []
            self._bases = {}  # item id -> the bases of its pictures, read from the store when first needed
            self._marks = {}  # item id -> its floor marks (_draw), read from the store when first needed
            self._since = {}  # item id -> answers since its last picture (unknown after a restart: absent)
            self._review = {}  # item id -> (pictures so far, the review queue's order of texts): shuffled once per batch
            self._stepped = set()  # polls whose first close or reveal has drawn the count of "a word after"
            if self.meeting:
                for item in self.store.items(self.meeting["id"]):
                    del item["answered"]  # the store keeps the count: Room.answered
                    self.items[item["id"]] = item
                    self.order.append(item["id"])
                # After a restart, a poll closed or revealed before it (even one opened again since)
                # has had its moment: a restart must not give it another. The store remembers each
                # first close; meetings run before it did are read from their states and pictures.
                self._stepped = self.store.first_close_had(self.meeting["id"]) | {
                    item["id"] for item in self.items.values() if rules.is_poll(item) and (
                        item["state"] in ("closed", "revealed") or self._bases_of(item))}

    # --- reading ----------------------------------------------------------------

    @property
    def language(self):
        """The language everyone is spoken to in now: the running meeting's, else the next one's."""
        meeting = self.meeting
        return meeting["language"] if meeting else self.next_language

    @property
    def current(self):
        """The item on every phone now, or None."""
        if not self.meeting or self.meeting["current_item"] is None:
            return None
        return self.items.get(self.meeting["current_item"])

    def answered(self, item):
        """How many phones answered or passed a poll (the one count, kept by the store)."""
        return self.store.answered(item["id"]) if item is not None and rules.is_poll(item) else 0

    def public(self, item):
        """What anyone in the room may see of an item (public_item), with its count."""
        return public_item(item, self.answered(item), self.language)

    def _code_digest(self, code):
        """A code as this server remembers an ended one: keyed with a secret that dies with the process."""
        return hmac.new(self._code_salt, code.encode(), hashlib.sha256).digest()

    def code_ended(self, code):
        """True when code (as typed) belonged to a meeting that ended while this server ran."""
        code = rules.normalise_code(code)
        if not code or (self.meeting and code == self.meeting["join_code"]):
            return False
        digest = self._code_digest(code)
        return any(hmac.compare_digest(digest, known) for known in list(self._ended_codes))

    def waiting_ticket(self):
        """The ticket a phone that arrives before the meeting starts waits with; None while one runs."""
        with self._lock:
            return None if self.meeting else self._waiting_ticket

    def waiting(self, ticket):
        """What a phone waiting with this ticket is told: the code of the meeting it waited for, else None.

        Raises Refused for a ticket that waits for nothing any more (the server restarted, or the
        meeting it waited for has ended): the phone then loads the start page again.
        """
        with self._lock:
            ticket = ticket if isinstance(ticket, str) else ""
            if self.meeting and self._ticket_of_meeting and hmac.compare_digest(ticket, self._ticket_of_meeting):
                return self.meeting["join_code"]
            if not self.meeting and hmac.compare_digest(ticket, self._waiting_ticket):
                return None
            raise Refused(_l("This page waited for a meeting that is not running. Please load it again."))

    def ended_lately(self):
        """True from the end of a meeting until the next starts (or Fireside restarts): what the projector shows."""
        with self._lock:
            return self.just_ended and not self.meeting

    def code_matches(self, code):
        """True when code (as typed) is the running meeting's join code."""
        code = rules.normalise_code(code)
        return bool(self.meeting and code and code == self.meeting["join_code"])

    def item_payload(self):
        """What phones and the screen are told when the current item changes."""
        with self._lock:
            return {"item": self.public(self.current)}

    def screen_payload(self, join_url, phones):
        """What the projector shows."""
        with self._lock:
            meeting = None
            if self.meeting:
                meeting = {"title": self.meeting["title"], "code": self.meeting["join_code"], "join_url": join_url}
            ended = self.ended_lately()
            # The room's last picture of the evening says where help is, as every phone's ended screen does.
            return {"meeting": meeting, "item": self.public(self.current), "phones": phones, "ended": ended,
                    "help": helplines.for_pages(self.help_lines) if ended else []}

    def console_payload(self, join_url, phones):
        """Everything the facilitator's console shows."""
        with self._lock:
            decks, problems = (self.decks.summaries(self.language, self.store.last_deck())
                               if not self.meeting else ([], []))
            if not self.meeting:
                return {"meeting": None, "agenda": [], "current": None, "decks": decks,
                        "deck_problems": problems, "drafts": self.decks.drafts(), "phones": phones, "pending": {}, "ended_meeting": self.ended_meeting,
                        "word_after": self.ended_word_after, "help_lines": list(self.help_lines),
                        "language": self.language}
            agenda = []
            pending = {}
            for item_id in self.order:
                item = self.items[item_id]
                entry = self.public(item)
                entry["result"] = item.get("result")  # the facilitator's surface: the review queue's picture too
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
                "word_after": self.word_after_shown(),
                "help_lines": list(self.help_lines),
                "language": self.language,
            }

    def pending_texts(self, item):
        """The review queue of a moderated poll: the words or sentences of its last picture.

        A picture is drawn when the poll closes, never while it is open: a sentence that appears
        the moment a man looks up from his phone would tell the facilitator whose it is. Later
        answers join the queue only with a new picture, k answers at a time (pictures.py).
        """
        bases = self._bases_of(item)
        if not bases:
            return []
        values, _passed = pictures.answers(bases[-1])
        entries = tallies.pending_texts(item["kind"], values, self.store.moderation(item["id"]))
        return self._in_review_order(item["id"], len(bases), entries)

    def _in_review_order(self, item_id, batch, entries):
        """The review queue in the order it had when its batch appeared, so it never moves under his cursor.

        tally.pending_texts shuffles on every call; only a new batch (a new picture) may bring a new
        order. Entries kept from the last batch keep their places; a new batch's own entries follow,
        in their shuffled order, so nothing says when within the batch anything was written.
        """
        known_batch, order = self._review.get(item_id, (None, []))
        texts = {entry["text"] for entry in entries}
        if known_batch != batch or set(order) != texts:
            kept = [text for text in order if text in texts]
            order = kept + [entry["text"] for entry in entries if entry["text"] not in set(kept)]
            self._review[item_id] = (batch, order)
        place = {text: i for i, text in enumerate(order)}
        return sorted(entries, key=lambda entry: place[entry["text"]])

    # --- phones -----------------------------------------------------------------

    def join(self, code, token):
        """A phone arrives (or comes back); returns the welcome payload with its token."""
        with self._lock:
            if self.code_ended(code):
                raise MeetingEnded(MEETING_ENDED)
            if not self.meeting:
                raise Refused(_l("There is no meeting running right now. Ask the facilitator when it starts."))
            if not self.code_matches(code):
                raise Refused(_l("That code isn't the one for tonight's meeting. Check the code on the screen."))
            if not rules.valid_token(token):
                token = rules.new_token()
            if self.store.record_arrival(self.meeting["id"], rules.arrival_marker(self.meeting["meeting_key"], token)):
                self.meeting["phones_joined"] += 1  # the store counted it too; no need to read it back
            return self.welcome(token)

    def welcome(self, token):
        """The full state a phone needs, including its own answer to the current poll.

        Told to this phone only (its connect, or its own sync): the token is the connection's own,
        never one a payload names.
        """
        with self._lock:
            if not self.meeting:
                raise Refused(_l("The meeting has ended."))
            item = self.current
            mine = None
            if item is not None and rules.is_poll(item):
                mine = self.store.ballot(self._ballot(token, item["id"]), item["id"])
            return {"token": token, "meeting": {"title": self.meeting["title"]}, "item": self.public(item),
                    "mine": self._mine(mine), "withdrawable": self._withdrawable(token),
                    "word_after": self.store.word_after(self.meeting["id"], self._marker(token)),
                    "help": helplines.for_pages(self.help_lines)}

    def _withdrawable(self, token):
        """Whether withdraw would take back an answer or a pass of this token now: "Take back my answers".

        Derived from the ballots already stored, looked up under HMAC(key, token + poll) for each poll
        whose answers nobody has read (the very polls withdraw empties), so it is false right after
        a withdraw and needs no record of its own: nothing is written, nothing kept beside the token.
        """
        return any(self.store.ballot(self._ballot(token, item["id"]), item["id"]) is not None
                   for item in self._unread_polls())

    def _unread_polls(self):
        """The polls whose answers nobody has read yet: what withdraw takes back (its docstring says why).

        A words or sentences poll counts as read from its first close, whether or not its review
        list could be drawn: the list is drawn only once k men wrote, passes aside, so "read only
        with a list" would tell a phone (through withdraw and `withdrawable`) whether a latecomer's
        tap before a close was a pass, which nobody may learn. Only the room's own moments decide.
        """
        return [item for item in self.items.values() if rules.is_poll(item) and self._unread(item)]

    def _unread(self, item):
        """Under the lock: whether nobody has read a poll's answers yet (withdraw would take them back).

        Read are a poll revealed once (a picture, or a floor mark when it drew none) or shown in a live
        picture, though reopened since, and a words or sentences poll from its first close. Taking
        answers back from a poll the room has seen would let the room watch k men leave it, and then
        one latecomer's tap would decide alone whether a new picture differs from the last by k.
        Only the room's own moments decide, never whether a picture could be drawn.
        """
        return item["state"] != "revealed" and not self._bases_of(item) and not self._marks_of(item) and not (
            item["kind"] in MODERATED_KINDS and item["id"] in self._stepped)

    @staticmethod
    def _mine(stored):
        """A stored ballot as the phone is told it."""
        if stored is None:
            return None
        return {"pass": True} if "pass" in stored else stored["value"]

    def _ballot(self, token, item_id):
        """The ballot id of this phone's answer to this poll (rules.ballot_id, with the key's pads hashed once)."""
        if self._mac is None:
            self._mac = rules.MeetingMac(self.meeting["meeting_key"])
        return self._mac(rules.ballot_message(token, item_id))

    def _marker(self, token):
        """Where this phone's "I'd like a word after" is filed."""
        return rules.word_after_marker(self.meeting["meeting_key"], token)

    def word_after(self, token, payload):
        """A phone asks for a word after the meeting, or takes it back; returns whether it now asks.

        Nothing reaches the console here: its count moves only as _draw_word_after allows.
        """
        if not isinstance(payload, dict) or set(payload) != {"want"} or not isinstance(payload["want"], bool):
            raise Refused(_l('Send {"want": true} to ask for a word after the meeting, or {"want": false} to take it back.'))
        with self._lock:
            if not self.meeting:
                raise Refused(_l("The meeting has ended."))
            self.store.set_word_after(self.meeting["id"], self._marker(token), payload["want"])
            return payload["want"]

    def _draw_word_after(self, moment):
        """Redraw the console's count of "a word after" if this moment allows it (docs/privacy.md).

        moment is "release" (the first showing of a break or of the closing round, and End): the
        count becomes the true one, whatever it is. Or "step" (a poll's first close or reveal): only
        when at least WORD_AFTER_STEP signals are new or taken back since the count was drawn. Never
        on a phone's own action: a count that moved as a man put his phone down would name him.
        """
        wants, shown, differ = self.store.word_after_counts(self.meeting["id"])
        if differ and (moment == "release" or differ >= rules.WORD_AFTER_STEP):
            self.store.draw_word_after(self.meeting["id"])
            return wants
        return shown

    def word_after_shown(self):
        """The count of "a word after" the console may show now, as last drawn."""
        if not self.meeting:
            return self.ended_word_after
        return self.store.word_after_counts(self.meeting["id"])[1]

    def answer(self, token, payload):
        """Validate and store an answer (or pass); returns (item, what is stored, picture changed, withdrawable).

        withdrawable: whether withdraw would take this answer back (not in a reopened words or
        sentences poll, read from its first close: _unread_polls).

        Only returns once the ballot is committed. The poll's state is checked and the ballot
        queued under the room's lock; it is committed outside it, together with the answers that
        arrived at the same moment (Store.wait, group commit). Whatever reads or writes the store
        next (a reveal's tally first of all) commits what is queued first, so no answer can slip
        in after a reveal, and none queued before it is left out. In live mode the room's picture
        is redrawn only as pictures.py allows, so no single answer shows.
        """
        item_id, value, passed = rules.parse_answer(payload)
        with self._lock:
            if not self.meeting:
                raise Refused(_l("The meeting has ended."))
            item = self.items.get(item_id)
            if item is None:
                raise Refused(_l("There is no such poll in this meeting."))
            rules.check_answer_allowed(item)
            stored = None if passed else rules.validate_value(item, value)
            queued = self.store.queue_answer(item_id, self._ballot(token, item_id), stored, passed)
            live = self.meeting["live_results"] and item["kind"] not in MODERATED_KINDS
            withdrawable = self._unread(item)
        self.store.wait(queued)
        mine = {"pass": True} if passed else stored
        if not live:  # no picture is drawn while the poll is open: nothing more to do under the lock
            return item, mine, False, withdrawable
        with self._lock:
            current = self.meeting is not None and self.items.get(item_id) is item
            if current:
                self._changed(item)
            changed = current and item["state"] == "open" and self._live_step(item)
            # An answer that drew a live picture is in what the room has seen: it stays.
            return item, mine, changed, withdrawable and not changed

    def _changed(self, item, answers=1):
        """Count answers given, changed, passed or withdrawn since the poll's last picture."""
        if item["id"] in self._since:
            self._since[item["id"]] += answers

    def _live_step(self, item):
        """In live mode, draw a new picture once the rule allows it; True when it did.

        In a big room the step grows with the room: at least a tenth of the real answers the
        last picture had (LIVE_STEP_SHARE). Each picture reads every ballot, so a fixed step of
        k would make a burst of N answers cost O(N²/k) reads and N/k broadcasts to every phone;
        with the growing step it costs O(N) reads and O(log N) pictures. Fewer answers given
        since the last picture than the step cannot make a picture, so those are not even read.
        """
        if not self.meeting["live_results"] or item["kind"] in MODERATED_KINDS:
            return False
        bases = self._bases_of(item)
        shown = len(pictures.real(bases[-1])) if bases else 0
        step = max(self.meeting["privacy_floor"], shown // LIVE_STEP_SHARE)
        if self._since.get(item["id"], step) < step:
            return False
        result, new = self._draw(item, step=step)
        if new:
            self._set_state(item, "open", dict(result, live=True))
        return new

    def _bases_of(self, item):
        """The bases of a poll's pictures so far, oldest first."""
        bases = self._bases.get(item["id"])
        if bases is None:
            bases = self._bases[item["id"]] = self.store.pictures(item["id"])
        return bases

    def _draw(self, item, step=None, mark=False):
        """The picture of a poll every surface may show now: (result, True when it is a new picture).

        A new picture is drawn from the ballots as they are when the rule of pictures.py allows
        it; otherwise the last picture is drawn again, saying how many newer responses wait. Before
        any picture (below the floor) the result carries counts only.
        mark: a moment the room sees (a reveal, a close that draws the review list). One that may
        draw no new picture (too few answers, or too few apart from an earlier picture or such
        moment) keeps its ballots as a floor mark (pictures.may_publish): before the first picture
        and after it alike, since "3 newer responses wait" tells the room as much as "not shown".
        """
        self.store.flush()
        current = self.store.basis(item["id"])
        bases = self._bases_of(item)
        marks = self._marks_of(item)
        floor = self.meeting["privacy_floor"]
        new = pictures.may_publish(current, bases, floor, step, marks)
        if new:
            self.store.add_picture(item["id"], len(bases), current)
            bases.append(current)
            self._since[item["id"]] = 0
        elif mark and current and current not in marks and not (bases and current == bases[-1]):
            self.store.add_picture(item["id"], -1 - len(marks), current)
            marks.append(current)
        return self._render(item, current, bases), new

    def _marks_of(self, item):
        """The floor marks of a poll so far (Store.pictures), oldest first."""
        marks = self._marks.get(item["id"])
        if marks is None:
            marks = self._marks[item["id"]] = self.store.pictures(item["id"], marks=True)
        return marks

    def _render(self, item, current, bases):
        """A poll's result as drawn from its last picture's basis; before any picture, its counts only."""
        floor = self.meeting["privacy_floor"]
        values, passed = pictures.answers(bases[-1] if bases else current)
        approved = self.store.moderation(item["id"]) if item["kind"] in MODERATED_KINDS else None
        result = tallies.tally(item, values, passed, floor, approved, show=bool(bases))
        if bases:
            waiting = pictures.waiting(current, bases, floor)
        else:  # before any picture, what the floor marks hold back is said as a picture's is: passes counted in
            marks = self._marks_of(item)
            waiting = pictures.waiting(current, marks, floor, since=marks[0]) if marks else None
        if waiting:
            result["waiting"] = waiting
        return result

    def withdraw(self, token):
        """Delete this phone's answers to every poll whose answers nobody has read; returns (taken back, kept items).

        Read are a revealed poll's, and a words or sentences poll's from its first close (its review
        list is drawn then; _unread_polls says why with no list too): the facilitator has read them,
        and a sentence that left the list, or a reveal without it, as a man tapped "Take back"
        would tell whose it was. Those stay,
        under no name, and kept names the polls where one of this phone's did (their ids, sorted):
        told to this phone only, so it can say where its answer stays and why. Never the answers
        themselves: whoever holds a token would read every writing of that phone the facilitator
        has read, in one reply that changes nothing (sync gives the current poll's answer only).
        """
        with self._lock:
            if not self.meeting:
                raise Refused(_l("The meeting has ended; nothing of yours is kept."))
            unread = self._unread_polls()
            taken = {i["id"] for i in unread}
            read = [i for i in self.items.values() if rules.is_poll(i) and i["state"] != "revealed"
                    and i["id"] not in taken]
            removed = self.store.delete_ballots((self._ballot(token, i["id"]), i["id"]) for i in unread)
            for item in unread:
                self._changed(item)
            kept = [item["id"] for item in read
                    if self.store.ballot(self._ballot(token, item["id"]), item["id"]) is not None]
            return removed, sorted(kept)

    # --- the facilitator ----------------------------------------------------------

    def start_meeting(self, deck_id=None, title=None, floor=DEFAULT_FLOOR, live_results=False):
        """Start a meeting from a deck (or empty) with a fresh code and key."""
        with self._lock:
            if not isinstance(live_results, bool):
                raise Refused(_l("live_results must be true or false."))
            if self.meeting:
                raise Refused(_l("A meeting is already running. End it before starting another."))
            floor = rules.clamp_floor(floor)
            items, deck_title = [], i18n.tr(self.next_language, "Tonight's meeting")
            if deck_id:
                deck = self.decks.find(deck_id)
                items, deck_title = deck.items, deck.title
            self.ended_word_after = 0
            self.store.start_meeting(title=(title or deck_title).strip()[:TITLE_MAX], deck=deck_id or "", items=items,
                                     floor=floor, join_code=rules.new_join_code(),
                                     meeting_key=rules.new_meeting_key(), live_results=live_results,
                                     language=self.next_language)
            self.just_ended = False
            self.ended_meeting = None
            self._ticket_of_meeting, self._waiting_ticket = self._waiting_ticket, secrets.token_urlsafe(16)
            self._load()

    def set_language(self, language):
        """The language of the running meeting, or of the next one; returns whether a meeting heard it."""
        with self._lock:
            chosen = i18n.supported(language) if isinstance(language, str) and len(language) <= 20 else None
            if chosen is None:
                raise Refused(_l("Choose one of these languages: %(names)s.",
                                 names=", ".join(i18n.language_names().values())))
            self.next_language = chosen
            if not self.meeting:
                return False
            self.store.set_language(self.meeting["id"], chosen)
            self.meeting = {**self.meeting, "language": chosen}
            return True

    def end_meeting(self):
        """End it: every poll is reduced to its last picture, ballots and key are destroyed.

        A poll's last picture is what the summary keeps: a new one when the rule allows it (a
        poll the room never saw is drawn now), else the one the room saw last, with the answers
        it does not show counted as "later".
        """
        with self._lock:
            self._require_meeting()
            results = {}
            for item in self.items.values():
                if rules.is_poll(item):
                    result, new = self._draw(item)
                    if item["state"] == "revealed" and not new and item.get("result"):
                        result = dict(item["result"])  # exactly as the room saw it, sentences in its order
                    waiting = result.pop("waiting", None)
                    if waiting:
                        result["later"] = waiting["newer"]
                    results[item["id"]] = result
            self.ended_word_after = self._draw_word_after("release")
            self.store.end_meeting(self.meeting["id"], results)
            self._ended_codes.append(self._code_digest(self.meeting["join_code"]))
            self._ticket_of_meeting = None
            self.just_ended = True
            self.ended_meeting = self.meeting["id"]
            self._load()

    def _require_meeting(self):
        """Refuse a facilitator action when there is no meeting."""
        if not self.meeting:
            raise Refused(_l("There is no meeting running. Start one first."))

    def _item(self, item_id):
        """One item of the running meeting, or Refused."""
        self._require_meeting()
        item = self.items.get(item_id) if isinstance(item_id, int) and not isinstance(item_id, bool) else None
        if item is None:
            raise Refused(_l("There is no such item in this meeting."))
        return item

    def push_item(self, item_id):
        """Show an item on every phone and the screen; a pending poll opens."""
        with self._lock:
            item = self._item(item_id)
            state = rules.state_on_push(item)
            first_showing = item["state"] == "pending"
            if state != item["state"]:
                self._set_state(item, state)
            if first_showing and (rules.is_break(item) or rules.is_closing(item)):
                self._draw_word_after("release")  # once per break: a moment no phone chooses
            self.store.set_current(self.meeting["id"], item_id)
            self.meeting["current_item"] = item_id

    def clear_item(self):
        """Phones go back to waiting."""
        with self._lock:
            self._require_meeting()
            self.store.set_current(self.meeting["id"], None)
            self.meeting["current_item"] = None

    def transition(self, item_id, action, confirm=False):
        """Open, close, reveal or reopen a poll; revealing, and closing a words poll, draw its picture."""
        with self._lock:
            item = self._item(item_id)
            to = rules.next_state(item, action)
            if to == "open" and confirm is not True:
                if action == "reopen":
                    raise Refused(rules.REOPEN_WARNING, needs_confirm=True)
                if item["kind"] in MODERATED_KINDS and self._bases_of(item):
                    raise Refused(rules.REOPEN_REVIEWED_WARNING, needs_confirm=True)
            self.store.flush()  # every answer queued before this moment counts, none after it
            result = item.get("result")
            if to == "revealed" or (to == "closed" and item["kind"] in MODERATED_KINDS):
                result, _new = self._draw(item, mark=True)
            first_close = item["state"] == "open" and item["id"] not in self._stepped
            self._set_state(item, to, result, first_close)
            if first_close:
                self._stepped.add(item["id"])
                if self._room_answered(item):
                    self._draw_word_after("step")  # once per poll, after everyone had his phone in hand

    def _room_answered(self, item):
        """True when the room had this poll in hand: it is on the phones now, and k or more responded.

        A poll's first close draws the count of "a word after" only then. A poll opened without
        showing it, or added on the spot and closed at once, is a moment the facilitator could
        make whenever he liked, and sample the count with (docs/privacy.md).
        """
        return (self.meeting["current_item"] == item["id"]
                and self.store.answered(item["id"]) >= self.meeting["privacy_floor"])

    def _set_state(self, item, state, result=None, first_close=False):
        """Write an item's new state through to the store and the cache (and a poll's first close for good)."""
        self.store.set_item_state(item["id"], state, result, first_close)
        item["state"], item["result"] = state, result

    def add_item(self, item):
        """Append an item (already validated, deck form) to the agenda; returns its id."""
        with self._lock:
            self._require_meeting()
            new = self.store.add_item(self.meeting["id"], item)
            del new["answered"]  # the store keeps the count: Room.answered
            self.items[new["id"]] = new
            self.order.append(new["id"])
            return new["id"]

    def moderate(self, item_id, text, approved, export):
        """Approve or hide a word or sentence; a revealed poll's picture follows at once."""
        with self._lock:
            item = self._item(item_id)
            if item["kind"] not in MODERATED_KINDS:
                raise Refused(_l("Only words and text polls are moderated."))
            self.store.moderate(item_id, text, approved, export)
            self._redraw(item)

    def moderate_all(self, item_id, texts):
        """Approve many words or sentences of a poll's review list in one step; its picture follows once."""
        with self._lock:
            item = self._item(item_id)
            if item["kind"] not in MODERATED_KINDS:
                raise Refused(_l("Only words and text polls are moderated."))
            if set(texts) - {entry["text"] for entry in self.pending_texts(item)}:
                raise Refused(_l("Some of those are no longer on this poll's review list. Look at the list again."))
            self.store.approve(item_id, texts)
            self._redraw(item)

    def _redraw(self, item):
        """The same picture of a moderated poll again, with the facilitator's choices as they are now."""
        if item.get("result") is not None:
            self.store.flush()
            self._set_state(item, item["state"], self._render(item, self.store.basis(item["id"]), self._bases_of(item)))

    def set_notes(self, notes):
        """Save the facilitator's notes."""
        with self._lock:
            self._require_meeting()
            self.store.set_notes(self.meeting["id"], notes)
            self.meeting["notes"] = notes

    def room_choose(self, item_id, texts, most=2):
        """Let the room choose: some approved answers of a revealed words or text poll become a new multi poll.

        Only answers in the picture the room already saw may be chosen, so nothing unapproved or
        below the floor reaches anyone. The new poll is a poll like any other: its ballots are new
        ballots under its own id (rules.ballot_id), nothing is copied from the first poll, and its
        options are shuffled, so neither their order nor their answers say who wrote which.
        Returns the new item's id.
        """
        with self._lock:
            item = self._item(item_id)
            if item["kind"] not in MODERATED_KINDS:
                raise Refused(_l("Only the answers of a words or sentences poll can become a vote."))
            result = item.get("result") or {}
            if item["state"] != "revealed" or not result.get("shown"):
                raise Refused(_l("Reveal the poll first: the room chooses only from answers it has seen."))
            seen = [entry["word"] for entry in result.get("words", [])] + list(result.get("texts", []))
            if len(set(texts)) != len(texts):
                raise Refused(_l("Each answer can be an option only once."))
            if not 2 <= len(texts) <= ROOM_CHOICES_MAX:
                raise Refused(_l("Pick 2 to %(most)s answers for the room to choose from.", most=ROOM_CHOICES_MAX))
            if set(texts) - set(seen):
                raise Refused(_l("Some of those are not among the answers the room saw. Look at the list again."))
            if not 1 <= most <= len(texts):
                raise Refused(_l("Each man may pick from 1 to %(most)s of them.", most=len(texts)))
            options = [_as_option(text) for text in texts]
            _shuffle(options)
            raw = {"kind": "multi", "options": options, "max": most,
                   # The new poll's words are the room's: in the meeting's language.
                   "prompt": i18n.ntr(self.language, "Which of these shall we talk about tonight? Pick one.",
                                      "Which of these shall we talk about tonight? Pick up to %(num)s.", most),
                   "note": i18n.tr(self.language, "The room's own answers to: %(prompt)s",
                                   prompt=item["prompt"])[:NOTE_MAX]}
            new, problems = validate_item(raw, "", require_key=False)
            if problems:  # two long sentences that read the same once shortened, say
                raise Refused(_l("Those answers cannot be options as they are: %(problems)s.",
                                 problems=joined("; ", problems)))
            return self.add_item(new)


def _as_option(text):
    """An answer as an option: a long sentence is shortened at a word, and says so with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= OPTION_MAX:
        return text
    cut = text[:OPTION_MAX - 1].rsplit(" ", 1)[0] if " " in text[:OPTION_MAX - 1] else text[:OPTION_MAX - 1]
    return cut.rstrip(" ,.;:") + "…"
