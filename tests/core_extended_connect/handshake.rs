//! The handshake as header fields: the client's request, the server's answer
//! (subprotocol, custom headers), refusals with 400/426/431, and the client's
//! checks of the answer.

use wsdriver::{Driver, Event, Options};

use crate::common::drain_apart;
use crate::{Fields, chromium_request, deflate, get, refused, replaced, status, without};

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
        let (writes, events) = drain_apart(&mut client);
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
fn other_modes_have_no_handshake_fields() {
    let mut server = Driver::server(Options::default());
    server.parse(&crate::common::request(""));
    drain_apart(&mut server);
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
    let (writes, events) = drain_apart(&mut server);
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
