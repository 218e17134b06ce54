"""How the pages look and read, in headless Chromium against a real server: the projector at the sizes
projectors have, phones at 320 and 360 px, and axe-core on every page and state."""

import re

import pytest
from conftest import SocketConsole, SocketPhone, assert_accessible

from facilitator import events

pytestmark = pytest.mark.browser

PROJECTORS = [(800, 600), (1024, 768), (1280, 720), (1920, 1080)]
PHONE_WIDTHS = [320, 360]
KINDS = ["arrive", "needs", "energy", "compass", "feeling", "sentence"]  # the test deck's polls, one of each kind

# Six phones' answers to every poll of the test deck. The compass has a dot under each corner's count.
ANSWERS = {
    "arrive": [0, 1, 1, 2, 1, 0],
    "needs": [[0, 1], [1], [2, 3], [0], [1, 3], [0, 2]],
    "energy": [3, 7, 7, 10, 0, 5],
    "compass": [{"x": 6, "y": 93}, {"x": 94, "y": 93}, {"x": 6, "y": 7}, {"x": 94, "y": 7},
                {"x": 70, "y": 30}, {"x": 30, "y": 70}],
    "feeling": ["tired", "hopeful", "calm", "tired", "restless", "grateful"],
    "sentence": [
        ("I came because my brother told me this room is where he learned to listen without fixing things, "
         "and I wanted to see whether that could be true for me as well."),
        "Glad to be here.",
        ("It has been a hard month at work and at home, and I needed one evening where nobody expects "
         "anything of me except that I show up as I am."),
        "Thank you for holding this.",
        "First time, a little nervous, but staying.",
        "I want to say more next time.",
    ],
}


def _page(browser, url, **context):
    """A new page in its own context, with a recorder of script errors."""
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    return page


def _phone(browser, url, width):
    """A phone of this width (CSS px)."""
    return _page(browser, url, viewport={"width": width, "height": 640}, device_scale_factor=2,
                 is_mobile=True, has_touch=True)


def _settle(page):
    """Wait until the page has laid itself out again (two animation frames; an error after 5 s without)."""
    page.evaluate("""() => new Promise((done, fail) => {
        setTimeout(() => fail(new Error('the page drew no frame in 5 s')), 5000);
        requestAnimationFrame(() => requestAnimationFrame(done));
    })""")


def _answer_and_reveal(console, phones, key):
    """Push a poll, let six phones answer it, approve every word or sentence, and reveal it; returns its id."""
    item_id = console.push(key)
    console.answered_and_revealed(item_id, phones, ANSWERS[key])
    return item_id


# What leaves the screen, is cut off by the result's box or lies under the latecomers' corner.
OUT_OF_PLACE = """() => {
    const vw = window.innerWidth, vh = window.innerHeight, bad = [];
    const box = document.getElementById('item-result');
    const inItem = !document.getElementById('view-item').hidden && !box.hidden;
    const rb = inItem ? box.getBoundingClientRect() : null;
    const corner = document.getElementById('corner');
    const cb = corner.hidden ? null : corner.getBoundingClientRect();
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.getAttribute('class') ? '.' + el.getAttribute('class').trim().split(/\\s+/).join('.') : '') +
        ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
    for (const el of document.querySelectorAll('#stage *')) {
        if (el.closest('[hidden]') || !el.getClientRects().length) continue;
        const r = el.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) continue;  // nothing to see, or the screen reader's text
        if (r.left < -0.5 || r.top < -0.5 || r.right > vw + 0.5 || r.bottom > vh + 0.5) {
            bad.push(name(el) + ' leaves the screen');
        } else if (rb && box.contains(el) &&
                   (r.left < rb.left - 1 || r.top < rb.top - 1 || r.right > rb.right + 1 || r.bottom > rb.bottom + 1)) {
            bad.push(name(el) + ' is cut off by the result box');
        } else if (cb && rb && box.contains(el) && !el.querySelector('*') &&
                   r.left < cb.right && r.right > cb.left && r.top < cb.bottom && r.bottom > cb.top) {
            bad.push(name(el) + " lies under the latecomers' corner");
        }
    }
    return bad;
}"""

