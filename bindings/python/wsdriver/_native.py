"""ctypes declarations for libwsdriver (include/wsdriver.h).

Only this module knows the C signatures. The library is found through, in
order: the package's own copy (``wsdriver/libwsdriver.so``, put there by the
wheel build), the ``WSDRIVER_LIB`` environment variable (a path to the shared
library), then ``ctypes.util.find_library("wsdriver")``. The constants below
are checked against ``include/wsdriver.h`` by tests/test_header_constants.py.
"""

import ctypes
import ctypes.util
import os
import sys
from ctypes import (
    POINTER,
    Structure,
    c_char_p,
    c_int,
    c_int32,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)

# ws_result
OK = 0
NULL_PARAMETER = 1
PANIC = 2
INVALID_ARGUMENT = 3
INVALID_STATE = 4
NOT_SUPPORTED = 5
INVALID_UTF8 = 6
INVALID_URL = 7
CALLBACK_STOPPED = 8
BUFFER_TOO_SMALL = 9
LIMIT_EXCEEDED = 10
HANDSHAKE_FAILED = 11
EMPTY = 12

# ws_action.kind
ACTION_WRITE = 1
ACTION_CONNECT = 2
ACTION_OPEN = 3
ACTION_MESSAGE = 4
ACTION_PING = 5
ACTION_PONG = 6
ACTION_PING_ANSWERED = 7
ACTION_CLOSE = 8
ACTION_ERROR = 9

MESSAGE_TEXT = 1
MESSAGE_BINARY = 2

STATE_CONNECTING = 0
STATE_OPEN = 1
STATE_CLOSING = 2
STATE_CLOSED = 3


class ws_action(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("kind", c_uint32),
        ("message_kind", c_uint32),
        ("code", c_uint32),
        ("data", c_void_p),
        ("len", c_size_t),
        ("token", c_uint64),
    ]


_LIBNAME = {"darwin": "libwsdriver.dylib", "win32": "wsdriver.dll"}.get(
    sys.platform, "libwsdriver.so"
)


def _candidates():
    """Where to look, in order: the package's own copy (a wheel carries
    one), WSDRIVER_LIB, the system's."""
    here = os.path.dirname(os.path.abspath(__file__))
    yield "the package's copy", os.path.join(here, _LIBNAME)
    env = os.environ.get("WSDRIVER_LIB")
    if env:
        yield "WSDRIVER_LIB", env
    # Last, and only then: find_library runs ldconfig.
    yield "find_library('wsdriver')", ctypes.util.find_library("wsdriver")


def load_library():
    tried = []
    for origin, path in _candidates():
        if path is None:
            tried.append("%s: not found" % origin)
            continue
        if os.sep in path and not os.path.exists(path):
            tried.append("%s: %s (no such file)" % (origin, path))
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s: %s (%s)" % (origin, path, e))
    raise ImportError(
        "wsdriver: cannot load libwsdriver. Tried:\n  "
        + "\n  ".join(tried)
        + "\nInstall the wheel (`pip install ./bindings/python` builds one with "
        "cargo), or set WSDRIVER_LIB to the path of libwsdriver.so."
    )


lib = load_library()

_drv = c_void_p
_opts = c_void_p
_res = c_uint32
_ptr = c_void_p  # byte buffers are passed as c_char_p/c_void_p


def _fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


# options
ws_options_new = _fn("ws_options_new", _opts)
ws_options_free = _fn("ws_options_free", None, _opts)
ws_options_set_max_length = _fn("ws_options_set_max_length", _res, _opts, c_uint64)
ws_options_add_protocol = _fn("ws_options_add_protocol", _res, _opts, c_char_p)
ws_options_set_masking = _fn("ws_options_set_masking", _res, _opts, c_int32)
ws_options_set_require_masking = _fn("ws_options_set_require_masking", _res, _opts, c_int32)
ws_options_set_max_head_size = _fn("ws_options_set_max_head_size", _res, _opts, c_size_t)
ws_options_set_max_headers = _fn("ws_options_set_max_headers", _res, _opts, c_size_t)
ws_options_set_max_queued = _fn("ws_options_set_max_queued", _res, _opts, c_size_t)
ws_options_set_max_pending_pings = _fn("ws_options_set_max_pending_pings", _res, _opts, c_size_t)
ws_options_set_retained_buffer = _fn("ws_options_set_retained_buffer", _res, _opts, c_size_t)
ws_options_set_client_key = _fn("ws_options_set_client_key", _res, _opts, c_char_p)

