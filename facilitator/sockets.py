"""The one Socket.IO server object, made here and bound to the app in create_app (init_app).

Its own module, so that the handlers of both namespaces can register on it without importing the
package that imports them.
"""

from flask_socketio import SocketIO

socketio = SocketIO()
