"""The facilitator's pages: the console, the projector view and the join QR code."""

from flask import Blueprint, Response, abort, current_app, render_template, request

from facilitator import events, lan
from facilitator.live import facilitator_allowed, fireside

bp = Blueprint("facilitator", __name__, template_folder="templates", static_folder="static",
               static_url_path="/f/static")


def _page_config(view):
    """The JSON config block a facilitator page reads at start."""
    return {
        "namespace": events.FACILITATOR_NS,
        "events": events.for_pages(),
        "view": view,
        "key": request.args.get("key") or None,
        "qr_url": "/facilitator/qr.svg",
    }


def _deny():
    """Another device without the key: say plainly how to get in."""
    reason = ("This page belongs to the facilitator. Open it on the laptop that runs Fireside, "
              "or use the co-facilitator link (with its key) that Fireside printed when it started.")
    return render_template("facilitator/denied.html", reason=reason), 403


def _allowed():
    """Loopback, or the right key in the address."""
    return facilitator_allowed(request.remote_addr, request.args.get("key"))


@bp.get("/facilitator")
def console():
    """The facilitator's console."""
    if not _allowed():
        return _deny()
    return render_template("facilitator/console.html", config=_page_config("console"))


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


@bp.get("/healthz")
def healthz():
    """A cheap answer that the server is up (used by tests and benchmarks)."""
    return {"ok": True, "meeting": bool(fireside().room.meeting)}
