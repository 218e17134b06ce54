"""The pages' files as they were when the server started: served from memory, whatever happens on disk.

Installing Fireside again while it runs (the README's test command, `pip install -e ".[test]"`,
after `pip install .`) deletes or replaces the files of the installed package under the running
server. Its Python code is already in memory; its styles, scripts and templates were read from disk
on every request, so the phones started getting 404 for their CSS and JS, silently, mid-meeting.
So at start Fireside reads every static file and every template once, and serves those:

- static files (both blueprints' `static/`, the vendored Socket.IO client included) are kept as
  bytes with their content hash, which is also their version in `?v=` (compress.py) and their ETag;
- Flask's templates and the summary's (export.py's own Jinja environment) are loaded from memory;
- the modules that views import on first use (export, history) are imported now.

A few hundred KB in all. The built-in decks (`prompts/decks`) are still read when the console lists
them: a deck is data the facilitator may add to while Fireside runs.
"""

import hashlib
import mimetypes
import os
from dataclasses import dataclass

from flask import Response, abort, request
from jinja2 import BytecodeCache, DictLoader

STATIC_BLUEPRINTS = ("participant", "facilitator")


@dataclass(frozen=True)
class StaticFile:
    """One static file as it was at start."""

    data: bytes
    mimetype: str
    version: str  # a short hash of the content: the ?v= of its address, and its ETag


class StaticFiles:
    """Every static file of the app's blueprints, read once."""

    def __init__(self, app):
        """Read each blueprint's static folder, subfolders included."""
        self.files = {}  # (blueprint name, filename with "/") -> StaticFile
        for name in STATIC_BLUEPRINTS:
            folder = app.blueprints[name].static_folder
            for directory, _subdirs, filenames in os.walk(folder):
                for filename in filenames:
                    path = os.path.join(directory, filename)
                    with open(path, "rb") as handle:
                        data = handle.read()
                    relative = os.path.relpath(path, folder).replace(os.sep, "/")
                    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
                    self.files[(name, relative)] = StaticFile(data, mimetype, hashlib.sha256(data).hexdigest()[:12])

    def get(self, endpoint, filename):
        """The file behind a static endpoint ("participant.static") and filename, or None."""
        if not isinstance(filename, str):
            return None
        return self.files.get((endpoint.rsplit(".", 1)[0], filename))

    def view(self, blueprint):
        """The view function that serves one blueprint's static files from memory."""

        def serve(filename):
            """A static file as it was at start: 200 with its ETag, 304 when the browser has it, ranges too."""
            found = self.files.get((blueprint, filename))
            if found is None:
                abort(404)
            response = Response(found.data, mimetype=found.mimetype)
            response.set_etag(found.version)
            return response.make_conditional(request, accept_ranges=True, complete_length=len(found.data))

        return serve


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per process and source: an app built again compiles none of them again.

    Jinja keys each one on its name and checks the checksum of its source, so a template whose
    source changed is compiled anew. One per kind of environment (Flask's, the summary's), as the
    code Jinja makes depends on the environment's options. `fireside serve` builds one app; the
    tests build hundreds, and compiling the pages again for each was a twentieth of their time.
    """

    def __init__(self):
        """Nothing compiled yet."""
        self._kept = {}

    def load_bytecode(self, bucket):
        """Fill the bucket with the code kept under its key, if any (Jinja checks its checksum)."""
        code = self._kept.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        """Keep the code Jinja just compiled."""
        self._kept[bucket.key] = bucket.bytecode_to_string()


_COMPILED = {"pages": CompiledTemplates(), "summary": CompiledTemplates()}


def _templates_in_memory(environment, compiled):
    """Give a Jinja environment a loader holding every template its loader finds now (and compiled: where code goes)."""
    loader = environment.loader
    sources = {name: loader.get_source(environment, name)[0] for name in loader.list_templates()}
    environment.loader = DictLoader(sources)
    environment.bytecode_cache = compiled
    if environment.cache is not None:
        environment.cache.clear()  # a template compiled from the disk's loader is compiled again from memory


def install(app):
    """Serve the app's static files and templates from what is on disk now; returns the StaticFiles."""
    from facilitator import export, history  # noqa: F401  (imported by views on first use: now, while on disk)

    files = StaticFiles(app)
    for name in STATIC_BLUEPRINTS:
        app.view_functions[f"{name}.static"] = files.view(name)
    _templates_in_memory(app.jinja_env, _COMPILED["pages"])
    _templates_in_memory(export.environment(), _COMPILED["summary"])
    export.stylesheet()  # read once, kept
    app.extensions["fireside_static"] = files
    return files
