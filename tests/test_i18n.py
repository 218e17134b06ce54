"""A meeting in another language: chosen on the console, kept in the database, heard by every page."""

import pytest

from facilitator import create_app, events, i18n


def test_a_meeting_starts_in_the_language_the_console_chose(evening):
    """No meeting runs: the choice is the next meeting's, and it is kept with that meeting."""
    answer = evening.do(events.SET_LANGUAGE, language="es")
    assert answer["language"] == "es" and answer["meeting"] is False
    evening.start()
    assert evening.store.running_meeting()["language"] == "es"
    assert evening.console_state()["language"] == "es"


def test_changing_the_running_meetings_language_tells_every_page(evening):
    """Phones, projector and console all hear it, so they reload in one language together."""
    evening.start()
    phone = evening.phone()
    phone.received()
    evening.console.get_received(events.FACILITATOR_NS)
    assert evening.do(events.SET_LANGUAGE, language="es-MX")["meeting"] is True
    assert evening.store.running_meeting()["language"] == "es"
    assert phone.last(events.LANGUAGE) == {"language": "es"}
    heard = [m["args"][0] for m in evening.console.get_received(events.FACILITATOR_NS) if m["name"] == events.LANGUAGE]
    assert heard == [{"language": "es"}]


def test_an_unknown_language_is_refused_and_changes_nothing(evening):
    """A language Fireside has no catalogue for gets a sentence naming the ones it speaks."""
    evening.start()
    answer = evening.try_(events.SET_LANGUAGE, language="xx")
    assert not answer["ok"] and "English" in answer["error"] and "Español" in answer["error"]
    assert evening.try_(events.SET_LANGUAGE, language=["es"])["ok"] is False
    assert evening.store.running_meeting()["language"] == "en"


def test_a_refusal_is_said_in_the_meetings_language(evening):
    """An error sent over Socket.IO is translated when it is sent, in the meeting's language."""
    evening.start()
    evening.do(events.SET_LANGUAGE, language="es")
    answer = evening.try_(events.SET_LANGUAGE, language="xx")
    assert answer["error"].startswith("Elige uno de estos idiomas")
    phone = evening.phone()
    assert phone.client.emit(events.ANSWER, {}, {}, namespace=events.PARTICIPANT_NS,
                             callback=True)["error"] == "Envía un mensaje cada vez."


def test_a_restart_keeps_the_running_meetings_language(app, data_dir, evening):
    """The language is in the database, not only in memory."""
    evening.start()
    evening.do(events.SET_LANGUAGE, language="es")
    app.extensions["fireside"].store.close()
    again = create_app({"DATA_DIR": str(data_dir), "TESTING": True})
    try:
        assert again.extensions["fireside"].room.language == "es"
    finally:
        again.extensions["fireside"].store.close()


def test_the_next_meeting_starts_in_the_last_ones_language_unless_asked(app, data_dir, evening):
    """The facilitator chooses once; --language (LANGUAGE) still wins."""
    evening.do(events.SET_LANGUAGE, language="es")
    evening.start()
    evening.do(events.END_MEETING)
    app.extensions["fireside"].store.close()
    for config, expected in (({}, "es"), ({"LANGUAGE": "en"}, "en")):
        again = create_app({"DATA_DIR": str(data_dir), "TESTING": True, **config})
        try:
            assert again.extensions["fireside"].room.next_language == expected
        finally:
            again.extensions["fireside"].store.close()


def test_a_language_fireside_does_not_speak_stops_the_start_with_a_sentence(data_dir):
    """`fireside --language xx` must not start a meeting in a language nobody translated."""
    with pytest.raises(ValueError, match="does not speak 'xx'"):
        create_app({"DATA_DIR": str(data_dir), "TESTING": True, "LANGUAGE": "xx"})


@pytest.mark.parametrize(("settings", "expected"), [
    ({"LANG": "es_ES.UTF-8"}, "es"),
    ({"LANGUAGE": "es:en", "LANG": "en_GB.UTF-8"}, "es"),
    ({"LC_ALL": "C", "LANG": "es_MX.UTF-8"}, "es"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({}, "en"),
])
def test_the_laptops_language_comes_from_its_locale_settings(monkeypatch, settings, expected):
    """The first meeting's language, before the facilitator has chosen one."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    assert i18n.laptop_language() == expected


def test_pages_are_served_in_the_meetings_language(client, evening):
    """The page's own lang attribute, and its config block's catalogue, follow the meeting."""
    evening.start()
    english = client.get(f"/j/{evening.room.meeting['join_code']}").get_data(as_text=True)
    assert '<html lang="en">' in english
    evening.do(events.SET_LANGUAGE, language="es")
    spanish = client.get(f"/j/{evening.room.meeting['join_code']}").get_data(as_text=True)
    assert '<html lang="es">' in spanish
    assert '"language": "es"' in spanish or '"language":"es"' in spanish


def test_a_page_carries_only_its_own_sentences(monkeypatch, tmp_path):
    """for_page sends the translations of the sentences its scripts say, and nothing else."""
    script = tmp_path / "page.js"
    script.write_text("F.t('Send one message at a time.'); F.nt('%(num)s man', '%(num)s men', n);")
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    monkeypatch.setitem(i18n.PAGE_SCRIPTS, "test-page", ("page.js",))
    i18n.for_page.cache_clear()
    try:
        said = i18n.for_page("test-page", "es")
    finally:
        i18n.for_page.cache_clear()
    assert said["messages"] == {"Send one message at a time.": "Envía un mensaje cada vez."}
    assert said["language"] == "es"


def test_the_plural_categories_map_to_the_catalogues_forms():
    """Intl.PluralRules names a category; the page must find the gettext form for it."""
    assert i18n._plural_indexes("en") == {"one": 0, "other": 1}
    spanish = i18n._plural_indexes("es")
    assert spanish["one"] == 0 and spanish["other"] == 2 and spanish["many"] == 1


def test_a_sentence_made_now_is_said_later_in_each_language():
    """A Refused's message is English to logs and tests, and the listener's language to him."""
    sentence = i18n._l("Choose one of these languages: %(names)s.", names="x")
    assert str(sentence) == "Choose one of these languages: x."
    assert sentence.say("es") == "Elige uno de estos idiomas: x."


def test_a_deck_that_is_not_there_is_named_in_the_meetings_language(evening):
    """The loader's problems reach the console translated, like every refusal."""
    evening.do(events.SET_LANGUAGE, language="es")
    refused = evening.try_(events.START_MEETING, deck="no-such-evening")
    assert refused == {"ok": False, "error": "no hay ningún guion llamado «no-such-evening»"}
