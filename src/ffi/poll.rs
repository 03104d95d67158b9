//! Pull-style use: feeding input without dispatch, taking actions one at a
//! time, and reading output when no write callback is set.

use crate::driver::Driver;
use crate::event::{Action, Event, MessageKind};

use super::boundary::{Access, enter};
use super::callbacks::{Drained, WS_MESSAGE_BINARY, WS_MESSAGE_TEXT, drain};
use super::driver::{Handle, ws_driver};
use super::handle::{payload, write_out};
use super::result::ws_result;

/// `ws_action.kind`: bytes to send (`data`, `len`).
pub const WS_ACTION_WRITE: u32 = 1;
/// `ws_action.kind`: server: the request head is complete; proxy: the proxy
/// accepted the CONNECT.
pub const WS_ACTION_CONNECT: u32 = 2;
/// `ws_action.kind`: the connection is open.
pub const WS_ACTION_OPEN: u32 = 3;
/// `ws_action.kind`: a message (`message_kind`, `data`, `len`).
pub const WS_ACTION_MESSAGE: u32 = 4;
/// `ws_action.kind`: a ping arrived (payload in `data`, `len`); the pong is
/// already queued.
pub const WS_ACTION_PING: u32 = 5;
/// `ws_action.kind`: a pong arrived (payload in `data`, `len`).
pub const WS_ACTION_PONG: u32 = 6;
/// `ws_action.kind`: the pong for `ws_ping_token`'s ping arrived (`token`).
pub const WS_ACTION_PING_ANSWERED: u32 = 7;
/// `ws_action.kind`: the connection closed (`code`, 0 for none; reason in
/// `data`, `len`, NUL-terminated).
pub const WS_ACTION_CLOSE: u32 = 8;
/// `ws_action.kind`: a protocol or handshake error (`code` is the close
/// code it maps to; message in `data`, `len`, NUL-terminated).
pub const WS_ACTION_ERROR: u32 = 9;

/// One write or event, as handed out by `ws_poll` and `ws_proxy_poll`.
///
/// The caller sets `struct_size` to `sizeof(ws_action)` before the call;
/// the library writes only the first `min(struct_size, its own size)`
/// bytes, so the struct can grow in later versions.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ws_action {
    /// Set by the caller to `sizeof(ws_action)`.
    pub struct_size: u32,
    /// `WS_ACTION_WRITE`, `WS_ACTION_CONNECT`, ... `WS_ACTION_ERROR`.
    pub kind: u32,
    /// For `WS_ACTION_MESSAGE`: `WS_MESSAGE_TEXT` or `WS_MESSAGE_BINARY`;
    /// otherwise 0.
    pub message_kind: u32,
    /// `WS_ACTION_CLOSE`: the close code (0 = none); `WS_ACTION_ERROR`: the
    /// close code the error maps to; otherwise 0.
    pub code: u32,
    /// The write's bytes, the message or ping/pong payload, the close
    /// reason or the error message; borrowed from the driver (or proxy),
    /// valid until the next call on it that changes it. Never NULL.
    pub data: *const u8,
    /// Bytes at `data` (without the NUL after a reason or message).
    pub len: usize,
    /// `WS_ACTION_PING_ANSWERED`: the token given to `ws_ping_token`.
    pub token: u64,
}

impl ws_action {
    /// An action with nothing in it and `struct_size` set, ready for
    /// `ws_poll` / `ws_poll_many` (Rust callers: tests, fuzzing).
    pub const fn empty() -> ws_action {
        ws_action {
            struct_size: std::mem::size_of::<ws_action>() as u32,
            kind: 0,
            message_kind: 0,
            code: 0,
            data: std::ptr::null(),
            len: 0,
            token: 0,
        }
    }
}

