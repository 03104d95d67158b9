//! The server side of the opening handshake: is this a WebSocket request,
//! which protocol does it speak, and the response to send.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

use crate::headers::{Headers, lists_token};
use crate::http::Request;

/// The GUID RFC 6455 §1.3 appends to the key.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The `Sec-WebSocket-Version` of RFC 6455, the one hybi version always
/// answered.
const RFC6455_VERSION: &str = "13";

/// The protocol a request asks for, chosen the way the gem's `Driver.rack` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Selected {
    Hybi,
    Hixie76,
    Hixie75,
}

pub(crate) fn select(req: &Request) -> Selected {
    let h = &req.headers;
    if h.contains("Sec-WebSocket-Version") || h.contains("Sec-WebSocket-Key") {
        Selected::Hybi
    } else if h.contains("Sec-WebSocket-Key1") || h.contains("Sec-WebSocket-Key2") {
        Selected::Hixie76
    } else {
        Selected::Hixie75
    }
}

/// The gem's `Driver.websocket?`: a GET with `Connection: upgrade` and
/// `Upgrade: websocket`.
pub fn is_websocket(req: &Request) -> bool {
    let h = &req.headers;
    req.method == "GET"
        && h.get("Connection")
            .is_some_and(|c| lists_token(c, "upgrade"))
        && h.get("Upgrade")
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
}

/// `Sec-WebSocket-Accept` for a key.
pub fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID.as_bytes());
    STANDARD.encode(sha.finalize())
}

/// The hybi version a request gets answered with, as the driver reports
/// it: 13 (RFC 6455), or the drafts' 7 and 8 when `drafts` is on
/// (`Options::hybi_drafts`). `None`: refused at `start`.
pub(crate) fn hybi_version(req: &Request, drafts: bool) -> Option<&'static str> {
    match req.headers.get("Sec-WebSocket-Version")? {
        RFC6455_VERSION => Some("hybi-13"),
        "8" if drafts => Some("hybi-8"),
        "7" if drafts => Some("hybi-7"),
        _ => None,
    }
}

/// Checks a hybi request; the error text goes into the 400 response.
pub(crate) fn check_hybi(req: &Request, drafts: bool) -> Result<&str, String> {
    if hybi_version(req, drafts).is_none() {
        // The gem names its own version, whatever the client sent.
        return Err(format!("Unsupported WebSocket version: {RFC6455_VERSION}"));
    }
    let Some(key) = req.headers.get("Sec-WebSocket-Key") else {
        return Err("Missing handshake request header: Sec-WebSocket-Key".to_owned());
    };
    // RFC 6455 §4.2.1: the key is 16 random bytes, base64-encoded.
    if STANDARD.decode(key).map(|k| k.len()) != Ok(16) {
        return Err(format!(
            "Invalid handshake request header: Sec-WebSocket-Key: {key}"
        ));
    }
    Ok(key)
}

/// The subprotocol to use: the first of the client's, in the client's order,
/// that the server also supports (the gem's rule).
pub(crate) fn select_protocol(req: &Request, supported: &[String]) -> Option<String> {
    let offered = req.headers.get("Sec-WebSocket-Protocol")?;
    offered
        .split(',')
        .map(str::trim)
        .find(|p| supported.iter().any(|s| s == p))
        .map(str::to_owned)
}

/// Writes `start`, the custom headers, then ours (the first value of a name
/// wins, as in the gem), and the blank line.
pub(crate) fn response(start: &str, custom: &Headers, ours: &[(&str, Option<&str>)]) -> Vec<u8> {
    let mut headers = custom.clone();
    for (name, value) in ours {
        if let Some(v) = value {
            headers.set(name, v);
        }
    }
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(start.as_bytes());
    out.extend_from_slice(b"\r\n");
    headers.write_to(&mut out);
    out.extend_from_slice(b"\r\n");
    out
}

/// The 400 response the gem sends for a bad handshake.
pub(crate) fn failure_response(message: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{message}",
        message.len()
    )
    .into_bytes()
}

/// The URL a raw server request was made to, as the gem's `Server#url`
/// reconstructs it (hixie handshakes echo it as the Location).
pub(crate) fn request_url(req: &Request) -> String {
    let host = req.headers.get("Host").unwrap_or("");
    format!("ws://{host}{}", req.target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_matches_rfc_example() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
