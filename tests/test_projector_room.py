"""The projector read from the back of a dim room, and a scale's ends on phone and projector, in headless
Chromium against a real server.

The smallest words on the projector are 2.25 of its units (screen.css, --fs-min): 18 px on an old
800x600 projector and the same share of the picture at any other size (28.8 px at 1280x720, 43 px at
1920x1080), since the picture on the wall is as big whatever its pixels. A 16:9 screen is wide and
short in those units: the longest real questions and options, in English and in Spanish (which runs
longer), must hold that size there too. The men's own sentences alone may go under it, and only when
there are too many to fit otherwise; at 800x600, six of them do not.
"""

import json
import re
import textwrap
import tomllib
from pathlib import Path

import pytest
from conftest import RunningServer, SocketConsole, SocketPhone, assert_accessible
from test_pages import ANSWERS, OUT_OF_PLACE, _page, _phone, _settle

from facilitator import events, wifi
from facilitator.wifi import Wifi

pytestmark = pytest.mark.browser

# An old 4:3 projector, and the two 16:9 sizes of most projectors and televisions today.
ROOM_SIZES = [(800, 600), (1280, 720), (1920, 1080)]
FLOOR_UNITS = 2.25  # of the projector's unit, min(1vw, 1.7778vh): 18 px at 800x600
# Two men at the same spot: the compass draws a numbered dot, and its legend explains it.
COMPASS_TWO_AT_ONE_SPOT = ANSWERS["compass"][:5] + [ANSWERS["compass"][4]]

# Every word a person can see on the page: its size in px (an SVG's scaled to the screen), its contrast
# against what lies behind it (its ancestors' backgrounds over the page at its brightest, the glow of
# the body's gradients included; for SVG text, the shape under it), and whether two words overlap.
WORDS = r"""(floorUnits) => {
  const u = Math.min(window.innerWidth / 100, window.innerHeight * 1.7778 / 100);
  const rgba = c => { const m = (c || '').match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map(n => top[n] * top[3] + under[n] * (1 - top[3])).concat([1]);
  const lum = c => c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
      .reduce((s, v, n) => s + v * [0.2126, 0.7152, 0.0722][n], 0);
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const body = getComputedStyle(document.body);
  let page = rgba(body.backgroundColor);
  if (!page || page[3] === 0) page = rgba(getComputedStyle(document.documentElement).backgroundColor);
  for (const layer of body.backgroundImage.split(/(?=radial-gradient|linear-gradient)/).reverse()) {
    const stops = [...layer.matchAll(/rgba?\([^)]+\)/g)].map(m => rgba(m[0]));
    if (stops.length) page = over(stops.reduce((a, b) => (b[3] > a[3] ? b : a)), page);
  }
  const opacity = el => { let o = 1; for (let e = el; e && e.nodeType === 1; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
  const unseen = el => { for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e), r = e.getBoundingClientRect();
      if (/rect\(0(px)?,? 0(px)?,? 0(px)?,? 0(px)?\)/.test(s.clip)) return true;  // read by screen readers only
      if (s.overflow === 'hidden' && (r.width <= 1 || r.height <= 1)) return true; } return false; };
  const behind = (el, r) => {  // el's own background too: a number on a disc of its own (the Wi-Fi's "1")
    const chain = [];
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) chain.unshift(e);
    let bg = page;
    for (const e of chain) { const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) bg = over([c[0], c[1], c[2], c[3] * opacity(e)], bg); }
    if (el instanceof SVGElement) {
      const under = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2)
        .find(e => e !== el && e instanceof SVGGeometryElement && getComputedStyle(e).fill !== 'none');
      if (under) { const s = getComputedStyle(under), f = rgba(s.fill);
        bg = over([f[0], f[1], f[2], f[3] * Number(s.fillOpacity) * opacity(under)], bg); }
    }
    return bg;
  };
  const words = [], walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('[hidden], script, style') || !el.getClientRects().length
        || !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) || unseen(el)) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0.5 && r.height > 0.5);
    if (!rects.length) continue;
    const s = getComputedStyle(el), svg = el instanceof SVGElement;
    const size = parseFloat(s.fontSize) * (svg && el.ownerSVGElement ? el.ownerSVGElement.getScreenCTM().a : 1);
    const c = rgba(svg ? s.fill : s.color), alpha = c[3] * (svg ? Number(s.fillOpacity) : 1) * opacity(el);
    const bg = behind(el, range.getBoundingClientRect());
    words.push({ text: node.textContent.trim().slice(0, 40), sentence: !!el.closest('.fs-text'), size,
                 contrast: ratio(over([c[0], c[1], c[2], alpha], bg), bg), rects: rects.map(r => [r.left, r.top, r.right, r.bottom]) });
  }
  const overlaps = [];
  words.forEach((one, i) => words.slice(i + 1).forEach(two => {
    if (one.rects.some(a => two.rects.some(b => Math.min(a[2], b[2]) - Math.max(a[0], b[0]) > 1
        && Math.min(a[3], b[3]) - Math.max(a[1], b[1]) > 0.25 * Math.min(a[3] - a[1], b[3] - b[1]))))
      overlaps.push(one.text + ' / ' + two.text);
  }));
  return { floor: floorUnits * u, overlaps,
           words: words.map(({ text, sentence, size, contrast }) => ({ text, sentence, size, contrast })),
           scrolls: document.documentElement.scrollWidth > innerWidth || document.documentElement.scrollHeight > innerHeight };
}"""