/// Converts an action; the returned bytes back `data` and must be kept
/// alive for as long as the caller may read them.
pub(crate) fn convert(action: Action) -> (ws_action, Vec<u8>) {
    let mut a = ws_action::empty();
    let mut text = false;
    let bytes = match action {
        Action::Write(b) => {
            a.kind = WS_ACTION_WRITE;
            b
        }
        Action::Event(Event::Connect) => {
            a.kind = WS_ACTION_CONNECT;
            Vec::new()
        }
        Action::Event(Event::Open) => {
            a.kind = WS_ACTION_OPEN;
            Vec::new()
        }
        Action::Event(Event::Message { kind, data }) => {
            a.kind = WS_ACTION_MESSAGE;
            a.message_kind = match kind {
                MessageKind::Text => WS_MESSAGE_TEXT,
                MessageKind::Binary => WS_MESSAGE_BINARY,
            };
            data
        }
        Action::Event(Event::Ping(d)) => {
            a.kind = WS_ACTION_PING;
            d
        }
        Action::Event(Event::Pong(d)) => {
            a.kind = WS_ACTION_PONG;
            d
        }
        Action::Event(Event::PingAnswered(token)) => {
            a.kind = WS_ACTION_PING_ANSWERED;
            a.token = token;
            Vec::new()
        }
        Action::Event(Event::Close { code, reason }) => {
            a.kind = WS_ACTION_CLOSE;
            a.code = code.map_or(0, u32::from);
            text = true;
            reason.into_bytes()
        }
        Action::Event(Event::Error(e)) => {
            a.kind = WS_ACTION_ERROR;
            a.code = u32::from(e.close_code());
            text = true;
            e.message.into_bytes()
        }
    };
    let mut bytes = bytes;
    a.len = bytes.len();
    if text || bytes.is_empty() {
        // NUL-terminate texts, and give empty payloads a real address.
        bytes.push(0);
    }
    a.data = bytes.as_ptr();
    (a, bytes)
}

/// Writes `a` to the caller's struct, no more than it says it can hold.
pub(crate) fn write_action(out: *mut ws_action, mut a: ws_action, their_size: u32) {
    let ours = std::mem::size_of::<ws_action>();
    let n = usize::try_from(their_size).map_or(ours, |s| s.min(ours));
    a.struct_size = u32::try_from(n).unwrap_or(u32::MAX);
    if n == ours {
        write_out(out, a);
        return;
    }
    // SAFETY: `out` is non-NULL (checked by the caller) and, by the
    // caller's own `struct_size`, valid for `their_size >= n` bytes; `a` is
    // a local of `ours >= n` bytes; they cannot overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(std::ptr::from_ref(&a).cast::<u8>(), out.cast::<u8>(), n);
    }
}

/// Reads the caller's `struct_size`; `None` if it is too small to be useful.
pub(crate) fn their_size(out: *const ws_action) -> Option<u32> {
    // SAFETY: `out` is non-NULL (checked by the caller) and points to at
    // least the `struct_size` field, which the caller set; read unaligned
    // in case a caller packed it oddly.
    let size = unsafe { std::ptr::addr_of!((*out).struct_size).read_unaligned() };
    let minimum = std::mem::offset_of!(ws_action, len) + std::mem::size_of::<usize>();
    (usize::try_from(size).is_ok_and(|s| s >= minimum)).then_some(size)
}

/// Feeds input without dispatching callbacks: the resulting actions come
/// out of `ws_poll`, one at a time. The driver parses only up to the first
/// action and keeps (copies) the rest, parsing further as `ws_poll` takes
/// actions, so `ws_buffered_amount` may be less than the bytes fed.
/// `(NULL, 0)` is allowed.
#[unsafe(no_mangle)]
pub extern "C" fn ws_feed(drv: *mut ws_driver, data: *const u8, len: usize) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        let data = try_arg!(payload(data, len));
        h.store_input(data);
        ws_result::Ok
    })
}

/// Zero-copy `ws_feed`: parses straight from `data` until the first action
/// is ready and writes to `*out_consumed` how many bytes it used. Take the
/// actions with `ws_poll` until `WS_RESULT_EMPTY`, then call again with the
/// rest of `data`. Nothing is copied except a partial frame header or a
/// partial message. If actions or earlier input are still waiting (or a
/// `ws_parse` loop is running), all of `data` is stored as by `ws_feed` and
/// `*out_consumed` is `len`. `(NULL, 0)` is allowed. `data` is only read
/// during the call: what the driver needs later it copies, and the bytes
/// after `*out_consumed` are the caller's to pass again.
#[unsafe(no_mangle)]
pub extern "C" fn ws_read(
    drv: *mut ws_driver,
    data: *const u8,
    len: usize,
    out_consumed: *mut usize,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        let data = try_arg!(payload(data, len));
        check_out!(out_consumed);
        let used = if h.parsing.get() {
            h.store_input(data);
            data.len()
        } else {
            h.core.borrow_mut().read(data)
        };
        write_out(out_consumed, used);
        ws_result::Ok
    })
}

