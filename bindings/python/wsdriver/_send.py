"""Sending messages and control frames, each in one native call."""

import threading
from ctypes import addressof, c_char, c_size_t, c_uint64, c_void_p
from typing import Any, Callable, List, Optional, Union

from . import _native as N
from ._args import _buffer, _payload
from ._dispatch import Dispatch
from .errors import HandleClosedError

__all__: List[str] = []


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


class Sending(Dispatch):
    """Mixed into :class:`wsdriver.Driver`: ``text``, ``binary``, ``send``,
    ``ping`` and ``pong``."""

    _direct: bool  # a server's unmasked frames: header + payload (ws_frame_header)
    _sent: c_size_t
    _sent_ref: Any
    _next_token: int

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
