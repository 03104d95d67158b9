//! The extended CONNECT mode: WebSockets over HTTP/2 (RFC 8441) and HTTP/3
//! (RFC 9220). The handshake is header fields in and out, never HTTP/1.1
//! bytes; after it the stream's DATA is RFC 6455 framing with the usual
//! masking rules, permessage-deflate, close handshake and limits.

#[path = "../common/mod.rs"]
mod common;

mod handshake;
mod stream;

use common::drain_apart;
use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::{Driver, ErrorKind, Event, Options, ReadyState};

type Fields = Vec<(String, String)>;

/// The fields Chromium sends for `new WebSocket("wss://example.com/chat")`
/// over h2 (its order and lower-case names), with `extra` headers appended.
fn chromium_request(extra: &[(&str, &str)]) -> Fields {
    let mut f: Fields = [
        (":method", "CONNECT"),
        (":authority", "example.com"),
        (":scheme", "https"),
        (":path", "/chat"),
        (":protocol", "websocket"),
        ("origin", "https://example.com"),
        ("sec-websocket-version", "13"),
        (
            "sec-websocket-extensions",
            "permessage-deflate; client_max_window_bits",
        ),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    f.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    f
}

fn without(fields: &Fields, name: &str) -> Fields {
    fields.iter().filter(|(n, _)| n != name).cloned().collect()
}

fn replaced(fields: &Fields, name: &str, value: &str) -> Fields {
    fields
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                if n == name {
                    value.to_owned()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

fn deflate() -> Box<PerMessageDeflate> {
    Box::new(PerMessageDeflate::new(DeflateConfig::default()))
}

fn status(fields: &[(String, String)]) -> &str {
    assert_eq!(fields[0].0, ":status", "the answer starts with :status");
    &fields[0].1
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Starts a server on `fields` expecting a refusal: returns the answer and
/// the error message; checks that no byte was written and `close` followed.
fn refused(fields: Fields) -> (Fields, String) {
    let mut server = Driver::extended_connect_server(fields, Options::default());
    assert!(server.start().is_err());
    let answer = server.handshake_fields().expect("answered").to_vec();
    let (writes, events) = drain_apart(&mut server);
    assert!(writes.is_empty(), "no HTTP/1.1 bytes: {writes:?}");
    let [Event::Error(e), Event::Close { code, .. }] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!((e.kind, *code), (ErrorKind::Protocol, Some(1002)));
    assert_eq!(server.state(), ReadyState::Closed);
    (answer, e.message.clone())
}
