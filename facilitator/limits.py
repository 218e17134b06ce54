"""Flood limits: events per connection, joins and code guesses per address, sessions opening.

Everything here lives in memory only, for a minute or so (or as long as a connection lasts): no
address, count or time is ever written to the database, a file or the log. A phone that is
refused is told so in a sentence.

- Each phone connection has a token bucket: PHONE_EVENTS_PER_SECOND on average, bursts of up
  to PHONE_EVENT_BURST. Tapping is far slower than that; a script is not.
- Each address may try JOIN_GUESSES_PER_MINUTE wrong codes, and join JOINS_PER_MINUTE times,
  in any minute. After that every join from it is refused until the minute has passed, so a
  join code (about 37 bits) cannot be guessed in any evening. Of those joins, at most
  NEW_PHONES_PER_MINUTE may be new phones (no token, or one this meeting has not seen), which
  are what "phones joined" counts.
- A phone coming back with a token this meeting has seen (it knew the code once: a token cannot
  be guessed) is counted per phone, not per address: RETURNS_PER_PHONE_PER_MINUTE. A whole room
  behind one venue NAT address comes back at once after a Wi-Fi drop, however many joins that
  address made this minute, and a script guessing codes from the same address (refused after its
  wrong codes) does not lock the room out.
- Handshakes (Engine.IO sessions, before they join the phone or console namespace) are bounded
  per address and in total, and all sessions per address: see Handshakes below.

The laptop itself (loopback) is the facilitator's and is not limited.

Set a limit to 0 (or None) in the app config to switch it off.
"""

import threading
import time
from collections import deque

from facilitator.i18n import _l

# Said to a phone in the meeting's language (participant/handlers.py).
SLOW_DOWN = _l("Slow down a little — try again in a moment.")
TOO_MANY_GUESSES = _l("Too many wrong codes from this phone. Wait a minute, then type the code "
                      "exactly as the screen shows it.")
TOO_MANY_JOINS = _l("This phone has joined too many times in a row. Wait a minute, then try again.")
TOO_MANY_NEW_PHONES = _l("Many new phones have joined from this network in the last minute. Wait a minute, "
                         "then try again.")
# A refused handshake is an HTTP answer (or a WebSocket close reason: at most 123 bytes, in every
# language), which a phone's Socket.IO client takes as a network hiccup and retries by itself within seconds.
BUSY_HERE = str(_l("Too many connections are opening from this network at once. This phone will retry by itself."))
BUSY_LAPTOP = str(_l("The laptop is letting many phones in at once. This phone will retry by itself."))

WINDOW = 60.0  # seconds: joins and guesses are counted per minute
MAX_ADDRESSES = 10_000  # the most addresses remembered at once; the oldest are forgotten first


def clock():
    """Seconds from a monotonic clock (tests replace this)."""
    return time.monotonic()