def _read_from_the_back(screen, what, axe=True):
    """At every room size: every word at least the floor and 4.5:1, none over another, nothing cut off."""
    for width, height in ROOM_SIZES:
        screen.set_viewport_size({"width": width, "height": height})
        _settle(screen)
        found = screen.evaluate(WORDS, FLOOR_UNITS)
        where = f"{what} at {width}x{height}"
        assert found["words"], f"nothing to read on {where}"
        # The men's own sentences shrink under the floor only when too many to fit: at 800x600 these fit.
        small = [f"{w['text']!r} {w['size']:.1f} px" for w in found["words"]
                 if w["size"] < found["floor"] - 0.05 and not (w["sentence"] and width > 800)]
        assert small == [], f"words under {found['floor']:.1f} px on {where}: {small}"
        faint = [f"{w['text']!r} {w['contrast']:.2f}:1" for w in found["words"] if w["contrast"] < 4.5]
        assert faint == [], f"words under 4.5:1 on {where}: {faint}"
        assert found["overlaps"] == [], f"words over words on {where}"
        assert not found["scrolls"], f"{where} scrolls"
        assert screen.evaluate(OUT_OF_PLACE) == [], where
    if axe:
        assert_accessible(screen, f"the projector, {what} (1920x1080)")


def test_every_word_on_the_projector_is_read_from_the_back_of_the_room_in_every_state(browser, server):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    screen = _page(browser, server.url + "/screen", viewport={"width": 800, "height": 600})
    expect(screen.locator("#view-idle")).to_be_visible()
    _read_from_the_back(screen, "waiting for a meeting")
    code = console.start()["meeting"]["code"]
    phones = [SocketPhone(server.url, code) for _ in range(6)]
    expect(screen.locator("#join-here")).to_have_text("6 phones here")
    _read_from_the_back(screen, "the join code and its QR code")
    console.push("welcome")
    expect(screen.locator("#view-item[data-kind='discussion']")).to_be_visible()
    _read_from_the_back(screen, "a discussion prompt")
    arrive = console.push("arrive")
    assert phones[0].call(events.ANSWER, {"item_id": arrive, "value": 1})["ok"]
    expect(screen.locator("#item-status")).to_have_text("1 responded")
    _read_from_the_back(screen, "an open poll with its count")
    console.do(events.CLOSE_POLL, item_id=arrive)
    expect(screen.locator("#item-status")).to_contain_text("Answers are closed")
    _read_from_the_back(screen, "a closed poll")
    console.do(events.REVEAL_POLL, item_id=arrive)  # one answer: under the floor, the result stays private
    expect(screen.locator("#item-kicker")).to_have_text("Not enough answers")
    _read_from_the_back(screen, "a result kept private")
    answers = dict(ANSWERS, compass=COMPASS_TWO_AT_ONE_SPOT)
    for key in ("arrive", "needs", "energy", "compass", "feeling", "sentence"):
        if key == "arrive":  # opened again, and answered by everyone this time
            console.do(events.REOPEN_POLL, item_id=arrive, confirm=True)
            item_id = arrive
        else:
            item_id = console.push(key)
        console.answered_and_revealed(item_id, phones, answers[key])
        expect(screen.locator("#view-item.is-revealed[data-state='revealed']")).to_be_visible()
        # "6 answered" beside the question, and only there: the picture keeps the room.
        expect(screen.locator("#item-caption")).to_have_text(re.compile(r"^6 answered"))
        expect(screen.locator("#item-result .fs-caption")).to_have_count(0)
        if key == "compass":
            expect(screen.locator("#item-result .fs-dot-count")).to_have_text("2")
        _read_from_the_back(screen, f"the result of {key!r}")
    console.do(events.END_MEETING)
    expect(screen.locator("#view-ended")).to_be_visible()
    _read_from_the_back(screen, "the end of the meeting")
    assert screen.errors == []
    console.close()


