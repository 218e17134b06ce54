"""The facilitator's local help lines: where a man can get help, set once and kept in the data folder.

They live in `help.toml` in the data folder (owner-only, like every file Fireside writes there):

    [[lines]]
    label = "Crisis line"
    contact = "988"

The console's Help lines setting, `fireside --help-line "Label: number or address"` (repeatable) and
a text editor all write the same file. Phones show them behind their Help link, the ended screen
and the printed summary carry them, and the console shows them beside the evening's check-out
note. Nothing about who looks at them is ever sent or kept: a phone has them in its page already.
"""

import tomllib
import unicodedata
from pathlib import Path

from facilitator import instance
from facilitator.i18n import _l

HELP_FILE = "help.toml"
LINES_MAX = 8  # a short list a man can read on a phone at a hard moment
LABEL_MAX = 60
CONTACT_MAX = 120

# What a phone says when no help line is set: the kind of service to look for, and no number
# Fireside could get wrong for this country.
NO_LINES = _l("Ask the facilitator where to get help near here. If someone is in danger right now, "
              "call your local emergency number. A local crisis line or helpline can also listen, "
              "day or night.")


class HelpLinesError(Exception):
    """Help lines Fireside cannot use, with a sentence saying what to fix."""


def parse_flag(text):
    """One `--help-line` value, "Label: number or address", as a line {"label", "contact"}."""
    label, colon, contact = str(text).partition(":")
    if not colon or not label.strip() or not contact.strip():
        raise HelpLinesError(f'"{text}" is not a help line. Write it as "Label: number or address", '
                             'for example --help-line "Crisis line: 988".')
    return {"label": label, "contact": contact}


def validate(lines):
    """Check a list of {"label", "contact"}; returns them trimmed, or HelpLinesError saying what is wrong."""
    if not isinstance(lines, list):
        raise HelpLinesError(_l("Help lines must be a list, each with a label and a number or address."))
    if len(lines) > LINES_MAX:
        raise HelpLinesError(_l("That is %(n)s help lines; at most %(most)s fit on a phone.", n=len(lines),
                                most=LINES_MAX))
    checked = []
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict) or set(line) != {"label", "contact"}:
            raise HelpLinesError(_l("Help line %(n)s needs a label and a number or address, and nothing else.",
                                    n=number))
        label = _field(line["label"], number, "label", LABEL_MAX)
        contact = _field(line["contact"], number, "contact", CONTACT_MAX)
        checked.append({"label": label, "contact": contact})
    return checked


# What is wrong with a field of a help line: one whole sentence for each field, so each translates whole.
FIELD_PROBLEMS = {
    "label": {
        "text": lambda n: _l("The label of help line %(n)s must be text.", n=n),
        "empty": lambda n: _l("Help line %(n)s has no label.", n=n),
        "long": lambda n, length, most: _l("The label of help line %(n)s is %(length)s characters; at most %(most)s.",
                                           n=n, length=length, most=most),
        "unshown": lambda n: _l("The label of help line %(n)s holds a character that cannot be shown.", n=n),
    },
    "contact": {
        "text": lambda n: _l("The number or address of help line %(n)s must be text.", n=n),
        "empty": lambda n: _l("Help line %(n)s has no number or address.", n=n),
        "long": lambda n, length, most: _l(
            "The number or address of help line %(n)s is %(length)s characters; at most %(most)s.",
            n=n, length=length, most=most),
        "unshown": lambda n: _l("The number or address of help line %(n)s holds a character that cannot be shown.",
                                n=n),
    },
}


def _field(value, number, name, most):
    """One trimmed, single-line text field of a help line (name: "label" or "contact")."""
    problem = FIELD_PROBLEMS[name]
    if not isinstance(value, str):
        raise HelpLinesError(problem["text"](number))
    value = " ".join(value.split())
    if not value:
        raise HelpLinesError(problem["empty"](number))
    if len(value) > most:
        raise HelpLinesError(problem["long"](number, len(value), most))
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise HelpLinesError(problem["unshown"](number))
    return value


def load(data_dir):
    """The help lines kept in the data folder ([] when none are set), or HelpLinesError for a file to fix."""
    path = Path(data_dir) / HELP_FILE
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise HelpLinesError(_l("Fireside cannot read %(path)s (%(why)s). Fix its permissions, or move it aside "
                                "and set the help lines again.", path=str(path),
                                why=str(getattr(error, "strerror", None) or error))) from error
    except tomllib.TOMLDecodeError as error:
        raise HelpLinesError(_l("%(path)s is not valid TOML (%(why)s). Fix it in a text editor, or move it aside "
                                "and set the help lines again on the console.", path=str(path), why=str(error))) from error
    unknown = set(data) - {"lines"}
    if unknown:
        raise HelpLinesError(_l("%(path)s has an unknown entry '%(entry)s'; it holds only [[lines]] tables, each "
                                "with a label and a contact.", path=str(path), entry=sorted(unknown)[0]))
    try:
        return validate(data.get("lines", []))
    except HelpLinesError as error:
        raise HelpLinesError(_l("%(path)s: %(problem)s", path=str(path), problem=error.args[0])) from None


def save(data_dir, lines):
    """Write the help lines (already validated) to the data folder, readable by the owner alone."""
    path = Path(data_dir) / HELP_FILE
    text = "# Fireside's help lines: phones show them behind \"Help\". Edit here or on the console.\n"
    for line in lines:
        text += f"\n[[lines]]\nlabel = {_toml(line['label'])}\ncontact = {_toml(line['contact'])}\n"
    try:
        instance.write_private(path, text)
    except OSError as error:
        raise HelpLinesError(f"Fireside cannot write {path} ({error.strerror or error}). Free some space or "
                             "fix the data folder's permissions.") from error


def _toml(value):
    """A TOML basic string (validate has already refused control characters)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dial(contact):
    """A tel: address for a contact that is a phone number, else None (an address is shown as text)."""
    digits = "".join(ch for ch in contact if ch not in " -()./")
    if 2 <= len(digits.lstrip("+")) <= 15 and digits.lstrip("+").isdigit() and digits.count("+") <= 1 \
            and (digits[0] == "+" or "+" not in digits):
        return "tel:" + digits
    return None


def for_pages(lines):
    """The help lines as pages show them: label, contact, and a tel: address for numbers."""
    return [{"label": line["label"], "contact": line["contact"], "dial": dial(line["contact"])} for line in lines]
