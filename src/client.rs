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

pub(crate) struct ClientHandshake {
    pub url: Url,
    pub key: String,
    /// Fixed headers first, then the caller's (`set_header`).
    pub headers: Headers,
}

impl ClientHandshake {
    pub fn new(
        url: Url,
        protocols: &[String],
        key: Option<&str>,
        rng: &mut dyn RandomSource,
    ) -> Self {
        let key = key.map_or_else(
            || {
                let mut raw = [0u8; 16];
                rng.fill(&mut raw);
                STANDARD.encode(raw)
            },
            str::to_owned,
        );
        let mut headers = Headers::new();
        headers.set("Host", &url.host_header());
        headers.set("Upgrade", "websocket");
        headers.set("Connection", "Upgrade");
        headers.set("Sec-WebSocket-Key", &key);
        headers.set("Sec-WebSocket-Version", "13");
        if !protocols.is_empty() {
            headers.set("Sec-WebSocket-Protocol", &protocols.join(", "));
        }
        if let Some(auth) = url.basic_credentials() {
            headers.set("Authorization", &format!("Basic {}", STANDARD.encode(auth)));
        }
        ClientHandshake { url, key, headers }
    }

    /// The request bytes; the extension offer is added at this point.
    pub fn request(&self, ext: &mut Extensions) -> Vec<u8> {
        let mut headers = self.headers.clone();
        if let Some(offer) = ext.generate_offer() {
            headers.set("Sec-WebSocket-Extensions", &offer);
        }
        let mut out = format!("GET {} HTTP/1.1\r\n", self.url.resource).into_bytes();
        headers.write_to(&mut out);
        out.extend_from_slice(b"\r\n");
        out
    }

    /// Validates the response; returns the agreed subprotocol, or the
    /// gem's message (without its "Error during WebSocket handshake: " prefix).
    pub fn validate(
        &self,
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
        if h.get("Sec-WebSocket-Accept") != Some(accept_key(&self.key).as_str()) {
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
