"""The console in headless Chromium against a real server (issue 16): review order, keyboard, co-facilitator."""

import shutil

import pytest
from conftest import SocketConsole, SocketPhone

from facilitator import events

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WORDS = ("tired", "hopeful", "calm", "restless", "heavy", "light")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (Debian's, as CI installs it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


def _console(browser, server, width=1280, height=800):
    """The console page, with every script error it reports."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/facilitator")
    return page, errors


def _words_in_review(server, words=WORDS):
    """A meeting whose words poll was answered, one phone per word, and closed; returns (helper, item id)."""
    helper = SocketConsole(server.url)
    code = helper.start()["meeting"]["code"]
    feeling = helper.push("feeling")
    for word in words:
        phone = SocketPhone(server.url, code)
        assert phone.call(events.ANSWER, {"item_id": feeling, "value": word})["ok"]
        phone.close()
    helper.do(events.CLOSE_POLL, item_id=feeling)
    return helper, feeling


def _listed(page):
    """The review list's words, top to bottom."""
    return page.locator("#moderation .mod-entry .mod-words").all_inner_texts()


def test_the_review_list_stays_put_and_approve_acts_on_the_entry_clicked(browser, server):
    from playwright.sync_api import expect

    helper, _feeling = _words_in_review(server)
    page, errors = _console(browser, server)
    expect(page.locator("#moderation .mod-entry")).to_have_count(len(WORDS))
    before = _listed(page)
    chosen = before[3]
    page.locator(f'#moderation button[data-action="approve"][data-text="{chosen}"]').click()
    expect(page.locator(f'#moderation .mod-entry.is-approved[data-text="{chosen}"]')).to_have_count(1)
    expect(page.locator("#moderation .mod-entry.is-approved")).to_have_count(1)
    assert _listed(page) == before
    page.locator(f'#moderation .mod-entry[data-text="{chosen}"] input[data-action="export"]').check()
    page.fill("#notes", "A quiet start.")
    page.locator("#notes").blur()
    expect(page.locator("#notes-status")).to_have_text("Saved.")
    assert _listed(page) == before
    page.reload()
    expect(page.locator("#moderation .mod-entry")).to_have_count(len(WORDS))
    assert _listed(page) == before
    assert errors == []
    helper.close()


def test_include_in_export_waits_for_approve_and_says_why(browser, server):
    from playwright.sync_api import expect

    helper, _feeling = _words_in_review(server)
    page, errors = _console(browser, server)
    entry = page.locator('#moderation .mod-entry[data-text="calm"]')
    box = entry.locator('input[data-action="export"]')
    expect(box).to_be_disabled()
    why = page.locator("#" + box.get_attribute("aria-describedby"))
    expect(why).to_contain_text("Approve it first")
    entry.locator('button[data-action="approve"]').click()
    expect(box).to_be_enabled()
    box.check()
    expect(box).to_be_checked()
    state = helper.wait_for(lambda p: any(e["text"] == "calm" and e["export"]
                                          for e in (p.get("pending") or {}).get(str(_feeling), [])))
    assert state
    assert errors == []
    helper.close()
