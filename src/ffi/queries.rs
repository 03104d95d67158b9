//! Queries on a driver. None of them changes the driver. Returned strings
//! are NUL-terminated, owned by the driver, and valid until the next call
//! that changes it (any command, `ws_parse`, `ws_feed`, `ws_poll`, ...) or
//! until it is freed; NULL when absent.

use std::borrow::Cow;
use std::ffi::{c_char, c_int};

use crate::event::ReadyState;
use crate::headers::Headers;

use super::boundary::{Access, enter};
use super::driver::{Handle, ws_driver};
use super::handle::{c_str, header_out, opt_str, write_out};
use super::result::ws_result;

/// `ws_state`: the opening handshake is in progress.
pub const WS_STATE_CONNECTING: u32 = 0;
/// `ws_state`: messages can flow.
pub const WS_STATE_OPEN: u32 = 1;
/// `ws_state`: the closing handshake is in progress.
pub const WS_STATE_CLOSING: u32 = 2;
/// `ws_state`: the connection is closed.
pub const WS_STATE_CLOSED: u32 = 3;

fn query<R: super::boundary::Neutral>(drv: *const ws_driver, f: impl FnOnce(&Handle) -> R) -> R {
    enter::<Handle, _>(drv, Access::Read, |h, _| f(h))
}

/// The ready state: `WS_STATE_CONNECTING`, `_OPEN`, `_CLOSING` or
/// `_CLOSED`. `WS_STATE_CLOSED` for NULL or a poisoned driver.
#[unsafe(no_mangle)]
pub extern "C" fn ws_state(drv: *const ws_driver) -> u32 {
    query(drv, |h| {
        Some(match h.core.borrow().state() {
            ReadyState::Connecting => WS_STATE_CONNECTING,
            ReadyState::Open => WS_STATE_OPEN,
            ReadyState::Closing => WS_STATE_CLOSING,
            ReadyState::Closed => WS_STATE_CLOSED,
        })
    })
    .unwrap_or(WS_STATE_CLOSED)
}

/// The protocol version: "hybi-13", "hixie-76", "hixie-75", ...; NULL until
/// known (a raw server before the request is complete) or for NULL `drv`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_driver_version(drv: *const ws_driver) -> *const c_char {
    query(drv, |h| opt_str(&h.strings, h.core.borrow().version()))
}

/// The agreed subprotocol, or NULL when none was agreed (yet).
#[unsafe(no_mangle)]
pub extern "C" fn ws_protocol(drv: *const ws_driver) -> *const c_char {
    query(drv, |h| opt_str(&h.strings, h.core.borrow().protocol()))
}

/// Client: the response's HTTP status, 0 until it arrived (and for
/// servers and NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ws_status(drv: *const ws_driver) -> u32 {
    query(drv, |h| h.core.borrow().status().map_or(0, u32::from))
}

/// The connection's URL: the client's, or the one a server's request was
/// made to (NULL until the request is complete).
#[unsafe(no_mangle)]
pub extern "C" fn ws_url(drv: *const ws_driver) -> *const c_char {
    query(drv, |h| {
        opt_str(&h.strings, h.core.borrow().url().as_deref())
    })
}

/// The headers `ws_header*` look at: a client's response headers, a
/// server's request headers.
fn with_headers<R>(h: &Handle, f: impl FnOnce(Option<&Headers>) -> R) -> R {
    let core = h.core.borrow();
    if core.is_client() {
        f(core.headers())
    } else {
        f(core.request().map(|r| &r.headers))
    }
}

/// How many headers there are: a client's response headers (0 until the
/// response arrived), a server's request headers (0 until the request is
/// complete). Repeated names count once (their values are joined with
/// ", "). 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_header_count(drv: *const ws_driver) -> usize {
    query(drv, |h| with_headers(h, |hs| hs.map_or(0, Headers::len)))
}

/// The header at `index` (in arrival order), see `ws_header_count`. On
/// success writes `*out_name` and `*out_value` (driver-owned strings, valid
/// until the next call that changes the driver). Returns
/// `WS_RESULT_NULL_PARAMETER` for NULL pointers and
/// `WS_RESULT_INVALID_ARGUMENT` for an index out of range.
#[unsafe(no_mangle)]
pub extern "C" fn ws_header_at(
    drv: *const ws_driver,
    index: usize,
    out_name: *mut *const c_char,
    out_value: *mut *const c_char,
) -> ws_result {
    query(drv, |h| {
        check_out!(out_name, out_value);
        with_headers(h, |hs| {
            let header = hs.and_then(|hs| hs.iter().nth(index));
            header_out(&h.strings, header, out_name, out_value)
        })
    })
}

