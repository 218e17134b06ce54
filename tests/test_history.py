"""The group over time: meetings side by side, only from floored aggregates."""

import re

import pytest
from conftest import TEST_DECK, Shared
from test_export import TIME_OF_DAY, run_evening

from facilitator import events, export, history

DAYS = ("2025-01-06", "2025-01-20", "2025-02-03")
SPELLED_OUT = ("Monday, January 6, 2025", "Monday, January 20, 2025", "Monday, February 3, 2025")
COMPASSES = (
    [{"x": 80, "y": 70}, {"x": 20, "y": 90}, {"x": 60, "y": 10}, {"x": 30, "y": 30}, {"x": 80, "y": 70}],
    [{"x": 40, "y": 80}, {"x": 31, "y": 60}],  # two dots: below the floor
    [{"x": 70, "y": 40}, {"x": 75, "y": 50}, {"x": 60, "y": 65}, {"x": 90, "y": 30}],
)


def held_on(evening, meeting_id, day):
    """Meetings in a test all happen today; spread them over the first and third Mondays."""
    with evening.store._tx() as db:
        db.execute("UPDATE meetings SET held_on = ? WHERE id = ?", (day, meeting_id))


def hold_a_season(evening):
    """Three ended meetings from the same deck, the second with its compass below the floor; their rooms."""
    rooms = []
    for day, dots in zip(DAYS, COMPASSES):
        room = run_evening(evening, compass=dots, title=f"Monday {day}")
        held_on(evening, room["meeting_id"], day)
        rooms.append(room)
    return rooms


@pytest.fixture
def season(evening):
    """A season on the test's own app, for a test that goes on to change it."""
    return hold_a_season(evening)


@pytest.fixture(scope="module")
def one_season(tmp_path_factory, migrated_database):
    """A season held once for the tests that only read it."""
    shared = Shared(tmp_path_factory.mktemp("season"), migrated_database)
    shared.rooms = hold_a_season(shared.evening)
    yield shared
    shared.close()


@pytest.fixture
def ended(one_season):
    """That season for one test, which fails if it leaves the database otherwise than it found it.

    .evening: its console and store; .rooms: the three meetings' rooms; .client: a fresh HTTP client.
    """
    with one_season.unchanged() as shared:
        yield shared


def test_items_used_in_more_than_one_meeting_are_set_side_by_side(ended):
    evening = ended.evening
    h = history.build_history(evening.store)
    assert h["ended"] == 3
    assert [m["held_on"] for m in h["meetings"]] == list(reversed(DAYS))  # newest first
    keys = [one["key"] for one in h["series"]]
    assert keys[0] == "compass"
    assert set(keys) == {"arrive", "needs", "energy", "compass", "feeling", "sentence"}
    # Items added on the spot have no key and are never compared; discussion prompts have no results.
    assert all(one["key"] for one in h["series"]) and "welcome" not in keys
    for one in h["series"]:
        assert [e["meeting"]["held_on"] for e in one["entries"]] == list(DAYS)  # oldest first


def test_compass_medians_per_meeting_come_from_what_the_room_saw(ended):
    evening, season = ended.evening, ended.rooms
    h = history.build_history(evening.store)
    compass = next(one for one in h["series"] if one["key"] == "compass")
    seen = [room["seen"][room["compass"]] for room in season]
    assert seen[1]["shown"] is False and "median" not in seen[1]
    medians = [e["item"]["result"].get("median") for e in compass["entries"]]
    assert medians == [seen[0]["median"], None, seen[2]["median"]]
    assert medians[0] == {"x": 60, "y": 70} and medians[2] == {"x": 72.5, "y": 45}
    chart = str(compass["chart"])
    assert chart.startswith('<svg class="chart line-chart"') and "<script" not in chart
    # Two lines (connection, space), each a point per meeting above the floor and a gap where it was not.
    assert len(re.findall(r"<circle ", chart)) == 4
    assert "not shown" in chart
    # Under the chart and to a screen reader the days are named briefly, as the page's language writes them.
    assert "Connection: the middle of the answers: Jan 6, 2025: 60; Jan 20, 2025: not shown; Feb 3, 2025: 72.5." in chart
    assert "Space to myself: the middle of the answers: Jan 6, 2025: 70; Jan 20, 2025: not shown; Feb 3, 2025: 45" in chart
    assert re.findall(r'<text [^>]*>(\w{3} \d+, \d{4})</text>', chart) == ["Jan 6, 2025", "Jan 20, 2025", "Feb 3, 2025"]


