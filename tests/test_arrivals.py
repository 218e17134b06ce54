"""A phone that comes too early or too late: before the meeting starts, or with the QR code of one that ended."""

import json
import re

import pytest

from facilitator import events
from facilitator.rules import Refused


def _config(page_html):
    """The JSON config block of a phone page."""
    block = re.search(r'<script type="application/json" id="fireside-config">(.*?)</script>', page_html, re.S)
    return json.loads(block.group(1))


def test_an_old_qr_code_after_end_says_the_meeting_has_ended(evening, client):
    old = evening.start()
    evening.do("end_meeting")
    page = client.get(f"/j/{old}")
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "This meeting has ended" in text and "Thank you for being here" in text
    assert "No meeting is running with the code" not in text and "isn't running" not in text
    with pytest.raises(Refused, match="This meeting has ended"):  # a phone that slept through End
        evening.room.join(old, None)

    evening.start()  # the next meeting: the old code still says its meeting ended
    assert client.get(f"/j/{old.lower().replace('-', '')}").status_code == 410
    wrong = client.get("/j/WXYZ-KMNP")
    assert wrong.status_code == 404  # a code that never ran is a wrong code
    text = wrong.get_data(as_text=True)  # he may have scanned it, not typed it
    assert "No meeting is running with the code" in text and "WXYZ-KMNP" in text and "You typed" not in text


def _outside_help(page_html):
    """A page without its Help panel (a <details> he must open): what he reads without a tap."""
    return re.sub(r'<details class="help".*?</details>', "", page_html, flags=re.DOTALL)


def test_an_old_qr_code_shows_where_help_is_without_a_tap(evening, client):
    evening.do(events.SET_HELP_LINES, lines=[{"label": "Crisis line", "contact": "988"}])
    old = evening.start()
    evening.do(events.END_MEETING)
    seen = _outside_help(client.get(f"/j/{old}").get_data(as_text=True))
    assert "If tonight stirred something up" in seen and 'href="tel:988"' in seen


def test_the_laptops_address_after_the_end_says_the_meeting_ended_not_to_wait_for_it(evening, client):
    evening.do(events.SET_HELP_LINES, lines=[{"label": "Crisis line", "contact": "988"}])
    before = client.get("/").get_data(as_text=True)
    assert "The meeting hasn't started yet" in before and "The meeting has ended." not in before
    assert "If tonight stirred something up" not in _outside_help(before)

    evening.start()
    evening.do(events.END_MEETING)
    after = client.get("/").get_data(as_text=True)
    seen = _outside_help(after)
    assert "The meeting has ended." in seen and "hasn't started yet" not in seen
    assert "If another meeting starts, this page takes you in by itself." in seen
    assert "If tonight stirred something up" in seen and 'href="tel:988"' in seen
    assert _config(after)["waiting"]  # and it still waits: the next meeting takes him in by itself

    second = evening.start()
    assert client.get(f"/waiting/{_config(after)['waiting']}").get_json() == {"ok": True, "code": second}
    evening.do(events.END_MEETING)
    evening.app.extensions["fireside"].room.just_ended = False  # as after a restart: nothing ended lately
    assert "The meeting hasn't started yet" in client.get("/").get_data(as_text=True)


def test_an_old_code_is_not_counted_as_a_wrong_guess(evening, client):
    old = evening.start()
    evening.do("end_meeting")
    fireside = evening.app.extensions["fireside"]
    for _ in range(30):  # a whole room whose phones slept through End, coming back
        assert client.get(f"/j/{old}", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 410
    assert fireside.limits.join_refusal("192.0.2.7", exempt=False) is None


def test_a_phone_that_arrives_before_the_start_is_given_the_code_when_it_starts(evening, client):
    early = _config(client.get("/").get_data(as_text=True))
    ticket = early["waiting"]
    assert ticket and early["code"] is None
    assert client.get(f"/waiting/{ticket}").get_json() == {"ok": True, "code": None}
    assert client.get(f"/waiting/{ticket}").headers["Cache-Control"] == "no-store"

    code = evening.start()
    assert client.get(f"/waiting/{ticket}").get_json() == {"ok": True, "code": code}
    late = client.get("/").get_data(as_text=True)
    assert _config(late)["waiting"] is None and 'id="code-input"' in late  # he types the code on the screen
    assert client.get("/waiting/a-ticket-made-up-by-someone").status_code == 410

    evening.do("end_meeting")
    assert client.get(f"/waiting/{ticket}").status_code == 410  # that meeting is over: the page starts again
    again = _config(client.get("/").get_data(as_text=True))["waiting"]
    assert again and again != ticket
    second = evening.start()
    assert client.get(f"/waiting/{again}").get_json() == {"ok": True, "code": second}


def test_the_projector_thanks_the_room_after_end_until_the_next_meeting(evening):
    room = evening.room
    assert room.screen_payload(None, 0)["ended"] is False
    evening.start()
    evening.do("end_meeting")
    assert room.screen_payload(None, 0)["ended"] is True
    evening.start()
    assert room.screen_payload("http://fireside.test/j/X", 0)["ended"] is False
