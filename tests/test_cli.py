"""The `fireside` command line, apart from `serve` (tests/test_server.py) and `export` (tests/test_export.py)."""

from conftest import run_fireside

import prompts
from facilitator import cli, events


def test_decks_check_names_file_item_and_field_and_exits_non_zero(tmp_path):
    broken = tmp_path / "evening.toml"
    broken.write_text('title = "Evening"\n[[items]]\nid = "tonight"\nkind = "scale"\nprompt = "How much?"\n'
                      "scale_min = 10\nscale_max = 5\n")
    result = run_fireside("decks", "check", broken)
    assert result.exit_code == 1
    assert "evening.toml, item 'tonight': scale min 10 is not below max 5" in result.stdout
    assert "Traceback" not in result.output


def test_decks_check_with_no_file_checks_every_deck_fireside_knows(tmp_path):
    result = run_fireside("decks", "check", "--data", tmp_path)
    assert result.exit_code == 0
    assert f"{len(prompts.builtin_deck_files())} deck(s) checked" in result.stdout


def test_decks_check_reports_a_syntax_error_without_a_traceback(tmp_path):
    broken = tmp_path / "typo.toml"
    broken.write_text('title = "Typo\n')
    result = run_fireside("decks", "check", broken)
    assert result.exit_code == 1
    assert "typo.toml" in result.stdout and "line 1" in result.stdout and "Traceback" not in result.output


def test_decks_new_writes_a_valid_deck_in_the_data_folder_once(tmp_path):
    assert run_fireside("decks", "new", "Monday night", "--data", tmp_path).exit_code == 0
    written = tmp_path / "decks" / "monday-night.toml"
    assert prompts.load_deck(written).title == "Monday night"
    assert run_fireside("decks", "check", "--data", tmp_path).exit_code == 0
    again = run_fireside("decks", "new", "Monday night", "--data", tmp_path)
    assert again.exit_code == 2
    assert "monday-night.toml" in again.stderr


def test_decks_new_writes_the_starter_in_the_language_asked_for_and_refuses_one_fireside_does_not_speak(tmp_path):
    assert run_fireside("decks", "new", "Noche del lunes", "--language", "es", "--data", tmp_path).exit_code == 0
    deck = prompts.load_deck(tmp_path / "decks" / "noche-del-lunes.toml")
    assert (deck.title, deck.language) == ("Noche del lunes", "es")
    assert deck.summary == "Di en una o dos frases de qué trata esta noche."
    assert deck.items[0]["prompt"] == prompts.load_deck(prompts.starter_file("es")).items[0]["prompt"]
    refused = run_fireside("decks", "new", "Lunes", "--language", "xx", "--data", tmp_path)
    assert refused.exit_code == 2 and "Fireside does not speak 'xx' yet" in refused.stderr
    assert not (tmp_path / "decks" / "lunes.toml").exists()


def test_decks_new_writes_in_the_language_the_next_meeting_starts_in(app, data_dir, evening):
    """Without --language: English on an English laptop with no meeting yet; Spanish once the last meeting was."""
    assert run_fireside("decks", "new", "Monday", "--data", data_dir).exit_code == 0
    assert prompts.load_deck(data_dir / "decks" / "monday.toml").language == "en"
    evening.do(events.SET_LANGUAGE, language="es")
    evening.start()
    evening.do(events.END_MEETING)
    assert run_fireside("decks", "new", "Martes", "--data", data_dir).exit_code == 0
    deck = prompts.load_deck(data_dir / "decks" / "martes.toml")
    assert deck.language == "es" and deck.summary == "Di en una o dos frases de qué trata esta noche."


def test_options_alone_start_serve_and_a_port_that_cannot_exist_is_refused_plainly(tmp_path):
    """`fireside --port …` is `fireside serve --port …`; a port past 65535 gets a sentence, not a traceback."""
    for args in (("--port", "70000", "--no-browser"), ("serve", "--port", "70000")):
        result = run_fireside(*args, "--data", tmp_path)
        assert result.exit_code == 2
        assert "fireside: there is no port 70000. Choose a number from 1024 to 65535" in result.stderr
        assert "Traceback" not in result.output
    assert not (tmp_path / "fireside.db").exists()  # refused before anything was started


def test_without_a_network_serve_says_so_and_explains_the_hotspot(app):
    text = cli.announcement(app, None, "http://127.0.0.1:8765", 8765)
    assert "No network found" in text and "hotspot" in text
    assert "Phones join at" not in text
    assert "Your console:     http://127.0.0.1:8765/facilitator" in text


def test_with_a_network_serve_prints_the_lan_join_address_and_its_qr(app, evening):
    code = evening.start()
    text = cli.announcement(app, "192.168.1.20", "http://192.168.1.20:8765", 8765)
    assert f"Phones join at:   http://192.168.1.20:8765/j/{code}" in text
    assert "\u2580" in text or "\u2584" in text  # the QR code, drawn in half blocks
    assert "127.0.0.1:8765/j/" not in text


