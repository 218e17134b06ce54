"""The one way anything reaches the room: the Broadcaster, and the pace of "n answered" (CountPace).

Everything phones, the projector and the console are shown leaves through Broadcaster's
broadcast_item / broadcast_console / broadcast_ended / count_changed, so what they show has one
source. The Broadcaster is also what every handler shares (the store, the running meeting, the
phones connected): `fireside()` gives the app's own.
"""

import threading
import time

from flask import current_app

from facilitator import events, helplines, i18n, idle, lan, limits
from facilitator.i18n import _l
from facilitator.sockets import socketio
from facilitator.store import LOG_NOT_EMPTIED

# Socket.IO rooms: every console, every projector view (phones are addressed by namespace).
CONSOLES = "console"
SCREENS = "screen"
# Count messages a second to all phones together, at most (see CountPace). Each one is a send on
# the server's one thread, and an ack that arrives during a count to every phone waits for it:
# at 200 a second, 300 phones answering at their own pace over 20 s had ack p99 3.2 times the
# floor's; at 50, 1.8 times (docs/performance.md, "Human pace"). 50 still tells a group of 20
# every 0.4 s; 300 phones hear every 6 s, 1,000 every 20 s (the console and projector every 0.1 s).
PHONE_COUNT_MESSAGES = 50
# Phones told a count in one go, before the server looks for anything more urgent (an answer
# waiting to be acknowledged). Each send is about 50 µs on the server's one thread: a count sent
# to 300 phones at once held up for 15-40 ms every ack that arrived meanwhile (issue 17, "Human
# pace"); a slice of 25 holds one up for about a millisecond. A reveal is still sent in one go.
PHONES_PER_SLICE = 25
DROP_GRACE = 0.05  # seconds a dropped phone's refusal has to leave before its connection closes
# What the console says while the laptop is on no network its phones could reach (follow_network).
NO_NETWORK = _l("Phones cannot reach this laptop yet: it is not on any network. Connect it to the room's "
                "Wi-Fi, or turn on its hotspot. The join code's address changes by itself when it is on one.")


def _let_others_run():
    """Wait until the server has nothing more urgent to do: under gevent, no socket ready and nothing scheduled."""
    if socketio.async_mode == "gevent":
        # Not sleep(0): that runs what is already scheduled (the slice's own sends) but not what
        # waits on a socket, so an answer that arrived meanwhile would still wait for every slice.
        import gevent

        gevent.idle()
    else:  # threads: the others run anyway; just let them have the interpreter
        socketio.sleep(0)


def fireside():
    """The Broadcaster of the app handling this request (what every handler shares)."""
    return current_app.extensions["fireside"]


class CountPace:
    """When "n answered" goes out, however fast answers come (pure: the caller gives the time).

    The console and the projector hear of a change at once, then at most once per interval.
    Phones hear one phone interval after the first change they have not heard of, with the count
    as it is then. The phone interval is the interval in a small room, but longer in a big one,
    so that telling every phone costs at most PHONE_COUNT_MESSAGES messages a second (1,000
    phones: every 20 s) and the laptop's work per second stays bounded. Waiting before telling
    phones, rather than telling them at once, keeps that work out of a burst of answers (whose
    acks then go first) and gives phones the count the burst left, not its first answer.
    """

    def __init__(self, interval, messages_per_second=PHONE_COUNT_MESSAGES):
        self.interval = interval
        self.messages_per_second = messages_per_second
        self.console_due = float("-inf")  # the console may be told from then on
        self.console_behind = False  # a change the console has not heard of
        self.phones_due = None  # when phones are told of a change they have not heard of; None: none

    def phone_interval(self, phones):
        """How long phones wait to hear of a change in a room of this many phones."""
        return max(self.interval, phones / self.messages_per_second)

    def change(self, now, phones):
        """Something changed (one answer or many) at this time, with this many phones here."""
        self.console_behind = True
        if self.phones_due is None:
            self.phones_due = now + self.phone_interval(phones)

    def due(self, now):
        """(tell the console, tell the phones) at this time; what it says yes to counts as told."""
        console = self.console_behind and now >= self.console_due
        phones = self.phones_due is not None and now >= self.phones_due
        if console:
            self.console_behind, self.console_due = False, now + self.interval
        if phones:
            self.phones_due = None
        return console, phones

    def next_at(self):
        """When something is next due (None: nothing waits to be told)."""
        times = [self.console_due] if self.console_behind else []
        if self.phones_due is not None:
            times.append(self.phones_due)
        return min(times) if times else None


