"""The facilitator's local help lines: set by flag, file or console; shown on phones, the ended screen and the summary."""

import json
import os
import re
import stat

import pytest
from conftest import RunningServer, run_fireside

from facilitator import create_app, events, export, helplines

CRISIS = {"label": "Crisis line", "contact": "988"}
TEXT = {"label": "Text a counsellor", "contact": "text HOME to 741741"}


def _phone_config(client, path):
    """The JSON config block of a phone page."""
    html = client.get(path).get_data(as_text=True)
    return json.loads(re.search(r'id="fireside-config">(.*?)</script>', html, re.S).group(1)), html


def test_help_lines_in_help_toml_are_read_and_shown_on_every_phone_page(data_dir, tmp_path):
    helplines.save(data_dir, [CRISIS, TEXT])
    assert stat.S_IMODE(os.stat(data_dir / "help.toml").st_mode) == 0o600
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "COUNT_INTERVAL": 0})
    try:
        client = app.test_client()
        config, html = _phone_config(client, "/")
        assert config["help"] == [{"label": "Crisis line", "contact": "988", "dial": "tel:988"},
                                  {"label": "Text a counsellor", "contact": "text HOME to 741741", "dial": None}]
        assert '<a class="help-contact" href="tel:988">988</a>' in html
        assert "Text a counsellor" in html and 'class="help-none"' not in html
    finally:
        app.extensions["fireside"].store.close()


def test_without_help_lines_a_phone_says_to_ask_the_facilitator_and_names_no_number(client):
    config, html = _phone_config(client, "/")
    assert config["help"] == []
    assert "Ask the facilitator" in config["no_help"] and "crisis line" in config["no_help"]
    assert "emergency number" in config["no_help"]
    assert not re.search(r"\d", config["no_help"])  # no number Fireside could get wrong for this country
    assert f'<p class="help-none">{config["no_help"]}</p>' in html  # behind Help, in the page itself
    assert 'id="help-link">Help</summary>' in html
    wrong = client.get("/j/WXYZ-KMNP").get_data(as_text=True)  # a mistyped code: Help is there too
    assert 'id="help-link">Help</summary>' in wrong and config["no_help"] in wrong


def test_the_console_sets_help_lines_kept_in_the_data_folder_and_phones_hear_them(evening, data_dir):
    code = evening.start()
    phone = evening.phone()
    assert phone.welcome["help"] == []
    answer = evening.do(events.SET_HELP_LINES, lines=[CRISIS, {"label": " Samaritans ", "contact": "116  123"}])
    assert answer["lines"][1] == {"label": "Samaritans", "contact": "116 123"}
    assert phone.last(events.HELP)["help"][1] == {"label": "Samaritans", "contact": "116 123", "dial": "tel:116123"}
    assert phone.emit(events.SYNC)["help"][0]["label"] == "Crisis line"
    assert evening.console_state()["help_lines"] == [CRISIS, {"label": "Samaritans", "contact": "116 123"}]
    assert helplines.load(data_dir) == [CRISIS, {"label": "Samaritans", "contact": "116 123"}]
    config, _ = _phone_config(evening.app.test_client(), f"/j/{code}")
    assert [line["label"] for line in config["help"]] == ["Crisis line", "Samaritans"]


@pytest.mark.parametrize("lines, error", [
    ([{"label": "", "contact": "988"}], "Help line 1 has no label."),
    ([{"label": "Crisis", "contact": "9" * 121}], "at most 120"),
    ([{"label": "Crisis", "contact": "988\u0007"}], "cannot be shown"),
    ([CRISIS] * 9, "at most 8 fit on a phone"),
    ([{"label": "Crisis", "number": "988"}], "needs a label and a number or address"),
    ("Crisis: 988", "must be a list"),
])
def test_bad_help_lines_are_refused_with_a_sentence_and_nothing_changes(evening, data_dir, lines, error):
    evening.do(events.SET_HELP_LINES, lines=[CRISIS])
    answer = evening.try_(events.SET_HELP_LINES, lines=lines)
    assert answer["ok"] is False and error in answer["error"], answer
    assert helplines.load(data_dir) == [CRISIS]


