//! The stream's DATA after the handshake: RFC 6455 framing, masking,
//! permessage-deflate, limits, ordering around the answer, and HTTP/3.

use wsdriver::frame::opcode;
use wsdriver::rand::FixedRandom;
use wsdriver::{Driver, ErrorKind, Event, MessageKind, Options};

use crate::common::{cat, drain_apart, masked, unmasked};
use crate::{Fields, chromium_request, deflate, get, status};

#[test]
fn server_answers_200_as_fields_and_frames_the_stream_data() {
    let mut server = Driver::extended_connect_server(chromium_request(&[]), Options::default());
    assert!(server.is_extended_connect());
    assert_eq!(server.handshake_fields(), None, "nothing before start");
    assert_eq!(server.request().unwrap().method, "CONNECT");
    assert_eq!(server.request().unwrap().path(), "/chat");
    assert_eq!(server.url().as_deref(), Some("wss://example.com/chat"));
    server.start().unwrap();
    // No extension registered: the offer is declined, and there is no
    // Upgrade, Connection or Sec-WebSocket-Accept.
    assert_eq!(
        server.handshake_fields().unwrap(),
        [(":status".to_owned(), "200".to_owned())]
    );
    let (writes, events) = drain_apart(&mut server);
    assert!(writes.is_empty());
    assert_eq!(events, [Event::Open]);
    assert_eq!(server.version(), Some("hybi-13"));

    server.parse(&masked(opcode::TEXT, b"over h2"));
    let (_, events) = drain_apart(&mut server);
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Text,
            data: b"over h2".to_vec()
        }]
    );
    server.text("back").unwrap();
    let (writes, _) = drain_apart(&mut server);
    assert_eq!(writes.concat(), unmasked(opcode::TEXT, b"back"));
}

#[test]
fn client_and_server_talk_over_one_stream_with_permessage_deflate() {
    let mut client =
        Driver::extended_connect_client("wss://example.com:8443/chat?room=1", Options::default())
            .unwrap();
    client.set_random(Box::new(FixedRandom::new(&[9, 8, 7, 6])));
    client.add_extension(deflate()).unwrap();
    client
        .set_header("Origin", "https://example.com:8443")
        .unwrap();
    client.start().unwrap();
    let request = client.handshake_fields().unwrap().to_vec();
    let (writes, events) = drain_apart(&mut client);
    assert!(
        writes.is_empty() && events.is_empty(),
        "the request is data"
    );

    let mut server = Driver::extended_connect_server(&request, Options::default());
    server.add_extension(deflate()).unwrap();
    server.start().unwrap();
    let answer = server.handshake_fields().unwrap().to_vec();
    assert_eq!(status(&answer), "200");
    assert_eq!(
        get(&answer, "sec-websocket-extensions"),
        Some("permessage-deflate")
    );
    assert_eq!(drain_apart(&mut server).1, [Event::Open]);

    assert!(client.receive_response(&answer));
    assert_eq!(drain_apart(&mut client).1, [Event::Open]);
    assert_eq!(client.status(), Some(200));

    let big = "compressible ".repeat(1000);
    client.text(&big).unwrap();
    let (writes, _) = drain_apart(&mut client);
    let wire = writes.concat();
    assert_eq!(wire[0] & 0x40, 0x40, "RSV1: compressed");
    assert_eq!(wire[1] & 0x80, 0x80, "the client masks");
    assert!(wire.len() < big.len() / 10);
    server.parse(&wire);
    let (_, events) = drain_apart(&mut server);
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Text,
            data: big.clone().into_bytes()
        }]
    );

    server.binary(&[0u8; 4096]).unwrap();
    let (writes, _) = drain_apart(&mut server);
    let wire = writes.concat();
    assert_eq!(wire[0] & 0x40, 0x40);
    assert_eq!(wire[1] & 0x80, 0, "the server does not mask");
    client.parse(&wire);
    let (_, events) = drain_apart(&mut client);
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Binary,
            data: vec![0; 4096]
        }]
    );

    // The closing handshake is the same as over TCP.
    client.close(Some(4000), "bye").unwrap();
    let (writes, _) = drain_apart(&mut client);
    server.parse(&writes.concat());
    let (echo, events) = drain_apart(&mut server);
    assert_eq!(
        events,
        [Event::Close {
            code: Some(4000),
            reason: "bye".into()
        }]
    );
    client.parse(&echo.concat());
    let (_, events) = drain_apart(&mut client);
    assert_eq!(
        events,
        [Event::Close {
            code: Some(4000),
            reason: "bye".into()
        }]
    );
}

