"""A forgotten meeting ends itself: when it was last active, and the check at start and while serving.

DESIGN.md, "Privacy by construction", rule 2: the meeting key and the raw answers live only as
long as the meeting. A meeting nobody ended (Ctrl-C, a closed terminal, a flat battery) would
keep them for ever, so a running meeting in which nothing happened (no answer, no join, no
facilitator action) for more than IDLE_END_HOURS is ended exactly as End ends it
(Room.end_meeting), when Fireside starts and on a timer while it serves (broadcast.Broadcaster).

To know across a restart when the meeting was last active, the store keeps only the hour,
rounded down (meetings.last_active), written when the hour changes, never per answer. Within
one run the exact time is known in memory; after a restart the end of the stored hour is taken
as the last activity, so a meeting never ends before it has been idle for the full limit.
"""

import calendar
import threading
import time

from facilitator.i18n import _l
from facilitator.rules import Refused

HOUR = 3600
HOUR_FORMAT = "%Y-%m-%dT%H:00Z"  # UTC: a change of clocks or time zone cannot shorten the wait


def hour_text(moment):
    """The hour (UTC, rounded down) of a moment in seconds since the epoch, as the store keeps it."""
    return time.strftime(HOUR_FORMAT, time.gmtime(moment))


def hour_start(text):
    """Seconds since the epoch at the start of a stored hour; None when there is none or it is unreadable."""
    try:
        return calendar.timegm(time.strptime(text, HOUR_FORMAT))
    except (TypeError, ValueError):
        return None


def tell(text):
    """Say it in the facilitator's terminal, as a plain sentence, at once."""
    print(text, flush=True)


class IdleWatch:
    """When the running meeting was last active, and whether it has been forgotten."""

    def __init__(self, store, room, clock, limit_hours):
        """clock() gives seconds since the epoch (the app's CLOCK); limit_hours is IDLE_END_HOURS."""
        self.store = store
        self.room = room
        self.clock = clock
        self.limit_hours = limit_hours
        self.last = None  # when the running meeting was last active, as far as this process knows
        self.last_meeting = None  # the meeting self.last is about
        self.ended_notice = None  # what the console is told after a forgotten meeting ended itself
        self._noted = None  # (meeting id, hour number) last written to the store
        self._lock = threading.RLock()
        self._resume()

    def _resume(self):
        """Take the last activity of a meeting that was running when Fireside stopped from the store."""
        meeting = self.room.meeting
        if meeting is None:
            return
        start = hour_start(meeting.get("last_active"))
        if start is None:  # kept by a Fireside that did not record it: count from now
            self.note()
            return
        self.last, self.last_meeting = start + HOUR, meeting["id"]  # the latest it can have been: never early
        self._noted = (meeting["id"], start // HOUR)

    def note(self):
        """Something happened in the running meeting; the store hears of it only when the hour changes.

        Called for every answer, so it costs a clock reading and a comparison; the write (once an
        hour at most) goes through the store's lock like any other.
        """
        meeting = self.room.meeting
        if meeting is None:
            return
        now = self.clock()
        self.last, self.last_meeting = now, meeting["id"]
        noted = (meeting["id"], int(now // HOUR))
        if noted != self._noted:
            with self._lock:
                if noted != self._noted:
                    self.store.set_last_active(noted[0], hour_text(now))
                    self._noted = noted

    def forgotten(self):
        """True when a meeting is running and nothing happened in it for more than the limit."""
        meeting = self.room.meeting
        if meeting is None:
            return False
        if self.last_meeting != meeting["id"]:  # started without a word to note(): it is active now
            self.note()
            return False
        return self.clock() - self.last > self.limit_hours * HOUR

    def end_if_forgotten(self):
        """End a forgotten meeting as End does; returns the sentence that says so, or None."""
        with self._lock:
            meeting = self.room.meeting
            if not self.forgotten():
                return None
            try:
                self.room.end_meeting()
            except Refused:  # ended by someone else in the meantime
                return None
            self.last, self.last_meeting, self._noted = None, None, None
            # A sentence said in the console's language (broadcast.notices) and in English in the terminal.
            self.ended_notice = _l(
                "Fireside ended the meeting \"%(title)s\" by itself: nothing had happened in "
                "it for more than %(hours)s hours. As with End, its raw answers and unapproved "
                "sentences were deleted and its key and join code destroyed; the totals the room saw are "
                "kept, under Past meetings.", title=meeting["title"], hours=format(self.limit_hours, "g"))
            return self.ended_notice
