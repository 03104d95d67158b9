//! A server's choices about one request before it answers the opening
//! handshake: refusing it with an HTTP response of its own (`reject`, for a
//! 401, 403, 404...) and picking the subprotocol for this request
//! (`select_protocol`).

use std::fmt;

use super::{Driver, Proto, Side};
use crate::event::{Event, ReadyState};
use crate::headers::Headers;
use crate::http::Request;

/// Why [`Driver::reject`] or [`Driver::select_protocol`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerError {
    /// Not a server, or the request head has not arrived yet.
    NoRequest,
    /// The handshake was already answered (`start`, `reject`) or the
    /// driver has closed.
    AlreadyAnswered,
    /// `reject`: the status is not a final one (200–599).
    BadStatus,
    /// `reject`: a header name or value is invalid or repeated.
    BadHeader,
    /// `reject`: a `Content-Length` other than the body's length, or a
    /// `Transfer-Encoding` (the body goes out as given): the response would
    /// not say where it ends.
    BadFraming,
    /// `select_protocol`: the client did not offer this subprotocol.
    NotOffered,
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AnswerError::NoRequest => "Only a server with a complete request can answer it.",
            AnswerError::AlreadyAnswered => "The handshake was already answered.",
            AnswerError::BadStatus => "A rejection's status must be between 200 and 599.",
            AnswerError::BadHeader => "A header is invalid or repeated.",
            AnswerError::BadFraming => {
                "A rejection's Content-Length must be its body's length, and it cannot have a \
                 Transfer-Encoding."
            }
            AnswerError::NotOffered => "The client did not offer this subprotocol.",
        })
    }
}

impl std::error::Error for AnswerError {}

impl Driver {
    /// The request this server has not answered yet.
    fn unanswered(&self) -> Result<&Request, AnswerError> {
        let Side::Server(s) = &self.side else {
            return Err(AnswerError::NoRequest);
        };
        let request = s.req.request().ok_or(AnswerError::NoRequest)?;
        if self.started || self.deferred_start || self.io.state != ReadyState::Connecting {
            return Err(AnswerError::AlreadyAnswered);
        }
        Ok(request)
    }

    /// Server, instead of [`start`](Self::start): answers the request with
    /// `status` (200–599), `headers` and `body` (`Content-Length` is added
    /// unless given), and closes: a `Close` event with no code follows. The
    /// host closes the transport once the response is written. In the
    /// extended CONNECT mode (h2/h3) the status and headers are
    /// [`handshake_fields`](Self::handshake_fields) and the body is a write
    /// (DATA on the stream).
    pub fn reject(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(), AnswerError> {
        self.unanswered()?;
        if !(200..=599).contains(&status) {
            return Err(AnswerError::BadStatus);
        }
        let mut fields = Headers::new();
        for (name, value) in headers {
            if !fields.set(name, value) {
                return Err(AnswerError::BadHeader);
            }
        }
        let length = body.len().to_string();
        match fields.get("Content-Length") {
            Some(given) if given.trim() != length => return Err(AnswerError::BadFraming),
            Some(_) => {}
            None => {
                fields.set("Content-Length", &length);
            }
        }
        if fields.contains("Transfer-Encoding") {
            return Err(AnswerError::BadFraming);
        }
        self.started = true;
        if self.extended_reject(status, &fields) {
            // Extended CONNECT (h2/h3): the answer is fields, the body DATA.
            if !body.is_empty() {
                self.io.write(body.to_vec());
            }
        } else {
            let mut out = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).into_bytes();
            fields.write_to(&mut out);
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(body);
            self.io.write(out);
        }
        if let Proto::Hybi(h) = &mut self.proto {
            h.stop();
        }
        self.pending = None;
        self.io.set_closed();
        self.io.emit(Event::Close {
            code: None,
            reason: String::new(),
        });
        Ok(())
    }

    /// Server, before [`start`](Self::start): agrees on `protocol` for this
    /// request (one the client offered), or on none, whatever the
    /// `protocols` option says.
    pub fn select_protocol(&mut self, protocol: Option<&str>) -> Result<(), AnswerError> {
        let request = self.unanswered()?;
        match protocol {
            Some(p) => {
                let offered = request.headers.get("Sec-WebSocket-Protocol").unwrap_or("");
                if !offered.split(',').map(str::trim).any(|o| o == p) {
                    return Err(AnswerError::NotOffered);
                }
                // The answer picks from this list: it now holds the choice.
                self.opts.protocols = vec![p.to_owned()];
            }
            None => self.opts.protocols.clear(),
        }
        Ok(())
    }
}