# The longest of the real decks (prompts/decks/, and prompts/decks/es/ for Spanish): for each kind, the
# item with the longest question; for the options, those with the most words in all and with the longest
# one; for a scale and the compass, those with the longest end words. Read from the files, so the deck
# that grows tomorrow is the one checked.
DECKS = Path(__file__).resolve().parent.parent / "prompts" / "decks"
LONGEST_BY = {
    "discussion": [],
    "choice": ["all options", "one option"],
    "multi": ["all options", "one option"],
    "scale": ["end words"],
    "compass": ["end words"],
    "words": [],
    "text": [],
}
WIFI_PASSWORD = 'Ember;glow,42:"quiet"'
# What six men answer in words and in sentences, as long as the English ones (test_pages) or longer.
SPANISH = {
    "words": ["cansado", "esperanzado", "tranquilo", "cansado", "inquieto", "agradecido"],
    "text": [
        ("Vine porque mi hermano me dijo que en esta sala aprendió a escuchar sin querer arreglarlo todo, "
         "y quería ver si eso también podía ser verdad para mí."),
        "Me alegra estar aquí.",
        ("Ha sido un mes duro en el trabajo y en casa, y necesitaba una noche en la que nadie esperara "
         "nada de mí salvo que llegara tal como soy."),
        "Gracias por sostener esto.",
        "Primera vez, un poco nervioso, pero me quedo.",
        "Quiero decir más la próxima vez.",
    ],
}


def _option(option):
    return option if isinstance(option, str) else option["text"]


def _real_decks(language):
    """The built-in decks written in a language: their contents as read from their files."""
    files = sorted((DECKS / "es").glob("*.toml")) if language == "es" else sorted(DECKS.glob("*.toml"))
    return [tomllib.loads(path.read_text()) for path in files]


def _longest_items(language):
    """The real items that are longest in each way that takes room on the projector, each once."""
    items = [item for deck in _real_decks(language) for item in deck["items"]]
    measures = {
        "question": lambda item: len(item["prompt"]),
        "all options": lambda item: sum(len(_option(o)) for o in item["options"]),
        "one option": lambda item: max(len(_option(o)) for o in item["options"]),
        "end words": lambda item: sum(len(item.get(key, "")) for key in
                                      ("min_label", "max_label", "x_label", "y_label", "low_label", "high_label")),
    }
    chosen = {}
    for kind, others in LONGEST_BY.items():
        same = [item for item in items if item["kind"] == kind]
        assert same, f"no real {kind!r} item in {language!r} to measure"
        for way in ["question", *others]:
            item = max(same, key=measures[way])
            chosen.setdefault(item["id"], item)
    return list(chosen.values())


def _toml(value):
    """A TOML value: strings as JSON writes them (valid TOML basic strings), lists, inline tables."""
    if isinstance(value, (str, bool)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(one) for one in value) + "]"
    return "{ " + ", ".join(f"{key} = {_toml(one)}" for key, one in value.items()) + " }"


def _longest_deck(language):
    """One deck of the longest items under the longest real title, in that language."""
    title = max((deck["title"] for deck in _real_decks(language)), key=len)
    lines = [f"title = {_toml(title)}", f"language = {_toml(language)}", ""]
    for item in _longest_items(language):
        lines += ["[[items]]", *(f"{key} = {_toml(value)}" for key, value in item.items()), ""]
    return "\n".join(lines)


