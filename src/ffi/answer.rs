//! A server's answer to one request other than accepting it as
//! configured: `ws_reject` and `ws_select_protocol`. The core decides what
//! is allowed (`AnswerError`); this file only translates.

use std::ffi::c_char;

use crate::driver::AnswerError;

use super::commands::command;
use super::driver::{Handle, ws_driver};
use super::handle::{array, c_str, payload};
use super::result::ws_result;

fn refused(h: &Handle, e: AnswerError) -> ws_result {
    let code = match e {
        AnswerError::NoRequest | AnswerError::AlreadyAnswered => ws_result::InvalidState,
        AnswerError::BadStatus
        | AnswerError::BadHeader
        | AnswerError::BadFraming
        | AnswerError::NotOffered => ws_result::InvalidArgument,
    };
    h.fail(code, &e.to_string())
}

/// Server, instead of `ws_start`: answers the request with an HTTP
/// response of the caller's (a 401, 403, 404...), then closes (a close
/// event with code 0 follows; close the transport once the response is
/// written). `status` is 200–599; `header_names[i]`/`header_values[i]` for
/// `i < header_count` are its headers (the arrays may be NULL when the
/// count is 0); `body`/`body_len` its body (`(NULL, 0)` for none).
/// `Content-Length` is added unless given; a given one must be the body's
/// length, and a `Transfer-Encoding` is refused (the body goes out as
/// given). All inputs are copied.
///
/// Returns `WS_RESULT_INVALID_STATE` before the request head arrived, for a
/// client, or once the handshake was answered; `WS_RESULT_INVALID_ARGUMENT`
/// for a status out of range, a header that is not UTF-8, is invalid or
/// repeated, and a `Content-Length` or `Transfer-Encoding` as above.
#[unsafe(no_mangle)]
pub extern "C" fn ws_reject(
    drv: *mut ws_driver,
    status: u32,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    body: *const u8,
    body_len: usize,
) -> ws_result {
    command(drv, |h| {
        let names = try_arg!(array(header_names, header_count));
        let values = try_arg!(array(header_values, header_count));
        let body = try_arg!(payload(body, body_len));
        let mut headers = Vec::with_capacity(header_count);
        for (&n, &v) in names.iter().zip(values) {
            let (Ok(n), Ok(v)) = (try_arg!(c_str(n)).to_str(), try_arg!(c_str(v)).to_str()) else {
                return refused(h, AnswerError::BadHeader);
            };
            headers.push((n, v));
        }
        let status = u16::try_from(status).unwrap_or(0);
        match h.core.borrow_mut().reject(status, &headers, body) {
            Ok(()) => ws_result::Ok,
            Err(e) => refused(h, e),
        }
    })
}

/// Server, before `ws_start`: agrees on `protocol` for this request (one
/// the client offered in `Sec-WebSocket-Protocol`), or on none when
/// `protocol` is NULL, whatever the options' protocols say. Typically
/// called from the connect callback, after looking at the request.
///
/// Returns `WS_RESULT_INVALID_STATE` before the request head arrived, for a
/// client, or once the handshake was answered; `WS_RESULT_INVALID_ARGUMENT`
/// when the client did not offer `protocol` (or it is not UTF-8).
#[unsafe(no_mangle)]
pub extern "C" fn ws_select_protocol(drv: *mut ws_driver, protocol: *const c_char) -> ws_result {
    command(drv, |h| {
        let protocol = match c_str(protocol).map(|p| p.to_str()) {
            None => None,
            Some(Ok(p)) => Some(p),
            Some(Err(_)) => return refused(h, AnswerError::NotOffered),
        };
        match h.core.borrow_mut().select_protocol(protocol) {
            Ok(()) => ws_result::Ok,
            Err(e) => refused(h, e),
        }
    })
}