def test_history_page_shows_the_series_and_only_floored_exported_results(ended):
    client, season = ended.client, ended.rooms
    response = client.get("/facilitator/history")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<link rel="stylesheet" href="/f/static/export.css">' in page
    assert '<link rel="stylesheet" href="/f/static/history.css">' in page
    assert "<style" not in page and " style=" not in page and "<script" not in page
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    compass = page.split('data-key="compass"')[1].split("</section>")[0]
    rows = re.findall(r'<th scope="row" class="day">([^<]+?) <span[^>]*>[^<]*</span></th>\s*<td class="num"[^>]*>(\d+|—)</td>\s*(.*?)</tr>',
                      compass, re.S)
    assert [day for day, _, _ in rows] == list(SPELLED_OUT)  # as the summary writes a day, not 2025-01-06
    assert "not shown — fewer than 3 answers" in rows[1][2] and rows[1][1] == "—"  # answered: not said below the floor
    assert re.findall(r'<td class="num"[^>]*>([\d.]+)</td>', rows[2][2])[:2] == ["72.5", "45"]
    for hidden in ("weary", "angry", "My brother is sick", "Nobody approved"):
        assert hidden not in page
    assert "hopeful" in page
    for room in season:
        for secret in room["secrets"]:
            assert secret not in page
    assert not TIME_OF_DAY.search(page)
    meta = re.findall(r'<p class="meta">(.*?)</p>', page, re.S)
    assert meta and not any("“" in line for line in meta), meta  # the question heads it; no internal short name
    assert "percentages only for meetings where at least 10 men answered" in page
    # Every ended meeting links to its summary and its downloads.
    for room in season:
        for fmt in export.FORMATS:
            assert f'href="/facilitator/export/{room["meeting_id"]}.{fmt}"' in page
        assert f'href="/facilitator/summary/{room["meeting_id"]}"' in page


def test_choice_results_over_time_with_shares(ended):
    evening = ended.evening
    h = history.build_history(evening.store)
    arrive = next(one for one in h["series"] if one["key"] == "arrive")
    assert arrive["options"] == ["Tired", "Restless", "Calm"]
    # Four men answered each time: counts, but no shares (a share needs at least ten answers).
    assert [e["cells"] for e in arrive["entries"]] == [[(2, None), (1, None), (1, None)]] * 3


def test_an_item_used_once_is_not_in_the_history(evening):
    room = run_evening(evening)
    h = history.build_history(evening.store)
    assert h["series"] == [] and h["ended"] == 1
    assert h["meetings"][0]["id"] == room["meeting_id"]


def test_a_running_meeting_is_listed_but_not_compared(client, evening, season):
    evening.start(title="Tonight")
    phones = [evening.phone() for _ in range(3)]
    compass = evening.push("compass")
    for phone in phones:
        phone.answer(compass, {"x": 10, "y": 10})
    evening.do(events.REVEAL_POLL, item_id=compass)
    h = history.build_history(evening.store)
    assert h["meetings"][0]["status"] == "running"
    entries = next(one for one in h["series"] if one["key"] == "compass")["entries"]
    assert len(entries) == 3
    page = client.get("/facilitator/history").get_data(as_text=True)
    assert "Running — the summary is ready once it ends." in page


def test_history_with_no_meetings(client):
    page = client.get("/facilitator/history").get_data(as_text=True)
    assert "No meetings yet." in page


def test_history_answers_only_to_the_facilitator(app):
    away = {"REMOTE_ADDR": "10.0.0.7"}
    other = app.test_client()
    assert other.get("/facilitator/history", environ_base=away).status_code == 403
    key = app.config["FACILITATOR_KEY"]
    page = other.get("/facilitator/history", query_string={"key": key}, environ_base=away)
    assert page.status_code == 200
    assert f'href="/facilitator?key={key}"' in page.get_data(as_text=True)


def test_line_chart_leaves_a_gap_for_a_meeting_below_the_floor():
    chart = str(history.line_chart(["a", "b", "c", "d"],
                                   [{"name": "Median", "color": "#000", "values": [1, None, 3, 4]}], 0, 10))
    paths = re.findall(r'<path d="([^"]+)"', chart)
    assert len(paths) == 1 and paths[0].count("L") == 1  # c to d only; a stands alone
    assert len(re.findall(r"<circle ", chart)) == 3


def ask_arrive(evening, deck, answers):
    """One meeting from deck that asks only "arrive", revealed with these answers; then ended."""
    evening.start(deck=deck)
    arrive = evening.push("arrive")
    for value in answers:
        assert evening.phone().answer(arrive, value)["ok"]
    evening.do(events.REVEAL_POLL, item_id=arrive)
    evening.do(events.END_MEETING)