# The compass's quadrant counts that something else (a dot) covers at their middle.
COVERED_COUNTS = """() => [...document.querySelectorAll('#item-result .fs-quadrant-count')].filter(count => {
    const r = count.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return top !== count && !count.contains(top);
}).map(count => count.textContent)"""


# The compass's quadrant counts drawn over a dot (their boxes cross): the dot would be hidden.
COUNTS_OVER_DOTS = """() => {
    const counts = [...document.querySelectorAll('#item-result .fs-quadrant-count')];
    const dots = [...document.querySelectorAll('#item-result .fs-dot')].map(dot => dot.getBoundingClientRect());
    return counts.filter(count => {
        const c = count.getBoundingClientRect();
        return dots.some(d => d.left < c.right && c.left < d.right && d.top < c.bottom && c.top < d.bottom);
    }).map(count => count.textContent);
}"""


# The compass legend's entries whose mark and words part, or whose mark is squeezed.
LEGEND_SPLIT = """() => [...document.querySelectorAll('#item-result .fs-legend .fs-mark')]
    .map(mark => [mark, mark.nextElementSibling]).filter(([mark, words]) => {
        // Its words begin on the mark's line and never wrap back under it.
        const rects = [...words.getClientRects()], dot = mark.getBoundingClientRect();
        return Math.abs(rects[0].top - dot.top) > rects[0].height
            || rects.some(r => r.left < dot.right - 1) || dot.width < dot.height - 1;  // nor squeeze it
    }).map(([, words]) => words.textContent)"""


def test_every_result_fits_the_projector_from_800x600_to_1920x1080(browser, server):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    screen = _page(browser, server.url + "/screen", viewport={"width": 1280, "height": 720})

    def fits(what):
        """At every projector size, nothing of this view leaves the screen or its box."""
        for width, height in PROJECTORS:
            screen.set_viewport_size({"width": width, "height": height})
            _settle(screen)
            assert screen.evaluate(OUT_OF_PLACE) == [], f"{what} at {width}x{height}"
        screen.set_viewport_size({"width": 1280, "height": 720})
        _settle(screen)
        assert_accessible(screen, f"the projector, {what}")

    expect(screen.locator("#view-idle")).to_be_visible()
    fits("waiting for a meeting")
    code = console.start()["meeting"]["code"]
    phones = [SocketPhone(server.url, code) for _ in range(6)]
    expect(screen.locator("#join-code")).to_have_text(code)
    fits("the invitation to join")
    console.push("welcome")
    expect(screen.locator("#view-item[data-kind='discussion']")).to_be_visible()
    fits("a discussion item")
    for key in KINDS:
        item_id = _answer_and_reveal(console, phones, key)
        expect(screen.locator("#view-item.is-revealed[data-state='revealed']")).to_be_visible()
        expect(screen.locator("#item-prompt")).to_have_text(re.compile(".+"))
        assert console.states[-1]["current"] == item_id
        fits(f"the result of {key!r}")
        if key in ("feeling", "sentence"):  # words and sentences: the room is told who chose them, and that no name goes with them
            expect(screen.locator("#item-result .fs-chosen")).to_contain_text("The facilitator chose which")
            # It promises what Fireside keeps, no authors, and not what a man may write: a name.
            expect(screen.locator("#item-result .fs-chosen")).to_contain_text("Nothing here says who wrote them.")
        if key == "compass":
            for width, height in PROJECTORS:
                screen.set_viewport_size({"width": width, "height": height})
                _settle(screen)
                assert screen.evaluate(COVERED_COUNTS) == [], f"a dot hides a quadrant count at {width}x{height}"
                assert screen.evaluate(COUNTS_OVER_DOTS) == [], f"a quadrant count hides a dot at {width}x{height}"
                lines = screen.evaluate("""() => [...document.querySelectorAll('#item-result .fs-quadrant span')]
                    .map(name => Math.round(name.getBoundingClientRect().height /
                                            parseFloat(getComputedStyle(name).lineHeight)))""")
                assert max(lines) <= 2, f"a quadrant's name wraps to {max(lines)} lines at {width}x{height}"
                split = screen.evaluate(LEGEND_SPLIT)
                assert split == [], f"a legend's mark and its words part at {width}x{height}: {split}"
            screen.set_viewport_size({"width": 1280, "height": 720})
            _settle(screen)
            sizes = screen.evaluate("""() => [...document.querySelectorAll(
                    '#item-result .fs-axis-name, #item-result .fs-axis-end, #item-result .fs-axis-origin')]
                .map(label => [label.textContent, parseFloat(getComputedStyle(label).fontSize)])""")
            assert len(sizes) == 5, sizes  # both names, "a lot" twice and "a little" once
            assert all(size >= 28 for _, size in sizes), f"axis labels smaller than 28 px at 1280x720: {sizes}"
    console.do(events.END_MEETING)
    expect(screen.locator("#view-ended")).to_contain_text("The meeting has ended.")
    expect(screen.locator("#view-ended")).to_contain_text("Thank you")
    fits("the end of the meeting")
    screen.reload()  # the projector's laptop reloads the page: still the end, not "Fireside is ready"
    expect(screen.locator("#view-ended")).to_contain_text("The meeting has ended.")
    console.start()
    expect(screen.locator("#view-join")).to_be_visible()
    assert screen.errors == []
    console.close()


