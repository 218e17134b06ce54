"""Who may steer the meeting: the laptop itself, or a device with the facilitator key; and same-origin sockets.

The peer address always comes from the socket (REMOTE_ADDR), never from a header; the laptop
counts as itself only when the page was asked for by one of the laptop's own names
(docs/security.md).
"""

import functools
import hmac
import ipaddress
import socket

from flask import current_app, request

LOOPBACK_PREFIXES = ("127.", "::1", "::ffff:127.")


def is_loopback(address):
    """True for the laptop itself; the address comes from the socket, never from a header."""
    return bool(address) and (address == "::1" or address.startswith(LOOPBACK_PREFIXES))


def unlimited(address):
    """The laptop itself (and a test client, which has no address) is not held to the flood limits."""
    return address is None or is_loopback(address)


def facilitator_allowed(address, key, host=None):
    """The console answers to the laptop itself, or to a device that knows the facilitator key.

    address is the socket's own peer address (REMOTE_ADDR); X-Forwarded-For and friends are never
    read. The laptop itself counts only when the page was asked for by the laptop's own name
    (host, default: this request's Host header): a web page from elsewhere that re-points its own
    domain at 127.0.0.1 (DNS rebinding) reaches loopback too, but under its own name.
    """
    if host is None and request:
        host = request.host
    if is_loopback(address) and (host is None or names_this_laptop(host)):
        return True
    expected = current_app.config["FACILITATOR_KEY"]
    return isinstance(key, str) and hmac.compare_digest(key.encode(), expected.encode())


@functools.lru_cache(maxsize=1)
def _own_names():
    """The laptop's own host names, as a browser on it may be pointed at them."""
    name = socket.gethostname().lower().rstrip(".")
    return {"localhost", name, f"{name}.local"} if name else {"localhost"}


def names_this_laptop(host):
    """True when a Host header names this laptop: an IP address, localhost, or its own name."""
    name = str(host or "").strip().lower()
    if name.startswith("["):  # [::1]:8765
        name = name[1:name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:  # 127.0.0.1:8765, localhost:8765
        name = name.rsplit(":", 1)[0]
    name = name.rstrip(".")
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return name in _own_names() or name.endswith(".localhost")


def same_origin(origin, environ):
    """Socket.IO's origin check: a browser's page must come from this very server (scheme and host).

    Unlike the default, forwarded headers (X-Forwarded-Host, -Proto) do not widen what is accepted.
    Clients that send no Origin at all (not browsers) are not asked.
    """
    host = environ.get("HTTP_HOST")
    scheme = environ.get("wsgi.url_scheme", "http")
    return bool(origin and host) and origin == f"{scheme}://{host}"
