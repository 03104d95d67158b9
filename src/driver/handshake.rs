//! The server side of the opening handshake, as `Driver` methods: choosing
//! the protocol from the request, reading body bytes before the answer,
//! answering (RFC 6455, hixie-75, hixie-76 with its late key), and
//! rejecting bad requests with a 400.

use super::{Driver, Proto, Req, Side};
use crate::error::{CommandError, Error, ErrorKind};
use crate::headers::Headers;
use crate::hixie::{self, Hixie};
use crate::http::Request;
use crate::hybi::Hybi;
use crate::server::{self, Selected};

impl Driver {
    /// Server, before the handshake is answered: bytes are request body;
    /// hixie-76 takes its 8-byte key from them. Returns bytes used.
    pub(super) fn read_body(&mut self, input: &[u8]) -> usize {
        let Side::Server(s) = &mut self.side else {
            return 0;
        };
        let e = s.early.get_or_insert_default();
        let take = match e.hixie_keys {
            Some(_) => input.len().min(8 - e.body.len()),
            None => input.len(),
        };
        // The hixie-76 key (8 bytes at most) is not a message: `max_length`
        // does not apply to it (as in the gem).
        if e.hixie_keys.is_none() && (e.body.len() + take) as u64 > self.opts.max_length {
            self.fail_handshake(Error::new(ErrorKind::TooLarge, "Request body too large"));
            return input.len();
        }
        e.body.extend_from_slice(&input[..take]);
        if let Some(keys) = e.hixie_keys {
            self.answer_hixie76(keys);
        }
        take
    }

    pub(super) fn choose_protocol(&mut self, request: Request) {
        let max = self.opts.max_length;
        match server::select(&request) {
            Selected::Hybi => {
                // A version that is refused at `start` is reported as the
                // one the refusal names, 13 (the gem's `version`).
                let version = server::hybi_version(&request, self.opts.hybi_drafts);
                self.version = Some(version.unwrap_or("hybi-13"));
                let masking = self.opts.masking.unwrap_or(false);
                let require = self.opts.require_masking.unwrap_or(true);
                self.proto = Proto::Hybi(Box::new(Hybi::new(masking, require, max)));
            }
            Selected::Hixie76 => {
                self.version = Some("hixie-76");
                self.proto = Proto::Hixie(Box::new(Hixie::new(true, max)));
            }
            Selected::Hixie75 => {
                self.version = Some("hixie-75");
                self.proto = Proto::Hixie(Box::new(Hixie::new(false, max)));
            }
        }
        if let Side::Server(s) = &mut self.side {
            s.req = Req::Parsed(request);
        }
    }