# Every target a finger must hit on the phone that is smaller than 44 x 44 CSS px.
SMALL_TARGETS = """() => [...document.querySelectorAll(
        'button, a[href], input:not([type=radio]):not([type=checkbox]), textarea, select, ' +
        'label.option, .seg label, #compass-field')]
    .filter(el => !el.closest('[hidden], details:not([open]) > :not(summary)') && el.getClientRects().length)
    .map(el => { const r = el.getBoundingClientRect();
                 return [el.id || el.className || el.tagName, el.textContent.trim().slice(0, 20),
                         Math.round(r.width), Math.round(r.height)]; })
    .filter(([, , width, height]) => width < 44 || height < 44)"""


# Visible words set smaller than 16 CSS px, read at arm's length in a dim room: their text and size.
SMALL_TEXT = """() => {
    const found = [], walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
        const node = walk.currentNode, el = node.parentElement;
        if (!node.textContent.trim() || !el || el.closest('[hidden], [aria-hidden=true] .vh, .vh, script, style')
            || el.closest('details:not([open]) > :not(summary)') || !el.getClientRects().length) continue;
        const size = parseFloat(getComputedStyle(el).fontSize)
            * (el instanceof SVGElement && el.ownerSVGElement ? el.ownerSVGElement.getScreenCTM().a : 1);
        if (size < 15.95) found.push(node.textContent.trim().slice(0, 40) + ' (' + size.toFixed(1) + ' px)');
    }
    return found;
}"""


# The edges of what he taps or types in, against the page behind them: under 3:1 (WCAG 1.4.11) they
# vanish in a dim room. Returns the controls that miss, with their ratio.
FAINT_EDGES = """() => {
    const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => {
        v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const page = lum(getComputedStyle(document.documentElement).backgroundColor);
    return [...document.querySelectorAll('.opt-body, .code-input, .text-input, .btn-secondary, .field, .seg')]
        .filter(el => el.getClientRects().length && !el.closest('[hidden]'))
        .map(el => { const edge = lum(getComputedStyle(el).borderTopColor);
                     return [el.className, (Math.max(edge, page) + 0.05) / (Math.min(edge, page) + 0.05)]; })
        .filter(([, ratio]) => ratio < 3).map(([name, ratio]) => name + ' ' + ratio.toFixed(2));
}"""


