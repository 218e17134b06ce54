"""Small pages on a crowded Wi-Fi: gzip through Flask-Compress, long caching for versioned static files.

- Flask-Compress gzips every text response (HTML, CSS, JavaScript, JSON, SVG, Markdown, CSV) of at
  least MIN_BYTES for a browser that accepts gzip. Only gzip: browsers offer brotli and zstd over
  HTTPS alone, and Fireside speaks plain HTTP on the room's Wi-Fi. A static file is compressed once
  per version and kept in memory, so a hall of phones arriving together costs one compression a file.
- url_for() adds ?v=<hash of the file's content> (as read at start, snapshot.py) to every static file's address, so a page always
  names the exact version it needs. Such an address is cached for a year ("immutable": a phone
  that comes back does not even ask again); a static address without the right version is cached
  with "no-cache" (the phone asks, and gets 304 Not Modified when nothing changed).
- Pages (HTML) are gzipped too; they are never cached (nostore.py), unless their view says otherwise.

Socket.IO's responses never come here: engine.io answers them in its WSGI middleware, outside
Flask, and compresses its long-polling answers itself. Nothing here touches the security headers
set elsewhere; it only adds Content-Encoding, Vary, Cache-Control and ETag.
"""

import threading

from flask import request
from flask_compress import Compress

MIN_BYTES = 512  # smaller bodies gain nothing worth a header
COMPRESSIBLE = ["text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
                "application/json", "image/svg+xml", "text/markdown", "text/csv"]
STATIC_ENDPOINTS = ("participant.static", "facilitator.static")
YEAR = 365 * 24 * 3600
CACHE_LIMIT = 256  # compressed static files kept in memory (a few hundred KB in all)
STATIC_KEY = "static:"  # what marks a cache key as a static file's, the only ones kept


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


def init_app(app):
    """Install versioned static URLs, caching and compression on a Fireside app.

    The static files are the ones snapshot.install read at start (it runs first): their content
    hashes are their versions.
    """
    files = app.extensions["fireside_static"]

    def version_of(endpoint, filename):
        """The content hash of a static file, or None when there is no such file."""
        found = files.get(endpoint, filename)
        return found.version if found else None

    def current_version():
        """The content hash of the static file this request asks for, or None (not a static file)."""
        if request.endpoint not in STATIC_ENDPOINTS:
            return None
        return version_of(request.endpoint, (request.view_args or {}).get("filename"))

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
            version = version_of(endpoint, values.get("filename"))
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
        if response.status_code == 200:
            response.headers.pop("Accept-Ranges", None)  # byte ranges are of the plain file, not of its gzip
        return response