/// The value of header `name` (case-insensitive), see `ws_header_count`;
/// NULL if absent or for NULL arguments.
#[unsafe(no_mangle)]
pub extern "C" fn ws_header(drv: *const ws_driver, name: *const c_char) -> *const c_char {
    query(drv, |h| {
        let Some(Ok(name)) = c_str(name).map(|n| n.to_str()) else {
            return std::ptr::null();
        };
        with_headers(h, |hs| opt_str(&h.strings, hs.and_then(|hs| hs.get(name))))
    })
}

/// Server: the request method ("GET"); NULL before the request is
/// complete, and for clients.
#[unsafe(no_mangle)]
pub extern "C" fn ws_request_method(drv: *const ws_driver) -> *const c_char {
    query(drv, |h| {
        opt_str(
            &h.strings,
            h.core.borrow().request().map(|r| r.method.as_str()),
        )
    })
}

/// Server: the request path, without the query; NULL before the request is
/// complete, and for clients.
#[unsafe(no_mangle)]
pub extern "C" fn ws_request_path(drv: *const ws_driver) -> *const c_char {
    query(drv, |h| {
        opt_str(&h.strings, h.core.borrow().request().map(|r| r.path()))
    })
}

/// Server: the request's query string after '?', "" when there is none;
/// NULL before the request is complete, and for clients.
#[unsafe(no_mangle)]
pub extern "C" fn ws_request_query(drv: *const ws_driver) -> *const c_char {
    query(drv, |h| {
        opt_str(&h.strings, h.core.borrow().request().map(|r| r.query()))
    })
}

/// A real address for empty outputs.
static EMPTY: u8 = 0;

/// Server: the request bytes received after the head and before the
/// handshake was answered. On success writes `*out_data` (borrowed from the
/// driver, valid until the next call that changes it; never NULL, even
/// when empty) and `*out_len`. Clients have no body: `*out_len` is 0.
/// Returns `WS_RESULT_NULL_PARAMETER` for NULL pointers.
#[unsafe(no_mangle)]
pub extern "C" fn ws_request_body(
    drv: *const ws_driver,
    out_data: *mut *const u8,
    out_len: *mut usize,
) -> ws_result {
    query(drv, |h| {
        check_out!(out_data, out_len);
        let core = h.core.borrow();
        let (data, len) = match core.body() {
            Cow::Borrowed([]) => (std::ptr::from_ref(&EMPTY), 0),
            // Owned by the core: valid until the next mutating call.
            Cow::Borrowed(b) => (b.as_ptr(), b.len()),
            // Pieces joined for this query: kept in the handle.
            Cow::Owned(joined) => h.strings.bytes(joined),
        };
        write_out(out_data, data);
        write_out(out_len, len);
        ws_result::Ok
    })
}

/// Server: 1 when the request is a WebSocket upgrade, 0 when it is not, or
/// is not complete yet, and for clients and NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_is_websocket(drv: *const ws_driver) -> c_int {
    query(drv, |h| {
        c_int::from(h.core.borrow().request().is_some_and(crate::is_websocket))
    })
}

/// The detailed message for the last failed call on this driver (or its
/// last panic), NULL if none failed. Every result but `WS_RESULT_OK`,
/// `WS_RESULT_EMPTY` and `WS_RESULT_CALLBACK_STOPPED` is a failure that
/// sets it, except `WS_RESULT_NULL_PARAMETER`: those calls say all there is
/// to say in their result and leave it unchanged. Owned by the driver;
/// valid until the next failing call on it or until it is freed. Works on
/// poisoned drivers.
#[unsafe(no_mangle)]
pub extern "C" fn ws_last_error(drv: *const ws_driver) -> *const c_char {
    super::boundary::guard(|| {
        super::handle::try_ref::<Handle>(drv).map_or(std::ptr::null(), |h| h.guard.last_error())
    })
}