# Words dimmed to say "not now" (Send before anything is chosen, an option past the limit) that a man
# in a dim room can no longer read: under 4.5:1 once the dimming is laid over what is behind them.
DIM_WORDS = """() => {
    const rgb = c => c.match(/[\\d.]+/g).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map(v => { v = v / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
        .reduce((sum, v, n) => sum + v * [0.2126, 0.7152, 0.0722][n], 0);
    const over = (top, alpha, under) => top.slice(0, 3).map((v, n) => v * alpha + under[n] * (1 - alpha));
    const page = rgb(getComputedStyle(document.documentElement).backgroundColor);
    return [...document.querySelectorAll('main .btn, main .opt-body')]
        .filter(el => el.getClientRects().length && !el.closest('[hidden]') && el.textContent.trim())
        .filter(el => Number(getComputedStyle(el).opacity) < 1).map(el => {
            const style = getComputedStyle(el), dim = Number(style.opacity), own = rgb(style.backgroundColor);
            const fill = own.length > 3 && own[3] === 0 ? page : over(own, own.length > 3 ? own[3] : 1, page);
            const words = over(over(rgb(style.color), 1, fill), dim, page), behind = over(fill, dim, page);
            const ratio = (Math.max(lum(words), lum(behind)) + 0.05) / (Math.min(lum(words), lum(behind)) + 0.05);
            return [el.textContent.trim(), ratio]; })
        .filter(([, ratio]) => ratio < 4.5).map(([text, ratio]) => text + ' ' + ratio.toFixed(2));
}"""


# Buttons whose words wrap to three lines or more: a label broken that far is read as pieces.
TALL_LABELS = """() => [...document.querySelectorAll('main .btn, footer .btn')]
    .filter(el => el.getClientRects().length && !el.closest('[hidden]') && el.textContent.trim())
    .filter(el => { const style = getComputedStyle(el), lines = (el.clientHeight - parseFloat(style.paddingTop)
                    - parseFloat(style.paddingBottom)) / parseFloat(style.lineHeight);
                    return lines > 2.5; })
    .map(el => el.textContent.trim())"""


# The compass's axis labels that touch their neighbours ("A littleSpace to myself"): their texts.
TOUCHING_LABELS = """() => [...document.querySelectorAll('#screen-item .axis-y, #screen-item .axis-x')]
    .filter(axis => axis.getClientRects().length).flatMap(axis => {
        const kids = [...axis.children].map(kid => kid.getBoundingClientRect()), vertical = axis.matches('.axis-y');
        return kids.slice(1).map((box, n) => [axis.children[n].textContent, axis.children[n + 1].textContent,
            vertical ? box.top - kids[n].bottom : box.left - kids[n].right])
          .filter(([, , gap]) => gap < 4).map(([one, two]) => one + ' | ' + two);
    })"""


def _look_at(phones, where):
    """On every phone: no target under 44 px, no words under 16 px, nothing wider than the screen; axe on the last."""
    for phone in phones:
        _settle(phone)
        width = phone.viewport_size["width"]
        assert phone.evaluate(SMALL_TARGETS) == [], f"targets under 44 px on {where} at {width} px"
        assert phone.evaluate(SMALL_TEXT) == [], f"words under 16 px on {where} at {width} px"
        assert phone.evaluate(FAINT_EDGES) == [], f"edges under 3:1 on {where} at {width} px"
        assert phone.evaluate(TOUCHING_LABELS) == [], f"axis labels touching on {where} at {width} px"
        assert phone.evaluate(DIM_WORDS) == [], f"dimmed words under 4.5:1 on {where} at {width} px"
        assert phone.evaluate(TALL_LABELS) == [], f"a button's words on three lines on {where} at {width} px"
        assert phone.evaluate("document.documentElement.scrollWidth") <= width, f"{where} is wider than {width} px"
    assert_accessible(phones[-1], f"the phone, {where}")


