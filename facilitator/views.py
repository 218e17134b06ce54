"""The facilitator's pages: the console, the projector view and the join QR code."""

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from facilitator import events, i18n, lan
from facilitator.access import facilitator_allowed
from facilitator.broadcast import fireside
from facilitator.room import ROOM_CHOICES_MAX
from prompts import schema

bp = Blueprint("facilitator", __name__, template_folder="templates", static_folder="static",
               static_url_path="/f/static")


def _page_config(view):
    """The JSON config block a facilitator page reads at start."""
    config = {
        "namespace": events.FACILITATOR_NS,
        "events": events.for_pages(),
        "schema": schema.for_pages(fireside().room.language),
        "view": view,
        "key": request.args.get("key") or None,
        "qr_url": "/facilitator/qr.svg",
        "room_choices_max": ROOM_CHOICES_MAX,
        "i18n": i18n.for_page(view, fireside().room.language),
        "languages": i18n.language_names(),
    }
    network = current_app.config.get("WIFI")
    if view == "screen" and network is not None:
        # The projector shows the room's Wi-Fi as its first step, password and all: the room needs it.
        # Only this page carries it (docs/security.md, "The room's Wi-Fi").
        config["wifi"] = {"name": network.name, "password": network.password, "qr_url": "/facilitator/wifi.svg"}
    return config


def _deny():
    """Another device without the key: say plainly how to get in."""
    reason = _("This page belongs to the facilitator. Open it on the laptop that runs Fireside, or ask "
               "the facilitator for a co-facilitator link: \u201cInvite a co-facilitator\u201d on his console.")
    return render_template("facilitator/denied.html", reason=reason), 403


def _allowed():
    """Loopback, or the right key in the address (a page allowed is one phones may be sent to, too)."""
    allowed = facilitator_allowed(request.remote_addr, request.args.get("key"))
    if allowed:
        fireside().saw_console(request.host_url)
    return allowed


@bp.get("/facilitator")
def console():
    """The facilitator's console."""
    if not _allowed():
        return _deny()
    # The section for what is happening shows from the first paint (its heading with it), not only
    # once the first state arrives over the socket.
    return render_template("facilitator/console.html", config=_page_config("console"),
                           running=fireside().room.meeting is not None)


@bp.get("/screen")
def screen():
    """The projector view."""
    if not _allowed():
        return _deny()
    return render_template("facilitator/screen.html", config=_page_config("screen"))


@bp.get("/facilitator/qr.svg")
def join_qr():
    """The running meeting's join address as an SVG QR code."""
    if not _allowed():
        abort(403)
    url = fireside().join_url()
    if not url:
        abort(404)
    response = Response(lan.qr_svg(url), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/facilitator/cofacilitator.svg")
def cofacilitator_qr():
    """The co-facilitator's link as an SVG QR code: for the laptop's own screen only, never for a key."""
    if not facilitator_allowed(request.remote_addr, None):
        abort(403)
    from facilitator.handlers import cofacilitator_url

    response = Response(lan.qr_svg(cofacilitator_url(current_app)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/facilitator/wifi.svg")
def wifi_qr():
    """The room's Wi-Fi (`fireside --wifi`) as the SVG QR code a phone's camera offers to join."""
    from facilitator import wifi

    if not _allowed():
        abort(403)
    network = current_app.config.get("WIFI")
    if network is None:
        abort(404)
    response = Response(lan.qr_svg(wifi.qr_payload(network)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """A cheap answer that the server is up (used by tests and benchmarks)."""
    return {"ok": True, "meeting": bool(fireside().room.meeting)}


# --- summaries and history (facilitator/export.py, facilitator/history.py, docs/export.md) ----------

def _url(name, meeting_id=None):
    """A link on the summary and history pages, carrying the co-facilitator's key when he has one."""
    key = request.args.get("key") or None
    if name == "console":
        return url_for("facilitator.console", key=key)
    if name == "history":
        return url_for("facilitator.history_page", key=key)
    if name == "summary":
        return url_for("facilitator.summary_page", meeting_id=meeting_id, key=key)
    return url_for("facilitator.export_download", meeting_id=meeting_id, fmt=name, key=key)


def _deck_titles():
    """The decks' titles by id, built-in and the facilitator's own, for summaries and the history."""
    from facilitator import export

    return export.deck_titles(current_app.config["USER_DECKS"])


def _export_refused(error, status):
    """A plain sentence, for a summary that cannot be made (yet), in the room's language."""
    from facilitator import export

    message = error.message if isinstance(error, export.ExportError) else error
    return Response(i18n.say(message, fireside().room.language) + "\n", status=status,
                    mimetype="text/plain")


@bp.get("/facilitator/export/<int:meeting_id>.<fmt>")
def export_download(meeting_id, fmt):
    """An ended meeting's summary as a file: the same bytes `fireside export` writes."""
    from facilitator import export

    if not _allowed():
        abort(403)
    if fmt not in export.FORMATS:
        abort(404)
    store = fireside().store
    try:
        summary = export.summary(store, meeting_id, _deck_titles(), fireside().room.help_lines)
    except export.ExportError as error:
        return _export_refused(error, 404 if store.meeting(meeting_id) is None else 409)
    response = Response(export.render(summary, fmt), mimetype=export.MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename(summary, fmt)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/facilitator/summary/<int:meeting_id>")
def summary_page(meeting_id):
    """An ended meeting's printable summary, in the browser (its stylesheet linked, as the CSP wants)."""
    from facilitator import export

    if not _allowed():
        return _deny()
    store = fireside().store
    try:
        summary = export.summary(store, meeting_id, _deck_titles(), fireside().room.help_lines)
    except export.ExportError as error:
        return _export_refused(error, 404 if store.meeting(meeting_id) is None else 409)
    links = {fmt: _url(fmt, meeting_id) for fmt in export.FORMATS}
    links["history"] = _url("history")
    response = Response(export.to_html(summary, standalone=False, links=links), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/facilitator/summary/latest")
def latest_summary():
    """The latest ended meeting's summary page: a link the console can show without knowing its id."""
    from flask import redirect

    from facilitator import export

    if not _allowed():
        return _deny()
    meeting_id = export.latest_ended(fireside().store)
    if meeting_id is None:
        return _export_refused(i18n._l("No meeting has ended yet."), 404)
    return redirect(_url("summary", meeting_id))


@bp.get("/facilitator/history")
def history_page():
    """Every meeting with its downloads, and the items used in more than one, side by side."""
    from facilitator import history

    if not _allowed():
        return _deny()
    from facilitator import export

    shared = export.shared_keys(current_app.config["USER_DECKS"])
    # The room's language now: the page is read tonight; each summary it links to keeps its own meeting's.
    built = history.build_history(fireside().store, _deck_titles(), shared, language=fireside().room.language)
    page = history.to_html(built, _url)
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