class TokenBucket:
    """rate tokens per second, at most burst saved up; each event costs one."""

    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate, burst):
        """A full bucket."""
        self.rate = float(rate)
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = clock()

    def take(self):
        """True when an event may go ahead now (and count it)."""
        now = clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Limits:
    """The limits of one app: buckets per connection id, join and guess counts per address."""

    def __init__(self, config):
        """Read the limits from the app config."""
        self.rate = config.get("PHONE_EVENTS_PER_SECOND") or 0
        self.burst = config.get("PHONE_EVENT_BURST") or 0
        self.guesses = config.get("JOIN_GUESSES_PER_MINUTE") or 0
        self.joins = config.get("JOINS_PER_MINUTE") or 0
        self.new_phones = config.get("NEW_PHONES_PER_MINUTE") or 0
        self.returns = config.get("RETURNS_PER_PHONE_PER_MINUTE") or 0
        self._lock = threading.Lock()
        self._buckets = {}  # connection id -> TokenBucket
        self._guessed = {}  # address -> deque of times of wrong codes
        self._joined = {}  # address -> deque of times of joins
        self._arrived = {}  # address -> deque of times of joins that were new phones
        self._returned = {}  # a returning phone's arrival marker -> deque of times it came back

    # --- events per connection ----------------------------------------------------------

    def allow_event(self, sid):
        """True when this connection may send another event now."""
        if not self.rate:
            return True
        with self._lock:
            bucket = self._buckets.get(sid)
            if bucket is None:
                bucket = self._buckets[sid] = TokenBucket(self.rate, max(self.burst, 1))
            return bucket.take()

    def forget(self, sid):
        """The connection is gone."""
        with self._lock:
            self._buckets.pop(sid, None)

    # --- joins and guesses per address ----------------------------------------------------

    def join_refusal(self, address, exempt=False, phone=None):
        """Why a join from this address is refused now, or None when it may try.

        phone: the arrival marker of a phone coming back with a token this meeting has seen; it is
        held to its own count of returns, not to its address's joins and wrong codes.
        """
        if exempt:
            return None
        with self._lock:
            now = clock()
            if phone is not None:
                if self.returns and self._recent(self._returned, phone, now) >= self.returns:
                    return TOO_MANY_JOINS
                return None
            if self.guesses and self._recent(self._guessed, address, now) >= self.guesses:
                return TOO_MANY_GUESSES
            if self.joins and self._recent(self._joined, address, now) >= self.joins:
                return TOO_MANY_JOINS
        return None

    def new_phone_refusal(self, address, exempt=False):
        """Why a new phone (one without a token this meeting knows) may not join from here now, or None."""
        if exempt or not self.new_phones:
            return None
        with self._lock:
            if self._recent(self._arrived, address, clock()) >= self.new_phones:
                return TOO_MANY_NEW_PHONES
        return None

    def wrong_code(self, address, exempt=False):
        """Count a join refused for a wrong (or no) code."""
        if not exempt and self.guesses:
            self._note(self._guessed, address)

    def joined(self, address, exempt=False, new=False, phone=None):
        """Count a successful join; new: it added a phone to the meeting's count; phone: a return (join_refusal)."""
        if exempt:
            return
        if phone is not None:
            if self.returns:
                self._note(self._returned, phone)
            return
        if self.joins:
            self._note(self._joined, address)
        if not exempt and new and self.new_phones:
            self._note(self._arrived, address)

    def _note(self, table, address):
        """Remember one event from an address (or a phone), forgetting the oldest past the cap."""
        with self._lock:
            now = clock()
            times = table.get(address)
            if times is None:
                if len(table) >= MAX_ADDRESSES:
                    self._prune(table, now)
                times = table[address] = deque()
            times.append(now)

    @staticmethod
    def _recent(table, address, now):
        """How many events this address had in the last minute (older ones are dropped)."""
        times = table.get(address)
        if not times:
            return 0
        while times and now - times[0] >= WINDOW:
            times.popleft()
        if not times:
            del table[address]
            return 0
        return len(times)

    @staticmethod
    def _prune(table, now):
        """Drop addresses with nothing in the last minute; if still full, the least recent ones."""
        for address in [a for a, times in table.items() if not times or now - times[-1] >= WINDOW]:
            del table[address]
        while len(table) >= MAX_ADDRESSES:
            oldest = min(table, key=lambda a: table[a][-1])
            del table[oldest]

    def remembered_addresses(self):
        """How many addresses are held in memory now (for tests)."""
        with self._lock:
            return len(set(self._guessed) | set(self._joined) | set(self._arrived))


# --- sessions opening, per address and in total ------------------------------------------------

TOO_MANY_HERE = "429 Too Many Requests"
LAPTOP_BUSY = "503 Service Unavailable"


class Handshake:
    """One Engine.IO session from one address, from its handshake until it closes."""

    __slots__ = ("address", "sid", "joined", "closed")

    def __init__(self, address):
        """Not yet opened (no session id), not joined, not closed."""
        self.address = address
        self.sid = None
        self.joined = False
        self.closed = False