/// The reason phrase of common statuses (any text is valid HTTP).
fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => match status / 100 {
            2 => "Success",
            3 => "Redirection",
            4 => "Client Error",
            _ => "Server Error",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Options};

    const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n";

    fn drain(d: &mut Driver) -> (Vec<u8>, Vec<Event>) {
        let (mut out, mut events) = (Vec::new(), Vec::new());
        while let Some(a) = d.poll_action() {
            match a {
                Action::Write(b) => out.extend_from_slice(&b),
                Action::Event(e) => events.push(e),
            }
        }
        (out, events)
    }

    fn server_with_request(protocols: &[&str]) -> Driver {
        let opts = Options {
            protocols: protocols.iter().map(|p| p.to_string()).collect(),
            ..Options::default()
        };
        let mut d = Driver::server(opts);
        d.parse(REQUEST);
        let (_, events) = drain(&mut d);
        assert!(matches!(events[..], [Event::Connect]));
        d
    }

    #[test]
    fn reject_writes_the_response_and_closes() {
        let mut d = server_with_request(&[]);
        d.reject(403, &[("X-Why", "no entry")], b"go away").unwrap();
        let (out, events) = drain(&mut d);
        assert_eq!(
            out,
            b"HTTP/1.1 403 Forbidden\r\nX-Why: no entry\r\nContent-Length: 7\r\n\r\ngo away"
        );
        assert!(matches!(events[..], [Event::Close { code: None, .. }]));
        assert_eq!(d.state(), ReadyState::Closed);
        assert!(d.start().is_err());
        assert_eq!(d.reject(403, &[], b""), Err(AnswerError::AlreadyAnswered));
    }

    #[test]
    fn reject_refuses_bad_status_and_headers_and_unready_drivers() {
        let mut d = server_with_request(&[]);
        assert_eq!(d.reject(101, &[], b""), Err(AnswerError::BadStatus));
        assert_eq!(d.reject(600, &[], b""), Err(AnswerError::BadStatus));
        assert_eq!(
            d.reject(401, &[("A\r\nB", "x")], b""),
            Err(AnswerError::BadHeader)
        );
        assert_eq!(
            d.state(),
            ReadyState::Connecting,
            "a refused reject changes nothing"
        );
        let mut early = Driver::server(Options::default());
        assert_eq!(early.reject(401, &[], b""), Err(AnswerError::NoRequest));
        let mut client = Driver::client("ws://example.com/", Options::default()).unwrap();
        assert_eq!(client.reject(401, &[], b""), Err(AnswerError::NoRequest));
        d.start().unwrap();
        assert_eq!(d.reject(401, &[], b""), Err(AnswerError::AlreadyAnswered));
    }

    #[test]
    fn reject_refuses_framing_headers_that_disagree_with_the_body() {
        let mut d = server_with_request(&[]);
        for wrong in [
            ("Content-Length", "100"),
            ("content-length", "6"),
            ("Transfer-Encoding", "chunked"),
        ] {
            assert_eq!(
                d.reject(403, &[wrong], b"go away"),
                Err(AnswerError::BadFraming),
                "{wrong:?}"
            );
        }
        assert_eq!(d.state(), ReadyState::Connecting);
        d.reject(403, &[("Content-Length", "7")], b"go away")
            .unwrap();
        let (out, _) = drain(&mut d);
        assert_eq!(
            out,
            b"HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\n\r\ngo away"
        );
    }

    #[test]
    fn select_protocol_overrides_the_option_for_this_request() {
        let mut d = server_with_request(&["chat"]);
        d.select_protocol(Some("superchat")).unwrap();
        d.start().unwrap();
        let (out, _) = drain(&mut d);
        let head = String::from_utf8(out).unwrap();
        assert!(
            head.contains("Sec-WebSocket-Protocol: superchat\r\n"),
            "{head}"
        );
        assert_eq!(d.protocol(), Some("superchat"));

        let mut none = server_with_request(&["chat"]);
        none.select_protocol(None).unwrap();
        none.start().unwrap();
        let (out, _) = drain(&mut none);
        assert!(
            !String::from_utf8(out)
                .unwrap()
                .contains("Sec-WebSocket-Protocol")
        );
        assert_eq!(none.protocol(), None);
    }

    #[test]
    fn select_protocol_refuses_one_not_offered() {
        let mut d = server_with_request(&[]);
        assert_eq!(
            d.select_protocol(Some("other")),
            Err(AnswerError::NotOffered)
        );
        assert_eq!(d.select_protocol(Some("cha")), Err(AnswerError::NotOffered));
    }
}
