"""Actions taken from the driver a batch at a time (``ws_poll_many``).

One native call hands out up to ``SIZE`` writes and events; the C
extension makes them into objects (``_speedups.poll``), or else their
fields are read with one ``struct`` pass over the array and their bytes
copied at once (they are valid only until the next call), so dispatching them later,
one by one, is free of further native calls. The C side ends a batch
before anything whose handling could change what follows (a close, a ping,
an error...), so reacting to each action in turn keeps the order that
taking them one at a time with ``ws_poll`` gives.
"""

import collections
import struct
from ctypes import addressof, byref, c_size_t, c_void_p, sizeof, string_at

from . import _native as N
from .errors import _raise
from .events import Event

SIZE = 64
#: struct ws_action: struct_size, kind, message_kind, code, data, len, token.
ACTION = struct.Struct("@IIIIPNQ")
assert ACTION.size == sizeof(N.ws_action)
_STRIDE = struct.pack("@I", ACTION.size)


class Batch:
    """The driver's actions not yet dispatched: ``bytes`` for a write, an
    :class:`Event`, or an ``int`` ping token (a pong answered a ping)."""

    __slots__ = ("items", "_buf", "_array", "_addr", "_size", "_count", "_count_ref")

    def __init__(self):
        self.items = collections.deque()
        self._buf = bytearray(SIZE * ACTION.size)
        self._array = (N.ws_action * SIZE).from_buffer(self._buf)
        self._addr = c_void_p(addressof(self._array))
        self._size = c_size_t(SIZE)
        self._count = c_size_t()
        self._count_ref = byref(self._count)

    def fill(self, h, hv):
        """Takes the next batch into ``items``; False when there is none.
        ``h`` is the driver's handle as an int, ``hv`` as a ``c_void_p``."""
        fast = N.fast
        if fast is not None:
            got = fast.poll(h)  # the same batch, made into objects in C
            if got is None:
                return False
            if got.__class__ is int:
                _raise(got, "ws_poll_many", N.ws_last_error(h))
            self.items.extend(got)
            return True
        buf = self._buf
        buf[0:4] = _STRIDE
        code = N.ws_poll_many(hv, self._addr, self._size, self._count_ref)
        if code == N.EMPTY:
            return False
        if code != N.OK:
            _raise(code, "ws_poll_many", N.ws_last_error(hv.value))
        n = self._count.value
        append = self.items.append
        for _, kind, message_kind, code, data, length, token in ACTION.iter_unpack(
            memoryview(buf)[: n * ACTION.size]
        ):
            if kind == N.ACTION_WRITE:
                append(string_at(data, length))
            elif kind == N.ACTION_MESSAGE:
                payload = string_at(data, length)
                if message_kind == N.MESSAGE_TEXT:
                    payload = payload.decode("utf-8")
                append(Event("message", payload))
            elif kind == N.ACTION_PING:
                append(Event("ping", string_at(data, length)))
            elif kind == N.ACTION_PONG:
                append(Event("pong", string_at(data, length)))
            elif kind == N.ACTION_OPEN:
                append(Event("open"))
            elif kind == N.ACTION_CONNECT:
                append(Event("connect"))
            elif kind == N.ACTION_CLOSE:
                reason = string_at(data, length).decode("utf-8", "replace")
                append(Event("close", code=code or None, reason=reason))
            elif kind == N.ACTION_ERROR:
                message = string_at(data, length).decode("utf-8", "replace")
                append(Event("error", code=code or None, reason=message))
            elif kind == N.ACTION_PING_ANSWERED:
                append(int(token))
            # An action kind from a newer library: skipped.
        return True