/// Takes the next write or event, in order, without calling any callback
/// (for hosts that register none). On success fills `*out` (see
/// `ws_action`; its `data` stays valid until the next call that changes
/// this driver). Returns `WS_RESULT_EMPTY` when there is nothing to do until
/// more input arrives or a command is given, `WS_RESULT_NULL_PARAMETER` for
/// NULL pointers, and `WS_RESULT_INVALID_ARGUMENT` when `out->struct_size`
/// is too small. A pong answering `ws_ping` (with a callback) comes out as
/// `WS_ACTION_PING_ANSWERED` with that ping's internal token; its callback
/// is dropped.
#[unsafe(no_mangle)]
pub extern "C" fn ws_poll(drv: *mut ws_driver, out: *mut ws_action) -> ws_result {
    poll_with(drv, out, Driver::poll_action)
}

/// `ws_poll` that takes only actions already queued and never parses
/// stored input: the output of commands (and actions of input already
/// parsed), in order. For hosts where one thread parses and dispatches
/// while others send: a sender writes what its command queued before it
/// returns, without running the parser ahead of the listeners. Results as
/// for `ws_poll`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_poll_queued(drv: *mut ws_driver, out: *mut ws_action) -> ws_result {
    poll_with(drv, out, Driver::poll_queued)
}

fn poll_with(
    drv: *mut ws_driver,
    out: *mut ws_action,
    next: fn(&mut Driver) -> Option<Action>,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        check_out!(out);
        let Some(size) = their_size(out) else {
            return h.fail(
                ws_result::InvalidArgument,
                "ws_action.struct_size is too small.",
            );
        };
        if let Some(old) = h.polled.borrow_mut().take() {
            h.core.borrow_mut().recycle(old);
        }
        let action = next(&mut h.core.borrow_mut());
        if h.guard.free_requested.get() {
            // An extension callback freed the driver: hand out nothing.
            return ws_result::InvalidState;
        }
        let Some(action) = action else {
            return ws_result::Empty;
        };
        let (a, bytes) = convert(action);
        if a.kind == WS_ACTION_PING_ANSWERED {
            h.take_pong_reply(a.token);
        }
        *h.polled.borrow_mut() = Some(bytes);
        write_action(out, a, size);
        ws_result::Ok
    })
}

/// Copies output waiting to be written (the concatenated writes, when no
/// write callback is set) into `buf`, at most `cap` bytes, and sets
/// `*out_len`; what does not fit stays for the next call. Called outside
/// callbacks, it first delivers actions still queued (events go to their
/// callbacks, or are dropped when none is set). Returns `WS_RESULT_EMPTY`
/// when there is nothing to write (`*out_len` untouched),
/// `WS_RESULT_BUFFER_TOO_SMALL` when `cap` is 0 but output is waiting, and
/// `WS_RESULT_NULL_PARAMETER` for NULL pointers. Hosts using `ws_poll` get
/// writes as `WS_ACTION_WRITE` instead.
#[unsafe(no_mangle)]
pub extern "C" fn ws_take_output(
    drv: *mut ws_driver,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, outermost| {
        check_out!(buf, out_len);
        if isize::try_from(cap).is_err() {
            return ws_result::InvalidArgument;
        }
        let drained = if outermost {
            drain(h, drv)
        } else {
            Drained::Done
        };
        if drained == Drained::Aborted {
            // Poisoned, or freed from a callback: hand out nothing.
            return drained.result(h, ws_result::Empty);
        }
        let mut output = h.output.borrow_mut();
        if output.len() == 0 {
            drop(output);
            return drained.result(h, ws_result::Empty);
        }
        if cap == 0 {
            return ws_result::BufferTooSmall;
        }

        // SAFETY: `buf` is non-NULL and the caller passes `cap` writable
        // bytes there that nothing else touches during the call.
        let dst = unsafe { std::slice::from_raw_parts_mut(buf, cap) };
        let n = output.take(dst);
        drop(output);
        write_out(out_len, n);
        ws_result::Ok
    })
}

/// Bytes held by the driver: output waiting for `ws_take_output` or not yet
/// delivered, unparsed input, and a partly received message. Servers use it
/// for backpressure. 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_buffered_amount(drv: *const ws_driver) -> usize {
    enter::<Handle, _>(drv, Access::Read, |h, _| {
        h.output.borrow().len() + h.core.borrow().buffered_amount()
    })
}
