"""The Pythonic driver over libwsdriver's pull API.

No C callback is ever registered: input goes in with ``ws_feed`` and every
write or event comes out of ``ws_poll`` one at a time, and is dispatched
from Python. So an exception raised by a listener simply propagates out of
the call that was dispatching (``parse``, ``text``, ``start``...), and the
input not yet parsed stays in the driver: the next ``parse`` (or ``flush``)
carries on from the event after the one whose listener raised.
"""

import threading
import weakref
from ctypes import addressof, byref, c_char, c_size_t, c_uint64, c_void_p
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

#: Headers as a mapping or (name, value) pairs.
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]

from . import _native as N
from ._args import _buffer, _build_options, _cstr, _field_arrays, _header_pairs, _payload
from ._batch import Batch
from .deflate import Deflate
from .errors import HandleClosedError, WSDriverError, _raise
from .events import LISTENABLE as _LISTENABLE
from .events import Event, add_listener
from .queries import Queries

__all__ = ["Driver"]


#: The largest frame header (payload length 2**16 or more, masked).
_FRAME_HEAD = 14
#: Send buffers grow to fit messages up to this size; larger ones are
#: framed by the driver and taken as a write action.
_SEND_BUFFER_MAX = 1 << 21
#: One send buffer per thread, shared by its drivers: a frame is copied
#: out of it as soon as ws_send_into returns.
_local = threading.local()
_INT_MAX = (1 << 31) - 1
#: From this size on, a server's message goes out as header + payload.
_SPLIT = 1 << 14


class _SendBuffer:
    """A buffer ws_send_into frames into; ``room`` is the largest payload
    whose frame surely fits."""

    __slots__ = ("size", "room", "addr", "cap", "bytes", "view")

    def __init__(self, need):
        size = 4096
        while size < need and size < _SEND_BUFFER_MAX:
            size *= 2
        self.bytes = bytearray(size)
        self.size = size
        self.room = size - _FRAME_HEAD
        self.addr = c_void_p(addressof((c_char * size).from_buffer(self.bytes)))
        self.cap = c_size_t(size)
        self.view = memoryview(self.bytes)