# constructors
ws_driver_new_server = _fn("ws_driver_new_server", _res, _opts, POINTER(c_void_p))
ws_driver_new_client = _fn("ws_driver_new_client", _res, _opts, c_char_p, POINTER(c_void_p))
ws_driver_new_rack = _fn(
    "ws_driver_new_rack",
    _res,
    _opts,
    c_char_p,
    c_char_p,
    POINTER(c_char_p),
    POINTER(c_char_p),
    c_size_t,
    c_char_p,
    c_size_t,
    c_char_p,
    POINTER(c_void_p),
)
ws_driver_free = _fn("ws_driver_free", None, _drv)
# the extended CONNECT mode (WebSockets over HTTP/2 and HTTP/3)
_fields = (POINTER(c_char_p), POINTER(c_char_p), c_size_t)
ws_driver_new_extended_server = _fn(
    "ws_driver_new_extended_server", _res, _opts, *_fields, POINTER(c_void_p)
)
ws_driver_new_extended_client = _fn(
    "ws_driver_new_extended_client", _res, _opts, c_char_p, POINTER(c_void_p)
)
ws_extended_field_count = _fn("ws_extended_field_count", c_size_t, _drv)
ws_extended_field_at = _fn(
    "ws_extended_field_at", _res, _drv, c_size_t, POINTER(c_char_p), POINTER(c_char_p)
)
ws_extended_response = _fn("ws_extended_response", _res, _drv, *_fields)

# commands
ws_start = _fn("ws_start", _res, _drv)
ws_feed = _fn("ws_feed", _res, _drv, c_char_p, c_size_t)
ws_poll = _fn("ws_poll", _res, _drv, POINTER(ws_action))
ws_text = _fn("ws_text", _res, _drv, c_char_p, c_size_t)
ws_binary = _fn("ws_binary", _res, _drv, c_char_p, c_size_t)
ws_ping = _fn("ws_ping", _res, _drv, c_char_p, c_size_t, c_void_p, c_void_p)
ws_ping_token = _fn("ws_ping_token", _res, _drv, c_char_p, c_size_t, c_uint64)
ws_pong = _fn("ws_pong", _res, _drv, c_char_p, c_size_t)
ws_close = _fn("ws_close", _res, _drv, c_uint32, c_char_p, c_size_t)
ws_transport_closed = _fn("ws_transport_closed", _res, _drv)
ws_set_header = _fn("ws_set_header", _res, _drv, c_char_p, c_char_p)
ws_buffered_amount = _fn("ws_buffered_amount", c_size_t, _drv)

# queries (returned strings are copied by c_char_p into bytes at once)
ws_state = _fn("ws_state", c_uint32, _drv)
ws_driver_version = _fn("ws_driver_version", c_char_p, _drv)
ws_protocol = _fn("ws_protocol", c_char_p, _drv)
ws_status = _fn("ws_status", c_uint32, _drv)
ws_url = _fn("ws_url", c_char_p, _drv)
ws_header_count = _fn("ws_header_count", c_size_t, _drv)
ws_header_at = _fn(
    "ws_header_at", _res, _drv, c_size_t, POINTER(c_char_p), POINTER(c_char_p)
)
ws_header = _fn("ws_header", c_char_p, _drv, c_char_p)
ws_request_method = _fn("ws_request_method", c_char_p, _drv)
ws_request_path = _fn("ws_request_path", c_char_p, _drv)
ws_request_query = _fn("ws_request_query", c_char_p, _drv)
ws_request_body = _fn(
    "ws_request_body", _res, _drv, POINTER(c_void_p), POINTER(c_size_t)
)
ws_is_websocket = _fn("ws_is_websocket", c_int, _drv)
ws_last_error = _fn("ws_last_error", c_char_p, _drv)
ws_result_text = _fn("ws_result_text", c_char_p, c_uint32)
ws_version = _fn("ws_version", c_char_p)

