//! The extended CONNECT mode in the C API: WebSockets over HTTP/2 (RFC
//! 8441) and HTTP/3 (RFC 9220), with header fields in and out as name/value
//! lists.

use std::ffi::c_char;

use crate::driver::Driver;
use crate::event::ReadyState;

use super::boundary::{Access, enter, guard};
use super::commands::command;
use super::driver::{finish, new_client, options_from, ws_driver};
use super::handle::{array, c_str, header_out};
use super::options::ws_options;
use super::result::ws_result;

/// The fields `names[i]`/`values[i]`, `i < count`, as UTF-8 strings.
fn fields_from<'a>(
    names: *const *const c_char,
    values: *const *const c_char,
    count: usize,
) -> Result<Vec<(&'a str, &'a str)>, ws_result> {
    let names = array(names, count)?;
    let values = array(values, count)?;
    names
        .iter()
        .zip(values)
        .map(|(&n, &v)| {
            let (n, v) = (
                c_str(n).ok_or(ws_result::NullParameter)?,
                c_str(v).ok_or(ws_result::NullParameter)?,
            );
            match (n.to_str(), v.to_str()) {
                (Ok(n), Ok(v)) => Ok((n, v)),
                _ => Err(ws_result::InvalidArgument),
            }
        })
        .collect()
}

/// Creates a server for one WebSocket stream of an HTTP/2 or HTTP/3
/// connection (the extended CONNECT mode). The host's HTTP stack (nghttp2,
/// nghttp3, ...) owns the connection, sends
/// `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`, and hands over a stream whose
/// request is `:method CONNECT` with `:protocol websocket`.
///
/// `names[i]`/`values[i]` for `i < count` are the request's header fields
/// in order, pseudo-header fields (`:method`, `:protocol`, `:scheme`,
/// `:authority`, `:path`) included, exactly as the stack delivered them;
/// all are copied. Register extensions (`ws_add_deflate`) and headers
/// (`ws_set_header`), then call `ws_start`: it validates the request (RFC
/// 8441 §4-5) and makes the answer, read with `ws_extended_field_count`/
/// `ws_extended_field_at`: `:status` 200 and the response headers, or a
/// refusal (400 for a malformed request, 426 with `sec-websocket-version:
/// 13` for another version; `ws_start` then returns
/// `WS_RESULT_HANDSHAKE_FAILED` and the error and close events follow).
/// Send those fields as the response HEADERS before any DATA (with a
/// write callback, messages queued before `ws_start` are written during
/// it: hold them until the HEADERS are out). No HTTP/1.1
/// bytes are ever written: from then on `ws_parse` takes the stream's DATA
/// and writes are DATA to send on the stream, RFC 6455 frames as over TCP.
/// When the close event came, end the stream (END_STREAM); when the stream
/// ends or is reset, call `ws_transport_closed`.
///
/// `opts` may be NULL (copied, not kept). On success `*out` receives the
/// driver (caller owns, free with `ws_driver_free`). Returns
/// `WS_RESULT_NULL_PARAMETER` for a NULL `out`, NULL arrays with a non-zero
/// `count` or a NULL string in them, and `WS_RESULT_INVALID_ARGUMENT` for
/// strings that are not UTF-8.
#[unsafe(no_mangle)]
pub extern "C" fn ws_driver_new_extended_server(
    opts: *const ws_options,
    names: *const *const c_char,
    values: *const *const c_char,
    count: usize,
    out: *mut *mut ws_driver,
) -> ws_result {
    guard(|| {
        check_out!(out);
        match fields_from(names, values, count) {
            Ok(fields) => finish(
                Driver::extended_connect_server(fields, options_from(opts)),
                out,
            ),
            Err(code) => code,
        }
    })
}

/// Creates a client that opens `url` (`ws://` or `wss://`; `wss` becomes
/// `:scheme https`) as an extended CONNECT stream on the host's HTTP/2 or
/// HTTP/3 connection, whose server must have sent
/// `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`. After `ws_start`, the request's
/// fields (pseudo-headers first) are read with `ws_extended_field_count`/
/// `ws_extended_field_at`; give the response's fields to
/// `ws_extended_response`. Messages sent before the response are queued.
///
/// `opts` may be NULL (copied, not kept). On success `*out` receives the
/// driver (caller owns, free with `ws_driver_free`). Returns
/// `WS_RESULT_NULL_PARAMETER` for NULL `url` or `out`, and
/// `WS_RESULT_INVALID_URL` when `url` is not a usable WebSocket URL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_driver_new_extended_client(
    opts: *const ws_options,
    url: *const c_char,
    out: *mut *mut ws_driver,
) -> ws_result {
    new_client(opts, url, out, Driver::extended_connect_client)
}

/// Extended CONNECT mode, after `ws_start`: how many header fields the host
/// must send (a server's answer, `:status` first; a client's request,
/// pseudo-headers first). 0 before `ws_start`, in other modes and for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_extended_field_count(drv: *const ws_driver) -> usize {
    enter::<super::driver::Handle, _>(drv, Access::Read, |h, _| {
        Some(h.core.borrow().handshake_fields().map_or(0, <[_]>::len))
    })
    .unwrap_or(0)
}

/// The header field at `index`, see `ws_extended_field_count`. On success
/// writes `*out_name` and `*out_value` (lower-case names; driver-owned
/// strings, valid until the next call that changes the driver). Returns
/// `WS_RESULT_NULL_PARAMETER` for NULL pointers and
/// `WS_RESULT_INVALID_ARGUMENT` for an index out of range.
#[unsafe(no_mangle)]
pub extern "C" fn ws_extended_field_at(
    drv: *const ws_driver,
    index: usize,
    out_name: *mut *const c_char,
    out_value: *mut *const c_char,
) -> ws_result {
    enter::<super::driver::Handle, _>(drv, Access::Read, |h, _| {
        check_out!(out_name, out_value);
        let core = h.core.borrow();
        let field = core.handshake_fields().and_then(|f| f.get(index));
        let field = field.map(|(n, v)| (n.as_str(), v.as_str()));
        header_out(&h.strings, field, out_name, out_value)
    })
}

/// Extended CONNECT client: the response's header fields arrived
/// (`names[i]`/`values[i]` for `i < count`, `:status` included; copied).
/// A 2xx with an acceptable subprotocol and extensions opens the
/// connection (the open event, then the messages queued before it);
/// anything else fails the handshake (error and close events). Dispatches
/// to the callbacks like the other commands.
///
/// Returns `WS_RESULT_HANDSHAKE_FAILED` when the response refused or did
/// not fit the request, `WS_RESULT_INVALID_STATE` when the driver is not
/// an extended CONNECT client waiting for its response (not started, or
/// answered), and `WS_RESULT_NULL_PARAMETER`/`WS_RESULT_INVALID_ARGUMENT`
/// as `ws_driver_new_extended_server`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_extended_response(
    drv: *mut ws_driver,
    names: *const *const c_char,
    values: *const *const c_char,
    count: usize,
) -> ws_result {
    command(drv, |h| {
        let fields = match fields_from(names, values, count) {
            Ok(f) => f,
            Err(code) => return code,
        };
        let was = h.core.borrow().state();
        if h.core.borrow_mut().receive_response(fields) {
            return ws_result::Ok;
        }
        if was == ReadyState::Connecting && h.core.borrow().state() == ReadyState::Closed {
            return h.fail(
                ws_result::HandshakeFailed,
                "The extended CONNECT response did not accept the WebSocket.",
            );
        }
        h.fail(
            ws_result::InvalidState,
            "Not an extended CONNECT client waiting for its response.",
        )
    })
}
