"""The phone: the pages a man opens from the QR code, and the participant namespace."""

import html

from flask import Blueprint, redirect, render_template, request, url_for

from facilitator import events, helplines, i18n
from facilitator.access import unlimited
from facilitator.broadcast import fireside
from facilitator.kinds import DEFAULT_FLOOR
from facilitator.rules import Refused, normalise_code
from prompts import schema

bp = Blueprint("participant", __name__, template_folder="templates", static_folder="static",
               static_url_path="/p/static")

from participant import handlers  # noqa: E402,F401  (registers the namespace's handlers)


def _config(code, meeting=None, waiting=None):
    """The JSON config block the phone page reads at start (waiting: the ticket of a phone early for the meeting)."""
    return {
        "waiting": waiting,
        "namespace": events.PARTICIPANT_NS,
        "events": events.for_pages(),
        "schema": schema.for_pages(fireside().room.language),
        "code": code,
        "title": meeting["title"] if meeting else None,
        "floor": meeting["privacy_floor"] if meeting else DEFAULT_FLOOR,
        # In the page itself, so that opening Help sends nothing and nobody learns who looked.
        "help": helplines.for_pages(fireside().room.help_lines),
        "no_help": i18n.say(helplines.NO_LINES, fireside().room.language),
        "i18n": i18n.for_page("phone", fireside().room.language),  # the meeting's language, not the phone's
    }


@bp.get("/")
def start():
    """Where a man can type the code he sees on the screen; before the meeting starts, where he waits for it.

    Once a meeting has ended (and until the next starts), the same page says so first, with the help
    lines, as the projector does: a man who opens the laptop's address then is not told to wait.
    """
    room = fireside().room
    return render_template("participant/phone.html", config=_config(None, waiting=room.waiting_ticket()),
                           error=None, ended=room.ended_lately())


@bp.get("/waiting/<ticket>")
def waiting(ticket):
    """A phone that came before the meeting asks whether it has started: the code once it has."""
    try:
        code = fireside().room.waiting(ticket[:64])
    except Refused as refusal:
        return {"ok": False, "error": handlers.said(refusal)}, 410
    return {"ok": True, "code": code}


@bp.get("/join")
def join_form():
    """The code form's target: tidy what was typed and go to the meeting's page."""
    typed = request.args.get("code", "")[:40]
    code = normalise_code(typed)
    if code is None:
        return render_template("participant/nocode.html", code=typed, config=_config(None)), 404
    return redirect(url_for("participant.join", code=code))


@bp.get("/j/<code>")
def join(code):
    """The QR code's address: the agreements, then the meeting."""
    room = fireside().room
    if room.code_ended(code):  # an old QR code: not a wrong guess, and not a typo either
        return render_template("participant/nocode.html", code=code[:40], ended=True, config=_config(None)), 410
    if not room.code_matches(code):
        return render_template("participant/nocode.html", code=code[:40], config=_config(None)), 404
    return render_template("participant/phone.html", config=_config(room.meeting["join_code"], room.meeting),
                           error=None)


# --- code guesses through the join page count like socket joins (docs/security.md) -----------------

@bp.before_request
def limit_code_guesses():
    """Too many wrong codes from one address: the join page is refused like a socket join."""
    if request.endpoint == "participant.join":
        address = request.remote_addr
        refusal = fireside().limits.join_refusal(address, exempt=unlimited(address))
        if refusal:
            return too_many_page(handlers.said(refusal)), 429
    return None


@bp.after_request
def count_code_guesses(response):
    """A join page that found no meeting for its code is one wrong guess from that address."""
    if request.endpoint == "participant.join" and response.status_code == 404:
        address = request.remote_addr
        fireside().limits.wrong_code(address, exempt=unlimited(address))
    return response


def too_many_page(message):
    """A bare page for a join refused by the flood limits (no template: nothing else to show)."""
    return (f'<!doctype html><html lang="{html.escape(fireside().room.language)}"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Fireside</title>'
            f"<p>{html.escape(message)}</p></html>")