#[test]
fn server_requires_masked_frames_and_enforces_max_length() {
    let mut server = Driver::extended_connect_server(chromium_request(&[]), Options::default());
    server.start().unwrap();
    drain_apart(&mut server);
    server.parse(&unmasked(opcode::TEXT, b"hi"));
    let (writes, events) = drain_apart(&mut server);
    assert!(matches!(&events[0], Event::Error(e) if e.kind == ErrorKind::Unacceptable));
    let close = writes.concat();
    assert_eq!(close[0], 0x88, "a close frame on the stream");
    assert_eq!(close[2..4], 1003u16.to_be_bytes());

    let opts = Options {
        max_length: 10,
        ..Options::default()
    };
    let mut server = Driver::extended_connect_server(chromium_request(&[]), opts);
    server.start().unwrap();
    drain_apart(&mut server);
    server.parse(&masked(opcode::BINARY, &[0; 11]));
    let (_, events) = drain_apart(&mut server);
    assert!(matches!(&events[0], Event::Error(e) if e.kind == ErrorKind::TooLarge));
    assert!(matches!(
        events[1],
        Event::Close {
            code: Some(1009),
            ..
        }
    ));
}

#[test]
fn data_received_before_the_answer_is_the_first_frames() {
    let mut server = Driver::extended_connect_server(chromium_request(&[]), Options::default());
    server.parse(&cat(&[
        &masked(opcode::TEXT, b"early"),
        &masked(opcode::TEXT, b"bird"),
    ]));
    assert!(
        drain_apart(&mut server).1.is_empty(),
        "nothing before start"
    );
    server.start().unwrap();
    let (_, events) = drain_apart(&mut server);
    let texts: Vec<&[u8]> = events
        .iter()
        .filter_map(|e| match e {
            Event::Message { data, .. } => Some(data.as_slice()),
            _ => None,
        })
        .collect();
    assert_eq!(events[0], Event::Open);
    assert_eq!(texts, [&b"early"[..], b"bird"]);
}

#[test]
fn client_messages_sent_before_the_response_go_out_after_it() {
    let mut client =
        Driver::extended_connect_client("wss://example.com/", Options::default()).unwrap();
    client.text("queued").unwrap();
    client.start().unwrap();
    assert!(drain_apart(&mut client).0.is_empty());
    assert!(client.receive_response([(":status", "200")]));
    let (writes, events) = drain_apart(&mut client);
    assert_eq!(events, [Event::Open]);
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0][0], 0x81);
}

#[test]
fn client_stream_data_before_the_response_fails() {
    let mut client =
        Driver::extended_connect_client("wss://example.com/", Options::default()).unwrap();
    client.start().unwrap();
    client.parse(&unmasked(opcode::TEXT, b"too soon"));
    let (_, events) = drain_apart(&mut client);
    assert!(matches!(&events[0], Event::Error(e) if e.message.ends_with("before the response")));
}

/// RFC 9220: the same extended CONNECT over HTTP/3. The fields an h3 stack
/// (e.g. quiche, nghttp3) hands over are those of h2, so one mode serves
/// both; this is the RFC's shape of the exchange.
#[test]
fn http3_extended_connect_as_in_rfc_9220() {
    let request: Fields = [
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "https"),
        (":path", "/chat"),
        (":authority", "server.example.com"),
        ("sec-websocket-protocol", "chat, superchat"),
        ("sec-websocket-extensions", "permessage-deflate"),
        ("sec-websocket-version", "13"),
        ("origin", "https://www.example.com"),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    let opts = Options {
        protocols: vec!["chat".into()],
        ..Options::default()
    };
    let mut server = Driver::extended_connect_server(&request, opts);
    server.add_extension(deflate()).unwrap();
    server.start().unwrap();
    let answer = server.handshake_fields().unwrap();
    assert_eq!(status(answer), "200");
    assert_eq!(get(answer, "sec-websocket-protocol"), Some("chat"));
    assert_eq!(
        get(answer, "sec-websocket-extensions"),
        Some("permessage-deflate")
    );
    assert_eq!(
        server.url().as_deref(),
        Some("wss://server.example.com/chat")
    );
    drain_apart(&mut server);
    server.parse(&masked(opcode::PING, b"h3"));
    let (writes, events) = drain_apart(&mut server);
    assert_eq!(events, [Event::Ping(b"h3".to_vec())]);
    assert_eq!(writes.concat(), unmasked(opcode::PONG, b"h3"));
}
