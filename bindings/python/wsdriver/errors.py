"""The exceptions raised by the binding, one per ``ws_result`` kind."""

from typing import NoReturn, Optional

from . import _native as N

__all__ = [
    "WSDriverError",
    "InvalidArgumentError",
    "InvalidStateError",
    "InvalidURLError",
    "InvalidUTF8Error",
    "NotSupportedError",
    "LimitExceededError",
    "PanicError",
    "HandleClosedError",
]

class WSDriverError(Exception):
    """A C call failed. ``result`` is the ``ws_result`` code."""

    def __init__(self, message: str, result: Optional[int] = None) -> None:
        super().__init__(message)
        self.result = result


class InvalidArgumentError(WSDriverError, ValueError):
    """WS_RESULT_INVALID_ARGUMENT: bad option, code, reason, header..."""


class InvalidURLError(WSDriverError, ValueError):
    """WS_RESULT_INVALID_URL."""


class InvalidUTF8Error(WSDriverError, ValueError):
    """WS_RESULT_INVALID_UTF8."""


class InvalidStateError(WSDriverError):
    """WS_RESULT_INVALID_STATE: sending once closing/closed, starting twice..."""


class NotSupportedError(WSDriverError):
    """WS_RESULT_NOT_SUPPORTED: binary, ping and pong on hixie drivers."""


class LimitExceededError(WSDriverError):
    """WS_RESULT_LIMIT_EXCEEDED: queue before open full, too many pings."""


class PanicError(WSDriverError):
    """WS_RESULT_PANIC: the native object is poisoned; only freeing helps."""


class HandleClosedError(WSDriverError, ValueError):
    """The driver's native handle was already freed (``close_handle``)."""


_ERRORS = {
    N.INVALID_ARGUMENT: InvalidArgumentError,
    N.INVALID_URL: InvalidURLError,
    N.INVALID_UTF8: InvalidUTF8Error,
    N.INVALID_STATE: InvalidStateError,
    N.NOT_SUPPORTED: NotSupportedError,
    N.LIMIT_EXCEEDED: LimitExceededError,
    N.PANIC: PanicError,
}


def _result_text(code: int) -> str:
    return N.ws_result_text(code).decode("utf-8", "replace")


def _raise(code: int, what: str, detail: Optional[bytes] = None) -> NoReturn:
    cls = _ERRORS.get(code, WSDriverError)
    text = detail.decode("utf-8", "replace") if detail else _result_text(code)
    raise cls("%s: %s" % (what, text), code)

