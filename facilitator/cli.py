"""The `fireside` command: serve a meeting room, end a meeting left running, list and export meetings, and
check and create decks."""

import logging
import os
import socket
import sys
import threading
import webbrowser
from pathlib import Path

import click
from werkzeug.serving import WSGIRequestHandler

DEFAULT_PORT = 8765  # not 5000: macOS keeps that for AirPlay


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, minus the access log: no client address is ever printed."""

    def log_request(self, code="-", size="-"):
        """No per-request lines: who asked for what is nobody's business."""

    def log(self, type, message, *args):
        """Server errors still reach the terminal, without an address (REMOTE_ADDR itself stays intact)."""
        text = message % args
        if text.startswith("code 400"):  # input that is not HTTP (a closed WebSocket's last frames): its
            return  # bytes may be a phone's words, and werkzeug would repeat them here
        logging.getLogger("werkzeug").log(logging.ERROR if type == "error" else logging.INFO, "%s", text)


def _say(text=""):
    """Print and flush at once: a launcher or CI reads this without a terminal."""
    click.echo(text)


def _fail(message):
    """A problem the facilitator can act on, without a traceback: exit code 2."""
    click.echo(f"fireside: {message}", err=True)
    return 2


class _ServeByDefault(click.Group):
    """A command group that runs `serve` when no command is named, so plain `fireside` opens the room."""

    def parse_args(self, ctx, args):
        """Put `serve` first when no command is named (nothing, or options only), except for --help."""
        if not args or (args[0].startswith("-") and args[0] not in ctx.help_option_names):
            args = ["serve", *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx, formatter):
        """The commands, then the meeting room's own options: `fireside --help` is where he looks for them."""
        super().format_help(ctx, formatter)
        serve = self.get_command(ctx, "serve")
        room = click.Context(serve, info_name="serve", parent=ctx)
        rows = [param.get_help_record(room) for param in serve.get_params(room) if param.name != "help"]
        rows = [row for row in rows if row]
        with formatter.section("Options of the meeting room (`fireside` on its own, or `fireside serve`)"):
            formatter.write_dl(rows)


@click.group(cls=_ServeByDefault, context_settings={"help_option_names": ["-h", "--help"]})
def fireside():
    """Anonymous live polls for an in-person group: `fireside` on its own opens the meeting room
    (as `fireside serve`)."""


@fireside.result_callback()
def _exit_with(code):
    """Every command returns its exit code: 0 done, 1 problems found or nothing to do, 2 something to fix first."""
    click.get_current_context().exit(code or 0)


DATA_HELP = "The folder where Fireside keeps meetings, keys and your decks (default: your own per-user folder)."
data_option = click.option("--data", metavar="FOLDER", help=DATA_HELP)


@fireside.command(short_help="Run the meeting room (the default).")
@click.option("--host", default="0.0.0.0", metavar="ADDRESS",
              help="Address to listen on (default: every network this laptop is on). One address of the room's "
                   "network is also the address phones are sent to.")
@click.option("--port", type=int, default=DEFAULT_PORT, metavar="NUMBER",
              help=f"Port phones connect to (default {DEFAULT_PORT}).")
@click.option("--url", metavar="ADDRESS",
              help="The address phones are sent to, when Fireside's own guess is wrong (e.g. http://10.42.0.1:8765).")
@click.option("--wifi", metavar="NAME",
              help="The Wi-Fi phones join first (say, this laptop's hotspot): the projector shows a QR code for it. "
                   "Its password is asked here, or read from wifi.toml in the data folder; never give it on the "
                   "command line.")
@data_option
@click.option("--no-browser", is_flag=True, help="Do not open your console in the browser.")
@click.option("--help-line", "help_line", multiple=True, metavar='"LABEL: NUMBER"',
              help='A local help line phones show behind "Help", e.g. "Crisis line: 988". Repeat it for '
                   "several; they replace the ones kept in the data folder (help.toml), and stay set.")
@click.option("--co-facilitator", "cofacilitator", is_flag=True,
              help="Also print the co-facilitator's link and QR code, which give full control of the meeting "
                   "(keep it off a mirrored screen). The console's \"Invite a co-facilitator\" shows it too.")
