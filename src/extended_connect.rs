//! WebSockets over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220): the extended
//! CONNECT handshake, with header fields as data.
//!
//! Over h2 and h3 the host's HTTP stack owns the connection and the stream;
//! a WebSocket is one stream opened with an extended CONNECT request
//! (`:method CONNECT`, `:protocol websocket`, `:scheme`, `:authority`,
//! `:path`) on a connection whose server sent
//! `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`. The driver takes the request's
//! header fields as a list, answers with a list (`:status` first), and from
//! then on the stream's DATA bytes are RFC 6455 frames exactly as over TCP:
//! the client masks, extensions (permessage-deflate) are negotiated through
//! `sec-websocket-extensions`, the closing handshake and the limits are the
//! same. There is no `Sec-WebSocket-Key`/`Accept`, no `Upgrade` and no
//! HTTP/1.1 bytes. RFC 9220 uses the same fields over HTTP/3, so the same
//! mode serves both; the setting is the host stack's business.
//!
//! See `Driver::extended_connect_server` and `Driver::extended_connect_client`.

use crate::extensions::Extensions;
use crate::headers::Headers;
use crate::url::Url;

/// A header field as an h2/h3 stack delivers it: name and value, pseudo
/// header fields (`:method`, `:status`, ...) included.
pub type Field = (String, String);

/// Anything that reads as a header field: `(name, value)` pairs of string
/// types, and references to them.
pub trait AsField {
    fn name(&self) -> &str;
    fn value(&self) -> &str;
}

impl<N: AsRef<str>, V: AsRef<str>> AsField for (N, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

impl<T: AsField + ?Sized> AsField for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn value(&self) -> &str {
        (**self).value()
    }
}

/// The `:protocol` value of a WebSocket extended CONNECT (RFC 8441 §4).
pub const PROTOCOL: &str = "websocket";

/// The WebSocket version the mode speaks (RFC 8441 §5: `sec-websocket-version`).
const VERSION: &str = "13";

/// Headers that are connection-specific in HTTP/1.1 and make an h2/h3
/// message malformed (RFC 9113 §8.2.2, RFC 9114 §4.2): never sent.
const CONNECTION_SPECIFIC: [&str; 6] = [
    "connection",
    "upgrade",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "host",
];

/// A request's pseudo-header fields.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pseudo {
    pub method: Option<String>,
    pub protocol: Option<String>,
    pub scheme: Option<String>,
    pub authority: Option<String>,
    pub path: Option<String>,
    /// Why the field list is malformed (RFC 9113 §8.3), if it is.
    pub malformed: Option<String>,
    /// The fields went past `max_headers` or `max_head_size` (431); the
    /// rest were not kept.
    pub too_large: bool,
}

/// Splits a request's fields into pseudo-headers and headers (repeated
/// names joined with ", "), keeping at most `max_headers` headers and
/// `max_size` bytes of names and values (the options' HTTP/1.1 limits).
pub(crate) fn split_request(
    fields: impl IntoIterator<Item = impl AsField>,
    max_headers: usize,
    max_size: usize,
) -> (Pseudo, Headers) {
    let mut pseudo = Pseudo::default();
    let mut headers = Headers::new();
    let (mut count, mut size) = (0usize, 0usize);
    for field in fields {
        let (name, value) = (field.name(), field.value());
        count += 1;
        size += name.len() + value.len();
        if count > max_headers + 5 || size > max_size {
            pseudo.too_large = true;
            break;
        }
        let Some(pname) = name.strip_prefix(':') else {
            headers.append(&name.to_ascii_lowercase(), value);
            continue;
        };
        let slot = match pname {
            "method" => &mut pseudo.method,
            "protocol" => &mut pseudo.protocol,
            "scheme" => &mut pseudo.scheme,
            "authority" => &mut pseudo.authority,
            "path" => &mut pseudo.path,
            _ => {
                pseudo
                    .malformed
                    .get_or_insert(format!("Unknown pseudo-header field {name}"));
                continue;
            }
        };
        if !headers.is_empty() {
            pseudo
                .malformed
                .get_or_insert(format!("Pseudo-header field {name} after a header field"));
        }
        if slot.is_some() {
            pseudo
                .malformed
                .get_or_insert(format!("Repeated pseudo-header field {name}"));
        }
        *slot = Some(value.to_owned());
    }
    (pseudo, headers)
}