class Driver(Queries):
    """One WebSocket connection's protocol state (a native ``ws_driver``).

    Make one with :meth:`server`, :meth:`client` or :meth:`rack`. Feed bytes
    from the transport to :meth:`parse`; bytes to send go to the write sink
    (``write=`` at construction or ``on("write", fn)``), or, without one,
    collect for :meth:`take_output`. Events go to listeners registered with
    :meth:`on` (each is called with an :class:`Event`), or can be iterated
    with :meth:`events`.

    Not thread-safe: use a driver from one thread at a time.
    """

    # Set by _new (the constructor is refused: use the class methods).
    _hv: Optional[c_void_p]
    _listeners: Dict[str, List[Callable[..., Any]]]
    _sinks: List[Callable[[bytes], Any]]
    _ping_callbacks: Dict[int, Callable[[], Any]]
    _next_token: int
    _dispatching: bool
    _batch: Batch
    _direct: bool
    _sent: c_size_t
    _sent_ref: Any
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

    def _handle(self):
        h = self._h
        if h is None:
            raise HandleClosedError("the driver's native handle was freed")
        return h

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

    # -- dispatch --------------------------------------------------------

    def _take(self):
        """Takes actions until the next event: writes go to the sink. Returns
        the Event, a ping token (int), or None when there is nothing."""
        items = self._batch.items
        while True:
            hv = self._hv
            if hv is None:
                return None  # close_handle() stops dispatch
            if not items:
                # (A batch of action kinds from a newer library only is empty.)
                if not self._batch.fill(self._h, hv):
                    return None
                continue
            item = items.popleft()
            if item.__class__ is bytes:
                sinks = self._sinks
                if sinks:
                    for fn in sinks:
                        fn(item)
                else:
                    self._out += item
                continue
            if item.__class__ is Event and item.type == "close":
                self._ping_callbacks.clear()
            return item

    def _dispatch(self, ev):
        if ev.__class__ is int:
            cb = self._ping_callbacks.pop(ev, None)
            if cb is not None:
                cb()
            return
        fns = self._listeners.get(ev.type)
        if fns:
            for fn in tuple(fns):
                fn(ev)

    def _drain(self):
        if self._dispatching:
            # Called from a listener (or while iterating events()): the
            # dispatch already running picks the new actions up, in order.
            return
        self._dispatching = True
        try:
            while True:
                ev = self._take()
                if ev is None:
                    return
                self._dispatch(ev)
        finally:
            self._dispatching = False

    def flush(self) -> None:
        """Delivers what is waiting (writes, events of input already fed)."""
        self._drain()

    def events(self, data: Any = None) -> Iterator[Event]:
        """Feeds ``data`` (if given) and returns an iterator over the events
        it produces, taken one at a time. Listeners are still called for
        each event before it is yielded; writes go to the sink (or
        :meth:`take_output`) as they come. Commands given in the loop body
        are ordered before anything later on the wire; their writes are
        delivered as the iteration goes on (call :meth:`flush` after leaving
        the loop early)."""
        if data is not None:
            self._feed(data)
        return self._iterate()

    def _iterate(self):
        if self._dispatching:
            raise RuntimeError("events() while the driver is already dispatching")
        self._dispatching = True
        try:
            while True:
                ev = self._take()
                if ev is None:
                    return
                self._dispatch(ev)
                if ev.__class__ is not int:
                    yield ev
        finally:
            self._dispatching = False

    def feed(self, data: Any) -> None:
        """Stores bytes received from the transport without dispatching
        anything; :meth:`next_event` (or :meth:`flush`) takes it from there."""
        self._feed(data)

    def next_event(self) -> Optional[Event]:
        """Parses up to the next event, delivers the writes before it,
        calls its listeners and returns it; None when the input fed so far
        holds no further event. Parsing stops there, so what the caller
        does next (send, close) goes on the wire before anything later."""
        if self._dispatching:
            raise RuntimeError("next_event() while the driver is already dispatching")
        self._dispatching = True
        try:
            while True:
                ev = self._take()
                if ev is None:
                    return None
                self._dispatch(ev)
                if ev.__class__ is not int:
                    return ev
        finally:
            self._dispatching = False

    def take_output(self) -> bytes:
        """The bytes written while no write sink was set (and clears them)."""
        out = bytes(self._out)
        self._out.clear()
        return out

    # -- commands --------------------------------------------------------

    def _feed(self, data):
        data = data if data.__class__ is bytes else _buffer(data, "data")
        hv = self._hv
        if hv is None:
            raise HandleClosedError("the driver's native handle was freed")
        fast = N.fast
        if fast is not None:
            code = fast.feed(self._h, data)
        else:
            code = N.ws_feed_fast(hv, data, c_size_t(len(data)))
        if code != N.OK:
            _raise(code, "ws_feed", N.ws_last_error(hv.value))

    def _command(self, code, what, ok=(N.OK,)):
        if code not in ok:
            h = self._h
            detail = N.ws_last_error(h) if h is not None else None
            self._drain()
            _raise(code, what, detail)
        self._drain()

    def parse(self, data: Any) -> None:
        """Feeds bytes received from the transport and dispatches the
        resulting writes and events. A listener's exception propagates;
        unparsed input stays for the next ``parse`` (``parse(b"")`` just
        resumes). From inside a listener, only stores the bytes."""
        self._feed(data)
        self._drain()

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

    def text(self, message: str) -> None:
        """Sends a text message (queued until the connection opens)."""
        if message.__class__ is not str and not isinstance(message, str):
            raise TypeError("text() takes str, not %s" % type(message).__name__)
        self._send(N.MESSAGE_TEXT, message, "text")

    def binary(self, message: Any) -> None:
        """Sends a binary message (queued until the connection opens)."""
        data = message if message.__class__ is bytes else _buffer(message, "message")
        self._send(N.MESSAGE_BINARY, data, "binary")

    def _send(self, kind, data, what):
        # One native call. With the extension, _speedups.send frames the
        # message straight into the bytes to write; without it,
        # ws_send_into frames it into this thread's buffer when it can go
        # out at once. Else it was queued and is taken as a write action.
        # A server's large binary message gets its header alone
        # (ws_frame_header) and goes to the sink as two writes, the payload
        # being the caller's own bytes: no copy at all. (Python's per-call
        # costs matter here: every sender's hot path.)
        fast = N.fast
        if fast is not None:
            h = self._h
            if h is None:
                raise HandleClosedError("the driver's native handle was freed")
            # bytes (the frame), None (queued: drain), (header, payload),
            # or an int: the code of a refusal.
            out = fast.send(h, data, self._direct)
            cls = out.__class__
            if cls is bytes:
                sinks = self._sinks  # inline: a method call here costs a tenth
                if sinks:
                    for fn in sinks:
                        fn(out)
                else:
                    self._out += out
            elif out is None:
                self._drain()
            elif cls is tuple:  # header, payload
                head, payload = out
                sinks = self._sinks
                if sinks:
                    for fn in sinks:
                        fn(head)
                        fn(payload)
                else:
                    self._out += head
                    self._out += payload
            else:
                self._command(out, what)
            return
        if kind == N.MESSAGE_TEXT:
            data = data.encode("utf-8")
        hv = self._hv
        if hv is None:
            raise HandleClosedError("the driver's native handle was freed")
        n = len(data)
        try:
            buf = _local.buf
        except AttributeError:
            buf = _local.buf = _SendBuffer(0)
        if n >= _SPLIT and not N.ws_frame_header(hv, kind, c_uint64(n), buf.addr, self._sent_ref):
            self._deliver(bytes(buf.bytes[: self._sent.value]))
            self._deliver(data)
            return
        if n > buf.room and buf.size < _SEND_BUFFER_MAX:
            buf = _local.buf = _SendBuffer(n + _FRAME_HEAD)
        # A small int passes as a C int, which the call ABI widens to size_t.
        code = N.ws_send_into(
            hv, kind, data, n if n < _INT_MAX else c_size_t(n), buf.addr, buf.cap, self._sent_ref
        )
        if code:
            self._command(code, what)
        framed = self._sent.value
        if not framed:
            self._drain()
            return
        out = bytes(buf.bytes[:framed]) if framed < _SPLIT else bytes(buf.view[:framed])
        sinks = self._sinks  # inline: a method call here costs a tenth
        if sinks:
            for fn in sinks:
                fn(out)
        else:
            self._out += out

    def _deliver(self, out):
        sinks = self._sinks
        if sinks:
            for fn in sinks:
                fn(out)
        else:
            self._out += out

    def send(self, message: Union[str, bytes, bytearray, memoryview]) -> None:
        """``text`` for str, ``binary`` for bytes-like."""
        if isinstance(message, str):
            self.text(message)
        else:
            self.binary(message)

    def ping(
        self, payload: Union[str, bytes] = b"", callback: Optional[Callable[[], Any]] = None
    ) -> None:
        """Sends a ping (payload of at most 125 bytes). ``callback()`` is
        called once, when the matching pong arrives."""
        data = _payload(payload, "payload")
        h = self._handle()
        if callback is None:
            code = N.ws_ping(h, data, len(data), None, None)
        else:
            if not callable(callback):
                raise TypeError("callback must be callable")
            token = self._next_token
            self._next_token = token + 1 if token < (1 << 63) - 1 else 1
            self._ping_callbacks[token] = callback
            code = N.ws_ping_token(h, data, len(data), token)
            if code != N.OK:
                self._ping_callbacks.pop(token, None)
        self._command(code, "ping")

    def pong(self, payload: Union[str, bytes] = b"") -> None:
        """Sends an unsolicited pong (at most 125 bytes)."""
        data = _payload(payload, "payload")
        self._command(N.ws_pong(self._handle(), data, len(data)), "pong")

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
        given. Raises :class:`InvalidStateError` before the request arrived
        or once answered, ``ValueError`` for a bad status or header."""
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