@click.option("--language", metavar="CODE",
              help="The language meetings start in, e.g. es for Spanish (default: the last meeting's, else the "
                   "laptop's). The console can change it for each meeting.")
def serve(host, port, url, wifi, data, no_browser, cofacilitator, help_line, language):
    """Run the meeting room (the default): print where phones join, open your console, run until Ctrl-C."""
    if not 0 <= port <= 65535:  # checked first: a socket would raise OverflowError, not OSError
        return _fail(f"there is no port {port}. Choose a number from 1024 to 65535, or leave --port out "
                     f"to use {DEFAULT_PORT}.")
    from facilitator import helplines
    from facilitator import instance as _instance
    from facilitator import wifi as room_wifi

    try:
        public_url = _checked_url(url) if url else None
        network = _room_network(wifi, _folder(data)) if wifi is not None else None
        lines = helplines.validate([helplines.parse_flag(text) for text in help_line]) if help_line else None
        _checked_language(language)
    except (room_wifi.WifiError, _instance.DataDirError, click.BadParameter, helplines.HelpLinesError) as error:
        return _fail(str(error))
    from facilitator import serving

    mode = serving.choose_mode()  # gevent when installed, else threads: docs/performance.md
    serving.prepare(mode)  # before the app exists, so its locks and sockets cooperate
    serving.keep_memory_off_disk()  # no crash report keeps the ballots End deletes
    from facilitator import create_app, instance, lan
    from facilitator.instance import DataDirError
    from facilitator.store import StoreError

    os.umask(0o077)  # everything Fireside writes is the facilitator's alone
    address, where = join_address(host, public_url, network is not None, lan.interfaces())
    public = public_url or lan.base_url(address or "127.0.0.1", port)
    config = {"PUBLIC_URL": public, "ASYNC_MODE": mode, "WIFI": network, "LANGUAGE": language,
              "FOLLOW_NETWORK": follow_network(host, public_url, network is not None, address, port)}
    if data:
        config["DATA_DIR"] = data
    try:
        app = create_app(config)
    except (DataDirError, StoreError) as error:
        return _fail(str(error))
    try:
        # Werkzeug would print its own message and exit on a taken port; check first to say it plainly.
        socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET).close()
        held = instance.hold_folder(app.config["DATA_DIR"])  # kept until Fireside exits: `fireside end` waits
        if held is None:
            return _fail(f"Fireside is already running with the data folder {app.config['DATA_DIR']}. Use its "
                         "console, or stop it (Ctrl-C in its window) first, or use --data with another folder.")
        server = serving.make_server(app, host, port, mode, request_handler=QuietRequestHandler)
    except DataDirError as error:
        return _fail(str(error))
    except OSError as error:
        if error.errno in (48, 98, 10048):  # address in use on macOS, Linux, Windows
            return _fail(f"port {port} is already in use; is Fireside already running? "
                         f"Close the other one, or start with --port {port + 1}.")
        return _fail(f"cannot listen on {host}:{port} ({error.strerror or error}).")

    console_url = f"http://127.0.0.1:{port}/facilitator"
    fs = app.extensions["fireside"]
    if lines is not None:
        try:
            fs.set_help_lines(lines)
        except helplines.HelpLinesError as error:
            held.close()
            return _fail(str(error))
    _say(announcement(app, address, public, port, cofacilitator, phones_cannot_reach(host, url)))
    if network is not None and address:
        _say(_hotspot_note(network, address, where))
    _deck_problems(fs.room.decks)
    _say("Stop with Ctrl-C. Everything is saved as it happens.")

    if not no_browser:
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
        _say(still_running(meeting, data, app.config["IDLE_END_HOURS"]))
    return 0


