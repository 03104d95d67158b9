//! `ws_send_into`: a message sent with one call, its frame written into the
//! caller's buffer when it can go out at once (`Driver::frame_into`
//! decides), else sent as by `ws_text`/`ws_binary`.

use super::commands::command;
use super::driver::ws_driver;
use super::handle::{overlaps, payload, write_out};
use super::result::ws_result;
use crate::ffi::{WS_MESSAGE_BINARY, WS_MESSAGE_TEXT};

/// Sends a whole message of `kind` (`WS_MESSAGE_TEXT`, which must be UTF-8,
/// or `WS_MESSAGE_BINARY`). When the connection is open, no extension is
/// active, nothing is waiting to be taken ahead of it and the frame fits
/// in `cap` bytes, the frame is written into `buf` and `*out_len` is its
/// length: write those bytes to the transport (they do not go to a write
/// callback or `ws_poll`). Otherwise the message is sent as by `ws_text` /
/// `ws_binary` (queued, with the same results) and `*out_len` is 0. A
/// frame is at most `len + 14` bytes. `buf` may be NULL when `cap` is 0.
///
/// Returns `WS_RESULT_NULL_PARAMETER` for a NULL `out_len` (or data with a
/// length), `WS_RESULT_INVALID_ARGUMENT` for another `kind` or a
/// `buf[0..cap]` that overlaps `data[0..len]` (nothing is sent), and
/// otherwise what `ws_text` / `ws_binary` return.
#[unsafe(no_mangle)]
pub extern "C" fn ws_send_into(
    drv: *mut ws_driver,
    kind: u32,
    data: *const u8,
    len: usize,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> ws_result {
    check_out!(out_len);
    let mut framed = 0;
    // One entry for both ways: the drain after a queued send may run a
    // callback that frees the driver, so nothing may touch it afterwards.
    let r = command(drv, |h| {
        if isize::try_from(cap).is_err() {
            return h.fail(ws_result::InvalidArgument, "The capacity is too large.");
        }
        let text = match kind {
            WS_MESSAGE_TEXT => true,
            WS_MESSAGE_BINARY => false,
            _ => return h.fail(ws_result::InvalidArgument, "Unknown message kind."),
        };
        let bytes = try_arg!(payload(data, len));
        if !buf.is_null() && overlaps(bytes.as_ptr(), bytes.len(), buf, cap) {
            return h.fail(ws_result::InvalidArgument, super::direct::OVERLAP);
        }
        let out: &mut [u8] = if cap == 0 || buf.is_null() {
            &mut []
        } else {
            // SAFETY: the caller passes `cap` writable bytes at `buf`, not
            // overlapping `data`, untouched by anything else during the call.
            unsafe { std::slice::from_raw_parts_mut(buf, cap) }
        };
        // Bytes waiting for ws_take_output go first: queue behind them.
        if !super::direct::output_waiting(h) {
            if let Some(n) = h.core.borrow_mut().frame_into(text, bytes, out) {
                framed = n;
                return ws_result::Ok;
            }
        }
        let r = if text {
            h.core.borrow_mut().text_bytes(bytes)
        } else {
            h.core.borrow_mut().binary(bytes)
        };
        h.outcome(r)
    });
    write_out(out_len, framed);
    r
}
