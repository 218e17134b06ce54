"""The evening editor's endpoints and files (facilitator/editor.py, facilitator/evenings.py), and "Let the room choose"."""

import copy
import json
import re
import stat

import pytest

import prompts
from facilitator import evenings, events, export

API = "/facilitator/evenings/api"
HEADERS = {"X-Fireside": "editor"}
LAN = "192.0.2.45"

EVENING = {
    "title": "A quiet Monday",
    "summary": "Closeness and room, side by side.",
    "items": [
        {"id": "arrive", "kind": "discussion", "prompt": "Take a breath.", "minutes": 5},
        {"id": "needs", "kind": "multi", "prompt": "What do you need?", "options": ["Rest", "Company", "Quiet"],
         "max": 2},
    ],
}


def send(client, method, path, body=None, headers=HEADERS):
    """A JSON request from the editor's page."""
    return client.open(API + path, method=method, data=json.dumps(body) if body is not None else None,
                       headers=headers, content_type="application/json")


def lan_client(app, address=LAN, **environ):
    """An HTTP test client that looks like another device on the Wi-Fi (a phone, a laptop), or a page by another name."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.environ_base.update(environ)
    return client


def create(client, deck=EVENING, source=None):
    """Save a new evening; returns the answer."""
    answer = send(client, "POST", "/decks", {"deck": deck, "source": source})
    assert answer.status_code == 200, answer.json
    return answer.json


# --- saving -----------------------------------------------------------------------------------------

def test_a_new_evening_is_written_as_toml_with_mode_0600_and_the_loader_reads_it(client, app, data_dir):
    saved = create(client)
    path = data_dir / "decks" / f"{saved['id']}.toml"
    assert saved["id"] == "a-quiet-monday" and saved["check"]["ok"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    deck = prompts.load_deck(path)
    assert [item["key"] for item in deck.items] == ["arrive", "needs"]
    assert prompts.check_decks([path]) == []
    assert not [p for p in (data_dir / "decks").iterdir() if p.suffix != ".toml"]  # no temporary file left


def test_an_exclusive_option_is_saved_as_a_flag_and_opened_again_as_one(client, data_dir):
    deck = copy.deepcopy(EVENING)
    deck["items"][1]["options"] = ["Rest", "Company", {"text": "None of these", "exclusive": True}]
    saved = create(client, deck)
    path = data_dir / "decks" / f"{saved['id']}.toml"
    assert 'exclusive = true' in path.read_text()
    assert prompts.load_deck(path).items[1]["exclusive"] == [2]
    opened = send(client, "GET", f"/decks/{saved['id']}").json
    assert opened["deck"]["items"][1]["options"][2] == {"text": "None of these", "exclusive": True}


def test_a_save_that_fails_midway_leaves_the_old_file_whole(client, data_dir, monkeypatch):
    saved = create(client)
    path = data_dir / "decks" / f"{saved['id']}.toml"
    before = path.read_bytes()

    def disk_gives_out(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", disk_gives_out)
    changed = dict(EVENING, title="Changed")
    with pytest.raises(OSError):
        evenings.save(data_dir / "decks", saved["id"], changed, saved["version"])
    assert path.read_bytes() == before
    assert sorted(p.name for p in (data_dir / "decks").iterdir()) == sorted(["test-evening.toml", path.name])


def test_a_file_changed_on_disk_since_it_was_opened_is_not_overwritten(client, data_dir):
    saved = create(client)
    path = data_dir / "decks" / f"{saved['id']}.toml"
    opened = send(client, "GET", f"/decks/{saved['id']}").json
    path.write_text(path.read_text().replace("A quiet Monday", "Changed in a text editor"))
    answer = send(client, "PUT", f"/decks/{saved['id']}", {"deck": dict(EVENING, title="Mine"),
                                                          "version": opened["version"]})
    assert answer.status_code == 409
    assert "changed on disk since you opened it" in answer.json["error"] and "Reload" in answer.json["error"]
    assert "Changed in a text editor" in path.read_text()
    reloaded = send(client, "GET", f"/decks/{saved['id']}").json
    again = send(client, "PUT", f"/decks/{saved['id']}", {"deck": dict(EVENING, title="Mine"),
                                                         "version": reloaded["version"]})
    assert again.status_code == 200 and 'title = "Mine"' in path.read_text()


@pytest.mark.parametrize("language, sentence", [
    ("en", "“Options” does not belong on a “Compass” item."),
    ("es", "El campo «Opciones» no corresponde a un elemento de tipo «Brújula»."),
])
def test_a_field_of_another_kind_is_named_with_the_kind_as_the_editor_calls_it(language, sentence):
    """The editor never names a kind by the file's word for it ("compass"), in any language."""
    from facilitator import evenings

    deck = {"title": "Tonight", "items": [{"id": "c", "kind": "compass", "prompt": "Where are you?",
                                           "options": ["Here"]}]}
    assert evenings.check(deck, language)["items"][0]["kind"] == [sentence]


