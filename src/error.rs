//! Errors the driver reports, with the close code each one maps to.

use std::fmt;

use crate::headers::BadHeader;

/// What went wrong; decides the close code sent to the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Malformed frames or handshakes (1002).
    Protocol,
    /// Data the endpoint cannot accept, such as an unmasked client frame (1003).
    Unacceptable,
    /// A text message or close reason that is not UTF-8 (1007).
    Encoding,
    /// A frame or message longer than `max_length` (1009).
    TooLarge,
    /// An extension failed to negotiate or process data (1010).
    Extension,
    /// An internal failure, such as an extension that reported an error (1011).
    UnexpectedCondition,
    /// A URL that is not a usable WebSocket or proxy URL.
    Url,
    /// An option or argument that cannot be honoured.
    Configuration,
}

impl ErrorKind {
    /// The RFC 6455 close code for this kind of failure.
    pub fn close_code(self) -> u16 {
        match self {
            ErrorKind::Unacceptable => 1003,
            ErrorKind::Encoding => 1007,
            ErrorKind::TooLarge => 1009,
            ErrorKind::Extension => 1010,
            ErrorKind::UnexpectedCondition => 1011,
            _ => 1002,
        }
    }
}

/// An error event or a failed call: a kind and the gem-compatible message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn protocol(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Protocol, message)
    }

    pub fn url(url: &str) -> Self {
        Error::new(
            ErrorKind::Url,
            format!("{url} is not a valid WebSocket URL"),
        )
    }

    pub fn close_code(&self) -> u16 {
        self.kind.close_code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Why a command (`Driver::text`, `close`, `set_header`, `Proxy::start`, ...)
/// was refused. Refusals change nothing: the connection goes on as before,
/// except for [`ExtensionFailed`](Self::ExtensionFailed) and
/// [`HandshakeFailed`](Self::HandshakeFailed), which also emit `error` and
/// `close`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// `start` twice or after the connection ended; `set_header` or
    /// `add_extension` after `start`.
    AlreadyStarted,
    /// A server's handshake failed: a 400 response was written.
    HandshakeFailed,
    /// An extended CONNECT (RFC 8441) server refused the request: the
    /// answer is in `handshake_fields`.
    RequestRefused,
    /// Sending or closing once the connection is closing or closed.
    Closed,
    /// Hixie-75/76 drivers send text only and have no extensions.
    NotSupported,
    /// A ping or pong payload longer than 125 bytes.
    ControlTooLong,
    /// A close reason longer than 123 bytes.
    ReasonTooLong,
    /// A close code that may not be sent (RFC 6455 §7.4).
    BadCloseCode(u32),
    /// Text or a close reason that is not UTF-8.
    InvalidUtf8,
    /// `max_queued` messages already wait for the connection to open.
    QueueFull,
    /// `max_pending_pings` pings already wait for their pong.
    TooManyPings,
    /// A header that cannot be sent, or not by the caller.
    InvalidHeader(BadHeader),
    /// A header name that was already set (the first value wins).
    DuplicateHeader,
    /// An extension failed to encode the message: the connection failed.
    ExtensionFailed,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            CommandError::AlreadyStarted => {
                "Too late: already started, or the connection has ended."
            }
            CommandError::HandshakeFailed => {
                "The WebSocket handshake failed; a 400 response was sent."
            }
            CommandError::RequestRefused => {
                "The extended CONNECT request was refused; the answer is in the handshake fields (ws_extended_field_at)."
            }
            CommandError::Closed => "The connection is closing or closed.",
            CommandError::NotSupported => {
                "Hixie drivers send text messages only and have no extensions."
            }
            CommandError::ControlTooLong => "A ping or pong payload may hold at most 125 bytes.",
            CommandError::ReasonTooLong => "A close reason may hold at most 123 bytes.",
            CommandError::BadCloseCode(code) => {
                return write!(f, "{code} is not a close code that may be sent.");
            }
            CommandError::InvalidUtf8 => "The text is not valid UTF-8.",
            CommandError::QueueFull => {
                "Too many messages are queued before the connection opens (max_queued)."
            }
            CommandError::TooManyPings => {
                "Too many pings are waiting for their pong (max_pending_pings)."
            }
            CommandError::InvalidHeader(bad) => return bad.fmt(f),
            CommandError::DuplicateHeader => "That header is already set.",
            CommandError::ExtensionFailed => {
                "An extension failed to encode the message; the connection failed."
            }
        };
        f.write_str(text)
    }
}

impl std::error::Error for CommandError {}
