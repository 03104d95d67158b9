//! The extended CONNECT mode: WebSockets over HTTP/2 (RFC 8441) and HTTP/3
//! (RFC 9220). The handshake is header fields in and out, never HTTP/1.1
//! bytes; after it the stream's DATA is RFC 6455 framing with the usual
//! masking rules, permessage-deflate, close handshake and limits.

mod common;

use common::{cat, masked, unmasked};
use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::frame::opcode;
use wsdriver::rand::FixedRandom;
use wsdriver::{Action, Driver, ErrorKind, Event, MessageKind, Options, ReadyState};

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

fn drain(d: &mut Driver) -> (Vec<Vec<u8>>, Vec<Event>) {
    let (mut writes, mut events) = (Vec::new(), Vec::new());
    while let Some(a) = d.poll_action() {
        match a {
            Action::Write(w) => writes.push(w),
            Action::Event(e) => events.push(e),
        }
    }
    (writes, events)
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
    let (writes, events) = drain(&mut server);
    assert!(writes.is_empty(), "no HTTP/1.1 bytes: {writes:?}");
    let [Event::Error(e), Event::Close { code, .. }] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!((e.kind, *code), (ErrorKind::Protocol, Some(1002)));
    assert_eq!(server.state(), ReadyState::Closed);
    (answer, e.message.clone())
}

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
    let (writes, events) = drain(&mut server);
    assert!(writes.is_empty());
    assert_eq!(events, [Event::Open]);
    assert_eq!(server.version(), Some("hybi-13"));

    server.parse(&masked(opcode::TEXT, b"over h2"));
    let (_, events) = drain(&mut server);
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Text,
            data: b"over h2".to_vec()
        }]
    );
    server.text("back").unwrap();
    let (writes, _) = drain(&mut server);
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
    let (writes, events) = drain(&mut client);
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
    assert_eq!(drain(&mut server).1, [Event::Open]);

    assert!(client.receive_response(&answer));
    assert_eq!(drain(&mut client).1, [Event::Open]);
    assert_eq!(client.status(), Some(200));

    let big = "compressible ".repeat(1000);
    client.text(&big).unwrap();
    let (writes, _) = drain(&mut client);
    let wire = writes.concat();
    assert_eq!(wire[0] & 0x40, 0x40, "RSV1: compressed");
    assert_eq!(wire[1] & 0x80, 0x80, "the client masks");
    assert!(wire.len() < big.len() / 10);
    server.parse(&wire);
    let (_, events) = drain(&mut server);
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Text,
            data: big.clone().into_bytes()
        }]
    );

    server.binary(&[0u8; 4096]).unwrap();
    let (writes, _) = drain(&mut server);
    let wire = writes.concat();
    assert_eq!(wire[0] & 0x40, 0x40);
    assert_eq!(wire[1] & 0x80, 0, "the server does not mask");
    client.parse(&wire);
    let (_, events) = drain(&mut client);
    assert_eq!(
        events,
        [Event::Message {
            kind: MessageKind::Binary,
            data: vec![0; 4096]
        }]
    );

    // The closing handshake is the same as over TCP.
    client.close(Some(4000), "bye").unwrap();
    let (writes, _) = drain(&mut client);
    server.parse(&writes.concat());
    let (echo, events) = drain(&mut server);
    assert_eq!(
        events,
        [Event::Close {
            code: Some(4000),
            reason: "bye".into()
        }]
    );
    client.parse(&echo.concat());
    let (_, events) = drain(&mut client);
    assert_eq!(
        events,
        [Event::Close {
            code: Some(4000),
            reason: "bye".into()
        }]
    );
}

#[test]
fn client_request_has_pseudo_headers_and_no_key_or_upgrade() {
    let opts = Options {
        protocols: vec!["chat".into(), "superchat".into()],
        ..Options::default()
    };
    let mut client = Driver::extended_connect_client("wss://example.com/chat", opts).unwrap();
    client.add_extension(deflate()).unwrap();
    client.set_header("X-Trace", "1").unwrap();
    assert_eq!(client.handshake_fields(), None);
    client.start().unwrap();
    let fields = client.handshake_fields().unwrap();
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            ":method",
            ":protocol",
            ":scheme",
            ":authority",
            ":path",
            "sec-websocket-version",
            "sec-websocket-protocol",
            "x-trace",
            "sec-websocket-extensions"
        ]
    );
    assert_eq!(get(fields, ":method"), Some("CONNECT"));
    assert_eq!(get(fields, ":protocol"), Some("websocket"));
    assert_eq!(get(fields, ":scheme"), Some("https"));
    assert_eq!(get(fields, ":authority"), Some("example.com"));
    assert_eq!(get(fields, ":path"), Some("/chat"));
    assert_eq!(get(fields, "sec-websocket-version"), Some("13"));
    assert_eq!(
        get(fields, "sec-websocket-protocol"),
        Some("chat, superchat")
    );
    assert!(
        get(fields, "sec-websocket-extensions")
            .unwrap()
            .starts_with("permessage-deflate")
    );
    let ws = Driver::extended_connect_client("ws://h:81/", Options::default());
    let mut ws = ws.unwrap();
    ws.start().unwrap();
    assert_eq!(get(ws.handshake_fields().unwrap(), ":scheme"), Some("http"));
    assert_eq!(
        get(ws.handshake_fields().unwrap(), ":authority"),
        Some("h:81")
    );
}

