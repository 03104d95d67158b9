//! `ws_action`: one write or event in C terms, and the one conversion
//! from the core's actions to it. Callback delivery, `ws_poll`,
//! `ws_poll_many` and the proxy all go through [`convert`], so they cannot
//! disagree on codes, kinds or NUL termination.

use crate::event::{Action, Event, MessageKind};

use super::handle::write_out;

/// `ws_message_cb`'s `kind` and `ws_action.message_kind`: a text message
/// (valid UTF-8).
pub const WS_MESSAGE_TEXT: u32 = 1;
/// `ws_message_cb`'s `kind` and `ws_action.message_kind`: a binary message.
pub const WS_MESSAGE_BINARY: u32 = 2;

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
    /// valid until the next call on it that takes actions (`ws_poll`,
    /// `ws_poll_queued`, `ws_poll_many`, `ws_poll_in_place`;
    /// `ws_proxy_poll`) or frees it: commands given in reaction, such as
    /// `ws_text(drv, (const char *)a.data, a.len)` to echo it, leave it
    /// valid. Never NULL.
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

/// Converts an action; the returned bytes back `data` (texts, the close
/// reason and the error message, are NUL-terminated) and must be kept alive
/// for as long as the caller may read them; give them back to the core with
/// `recycle` after.
#[inline(always)]
pub(crate) fn convert(action: Action) -> (ws_action, Vec<u8>) {
    match action {
        Action::Write(b) => with_bytes(WS_ACTION_WRITE, b, false),
        Action::Event(Event::Connect) => with_bytes(WS_ACTION_CONNECT, Vec::new(), false),
        Action::Event(Event::Open) => with_bytes(WS_ACTION_OPEN, Vec::new(), false),
        Action::Event(Event::Message { kind, data }) => {
            let (mut a, data) = with_bytes(WS_ACTION_MESSAGE, data, false);
            a.message_kind = message_kind(kind);
            (a, data)
        }
        Action::Event(Event::Ping(d)) => with_bytes(WS_ACTION_PING, d, false),
        Action::Event(Event::Pong(d)) => with_bytes(WS_ACTION_PONG, d, false),
        Action::Event(Event::PingAnswered(token)) => {
            let (mut a, none) = with_bytes(WS_ACTION_PING_ANSWERED, Vec::new(), false);
            a.token = token;
            (a, none)
        }
        Action::Event(Event::Close { code, reason }) => {
            let (mut a, reason) = with_bytes(WS_ACTION_CLOSE, reason.into_bytes(), true);
            a.code = code.map_or(0, u32::from);
            (a, reason)
        }
        Action::Event(Event::Error(e)) => {
            let code = u32::from(e.close_code());
            let (mut a, message) = with_bytes(WS_ACTION_ERROR, e.message.into_bytes(), true);
            a.code = code;
            (a, message)
        }
    }
}

/// `ws_action.message_kind` and `ws_message_cb`'s `kind` for a message.
#[inline(always)]
pub(crate) fn message_kind(kind: MessageKind) -> u32 {
    match kind {
        MessageKind::Text => WS_MESSAGE_TEXT,
        MessageKind::Binary => WS_MESSAGE_BINARY,
    }
}

/// An action of `kind` whose `data` is `bytes` (NUL-terminated if `text`).
#[inline(always)]
fn with_bytes(kind: u32, mut bytes: Vec<u8>, text: bool) -> (ws_action, Vec<u8>) {
    let mut a = ws_action::empty();
    a.kind = kind;
    a.len = bytes.len();
    if bytes.is_empty() {
        // A real address, and a NUL for an empty text, without allocating.
        a.data = NUL.as_ptr();
        return (a, bytes);
    }
    if text {
        bytes.push(0);
    }
    a.data = bytes.as_ptr();
    (a, bytes)
}

/// What `data` points to for an empty payload.
static NUL: [u8; 1] = [0];

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