def test_a_draft_with_a_broken_field_is_saved_with_its_message_but_cannot_be_started(client, evening, data_dir):
    broken = json.loads(json.dumps(EVENING))
    broken["items"][1]["max"] = 5
    saved = create(client, broken)
    assert saved["check"]["items"][1] == {"max": ["Each man can pick at most the 3 options there are, not 5."]}
    assert not saved["check"]["ok"]
    assert (data_dir / "decks" / f"{saved['id']}.toml").exists()
    refused = evening.try_(events.START_MEETING, deck=saved["id"])
    assert not refused["ok"] and "max 5 is more than the 3 options" in refused["error"]


def test_the_check_puts_each_of_the_schemas_sentences_next_to_its_field(client):
    deck = {"title": "", "items": [
        {"id": "a", "kind": "scale", "prompt": "How much?", "scale_min": 10, "scale_max": 5},
        {"id": "a", "kind": "choice", "prompt": "", "options": ["Yes", "yes"]},
        {"id": "c", "kind": "nonsense", "prompt": "Hm"},
    ]}
    check = send(client, "POST", "/check", {"deck": deck}).json["check"]
    assert check["deck"] == {"title": ["“Title” is empty."]}
    assert check["items"][0]["scale_min"] == ["The lowest point, 10, must be below the highest, 5."]
    assert check["items"][0]["id"] == ["Item 2 has the same short name; each item needs its own."]
    assert check["items"][1]["prompt"] == ["“What the phones show” is empty."]
    assert check["items"][1]["options"] == ["Option 2 'yes' repeats option 1."]
    assert check["items"][2]["kind"][0].startswith("Kind 'nonsense' is not one of choice")


def test_the_check_names_a_field_by_its_label_in_the_editor_never_by_its_name_in_the_file(client, evening):
    """A facilitator who is not a programmer reads "What the phones show", never "prompt" or "title"."""
    deck = {"title": "", "items": [{"id": "a", "kind": "discussion", "prompt": ""},
                                   {"id": "b", "kind": "scale", "prompt": "How much?", "scale_min": "low"}]}
    evening.do(events.SET_LANGUAGE, language="es")
    check = send(client, "POST", "/check", {"deck": deck}).json["check"]
    assert check["deck"]["title"] == ["El campo «Título» está vacío."]
    assert check["items"][0]["prompt"] == ["El campo «Lo que muestran los teléfonos» está vacío."]
    assert check["items"][1]["scale_min"] == ["El campo «Punto más bajo» debe ser un número entero."]
    named = " ".join(check["all"])
    assert not re.search(r"\b(title|prompt|scale_min)\b", named), named


