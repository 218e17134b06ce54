"""The evening, smoothed (issue 16): the console, the co-facilitator's key, the summary and the history."""

from facilitator import events

WORDS = ("tired", "hopeful", "calm", "restless", "heavy", "light", "curious", "grateful")


def _words_to_review(evening, words=WORDS):
    """Start, let one phone per word answer the words poll, close it; returns its item id."""
    evening.start()
    feeling = evening.push("feeling")
    for word in words:
        assert evening.phone().answer(feeling, word)["ok"]
    evening.do(events.CLOSE_POLL, item_id=feeling)
    return feeling


def _review_order(evening, item_id):
    """The texts of the review queue, in the order the console lists them."""
    payload = evening.app.extensions["fireside"].console_payload()
    return [entry["text"] for entry in payload["pending"][str(item_id)]]


def test_the_review_list_keeps_its_order_across_approve_export_and_notes(evening):
    feeling = _words_to_review(evening)
    first = _review_order(evening, feeling)
    assert sorted(first) == sorted(WORDS)
    evening.do(events.MODERATE, item_id=feeling, text=first[2], approved=True, export=False)
    assert _review_order(evening, feeling) == first
    evening.do(events.MODERATE, item_id=feeling, text=first[2], approved=True, export=True)
    evening.do(events.SET_NOTES, notes="A quiet start.")
    assert _review_order(evening, feeling) == first
    evening.do(events.MODERATE, item_id=feeling, text=first[2], approved=False, export=False)
    assert _review_order(evening, feeling) == first


def test_the_console_says_words_and_sentences_arrive_for_review_when_the_poll_closes(client):
    page = client.get("/facilitator").get_data(as_text=True)
    assert "arrive here when you close the poll, never while it is open" in page


def test_the_console_has_a_top_level_heading_while_a_meeting_runs(client):
    page = client.get("/facilitator").get_data(as_text=True)
    meeting_view = page[page.index('id="meeting"'):]
    assert "<h1" in meeting_view[:meeting_view.index("</section>")]