def still_running(meeting, data, idle_hours):
    """What a clean stop tells the facilitator about a meeting he has not ended: what stays, and how to end it."""
    command = "fireside end" + (f' --data "{data}"' if data else "")
    return (f"The meeting \"{meeting['title']}\" is still running. Until it is ended, this laptop keeps "
            "its meeting key, its join code, every raw answer and every sentence not yet approved. "
            "To end it, start Fireside again and press End meeting on the console, or run: "
            f"{command}\nLeft alone, it ends itself when Fireside next runs after {idle_hours:g} hours "
            "without activity.")


def announcement(app, address, public, port, cofacilitator=False, here_only=False):
    """What `fireside serve` tells the facilitator: where phones join, his console, his data.

    The co-facilitator's link gives full control of the meeting, so it is printed only when asked
    for (--co-facilitator): a laptop that mirrors its screen to the projector at start-up would
    otherwise show it to the room. here_only: Fireside listens on the laptop itself only (--host
    127.0.0.1 without --url), so no phone can join whatever address the room's network has: it says
    so instead of printing a QR code that cannot work.
    """
    from facilitator import lan, wifi

    lines = ["Fireside is running.", ""]
    meeting = app.extensions["fireside"].room.meeting
    network = app.config.get("WIFI")
    if here_only:
        lines.append("Phones cannot join: with this --host, Fireside listens on this laptop only.")
        lines.append("                  To let the room's phones in, stop it (Ctrl-C) and start it again "
                     "without --host.")
        if not address:
            lines.append(lan.NO_NETWORK_HELP)
            lines.append("  Then restart fireside (Ctrl-C, then run it again).")
    elif address:
        join = lan.join_url(public, meeting["join_code"]) if meeting else None
        if network is not None:
            # The two steps the projector shows: the Wi-Fi first, then Fireside on it.
            how = "an open network" if network.is_open else "the password is in the code and on the projector"
            lines.append(f'Step 1: phones join the Wi-Fi "{network.name}" ({how}) by scanning:')
            lines.append(lan.qr_terminal(wifi.qr_payload(network)))
            lines.append("Step 2: then they join Fireside.")
        lines.append(f"Phones join at:   {join or public + '/'}")
        if not join:
            lines.append("                  (start a meeting on the console; the screen shows its code and QR)")
        lines.append(lan.qr_terminal(join or public + "/"))
        if cofacilitator:
            link = f"{public}/facilitator?key={app.config['FACILITATOR_KEY']}"
            lines.append(f"Co-facilitator:   {link}")
            lines.append("                  FOR YOUR CO-FACILITATOR ONLY: whoever opens this can run the meeting.")
            lines.append("                  Scan it with his tablet, then keep this window out of sight.")
            lines.append("                  Revoke it any time on your console (Invite a co-facilitator).")
            lines.append(lan.qr_terminal(link))
        else:
            lines.append("Co-facilitator:   press \"Invite a co-facilitator\" on your console, or start with "
                         "--co-facilitator.")
    else:
        if network is not None:
            lines.append(f'The Wi-Fi "{network.name}" was not found on this laptop: turn its hotspot on '
                         "(docs/rooms.md says how).")
        lines.append(lan.NO_NETWORK_HELP)
        lines.append("  No need to restart: Fireside looks again every few seconds, and says here where phones\n"
                     "  join once they can reach this laptop. The projector shows it too.")
    lines.append(f"Your console:     http://127.0.0.1:{port}/facilitator")
    lines.append(f"Projector view:   http://127.0.0.1:{port}/screen")
    help_lines = app.extensions["fireside"].room.help_lines
    if help_lines:
        lines.append("Help lines:       " + "; ".join(f"{h['label']}: {h['contact']}" for h in help_lines))
    else:
        lines.append("Help lines:       none set. Phones tell men to ask you; set your local ones on the console,")
        lines.append('                  or start with --help-line "Crisis line: number".')
    lines.append(f"Data folder:      {app.config['DATA_DIR']}")
    return "\n".join(lines)


def phones_cannot_reach(host, url):
    """True when Fireside listens on the laptop itself only (--host 127.0.0.1, ::1, localhost) and no
    --url names where phones reach it anyway (a tunnel, a proxy on the laptop)."""
    from facilitator import access

    return (host == "localhost" or access.is_loopback(host)) and not url


