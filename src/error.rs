//! Errors the driver reports, with the close code each one maps to.

use std::fmt;

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
