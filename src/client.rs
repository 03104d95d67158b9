//! The client side of the opening handshake: the request with a random key,
//! and validation of the server's response.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::extensions::Extensions;
use crate::headers::Headers;
use crate::http::Response;
use crate::rand::RandomSource;
use crate::server::accept_key;
use crate::url::Url;

/// What a client remembers about its handshake from creation on: little,
/// so an idle client is small; the request's headers are built when first
/// needed (`set_header` or `start`).
pub(crate) struct ClientHandshake {
    /// The URL as the caller gave it (checked at creation, parsed again when
    /// the request is built).
    pub url: Box<str>,
    /// The generated key (base64 of 16 random bytes), unused when the
    /// options give one.
    generated: [u8; 24],
    /// Fixed headers first, then the caller's (`set_header`); `None` until
    /// first needed.
    headers: Option<Headers>,
}

impl ClientHandshake {
    /// `url` must have been checked with `Url::parse`. The key is drawn from
    /// `rng` now unless `given`.
    pub fn new(url: &str, given: Option<&str>, rng: &mut dyn RandomSource) -> Self {
        let mut generated = [0u8; 24];
        if given.is_none() {
            let mut raw = [0u8; 16];
            rng.fill(&mut raw);
            STANDARD
                .encode_slice(raw, &mut generated)
                .expect("16 bytes encode to 24");
        }
        ClientHandshake {
            url: url.into(),
            generated,
            headers: None,
        }
    }

    /// The `Sec-WebSocket-Key`: the given one, else the generated one.
    pub fn key<'a>(&'a self, given: Option<&'a str>) -> &'a str {
        given.unwrap_or_else(|| std::str::from_utf8(&self.generated).expect("base64 is ASCII"))
    }

    fn parsed_url(&self) -> Url {
        Url::parse(&self.url, &["ws", "wss"]).expect("checked at creation")
    }

    /// The request headers, built on first use.
    pub fn headers(&mut self, protocols: &[String], given: Option<&str>) -> &mut Headers {
        if self.headers.is_none() {
            let headers = self.fixed_headers(protocols, given);
            self.headers = Some(headers);
        }
        self.headers.as_mut().expect("just built")
    }

    fn fixed_headers(&self, protocols: &[String], given: Option<&str>) -> Headers {
        let url = self.parsed_url();
        let mut headers = Headers::new();
        headers.set("Host", &url.host_header());
        headers.set("Upgrade", "websocket");
        headers.set("Connection", "Upgrade");
        headers.set("Sec-WebSocket-Key", self.key(given));
        headers.set("Sec-WebSocket-Version", "13");
        if !protocols.is_empty() {
            headers.set("Sec-WebSocket-Protocol", &protocols.join(", "));
        }
        if let Some(auth) = url.basic_credentials() {
            headers.set("Authorization", &format!("Basic {}", STANDARD.encode(auth)));
        }
        headers
    }

    /// The request bytes; the extension offer is added at this point. The
    /// headers are not needed afterwards and are given up.
    pub fn request(
        &mut self,
        protocols: &[String],
        given: Option<&str>,
        ext: &mut Extensions,
    ) -> Vec<u8> {
        let mut headers = match self.headers.take() {
            Some(h) => h,
            None => self.fixed_headers(protocols, given),
        };
        if let Some(offer) = ext.generate_offer() {
            headers.set("Sec-WebSocket-Extensions", &offer);
        }
        let mut out = format!("GET {} HTTP/1.1\r\n", self.parsed_url().resource).into_bytes();
        headers.write_to(&mut out);
        out.extend_from_slice(b"\r\n");
        out
    }

    /// Validates the response; returns the agreed subprotocol, or the
    /// gem's message (without its "Error during WebSocket handshake: " prefix).
    pub fn validate(
        &self,
        given: Option<&str>,
        res: &Response,
        protocols: &[String],
        ext: &mut Extensions,
    ) -> Result<Option<String>, String> {
        if res.status != 101 {
            return Err(format!("Unexpected response code: {}", res.status));
        }
        let h = &res.headers;
        match h.get("Upgrade").unwrap_or("") {
            "" => return Err("'Upgrade' header is missing".into()),
            u if !u.eq_ignore_ascii_case("websocket") => {
                return Err("'Upgrade' header value is not 'WebSocket'".into());
            }
            _ => {}
        }
        match h.get("Connection").unwrap_or("") {
            "" => return Err("'Connection' header is missing".into()),
            c if !crate::headers::lists_token(c, "upgrade") => {
                return Err("'Connection' header value is not 'Upgrade'".into());
            }
            _ => {}
        }
        if h.get("Sec-WebSocket-Accept") != Some(accept_key(self.key(given)).as_str()) {
            return Err("Sec-WebSocket-Accept mismatch".into());
        }
        let protocol = match h.get("Sec-WebSocket-Protocol").unwrap_or("") {
            "" => None,
            p if protocols.iter().any(|o| o == p) => Some(p.to_owned()),
            _ => return Err("Sec-WebSocket-Protocol mismatch".into()),
        };
        ext.activate(h.get("Sec-WebSocket-Extensions"))?;
        Ok(protocol)
    }
}
