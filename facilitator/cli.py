"""The `fireside` command: serve a meeting room, end a meeting left running, check and create decks."""

import argparse
import logging
import os
import socket
import sys
import threading
import webbrowser
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler

DEFAULT_PORT = 8765  # not 5000: macOS keeps that for AirPlay


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, minus the access log: no client address is ever printed."""

    def log_request(self, code="-", size="-"):
        """No per-request lines: who asked for what is nobody's business."""

    def log(self, type, message, *args):
        """Server errors still reach the terminal, without an address (REMOTE_ADDR itself stays intact)."""
        text = message % args
        if "Bad request syntax" in text:  # a closed WebSocket's last frame read as HTTP: noise, not news
            return
        logging.getLogger("werkzeug").log(logging.ERROR if type == "error" else logging.INFO, "%s", text)


def _say(text=""):
    """Print and flush at once: a launcher or CI reads this without a terminal."""
    print(text, flush=True)


def _fail(message):
    """A problem the facilitator can act on, without a traceback."""
    print(f"fireside: {message}", file=sys.stderr, flush=True)
    return 2


def serve(args):
    """Start the server, print where to join, open the console, run until Ctrl-C."""
    from facilitator import serving

    mode = serving.choose_mode()  # gevent when installed, else threads: docs/performance.md
    serving.prepare(mode)  # before the app exists, so its locks and sockets cooperate
    from facilitator import create_app, instance, lan
    from facilitator.instance import DataDirError
    from facilitator.store import StoreError

    os.umask(0o077)  # everything Fireside writes is the facilitator's alone
    address = lan.lan_address()
    public = lan.base_url(address or "127.0.0.1", args.port)
    config = {"PUBLIC_URL": public, "ASYNC_MODE": mode}
    if args.data:
        config["DATA_DIR"] = args.data
    try:
        app = create_app(config)
    except (DataDirError, StoreError) as error:
        return _fail(str(error))
    try:
        # Werkzeug would print its own message and exit on a taken port; check first to say it plainly.
        socket.create_server((args.host, args.port), family=socket.AF_INET6 if ":" in args.host else socket.AF_INET).close()
        held = instance.hold_folder(app.config["DATA_DIR"])  # kept until Fireside exits: `fireside end` waits
        if held is None:
            return _fail(f"Fireside is already running with the data folder {app.config['DATA_DIR']}. Use its "
                         "console, or stop it (Ctrl-C in its window) first, or use --data with another folder.")
        server = serving.make_server(app, args.host, args.port, mode, request_handler=QuietRequestHandler)
    except DataDirError as error:
        return _fail(str(error))
    except OSError as error:
        if error.errno in (48, 98, 10048):  # address in use on macOS, Linux, Windows
            return _fail(f"port {args.port} is already in use; is Fireside already running? "
                         f"Close the other one, or start with --port {args.port + 1}.")
        return _fail(f"cannot listen on {args.host}:{args.port} ({error.strerror or error}).")

    console_url = f"http://127.0.0.1:{args.port}/facilitator"
    fs = app.extensions["fireside"]
    _say(announcement(app, address, public, args.port))
    _deck_problems(fs.room.decks)
    _say("Stop with Ctrl-C. Everything is saved as it happens.")

    if not args.no_browser:
        threading.Timer(0.5, webbrowser.open, (console_url,)).start()

    fs.watch()  # a meeting forgotten while Fireside serves ends itself too
    try:
        serving.serve_forever(server, mode)
    finally:
        fs.stop_watching()
        fs.store.checkpoint()
        meeting = fs.room.meeting
        fs.store.close()
        held.close()
    _say("Fireside stopped. Everything is saved; start it again to carry on.")
    if meeting is not None:
        _say(still_running(meeting, args.data, app.config["IDLE_END_HOURS"]))
    return 0


def still_running(meeting, data, idle_hours):
    """What a clean stop tells the facilitator about a meeting he has not ended: what stays, and how to end it."""
    command = "fireside end" + (f' --data "{data}"' if data else "")
    return (f"The meeting \"{meeting['title']}\" is still running. Until it is ended, this laptop keeps "
            "its meeting key, its join code, every raw answer and every sentence not yet approved. "
            "To end it, start Fireside again and press End meeting on the console, or run: "
            f"{command}\nLeft alone, it ends itself when Fireside next runs after {idle_hours:g} hours "
            "without activity.")


