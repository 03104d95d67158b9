"""The driver's read-only side: state, handshake values, the request."""

from ctypes import byref, c_char_p, c_size_t, c_void_p, string_at
from typing import Dict, List, Optional, Tuple

from . import _native as N
from ._args import _cstr, _str
from .events import Request, State

__all__ = ["Queries"]


def _indexed_pairs(h, count, at) -> List[Tuple[str, str]]:
    """The (name, value) pairs of a ``*_count`` / ``*_at`` query pair
    (headers, a proxy's headers, extended CONNECT fields), in order; an
    index the library refuses is skipped."""
    name, value = c_char_p(), c_char_p()
    out: List[Tuple[str, str]] = []
    for i in range(count(h)):
        if at(h, i, byref(name), byref(value)) == N.OK:
            out.append((_str(name.value), _str(value.value)))
    return out


def _string_query(fn):
    """A read-only property returning the driver's string query `fn`
    (None once the handle is closed or when the library returns NULL)."""
    return property(lambda self: _str(fn(self._h)) if self._h is not None else None)


class Queries:
    """Mixed into :class:`wsdriver.Driver`; reads ``self._h`` and
    ``self._out``."""

    _h: Optional[int]  # the native handle (an address), None once freed
    _out: bytearray  # output waiting for take_output()

    @property
    def handshake_fields(self) -> List[Tuple[str, str]]:
        """Extended CONNECT mode, after :meth:`start`: the header fields to
        send (a server's answer, a client's request); [] otherwise."""
        h = self._h
        if h is None:
            return []
        return _indexed_pairs(h, N.ws_extended_field_count, N.ws_extended_field_at)

    @property
    def offered_protocols(self) -> List[str]:
        """Server: the subprotocols the client offered, in its order."""
        value = self.header("Sec-WebSocket-Protocol")
        return [p.strip() for p in value.split(",") if p.strip()] if value else []


    @property
    def state(self) -> State:
        h = self._h
        return State(N.ws_state(h)) if h is not None else State.CLOSED

    version = _string_query(N.ws_driver_version)

    protocol = _string_query(N.ws_protocol)

    @property
    def status(self) -> int:
        """Client: the response's HTTP status (0 until it arrived)."""
        return N.ws_status(self._h) if self._h is not None else 0

    url = _string_query(N.ws_url)

    @property
    def headers(self) -> Dict[str, str]:
        """A client's response headers or a server's request headers, as a
        dict in arrival order (repeated names joined with ", ")."""
        h = self._h
        if h is None:
            return {}
        return dict(_indexed_pairs(h, N.ws_header_count, N.ws_header_at))

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """One header (case-insensitive), see :attr:`headers`."""
        if self._h is None:
            return default
        v = N.ws_header(self._h, _cstr(name, "header name"))
        return default if v is None else _str(v)

    request_method = _string_query(N.ws_request_method)

    request_path = _string_query(N.ws_request_path)

    request_query = _string_query(N.ws_request_query)

    @property
    def request_body(self) -> bytes:
        h = self._h
        if h is None:
            return b""
        data = c_void_p()
        n = c_size_t()
        if N.ws_request_body(h, byref(data), byref(n)) != N.OK or not n.value or not data.value:
            return b""
        return string_at(data.value, n.value)

    @property
    def request(self) -> Optional[Request]:
        """Server: the request (``Request`` namedtuple), None until the head
        is complete."""
        method = self.request_method
        if method is None:
            return None
        return Request(
            method, self.request_path, self.request_query, self.headers,
            self.request_body, self.url,
        )

    @property
    def is_websocket(self) -> bool:
        return bool(N.ws_is_websocket(self._h)) if self._h is not None else False

    @property
    def buffered_amount(self) -> int:
        """Bytes the native driver holds (for backpressure), plus output
        waiting for :meth:`take_output`."""
        n = N.ws_buffered_amount(self._h) if self._h is not None else 0
        return n + len(self._out)

    @property
    def last_error(self) -> Optional[str]:
        return _str(N.ws_last_error(self._h)) if self._h is not None else None