def follow_network(host, url, hotspot, address, port):
    """The config that lets the join address follow the laptop to another network, or None.

    Only when Fireside chose the address itself: an address given with --url, or a --host that is
    one of the laptop's addresses (or the laptop alone), is where phones go however the networks change.
    """
    from facilitator import lan

    if url or lan.usable(host) or phones_cannot_reach(host, url):
        return None
    return {"hotspot": hotspot, "port": port, "address": address}


def join_address(host, url, hotspot, found):
    """The address phones are sent to, and the interface it is on: --url, else --host, else the room's network.

    hotspot: phones join the laptop's own hotspot first (--wifi), so its address comes first.
    found: the laptop's interfaces (lan.interfaces()). Returns (address or None, lan.Interface or None).
    """
    from urllib.parse import urlsplit

    from facilitator import lan

    if url:
        return urlsplit(url).hostname, None
    if lan.usable(host):  # --host with one address of the room's network: phones reach it there
        return host, None
    chosen = lan.choose(found, hotspot)
    return (chosen.address, chosen) if chosen else (None, None)


def _checked_language(code):
    """A --language Fireside speaks, or a sentence saying which it does."""
    from facilitator import i18n

    if code is not None and i18n.supported(code) is None:
        names = ", ".join(f"{c} ({name})" for c, name in i18n.language_names().items())
        raise click.BadParameter(f"Fireside does not speak {code!r} yet. It speaks {names}.")


def _checked_url(url):
    """--url as http(s)://host[:port], or a sentence saying how to write it."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    try:
        parts.port  # noqa: B018  (reading it checks it)
    except ValueError:
        parts = None
    if not parts or parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise click.BadParameter(f"--url {url} is not an address phones can open. Write it as "
                                 "http://ADDRESS:PORT, e.g. http://10.42.0.1:8765.")
    return f"{parts.scheme}://{parts.netloc}"


def _room_network(name, folder):
    """The Wi-Fi of --wifi NAME with its password: saved in the data folder, else asked (and kept if he wants)."""
    from facilitator import instance, wifi

    wifi.check_name(name)
    saved = wifi.load(folder)
    if name in saved:
        _say(f'The Wi-Fi "{name}": its password is the one kept in {wifi.config_path(folder)} (if it is wrong, '
             "edit that file, or delete it to be asked again).")
        return saved[name]
    network = wifi.Wifi(name, _ask_password(name))
    path = wifi.config_path(folder)
    try:
        keep = click.confirm(f"Keep it in {path}, so Fireside does not ask again? Only your user can read that file.",
                             default=True)
    except click.Abort:
        keep = False
    if keep:
        instance.prepare(folder)
        wifi.save(folder, network)
        _say(f"Kept. To change it, edit {path} in a text editor, or delete it to be asked again.")
    return network


def _ask_password(name):
    """Ask for the Wi-Fi's password, hidden, twice to be sure; at most three tries."""
    from facilitator import wifi

    for _ in range(3):
        try:
            password = click.prompt(f'Password of the Wi-Fi "{name}" (it does not show as you type; press Enter '
                                    "alone if it has none)", hide_input=True, default="", show_default=False,
                                    confirmation_prompt="Type it again, to be sure")
        except click.Abort:
            raise wifi.WifiError(
                f'no password is saved for the Wi-Fi "{name}", and none could be asked for here. Run '
                f'fireside --wifi "{name}" once in a terminal: it asks for the password and offers to keep it '
                "(only you can read it).") from None
        try:
            return wifi.check_password(password)
        except wifi.WifiError as error:
            click.echo(f"fireside: {error}", err=True)
    raise wifi.WifiError(f'no usable password for the Wi-Fi "{name}" after three tries. Look at the hotspot\'s '
                         "settings for it, then start again.")


