"""How the WSGI layers in front of Fireside call one another: as bound methods, never as objects.

pywsgi (or Werkzeug) calls Flask, Flask its wsgi_app: the handshake gate, which calls no-store,
which calls Flask-SocketIO's middleware. Each layer holds the next one through called_in_line.
"""

import types


def called_in_line(app):
    """The same WSGI app, called without a fresh run of the interpreter: its __call__ as a bound method.

    Calling an object, as in gate(environ, start_response), goes through C into a new run of
    CPython's interpreter loop; calling a Python function or a bound method of one continues in
    the running loop (CPython 3.11 and later). Under gevent those C frames cost CPU on every wait:
    each time a greenlet waits, the C stack under it is copied out, and back when it resumes. An
    answer's greenlet waits twice, for its message and for the group commit, under every WSGI layer
    that was called as an object. Flask, the handshake gate and no-store were three such layers,
    about 3 KB of C stack in each copy and 10–16 µs of CPU an answer in a burst of 1,000
    (docs/performance.md). Anything else (a function, a C callable) is returned as it is.
    """
    call = getattr(type(app), "__call__", None)
    return app.__call__ if isinstance(call, types.FunctionType) else app
