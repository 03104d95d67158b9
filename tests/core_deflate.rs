//! permessage-deflate through whole drivers: negotiation in the handshake,
//! RSV1 on the wire, bombs, and uncompressed messages from the peer.

mod common;

use common::drain_apart;
use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::rand::FixedRandom;
use wsdriver::{Driver, Event, MessageKind, Options, ReadyState};

fn deflate(config: DeflateConfig) -> Box<PerMessageDeflate> {
    Box::new(PerMessageDeflate::new(config))
}

/// Client and server with deflate, handshake done. Returns the server's
/// response head too.
fn pair(
    server_cfg: DeflateConfig,
    client_cfg: DeflateConfig,
    opts: Options,
) -> (Driver, Driver, String) {
    let mut client = Driver::client_with_random(
        "ws://example.com/",
        opts.clone(),
        Box::new(FixedRandom::new(&[7, 1, 2, 3])),
    )
    .unwrap();
    client.add_extension(deflate(client_cfg)).unwrap();
    let mut server = Driver::server(opts);
    server.add_extension(deflate(server_cfg)).unwrap();
    client.start().unwrap();
    let (request, _) = drain_apart(&mut client);
    server.parse(&request.concat());
    let (_, events) = drain_apart(&mut server);
    assert_eq!(events, [Event::Connect]);
    server.start().unwrap();
    let (response, events) = drain_apart(&mut server);
    assert_eq!(events, [Event::Open]);
    client.parse(&response.concat());
    let (_, events) = drain_apart(&mut client);
    assert_eq!(events, [Event::Open]);
    (
        client,
        server,
        String::from_utf8(response.concat()).unwrap(),
    )
}

fn pump(from: &mut Driver, to: &mut Driver) -> (Vec<Vec<u8>>, Vec<Event>) {
    let (writes, _) = drain_apart(from);
    for w in &writes {
        to.parse(w);
    }
    let (_, events) = drain_apart(to);
    (writes, events)
}

#[test]
fn negotiates_and_compresses_both_ways() {
    let (mut client, mut server, response) = pair(
        DeflateConfig::default(),
        DeflateConfig::default(),
        Options::default(),
    );
    assert!(
        response.contains("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"),
        "{response}"
    );
    let text = "compress me ".repeat(100);
    client.text(&text).unwrap();
    let (frames, events) = pump(&mut client, &mut server);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0][0], 0x80 | 0x40 | 0x1, "FIN + RSV1 + text");
    assert!(
        frames[0].len() < 100,
        "compressed on the wire: {} bytes",
        frames[0].len()
    );
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Text,
            data: text.clone().into_bytes()
        }]
    );
    server.binary(&[0u8; 5000]).unwrap();
    let (frames, events) = pump(&mut server, &mut client);
    assert_eq!(frames[0][0], 0xC2);
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Binary,
            data: vec![0u8; 5000]
        }]
    );
    // Control frames are never compressed.
    client.ping(b"abc").unwrap();
    let (frames, _) = pump(&mut client, &mut server);
    assert_eq!(frames[0][0], 0x89);
}

#[test]
fn server_max_window_bits_only_when_requested() {
    let server_cfg = DeflateConfig {
        server_max_window_bits: Some(10),
        ..Default::default()
    };
    let (_, _, response) = pair(
        server_cfg.clone(),
        DeflateConfig::default(),
        Options::default(),
    );
    assert!(!response.contains("server_max_window_bits"), "{response}");
    let client_cfg = DeflateConfig {
        server_max_window_bits: Some(12),
        ..Default::default()
    };
    let (mut client, mut server, response) = pair(server_cfg, client_cfg, Options::default());
    assert!(
        response.contains("permessage-deflate; server_max_window_bits=10\r\n"),
        "{response}"
    );
    server.text("windowed").unwrap();
    let (_, events) = pump(&mut server, &mut client);
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Text,
            data: b"windowed".to_vec()
        }]
    );
}

#[test]
fn deflate_bomb_ends_with_1009_without_inflating_everything() {
    let opts = Options {
        max_length: 1 << 20,
        ..Options::default()
    };
    let (mut client, mut server, _) =
        pair(DeflateConfig::default(), DeflateConfig::default(), opts);
    // 64 MiB of zeros compresses to ~64 KiB; the server must stop at 1 MiB.
    client.binary(&vec![0u8; 64 << 20]).unwrap();
    let (frames, events) = pump(&mut client, &mut server);
    assert!(frames[0].len() < 100_000);
    let close = events.last().unwrap();
    assert_eq!(
        close,
        &Event::Close {
            code: Some(1009),
            reason: "WebSocket frame length too large".into()
        }
    );
    assert_eq!(server.state(), ReadyState::Closed);
}

#[test]
fn accepts_uncompressed_messages_and_rejects_rsv1_on_continuations() {
    let (_, mut server, _) = pair(
        DeflateConfig::default(),
        DeflateConfig::default(),
        Options::default(),
    );
    // A masked, uncompressed text frame "hi" (RSV1 clear).
    server.parse(&[0x81, 0x82, 0, 0, 0, 0, b'h', b'i']);
    let (_, events) = drain_apart(&mut server);
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Text,
            data: b"hi".to_vec()
        }]
    );
    // RSV1 on a continuation frame is a protocol error.
    server.parse(&[0x01, 0x81, 0, 0, 0, 0, b'a', 0xC0, 0x81, 0, 0, 0, 0, b'b']);
    let (_, events) = drain_apart(&mut server);
    assert!(
        matches!(&events[0], Event::Error(e) if e.message.starts_with("One or more reserved bits are on: reserved1 = 1"))
    );
}

#[test]
fn declined_when_not_registered_and_rsv1_rejected() {
    let mut server = Driver::server(Options::default());
    server.parse(
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
          Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
    );
    drain_apart(&mut server);
    server.start().unwrap();
    let (response, _) = drain_apart(&mut server);
    assert!(!String::from_utf8_lossy(&response[0]).contains("Extensions"));
    server.parse(&[0xC1, 0x80, 0, 0, 0, 0]);
    let (writes, events) = drain_apart(&mut server);
    assert_eq!(&writes[0][..4], &[0x88, 0x4F, 0x03, 0xEA]);
    assert!(matches!(&events[0], Event::Error(e) if e.close_code() == 1002));
}

#[test]
fn client_fails_handshake_on_unoffered_extension() {
    let mut client = Driver::client_with_random(
        "ws://example.com/",
        Options::default(),
        Box::new(FixedRandom::new(&[1])),
    )
    .unwrap();
    client.start().unwrap();
    drain_apart(&mut client);
    let accept = wsdriver::accept_key("AQEBAQEBAQEBAQEBAQEBAQ==");
    client.parse(
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        )
        .as_bytes(),
    );
    let (_, events) = drain_apart(&mut client);
    let msg = "Error during WebSocket handshake: Server sent an extension response for unknown extension \"permessage-deflate\"";
    assert!(
        matches!(&events[0], Event::Error(e) if e.message == msg),
        "{events:?}"
    );
    assert_eq!(
        events[1],
        Event::Close {
            code: Some(1002),
            reason: msg.into()
        }
    );
}