class Handshakes:
    """Engine.IO sessions per address: those not yet joined, per address and in all, and all of them.

    Engine.IO gives every handshake a session (a socket, a queue, a ping task: about 19 KB on a
    gevent server; 45 KB once joined) and keeps it until its ping timeout, about 45 seconds, even
    if it never joins anything. Unbounded, one script held 1,500 of them. A session counts as
    unjoined from its handshake until Fireside lets it into the phone or the console namespace
    (a join refused, or the bare "/" namespace, does not count), and as a session until it closes.
    A handshake past a bound is refused before Engine.IO sees it (facilitator/handshakes.py).

    Why the defaults (app config) are what they are:

    - A phone's session is unjoined for one round trip, its handshake then its join: well under
      a second even while 1,000 phones join (docs/performance.md). One abandoned between the two
      (the Wi-Fi went at that moment) waits out the ping timeout, so a phone on a flaky network
      may hold two or three.
    - UNJOINED_PER_ADDRESS = 1,200. Phones on the Wi-Fi have an address each, but some venue
      networks put a whole room behind one address, and after a Wi-Fi drop the whole room comes
      back in the same second: a hall of 1,000 must get in at once, not 200 at a time with the
      rest retrying for half a minute (docs/performance.md, the reconnect storm). A script from one
      address holds at most 1,200 idle sessions (about 23 MB), and never the whole total below.
      Guessing codes is stopped elsewhere: by the wrong codes counted per address (Limits).
    - UNJOINED_TOTAL = 2,000: a room of 1,000 phones with an address each, all coming back at
      once, with an abandoned handshake each to spare. However many addresses a script uses (two
      at least, to fill it), idle sessions stay under about 40 MB. Past it every address waits:
      the last line, not the first.
    - SESSIONS_PER_ADDRESS = 2,500, joined or not: after a Wi-Fi drop a room's old sessions stay
      open until their ping timeout (up to 45 seconds) while its phones are already back, so a
      room of 1,000 behind one address holds 2,000 for that long. However often one address joins
      and joins again, it holds at most about 110 MB of sessions.

    In memory only: counts per address, and the open sessions' ids, while those sessions last.
    """

    def __init__(self, config):
        """Read the bounds from the app config (0 or None switches one off)."""
        self.unjoined_per_address = config.get("UNJOINED_PER_ADDRESS") or 0
        self.unjoined_total = config.get("UNJOINED_TOTAL") or 0
        self.sessions_per_address = config.get("SESSIONS_PER_ADDRESS") or 0
        self._lock = threading.Lock()
        self._unjoined = {}  # address -> its sessions not yet joined (handshakes under way included)
        self._sessions = {}  # address -> all its sessions
        self._unjoined_total = 0
        self._by_sid = {}  # Engine.IO session id -> Handshake, while the session is open

    def admit(self, address):
        """A handshake from this address: (its Handshake, None), or (None, (HTTP status, sentence)) past a bound."""
        with self._lock:
            if self.unjoined_per_address and self._unjoined.get(address, 0) >= self.unjoined_per_address:
                return None, (TOO_MANY_HERE, BUSY_HERE)
            if self.sessions_per_address and self._sessions.get(address, 0) >= self.sessions_per_address:
                return None, (TOO_MANY_HERE, BUSY_HERE)
            if self.unjoined_total and self._unjoined_total >= self.unjoined_total:
                return None, (LAPTOP_BUSY, BUSY_LAPTOP)
            self._unjoined[address] = self._unjoined.get(address, 0) + 1
            self._sessions[address] = self._sessions.get(address, 0) + 1
            self._unjoined_total += 1
        return Handshake(address), None

    def opened(self, handshake, sid):
        """Engine.IO opened the session of this handshake, with this id."""
        with self._lock:
            if not handshake.closed:
                handshake.sid = sid
                self._by_sid[sid] = handshake

    def joined(self, handshake):
        """The session joined the phone or console namespace: it no longer counts as unjoined."""
        with self._lock:
            if not handshake.joined and not handshake.closed:
                handshake.joined = True
                self._unjoined_total -= 1
                self._drop(self._unjoined, handshake.address)

    def closed(self, sid):
        """Engine.IO closed this session (any session: those not counted here are ignored)."""
        with self._lock:
            handshake = self._by_sid.get(sid)
        if handshake is not None:
            self.release(handshake)

    def release(self, handshake):
        """The session is gone (or never came to be): it no longer counts at all. Safe to repeat."""
        with self._lock:
            if handshake.closed:
                return
            handshake.closed = True
            if not handshake.joined:
                self._unjoined_total -= 1
                self._drop(self._unjoined, handshake.address)
            self._drop(self._sessions, handshake.address)
            if handshake.sid is not None:
                self._by_sid.pop(handshake.sid, None)

    @staticmethod
    def _drop(table, address):
        """One fewer for this address; an address with none left is forgotten."""
        left = table.get(address, 0) - 1
        if left > 0:
            table[address] = left
        else:
            table.pop(address, None)

    def unjoined(self, address=None):
        """How many sessions are unjoined now, from this address or in all (for tests)."""
        with self._lock:
            return self._unjoined_total if address is None else self._unjoined.get(address, 0)

    def sessions(self, address):
        """How many sessions this address has open now, joined or not (for tests)."""
        with self._lock:
            return self._sessions.get(address, 0)

    def remembered_addresses(self):
        """How many addresses are held in memory now (for tests)."""
        with self._lock:
            return len(set(self._unjoined) | set(self._sessions))
