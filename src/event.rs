//! What the driver hands back: events for the application and bytes to write,
//! in one ordered stream of [`Action`]s.

use crate::error::Error;

/// The connection's ready state, numbered as in the WebSocket API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum ReadyState {
    Connecting = 0,
    Open = 1,
    Closing = 2,
    Closed = 3,
}

/// Whether a message was sent as text or binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    Text,
    Binary,
}

/// Something the application should know about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Server: the HTTP request head is complete (see `Driver::request`).
    /// Proxy: the proxy answered 200 to CONNECT.
    Connect,
    /// The handshake is done; messages can flow.
    Open,
    /// A complete message. Text is valid UTF-8 (hybi drivers check it).
    Message { kind: MessageKind, data: Vec<u8> },
    /// A ping arrived; the matching pong has already been queued.
    Ping(Vec<u8>),
    /// A pong arrived.
    Pong(Vec<u8>),
    /// The pong for `Driver::ping_with_token`'s payload arrived; comes right
    /// before the `Pong` event.
    PingAnswered(u64),
    /// The connection is closed. `code` is `None` for hixie drivers, which
    /// have no close codes.
    Close { code: Option<u16>, reason: String },
    /// A protocol or handshake failure; a `Close` event follows.
    Error(Error),
}

/// One step of output: bytes for the transport or an event, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Write(Vec<u8>),
    Event(Event),
}