class Broadcaster:
    """What every handler shares, and the one way anything reaches the room.

    The store and the running meeting (room), the phones connected (in memory only), the flood
    limits; and every message to phones, projector and console: broadcast_item / broadcast_console /
    broadcast_ended / count_changed.
    """

    def __init__(self, app, store, room):
        """Tie the room to this app's socket server."""
        self.app = app
        self.store = store
        self.room = room
        # sid -> (token, id of the meeting it joined), in memory only, for as long as the phone is connected
        self.phones = {}
        self._connections = {}  # token -> how many connections speak for it: "phones here" counts tokens
        self.limits = limits.Limits(app.config)  # flood limits, in memory only
        self.handshakes = limits.Handshakes(app.config)  # Engine.IO sessions per address (facilitator/handshakes.py)
        self._console_url = ""  # where a console last connected (public_url, when not configured)
        # Set by `fireside serve` when it chose the address itself ({"hotspot", "port", "address"}):
        # the address then follows the laptop to another network (follow_network).
        self._follow = app.config["FOLLOW_NETWORK"]
        self.address = self._follow["address"] if self._follow else None
        self._phones_lock = threading.Lock()
        self._dirty = threading.Event()
        self._ticker = None
        self._ticker_lock = threading.Lock()
        self.idle = idle.IdleWatch(store, room, app.config["CLOCK"], app.config["IDLE_END_HOURS"])
        self.note_activity = self.idle.note  # an answer, a join, a facilitator action
        self._watching = None  # set to stop the watch started by watch()
        self.help_problem = None  # why help.toml could not be read, until the console sets the lines again

    # --- addresses ------------------------------------------------------------------

    @property
    def public_url(self):
        """Where phones reach the server: set by `fireside serve`, else the address the console last used."""
        return self.app.config["PUBLIC_URL"] or self._console_url

    def saw_console(self, host_url):
        """A console or projector connected at this address: without PUBLIC_URL, phones are sent there too."""
        self._console_url = host_url.rstrip("/")

    def join_url(self):
        """The running meeting's join address, or None (no meeting, or a laptop on no network: none would work)."""
        meeting = self.room.meeting
        return lan.join_url(self.public_url, meeting["join_code"]) if meeting and not self.on_no_network else None

    @property
    def on_no_network(self):
        """Fireside chose the address itself and the laptop has none a phone could reach."""
        return bool(self._follow) and self.address is None

    def follow_network(self):
        """Look at the laptop's networks again; when phones would now reach it elsewhere, send them there.

        A laptop joins the hall's Wi-Fi after Fireside started, turns its hotspot on late, or gets a
        new address when the Wi-Fi drops and comes back: the join code on the projector and the
        console then shows the new address, and the terminal says so. Only when `fireside serve`
        chose the address itself: one given with --url or --host stays as given. Returns whether
        the address changed. Phones still open at the old address cannot be told (it is gone).
        """
        if not self._follow:
            return False
        found = (self.app.config["INTERFACES"] or lan.interfaces)()
        address = lan.lan_address(self._follow["hotspot"], found)
        if address == self.address or self._keeps_its_address(found):
            return False
        self.address = address
        self.app.config["PUBLIC_URL"] = lan.base_url(address or "127.0.0.1", self._follow["port"])
        join = self.join_url() or self.public_url + "/"
        if address:
            idle.tell(f"The laptop's address on the network changed. Phones now join at:   {join}\n"
                      "(the projector shows its new QR code; anyone whose phone lost the meeting scans it "
                      "again)\n" + lan.qr_terminal(join))
        else:
            idle.tell(str(NO_NETWORK))
        socketio.emit(events.SCREEN, self.room.screen_payload(self.join_url(), self.phones_here),
                      namespace=events.FACILITATOR_NS, to=SCREENS)
        self.broadcast_console()
        return True

    def _keeps_its_address(self, found):
        """The address phones use is still the laptop's: it stays, though another network came along.

        A cable plugged in, or a second network listed first, must not send the next phones away
        from the Wi-Fi the room is on. Only the laptop's own hotspot, with --wifi, takes over from
        an address that is not one: that is where the room's phones are.
        """
        current = next((interface for interface in found if interface.address == self.address), None)
        if current is None:
            return False
        if self._follow["hotspot"] and not lan.looks_like_hotspot(current):
            chosen = lan.choose(found, hotspot=True)
            return not (chosen and lan.looks_like_hotspot(chosen))
        return True

    # --- phones ---------------------------------------------------------------------

    def phone_connected(self, sid, token, meeting_id):
        """Remember which token a connection speaks for, and the meeting it joined."""
        with self._phones_lock:
            self.phones[sid] = (token, meeting_id)
            self._connections[token] = self._connections.get(token, 0) + 1
        self.count_changed()

    def phone_gone(self, sid):
        """Forget a connection's token."""
        with self._phones_lock:
            self._forget(sid)
        self.count_changed()

    def _forget(self, sid):
        """Under the phones' lock: forget a connection, and its token once no connection speaks for it."""
        token, _meeting_id = self.phones.pop(sid, (None, None))
        left = self._connections.get(token, 0) - 1
        if left > 0:
            self._connections[token] = left
        else:
            self._connections.pop(token, None)

    def phone_of(self, sid):
        """(token, meeting id) of a connected phone, or None."""
        # One dict lookup is atomic; the lock keeps phones and _connections in step for writers.
        # Taken here, it was about a tenth of an answer's own cost (twice per answer, under gevent).
        return self.phones.get(sid)

    def token_of(self, sid):
        """The token of a connected phone."""
        phone = self.phone_of(sid)
        return phone[0] if phone else None

    def running_meeting_id(self):
        """The id of the meeting running now, or None."""
        meeting = self.room.meeting
        return meeting["id"] if meeting else None

    def drop_phones(self, keep=None):
        """Disconnect every phone that did not join meeting keep (every phone, when keep is None).

        A connection must not outlive its meeting: one that stayed open would hear the next
        meeting's items and results, and could answer in it, without ever being given its code.
        """
        with self._phones_lock:
            gone = [sid for sid, (_token, meeting_id) in self.phones.items() if keep is None or meeting_id != keep]
            for sid in gone:
                self._forget(sid)
        for sid in gone:
            socketio.server.disconnect(sid, namespace=events.PARTICIPANT_NS)
        if gone:
            self.count_changed()

    def drop_phone_soon(self, sid):
        """Forget a phone at once and close its connection once the refusal it is being sent has gone out.

        The refusal is the answer to the event being handled, sent only after the handler returns;
        a connection closed before that would never read it. Under gevent the background task runs
        only once this greenlet has queued the answer; with threads, DROP_GRACE gives it the time.
        """
        with self._phones_lock:
            self._forget(sid)
        self.count_changed()
        server = socketio.server  # this app's, even if another app is made meanwhile (tests)

        def close():
            socketio.sleep(DROP_GRACE)
            server.disconnect(sid, namespace=events.PARTICIPANT_NS)

        socketio.start_background_task(close)

    @property
    def phones_here(self):
        """How many phones are connected right now: a token on two connections (two tabs, or a
        connection not yet timed out beside its successor) is one phone."""
        with self._phones_lock:
            return len(self._connections)

    @property
    def connections(self):
        """How many phone connections are open right now (each gets its own copy of a broadcast)."""
        with self._phones_lock:
            return len(self.phones)

    # --- broadcasting -----------------------------------------------------------------

    def broadcast_item(self):
        """The current item changed: tell every phone, the projector and the console."""
        item_payload = self.room.item_payload()
        socketio.emit(events.ITEM, item_payload, namespace=events.PARTICIPANT_NS)
        socketio.emit(events.SCREEN, self.room.screen_payload(self.join_url(), self.phones_here), namespace=events.FACILITATOR_NS,
                      to=SCREENS)
        self.broadcast_console()

    def broadcast_console(self):
        """Something only the console shows changed."""
        socketio.emit(events.CONSOLE, self.console_payload(), namespace=events.FACILITATOR_NS, to=CONSOLES)

    def console_payload(self):
        """The room's console payload, with the notices the facilitator must read (the page shows each once)."""
        return dict(self.room.console_payload(self.join_url(), self.phones_here), notices=self.notices())

    def notices(self):
        """Sentences for the console: a forgotten meeting ended itself; the log is not yet emptied."""
        found = []
        if self.room.meeting is not None:
            self.idle.ended_notice = None  # a new meeting has started: that news is old
        elif self.idle.ended_notice:
            found.append(self.idle.ended_notice)
        if not self.store.log_clean:
            found.append(LOG_NOT_EMPTIED)
        if self.help_problem:
            found.append(self.help_problem)
        if self.on_no_network:
            found.append(NO_NETWORK)
        return [i18n.tr(self.room.language, notice) if isinstance(notice, str) else i18n.say(notice, self.room.language)
                for notice in found]

    def set_help_lines(self, lines):
        """Keep new help lines (already validated) in the data folder and in memory; phones hear them at once."""
        helplines.save(self.app.config["DATA_DIR"], lines)
        self.room.help_lines = lines
        self.help_problem = None
        socketio.emit(events.HELP, {"help": helplines.for_pages(lines)}, namespace=events.PARTICIPANT_NS)
        socketio.emit(events.SCREEN, self.room.screen_payload(self.join_url(), self.phones_here),
                      namespace=events.FACILITATOR_NS, to=SCREENS)  # the ended projector lists them too

    def broadcast_language(self):
        """Every page, phones included, hears the room's new language and reloads in it."""
        payload = {"language": self.room.language}
        socketio.emit(events.LANGUAGE, payload, namespace=events.PARTICIPANT_NS)
        socketio.emit(events.LANGUAGE, payload, namespace=events.FACILITATOR_NS)

    # --- a forgotten meeting ------------------------------------------------------------

    def end_forgotten_meeting(self, broadcast=True):
        """End the running meeting if it was idle beyond IDLE_END_HOURS, and say so; True when it did."""
        notice = self.idle.end_if_forgotten()
        if notice is None:
            return False
        idle.tell(notice)
        if broadcast:
            self.broadcast_ended()
        return True

    def watch(self):
        """While serving: every IDLE_CHECK_SECONDS, end a forgotten meeting and retry a log not yet emptied;
        every ADDRESS_CHECK_SECONDS, follow the laptop to another network (follow_network)."""
        with self._ticker_lock:
            if self._watching is None:
                self._watching = threading.Event()
                socketio.start_background_task(self._watch, self._watching)
                if self._follow:
                    socketio.start_background_task(self._watch_network, self._watching)

    def stop_watching(self):
        """Stop the watch (before the store closes)."""
        with self._ticker_lock:
            if self._watching is not None:
                self._watching.set()
                self._watching = None

    def _watch(self, stopped):
        """Background loop of watch(), until stopped."""
        interval = self.app.config["IDLE_CHECK_SECONDS"]
        while True:
            socketio.sleep(interval)
            if stopped.is_set():
                return
            with self.app.app_context():
                try:
                    if self.end_forgotten_meeting():
                        continue
                    if not self.store.log_clean and self.store.checkpoint():
                        self.broadcast_console()  # the notice about the log goes
                except Exception:  # a failed check must not stop later ones
                    current_app.logger.exception("could not check whether the meeting was forgotten")

    def _watch_network(self, stopped):
        """Background loop of watch() for the laptop's address, until stopped."""
        while True:
            socketio.sleep(self.app.config["ADDRESS_CHECK_SECONDS"])
            if stopped.is_set():
                return
            with self.app.app_context():
                try:
                    self.follow_network()
                except Exception:  # a failed look must not stop later ones
                    current_app.logger.exception("could not look at the laptop's networks")

    def broadcast_ended(self):
        """The meeting ended: phones forget their tokens and are disconnected; screen and console go back to the start."""
        socketio.emit(events.ENDED, {}, namespace=events.PARTICIPANT_NS)
        self.drop_phones()  # each connection has `ended` queued before its disconnect, so it reads it first
        self.broadcast_item()

    def broadcast_started(self):
        """A meeting began: a phone still connected from an earlier one is dropped before anything is shown."""
        self.drop_phones(keep=self.running_meeting_id())
        self.broadcast_item()

    def count_changed(self):
        """An answer or a phone arrived or left: push counts, at most ten times a second."""
        interval = self.app.config["COUNT_INTERVAL"]
        if not interval:
            self._push_counts()
            return
        self._dirty.set()
        if self._ticker is None:  # once: checked again under the lock
            with self._ticker_lock:
                if self._ticker is None:
                    self._ticker = socketio.start_background_task(self._tick, interval)

    def _tick(self, interval):
        """Background loop: however fast answers come, counts go out at CountPace's pace."""
        pace = CountPace(interval)
        while True:
            now = time.monotonic()
            if pace.console_behind:  # the console has a change to hear of: tell it when due
                socketio.sleep(max(0.0, pace.next_at() - now))
            else:  # wait for a change, or until the phones are due
                self._dirty.wait(None if pace.phones_due is None else max(0.0, pace.phones_due - now))
            now = time.monotonic()
            if self._dirty.is_set():
                self._dirty.clear()
                pace.change(now, self.connections)  # what a count to every phone costs: one message each
            console, phones = pace.due(now)
            if console or phones:
                with self.app.app_context():
                    try:
                        self._push_counts(console=console, phones=phones)
                    except Exception:  # a failed push must not stop later ones
                        current_app.logger.exception("could not push counts")

    def _tell_phones(self, event, payload):
        """Send every phone the same message, a slice of phones at a time, letting waiting answers through between.

        Each slice is one emit, so the message is encoded once per slice, not once per phone.
        """
        with self._phones_lock:
            sids = list(self.phones)
        for start in range(0, len(sids), PHONES_PER_SLICE):
            if start:
                _let_others_run()
            socketio.emit(event, payload, namespace=events.PARTICIPANT_NS, to=sids[start:start + PHONES_PER_SLICE])

    def _push_counts(self, console=True, phones=True):
        """Send "n answered" (and phones here) to the console and the screen, and "n answered" to phones."""
        item = self.room.current
        answered = self.room.answered(item)
        if console:  # first: the phones' slices may wait for answers between them
            payload = {"item_id": item["id"] if item else None, "answered": answered, "phones": self.phones_here}
            socketio.emit(events.COUNT, payload, namespace=events.FACILITATOR_NS, to=CONSOLES)
            socketio.emit(events.COUNT, payload, namespace=events.FACILITATOR_NS, to=SCREENS)
        if phones and item is not None:
            self._tell_phones(events.COUNT, {"item_id": item["id"], "answered": answered})
