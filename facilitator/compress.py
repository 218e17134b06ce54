"""Small pages on a crowded Wi-Fi: gzip for text responses, long caching for versioned static files.

- Every text response (HTML, CSS, JavaScript, JSON, SVG) of at least MIN_BYTES goes out gzipped
  to a browser that accepts it. A static file is compressed once per version and kept in memory.
- url_for() adds ?v=<hash of the file's content> to every static file's address, so a page always
  names the exact version it needs. Such an address is cached for a year ("immutable": a phone
  that comes back does not even ask again); a static address without the right version is cached
  with "no-cache" (the phone asks, and gets 304 Not Modified when nothing changed).
- Pages (HTML) are gzipped too; they are never cached (nostore.py), unless their view says otherwise.

Nothing here touches the security headers set elsewhere; it only adds Content-Encoding, Vary,
Cache-Control and ETag.
"""

import gzip
import hashlib
import os
import threading

from flask import request

MIN_BYTES = 512  # smaller bodies gain nothing worth a header
COMPRESSIBLE = ("text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
                "application/json", "image/svg+xml", "text/markdown", "text/csv")
STATIC_ENDPOINTS = ("participant.static", "facilitator.static")
YEAR = 365 * 24 * 3600
CACHE_LIMIT = 256  # compressed static files kept in memory (a few hundred KB in all)


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


def _static_path(app, endpoint, filename):
    """The file behind a static endpoint and filename, or None."""
    blueprint = endpoint.rsplit(".", 1)[0]
    folder = app.blueprints[blueprint].static_folder if blueprint in app.blueprints else None
    if not folder or not isinstance(filename, str):
        return None
    path = os.path.normpath(os.path.join(folder, filename))
    return path if path.startswith(os.path.normpath(folder) + os.sep) else None


def _accepts_gzip():
    """True when the browser said it takes gzip."""
    return request.accept_encodings["gzip"] > 0


def _compressible(response, static):
    """A complete text body (a static file counts as one), not yet encoded."""
    return (response.status_code == 200 and response.mimetype in COMPRESSIBLE
            and "Content-Encoding" not in response.headers and (static or not response.is_streamed))


def init_app(app):
    """Install versioned static URLs, caching and compression on a Fireside app."""
    versions = StaticVersions()
    gzipped = {}  # (path, etag) -> gzip bytes of that version of a static file
    gzipped_lock = threading.Lock()

    @app.url_defaults
    def static_version(endpoint, values):
        """url_for('….static', filename=…) gets ?v=<content hash>."""
        if endpoint in STATIC_ENDPOINTS and "v" not in values:
            path = _static_path(app, endpoint, values.get("filename"))
            version = versions.of(path) if path else None
            if version:
                values["v"] = version

    @app.after_request
    def cache_and_compress(response):
        """Cache headers on static files; gzip on text."""
        static = request.endpoint in STATIC_ENDPOINTS
        if static and response.status_code in (200, 304):
            path = _static_path(app, request.endpoint, (request.view_args or {}).get("filename"))
            current = versions.of(path) if path else None
            if current and request.args.get("v") == current:
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"
        if not _compressible(response, static):
            if static:
                response.vary.add("Accept-Encoding")
            return response
        response.vary.add("Accept-Encoding")
        if not _accepts_gzip():
            return response
        if static:
            if response.content_length is not None and response.content_length < MIN_BYTES:
                return response
            etag, _weak = response.get_etag()
            key = (request.path, etag)
            with gzipped_lock:
                body = gzipped.get(key) if etag else None
            original = response.response  # the open file behind it
            if body is None:
                response.direct_passthrough = False
                body = gzip.compress(response.get_data(), 9, mtime=0)
                if etag:
                    with gzipped_lock:
                        if len(gzipped) >= CACHE_LIMIT:
                            gzipped.clear()
                        gzipped[key] = body
            if hasattr(original, "close"):
                original.close()
            response.set_data(body)
            response.headers["Content-Encoding"] = "gzip"
            response.headers.pop("Accept-Ranges", None)  # byte ranges of the file, not of this
            if etag:
                response.set_etag(etag + ".gz")  # another representation, another tag
                response.make_conditional(request)  # a phone that has this .gz version gets 304
            return response
        if response.direct_passthrough:  # a file download: leave it as it is
            return response
        data = response.get_data()
        if len(data) < MIN_BYTES:
            return response
        response.set_data(gzip.compress(data, 6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        return response
