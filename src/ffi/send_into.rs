//! `ws_send_into`: a message sent with one call, its frame written into the
//! caller's buffer when it can go out at once (`Driver::frame_into`
//! decides), else sent as by `ws_text`/`ws_binary`.

use super::commands::{command, ws_binary, ws_text};
use super::driver::ws_driver;
use super::handle::{payload, write_out};
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
/// length), `WS_RESULT_INVALID_ARGUMENT` for another `kind`, and otherwise
/// what `ws_text` / `ws_binary` return.
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
    if isize::try_from(cap).is_err() {
        return ws_result::InvalidArgument;
    }
    let text = match kind {
        WS_MESSAGE_TEXT => true,
        WS_MESSAGE_BINARY => false,
        _ => return ws_result::InvalidArgument,
    };
    let mut framed = 0;
    let fast = command(drv, |h| {
        let bytes = try_arg!(payload(data, len));
        let out: &mut [u8] = if cap == 0 || buf.is_null() {
            &mut []
        } else {
            // SAFETY: the caller passes `cap` writable bytes at `buf`, not
            // overlapping `data`, untouched by anything else during the call.
            unsafe { std::slice::from_raw_parts_mut(buf, cap) }
        };
        if super::direct::output_waiting(h) {
            // Bytes wait for ws_take_output: queue behind them.
            return ws_result::Empty;
        }
        match h.core.borrow_mut().frame_into(text, bytes, out) {
            Some(n) => {
                framed = n;
                ws_result::Ok
            }
            None => ws_result::Empty,
        }
    });
    if fast != ws_result::Empty {
        write_out(out_len, framed);
        return fast;
    }
    write_out(out_len, 0);
    if text {
        ws_text(drv, data.cast(), len)
    } else {
        ws_binary(drv, data, len)
    }
}
