"""wsdriver: Python binding of libwsdriver, a sans-I/O WebSocket driver.

    from wsdriver import Driver

    with Driver.server(write=transport.write) as d:
        d.on("connect", lambda ev: d.start())
        d.on("message", lambda ev: d.send(ev.data))
        d.parse(received_bytes)

Pure Python on ctypes; the shared library is located through WSDRIVER_LIB,
then the repository's target/release/libwsdriver.so, then
ctypes.util.find_library("wsdriver").
"""

from . import _native, driver
from .driver import *  # noqa: F403 (the names in driver.__all__)

__version__ = "0.1.0"

#: The version of the native library actually loaded.
library_version = _native.ws_version().decode()
#: The path of the native library actually loaded.
library_path = _native.lib._name

__all__ = [*driver.__all__, "library_version", "library_path"]