def test_listening_on_the_laptop_only_says_phones_cannot_join_instead_of_a_qr_that_cannot_work(app, evening):
    """--host 127.0.0.1 (a tutorial's habit): the room's address would be printed, and no phone could reach it."""
    evening.start()
    text = cli.announcement(app, "192.168.1.20", "http://192.168.1.20:8765", 8765, here_only=True)
    assert "Phones cannot join: with this --host, Fireside listens on this laptop only." in text
    assert "start it again without --host" in text
    assert "Phones join at" not in text and "192.168.1.20" not in text
    assert "\u2580" not in text and "\u2584" not in text  # no QR code
    assert "Your console:     http://127.0.0.1:8765/facilitator" in text


def test_only_a_loopback_host_without_url_counts_as_phones_cannot_join():
    """With --url (a tunnel, a proxy on the laptop) the join address is his to name, and is printed."""
    assert cli.phones_cannot_reach("127.0.0.1", None)
    assert cli.phones_cannot_reach("::1", None)
    assert cli.phones_cannot_reach("localhost", None)
    assert not cli.phones_cannot_reach("127.0.0.1", "http://192.168.1.20:8765")
    assert not cli.phones_cannot_reach("0.0.0.0", None)
    assert not cli.phones_cannot_reach("192.168.1.20", None)


STARTER_ES_WARNING = ("starter-es is written in Español; your meetings are held in English. Change the language on "
                      "the console, or choose another evening.")


def test_decks_check_warns_of_a_deck_in_another_language_than_the_meetings_and_still_passes(tmp_path):
    """No meeting yet and the laptop in English: the Spanish decks are named, one sentence each, exit code 0."""
    result = run_fireside("decks", "check", "--data", tmp_path)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert STARTER_ES_WARNING in lines
    spanish = [path.stem for path in prompts.builtin_deck_files() if prompts.load_deck(path).language == "es"]
    assert sorted(line.split(" ", 1)[0] for line in lines if "is written in" in line) == sorted(spanish)
    assert f"{len(prompts.builtin_deck_files())} deck(s) checked" in result.stdout


def test_decks_check_warns_against_the_language_asked_for(tmp_path):
    """--language es: now the English decks are the ones in another language."""
    spanish_deck = prompts.BUILTIN_DIR / "es" / "starter-es.toml"
    english_deck = prompts.BUILTIN_DIR / "starter.toml"
    result = run_fireside("decks", "check", "--language", "es", spanish_deck, english_deck)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == ("starter is written in English; your meetings are held in Español. "
                                             "Change the language on the console, or choose another evening.")
    assert "starter-es is written" not in result.stdout
    refused = run_fireside("decks", "check", "--language", "xx", spanish_deck)
    assert refused.exit_code == 2 and "Fireside does not speak 'xx' yet" in refused.stderr


def test_decks_check_holds_decks_against_the_last_meetings_language(app, data_dir, evening):
    """Without --language, a deck is held against the language the next meeting starts in: the last meeting's."""
    spanish_deck = prompts.BUILTIN_DIR / "es" / "starter-es.toml"
    assert STARTER_ES_WARNING in run_fireside("decks", "check", "--data", data_dir, spanish_deck).stdout
    evening.do(events.SET_LANGUAGE, language="es")
    evening.start()
    evening.do(events.END_MEETING)
    result = run_fireside("decks", "check", "--data", data_dir, spanish_deck)
    assert result.exit_code == 0 and "is written in" not in result.stdout
    assert "test-evening is written in English; your meetings are held in Español." in run_fireside(
        "decks", "check", "--data", data_dir).stdout


def test_a_warning_never_hides_a_problem_nor_turns_it_into_a_pass(tmp_path):
    """A broken deck beside a deck in another language: both are named, and the check fails."""
    broken = tmp_path / "lunes.toml"
    broken.write_text('title = "Lunes"\nlanguage = "es"\n[[items]]\nid = "a"\nkind = "scale"\nprompt = "¿Cómo?"\n'
                      "scale_min = 5\nscale_max = 1\n", encoding="utf-8")
    result = run_fireside("decks", "check", broken, prompts.BUILTIN_DIR / "es" / "starter-es.toml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["lunes.toml, item 'a': scale min 5 is not below max 1", STARTER_ES_WARNING]
    assert "1 problem(s) found." in result.stderr


def test_fireside_help_lists_the_meeting_rooms_options_too(tmp_path):
    """The README sends him to `fireside --help`: help lines, port, data folder and language are named there."""
    result = run_fireside("--help")
    assert result.exit_code == 0
    commands, room = result.output.split("Options of the meeting room")
    assert "serve" in commands and "export" in commands
    for option in ("--help-line", "--port", "--data", "--language", "--wifi", "--no-browser"):
        assert option in room, option
    assert "Show this message" not in room
