"""Nothing a browser caches outlives what the server deletes: `Cache-Control: no-store` (DESIGN.md, rule 2).

A phone's browser would otherwise keep, in its HTTP cache, the long-polling answer that carried
`welcome` (his token, his own answer), and the laptop's browser the console's and the summary's
pages. So every response says no-store, except the versioned static files (`?v=<hash>`, see
compress.py), which carry no answers and may stay cached for a year:

- pages and downloads (Flask's own responses) get no-store unless their view already said how
  they may be cached;
- Socket.IO's responses are made by engine.io's WSGI middleware, outside Flask, so Flask never
  sees them: a small WSGI wrapper around the app adds the header to every one of them.
"""

from flask import request

from facilitator.compress import STATIC_ENDPOINTS
from facilitator.wsgi import called_in_line

NO_STORE = "no-store"


class NoStoreSockets:
    """WSGI middleware: every response under the Socket.IO path says Cache-Control: no-store."""

    def __init__(self, wsgi_app, path):
        """Wrap wsgi_app (Flask's, with engine.io's middleware in it); path is Socket.IO's, e.g. "socket.io"."""
        self.wsgi_app = called_in_line(wsgi_app)  # wsgi.py says why
        self.prefix = "/" + path.strip("/") + "/"

    def __call__(self, environ, start_response):
        """Pass the request on; a Socket.IO response's headers get no-store on their way out."""
        path = environ.get("PATH_INFO", "")
        if not (path + "/").startswith(self.prefix):
            return self.wsgi_app(environ, start_response)

        def no_store(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "cache-control"]
            headers.append(("Cache-Control", NO_STORE))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.wsgi_app(environ, no_store)


def init_app(app, socketio_path):
    """Make every page and every Socket.IO response of app uncacheable (after socketio.init_app)."""

    @app.after_request
    def no_store(response):
        """A page or download that did not say how it may be cached is not cached at all."""
        if request.endpoint not in STATIC_ENDPOINTS and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = NO_STORE
        return response

    app.wsgi_app = called_in_line(NoStoreSockets(app.wsgi_app, socketio_path))
