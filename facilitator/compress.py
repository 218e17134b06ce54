"""Small pages on a crowded Wi-Fi: gzip through Flask-Compress, long caching for versioned static files.

- Flask-Compress gzips every text response (HTML, CSS, JavaScript, JSON, SVG, Markdown, CSV) of at
  least MIN_BYTES for a browser that accepts gzip. Only gzip: browsers offer brotli and zstd over
  HTTPS alone, and Fireside speaks plain HTTP on the room's Wi-Fi. A static file is compressed once
  per version and kept in memory, so a hall of phones arriving together costs one compression a file.
- url_for() adds ?v=<hash of the file's content> to every static file's address, so a page always
  names the exact version it needs. Such an address is cached for a year ("immutable": a phone
  that comes back does not even ask again); a static address without the right version is cached
  with "no-cache" (the phone asks, and gets 304 Not Modified when nothing changed).
- Pages (HTML) are gzipped too; they are never cached (nostore.py), unless their view says otherwise.

Socket.IO's responses never come here: engine.io answers them in its WSGI middleware, outside
Flask, and compresses its long-polling answers itself. Nothing here touches the security headers
set elsewhere; it only adds Content-Encoding, Vary, Cache-Control and ETag.
"""

import hashlib
import os
import threading

from flask import current_app, request
from flask_compress import Compress

MIN_BYTES = 512  # smaller bodies gain nothing worth a header
COMPRESSIBLE = ["text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
                "application/json", "image/svg+xml", "text/markdown", "text/csv"]
STATIC_ENDPOINTS = ("participant.static", "facilitator.static")
YEAR = 365 * 24 * 3600
CACHE_LIMIT = 256  # compressed static files kept in memory (a few hundred KB in all)
STATIC_KEY = "static:"  # what marks a cache key as a static file's, the only ones kept


class StaticVersions:
    """Content hashes of static files, recomputed only when a file's size or time changes."""

    def __init__(self):
        self._known = {}
        self._lock = threading.Lock()

    def of(self, path):
        """A short hash of the file's content, or None when it does not exist."""
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (path, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            found = self._known.get(path)
        if found and found[0] == key:
            return found[1]
        try:
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()[:12]
        except OSError:
            return None
        with self._lock:
            self._known[path] = (key, digest)
        return digest


class StaticGzipCache:
    """Flask-Compress's cache backend: the gzipped bytes of static files, never of a page."""

    def __init__(self):
        self._kept = {}
        self._lock = threading.Lock()

    def get(self, key):
        """The compressed body kept under key, or None."""
        with self._lock:
            return self._kept.get(key)

    def set(self, key, value):
        """Keep a static file's compressed body; a page's (no static key) is made anew each time."""
        if STATIC_KEY not in key:
            return
        with self._lock:
            if key not in self._kept and len(self._kept) >= CACHE_LIMIT:
                self._kept.clear()
            self._kept[key] = value


def _static_path(app, endpoint, filename):
    """The file behind a static endpoint and filename, or None."""
    blueprint = endpoint.rsplit(".", 1)[0]
    folder = app.blueprints[blueprint].static_folder if blueprint in app.blueprints else None
    if not folder or not isinstance(filename, str):
        return None
    path = os.path.normpath(os.path.join(folder, filename))
    return path if path.startswith(os.path.normpath(folder) + os.sep) else None


def init_app(app):
    """Install versioned static URLs, caching and compression on a Fireside app."""
    versions = StaticVersions()

    def current_version():
        """The content hash of the static file this request asks for, or None (not a static file)."""
        if request.endpoint not in STATIC_ENDPOINTS:
            return None
        path = _static_path(current_app, request.endpoint, (request.view_args or {}).get("filename"))
        return versions.of(path) if path else None

    def cache_key(request):
        """Where Flask-Compress keeps a compressed body: a static file's path and content hash; a page: nowhere."""
        version = current_version()
        return f"{STATIC_KEY}{request.path}?v={version}" if version else ""

    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSIBLE)
    app.config.setdefault("COMPRESS_MIN_SIZE", MIN_BYTES)
    # Only whole bodies: a page, a download, or a static file made whole below (a byte range stays plain).
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_CACHE_BACKEND", StaticGzipCache)
    app.config.setdefault("COMPRESS_CACHE_KEY", cache_key)
    Compress().init_app(app)

    @app.url_defaults
    def static_version(endpoint, values):
        """url_for('….static', filename=…) gets ?v=<content hash>."""
        if endpoint in STATIC_ENDPOINTS and "v" not in values:
            path = _static_path(app, endpoint, values.get("filename"))
            version = versions.of(path) if path else None
            if version:
                values["v"] = version

    @app.after_request
    def cache_static(response):
        """Cache headers on static files; a whole file is read into one body for Flask-Compress, which runs next."""
        if request.endpoint not in STATIC_ENDPOINTS:
            return response
        if response.status_code in (200, 304):
            current = current_version()
            if current and request.args.get("v") == current:
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"
        if response.status_code == 200 and response.direct_passthrough:
            # send_file hands over the open file, which Flask-Compress takes for a stream and leaves
            # alone; a few KB read into memory is a whole body it gzips (and caches). A 206 byte range
            # stays as it is: ranges are of the plain file.
            opened = response.response
            response.direct_passthrough = False
            response.make_sequence()
            if hasattr(opened, "close"):
                opened.close()  # read already: the file need not wait for the server to close the response
            response.headers.pop("Accept-Ranges", None)  # byte ranges are of the plain file, not of its gzip
        return response