def test_on_a_phone_every_state_has_targets_of_44_px_and_nothing_for_axe(browser, server):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    typing = [_phone(browser, server.url + "/", width) for width in PHONE_WIDTHS]
    _look_at(typing, "the page to type a code")
    wrong = [_phone(browser, server.url + "/j/WXYZ-KMNP", width) for width in PHONE_WIDTHS]
    _look_at(wrong, "the page for a wrong code")
    phones = [_phone(browser, f"{server.url}/j/{code}", width) for width in PHONE_WIDTHS]
    _look_at(phones, "the agreements")
    for phone in phones:
        phone.click("#join-btn")
        expect(phone.locator("#screen-wait")).to_be_visible()
    _look_at(phones, "waiting for the first question")
    others = [SocketPhone(server.url, code) for _ in range(6)]

    console.push("welcome")
    for phone in phones:
        expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "discussion")
    _look_at(phones, "a discussion item")
    for key in KINDS:
        item_id = console.push(key)
        for phone in phones:
            expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "form")
        _look_at(phones, f"the form of {key!r}")
        if key == "energy":  # 0 to 10 in two rows on a phone: no empty cell that looks like a number missing
            for phone in phones:
                gap = phone.evaluate("""() => { const row = document.querySelector('.seg').getBoundingClientRect();
                    const last = [...document.querySelectorAll('.seg label')].pop().getBoundingClientRect();
                    return Math.round(row.right - last.right); }""")
                assert gap <= 3, f"the scale's last row ends {gap} px short at {phone.viewport_size['width']} px"
        if key == "needs":  # two of two chosen: the other options are dimmed, and must still be read
            for phone in phones:
                phone.click('label.option:has-text("Closeness")')
                phone.click('label.option:has-text("Rest")')
                expect(phone.locator(".option input:disabled")).to_have_count(2)
            _look_at(phones, "the most options chosen")
        if key == "energy":
            for phone in phones:
                phone.click('.seg label[data-value="10"]')
                phone.click("#send-btn")
                expect(phone.locator("#done-title")).to_have_text("Your answer is in.")
            _look_at(phones, "an answer sent")
        for other, value in zip(others, ANSWERS[key]):
            assert other.call(events.ANSWER, {"item_id": item_id, "value": value})["ok"]
        console.do(events.CLOSE_POLL, item_id=item_id)
        for phone in phones:
            expect(phone.locator("#screen-item")).to_have_attribute("data-mode", "closed")
        if key in ("feeling", "sentence"):
            state = console.wait_for(lambda state, item_id=item_id: state["pending"].get(str(item_id)))
            console.do(events.MODERATE_ALL, item_id=item_id, texts=[e["text"] for e in state["pending"][str(item_id)]])
        console.do(events.REVEAL_POLL, item_id=item_id)
        for phone in phones:
            expect(phone.locator("#results .fs-results")).to_be_visible()
        _look_at(phones, f"the result of {key!r}")
    # "Take back my answers" is offered only while the laptop holds something of his it can take back
    # (not an answer the room has seen): a pass on one more question, for the menu's looks below.
    console.do(events.ADD_ITEM, kind="choice", prompt="One more before we close?", options=["Yes", "No"], push=True)
    for phone in phones:
        phone.click("#pass-btn")
        expect(phone.locator("#done-title")).to_have_text("You passed on this one.")
    for phone in phones:
        phone.click("#leave-btn")
        expect(phone.locator("#confirm")).to_be_visible()
    _look_at(phones, "asked whether to leave")
    for phone in phones:
        phone.click("#confirm-no")
        phone.click("#withdraw-btn")
        expect(phone.locator("#confirm-yes")).to_have_text("Take them back")
    _look_at(phones, "asked whether to take his answers back")
    for phone in phones:
        phone.click("#confirm-no")
    console.do(events.END_MEETING)
    for phone in phones:
        expect(phone.locator("#screen-ended")).to_be_visible()
    _look_at(phones, "the end of the meeting")
    assert [phone.errors for phone in typing + wrong + phones] == [[]] * 6
    console.close()


def test_a_discussion_item_has_a_neutral_heading_on_phone_and_projector(browser, server):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    phone = _phone(browser, f"{server.url}/j/{code}", 360)
    phone.click("#join-btn")
    screen = _page(browser, server.url + "/screen", viewport={"width": 1280, "height": 720})
    console.push("welcome")  # the deck's welcome; a break or the agreements are discussion items too
    expect(phone.locator("#prompt")).to_have_text("Take a breath. What brought you here tonight?")
    expect(screen.locator("#item-prompt")).to_have_text("Take a breath. What brought you here tonight?")
    for page, kicker in ((phone, "#kicker"), (screen, "#item-kicker")):
        assert "reflect" not in page.locator(kicker).inner_text().lower()
        assert "reflect" not in page.locator("body").inner_text().lower()
    console.close()


