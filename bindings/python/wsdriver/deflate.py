"""permessage-deflate (RFC 7692) settings, for ``Driver.*(deflate=...)``."""

from typing import Optional

from . import _native as N
from .errors import InvalidArgumentError, _result_text

__all__ = ["Deflate"]


class Deflate:
    """Settings of permessage-deflate; the native ``ws_deflate``.

    ``level`` 0-9 (zlib); messages shorter than ``min_size`` go out
    uncompressed; ``server_no_context_takeover`` and
    ``client_no_context_takeover`` compress each message on its own (a
    server asks the client to, a client offers it); ``server_max_window_bits``
    and ``client_max_window_bits`` (8-15 or None) limit the windows;
    ``offer_client_max_window_bits`` (clients) lets the server limit ours.
    ``Driver.server(deflate=True)`` uses the defaults.
    """

    __slots__ = (
        "level",
        "min_size",
        "server_no_context_takeover",
        "client_no_context_takeover",
        "server_max_window_bits",
        "client_max_window_bits",
        "offer_client_max_window_bits",
    )

    def __init__(
        self,
        level: int = 6,
        min_size: int = 0,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: Optional[int] = None,
        client_max_window_bits: Optional[int] = None,
        offer_client_max_window_bits: bool = True,
    ) -> None:
        self.level = level
        self.min_size = min_size
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits
        self.offer_client_max_window_bits = offer_client_max_window_bits

    def __repr__(self) -> str:
        return "Deflate(%s)" % ", ".join("%s=%r" % (k, getattr(self, k)) for k in self.__slots__)

    def _native(self) -> int:
        """A new ``ws_deflate`` with these settings (the caller frees it)."""
        handle = N.ws_deflate_new()
        if not handle:
            raise MemoryError("ws_deflate_new failed")
        try:
            for name, setter, value in (
                ("level", N.ws_deflate_set_level, _int(self.level, "level")),
                ("min_size", N.ws_deflate_set_min_size, _int(self.min_size, "min_size")),
                (
                    "server_no_context_takeover",
                    N.ws_deflate_set_server_no_context_takeover,
                    _flag(self.server_no_context_takeover),
                ),
                (
                    "client_no_context_takeover",
                    N.ws_deflate_set_client_no_context_takeover,
                    _flag(self.client_no_context_takeover),
                ),
                (
                    "server_max_window_bits",
                    N.ws_deflate_set_server_max_window_bits,
                    _bits(self.server_max_window_bits, "server_max_window_bits"),
                ),
                (
                    "client_max_window_bits",
                    N.ws_deflate_set_client_max_window_bits,
                    _bits(self.client_max_window_bits, "client_max_window_bits"),
                ),
                (
                    "offer_client_max_window_bits",
                    N.ws_deflate_set_offer_client_max_window_bits,
                    _flag(self.offer_client_max_window_bits),
                ),
            ):
                code = setter(handle, value)
                if code != N.OK:
                    raise InvalidArgumentError(
                        "deflate %s=%r: %s" % (name, getattr(self, name), _result_text(code)), code
                    )
            return handle
        except BaseException:
            N.ws_deflate_free(handle)
            raise


def _int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError("deflate %s must be a non-negative int" % name)
    return min(value, (1 << 32) - 1) if name == "level" else value


def _bits(value, name):
    return 0 if value is None else _int(value, name)


def _flag(value):
    return 1 if value else 0
