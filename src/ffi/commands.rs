//! Commands on a driver: handshake, input, sending and closing.
//!
//! Called by the host's own code (not from inside a callback) while any
//! callback is registered, a command delivers the output it caused before
//! it returns: writes reach `ws_on_write`'s callback in order. Called from
//! inside a callback, it only enqueues, and the dispatch loop already
//! running delivers the output in order. With no callback registered,
//! output waits for `ws_poll` or `ws_take_output`.

use std::ffi::{c_char, c_void};

use crate::error::CommandError;

use super::boundary::{Access, enter};
use super::callbacks::ws_pong_reply_cb;
use super::dispatch::{drain, parse_and_dispatch};
use super::driver::{Handle, INTERNAL_TOKEN, ws_driver};
use super::handle::{c_str, payload};
use super::result::ws_result;

/// Runs a command, then delivers its output when that is this call's job.
pub(super) fn command(drv: *mut ws_driver, f: impl FnOnce(&Handle) -> ws_result) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, outermost| {
        let own = f(h);
        if outermost && h.callbacks.get().any() {
            drain(h, drv).result(h, own)
        } else {
            own
        }
    })
}

/// Sends the handshake: a client's request, or a server's response (which
/// waits for the request if it has not fully arrived). Returns
/// `WS_RESULT_INVALID_STATE` when called twice or after the connection
/// ended, and `WS_RESULT_HANDSHAKE_FAILED` when a server's request is not
/// an acceptable WebSocket request (a 400 response is written, then the
/// error and close events). In the extended CONNECT mode (HTTP/2, HTTP/3)
/// nothing is written: the answer is `ws_extended_field_at`'s fields.
#[unsafe(no_mangle)]
pub extern "C" fn ws_start(drv: *mut ws_driver) -> ws_result {
    command(drv, |h| h.outcome(h.core.borrow_mut().start()))
}

/// Feeds `len` bytes received from the transport and dispatches the
/// resulting writes and events to the callbacks, in order. `data` is only
/// read during the call. `(NULL, 0)` just resumes dispatch.
///
/// Returns `WS_RESULT_CALLBACK_STOPPED` when a callback returned non-zero:
/// the input not yet parsed and the actions not yet delivered are kept, and
/// the next `ws_parse` (with new bytes or `(NULL, 0)`) or `ws_poll` carries
/// on from there. Called from inside a callback, it only stores the bytes;
/// the dispatch loop already running parses them after the current input.
/// Protocol errors are not a failure of this call: they arrive as error and
/// close events, and later input is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn ws_parse(drv: *mut ws_driver, data: *const u8, len: usize) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, outermost| {
        let data = try_arg!(payload(data, len));
        super::lend::settle(h);
        if outermost {
            parse_and_dispatch(h, drv, data)
        } else {
            h.store_input(data);
            ws_result::Ok
        }
    })
}

/// Sends a text message of `len` bytes, which must be UTF-8 (copied; queued
/// until the connection opens). `(NULL, 0)` sends an empty message. `text`
/// is `const char *`, unlike other payloads, so C strings and literals pass
/// without a cast; it need not be NUL-terminated (`len` counts the bytes).
/// Returns `WS_RESULT_INVALID_UTF8`, `WS_RESULT_INVALID_STATE` once closing
/// or closed, or `WS_RESULT_LIMIT_EXCEEDED` when the queue before open is
/// full.
#[unsafe(no_mangle)]
pub extern "C" fn ws_text(drv: *mut ws_driver, text: *const c_char, len: usize) -> ws_result {
    command(drv, |h| {
        let bytes = try_arg!(payload(text.cast(), len));
        let r = h.core.borrow_mut().text_bytes(bytes);
        h.outcome(r)
    })
}

/// Sends a binary message (copied; queued until open). `(NULL, 0)` sends an
/// empty message. Returns `WS_RESULT_NOT_SUPPORTED` on hixie drivers,
/// `WS_RESULT_INVALID_STATE` once closing or closed, or
/// `WS_RESULT_LIMIT_EXCEEDED` when the queue before open is full.
#[unsafe(no_mangle)]
pub extern "C" fn ws_binary(drv: *mut ws_driver, data: *const u8, len: usize) -> ws_result {
    command(drv, |h| {
        let bytes = try_arg!(payload(data, len));
        let r = h.core.borrow_mut().binary(bytes);
        h.outcome(r)
    })
}

