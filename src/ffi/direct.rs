//! Framing into the host's own buffer: `ws_frame_message` (one copy, no
//! queue, no callback) and `ws_frame_header` (a server's `writev` of the
//! header and its payload, no copy). The rules are the core's
//! (`Driver::frame_message`); this file only translates them.

use crate::driver::FrameError;
use crate::event::MessageKind;
use crate::frame::MAX_HEADER_LEN;

use super::action::{WS_MESSAGE_BINARY, WS_MESSAGE_TEXT};
use super::boundary::{Access, enter};
use super::driver::{Handle, ws_driver};
use super::handle::{PROBE_ABOVE, overlaps, payload, try_ref, write_out};
use super::result::ws_result;

/// The longest frame header `ws_frame_header` writes, in bytes.
pub const WS_FRAME_HEADER_MAX: usize = 14;
const _: () = assert!(WS_FRAME_HEADER_MAX == MAX_HEADER_LEN);

fn kind_of(message_kind: u32) -> Option<MessageKind> {
    match message_kind {
        WS_MESSAGE_TEXT => Some(MessageKind::Text),
        WS_MESSAGE_BINARY => Some(MessageKind::Binary),
        _ => None,
    }
}

/// Output for `ws_take_output` is waiting: a frame now would jump it.
pub(crate) fn output_waiting(h: &Handle) -> bool {
    h.output_len() != 0
}

/// `ws_last_error` for a `buf` that overlaps `data`.
pub(crate) const OVERLAP: &str = "buf[0..cap] overlaps the message, data[0..len].";

fn refused(h: &Handle, e: FrameError, out_len: *mut usize) -> ws_result {
    match e {
        FrameError::BufferTooSmall(need) => {
            write_out(out_len, need);
            // One text for every size (`*out_len` tells it): a host that
            // frames into a buffer that fills up now and then gets this
            // answer often, and it allocates nothing the second time.
            h.fail(
                ws_result::BufferTooSmall,
                "The buffer is too small: *out_len tells the size the frame takes.",
            )
        }
        FrameError::NotOpen => h.fail(ws_result::InvalidState, "The connection is not open."),
        FrameError::Queued => h.fail(
            ws_result::InvalidState,
            "Output is waiting: take it (ws_poll, ws_take_output) before framing into your buffer.",
        ),
        FrameError::NotSupported => h.fail(
            ws_result::NotSupported,
            "This driver cannot frame into a buffer (hixie, an active extension, or a header \
             without its payload on a driver that masks).",
        ),
        FrameError::InvalidUtf8 => h.fail(ws_result::InvalidUtf8, "The text is not valid UTF-8."),
    }
}

/// Frames one whole message (`WS_MESSAGE_TEXT` or `WS_MESSAGE_BINARY`,
/// `len` bytes at `data`) into `buf`, where the host sends it from, and sets
/// `*out_len` to the frame's length: the bytes `ws_text`/`ws_binary` would
/// hand to `on_write`, without the driver's copy and queue (a client masks
/// them). Only when open and nothing waits to be sent (every write was
/// taken); the frame then follows them on the wire.
///
/// Returns `WS_RESULT_BUFFER_TOO_SMALL` with `*out_len` set to the size
/// needed (nothing else changes), `WS_RESULT_INVALID_STATE` when not open
/// or when writes wait to be taken, `WS_RESULT_NOT_SUPPORTED` on hixie
/// drivers or when an extension (permessage-deflate) is active (use
/// `ws_binary` there), `WS_RESULT_INVALID_UTF8`, `WS_RESULT_INVALID_ARGUMENT`
/// for another `message_kind` or a `buf[0..cap]` that overlaps
/// `data[0..len]` (to send a payload from where it lies, use
/// `ws_frame_header`), and `WS_RESULT_NULL_PARAMETER`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_frame_message(
    drv: *mut ws_driver,
    message_kind: u32,
    data: *const u8,
    len: usize,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> ws_result {
    if !out_len.is_null() {
        if let Some(n) = frame_fast(drv, message_kind, data, len, buf, cap) {
            write_out(out_len, n);
            return ws_result::Ok;
        }
    }
    // `Read`: framing changes no answer of a query, so strings returned
    // earlier stay valid (and the hot path skips clearing them).
    enter::<Handle, _>(drv, Access::Read, |h, _| {
        let data = try_arg!(payload(data, len));
        check_out!(out_len);
        if buf.is_null() && cap != 0 {
            return ws_result::NullParameter;
        }
        if isize::try_from(cap).is_err() {
            return ws_result::InvalidArgument;
        }
        if overlaps(data.as_ptr(), data.len(), buf, cap) {
            return h.fail(ws_result::InvalidArgument, OVERLAP);
        }
        let Some(kind) = kind_of(message_kind) else {
            return h.fail(ws_result::InvalidArgument, "Unknown message kind.");
        };
        if output_waiting(h) {
            return refused(h, FrameError::Queued, out_len);
        }
        let dst: &mut [u8] = if cap == 0 {
            &mut []
        } else {
            // SAFETY: `buf` is non-NULL and the caller passes `cap` writable
            // bytes that nothing else touches during the call (and that do
            // not overlap `data`).
            unsafe { std::slice::from_raw_parts_mut(buf, cap) }
        };
        // `frame_fast` tried the common case already.
        let r = h.core.borrow_mut().frame_checked(kind, data, dst);
        match r {
            Ok(n) => {
                write_out(out_len, n);
                ws_result::Ok
            }
            Err(e) => refused(h, e, out_len),
        }
    })
}