#[test]
fn server_picks_the_subprotocol_and_keeps_custom_headers_lower_case() {
    let opts = Options {
        protocols: vec!["superchat".into()],
        ..Options::default()
    };
    let request = chromium_request(&[("sec-websocket-protocol", "chat, superchat")]);
    let mut server = Driver::extended_connect_server(request, opts);
    server.set_header("X-Served-By", "wsdriver").unwrap();
    server.start().unwrap();
    assert_eq!(server.protocol(), Some("superchat"));
    assert_eq!(
        server.handshake_fields().unwrap(),
        [
            (":status".to_owned(), "200".to_owned()),
            ("x-served-by".to_owned(), "wsdriver".to_owned()),
            ("sec-websocket-protocol".to_owned(), "superchat".to_owned()),
        ]
    );
}

#[test]
fn missing_protocol_pseudo_header_is_a_plain_connect_and_gets_400() {
    let (answer, message) = refused(without(&chromium_request(&[]), ":protocol"));
    assert_eq!(answer, [(":status".to_owned(), "400".to_owned())]);
    assert!(message.starts_with("Missing pseudo-header field :protocol"));
}

#[test]
fn wrong_websocket_version_gets_426_naming_version_13() {
    let (answer, message) = refused(replaced(
        &chromium_request(&[]),
        "sec-websocket-version",
        "8",
    ));
    assert_eq!(status(&answer), "426");
    assert_eq!(get(&answer, "sec-websocket-version"), Some("13"));
    assert_eq!(message, "Unsupported WebSocket version: 13");
    let (answer, _) = refused(without(&chromium_request(&[]), "sec-websocket-version"));
    assert_eq!(status(&answer), "426");
}

#[test]
fn other_malformed_requests_get_400() {
    let base = chromium_request(&[]);
    for (fields, why) in [
        (
            replaced(&base, ":protocol", "chat"),
            "Unsupported :protocol chat",
        ),
        (
            replaced(&base, ":method", "GET"),
            "Not an extended CONNECT: :method GET",
        ),
        (
            without(&base, ":method"),
            "Missing pseudo-header field :method",
        ),
        (
            without(&base, ":scheme"),
            "Missing pseudo-header field :scheme",
        ),
        (without(&base, ":path"), "Missing pseudo-header field :path"),
        (
            without(&base, ":authority"),
            "Missing pseudo-header field :authority",
        ),
        (
            replaced(&base, ":path", ""),
            "Missing pseudo-header field :path",
        ),
        (
            cat_fields(&base, &[(":path", "/again")]),
            "Pseudo-header field :path after a header field",
        ),
        (
            replaced(&base, "sec-websocket-extensions", "permessage-deflate; ="),
            "",
        ),
    ] {
        let (answer, message) = refused(fields);
        assert_eq!(answer, [(":status".to_owned(), "400".to_owned())], "{why}");
        if !why.is_empty() {
            assert_eq!(message, why);
        }
    }
}

fn cat_fields(base: &Fields, extra: &[(&str, &str)]) -> Fields {
    let mut f = base.clone();
    f.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    f
}

#[test]
fn protocol_token_compares_case_insensitively() {
    let mut server = Driver::extended_connect_server(
        replaced(&chromium_request(&[]), ":protocol", "WebSocket"),
        Options::default(),
    );
    server.start().unwrap();
}