/// Sends a ping with a payload of at most 125 bytes (copied; queued until
/// open). When `cb` is not NULL it is called once, with `user`, when a pong
/// with the same payload arrives (every ping still waiting with that
/// payload is answered by it). Returns `WS_RESULT_NOT_SUPPORTED` on hixie
/// drivers, `WS_RESULT_INVALID_ARGUMENT` for a longer payload,
/// `WS_RESULT_INVALID_STATE` once closing or closed, and
/// `WS_RESULT_LIMIT_EXCEEDED` when the queue before open is full or too
/// many pings wait for their pong.
#[unsafe(no_mangle)]
pub extern "C" fn ws_ping(
    drv: *mut ws_driver,
    data: *const u8,
    len: usize,
    cb: ws_pong_reply_cb,
    user: *mut c_void,
) -> ws_result {
    command(drv, |h| {
        let bytes = try_arg!(payload(data, len));
        let r = match cb {
            None => h.core.borrow_mut().ping(bytes),
            Some(_) => {
                let token = h.pong_replies.add(cb, user);
                let r = h.core.borrow_mut().ping_with_token(bytes, token);
                if r.is_err() {
                    h.pong_replies.take(token);
                }
                r
            }
        };
        h.outcome(r)
    })
}

/// Pull-style `ws_ping`: when the matching pong arrives, `ws_poll` hands out
/// a `WS_ACTION_PING_ANSWERED` action carrying `token` (right before the
/// `WS_ACTION_PONG`). Tokens with the top bit set are reserved for
/// `ws_ping`'s callbacks: `WS_RESULT_INVALID_ARGUMENT`. Every token, 0
/// included, waits for its pong and counts against `max_pending_pings`; for
/// a ping nobody waits on, use `ws_ping` with a NULL callback. Other results
/// as for `ws_ping`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_ping_token(
    drv: *mut ws_driver,
    data: *const u8,
    len: usize,
    token: u64,
) -> ws_result {
    command(drv, |h| {
        let bytes = try_arg!(payload(data, len));
        if token & INTERNAL_TOKEN != 0 {
            let message = "Ping tokens with the top bit set are reserved.";
            return h.fail(ws_result::InvalidArgument, message);
        }
        let r = h.core.borrow_mut().ping_with_token(bytes, token);
        h.outcome(r)
    })
}

/// Sends an unsolicited pong (at most 125 bytes; copied). Results as for
/// `ws_ping`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_pong(drv: *mut ws_driver, data: *const u8, len: usize) -> ws_result {
    command(drv, |h| {
        let bytes = try_arg!(payload(data, len));
        let r = h.core.borrow_mut().pong(bytes);
        h.outcome(r)
    })
}

/// Starts the closing handshake with `code` (0 means 1000) and a UTF-8
/// `reason` of at most 123 bytes (NULL for none; then `reason_len` is
/// ignored). While connecting, closes at once and emits the close event.
/// Hixie drivers ignore code and reason. Returns
/// `WS_RESULT_INVALID_ARGUMENT` for a code that may not be sent (RFC 6455
/// §7.4) or a longer reason, `WS_RESULT_INVALID_UTF8` for a reason that is
/// not UTF-8, and `WS_RESULT_INVALID_STATE` when already closing or closed.
#[unsafe(no_mangle)]
pub extern "C" fn ws_close(
    drv: *mut ws_driver,
    code: u32,
    reason: *const c_char,
    reason_len: usize,
) -> ws_result {
    command(drv, |h| {
        let reason = if reason.is_null() {
            &[][..]
        } else {
            try_arg!(payload(reason.cast(), reason_len))
        };
        let code = match code {
            0 => None,
            c => match u16::try_from(c) {
                Ok(c) => Some(c),
                Err(_) => return h.outcome(Err(CommandError::BadCloseCode(c))),
            },
        };
        let r = h.core.borrow_mut().close_bytes(code, reason);
        h.outcome(r)
    })
}

/// Tells the driver the transport closed (EOF or error): emits the close
/// event with code 1006 unless the connection had already closed, and
/// drops unparsed input. Always `WS_RESULT_OK` for a valid driver.
#[unsafe(no_mangle)]
pub extern "C" fn ws_transport_closed(drv: *mut ws_driver) -> ws_result {
    command(drv, |h| {
        h.core.borrow_mut().transport_closed();
        ws_result::Ok
    })
}

/// Adds a header to the handshake (client request or server response); only
/// before `ws_start`. Both strings are copied. Returns
/// `WS_RESULT_INVALID_ARGUMENT` (`ws_last_error` names the header) for a
/// name that is not an HTTP token, a value with a control character other
/// than tab, a header the handshake writes itself (`Upgrade`,
/// `Connection`, `Sec-WebSocket-Accept`, `-Key`, `-Version`, `-Protocol`,
/// `-Extensions`), a name already set, or strings that are not UTF-8; and
/// `WS_RESULT_INVALID_STATE` after `ws_start`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_set_header(
    drv: *mut ws_driver,
    name: *const c_char,
    value: *const c_char,
) -> ws_result {
    command(drv, |h| {
        let name = try_arg!(c_str(name));
        let value = try_arg!(c_str(value));
        let (Ok(name), Ok(value)) = (name.to_str(), value.to_str()) else {
            return h.fail(
                ws_result::InvalidArgument,
                "Header names and values must be UTF-8.",
            );
        };
        let r = h.core.borrow_mut().set_header(name, value);
        h.outcome(r)
    })
}