def test_duplicating_a_built_in_evening_keeps_its_comments_and_ids(client, data_dir):
    original = send(client, "GET", "/decks/starter").json
    assert original["builtin"] and original["check"]["ok"]
    deck = original["deck"]
    deck["title"] = "My trial run"
    deck["items"][0]["prompt"] = "Welcome, all of you."
    saved = create(client, deck, source="starter")
    text = (data_dir / "decks" / f"{saved['id']}.toml").read_text()
    assert "# Each [[items]] line starts one item." in text
    assert "# choice: each phone picks one option" in text
    assert 'prompt = "Welcome, all of you."' in text
    keys = [item["key"] for item in prompts.load_deck(data_dir / "decks" / f"{saved['id']}.toml").items]
    assert keys == [item["key"] for item in prompts.find_deck("starter").items]


def test_a_built_in_evening_cannot_be_changed_or_deleted(client, data_dir):
    opened = send(client, "GET", "/decks/starter").json
    assert send(client, "PUT", "/decks/starter", {"deck": opened["deck"], "version": opened["version"]}).status_code == 403
    assert send(client, "DELETE", "/decks/starter", {"version": opened["version"]}).status_code == 403
    assert prompts.find_deck("starter").builtin


def test_his_own_evening_is_deleted_only_as_he_saw_it(client, data_dir):
    saved = create(client)
    path = data_dir / "decks" / f"{saved['id']}.toml"
    assert send(client, "DELETE", f"/decks/{saved['id']}", {"version": "stale"}).status_code == 409
    assert path.exists()
    assert send(client, "DELETE", f"/decks/{saved['id']}", {"version": saved["version"]}).status_code == 200
    assert not path.exists()


# --- import and export ------------------------------------------------------------------------------

def test_an_imported_file_is_kept_as_written_and_exported_as_it_is(client, data_dir):
    text = "# shared by a friend\n" + (data_dir / "decks" / "test-evening.toml").read_text().replace(
        'title = "Test evening"', 'title = "From a friend"')
    answer = send(client, "POST", "/import", {"name": "friend.toml", "text": text})
    assert answer.status_code == 200, answer.json
    assert (data_dir / "decks" / f"{answer.json['id']}.toml").read_text() == text
    exported = client.get(f"{API}/decks/{answer.json['id']}.toml")
    assert exported.data.decode() == text
    assert exported.headers["Content-Disposition"] == f'attachment; filename="{answer.json["id"]}.toml"'


def test_an_upload_that_is_not_toml_is_refused_naming_the_line(client, data_dir):
    text = 'title = "Broken"\n\n[[items]]\nid = "a"\nkind = "discussion\nprompt = "x"\n'
    answer = send(client, "POST", "/import", {"name": "broken.toml", "text": text})
    assert answer.status_code == 400
    assert answer.json["problems"] == ["broken.toml, line 5: not valid TOML: a quote is not closed on this line"]
    assert sorted(p.name for p in (data_dir / "decks").iterdir()) == ["test-evening.toml"]


def test_an_upload_with_an_unknown_kind_is_refused_naming_the_line_and_the_field(client, data_dir):
    text = 'title = "Odd"\n\n[[items]]\nid = "first"\nkind = "discussion"\nprompt = "Hello"\n\n' \
           '[[items]]\nid = "vote"\nkind = "ranking"\nprompt = "Order these"\n'
    answer = send(client, "POST", "/import", {"name": "odd.toml", "text": text})
    assert answer.status_code == 400
    assert answer.json["problems"] == [
        "odd.toml, line 8, item 'vote': kind 'ranking' is not one of choice, multi, scale, compass, words, text, "
        "discussion"]
    assert sorted(p.name for p in (data_dir / "decks").iterdir()) == ["test-evening.toml"]


def test_a_huge_upload_is_refused_with_a_sentence(client, data_dir):
    text = 'title = "Huge"\n# ' + "x" * (evenings.IMPORT_BYTES_MAX + 10) + "\n"
    answer = send(client, "POST", "/import", {"name": "huge.toml", "text": text})
    assert answer.status_code == 413
    assert "too large to be an evening" in answer.json["error"]
    bigger = send(client, "POST", "/import", {"name": "huge.toml", "text": text * 3})
    assert bigger.status_code == 413 and "too large to be an evening" in bigger.json["error"]
    assert sorted(p.name for p in (data_dir / "decks").iterdir()) == ["test-evening.toml"]


