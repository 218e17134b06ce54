"""The `fireside` command line, apart from `serve` (tests/test_server.py) and `export` (tests/test_export.py)."""

import prompts
from facilitator import cli


def test_decks_check_names_file_item_and_field_and_exits_non_zero(tmp_path, capsys):
    broken = tmp_path / "evening.toml"
    broken.write_text('title = "Evening"\n[[items]]\nid = "tonight"\nkind = "scale"\nprompt = "How much?"\n'
                      "scale_min = 10\nscale_max = 5\n")
    assert cli.main(["decks", "check", str(broken)]) == 1
    out, err = capsys.readouterr()
    assert "evening.toml, item 'tonight': scale min 10 is not below max 5" in out
    assert "Traceback" not in out + err


def test_decks_check_with_no_file_checks_every_deck_fireside_knows(tmp_path, capsys):
    assert cli.main(["decks", "check", "--data", str(tmp_path)]) == 0
    out, _ = capsys.readouterr()
    assert f"{len(prompts.builtin_deck_files())} deck(s) checked" in out


def test_decks_check_reports_a_syntax_error_without_a_traceback(tmp_path, capsys):
    broken = tmp_path / "typo.toml"
    broken.write_text('title = "Typo\n')
    assert cli.main(["decks", "check", str(broken)]) == 1
    out, err = capsys.readouterr()
    assert "typo.toml" in out and "line 1" in out and "Traceback" not in out + err


def test_decks_new_writes_a_valid_deck_in_the_data_folder_once(tmp_path, capsys):
    assert cli.main(["decks", "new", "Monday night", "--data", str(tmp_path)]) == 0
    written = tmp_path / "decks" / "monday-night.toml"
    assert prompts.load_deck(written).title == "Monday night"
    assert cli.main(["decks", "check", "--data", str(tmp_path)]) == 0
    assert cli.main(["decks", "new", "Monday night", "--data", str(tmp_path)]) == 2
    assert "monday-night.toml" in capsys.readouterr().err


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