def test_after_a_reload_the_question_has_focus_but_no_visible_ring(browser, server):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    phone = _phone(browser, f"{server.url}/j/{code}", 360)
    phone.click("#join-btn")
    console.push("arrive")
    expect(phone.locator("#prompt")).to_have_text("How are you arriving tonight?")
    phone.reload()  # as an iPhone reloads a tab that was in the background
    expect(phone.locator("#prompt")).to_be_focused()  # where a screen reader starts reading
    assert phone.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "none"
    console.push("energy")  # the next question takes focus the same way
    expect(phone.locator("#prompt")).to_have_text("How much energy do you have?")
    expect(phone.locator("#prompt")).to_be_focused()
    assert phone.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "none"
    phone.keyboard.press("Tab")  # a keyboard still sees where it is
    assert phone.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    console.close()


# What axe finds today that the work on the console and the summaries (issue 16, point 15) fixes in
# its own branch: (page, rule). Once it is merged, axe no longer finds these, and the test below
# says which to delete from here.
def _axe_finds(page, where):
    """No finding of axe-core on the page; the assertion names what it found and where."""
    from conftest import axe_violations, describe_violations

    violations = axe_violations(page)
    assert not violations, f"axe-core finds problems on {where}:\n{describe_violations(violations)}"


def test_the_console_summary_export_and_history_have_nothing_for_axe(browser, server):
    from playwright.sync_api import expect

    desk = _page(browser, server.url + "/facilitator", viewport={"width": 1280, "height": 800})
    expect(desk.locator('label[for="deck-test-evening"]')).to_be_visible()
    _axe_finds(desk, "the console, no meeting")
    desk.click('label[for="deck-test-evening"]')
    desk.click("#start-meeting")
    expect(desk.locator("#join-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    code = desk.locator("#join-code").inner_text()
    phones = [SocketPhone(server.url, code) for _ in range(6)]
    helper = SocketConsole(server.url)
    helper.wait_for(lambda state: state["meeting"] is not None)
    _axe_finds(desk, "the console, a meeting")
    for key in ("compass", "sentence"):
        _answer_and_reveal(helper, phones, key)
        expect(desk.locator("#now-result-wrap .fs-results")).to_be_visible()
        _axe_finds(desk, "the console, a meeting")
    desk.click("#end-meeting")
    desk.click("#confirm-ok")
    expect(desk.locator("#ended-notice")).to_be_visible()
    _axe_finds(desk, "the console, a meeting ended")

    summary = _page(browser, server.url + "/facilitator/summary/latest", viewport={"width": 1280, "height": 800})
    _axe_finds(summary, "the summary")
    exported = desk.request.get(server.url + desk.locator("#download-html").get_attribute("href")).text()
    page = _page(browser, "about:blank", viewport={"width": 1280, "height": 800})
    page.set_content(exported)
    _axe_finds(page, "the exported HTML")
    history = _page(browser, server.url + "/facilitator/history", viewport={"width": 1280, "height": 800})
    _axe_finds(history, "the history")
    assert [p.errors for p in (desk, summary, history)] == [[], [], []]
    helper.close()


def test_a_phone_that_arrives_before_the_start_joins_by_itself_when_it_starts(browser, server):
    from playwright.sync_api import expect

    phone = _phone(browser, server.url + "/", 320)  # the laptop's address, before the facilitator starts
    expect(phone.locator("#early-heading")).to_have_text("The meeting hasn't started yet")
    assert phone.locator("#code-input").count() == 0  # no code to ask for: the screen shows none yet
    _look_at([phone], "waiting for the meeting to start")
    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    phone.wait_for_url(f"**/j/{code}")
    expect(phone.locator("#agreements-heading")).to_be_visible()
    phone.click("#join-btn")
    expect(phone.locator("#screen-wait")).to_be_visible()
    assert phone.errors == []
    console.close()


def test_an_old_qr_code_or_a_phone_that_slept_through_end_is_told_the_meeting_has_ended(browser, server):
    from playwright.sync_api import expect

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    slept = _phone(browser, f"{server.url}/j/{code}", 360)  # read the agreements, then put the phone down
    expect(slept.locator("#agreements-heading")).to_be_visible()
    console.do(events.END_MEETING)
    slept.click("#join-btn")
    expect(slept.locator("#ended-heading")).to_be_visible()
    expect(slept.locator("#screen-refused")).to_be_hidden()
    after = _phone(browser, server.url + "/", 320)  # the laptop's address, opened after the end
    expect(after.locator("#early-heading")).to_have_text("The meeting has ended.")
    expect(after.locator("#ended-help-heading")).to_be_visible()
    _look_at([after], "the laptop's address after the end")

    second = console.start()["meeting"]["code"]  # the next meeting, a fortnight later: the old QR code in his camera's history
    old = _phone(browser, f"{server.url}/j/{code}", 360)
    expect(old.locator("#nocode-heading")).to_have_text("This meeting has ended")
    expect(old.locator("body")).not_to_contain_text("No meeting is running with the code")
    _look_at([old], "an old QR code")
    after.wait_for_url(f"**/j/{second}")  # it waited, and took him in
    assert slept.errors == [] and old.errors == [] and after.errors == []
    console.close()


EIGHT_SENTENCES = [
    "I came tonight because my brother asked me to and I am glad he did.",
    "Work has been heavy and I have not told anyone at home how heavy.",
    "I want to be a better father than mine was, and I do not know how yet.",
    "It helps to hear other men say things I thought only I felt.",
    "I have been angry a lot this month and I am tired of it.",
    "My friend moved away and I did not realise how much I leaned on him.",
    "I am learning to ask for help, slowly.",
    "Sleep has been hard since the divorce and mornings are the worst.",
]


def test_eight_sentences_on_an_old_projector_are_read_from_a_chair_not_shrunk_beside_the_question(browser, server):
    """The men's own words are the picture: on 800x600 they keep most of the question's size and all fit."""
    console = SocketConsole(server.url)
    console.start()
    sentence = console.answered_and_closed("sentence", EIGHT_SENTENCES)
    state = console.wait_for(lambda state: state["pending"].get(str(sentence)))
    console.do(events.MODERATE_ALL, item_id=sentence, texts=[entry["text"] for entry in state["pending"][str(sentence)]])
    console.do(events.REVEAL_POLL, item_id=sentence)
    screen = _page(browser, server.url + "/screen", viewport={"width": 800, "height": 600})
    screen.wait_for_selector("#item-result .fs-text")
    for width, height in PROJECTORS:
        screen.set_viewport_size({"width": width, "height": height})
        _settle(screen)
        assert screen.locator("#item-result .fs-text").count() == len(EIGHT_SENTENCES)
        assert screen.evaluate(OUT_OF_PLACE) == [], f"at {width}x{height}"
        sizes = screen.evaluate("""() => ['#item-result .fs-text', '#item-prompt'].map(
            selector => parseFloat(getComputedStyle(document.querySelector(selector)).fontSize))""")
        text, prompt = sizes
        assert text >= 0.6 * prompt, f"sentences at {text} px beside a {prompt} px question at {width}x{height}"
        assert text >= height / 40, f"sentences at {text} px on a {height} px tall screen"
    assert_accessible(screen, "the projector, eight sentences revealed (1920x1080)")
    assert screen.errors == []


def test_a_code_on_the_wrong_code_page_is_never_split_across_two_lines(browser, server):
    """Read off a phone at any width, "WXYZ-" on one line and "KMNP" on the next looks like two codes."""
    page = _phone(browser, f"{server.url}/j/WXYZ-KMNP", 320)
    split = []
    for width in range(300, 481, 3):  # somewhere in here the line ends inside the code, wherever the words fall
        page.set_viewport_size({"width": width, "height": 640})
        if page.evaluate("document.getElementById('typed-code').getClientRects().length") > 1 or \
                page.evaluate("(e => e.getBoundingClientRect().height > 1.6 * parseFloat(getComputedStyle(e).lineHeight))"
                              "(document.getElementById('typed-code'))"):
            split.append(width)
    assert split == [], f"the code is split across two lines at {split} px"
    long = _phone(browser, f"{server.url}/join?code={'X' * 40}", 320)  # typed nonsense still fits the screen
    assert long.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.errors == [] and long.errors == []