#[test]
fn server_requires_masked_frames_and_enforces_max_length() {
    let mut server = Driver::extended_connect_server(chromium_request(&[]), Options::default());
    server.start().unwrap();
    drain(&mut server);
    server.parse(&unmasked(opcode::TEXT, b"hi"));
    let (writes, events) = drain(&mut server);
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
    drain(&mut server);
    server.parse(&masked(opcode::BINARY, &[0; 11]));
    let (_, events) = drain(&mut server);
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
    assert!(drain(&mut server).1.is_empty(), "nothing before start");
    server.start().unwrap();
    let (_, events) = drain(&mut server);
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
fn client_fails_on_a_refusal_or_a_bad_answer() {
    for (answer, why) in [
        (vec![(":status", "400")], "Unexpected response code: 400"),
        (vec![], "Missing pseudo-header field :status"),
        (
            vec![(":status", "200"), ("sec-websocket-protocol", "nope")],
            "Sec-WebSocket-Protocol mismatch",
        ),
        (
            vec![
                (":status", "200"),
                ("sec-websocket-extensions", "permessage-deflate"),
            ],
            "Server sent an extension response for unknown extension \"permessage-deflate\"",
        ),
    ] {
        let mut client =
            Driver::extended_connect_client("wss://example.com/", Options::default()).unwrap();
        assert!(!client.receive_response(&answer), "not started yet");
        client.start().unwrap();
        assert!(!client.receive_response(&answer));
        let (writes, events) = drain(&mut client);
        assert!(writes.is_empty());
        let [
            Event::Error(e),
            Event::Close {
                code: Some(1002), ..
            },
        ] = events.as_slice()
        else {
            panic!("{events:?}");
        };
        assert_eq!(
            e.message,
            format!("Error during WebSocket handshake: {why}")
        );
        assert!(!client.receive_response(&answer), "answered once");
    }
}

#[test]
fn client_messages_sent_before_the_response_go_out_after_it() {
    let mut client =
        Driver::extended_connect_client("wss://example.com/", Options::default()).unwrap();
    client.text("queued").unwrap();
    client.start().unwrap();
    assert!(drain(&mut client).0.is_empty());
    assert!(client.receive_response([(":status", "200")]));
    let (writes, events) = drain(&mut client);
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
    let (_, events) = drain(&mut client);
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
    drain(&mut server);
    server.parse(&masked(opcode::PING, b"h3"));
    let (writes, events) = drain(&mut server);
    assert_eq!(events, [Event::Ping(b"h3".to_vec())]);
    assert_eq!(writes.concat(), unmasked(opcode::PONG, b"h3"));
}

#[test]
fn other_modes_have_no_handshake_fields() {
    let mut server = Driver::server(Options::default());
    server.parse(&common::request(""));
    drain(&mut server);
    server.start().unwrap();
    assert!(!server.is_extended_connect());
    assert_eq!(server.handshake_fields(), None);
    let mut client = Driver::client("ws://example.com/", Options::default()).unwrap();
    client.start().unwrap();
    assert!(!client.receive_response([(":status", "200")]));
}

#[test]
fn reject_answers_with_fields_and_the_body_as_data() {
    let mut server = Driver::extended_connect_server(chromium_request(&[]), Options::default());
    assert!(
        server
            .reject(403, &[("X-Reason", "origin")], b"go away")
            .is_ok()
    );
    assert_eq!(
        server.handshake_fields().unwrap(),
        [
            (":status".to_owned(), "403".to_owned()),
            ("x-reason".to_owned(), "origin".to_owned()),
            ("content-length".to_owned(), "7".to_owned()),
        ]
    );
    let (writes, events) = drain(&mut server);
    assert_eq!(
        writes,
        [b"go away".to_vec()],
        "the body is DATA, no HTTP/1.1 head"
    );
    assert_eq!(
        events,
        [Event::Close {
            code: None,
            reason: String::new()
        }]
    );
}

#[test]
fn select_protocol_works_on_the_request_fields() {
    let request = chromium_request(&[("sec-websocket-protocol", "chat, superchat")]);
    let mut server = Driver::extended_connect_server(request, Options::default());
    assert!(server.select_protocol(Some("superchat")).is_ok());
    server.start().unwrap();
    assert_eq!(
        get(server.handshake_fields().unwrap(), "sec-websocket-protocol"),
        Some("superchat")
    );
}

#[test]
fn too_many_or_too_large_fields_get_431_and_are_not_kept() {
    let many: Vec<(String, String)> = (0..100_000)
        .map(|i| (format!("x-{i}"), "v".to_owned()))
        .collect();
    let (answer, message) = refused(
        cat_fields(&chromium_request(&[]), &[])
            .into_iter()
            .chain(many)
            .collect(),
    );
    assert_eq!(answer, [(":status".to_owned(), "431".to_owned())]);
    assert_eq!(message, "Request header fields too large");
    let opts = Options {
        max_head_size: 100,
        ..Options::default()
    };
    let big = "v".repeat(200);
    let mut server = Driver::extended_connect_server(chromium_request(&[("x-big", &big)]), opts);
    assert!(server.start().is_err());
    assert_eq!(status(server.handshake_fields().unwrap()), "431");
    assert!(
        server.request().unwrap().headers.get("x-big").is_none(),
        "not kept"
    );
}