def _value(item, n, language):
    """Man n's answer to an item: every option and point taken by someone, two men at one compass spot."""
    kind = item["kind"]
    if kind in ("choice", "multi"):
        free = [i for i, option in enumerate(item["options"]) if isinstance(option, str) or not option.get("exclusive")]
        if kind == "choice":
            return free[n % len(free)]
        return sorted({free[n % len(free)], free[(n + 1) % len(free)]})[:item["max"]]
    if kind == "scale":
        return item["scale_min"] + n % (item["scale_max"] - item["scale_min"] + 1)
    if kind == "compass":
        return COMPASS_TWO_AT_ONE_SPOT[n]
    return (SPANISH[kind] if language == "es" else ANSWERS["feeling" if kind == "words" else "sentence"])[n]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_longest_real_questions_and_options_and_the_wifi_are_read_from_the_back_on_a_wide_screen_too(
        browser, data_dir, tmp_path, language):
    """The Wi-Fi's two steps, then every longest real item: asked, answered live, revealed; at every size."""
    from playwright.sync_api import expect

    wifi.save(data_dir, Wifi("Fireside Hall", WIFI_PASSWORD))
    (data_dir / "decks" / "longest.toml").write_text(_longest_deck(language))
    server = RunningServer(data_dir, tmp_path / "server.log", args=["--wifi", "Fireside Hall"])
    server.args += ["--url", server.url]
    server.start()
    try:
        console = SocketConsole(server.url)
        console.do(events.SET_LANGUAGE, language=language)
        screen = _page(browser, server.url + "/screen", viewport={"width": 800, "height": 600})
        expect(screen.locator("#view-idle #wifi-name")).to_have_text("Fireside Hall")
        _read_from_the_back(screen, "the Wi-Fi before the meeting", axe=False)
        # Live mode: a picture while a poll is open, once enough have answered (it has the least room).
        code = console.start(deck="longest", live_results=True)["meeting"]["code"]
        expect(screen.locator("#view-join #wifi-password")).to_have_text(WIFI_PASSWORD)
        expect(screen.locator("#join-code")).to_have_text(code)
        phones = [SocketPhone(server.url, code) for _ in range(6)]
        expect(screen.locator("#join-here")).to_have_text(re.compile(r"^6 "))
        _read_from_the_back(screen, "the Wi-Fi and the join code, two steps, under the longest title")
        items = _longest_items(language)
        # axe-core on one picture: the options with the most words, in two columns on a wide screen.
        most_options = max((item for item in items if item["kind"] == "multi"),
                           key=lambda item: sum(len(_option(o)) for o in item["options"]))["id"]
        for item in items:
            what = f"{item['kind']} {item['id']!r}"
            console.do(events.CLEAR_ITEM)  # between two items the room sees the join code again
            expect(screen.locator("#view-join")).to_be_visible()
            item_id = console.push(item["id"])
            expect(screen.locator("#item-prompt")).to_have_text(item["prompt"])
            if item["kind"] == "discussion":
                _read_from_the_back(screen, what, axe=False)
                continue
            answers = [_value(item, n, language) for n in range(6)]
            assert phones[0].call(events.ANSWER, {"item_id": item_id, "value": answers[0]})["ok"]
            expect(screen.locator("#item-status")).to_have_text(re.compile(r"(^|\D)1(\D|$)"))
            # Open, the room sees how many responded, and nothing of the last poll's picture or its line.
            expect(screen.locator("#item-caption")).to_be_hidden()
            expect(screen.locator("#item-result")).to_be_hidden()
            _read_from_the_back(screen, f"{what}, open", axe=False)
            if item["kind"] not in ("words", "text"):  # those wait for the facilitator, live or not
                for phone, answer in zip(phones[1:4], answers[1:4]):
                    assert phone.call(events.ANSWER, {"item_id": item_id, "value": answer})["ok"]
                expect(screen.locator("#item-status")).to_have_text(re.compile(r"(^|\D)4(\D|$)"))
                expect(screen.locator("#view-item.is-revealed[data-state='open']")).to_be_visible()
                _read_from_the_back(screen, f"{what}, open with its live picture", axe=False)
                phones_left, answers_left = phones[4:], answers[4:]
            else:
                phones_left, answers_left = phones[1:], answers[1:]
            console.answered_and_revealed(item_id, phones_left, answers_left)
            expect(screen.locator("#view-item.is-revealed[data-state='revealed']")).to_be_visible()
            _read_from_the_back(screen, f"{what}, revealed", axe=item["id"] == most_options)
            expect(screen.locator("#item-caption")).to_have_text(re.compile(r"^6 "))  # beside the question
        assert screen.errors == []
        console.close()
    finally:
        server.stop()


SCALES_DECK = textwrap.dedent('''
    title = "Scales"

    [[items]]
    id = "both"
    kind = "scale"
    prompt = "How rested are you?"
    scale_min = 1
    scale_max = 5
    min_label = "Not at all"
    max_label = "Very much"

    [[items]]
    id = "low-only"
    kind = "scale"
    prompt = "How tense are you?"
    scale_min = 1
    scale_max = 5
    min_label = "Not at all"

    [[items]]
    id = "none"
    kind = "scale"
    prompt = "How loud is your week?"
    scale_min = 1
    scale_max = 5
''')

