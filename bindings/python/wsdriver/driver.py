"""The Pythonic driver over libwsdriver's pull API: construction, the
handshake, closing and the handle's lifetime. Dispatching writes and events
is in ``_dispatch.py``, sending in ``_send.py``, the read-only queries in
``queries.py``.
"""

import weakref
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Callable, Iterable, Mapping, Optional, Tuple, Union

#: Headers as a mapping or (name, value) pairs.
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]

from . import _native as N
from ._args import _buffer, _build_options, _cstr, _field_arrays, _header_pairs
from ._batch import Batch
from ._send import Sending
from .deflate import Deflate
from .errors import WSDriverError, _raise
from .events import LISTENABLE as _LISTENABLE
from .events import add_listener

__all__ = ["Driver"]


class Driver(Sending):
    """One WebSocket connection's protocol state (a native ``ws_driver``).

    Make one with :meth:`server`, :meth:`client` or :meth:`rack`. Feed bytes
    from the transport to :meth:`parse`; bytes to send go to the write sink
    (``write=`` at construction or ``on("write", fn)``), or, without one,
    collect for :meth:`take_output`. Events go to listeners registered with
    :meth:`on` (each is called with an :class:`Event`), or can be iterated
    with :meth:`events`.

    Not thread-safe: use a driver from one thread at a time.
    """

    # Set by _new (the constructor is refused: use the class methods), with
    # the attributes the mixins declare.
    _finalizer: weakref.finalize

    # -- construction ----------------------------------------------------

    def __init__(self, *_args, **_kw):
        raise TypeError("use Driver.server(), Driver.client() or Driver.rack()")

    @classmethod
    def _new(cls, make, opts, server=True):
        self = object.__new__(cls)
        # A server that does not mask frames its messages with
        # ws_frame_header (see _speedups.send); others with ws_send_into.
        self._direct = server and opts.get("masking") is not True and not opts.get("deflate")
        self._h = None
        self._hv = None
        self._sinks = []  # the write listeners, looked up on every send
        self._listeners = {"write": self._sinks}
        self._ping_callbacks = {}
        self._next_token = 1
        self._dispatching = False
        self._out = bytearray()
        self._batch = Batch()
        self._sent = c_size_t()
        self._sent_ref = byref(self._sent)
        write = opts.get("write")
        if write is not None and not callable(write):
            raise TypeError("write must be callable")
        headers = _header_pairs(opts.get("headers"))
        copts = _build_options(opts)
        try:
            out = c_void_p()
            code = make(copts, byref(out))
        finally:
            N.ws_options_free(copts)
        if code != N.OK:
            _raise(code, "creating the driver")
        if not out.value:
            raise WSDriverError("creating the driver: NULL handle")
        self._h = out.value
        self._hv = c_void_p(out.value)  # for the calls without argtypes
        # Frees at garbage collection, or once through close_handle().
        self._finalizer = weakref.finalize(self, N.ws_driver_free, out.value)
        if write is not None:
            self.on("write", write)
        for name, value in headers:
            self.set_header(name, value)
        deflate = opts.get("deflate")
        if deflate:
            self.add_deflate(None if deflate is True else deflate)
        return self

    @classmethod
    def server(cls, **opts: Any) -> "Driver":
        """A server that reads the raw HTTP request from :meth:`parse`.

        Options: ``protocols``, ``max_length``, ``masking``,
        ``require_masking``, ``max_head_size``, ``max_headers``,
        ``max_queued``, ``max_pending_pings``, ``retained_buffer``,
        ``headers`` (extra response headers), ``write`` (the write sink),
        ``deflate`` (True or a :class:`Deflate`: permessage-deflate).
        """
        return cls._new(lambda o, out: N.ws_driver_new_server(o, out), opts)

    @classmethod
    def client(
        cls, url: str, protocols: Union[str, Iterable[str], None] = None, **opts: Any
    ) -> "Driver":
        """A client for ``url`` (``ws://`` or ``wss://``; TLS is yours).

        Call :meth:`start` to send the handshake request. Options as for
        :meth:`server`, plus ``client_key``.
        """
        curl = _cstr(url, "url")
        if protocols is not None:
            opts["protocols"] = protocols
        return cls._new(lambda o, out: N.ws_driver_new_client(o, curl, out), opts, server=False)

    @classmethod
    def rack(
        cls,
        method: str,
        target: str,
        headers: Headers,
        body: Any = b"",
        url: Optional[str] = None,
        **opts: Any,
    ) -> "Driver":
        """A server for a request the host already parsed.

        ``headers`` is a mapping or (name, value) pairs; ``body`` holds bytes
        received after the head (hixie-76's key); ``url`` defaults to one
        rebuilt from ``Host`` and ``target``. Call :meth:`start` to answer.
        """
        cmethod = _cstr(method, "method")
        ctarget = _cstr(target, "target")
        names, values, n = _field_arrays(headers)
        cbody = _buffer(body, "body")
        curl = None if url is None else _cstr(url, "url")

        def make(o, out):
            return N.ws_driver_new_rack(
                o, cmethod, ctarget, names, values, n, cbody, len(cbody), curl, out
            )

        return cls._new(make, opts)

    @classmethod
    def extended_server(cls, fields: Headers, **opts: Any) -> "Driver":
        """A server for one WebSocket stream of an HTTP/2 or HTTP/3 connection
        (RFC 8441 / RFC 9220 extended CONNECT). ``fields`` are the request's
        header fields, pseudo-headers (``:method``, ``:protocol``, ...)
        included, as (name, value) pairs. :meth:`start` validates them and
        :attr:`handshake_fields` is the answer to send (``:status`` first);
        stream DATA goes to :meth:`parse`, writes are DATA for the stream."""
        names, values, n = _field_arrays(fields, "fields")
        return cls._new(
            lambda o, out: N.ws_driver_new_extended_server(o, names, values, n, out), opts
        )

    @classmethod
    def extended_client(
        cls, url: str, protocols: Union[str, Iterable[str], None] = None, **opts: Any
    ) -> "Driver":
        """A client that opens ``url`` as an extended CONNECT stream on your
        HTTP/2 or HTTP/3 connection: after :meth:`start`, send
        :attr:`handshake_fields`, then pass the response's fields to
        :meth:`receive_response`."""
        curl = _cstr(url, "url")
        if protocols is not None:
            opts["protocols"] = protocols
        return cls._new(
            lambda o, out: N.ws_driver_new_extended_client(o, curl, out), opts, server=False
        )

    # -- lifetime --------------------------------------------------------

    def close_handle(self) -> None:
        """Frees the native driver now. Idempotent; later commands raise
        :class:`HandleClosedError`, queries answer as for a closed driver."""
        self._h = None
        self._hv = None
        self._finalizer()
        self._ping_callbacks.clear()

    @property
    def closed_handle(self) -> bool:
        return self._h is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close_handle()
        return False

    def __repr__(self):
        if self._h is None:
            return "<wsdriver.Driver (freed)>"
        return "<wsdriver.Driver %s %s>" % (self.version or "?", self.state.name.lower())

    # -- listeners -------------------------------------------------------

    def on(self, event: str, fn: Optional[Callable[..., Any]] = None) -> Any:
        """Registers ``fn`` for ``event`` (``open``, ``message``, ``close``...
        each called with an :class:`Event`; ``write`` called with ``bytes``).
        Without ``fn``, returns a decorator. Returns ``fn``."""
        if event not in _LISTENABLE:
            raise ValueError("unknown event %r (one of %s)" % (event, ", ".join(_LISTENABLE)))
        return add_listener(self.on, self._listeners, event, fn)

    def off(self, event: str, fn: Optional[Callable[..., Any]] = None) -> None:
        """Removes ``fn`` (or every listener) for ``event``."""
        if event not in _LISTENABLE:
            raise ValueError("unknown event %r" % (event,))
        if fn is None:
            self._listeners.get(event, []).clear()
        else:
            self._listeners.get(event, []).remove(fn)

    # -- handshake and closing -------------------------------------------

    def start(self) -> bool:
        """Sends the handshake (client request, or server response). Returns
        False when a server's request is not an acceptable WebSocket request
        (a 400 response was written; error and close events follow)."""
        code = N.ws_start(self._handle())
        if code == N.HANDSHAKE_FAILED:
            self._drain()
            return False
        self._command(code, "start")
        return True

    def close(self, code: Optional[int] = None, reason: str = "") -> bool:
        """Starts the closing handshake (``code`` defaults to 1000). Returns
        False when the connection is already closing or closed; raises
        ValueError for a code that may not be sent or a reason over 123
        bytes."""
        if code is None:
            code = 0
        elif isinstance(code, bool) or not isinstance(code, int):
            raise TypeError("code must be an int or None")
        elif not 0 <= code < 1 << 32:
            raise ValueError("close code %d may not be sent" % code)
        if not isinstance(reason, str):
            raise TypeError("reason must be str")
        r = reason.encode("utf-8")
        res = N.ws_close(self._handle(), code, r, len(r))
        if res == N.INVALID_STATE:
            self._drain()
            return False
        self._command(res, "close")
        return True

    def transport_closed(self) -> None:
        """The transport reached EOF or failed: emits close (1006) unless
        the connection had already closed."""
        self._command(N.ws_transport_closed(self._handle()), "transport_closed")

    def set_header(self, name: str, value: str) -> None:
        """Adds a handshake header (before :meth:`start`)."""
        n = _cstr(name, "header name")
        v = _cstr(value, "header value")
        code = N.ws_set_header(self._handle(), n, v)
        if code != N.OK:
            _raise(code, "set_header", N.ws_last_error(self._h))

    def reject(self, status: int, headers: Any = None, body: Any = b"") -> None:
        """Server, instead of :meth:`start`: answers the request with an
        HTTP response of your own (``status`` 200-599, ``headers`` a mapping
        or (name, value) pairs, ``body`` bytes or str) and closes: a close
        event with no code follows. ``Content-Length`` is added unless
        given (a given one must be the body's length; no
        ``Transfer-Encoding``). Raises :class:`InvalidStateError` before the
        request arrived or once answered, ``ValueError`` for a bad status or
        header."""
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError("status must be an int")
        names, values, n = _field_arrays(headers)
        data = body.encode("utf-8") if isinstance(body, str) else _buffer(body, "body")
        code = N.ws_reject(
            self._handle(), status if 0 <= status < 1 << 32 else 0, names, values, n, data, len(data)
        )
        self._command(code, "reject")

    def select_protocol(self, protocol: Optional[str]) -> None:
        """Server, before :meth:`start`: agrees on ``protocol`` (one the
        client offered, see :attr:`offered_protocols`) or on none
        (``None``) for this request, whatever the ``protocols`` option says."""
        p = None if protocol is None else _cstr(protocol, "protocol")
        code = N.ws_select_protocol(self._handle(), p)
        if code != N.OK:
            _raise(code, "select_protocol", N.ws_last_error(self._h))

    def receive_response(self, fields: Headers) -> bool:
        """Extended CONNECT client: the response's fields (``:status``
        included) arrived. True when the connection opened; False when the
        response refused it (error and close events follow)."""
        names, values, n = _field_arrays(fields, "fields")
        code = N.ws_extended_response(self._handle(), names, values, n)
        if code == N.HANDSHAKE_FAILED:
            self._drain()
            return False
        self._command(code, "receive_response")
        return True

    def add_deflate(self, deflate: Optional[Deflate] = None) -> None:
        """Enables permessage-deflate (before :meth:`start`), with the
        defaults or the given :class:`Deflate` settings. A server uses it
        when the client offers it; a client offers it."""
        if deflate is not None and not isinstance(deflate, Deflate):
            raise TypeError("deflate must be a wsdriver.Deflate")
        h = self._handle()
        self._direct = False  # framing goes through the extension
        settings = deflate._native() if deflate is not None else None
        try:
            code = N.ws_add_deflate(h, settings)
        finally:
            if settings is not None:
                N.ws_deflate_free(settings)
        if code != N.OK:
            _raise(code, "add_deflate", N.ws_last_error(h))
