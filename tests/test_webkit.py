"""The phone page in WebKit, the engine of every iPhone's browser: Debian's WebKitGTK, driven by Selenium.

WebKitGTK has no headless mode: it runs on a virtual X display (Xvfb). Its WebDriver needs
`--automation` whenever any browser argument is passed, its window will not go narrower than about
447 px, and a screenshot needs a repaint first. `.ci/run` installs webkit2gtk-driver and xvfb.
"""

import os
import shutil
import subprocess
import warnings

import pytest
from conftest import SocketConsole, SocketPhone

pytestmark = pytest.mark.browser

WEBKIT_DRIVER = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"  # Debian's, with webkit2gtk-driver
WAIT = 15


@pytest.fixture(scope="module")
def webkit():
    """One WebKitGTK browser for the module, on its own virtual display."""
    from selenium import webdriver

    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        display = xvfb.stdout.readline().decode().strip()  # Xvfb picks a free display and says which
        assert display, "Xvfb did not start"
        options = webdriver.WebKitGTKOptions()
        if os.path.exists(MINIBROWSER):
            options.binary_location = MINIBROWSER
        options.add_argument("--automation")  # without it, any browser argument leaves WebDriver out
        service = webdriver.WebKitGTKService(executable_path=WEBKIT_DRIVER,
                                             env={**os.environ, "DISPLAY": f":{display}"})
        with warnings.catch_warnings():  # Selenium's WebKitGTK driver still uses an argument it deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            driver = webdriver.WebKitGTK(options=options, service=service)
        driver.set_page_load_timeout(WAIT)
        try:
            yield driver
        finally:
            driver.quit()
    finally:
        xvfb.terminate()
        xvfb.wait(10)
        xvfb.stdout.close()


def _until(driver, check, what):
    """Wait until check(driver) is true (a page's own pace), failing with what was awaited."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(lambda d: check(d), message=f"waited for {what}")


def _js(driver, expression):
    """The value of a JavaScript expression in the page."""
    return driver.execute_script(f"return ({expression});")


def _repainted(driver):
    """Wait for two animation frames, so a screenshot shows what the page shows."""
    driver.execute_async_script(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));")


def test_the_phone_page_answers_every_kind_and_shows_every_result_in_webkit(webkit, server, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    console = SocketConsole(server.url)
    code = console.start()["meeting"]["code"]
    others = [SocketPhone(server.url, code) for _ in range(3)]
    driver = webkit
    driver.set_window_size(447, 900)  # as narrow as WebKitGTK's window goes
    driver.get(f"{server.url}/j/{code}")
    driver.execute_script("window.fsErrors = []; window.addEventListener('error', e => fsErrors.push(e.message));")
    _until(driver, lambda d: _js(d, "!!document.getElementById('join-btn')"), "the agreements")
    driver.find_element(By.ID, "join-btn").click()
    _until(driver, lambda d: _js(d, "!document.getElementById('screen-wait').hidden"), "the waiting screen")

    def click(selector):
        driver.find_element(By.CSS_SELECTOR, selector).click()

    answers = {
        "arrive": lambda: click('label.option[data-index="1"]'),
        "needs": lambda: (click('label.option[data-index="0"]'), click('label.option[data-index="2"]')),
        "energy": lambda: click('.seg label[data-value="7"]'),
        "compass": lambda: ActionChains(driver).move_to_element_with_offset(
            driver.find_element(By.ID, "compass-field"), 40, -40).click().perform(),
        "feeling": lambda: driver.find_element(By.ID, "words-input").send_keys("hopeful"),
        "sentence": lambda: driver.find_element(By.ID, "text-input").send_keys("Glad to be here."),
    }
    others_say = {"arrive": [0, 2, 1], "needs": [[1], [2, 3], [0]], "energy": [3, 5, 9],
                  "compass": [{"x": 10, "y": 90}, {"x": 80, "y": 20}, {"x": 50, "y": 50}],
                  "feeling": ["tired", "calm", "tired"], "sentence": ["Thank you.", "Good to see you all.", "Tired."]}
    for key, answer in answers.items():
        item_id = console.push(key)
        _until(driver, lambda d: _js(d, "document.getElementById('screen-item').dataset.mode") == "form",
               f"the form of {key!r}")
        if key == "arrive":  # passing first, then answering after all
            click("#pass-btn")
            _until(driver, lambda d: "passed" in d.find_element(By.ID, "done-title").text, "the pass")
            click("#change-btn")
        answer()
        click("#send-btn")
        _until(driver, lambda d: d.find_element(By.ID, "done-title").text == "Your answer is in.", f"{key!r} sent")
        console.answered_and_revealed(item_id, others, others_say[key])
        _until(driver, lambda d: _js(d, "!!document.querySelector('#results .fs-results')"), f"the result of {key!r}")
        if key == "compass":
            _repainted(driver)
            driver.save_screenshot(str(tmp_path / "webkit-compass.png"))
            # The legend's dot is a shape: as big as the engine's type says, whatever its fonts.
            size = _js(driver, "(r => [r.width, r.height])(document.querySelector('.fs-mark-dot').getBoundingClientRect())")
            assert size[0] > 5 and abs(size[0] - size[1]) < 0.5, size

    server.stop()  # what the phone sent is in the database: one ballot per poll
    import sqlite3

    db = sqlite3.connect(server.data_dir / "fireside.db")
    assert db.execute("SELECT COUNT(*) FROM ballots").fetchone()[0] == 4 * len(answers)
    db.close()
    assert _js(driver, "window.fsErrors") == []