# What each scale's ends say: under the phone's numbers, then under the result's axis (phone and projector).
# A missing word leaves its end's number alone on the phone, and nothing on the result, whose axis has
# the numbers; with no words at all there is no line of ends.
ENDS = {
    "both": (["1 · Not at all", "Very much · 5"], ["Not at all", "Very much"]),
    "low-only": (["1 · Not at all", "5"], ["Not at all", ""]),
    "none": (None, None),
}

ENDS_TEXT = """selector => { const line = document.querySelector(selector);
    return line && !line.closest('[hidden]') ? [...line.children].map(end => end.textContent) : null; }"""


@pytest.fixture
def scales_server(data_dir, tmp_path):
    """A real server whose data folder holds a deck of scales with both, one and no end words."""
    (data_dir / "decks" / "scales.toml").write_text(SCALES_DECK)
    running = RunningServer(data_dir, tmp_path / "server.log").start()
    yield running
    running.stop()


def test_a_scale_without_words_at_an_end_shows_its_number_alone_and_no_dangling_dot(browser, scales_server):
    from playwright.sync_api import expect

    console = SocketConsole(scales_server.url)
    code = console.start(deck="scales")["meeting"]["code"]
    phone = _phone(browser, f"{scales_server.url}/j/{code}", 320)
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()
    screen = _page(browser, scales_server.url + "/screen", viewport={"width": 800, "height": 600})
    others = [SocketPhone(scales_server.url, code) for _ in range(3)]
    for key, (form_ends, result_ends) in ENDS.items():
        item_id = console.push(key)
        expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "form")
        expect(phone.locator(".seg label")).to_have_count(5)
        assert phone.evaluate(ENDS_TEXT, "#screen-item .ends") == form_ends, f"the phone's form, {key!r}"
        assert not re.search(r"(^|\n)\s*·|·\s*($|\n)", phone.locator("#screen-item").inner_text()), key
        if key == "low-only":
            assert_accessible(phone, "the phone, a scale with words at one end only")
        for other, value in zip(others, (1, 3, 5)):
            assert other.call(events.ANSWER, {"item_id": item_id, "value": value})["ok"]
        console.do(events.REVEAL_POLL, item_id=item_id)
        expect(phone.locator("#results .fs-hist")).to_be_visible()
        expect(screen.locator("#item-result .fs-hist")).to_be_visible()
        for page, where in ((phone, "#results"), (screen, "#item-result")):
            assert page.evaluate(ENDS_TEXT, f"{where} .fs-ends") == result_ends, f"{where}, {key!r}"
            assert "·" not in page.locator(where).inner_text(), f"{where}, {key!r}"
        if key == "low-only":
            assert_accessible(phone, "the phone, the result of a scale with words at one end only")
            assert_accessible(screen, "the projector, the result of a scale with words at one end only")
    assert phone.errors == [] and screen.errors == []
    console.close()


def test_a_two_word_answer_stays_whole_in_the_word_cloud_on_a_phone_and_the_projector(browser, server):
    """'work stress' is one man's answer; split over two lines it read as two answers, 'work' and 'stress'."""
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    screen = _page(browser, server.url + "/screen", viewport={"width": 800, "height": 600})
    watcher = _phone(browser, f"{server.url}/j/{code}", 320)
    watcher.click("#join-btn")
    expect(watcher.locator("#screen-wait")).to_be_visible()
    phones = [SocketPhone(server.url, code) for _ in range(6)]
    item_id = console.push("feeling")
    phrases = ["work stress", "tired", "tired", "calm", "far away", "work stress"]
    console.answered_and_revealed(item_id, phones, phrases)
    for page, where in ((screen, "the projector at 800x600"), (watcher, "a phone at 320 px")):
        words = page.locator(".fs-word")
        expect(words).to_have_count(4)
        _settle(page)
        lines = words.evaluate_all("""(spans) => spans.map((span) => { const range = document.createRange();
            range.selectNodeContents(span); return [span.textContent, new Set([...range.getClientRects()]
              .filter((r) => r.width > 0.5).map((r) => Math.round(r.top))).size]; })""")
        assert all(count == 1 for _text, count in lines), (where, lines)
        # ...and none runs past the cloud's edges: a phrase too wide is drawn smaller instead.
        assert words.evaluate_all("""(spans) => spans.every((span) => { const cloud = span.parentElement.getBoundingClientRect(),
            box = span.getBoundingClientRect(); return box.left >= cloud.left - 0.5 && box.right <= cloud.right + 0.5; })""")
        assert page.errors == []
    console.do(events.END_MEETING)
