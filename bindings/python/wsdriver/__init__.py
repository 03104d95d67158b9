"""wsdriver: Python binding of libwsdriver, a sans-I/O WebSocket driver.

    from wsdriver import Driver

    with Driver.server(write=transport.write) as d:
        d.on("connect", lambda ev: d.start())
        d.on("message", lambda ev: d.send(ev.data))
        d.parse(received_bytes)

On ctypes, with the per-message calls in a small C extension when the
wheel carries one (``has_extension``). The shared library is the package's own copy (a
wheel carries one), else the path in WSDRIVER_LIB, else the system's
(ctypes.util.find_library("wsdriver")). ``wsdriver.asyncio`` has
``serve()`` and ``connect()`` for asyncio.
"""

from . import _native, deflate, driver, errors, events, proxy
from .deflate import *  # noqa: F403
from .driver import *  # noqa: F403
from .errors import *  # noqa: F403
from .events import *  # noqa: F403
from .proxy import *  # noqa: F403

__version__ = "0.1.0"

#: The version of the native library actually loaded.
library_version: str = _native.ws_version().decode()
#: The path of the native library actually loaded.
library_path: str = _native.lib._name
#: Whether the per-message calls go through the compiled extension
#: (``wsdriver._speedups``) rather than ctypes; ``_native.fast_missing``
#: says why not.
has_extension: bool = _native.fast is not None

__all__ = [
    *driver.__all__,
    *proxy.__all__,
    *deflate.__all__,
    *events.__all__,
    *errors.__all__,
    "library_version",
    "library_path",
    "has_extension",
]