    /// Answers a complete request (server side).
    pub(super) fn start_server(&mut self) -> Result<(), CommandError> {
        // Not reached without a request: `start` defers until it is here.
        let Side::Server(s) = &mut self.side else {
            return Err(CommandError::AlreadyStarted);
        };
        let Some(req) = s.req.request() else {
            return Err(CommandError::AlreadyStarted);
        };
        if !server::is_websocket(req) {
            // Not a hixie request either (hixie-75 is only the default
            // guess): fail as hybi does, so the close event carries the
            // error's code, 1002.
            self.proto = Proto::Undecided;
            return self.refuse_bad_request("Not a WebSocket request".to_owned());
        }
        let response = match &self.proto {
            Proto::Hybi(_) => {
                let key = match server::check_hybi(req, self.opts.hybi_drafts) {
                    Ok(k) => k,
                    Err(message) => return self.refuse_bad_request(message),
                };
                let accept = server::accept_key(key);
                let extensions = match self
                    .ext
                    .generate_response(req.headers.get("Sec-WebSocket-Extensions"))
                {
                    Ok(e) => e,
                    Err(message) => return self.refuse_bad_request(message),
                };
                self.protocol = server::select_protocol(req, &self.opts.protocols).map(Into::into);
                server::response(
                    "HTTP/1.1 101 Switching Protocols",
                    custom_headers(&self.custom),
                    &[
                        ("Upgrade", Some("websocket")),
                        ("Connection", Some("Upgrade")),
                        ("Sec-WebSocket-Accept", Some(&accept)),
                        ("Sec-WebSocket-Protocol", self.protocol.as_deref()),
                        ("Sec-WebSocket-Extensions", extensions.as_deref()),
                    ],
                )
            }
            Proto::Hixie(h) if h.v76 => {
                let keys = match hixie76_keys(req) {
                    Ok(k) => k,
                    Err(e) => return self.refuse_bad_request(e.message),
                };
                s.early.get_or_insert_default().hixie_keys = Some(keys);
                let url = s.url().unwrap_or_default();
                server::response(
                    "HTTP/1.1 101 WebSocket Protocol Handshake",
                    &Headers::new(),
                    &[
                        ("Upgrade", Some("WebSocket")),
                        ("Connection", Some("Upgrade")),
                        ("Sec-WebSocket-Origin", req.headers.get("Origin")),
                        ("Sec-WebSocket-Location", Some(&url)),
                    ],
                )
            }
            Proto::Hixie(_) => server::response(
                "HTTP/1.1 101 Web Socket Protocol Handshake",
                &Headers::new(),
                &[
                    ("Upgrade", Some("WebSocket")),
                    ("Connection", Some("Upgrade")),
                    ("WebSocket-Origin", req.headers.get("Origin")),
                    ("WebSocket-Location", Some(&s.url().unwrap_or_default())),
                ],
            ),
            Proto::Undecided => return Err(CommandError::AlreadyStarted),
        };
        // Hixie responses put the custom headers after the fixed ones.
        let response = match &self.proto {
            Proto::Hixie(_) => append_custom(response, custom_headers(&self.custom)),
            _ => response,
        };
        self.io.write(response);
        let Side::Server(s) = &mut self.side else {
            return Err(CommandError::AlreadyStarted);
        };
        match s.early.as_ref().and_then(|e| e.hixie_keys) {
            Some(keys) => self.answer_hixie76(keys),
            None => {
                // Bytes that followed the request are the first frames.
                let early = s.take_body();
                self.open();
                self.put_front(early);
            }
        }
        Ok(())
    }

    /// Hixie-76: once 8 body bytes are here, answers the challenge and opens.
    fn answer_hixie76(&mut self, (k1, k2): (u32, u32)) {
        let Side::Server(s) = &mut self.side else {
            return;
        };
        let body = s.early.as_ref().map_or(&[][..], |e| &e.body);
        if !self.started || body.len() < 8 {
            return;
        }
        let key: [u8; 8] = body[..8].try_into().expect("length checked");
        let early = s.take_body().split_off(8);
        self.io
            .write(hixie::challenge_answer(k1, k2, &key).to_vec());
        self.open();
        self.put_front(early);
    }

    /// Server handshake failure: 400 response, `error`, `close`.
    fn refuse_bad_request(&mut self, message: String) -> Result<(), CommandError> {
        self.io.write(server::failure_response(&message));
        self.fail_handshake(Error::protocol(message));
        Err(CommandError::HandshakeFailed)
    }
}

fn hixie76_keys(req: &Request) -> Result<(u32, u32), Error> {
    let key1 = req
        .headers
        .get("Sec-WebSocket-Key1")
        .ok_or_else(|| Error::protocol("Missing required header: Sec-WebSocket-Key1"))?;
    let key2 = req
        .headers
        .get("Sec-WebSocket-Key2")
        .ok_or_else(|| Error::protocol("Missing required header: Sec-WebSocket-Key2"))?;
    Ok((hixie::key_value(key1)?, hixie::key_value(key2)?))
}

/// The `set_header` headers (none when never called).
pub(super) fn custom_headers(custom: &Option<Box<Headers>>) -> &Headers {
    static NONE: Headers = Headers::new();
    custom.as_deref().unwrap_or(&NONE)
}

/// Inserts custom headers before the blank line that ends `response`.
fn append_custom(mut response: Vec<u8>, custom: &Headers) -> Vec<u8> {
    if custom.is_empty() {
        return response;
    }
    response.truncate(response.len() - 2);
    custom.write_to(&mut response);
    response.extend_from_slice(b"\r\n");
    response
}