/// `ws_frame_message`'s common case, without the boundary's unwind frame
/// and depth count: a live, healthy driver whose core is not busy (not
/// inside an extension callback), no output waiting, a binary or text
/// message of at most 1 MiB (the size above which `payload` probes), and
/// the core's [`frame_plain`](crate::driver::Driver::frame_plain). No
/// callback runs and nothing here can panic (no indexing, no allocation),
/// so there is nothing to catch or defer. `None` for anything else: the
/// guarded path then does it or says why, with the same checks.
#[inline(always)]
fn frame_fast(
    drv: *mut ws_driver,
    message_kind: u32,
    data: *const u8,
    len: usize,
    buf: *mut u8,
    cap: usize,
) -> Option<usize> {
    let h = try_ref::<Handle>(drv)?;
    if h.masks {
        return None;
    }
    let text = match message_kind {
        WS_MESSAGE_BINARY => false,
        WS_MESSAGE_TEXT => true,
        _ => return None,
    };
    if data.is_null()
        || buf.is_null()
        || len > PROBE_ABOVE
        || isize::try_from(cap).is_err()
        || overlaps(data, len, buf, cap)
        || h.guard.poisoned.get()
        || h.guard.free_requested.get()
        || output_waiting(h)
    {
        return None;
    }
    let core = h.core.try_borrow().ok()?;
    // SAFETY: as in `payload` and below: the caller passes `len` readable
    // bytes at `data` and `cap` writable ones at `buf`, not overlapping,
    // untouched by anything else during the call; both non-NULL and within
    // `isize::MAX` (checked above).
    let (data, out) = unsafe {
        (
            std::slice::from_raw_parts(data, len),
            std::slice::from_raw_parts_mut(buf, cap),
        )
    };
    core.frame_plain(text, data, out)
}

/// A server's header for a `len`-byte message, for `writev` of the header
/// and the host's own payload: writes it to `out` (room for
/// `WS_FRAME_HEADER_MAX` bytes) and its length to `*out_len`. The whole
/// payload must follow it on the wire before anything else is sent on this
/// connection or taken from this driver; a text payload must be UTF-8 (it
/// is not seen here). Same conditions as `ws_frame_message`; a driver that
/// masks (a client) returns `WS_RESULT_NOT_SUPPORTED`, and a `len` over
/// `PTRDIFF_MAX` is `WS_RESULT_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_frame_header(
    drv: *mut ws_driver,
    message_kind: u32,
    len: u64,
    out: *mut u8,
    out_len: *mut usize,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Read, |h, _| {
        check_out!(out, out_len);
        let Some(kind) = kind_of(message_kind) else {
            return h.fail(ws_result::InvalidArgument, "Unknown message kind.");
        };
        // Over PTRDIFF_MAX no payload exists (and from 2^63 on the header
        // would break RFC 6455 §5.2, which keeps the top bit 0).
        let Some(len) = usize::try_from(len)
            .ok()
            .filter(|&l| isize::try_from(l).is_ok())
        else {
            return h.fail(
                ws_result::InvalidArgument,
                "The length does not fit in memory.",
            );
        };
        if output_waiting(h) {
            return refused(h, FrameError::Queued, out_len);
        }
        let mut header = [0u8; MAX_HEADER_LEN];
        let r = h.core.borrow_mut().frame_header(kind, len, &mut header);
        match r {
            Ok(n) => {
                // SAFETY: `out` is non-NULL with room for
                // `WS_FRAME_HEADER_MAX >= n` bytes (the contract).
                unsafe { std::ptr::copy_nonoverlapping(header.as_ptr(), out, n) };
                write_out(out_len, n);
                ws_result::Ok
            }
            Err(e) => refused(h, e, out_len),
        }
    })
}