def test_an_item_asked_in_two_languages_has_one_row_per_option_named_in_the_pages_language(evening, data_dir):
    """The Spanish deck asks "arrive" by the same id with the same options in the same order."""
    spanish = TEST_DECK.replace('options = ["Tired", "Restless", "Calm"]', 'options = ["Cansado", "Inquieto", "Tranquilo"]')
    spanish = spanish.replace('prompt = "How are you arriving tonight?"', 'prompt = "¿Cómo llegas esta noche?"')
    spanish = spanish.replace("\n[[items]]", '\nlanguage = "es"\n\n[[items]]', 1)
    assert spanish.count("Cansado") == spanish.count("¿Cómo llegas") == 1 and 'language = "es"' in spanish
    (data_dir / "decks" / "test-evening-es.toml").write_text(spanish, encoding="utf-8")
    ask_arrive(evening, "test-evening", [0, 0, 2, 1, 0])
    evening.do(events.SET_LANGUAGE, language="es")
    ask_arrive(evening, "test-evening-es", [1, 1, 1, 2, 0])

    for language, names, prompt in (("es", ["Cansado", "Inquieto", "Tranquilo"], "¿Cómo llegas esta noche?"),
                                    ("en", ["Tired", "Restless", "Calm"], "How are you arriving tonight?")):
        arrive = next(one for one in history.build_history(evening.store, language=language)["series"]
                      if one["key"] == "arrive")
        assert arrive["options"] == names  # three rows, not six
        assert arrive["prompt"] == prompt  # and the heading in the page's language too
        assert [[count for count, _share in entry["cells"]] for entry in arrive["entries"]] == [[3, 1, 1], [1, 3, 1]]
        assert [entry["meeting"]["language"] for entry in arrive["entries"]] == ["en", "es"]


def test_options_reworded_within_one_language_stay_rows_of_their_own(evening, data_dir):
    reworded = TEST_DECK.replace('options = ["Tired", "Restless", "Calm"]', 'options = ["Worn out", "Restless", "Calm"]')
    (data_dir / "decks" / "reworded.toml").write_text(reworded, encoding="utf-8")
    ask_arrive(evening, "test-evening", [0, 0, 2, 1, 0])
    ask_arrive(evening, "reworded", [1, 1, 1, 2, 0])
    arrive = next(one for one in history.build_history(evening.store)["series"] if one["key"] == "arrive")
    assert arrive["options"] == ["Tired", "Restless", "Calm", "Worn out"]
    assert [[count for count, _share in entry["cells"]] for entry in arrive["entries"]] == [[3, 1, 1, None],
                                                                                          [None, 3, 1, 1]]


# Every table's right edge beyond its box, and every heading or cell whose words run past its own edge.
CUT_OFF = """() => [...document.querySelectorAll('.table-scroll')].flatMap(box => {
    const edge = box.getBoundingClientRect().right + 0.5, table = box.querySelector('table');
    const past = table.getBoundingClientRect().right > edge || box.scrollWidth > box.clientWidth + 0.5
        ? [table.className + ' runs past its box'] : [];
    return past.concat([...table.querySelectorAll('th, td')]
        .filter(cell => cell.getClientRects().length
                && (cell.getBoundingClientRect().right > edge || cell.scrollWidth > cell.clientWidth + 1))
        .filter(cell => getComputedStyle(cell).position !== 'absolute')  // headings kept for screen readers only
        .map(cell => table.className + ': ' + cell.textContent.trim()));
})"""


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.parametrize("width, height", [(800, 600), (1280, 800), (360, 740)])
def test_every_column_of_the_history_is_readable_on_an_old_laptop_and_a_phone(server, evening, browser, width, height):
    """At 800 px the compass's table ran 727 px into a 692 px box: 'Mostly connection' read 'MOS CONNECT', its count hidden."""
    from conftest import assert_accessible

    hold_a_season(evening)  # written by the test's app into the database the server reads
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(server.url + "/facilitator/history")
    compass = page.locator(".series-compass .series-table")
    assert page.evaluate(CUT_OFF) == []
    # The last column, its name and its counts, lies inside the window.
    last = compass.locator("tbody tr").first.locator("td").last
    assert last.evaluate("el => el.getBoundingClientRect().right") <= width
    assert last.evaluate("el => getComputedStyle(el).visibility") == "visible" and last.inner_text().strip().endswith("1")
    if width >= 800:  # the headings: each word whole on its line ("Mostly / connection"), none cut
        heading = compass.locator("thead th").last
        assert heading.inner_text().strip().upper() == "MOSTLY CONNECTION"
        assert heading.evaluate("el => el.getBoundingClientRect().right") <= width
    else:  # a phone: each meeting a list of its columns, each value after its column's name
        assert "Mostly connection" in last.evaluate("el => getComputedStyle(el, '::before').content")
    assert_accessible(page, f"the history at {width}x{height}")
    page.close()
