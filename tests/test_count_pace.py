"""When "n answered" goes out (facilitator/broadcast.py, CountPace): bounded however fast answers come.

The pace is pure, driven with a fake clock one millisecond at a time; how a count reaches the
phones is counted on a real app, message by message.
"""

from facilitator import broadcast, events
from facilitator.broadcast import CountPace
from facilitator.sockets import socketio


def _drive(pace, phones, answers_until_ms, until_ms):
    """Drive the pace as the ticker does: one answer each millisecond until answers_until_ms, then
    none, looking each millisecond until until_ms. Returns the ms at which the console and the
    phones were told."""
    console, told_phones = [], []
    for ms in range(until_ms):
        now = ms / 1000
        if ms < answers_until_ms:
            pace.change(now, phones)
        to_console, to_phones = pace.due(now)
        if to_console:
            console.append(ms)
        if to_phones:
            told_phones.append(ms)
    return console, told_phones


def test_the_console_hears_the_first_answer_at_once_then_at_most_ten_times_a_second():
    console, _ = _drive(CountPace(0.1), phones=20, answers_until_ms=2000, until_ms=3000)
    assert console[0] == 0  # the first answer shows at once
    assert all(later - earlier >= 100 for earlier, later in zip(console, console[1:]))
    assert len(console) == 21  # 2,000 answers in 2 s: one push per 100 ms...
    assert console[-1] >= 1999  # ...the last after the last answer, so the console ends with them all


def test_phones_in_a_small_room_hear_the_count_a_tenth_of_a_second_after_it_changes():
    _, phones = _drive(CountPace(0.1), phones=5, answers_until_ms=1000, until_ms=2000)
    assert phones[0] == 100  # not the first answer alone, but what the first 100 ms made of it
    assert all(later - earlier >= 100 for earlier, later in zip(phones, phones[1:]))
    assert len(phones) == 10 and phones[-1] >= 999  # the last one after the last answer


def test_in_a_hall_of_a_thousand_phones_a_burst_reaches_phones_once_after_it():
    """1,000 phones told 10 times a second would be 10,000 messages a second: they hear every 20 s."""
    pace = CountPace(0.1)
    assert pace.phone_interval(1000) == 20.0 and pace.phone_interval(5) == 0.1 and pace.phone_interval(20) == 0.4
    console, phones = _drive(pace, phones=1000, answers_until_ms=300, until_ms=21000)
    assert phones == [20000]  # nothing during the 300 ms burst: one push, 20 s after its first answer
    assert console[0] == 0 and len(console) == 4 and console[-1] >= 299  # 0, 100, 200 and after the last
    assert pace.next_at() is None and pace.due(20.0) == (False, False)  # then nothing is left to tell


def test_three_hundred_phones_answering_at_their_own_pace_are_told_at_most_50_messages_a_second():
    """Men answering over 20 s keep the count changing; every count to every phone holds up the acks behind it."""
    pace = CountPace(0.1)
    told = []
    for ms in range(20_000):
        if ms % 67 == 0:  # 300 answers over 20 s
            pace.change(ms / 1000, 300)
        if pace.due(ms / 1000)[1]:
            told.append(ms)
    assert len(told) * 300 / 20 <= 50  # messages a second to all phones together
    assert told and all(later - earlier >= 6000 for earlier, later in zip(told, told[1:]))


def test_a_count_reaches_every_phone_once_in_slices_with_room_for_answers_between(evening, monkeypatch):
    """A count sent to a big room in one go made every ack that arrived meanwhile wait for all of it."""
    evening.start()
    phones = [evening.phone() for _ in range(55)]  # slices of 25 (broadcast.PHONES_PER_SLICE): 25, 25, 5
    poll = evening.push("arrive")
    for phone in phones:
        phone.received()
    steps = []  # what the server did, in order: ("emit", phones it addressed) or ("yield",)
    emit = socketio.emit

    def counted_emit(event, *args, **kwargs):
        if event == events.COUNT and kwargs.get("namespace") == events.PARTICIPANT_NS:
            to = kwargs.get("to")
            steps.append(("emit", len(phones) if to is None else len(to)))
        return emit(event, *args, **kwargs)

    monkeypatch.setattr(socketio, "emit", counted_emit)
    monkeypatch.setattr(broadcast, "_let_others_run", lambda: steps.append(("yield",)), raising=False)
    assert phones[0].answer(poll, 0)["ok"]  # COUNT_INTERVAL 0 in tests: the counts go out now

    assert [len(phone.received(events.COUNT)) for phone in phones] == [1] * len(phones)
    assert steps == [("emit", 25), ("yield",), ("emit", 25), ("yield",), ("emit", 5)]