def announcement(app, address, public, port):
    """What `fireside serve` tells the facilitator: where phones join, his console, his data."""
    from facilitator import lan

    lines = ["Fireside is running.", ""]
    meeting = app.extensions["fireside"].room.meeting
    if address:
        join = lan.join_url(public, meeting["join_code"]) if meeting else None
        lines.append(f"Phones join at:   {join or public + '/'}")
        if not join:
            lines.append("                  (start a meeting on the console; the screen shows its code and QR)")
        lines.append(lan.qr_terminal(join or public + "/"))
        cofacilitator = f"{public}/facilitator?key={app.config['FACILITATOR_KEY']}"
        lines.append(f"Co-facilitator:   {cofacilitator}")
        lines.append("                  FOR YOUR CO-FACILITATOR ONLY: whoever opens this can run the meeting.")
        lines.append("                  Scan it with his tablet, then keep this window out of sight.")
        lines.append(lan.qr_terminal(cofacilitator))
    else:
        lines.append(lan.NO_NETWORK_HELP)
    lines.append(f"Your console:     http://127.0.0.1:{port}/facilitator")
    lines.append(f"Projector view:   http://127.0.0.1:{port}/screen")
    lines.append(f"Data folder:      {app.config['DATA_DIR']}")
    return "\n".join(lines)


def _deck_problems(shelf):
    """Say which of the facilitator's decks cannot be used, and how to see why (never a traceback)."""
    try:
        _decks, problems = shelf.summaries()
    except Exception as error:  # a deck folder Fireside cannot read must not stop the evening
        problems = [f"cannot read the decks in {shelf.user_dir} ({error})"]
    if problems:
        _say(f"Some decks have problems and are not offered until fixed (your decks are in {shelf.user_dir}):")
        for problem in problems:
            _say(f"  {problem}")
        _say("  Fix them in a text editor; `fireside decks check` lists the problems again.")


def decks_check(args):
    """Check deck files (or every deck Fireside knows) and print every problem."""
    import prompts
    from facilitator.instance import default_data_dir

    if args.files:
        problems = prompts.check_decks([Path(f) for f in args.files])
        count = len(args.files)
    else:
        user_dir = Path(args.data or default_data_dir()) / "decks"
        decks, problems = prompts.list_decks(user_dir)
        count = len(decks) + len(problems)
    for problem in problems:
        print(problem, flush=True)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    _say(f"All good: {count} deck(s) checked.")
    return 0


def decks_new(args):
    """Write a starter deck the facilitator can edit, in his own decks folder."""
    import prompts
    from facilitator.instance import default_data_dir

    user_dir = Path(args.data or default_data_dir()) / "decks"
    os.umask(0o077)  # the data folder is the facilitator's alone
    try:
        path = prompts.write_starter(args.name, user_dir)
    except (prompts.DeckError, OSError) as error:
        return _fail(str(error))
    _say(f"Wrote {path}. Edit it in any text editor; it appears on the console next time you start a meeting.")
    return 0


def end_meeting(args):
    """End the meeting left running, without serving: reduced to the totals the room saw, as End does."""
    from facilitator import instance
    from facilitator.decks import DeckShelf
    from facilitator.room import Room
    from facilitator.store import LOG_NOT_EMPTIED, Store, StoreError

    folder = Path(args.data or instance.default_data_dir())
    path = folder / "fireside.db"
    if not path.exists():
        return _nothing_to_end(folder)
    os.umask(0o077)  # everything Fireside writes is the facilitator's alone
    try:
        held = instance.hold_folder(folder)
    except instance.DataDirError as error:
        return _fail(str(error))
    if held is None:
        return _fail(f"Fireside is running with the data folder {folder} right now, so it was left alone. "
                     "End the meeting on its console, or stop it (Ctrl-C in its window) and run "
                     "`fireside end` again.")
    try:
        try:
            store = Store(path)
        except StoreError as error:
            return _fail(str(error))
        try:
            room = Room(store, DeckShelf(folder / "decks"))
            meeting = room.meeting
            if meeting is None:
                return _nothing_to_end(folder)
            room.end_meeting()
            clean = store.log_clean
        finally:
            store.close()
    finally:
        held.close()
    _say(f"Ended the meeting \"{meeting['title']}\" (number {meeting['id']}, held on {meeting['held_on']}). "
         "Its raw answers, unapproved sentences, meeting key and join code are deleted; the totals the room "
         f"saw are kept. Write its summary with: fireside export {meeting['id']}")
    if not clean:
        print(f"fireside: {LOG_NOT_EMPTIED}", file=sys.stderr, flush=True)
        return 1
    return 0


def _nothing_to_end(folder):
    """`fireside end` found no running meeting: say so, and exit non-zero."""
    print(f"fireside: no meeting is running in {folder}, so there is nothing to end.", file=sys.stderr, flush=True)
    return 1