/// Why a server refuses a request: the status to answer with and the
/// message of the error event.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub status: u16,
    pub message: String,
}

impl Refusal {
    fn bad(message: impl Into<String>) -> Refusal {
        Refusal {
            status: 400,
            message: message.into(),
        }
    }

    /// The fields answering the refused request.
    pub fn fields(&self) -> Vec<Field> {
        let mut out = vec![(":status".to_owned(), self.status.to_string())];
        if self.status == 426 {
            // RFC 6455 §4.2.2 (4): name the versions we understand.
            out.push(("sec-websocket-version".to_owned(), VERSION.to_owned()));
        }
        out
    }
}

/// Checks an extended CONNECT request (RFC 8441 §4-5, RFC 9220 §3).
pub(crate) fn check_request(p: &Pseudo, headers: &Headers) -> Result<(), Refusal> {
    if p.too_large {
        return Err(Refusal {
            status: 431,
            message: "Request header fields too large".into(),
        });
    }
    if let Some(m) = &p.malformed {
        return Err(Refusal::bad(m.clone()));
    }
    match p.method.as_deref() {
        Some("CONNECT") => {}
        Some(m) => {
            return Err(Refusal::bad(format!(
                "Not an extended CONNECT: :method {m}"
            )));
        }
        None => return Err(Refusal::bad("Missing pseudo-header field :method")),
    }
    match p.protocol.as_deref() {
        // Upgrade tokens compare case-insensitively (RFC 9110 §7.8).
        Some(v) if v.eq_ignore_ascii_case(PROTOCOL) => {}
        Some(v) => return Err(Refusal::bad(format!("Unsupported :protocol {v}"))),
        None => {
            return Err(Refusal::bad(
                "Missing pseudo-header field :protocol (a plain CONNECT is not a WebSocket)",
            ));
        }
    }
    for (name, value) in [
        (":scheme", &p.scheme),
        (":authority", &p.authority),
        (":path", &p.path),
    ] {
        if value.as_deref().is_none_or(str::is_empty) {
            return Err(Refusal::bad(format!("Missing pseudo-header field {name}")));
        }
    }
    if headers.get("sec-websocket-version") != Some(VERSION) {
        return Err(Refusal {
            status: 426,
            message: format!("Unsupported WebSocket version: {VERSION}"),
        });
    }
    Ok(())
}

/// The URL a request was made to: `wss://` for `:scheme https`, else `ws://`.
pub(crate) fn request_url(p: &Pseudo) -> String {
    let scheme = match p.scheme.as_deref() {
        Some(s) if s.eq_ignore_ascii_case("https") => "wss",
        _ => "ws",
    };
    let authority = p.authority.as_deref().unwrap_or("");
    let path = p.path.as_deref().unwrap_or("");
    format!("{scheme}://{authority}{path}")
}

/// The server's 200 answer: the custom headers, then ours; as for HTTP/1.1
/// the first value of a name wins. Names are lower-case (h2 and h3 require
/// it) and connection-specific headers are left out.
pub(crate) fn accept_fields(
    custom: &Headers,
    protocol: Option<&str>,
    extensions: Option<&str>,
) -> Vec<Field> {
    let mut headers = custom.clone();
    if let Some(p) = protocol {
        headers.set("sec-websocket-protocol", p);
    }
    if let Some(e) = extensions {
        headers.set("sec-websocket-extensions", e);
    }
    answer_fields(200, &headers)
}