# --- who may reach it -------------------------------------------------------------------------------

EDITOR_REQUESTS = [
    ("GET", "/facilitator/evenings", None), ("GET", "/facilitator/evenings/preview", None),
    ("GET", API + "/decks", None), ("GET", API + "/decks/starter", None), ("GET", API + "/decks/starter.toml", None),
    ("GET", API + "/decks/test-evening", None),
    ("POST", API + "/check", {"deck": EVENING}), ("POST", API + "/decks", {"deck": EVENING}),
    ("PUT", API + "/decks/test-evening", {"deck": EVENING, "version": "x"}),
    ("DELETE", API + "/decks/test-evening", {"version": "x"}),
    ("POST", API + "/import", {"name": "a.toml", "text": 'title = "A"'}),
]


@pytest.mark.parametrize("method,path,body", EDITOR_REQUESTS)
def test_a_phone_or_lan_device_without_the_key_reaches_none_of_the_editor(app, data_dir, method, path, body):
    before = sorted(p.name for p in (data_dir / "decks").iterdir())
    rebinding = {"Host": "evil.example"}  # a site that re-points its own name at 127.0.0.1
    for client, extra in ((lan_client(app), {}), (lan_client(app), {"X-Fireside-Key": "wrong"}),
                          (app.test_client(), rebinding)):
        answer = client.open(path, method=method, data=json.dumps(body) if body else None,
                             headers={**HEADERS, **extra}, content_type="application/json")
        assert answer.status_code == 403, (client.environ_base, answer.data[:200])
        assert b"Quiet Monday" not in answer.data and b"Test evening" not in answer.data
    assert sorted(p.name for p in (data_dir / "decks").iterdir()) == before


def test_a_co_facilitator_with_the_key_may_use_the_editor(app):
    key = app.config["FACILITATOR_KEY"]
    client = lan_client(app)
    assert client.get(f"/facilitator/evenings?key={key}").status_code == 200
    answer = send(client, "POST", "/decks", {"deck": EVENING}, headers={**HEADERS, "X-Fireside-Key": key})
    assert answer.status_code == 200, answer.json


