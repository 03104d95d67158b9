"""How a driver's writes and events come out: the pull API, dispatched from
Python.

No C callback is ever registered: input goes in with ``ws_feed`` and every
write or event comes out of ``ws_poll`` one at a time, and is dispatched
from Python. So an exception raised by a listener simply propagates out of
the call that was dispatching (``parse``, ``text``, ``start``...), and the
input not yet parsed stays in the driver: the next ``parse`` (or ``flush``)
carries on from the event after the one whose listener raised.
"""

from ctypes import c_size_t, c_void_p
from typing import Any, Callable, Dict, Iterator, List, Optional

from . import _native as N
from ._args import _buffer
from ._batch import Batch
from .errors import HandleClosedError, _raise
from .events import Event
from .queries import Queries

__all__: List[str] = []


class Dispatch(Queries):
    """Mixed into :class:`wsdriver.Driver`: feeding input, and handing the
    resulting writes to the sink and events to the listeners."""

    _hv: Optional[c_void_p]  # the handle as c_void_p, for calls without argtypes
    _listeners: Dict[str, List[Callable[..., Any]]]
    _sinks: List[Callable[[bytes], Any]]  # the write listeners
    _ping_callbacks: Dict[int, Callable[[], Any]]
    _dispatching: bool
    _batch: Batch

    def _handle(self):
        h = self._h
        if h is None:
            raise HandleClosedError("the driver's native handle was freed")
        return h

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
