"""Python values to C arguments: strings, buffers, options, headers."""

from ctypes import c_char_p

from . import _native as N
from .errors import InvalidArgumentError, WSDriverError, _result_text

def _cstr(value, what):
    """A str (or bytes) for a C string argument; refuses NULs."""
    if isinstance(value, str):
        b = value.encode("utf-8")
    elif isinstance(value, (bytes, bytearray)):
        b = bytes(value)
    else:
        raise TypeError("%s must be str, not %s" % (what, type(value).__name__))
    if b"\0" in b:
        raise ValueError("%s must not contain NUL characters" % what)
    return b


def _buffer(data, what):
    """bytes from a bytes-like object (no str)."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        raise TypeError("%s must be bytes-like, not str (encode it first)" % what)
    try:
        return bytes(memoryview(data))
    except TypeError:
        raise TypeError("%s must be bytes-like, not %s" % (what, type(data).__name__)) from None


def _payload(data, what):
    """A control payload: bytes-like, or str (sent as UTF-8)."""
    if isinstance(data, str):
        return data.encode("utf-8")
    return _buffer(data, what)


def _uint(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("option %s must be an int, not %s" % (name, type(value).__name__))
    if not 0 <= value < 1 << 64:
        raise ValueError("option %s must be between 0 and 2**64 - 1" % name)
    return value


def _tristate(value, name):
    if value is None:
        return -1
    if isinstance(value, bool):
        return 1 if value else 0
    raise TypeError("option %s must be True, False or None" % name)


_UINT_OPTIONS = {
    "max_length": N.ws_options_set_max_length,
    "max_head_size": N.ws_options_set_max_head_size,
    "max_headers": N.ws_options_set_max_headers,
    "max_queued": N.ws_options_set_max_queued,
    "max_pending_pings": N.ws_options_set_max_pending_pings,
    "retained_buffer": N.ws_options_set_retained_buffer,
}
_TRISTATE_OPTIONS = {
    "masking": N.ws_options_set_masking,
    "require_masking": N.ws_options_set_require_masking,
}
# Options handled by the Python side rather than ws_options.
_PY_OPTIONS = ("write", "headers", "deflate")


def _check_opt(code, name):
    if code != N.OK:
        cls = InvalidArgumentError if code == N.INVALID_ARGUMENT else WSDriverError
        raise cls("option %s: %s" % (name, _result_text(code)), code)


def _build_options(opts):
    """A fresh ws_options (caller frees) from keyword options."""
    handle = N.ws_options_new()
    if not handle:
        raise MemoryError("ws_options_new failed")
    try:
        for name, value in opts.items():
            if name in _UINT_OPTIONS:
                _check_opt(_UINT_OPTIONS[name](handle, _uint(value, name)), name)
            elif name in _TRISTATE_OPTIONS:
                _check_opt(_TRISTATE_OPTIONS[name](handle, _tristate(value, name)), name)
            elif name == "protocols":
                if value is None:
                    continue
                if isinstance(value, (str, bytes)):
                    value = [value]
                for p in value:
                    _check_opt(N.ws_options_add_protocol(handle, _cstr(p, "protocol")), name)
            elif name == "client_key":
                key = None if value is None else _cstr(value, "client_key")
                _check_opt(N.ws_options_set_client_key(handle, key), name)
            elif name in _PY_OPTIONS:
                pass
            else:
                raise TypeError("unexpected option %r" % name)
        return handle
    except BaseException:
        N.ws_options_free(handle)
        raise


def _str(b):
    return None if b is None else b.decode("utf-8", "replace")


def _header_pairs(headers, what="headers"):
    if headers is None:
        return []
    if hasattr(headers, "items"):
        headers = headers.items()
    pairs = []
    for item in headers:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise TypeError("%s must be a mapping or (name, value) pairs" % what) from None
        pairs.append((_cstr(name, "header name"), _cstr(value, "header value")))
    return pairs


def _field_arrays(fields, what="headers"):
    """(names, values, count): C arrays of header fields for the C API."""
    pairs = _header_pairs(fields, what)
    n = len(pairs)
    names = (c_char_p * max(n, 1))(*[p[0] for p in pairs])
    values = (c_char_p * max(n, 1))(*[p[1] for p in pairs])
    return names, values, n