def test_a_change_from_another_site_is_refused_even_on_the_laptop(client, data_dir):
    # A page elsewhere can make the laptop's browser post a form, but not add the editor's header or a JSON body
    # without asking first; and whatever it sends carries its own Origin.
    form = client.post(API + "/decks", data={"deck": "x"})
    assert form.status_code == 403
    foreign = client.post(API + "/decks", data=json.dumps({"deck": EVENING}), content_type="application/json",
                          headers={**HEADERS, "Origin": "http://evil.example"})
    assert foreign.status_code == 403
    cross_site = client.post(API + "/decks", data=json.dumps({"deck": EVENING}), content_type="application/json",
                             headers={**HEADERS, "Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    preflight = client.options(API + "/decks", headers={"Origin": "http://evil.example",
                                                        "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert sorted(p.name for p in (data_dir / "decks").iterdir()) == ["test-evening.toml"]


def test_only_the_preview_may_be_framed_and_only_by_fireside(client):
    assert "frame-ancestors 'self'" in client.get("/facilitator/evenings/preview").headers["Content-Security-Policy"]
    for path in ("/facilitator/evenings", "/facilitator", "/"):
        assert "frame-ancestors 'none'" in client.get(path).headers["Content-Security-Policy"]


# --- let the room choose ----------------------------------------------------------------------------

SENTENCES = ["Fathers and sons", "Being alone at Christmas", "Work that eats the evenings", "Anger at home",
             "Unapproved sentence nobody saw"]


def revealed_sentences(evening, phones):
    """Every phone writes a sentence; the facilitator approves all but the last and reveals."""
    sentence = evening.push("sentence")
    for phone, text in zip(phones, SENTENCES):
        assert phone.answer(sentence, text)["ok"]
    evening.do(events.CLOSE_POLL, item_id=sentence)
    evening.do(events.MODERATE_ALL, item_id=sentence, texts=SENTENCES[:4])
    evening.do(events.REVEAL_POLL, item_id=sentence)
    return sentence


def test_let_the_room_choose_turns_approved_sentences_into_a_new_vote_and_the_export_shows_both(evening, app):
    evening.start()
    phones = [evening.phone() for _ in range(5)]
    sentence = revealed_sentences(evening, phones)
    answer = evening.do(events.ROOM_CHOOSE, item_id=sentence, texts=SENTENCES[:4], max=2)
    vote = evening.room.items[answer["item_id"]]
    assert vote["kind"] == "multi" and vote["max"] == 2 and vote["state"] == "open"
    assert vote["prompt"] == "Which of these shall we talk about tonight? Pick up to 2."
    assert sorted(vote["options"]) == sorted(SENTENCES[:4])
    assert evening.room.current is vote  # pushed at once
    pushed = phones[0].last(events.ITEM)["item"]
    assert pushed["id"] == vote["id"] and "note" not in pushed

    fathers, christmas = vote["options"].index("Fathers and sons"), vote["options"].index("Being alone at Christmas")
    for phone in phones[:2]:
        assert phone.answer(vote["id"], [fathers])["ok"]
    evening.do(events.REVEAL_POLL, item_id=vote["id"])
    assert evening.room.items[vote["id"]]["result"]["shown"] is False  # two votes: under the floor of 3
    evening.do(events.REOPEN_POLL, item_id=vote["id"], confirm=True)
    for phone in phones[2:]:
        assert phone.answer(vote["id"], [fathers, christmas])["ok"]
    evening.do(events.REVEAL_POLL, item_id=vote["id"])
    result = evening.room.items[vote["id"]]["result"]
    assert result["shown"] and result["counts"][fathers] == 5 and result["counts"][christmas] == 3

    meeting_id = evening.room.meeting["id"]
    evening.do(events.END_MEETING)
    assert export.latest_ended(evening.store) == meeting_id
    summary = export.summary(evening.store, export.latest_ended(evening.store))
    text = export.render(summary, "md")
    assert "Something you want the group to know." in text
    assert "Which of these shall we talk about tonight? Pick up to 2." in text
    assert "Fathers and sons" in text and "Unapproved sentence nobody saw" not in text


def test_the_room_chooses_only_from_answers_it_has_seen(evening):
    evening.start()
    phones = [evening.phone() for _ in range(5)]
    sentence = revealed_sentences(evening, phones)
    refused = evening.try_(events.ROOM_CHOOSE, item_id=sentence, texts=[SENTENCES[0], SENTENCES[4]], max=1)
    assert not refused["ok"] and "not among the answers the room saw" in refused["error"]
    too_many = evening.try_(events.ROOM_CHOOSE, item_id=sentence, texts=[f"x{n}" for n in range(9)], max=1)
    assert not too_many["ok"] and "2 to 8" in too_many["error"]
    arrive = evening.item_id("arrive")
    not_words = evening.try_(events.ROOM_CHOOSE, item_id=arrive, texts=SENTENCES[:2], max=1)
    assert not not_words["ok"] and "words or sentences poll" in not_words["error"]
    feeling = evening.push("feeling")
    for phone in phones[:3]:
        assert phone.answer(feeling, "tired")["ok"]
    unrevealed = evening.try_(events.ROOM_CHOOSE, item_id=feeling, texts=["tired", "calm"], max=1)
    assert not unrevealed["ok"] and "Reveal the poll first" in unrevealed["error"]
    assert len(evening.room.items) == 7  # nothing was added


def test_the_new_vote_has_only_new_ballots_and_nothing_links_it_to_the_sentences(evening):
    evening.start()
    phones = [evening.phone() for _ in range(5)]
    sentence = revealed_sentences(evening, phones)
    vote = evening.do(events.ROOM_CHOOSE, item_id=sentence, texts=SENTENCES[:3], max=1)["item_id"]
    db = evening.store.db
    assert db.execute("SELECT count(*) FROM ballots WHERE item_id = ?", [vote]).fetchone()[0] == 0
    for phone in phones[:3]:
        assert phone.answer(vote, [0])["ok"]
    evening.store.flush()
    old = {row[0] for row in db.execute("SELECT ballot FROM ballots WHERE item_id = ?", [sentence])}
    new = {row[0] for row in db.execute("SELECT ballot FROM ballots WHERE item_id = ?", [vote])}
    assert len(new) == 3 and not old & new
    assert db.execute("SELECT count(*) FROM ballots WHERE item_id = ?", [sentence]).fetchone()[0] == 5
    # Every phone sees the same options in the same order, whoever wrote them.
    orders = {json.dumps(phone.last(events.ITEM)["item"]["options"]) for phone in phones}
    assert len(orders) == 1


def test_a_long_sentence_becomes_a_shortened_option(evening):
    evening.start()
    phones = [evening.phone() for _ in range(3)]
    sentence = evening.push("sentence")
    long = "When I was a boy my father never once said he was proud of me and I still wait for it every single day"
    texts = [long, "Short one", "Another short one"]
    for phone, text in zip(phones, texts):
        assert phone.answer(sentence, text)["ok"]
    evening.do(events.CLOSE_POLL, item_id=sentence)
    evening.do(events.MODERATE_ALL, item_id=sentence, texts=texts)
    evening.do(events.REVEAL_POLL, item_id=sentence)
    vote = evening.room.items[evening.do(events.ROOM_CHOOSE, item_id=sentence, texts=texts, max=1)["item_id"]]
    shortened = [o for o in vote["options"] if o.startswith("When I was a boy")][0]
    assert len(shortened) <= 80 and shortened.endswith("…")


def test_saving_an_unchanged_deck_rewrites_nothing_and_a_reorder_moves_each_items_comments_with_it(client, data_dir):
    source = (prompts.BUILTIN_DIR / "starter.toml").read_text()
    opened = send(client, "GET", "/decks/starter").json
    same = create(client, opened["deck"], source="starter")
    assert (data_dir / "decks" / f"{same['id']}.toml").read_text() == source

    deck = opened["deck"]
    deck["items"].insert(0, deck["items"].pop(2))  # the scale first
    moved = create(client, deck, source="starter")
    text = (data_dir / "decks" / f"{moved['id']}.toml").read_text()
    scale_comment = "# scale: one point from scale_min to scale_max"
    discussion_comment = "# discussion: something to think about."
    assert text.index(scale_comment) < text.index('id = "checkin-strength"') < text.index(discussion_comment) \
        < text.index('id = "agreements"') < text.index('id = "checkin-feeling"')
    assert text.index("# Each [[items]] line starts one item.") < text.index(scale_comment)


def test_an_evening_with_half_a_character_is_refused_plainly_and_nothing_is_written(client, data_dir):
    deck = json.loads(json.dumps(EVENING))
    deck["items"][0]["prompt"] = "Half \ud800 a prompt"
    before = sorted(p.name for p in (data_dir / "decks").iterdir())
    answer = send(client, "POST", "/decks", {"deck": deck})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "Part of that text could not be read. Please type it again."
    assert sorted(p.name for p in (data_dir / "decks").iterdir()) == before


def test_the_list_of_evenings_says_each_ones_language(data_dir):
    """The editor's list marks an evening in another language; a file that names none is in English."""
    listed = {deck["id"]: deck["language"] for deck in evenings.listing(data_dir / "decks")}
    assert listed["two-sides-es"] == "es" and listed["two-sides"] == "en"
    assert listed["test-evening"] == "en"
