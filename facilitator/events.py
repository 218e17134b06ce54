"""Namespace and event names, the one place server and pages take them from."""

PARTICIPANT_NS = "/participant"
FACILITATOR_NS = "/facilitator"

# server -> phone
WELCOME = "welcome"
ITEM = "item"  # the item on every phone now, and its picture
COUNT = "count"
ENDED = "ended"
HELP = "help"  # the facilitator's help lines changed: every phone, the same message
LANGUAGE = "language"  # the meeting's language changed: every page (phones, projector, console) reloads in it

# phone -> server
ANSWER = "answer"
WITHDRAW = "withdraw"
SYNC = "sync"
WORD_AFTER = "word_after"  # "I'd like a word after": never forwarded, counted as room.py allows

# server -> console / screen
CONSOLE = "console"
SCREEN = "screen"

# console -> server
START_MEETING = "start_meeting"
END_MEETING = "end_meeting"
PUSH_ITEM = "push_item"
CLEAR_ITEM = "clear_item"
OPEN_POLL = "open_poll"
CLOSE_POLL = "close_poll"
REVEAL_POLL = "reveal_poll"
REOPEN_POLL = "reopen_poll"
ADD_ITEM = "add_item"
MODERATE = "moderate"
MODERATE_ALL = "moderate_all"
SET_NOTES = "set_notes"
ROOM_CHOOSE = "room_choose"  # a revealed words or text poll's approved answers become a new multi poll
INVITE_COFACILITATOR = "invite_cofacilitator"  # the laptop's own console only
REVOKE_COFACILITATOR = "revoke_cofacilitator"  # the laptop's own console only
SET_HELP_LINES = "set_help_lines"
SET_LANGUAGE = "set_language"  # the running meeting's language, or the next one's


def for_pages():
    """Every event name as a dict, for the JSON config block in each page."""
    return {name: value for name, value in globals().items() if name.isupper()}