def _open_store(data):
    """The data folder's database for reading, or None when no meeting was ever held there."""
    from facilitator.instance import default_data_dir
    from facilitator.store import Store

    path = Path(data or default_data_dir()) / "fireside.db"
    return Store(path) if path.exists() else None


def meetings_list(args):
    """List every meeting: id, day, title, deck, phones, status."""
    from facilitator.store import StoreError

    try:
        store = _open_store(args.data)
    except StoreError as error:
        return _fail(str(error))
    if store is None:
        _say("No meetings yet.")
        return 0
    try:
        rows = store.meetings()
    finally:
        store.close()
    if not rows:
        _say("No meetings yet.")
        return 0
    table = [("ID", "DAY", "STATUS", "PHONES", "DECK", "TITLE")]
    table += [(str(m["id"]), m["held_on"], m["status"], str(m["phones_joined"]), m["deck"] or "-", m["title"])
              for m in rows]
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                 row[3].rjust(widths[3]), row[4].ljust(widths[4]), row[5]]
        _say("  ".join(cells))
    return 0


def export_meeting(args):
    """Write one ended meeting's summary (default: the latest) to a file or standard output."""
    from facilitator import export
    from facilitator.store import StoreError

    try:
        store = _open_store(args.data)
    except StoreError as error:
        return _fail(str(error))
    if store is None:
        return _fail("there are no meetings to export yet.")
    try:
        meeting_id = args.meeting if args.meeting is not None else export.latest_ended(store)
        if meeting_id is None:
            return _fail("no meeting has ended yet; end one on the console, then export it.")
        text = export.render(export.summary(store, meeting_id), args.format)
    except export.ExportError as error:
        return _fail(str(error))
    finally:
        store.close()
    data = text.encode("utf-8")
    if args.output and args.output != "-":
        try:
            Path(args.output).write_bytes(data)
        except OSError as error:
            return _fail(f"cannot write {args.output} ({error.strerror or error}).")
        print(f"Wrote {args.output}.", file=sys.stderr, flush=True)
        return 0
    sys.stdout.flush()
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:
        sys.stdout.write(text)
    else:
        stream.write(data)  # bytes, so Windows neither re-encodes nor doubles the CSV's line ends
    sys.stdout.flush()
    return 0


def build_parser():
    """The command line, with `serve` as the default command."""
    parser = argparse.ArgumentParser(prog="fireside", description="Anonymous live polls for an in-person group.")
    commands = parser.add_subparsers(dest="command")

    serve_parser = commands.add_parser("serve", help="run the meeting room (the default)")
    _serve_options(serve_parser)

    decks = commands.add_parser("decks", help="check or create decks of prompts").add_subparsers(dest="decks_command")
    check = decks.add_parser("check", help="check deck files; no file: every deck Fireside knows")
    check.add_argument("files", nargs="*")
    check.add_argument("--data", help="data folder whose decks/ to check too")
    check.set_defaults(func=decks_check)
    new = decks.add_parser("new", help="write a starter deck to edit")
    new.add_argument("name")
    new.add_argument("--data", help="data folder (default: the per-user one)")
    new.set_defaults(func=decks_new)

    ender = commands.add_parser("end", help="end the meeting left running, without serving (as End does)")
    ender.add_argument("--data", help="data folder (default: the per-user one)")
    ender.set_defaults(func=end_meeting)

    listing = commands.add_parser("meetings", help="list meetings: id, day, status, phones, deck, title")
    listing.add_argument("--data", help="data folder (default: the per-user one)")
    listing.set_defaults(func=meetings_list)
    exporter = commands.add_parser("export", help="write a meeting's anonymized summary (see docs/export.md)")
    exporter.add_argument("meeting", nargs="?", type=int, help="meeting id from `fireside meetings` "
                          "(default: the latest that has ended)")
    exporter.add_argument("--format", "-f", choices=("md", "csv", "json", "html"), default="md",
                          help="Markdown, CSV, JSON or a printable HTML page (default md)")
    exporter.add_argument("-o", "--output", help="file to write (default: standard output)")
    exporter.add_argument("--data", help="data folder (default: the per-user one)")
    exporter.set_defaults(func=export_meeting)
    return parser


def _serve_options(parser):
    """Options of `fireside serve`."""
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every interface)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--data", help="folder for the database and keys (default: a per-user folder)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the console in a browser")
    parser.set_defaults(func=serve)


def main(argv=None):
    """Entry point of the `fireside` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["serve", *argv]
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
