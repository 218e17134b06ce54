"""The evening editor: its page, its phone preview and its JSON endpoints (docs/protocol.md, "The evening editor").

Everything here is the facilitator's, guarded exactly like the console (access.py: the laptop by
its own name, or the facilitator key). The key comes in the page's address and, for the
endpoints, in the X-Fireside-Key header. A request that changes anything must also carry
``X-Fireside: editor`` and a JSON body, and come from this very origin: a page elsewhere cannot
send either without the browser asking first (a CORS preflight Fireside never grants).
"""

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from facilitator import evenings, events, i18n, rules
from facilitator.access import facilitator_allowed
from facilitator.broadcast import fireside
from facilitator.i18n import _l
from prompts import schema

bp = Blueprint("editor", __name__)  # its template and scripts are the facilitator blueprint's

API = "/facilitator/evenings/api"
EVENING_MINUTES = 120  # 6:30 to 8:30 PM: what the running total is measured against


def _key():
    """The facilitator key as this request carries it (header for the endpoints, address for the pages)."""
    return request.headers.get("X-Fireside-Key") or request.args.get("key")


def _allowed():
    """The console's own rule: loopback by the laptop's own name, or the key."""
    return facilitator_allowed(request.remote_addr, _key())


def _same_origin():
    """A change must come from a page of this very server: its Origin (when sent) and the custom header."""
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.host_url.rstrip("/"):
        return False
    if request.headers.get("Sec-Fetch-Site") not in (None, "same-origin"):
        return False
    return request.headers.get("X-Fireside") == "editor" and request.is_json


def _language():
    """The language the editor speaks: the meeting's (or the next meeting's)."""
    return fireside().room.language


def _refuse(message, status):
    """A refusal as the editor reads it, in the meeting's language: {"ok": false, "error", "problems"}."""
    messages = [message] if isinstance(message, (str, i18n.Sentence)) else list(message)
    problems = [i18n.say(problem, _language()) for problem in messages]
    response = jsonify({"ok": False, "error": " ".join(problems), "problems": problems})
    response.status_code = status
    return response


@bp.before_request
def guard():
    """Nobody but the facilitator reaches any of it; a change must also come from this origin."""
    if not _allowed():
        if request.path.startswith(API):
            return _refuse(_l("The evening editor belongs to the facilitator's laptop."), 403)
        reason = i18n.tr(_language(), "This page belongs to the facilitator. Open it on the laptop that runs Fireside, "
                         "or use the co-facilitator link (with its key) that Fireside printed when it started.")
        return render_template("facilitator/denied.html", reason=reason), 403
    if request.method not in ("GET", "HEAD") and not _same_origin():
        return _refuse(_l("That request did not come from the evening editor, so nothing was changed."), 403)
    return None


@bp.after_request
def no_store(response):
    """Nothing of the editor is kept in the browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(evenings.EveningError)
def evening_error(error):
    """A problem with an evening, as plain sentences."""
    return _refuse(error.problems, error.status)


@bp.errorhandler(413)
def too_large(_error):
    """A body over the app's limit (an imported file, most likely)."""
    return _refuse(_l("That is too large to be an evening (the most is %(most)s KB).",
                      most=evenings.IMPORT_BYTES_MAX // 1024), 413)


def _user_dir():
    """The data folder's decks directory, where his evenings live."""
    return current_app.config["USER_DECKS"]


def _body():
    """The JSON body as a dict, or a refusal."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise evenings.EveningError(_l("The editor's message could not be read. Reload the page and try again."))
    if rules.broken_text(body):
        raise evenings.EveningError(rules.BROKEN_TEXT)
    return body


# --- pages ----------------------------------------------------------------------------------------

@bp.get("/facilitator/evenings")
def page():
    """The evening editor."""
    config = {
        "namespace": events.FACILITATOR_NS,
        "events": events.for_pages(),
        "schema": schema.for_pages(fireside().room.language),
        "fields": schema.describe_fields(fireside().room.language),
        "labels": evenings.field_labels(fireside().room.language),
        "api": API,
        "key": request.args.get("key") or None,
        "evening_minutes": EVENING_MINUTES,
        "import_max": evenings.IMPORT_BYTES_MAX,
        "i18n": i18n.for_page("evenings", fireside().room.language),
        "languages": i18n.language_names(),
    }
    return render_template("facilitator/evenings.html", config=config)


@bp.get("/facilitator/evenings/preview")
def preview():
    """The real phone page in preview mode: it draws what the editor posts to it and connects to nothing."""
    language = fireside().room.language
    config = {"namespace": events.PARTICIPANT_NS, "events": events.for_pages(), "schema": schema.for_pages(language),
              "code": "PREVIEW", "title": i18n.tr(language, "Preview"), "floor": schema.DEFAULT_FLOOR, "preview": True,
              "i18n": i18n.for_page("phone", language)}
    response = Response(render_template("participant/phone.html", config=config, error=None))
    response.framed_by_self = True  # the editor shows it in a frame; create_app's CSP allows only that
    return response


# --- endpoints ------------------------------------------------------------------------------------

@bp.get(f"{API}/decks")
def list_decks():
    """Every deck: built-in ones (read-only) and his own, with each one's problems."""
    return jsonify({"ok": True, "decks": evenings.listing(_user_dir(), _language()),
                    "meeting": bool(fireside().room.meeting)})


@bp.get(f"{API}/decks/<deck_id>")
def read_deck(deck_id):
    """One deck in deck form, its version, and the schema's verdict."""
    return jsonify({"ok": True, **evenings.read(_user_dir(), deck_id, _language())})


@bp.post(f"{API}/check")
def check_deck():
    """The schema's verdict on the evening as it is in the editor, each sentence under its field."""
    return jsonify({"ok": True, "check": evenings.check(evenings.clean(_body().get("deck")), _language())})


@bp.post(f"{API}/decks")
def create_deck():
    """Save a new evening (a draft may be invalid); "source" names the deck it was duplicated from."""
    body = _body()
    source = body.get("source")
    saved = evenings.save(_user_dir(), None, body.get("deck"), None,
                          source_id=source if isinstance(source, str) else None, language=_language())
    return jsonify({"ok": True, **saved})


@bp.put(f"{API}/decks/<deck_id>")
def save_deck(deck_id):
    """Save one of his evenings over the version the editor opened; a file changed on disk is a conflict."""
    body = _body()
    version = body.get("version")
    if not isinstance(version, str):
        raise evenings.EveningError(_l("The editor did not say which version it opened. Reload the page."))
    return jsonify({"ok": True, **evenings.save(_user_dir(), deck_id, body.get("deck"), version,
                                                language=_language())})


@bp.delete(f"{API}/decks/<deck_id>")
def delete_deck(deck_id):
    """Delete one of his evenings (never a built-in one), if it is the version the editor showed."""
    evenings.delete(_user_dir(), deck_id, _body().get("version"))
    return jsonify({"ok": True})


@bp.post(f"{API}/import")
def import_deck():
    """A .toml file shared by another facilitator: checked, size-limited, kept as written."""
    if (request.content_length or 0) > evenings.IMPORT_BYTES_MAX * 2 + 1024:
        return too_large(None)
    body = _body()
    return jsonify({"ok": True, **evenings.import_file(_user_dir(), body.get("name"), body.get("text"))})


@bp.get(f"{API}/decks/<deck_id>.toml")
def export_deck(deck_id):
    """A deck's file, his or built-in, to share."""
    name, data = evenings.export_file(_user_dir(), deck_id)
    response = Response(data, mimetype="application/toml")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
