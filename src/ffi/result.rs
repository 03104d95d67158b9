//! `ws_result`, the status every fallible entry point returns.

use std::ffi::c_char;

use crate::error::CommandError;

/// The outcome of a call. Values are fixed and only ever appended; a
/// function that accepts a code takes `uint32_t`, never this enum.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ws_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// This call panicked, or an earlier call on the same object did and the
    /// object is poisoned. Only `*_free` is still useful on it.
    Panic = 2,
    /// A bad option value, close code, over-long close reason (more than
    /// 123 bytes) or control payload (more than 125 bytes), a header with
    /// CR/LF or one already set, or an index out of range.
    InvalidArgument = 3,
    /// Not possible in the current state: sending once closing or closed,
    /// starting twice, setting a header after start, using a driver freed
    /// from inside one of its callbacks.
    InvalidState = 4,
    /// Not available for this protocol: binary messages, pings and pongs on
    /// hixie-75/76 drivers.
    NotSupported = 5,
    /// Text that is not valid UTF-8.
    InvalidUtf8 = 6,
    /// A URL that is not a usable `ws://`/`wss://` (or proxy `http://`) URL.
    InvalidUrl = 7,
    /// A callback returned non-zero: dispatch stopped. Undelivered actions
    /// and unconsumed input are kept for the next `ws_parse`/`ws_poll`.
    CallbackStopped = 8,
    /// The caller's buffer cannot hold anything.
    BufferTooSmall = 9,
    /// A limit was reached: the queue of messages sent before open is full,
    /// or too many pings are waiting for their pong.
    LimitExceeded = 10,
    /// A server's handshake failed: a 400 response was queued, and `error`
    /// and `close` events follow.
    HandshakeFailed = 11,
    /// `ws_poll`, `ws_proxy_poll`, `ws_take_output`: nothing to hand out.
    Empty = 12,
}

impl ws_result {
    /// The static, NUL-terminated description of this result.
    fn text(self) -> &'static str {
        match self {
            ws_result::Ok => "ok\0",
            ws_result::NullParameter => "a required pointer argument was NULL\0",
            ws_result::Panic => "internal panic; the object is poisoned\0",
            ws_result::InvalidArgument => "invalid argument\0",
            ws_result::InvalidState => "not possible in the current state\0",
            ws_result::NotSupported => "not supported by this protocol version\0",
            ws_result::InvalidUtf8 => "invalid UTF-8\0",
            ws_result::InvalidUrl => "invalid URL\0",
            ws_result::CallbackStopped => "a callback stopped dispatch\0",
            ws_result::BufferTooSmall => "buffer too small\0",
            ws_result::LimitExceeded => "limit exceeded\0",
            ws_result::HandshakeFailed => "handshake failed\0",
            ws_result::Empty => "nothing to hand out\0",
        }
    }

    /// Every result, in code order (for `ws_result_text`).
    /// `ws_last_error` for a failure that set no message of its own.
    pub(crate) fn detail(self) -> &'static str {
        match self {
            ws_result::InvalidArgument => {
                "Invalid argument: a length or capacity over PTRDIFF_MAX or too large to copy, \
                 an index out of range, or a value this call does not take."
            }
            ws_result::BufferTooSmall => "The buffer is too small.",
            other => other.text().trim_end_matches('\0'),
        }
    }

    const ALL: [ws_result; 13] = [
        ws_result::Ok,
        ws_result::NullParameter,
        ws_result::Panic,
        ws_result::InvalidArgument,
        ws_result::InvalidState,
        ws_result::NotSupported,
        ws_result::InvalidUtf8,
        ws_result::InvalidUrl,
        ws_result::CallbackStopped,
        ws_result::BufferTooSmall,
        ws_result::LimitExceeded,
        ws_result::HandshakeFailed,
        ws_result::Empty,
    ];
}

impl From<CommandError> for ws_result {
    fn from(e: CommandError) -> ws_result {
        match e {
            CommandError::AlreadyStarted | CommandError::Closed | CommandError::ExtensionFailed => {
                ws_result::InvalidState
            }
            CommandError::HandshakeFailed | CommandError::RequestRefused => {
                ws_result::HandshakeFailed
            }
            CommandError::NotSupported => ws_result::NotSupported,
            CommandError::ControlTooLong
            | CommandError::ReasonTooLong
            | CommandError::BadCloseCode(_)
            | CommandError::InvalidHeader(_)
            | CommandError::DuplicateHeader => ws_result::InvalidArgument,
            CommandError::InvalidUtf8 => ws_result::InvalidUtf8,
            CommandError::QueueFull | CommandError::TooManyPings => ws_result::LimitExceeded,
        }
    }
}

/// A static, NUL-terminated description of a `ws_result` code, or
/// "unknown result" for a value that is not one. Never NULL; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn ws_result_text(code: u32) -> *const c_char {
    let text = usize::try_from(code)
        .ok()
        .and_then(|i| ws_result::ALL.get(i))
        .map_or("unknown result\0", |r| r.text());
    text.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_positions() {
        for (i, r) in ws_result::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
            assert!(r.text().ends_with('\0'));
        }
    }
}