/// `:status`, then `headers` (lower-case, connection-specific ones left out).
pub(crate) fn answer_fields(status: u16, headers: &Headers) -> Vec<Field> {
    let mut out = vec![(":status".to_owned(), status.to_string())];
    push_headers(&mut out, headers);
    out
}

/// The client's request fields for `url`: the pseudo-headers, then the
/// handshake headers that mean something over h2/h3, then the offer.
pub(crate) fn request_fields(url: &Url, headers: &Headers, offer: Option<String>) -> Vec<Field> {
    let scheme = if url.scheme == "wss" { "https" } else { "http" };
    let mut out: Vec<Field> = [
        (":method", "CONNECT"),
        (":protocol", PROTOCOL),
        (":scheme", scheme),
        (":authority", &url.host_header()),
        (":path", &url.resource),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    let mut headers = headers.clone();
    if let Some(o) = offer {
        headers.set("sec-websocket-extensions", &o);
    }
    push_headers(&mut out, &headers);
    // No key: RFC 8441 §5 drops Sec-WebSocket-Key and -Accept.
    out.retain(|(n, _)| n != "sec-websocket-key");
    out
}

fn push_headers(out: &mut Vec<Field>, headers: &Headers) {
    for (name, value) in headers.iter() {
        let name = name.to_ascii_lowercase();
        if !CONNECTION_SPECIFIC.contains(&name.as_str()) {
            out.push((name, value.to_owned()));
        }
    }
}

/// Splits a response's fields into its `:status` and headers.
pub(crate) fn split_response(
    fields: impl IntoIterator<Item = impl AsField>,
) -> (Option<u16>, Headers) {
    let mut status = None;
    let mut headers = Headers::new();
    for field in fields {
        match field.name() {
            ":status" => status = field.value().trim().parse().ok(),
            n if n.starts_with(':') => {}
            n => headers.append(&n.to_ascii_lowercase(), field.value()),
        }
    }
    (status, headers)
}

/// Client: validates the response; returns the agreed subprotocol. The
/// message follows the HTTP/1.1 client's (without its prefix).
pub(crate) fn check_response(
    status: Option<u16>,
    headers: &Headers,
    protocols: &[String],
    ext: &mut Extensions,
) -> Result<Option<String>, String> {
    match status {
        // Any 2xx opens the tunnel (RFC 9110 §9.3.6); RFC 8441 answers 200.
        Some(200..=299) => {}
        Some(s) => return Err(format!("Unexpected response code: {s}")),
        None => return Err("Missing pseudo-header field :status".into()),
    }
    let protocol = match headers.get("sec-websocket-protocol").unwrap_or("") {
        "" => None,
        p if protocols.iter().any(|o| o == p) => Some(p.to_owned()),
        _ => return Err("Sec-WebSocket-Protocol mismatch".into()),
    };
    ext.activate(headers.get("sec-websocket-extensions"))?;
    Ok(protocol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_header_after_a_header_is_malformed() {
        let (p, _) = split_request(
            [(":method", "CONNECT"), ("a", "1"), (":path", "/")],
            64,
            1024,
        );
        assert!(p.malformed.unwrap().contains(":path after"));
    }

    #[test]
    fn repeated_and_unknown_pseudo_headers_are_malformed() {
        let (p, _) = split_request([(":path", "/"), (":path", "/x")], 64, 1024);
        assert!(p.malformed.unwrap().starts_with("Repeated"));
        let (p, _) = split_request([(":status", "200")], 64, 1024);
        assert!(p.malformed.unwrap().starts_with("Unknown"));
    }

    #[test]
    fn connection_specific_headers_are_not_sent() {
        let mut custom = Headers::new();
        custom.set("Connection", "close");
        custom.set("X-Served-By", "test");
        let fields = accept_fields(&custom, Some("chat"), None);
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, [":status", "x-served-by", "sec-websocket-protocol"]);
    }
}