def test_the_summary_and_every_export_carry_the_help_lines(evening, client):
    evening.do(events.SET_HELP_LINES, lines=[CRISIS, TEXT])
    evening.start()
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    page = client.get(f"/facilitator/summary/{meeting_id}").get_data(as_text=True)
    assert "Where to get help" in page and "Crisis line" in page and "text HOME to 741741" in page
    for fmt in export.FORMATS:
        body = client.get(f"/facilitator/export/{meeting_id}.{fmt}").get_data(as_text=True)
        assert "Crisis line" in body and "988" in body, fmt


def test_the_ended_screen_carries_the_help_lines(evening, client):
    evening.do(events.SET_HELP_LINES, lines=[CRISIS])
    code = evening.start()
    _, html = _phone_config(client, f"/j/{code}")
    ended = html[html.index('id="screen-ended"'):html.index('id="screen-refused"')]
    assert "Crisis line" in ended and 'href="tel:988"' in ended


def test_the_projector_lists_the_help_lines_once_the_meeting_has_ended_and_not_before(evening):
    evening.do(events.SET_HELP_LINES, lines=[CRISIS])
    evening.start()
    room = evening.room
    assert room.screen_payload("http://fireside.test", 0)["help"] == []  # a meeting runs: its own pictures
    evening.do(events.END_MEETING)
    ended = room.screen_payload("http://fireside.test", 0)
    assert ended["ended"] and ended["help"] == [{"label": "Crisis line", "contact": "988", "dial": "tel:988"}]


def test_fireside_help_line_flag_sets_the_help_lines_and_keeps_them(data_dir, tmp_path):
    server = RunningServer(data_dir, tmp_path / "server.log")
    _start_with(server, ["--help-line", "Crisis line: 988", "--help-line", "Men's line: https://example.org/men"])
    try:
        import urllib.request

        with urllib.request.urlopen(server.url + "/", timeout=5) as response:
            html = response.read().decode()
        assert 'href="tel:988"' in html and "https://example.org/men" in html
        assert "Help lines:       Crisis line: 988; Men's line: https://example.org/men" in server.output()
    finally:
        server.stop()
    assert helplines.load(data_dir) == [{"label": "Crisis line", "contact": "988"},
                                        {"label": "Men's line", "contact": "https://example.org/men"}]
    assert stat.S_IMODE(os.stat(data_dir / "help.toml").st_mode) == 0o600


def _start_with(server, extra, timeout=15):
    """Start a RunningServer with extra arguments to `fireside serve`."""
    import subprocess
    import sys
    import time
    import urllib.request

    log = open(server.log_path, "ab")
    server.process = subprocess.Popen(
        [sys.executable, "-m", "facilitator.cli", "serve", "--no-browser", "--host", "127.0.0.1",
         "--port", str(server.port), "--data", str(server.data_dir), *extra],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.output()
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"fireside did not answer:\n{server.output()}")


def test_a_help_line_flag_without_a_number_is_refused_before_anything_starts(data_dir):
    result = run_fireside("serve", "--no-browser", "--data", data_dir, "--help-line", "Crisis line")
    assert result.exit_code == 2
    assert 'is not a help line. Write it as "Label: number or address"' in result.output
    assert not (data_dir / "help.toml").exists()


def test_a_mistyped_help_toml_does_not_stop_the_evening_and_the_console_says_why(data_dir):
    (data_dir / "help.toml").write_text("[[lines]]\nlabel = 'Crisis'\n")
    app = create_app({"DATA_DIR": str(data_dir), "TESTING": True, "COUNT_INTERVAL": 0})
    try:
        notices = app.extensions["fireside"].console_payload()["notices"]
        assert any("help.toml" in notice and "Help line 1 needs a label and a number" in notice for notice in notices)
        assert app.extensions["fireside"].room.help_lines == []
    finally:
        app.extensions["fireside"].store.close()


def test_fireside_export_carries_the_help_lines_of_its_data_folder(evening, data_dir):
    evening.do(events.SET_HELP_LINES, lines=[CRISIS])
    evening.start()
    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    result = run_fireside("export", meeting_id, "--data", data_dir)
    assert result.exit_code == 0 and "## Where to get help" in result.output and "- Crisis line: 988" in result.output