# proxy
_prx = c_void_p
ws_proxy_new = _fn("ws_proxy_new", _res, _drv, c_char_p, POINTER(c_void_p))
ws_proxy_free = _fn("ws_proxy_free", None, _prx)
ws_proxy_set_header = _fn("ws_proxy_set_header", _res, _prx, c_char_p, c_char_p)
ws_proxy_start = _fn("ws_proxy_start", _res, _prx)
ws_proxy_parse = _fn(
    "ws_proxy_parse", _res, _prx, c_char_p, c_size_t, POINTER(c_size_t)
)
ws_proxy_poll = _fn("ws_proxy_poll", _res, _prx, POINTER(ws_action))
ws_proxy_status = _fn("ws_proxy_status", c_uint32, _prx)
ws_proxy_header_count = _fn("ws_proxy_header_count", c_size_t, _prx)
ws_proxy_header_at = _fn(
    "ws_proxy_header_at", _res, _prx, c_size_t, POINTER(c_char_p), POINTER(c_char_p)
)

# permessage-deflate
_dfl = c_void_p
ws_deflate_new = _fn("ws_deflate_new", _dfl)
ws_deflate_free = _fn("ws_deflate_free", None, _dfl)
ws_deflate_set_level = _fn("ws_deflate_set_level", _res, _dfl, c_uint32)
ws_deflate_set_min_size = _fn("ws_deflate_set_min_size", _res, _dfl, c_size_t)
ws_deflate_set_server_no_context_takeover = _fn(
    "ws_deflate_set_server_no_context_takeover", _res, _dfl, c_int
)
ws_deflate_set_client_no_context_takeover = _fn(
    "ws_deflate_set_client_no_context_takeover", _res, _dfl, c_int
)
ws_deflate_set_server_max_window_bits = _fn(
    "ws_deflate_set_server_max_window_bits", _res, _dfl, c_uint32
)
ws_deflate_set_client_max_window_bits = _fn(
    "ws_deflate_set_client_max_window_bits", _res, _dfl, c_uint32
)
ws_deflate_set_offer_client_max_window_bits = _fn(
    "ws_deflate_set_offer_client_max_window_bits", _res, _dfl, c_int
)
ws_add_deflate = _fn("ws_add_deflate", _res, _drv, _dfl)

# a server's own answer
ws_reject = _fn(
    "ws_reject",
    _res,
    _drv,
    c_uint32,
    POINTER(c_char_p),
    POINTER(c_char_p),
    c_size_t,
    c_char_p,
    c_size_t,
)
ws_select_protocol = _fn("ws_select_protocol", _res, _drv, c_char_p)

# The per-message calls, through PyDLL and without argtypes: no GIL
# release and no argument conversion, about half the cost of a checked call.
# Callers pass ctypes objects (c_void_p handle and buffer, c_size_t sizes,
# byref outputs) and only small non-negative ints as int; the C types are:
#   ws_result ws_send_into(ws_driver *, uint32_t kind, const uint8_t *data,
#                          size_t len, uint8_t *buf, size_t cap, size_t *out_len)
#   ws_result ws_poll_many(ws_driver *, ws_action *out, size_t cap, size_t *out_count)
#   ws_result ws_feed(ws_driver *, const uint8_t *data, size_t len)
_fast = ctypes.PyDLL(lib._name)


def _raw(name):
    f = getattr(_fast, name)
    f.restype = _res
    return f


ws_send_into = _raw("ws_send_into")
#   ws_result ws_frame_header(ws_driver *, uint32_t kind, uint64_t len,
#                             uint8_t *out, size_t *out_len)
ws_frame_header = _raw("ws_frame_header")
ws_poll_many = _raw("ws_poll_many")
ws_feed_fast = _raw("ws_feed")


def _load_speedups():
    """The C extension bound to ``lib``, or (None, why not)."""
    if os.environ.get("WSDRIVER_NO_EXTENSION"):
        return None, "WSDRIVER_NO_EXTENSION is set"
    try:
        from . import _speedups
    except ImportError as e:
        return None, "wsdriver._speedups: %s" % e
    from .events import Event

    def addr(f):
        return ctypes.cast(f, c_void_p).value

    _speedups.bind(
        addr(lib.ws_send_into), addr(lib.ws_frame_header), addr(lib.ws_poll_many),
        addr(lib.ws_feed), Event,
    )
    return _speedups, None


fast, fast_missing = _load_speedups()
