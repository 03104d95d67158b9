"""The values a driver hands out: its state, a server's request, events."""

import enum
from typing import Any, Callable, Dict, List, Literal, NamedTuple, Optional, Tuple, Union

from . import _native as N

__all__ = ["State", "Request", "Event", "EventType", "EVENT_TYPES"]


class State(enum.IntEnum):
    CONNECTING = N.STATE_CONNECTING
    OPEN = N.STATE_OPEN
    CLOSING = N.STATE_CLOSING
    CLOSED = N.STATE_CLOSED


class Request(NamedTuple):
    """A server's view of the opening request."""

    method: str
    path: Optional[str]
    query: Optional[str]
    headers: Dict[str, str]
    body: bytes
    url: Optional[str]


#: The kinds of event a driver emits (``Event.type``).
EventType = Literal["connect", "open", "message", "ping", "pong", "close", "error"]
EVENT_TYPES: Tuple[str, ...] = ("connect", "open", "message", "ping", "pong", "close", "error")
LISTENABLE: Tuple[str, ...] = EVENT_TYPES + ("write",)


def add_listener(
    on: Callable[..., Any], listeners: Dict[str, List[Any]], event: str, fn: Any
) -> Any:
    """What ``on(event, fn)`` does once ``event`` is known to be valid: without
    ``fn``, returns a decorator; otherwise appends ``fn`` and returns it."""
    if fn is None:
        return lambda f: on(event, f)
    if not callable(fn):
        raise TypeError("listener must be callable")
    listeners.setdefault(event, []).append(fn)
    return fn


class Event:
    """One event taken from the driver.

    ``type`` is one of ``connect``, ``open``, ``message``, ``ping``,
    ``pong``, ``close``, ``error`` (:data:`EventType`). ``data`` is the
    message (``str`` for text, ``bytes`` for binary) or the ping/pong
    payload (``bytes``). ``code`` is the close code (``None`` when there is
    none) or, for ``error``, the close code the error maps to. ``reason`` is
    the close reason or the error message (``str``).
    """

    __slots__ = ("type", "data", "code", "reason")

    type: EventType
    data: Union[str, bytes, None]
    code: Optional[int]
    reason: Optional[str]

    def __init__(
        self,
        type: EventType,
        data: Union[str, bytes, None] = None,
        code: Optional[int] = None,
        reason: Optional[str] = None,
    ) -> None:
        self.type = type
        self.data = data
        self.code = code
        self.reason = reason

    @property
    def binary(self) -> bool:
        return isinstance(self.data, bytes) and self.type == "message"

    @property
    def message(self) -> Optional[str]:
        """The error message (alias of ``reason``)."""
        return self.reason

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return (self.type, self.data, self.code, self.reason) == (
            other.type,
            other.data,
            other.code,
            other.reason,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = [repr(self.type)]
        if self.data is not None:
            d = self.data
            parts.append("data=%r%s" % (d[:40], "..." if len(d) > 40 else ""))
        if self.code is not None:
            parts.append("code=%r" % self.code)
        if self.reason is not None:
            parts.append("reason=%r" % self.reason)
        return "Event(%s)" % ", ".join(parts)
