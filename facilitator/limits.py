"""Flood limits: events per connection, and joins and code guesses per address.

Everything here lives in memory only, for a minute or so: no address, count or time is ever
written to the database, a file or the log. A phone that is
refused is told so in a sentence.

- Each phone connection has a token bucket: PHONE_EVENTS_PER_SECOND on average, bursts of up
  to PHONE_EVENT_BURST. Tapping is far slower than that; a script is not.
- Each address may try JOIN_GUESSES_PER_MINUTE wrong codes, and join JOINS_PER_MINUTE times,
  in any minute. After that every join from it is refused until the minute has passed, so a
  join code (about 37 bits) cannot be guessed in any evening. Of those joins, at most
  NEW_PHONES_PER_MINUTE may be new phones (no token, or one this meeting has not seen), which
  are what "phones joined" counts; a phone coming back with its token is not a new phone.

The laptop itself (loopback) is the facilitator's and is not limited.

Set a limit to 0 (or None) in the app config to switch it off.
"""

import threading
import time
from collections import deque

SLOW_DOWN = "Slow down a little — try again in a moment."
TOO_MANY_GUESSES = ("Too many wrong codes from this phone. Wait a minute, then type the code "
                    "exactly as the screen shows it.")
TOO_MANY_JOINS = "This phone has joined too many times in a row. Wait a minute, then try again."
TOO_MANY_NEW_PHONES = ("Many new phones have joined from this network in the last minute. Wait a minute, "
                       "then try again.")

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
        self._lock = threading.Lock()
        self._buckets = {}  # connection id -> TokenBucket
        self._guessed = {}  # address -> deque of times of wrong codes
        self._joined = {}  # address -> deque of times of joins
        self._arrived = {}  # address -> deque of times of joins that were new phones

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

    def join_refusal(self, address, exempt=False):
        """Why a join from this address is refused now, or None when it may try."""
        if exempt:
            return None
        with self._lock:
            now = clock()
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

    def joined(self, address, exempt=False, new=False):
        """Count a successful join; new: it added a phone to the meeting's count."""
        if not exempt and self.joins:
            self._note(self._joined, address)
        if not exempt and new and self.new_phones:
            self._note(self._arrived, address)

    def _note(self, table, address):
        """Remember one event from an address, forgetting the oldest addresses past the cap."""
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

