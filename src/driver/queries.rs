//! What a driver can be asked: state, version, protocol, the client's
//! response, the server's request and body, buffered bytes.

use std::borrow::Cow;

use super::{Driver, Proto, Req, Side};
use crate::event::ReadyState;
use crate::headers::Headers;
use crate::http::Request;

impl Driver {
    pub fn state(&self) -> ReadyState {
        self.io.state
    }

    /// `hybi-13`, `hixie-75`, `hixie-76` ...; `None` until known.
    pub fn version(&self) -> Option<&str> {
        match &self.side {
            Side::Client(_) => Some("hybi-13"),
            Side::Server(_) => self.version,
        }
    }

    /// The agreed subprotocol, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    pub fn is_client(&self) -> bool {
        matches!(self.side, Side::Client(_))
    }

    /// Whether the handshake was started (`start` succeeded and, for a raw
    /// server, the request had arrived).
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// Client: the response's status code, once it arrived.
    pub fn status(&self) -> Option<u16> {
        match &self.side {
            Side::Client(c) => c.response.as_ref().map(|r| r.status),
            Side::Server(_) => None,
        }
    }

    /// Client: the response's headers, once it arrived.
    pub fn headers(&self) -> Option<&Headers> {
        match &self.side {
            Side::Client(c) => c.response.as_ref().map(|r| &r.headers),
            Side::Server(_) => None,
        }
    }

    /// Server: the request, once complete.
    pub fn request(&self) -> Option<&Request> {
        match &self.side {
            Side::Server(s) => s.req.request(),
            Side::Client(_) => None,
        }
    }

    /// Server: request bytes after the head received so far (before the
    /// handshake was answered).
    ///
    /// Bytes that arrived with the request head but are not parsed yet
    /// (parsing waits for the `connect` event to be handled) are included:
    /// the `connect` handler sees the body so far, as in the gem's env.
    pub fn body(&self) -> Cow<'_, [u8]> {
        let Side::Server(s) = &self.side else {
            return Cow::Borrowed(&[]);
        };
        let unparsed = if self.awaits_start() && !self.held {
            &self.inbox[self.inbox_pos..]
        } else {
            &[]
        };
        let body = s.early.as_ref().map_or(&[][..], |e| &e.body);
        match (body.is_empty(), unparsed.is_empty()) {
            (_, true) => Cow::Borrowed(body),
            (true, false) => Cow::Borrowed(unparsed),
            (false, false) => Cow::Owned([body, unparsed].concat()),
        }
    }

    /// A server whose request is complete but not answered yet: input is
    /// request body until `start`.
    pub(super) fn awaits_start(&self) -> bool {
        matches!(&self.side, Side::Server(s) if !s.req.is_reading())
            && !self.started
            && self.io.state == ReadyState::Connecting
    }

    /// The connection's URL: the client's, or the one a server request was made to.
    pub fn url(&self) -> Option<String> {
        match &self.side {
            Side::Server(s) => s.req.request().and(s.url()).map(Cow::into_owned),
            Side::Client(c) => Some(c.handshake.url.to_string()),
        }
    }

    /// Bytes held by the driver: queued writes, unparsed input and a
    /// partly received message. Servers use it for backpressure.
    pub fn buffered_amount(&self) -> usize {
        let message = match &self.proto {
            Proto::Hybi(h) => h.buffered(),
            Proto::Hixie(h) => h.buffered(),
            Proto::Undecided => 0,
        };
        // A request or response head held until it ends (dropped with
        // everything else when the connection fails).
        let head = match &self.side {
            _ if self.io.state != ReadyState::Connecting => 0,
            Side::Server(s) => match &s.req {
                Req::Reading(r) => r.held(),
                _ => 0,
            },
            Side::Client(c) => c.reader.as_ref().map_or(0, |r| r.held()),
        };
        self.io.pending_write_bytes() + (self.inbox.len() - self.inbox_pos) + message + head
    }
}