def _hotspot_note(network, address, where):
    """One line saying which of the laptop's networks phones on the room's Wi-Fi are sent to, and what if wrong."""
    from facilitator import lan

    if where is None:  # --url or --host said where
        return f'Phones on the Wi-Fi "{network.name}" are sent to {address}, as you asked.'
    if lan.looks_like_hotspot(where):
        return (f'Phones on the Wi-Fi "{network.name}" reach this laptop at {address} (its hotspot, on '
                f'{where.name or "its network"}).')
    return (f"This laptop does not seem to run a hotspot, so phones are sent to {address}, its address on "
            f'{where.name or "its network"}. That works if "{network.name}" is the network this laptop is on; if '
            "not, turn the hotspot on (docs/rooms.md says how) and restart, or give the address with --url.")


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


@fireside.group(short_help="Check or create decks of prompts and polls.")
def decks():
    """Check your decks of prompts and polls, or start a new one."""


@decks.command("check", short_help="Check decks and list every problem.")
@click.argument("files", nargs=-1, metavar="[FILES]...")
@click.option("--language", metavar="CODE",
              help="The language your meetings are held in, e.g. es for Spanish: a deck written in another is "
                   "named (default: the language the next meeting starts in).")
@data_option
def decks_check(files, language, data):
    """Check deck files, or with no file every deck Fireside knows, and print every problem found.

    A deck written in another language than the meetings' is named too, as a warning: it is no problem.
    """
    import prompts

    _checked_language(language)
    if files:
        decks, problems = [], []
        for path in files:
            try:
                decks.append(prompts.load_deck(Path(path)))
            except prompts.DeckError as error:
                problems.extend(error.problems)
        count = len(files)
    else:
        user_dir = _folder(data) / "decks"
        decks, problems = prompts.list_decks(user_dir)
        count = len(decks) + len(problems)
    for problem in problems:
        _say(problem)
    warnings = _language_warnings(decks, _meetings_language(language, _folder(data)))
    for warning in warnings:
        _say(warning)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        return 1
    if warnings:
        _say(f"No problems: {count} deck(s) checked, {len(warnings)} written in another language than your meetings.")
    else:
        _say(f"All good: {count} deck(s) checked.")
    return 0


def _meetings_language(asked, folder):
    """The language meetings are held in: --language, else the one the next meeting starts in (as `fireside` decides)."""
    from facilitator import _first_language
    from facilitator.store import StoreError

    try:
        store = _open_store(folder)
    except StoreError:  # a database it cannot read: the laptop's language is the best guess, and no reason to stop
        store = None
    try:
        return _first_language(asked, store)
    finally:
        if store is not None:
            store.close()


def _language_warnings(decks, language):
    """One sentence for each deck written in another language than the meetings'."""
    from facilitator import i18n

    names = i18n.language_names()
    return [f"{deck.id} is written in {names.get(deck.language, deck.language)}; your meetings are held in "
            f"{names.get(language, language)}. Change the language on the console, or choose another evening."
            for deck in decks if deck.language != language]


@decks.command("new", short_help="Write a starter deck to edit.")
@click.argument("name")
@click.option("--language", metavar="CODE",
              help="The language to write it in, e.g. es for Spanish (default: the language the next meeting "
                   "starts in).")
@data_option
def decks_new(name, language, data):
    """Write a starter deck called NAME in your decks folder, to edit in any text editor.

    It is written in the language your meetings are held in: its items, notes and comments.
    """
    import prompts

    _checked_language(language)
    folder = _folder(data)
    language = _meetings_language(language, folder)
    user_dir = folder / "decks"
    os.umask(0o077)  # the data folder is the facilitator's alone
    try:
        path = prompts.write_starter(name, user_dir, language)
    except (prompts.DeckError, OSError) as error:
        return _fail(str(error))
    _say(f"Wrote {path}. Edit it in any text editor; it appears on the console next time you start a meeting.")
    return 0


@fireside.command("end", short_help="End a meeting left running, without serving.")
@data_option
def end_meeting(data):
    """End a meeting left running, without serving: as End on the console, only the totals the room saw are kept."""
    from facilitator import instance
    from facilitator.decks import DeckShelf
    from facilitator.room import Room
    from facilitator.store import LOG_NOT_EMPTIED, Store, StoreError

    folder = _folder(data)
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
        click.echo(f"fireside: {LOG_NOT_EMPTIED}", err=True)
        return 1
    return 0


