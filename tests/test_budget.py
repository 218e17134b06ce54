"""The phone page's byte budget: the page and everything it loads, compressed, and how it is cached.

Sizes and counts only, never times (times come from benchmarks/page.py, docs/performance.md).
What the page loads is read from the page itself (script, stylesheet, icon, image tags, and the
url()s of its stylesheets), so the test follows the page as it changes.
"""

import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest


BUDGET = 60_000  # bytes on the wire, compressed: the page and everything it loads (issue: <= 60 KB)
MAX_FILES = 10  # requests a phone makes for the page before it connects; each costs a round trip
YEAR = 365 * 24 * 3600
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


class Loads(HTMLParser):
    """Collects what a page makes the browser fetch."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").lower().split()
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href") and set(rel) & {"stylesheet", "icon", "apple-touch-icon",
                                                                  "preload", "modulepreload", "manifest"}:
            self.urls.append(attrs["href"])
        elif tag in ("img", "source", "audio", "video") and attrs.get("src"):
            self.urls.append(attrs["src"])


def body_of(response):
    """The decoded body of a response, whatever its encoding."""
    data = response.get_data()
    return gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data


def same_server(url):
    """Nothing leaves the room: every file comes from Fireside itself."""
    parts = urlsplit(url)
    assert not parts.scheme and not parts.netloc, f"{url} is not served by Fireside"
    return url


def page_and_loads(client, path):
    """[(url, response)] for the page and every file it (and its stylesheets) loads, fetched with gzip."""
    page = client.get(path, headers=GZIP)
    assert page.status_code == 200
    fetched = [(path, page)]
    parser = Loads()
    parser.feed(body_of(page).decode())
    queue = [urljoin(path, same_server(url)) for url in parser.urls if not url.startswith("data:")]
    seen = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        fetched.append((url, response))
        if response.mimetype == "text/css":  # what the stylesheet loads in turn
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", body_of(response).decode()):
                if not ref.startswith("data:"):
                    queue.append(urljoin(url, same_server(ref)))
    return fetched


@pytest.fixture
def join_path(app):
    """The address the QR code opens, for a running meeting."""
    room = app.extensions["fireside"].room
    room.start_meeting(None, "Budget evening", 3)
    return f"/j/{room.meeting['join_code']}"


def breakdown(fetched):
    """Sizes, for a failure message."""
    return "\n".join(f"{len(r.get_data()):>7}  {r.headers.get('Content-Encoding') or 'identity':8}  {url}"
                     for url, r in fetched)


def test_the_phone_page_and_everything_it_loads_fit_the_budget(client, join_path):
    fetched = page_and_loads(client, join_path)
    total = sum(len(response.get_data()) for _, response in fetched)
    assert total <= BUDGET, f"{total} bytes compressed, budget {BUDGET}:\n{breakdown(fetched)}"
    assert len(fetched) <= MAX_FILES, breakdown(fetched)
    assert any(url.endswith(".js") or ".js?" in url for url, _ in fetched), "the page loads its scripts"


def test_the_code_page_fits_the_budget_too(client):
    fetched = page_and_loads(client, "/")
    total = sum(len(response.get_data()) for _, response in fetched)
    assert total <= BUDGET, breakdown(fetched)


def test_text_is_served_gzipped_to_a_browser_that_accepts_it(client, join_path):
    for url, response in page_and_loads(client, join_path):
        if len(body_of(response)) >= 512:  # smaller files gain nothing from compression
            assert response.headers.get("Content-Encoding") == "gzip", url
            assert len(response.get_data()) < len(body_of(response)), url
        assert "Accept-Encoding" in response.headers.get("Vary", ""), url
        assert "default-src 'self'" in response.headers["Content-Security-Policy"], url


def test_a_browser_without_gzip_gets_the_plain_file(client, join_path):
    for url, _ in page_and_loads(client, join_path):
        with client.get(url, headers={"Accept-Encoding": "identity"}) as plain:
            assert plain.status_code == 200
            assert "Content-Encoding" not in plain.headers, url
            assert plain.get_data() == body_of(client.get(url, headers=GZIP)), url


def test_static_files_are_versioned_and_cached_for_a_year(client, join_path):
    for url, response in page_and_loads(client, join_path)[1:]:
        assert re.search(r"[?&]v=[0-9a-f]{8,}", url), f"{url} has no version in its address"
        cache = response.headers.get("Cache-Control", "")
        assert f"max-age={YEAR}" in cache and "immutable" in cache, f"{url}: {cache!r}"


def test_an_unversioned_static_address_is_revalidated_and_answers_304(client, join_path):
    for url, _ in page_and_loads(client, join_path)[1:]:
        bare = url.split("?", 1)[0]
        first = client.get(bare, headers=GZIP)
        assert first.headers.get("Cache-Control") == "no-cache", bare
        etag = first.headers.get("ETag")
        assert etag, bare
        again = client.get(bare, headers={**GZIP, "If-None-Match": etag})
        assert again.status_code == 304, bare
        assert again.get_data() == b"", bare


def test_the_facilitator_pages_static_files_are_cached_and_compressed(client):
    page = client.get("/facilitator", headers=GZIP)  # the test client comes from loopback
    assert page.status_code == 200
    parser = Loads()
    parser.feed(body_of(page).decode())
    urls = [url for url in parser.urls if not url.startswith("data:")]  # inline: nothing to fetch
    assert urls
    for url in urls:
        response = client.get(same_server(url), headers=GZIP)
        assert response.status_code == 200, url
        assert "immutable" in response.headers.get("Cache-Control", ""), url
        if len(body_of(response)) >= 512:
            assert response.headers.get("Content-Encoding") == "gzip", url


# --- work per answer: constant, however big the room -------------------------------------------------

def test_an_answer_costs_the_same_work_in_a_big_room_as_in_a_small_one(evening, monkeypatch):
    """No recount: the 60th answer runs the same SQL, and as many SQLite steps, as the 5th did."""
    # The log's fold, at most every tenth of a second in a stream of answers, is the store's own
    # periodic work, not an answer's (test_no_order.py): it is kept out of this count.
    monkeypatch.setattr("facilitator.store.FOLD_AT_MOST_SECONDS", 60.0)
    evening.start()
    arrive = evening.push("arrive")
    store = evening.store
    recounts = []
    original = store.answers
    monkeypatch.setattr(store, "answers", lambda *a, **k: recounts.append(a) or original(*a, **k))
    statements, steps = [], [0]

    def step():
        steps[0] += 1
        return 0  # carry on

    store.db.conn.set_trace_callback(statements.append)
    store.db.conn.set_progress_handler(step, 1)  # called on every SQLite virtual machine instruction
    try:
        costs = []
        for n in range(60):
            phone = evening.phone()
            del statements[:]
            steps[0] = 0
            assert phone.answer(arrive, n % 3)["ok"]
            costs.append((len(statements), steps[0]))
            phone.disconnect()
    finally:
        store.db.conn.set_trace_callback(None)
        store.db.conn.set_progress_handler(None, 1)
    assert recounts == []
    assert len({count for count, _ in costs}) == 1, costs  # the same statements every time
    early, late = [s for _, s in costs[4:10]], [s for _, s in costs[-6:]]
    assert max(late) <= max(early), costs  # and no step that grows with the ballots already in


