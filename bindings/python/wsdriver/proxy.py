"""HTTP CONNECT through a proxy, for a client driver (a native ``ws_proxy``)."""

import weakref
from typing import Any, Dict
from ctypes import byref, c_size_t, c_void_p, sizeof, string_at

from . import _native as N
from ._args import _buffer, _cstr, _header_pairs
from .driver import Driver
from .errors import HandleClosedError, _raise
from .events import Event, add_listener
from .queries import _indexed_pairs

__all__ = ["Proxy"]


class Proxy:
    """An HTTP CONNECT exchange for a client driver.

    ``proxy = Proxy(client, "http://user:pw@proxy:3128", write=sock.send)``;
    ``proxy.on("connect", fn)``/``on("error", fn)`` (called with an
    :class:`Event`), ``proxy.start()``, then feed the proxy's reply to
    ``proxy.parse(data)``, which returns the bytes after the proxy's response
    (the start of the WebSocket handshake response, for ``client.parse``).
    """

    def __init__(self, driver, proxy_url, headers=None, write=None):
        if not isinstance(driver, Driver):
            raise TypeError("driver must be a wsdriver.Driver")
        if write is not None and not callable(write):
            raise TypeError("write must be callable")
        curl = _cstr(proxy_url, "proxy_url")
        pairs = _header_pairs(headers)
        self._h = None
        self._listeners = {}
        self._out = bytearray()
        self._action = N.ws_action()
        self._action.struct_size = sizeof(N.ws_action)
        out = c_void_p()
        dh = driver._handle()
        code = N.ws_proxy_new(dh, curl, byref(out))
        if code != N.OK:
            _raise(code, "creating the proxy", N.ws_last_error(dh))
        self._h = out.value
        self._finalizer = weakref.finalize(self, N.ws_proxy_free, out.value)
        if write is not None:
            self.on("write", write)
        for name, value in pairs:
            self.set_header(name, value)

    def on(self, event, fn=None):
        if event not in ("connect", "error", "write"):
            raise ValueError("unknown proxy event %r" % (event,))
        return add_listener(self.on, self._listeners, event, fn)

    def _handle(self):
        if self._h is None:
            raise HandleClosedError("the proxy's native handle was freed")
        return self._h

    def close_handle(self) -> None:
        self._h = None
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close_handle()
        return False

    def set_header(self, name: str, value: str) -> None:
        code = N.ws_proxy_set_header(
            self._handle(), _cstr(name, "header name"), _cstr(value, "header value")
        )
        if code != N.OK:
            _raise(code, "proxy set_header")

    def _drain(self):
        a = self._action
        while self._h is not None:
            code = N.ws_proxy_poll(self._h, byref(a))
            if code == N.EMPTY:
                return
            if code != N.OK:
                _raise(code, "ws_proxy_poll")
            data = string_at(a.data, a.len)
            if a.kind == N.ACTION_WRITE:
                sinks = self._listeners.get("write")
                if sinks:
                    for fn in sinks:
                        fn(data)
                else:
                    self._out += data
            elif a.kind == N.ACTION_CONNECT:
                for fn in tuple(self._listeners.get("connect", ())):
                    fn(Event("connect"))
            elif a.kind == N.ACTION_ERROR:
                ev = Event("error", reason=data.decode("utf-8", "replace"))
                for fn in tuple(self._listeners.get("error", ())):
                    fn(ev)

    def start(self) -> None:
        code = N.ws_proxy_start(self._handle())
        if code != N.OK:
            _raise(code, "proxy start")
        self._drain()

    def parse(self, data: Any) -> bytes:
        """Feeds the proxy's bytes; returns those after its response."""
        data = _buffer(data, "data")
        consumed = c_size_t()
        code = N.ws_proxy_parse(self._handle(), data, len(data), byref(consumed))
        if code not in (N.OK, N.CALLBACK_STOPPED):
            _raise(code, "proxy parse")
        rest = data[consumed.value:]
        self._drain()
        return rest

    def take_output(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    @property
    def status(self) -> int:
        return N.ws_proxy_status(self._h) if self._h is not None else 0

    @property
    def headers(self) -> Dict[str, str]:
        h = self._h
        if h is None:
            return {}
        return dict(_indexed_pairs(h, N.ws_proxy_header_count, N.ws_proxy_header_at))