def _nothing_to_end(folder):
    """`fireside end` found no running meeting: say so, and exit non-zero."""
    click.echo(f"fireside: no meeting is running in {folder}, so there is nothing to end.", err=True)
    return 1


def _help_lines(folder):
    """The help lines set in a data folder, for a summary ([] when none, or when help.toml needs fixing)."""
    from facilitator import helplines

    try:
        return helplines.load(folder)
    except helplines.HelpLinesError as error:
        click.echo(f"fireside: {error}", err=True)
        return []


def _folder(data):
    """The data folder: the one given with --data, else the per-user one."""
    from facilitator.instance import default_data_dir

    return Path(data or default_data_dir())


def _open_store(folder):
    """The data folder's database for reading, or None when no meeting was ever held there."""
    from facilitator.store import Store

    path = folder / "fireside.db"
    return Store(path) if path.exists() else None


@fireside.command("meetings", short_help="List your meetings.")
@data_option
def meetings_list(data):
    """List your meetings (number, day, status, phones, deck, title) and the data folder they are kept in."""
    from facilitator.store import StoreError

    folder = _folder(data)
    try:
        store = _open_store(folder)
    except StoreError as error:
        return _fail(str(error))
    rows = []
    if store is not None:
        try:
            rows = store.meetings()
        finally:
            store.close()
    if not rows and not folder.is_dir():
        _say(f"No meetings: the data folder {folder} does not exist. If your meetings are kept elsewhere, "
             "name that folder with --data.")
        return 0
    if not rows:
        _say("No meetings yet.")
    else:
        table = [("ID", "DAY", "STATUS", "PHONES", "DECK", "TITLE")]
        table += [(str(m["id"]), m["held_on"], m["status"], str(m["phones_joined"]), m["deck"] or "-", m["title"])
                  for m in rows]
        widths = [max(len(row[i]) for row in table) for i in range(5)]
        for row in table:
            cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                     row[3].rjust(widths[3]), row[4].ljust(widths[4]), row[5]]
            _say("  ".join(cells))
    _say(f"Read from the data folder {folder}")  # meetings kept with --data elsewhere are not in this list
    return 0


@fireside.command("export", short_help="Write a meeting's anonymous summary.")
@click.argument("meeting", type=int, required=False)
@click.option("--format", "-f", "fmt", type=click.Choice(["md", "csv", "json", "html"]), default="md",
              help="md (Markdown), csv (a spreadsheet), json (for programs) or html (a page to print); default md.")
@click.option("-o", "--output", metavar="FILE", help="The file to write (default: print it here).")
@data_option
def export_meeting(meeting, fmt, output, data):
    """Write the anonymous summary of meeting number MEETING (see `fireside meetings`; default: the latest
    that has ended)."""
    from facilitator import export
    from facilitator.store import StoreError

    try:
        store = _open_store(_folder(data))
    except StoreError as error:
        return _fail(str(error))
    if store is None:
        return _fail("there are no meetings to export yet.")
    try:
        meeting_id = meeting if meeting is not None else export.latest_ended(store)
        if meeting_id is None:
            return _fail("no meeting has ended yet; end one on the console, then export it.")
        text = export.render(export.summary(store, meeting_id, export.deck_titles(_folder(data) / "decks"),
                                           _help_lines(_folder(data))), fmt)
    except export.ExportError as error:
        return _fail(str(error))
    finally:
        store.close()
    body = text.encode("utf-8")
    if output and output != "-":
        try:
            Path(output).write_bytes(body)
        except OSError as error:
            return _fail(f"cannot write {output} ({error.strerror or error}).")
        click.echo(f"Wrote {output}.", err=True)
        return 0
    click.echo(body, nl=False)  # bytes, so Windows neither re-encodes nor doubles the CSV's line ends
    return 0


def main(argv=None):
    """Run the `fireside` command on argv (default: the command line) and return its exit code."""
    try:
        fireside.main(args=argv, prog_name="fireside")
    except SystemExit as done:  # Click always ends this way: with the command's code, or 2 for a mistyped one
        return done.code or 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
