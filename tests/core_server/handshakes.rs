//! The server handshakes: RFC 6455 (exact bytes, subprotocols, custom headers,
//! refusals with 400), hixie-76 and hixie-75.

use wsdriver::{Driver, Event, ReadyState};

use crate::common::*;
use crate::server;

#[test]
fn rfc6455_response_exact_bytes() {
    let input = b"GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let opts = protocols(&["superchat", "chat"]);
    let make = || Driver::server(opts.clone());
    let a = feed_all_ways(&make, input);
    assert_eq!(
        a,
        vec![
            connect(),
            w(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
            ),
            open()
        ]
    );
    assert_eq!(wsdriver::accept_key(KEY), ACCEPT);
}

#[test]
fn subprotocol_client_order_wins() {
    let cases: [(&str, &[&str], Option<&str>); 5] = [
        ("chat, superchat", &["superchat", "chat"], Some("chat")),
        ("superchat,chat", &["chat", "superchat"], Some("superchat")),
        ("a", &["b", "a"], Some("a")),
        ("x, y", &["a"], None),
        ("x", &[], None),
    ];
    for (offered, supported, picked) in cases {
        let mut d = Driver::server(protocols(supported));
        let a = run(
            &mut d,
            &[&request(&format!("Sec-WebSocket-Protocol: {offered}\r\n"))],
        );
        assert_eq!(d.protocol(), picked, "{offered}");
        let response = String::from_utf8(writes(&a)[0].clone()).unwrap();
        match picked {
            Some(p) => assert!(response.contains(&format!("\r\nSec-WebSocket-Protocol: {p}\r\n"))),
            None => assert!(!response.contains("Sec-WebSocket-Protocol")),
        }
    }
}

#[test]
fn custom_headers_come_first() {
    // As in the gem: custom headers precede ours; the ones the handshake
    // writes itself are refused (issue 12 item 6), so none can replace them.
    let make = || {
        let mut d = Driver::server(protocols(&["b", "a"]));
        d.set_header("X-Powered", "me").unwrap();
        assert!(d.set_header("Upgrade", "nope").is_err());
        assert!(d.set_header("sec-websocket-accept", "x").is_err());
        assert!(d.set_header("X Space", "1").is_err());
        assert!(d.set_header("X-Ctl", "a\u{1}b").is_err());
        d
    };
    let react = |d: &mut Driver, e: &Event| {
        if *e == Event::Connect {
            d.set_header("Set-Cookie", "c=1").unwrap();
            d.start().unwrap();
            assert!(d.set_header("Late", "1").is_err());
        }
    };
    let a = feed_all_ways_with(&make, &request("Sec-WebSocket-Protocol: a\r\n"), &react);
    assert_eq!(
        a,
        vec![
            connect(),
            w(
                "HTTP/1.1 101 Switching Protocols\r\nX-Powered: me\r\nSet-Cookie: c=1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: a\r\n\r\n"
            ),
            open()
        ]
    );
}

fn expect_rejected(input: &[u8], msg: &str) {
    let mut expected = vec![connect()];
    expected.extend(rejected(msg));
    assert_eq!(feed_all_ways(&server, input), expected, "{msg}");
}

#[test]
fn bad_version_gets_400() {
    expect_rejected(&request_version("9"), "Unsupported WebSocket version: 13");
    expect_rejected(
        &request_version("13, 8"),
        "Unsupported WebSocket version: 13",
    );
    // Exact bytes from the gem.
    assert_eq!(
        bad_request("Unsupported WebSocket version: 13"),
        w(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 33\r\n\r\nUnsupported WebSocket version: 13"
        )
    );
}

#[test]
fn missing_or_invalid_key_gets_400() {
    let no_key = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n";
    expect_rejected(
        no_key,
        "Missing handshake request header: Sec-WebSocket-Key",
    );
    for key in [
        "x",
        "AAAA",
        "dGhlIHNhbXBsZSBub25jZQ",
        "dGhlIHNhbXBsZSBub25jZSE=",
    ] {
        let req = format!(
            "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        expect_rejected(
            req.as_bytes(),
            &format!("Invalid handshake request header: Sec-WebSocket-Key: {key}"),
        );
    }
}

#[test]
fn malformed_extensions_header_gets_400() {
    expect_rejected(
        &request("Sec-WebSocket-Extensions: a;;\r\n"),
        "Invalid Sec-WebSocket-Extensions header: a;;",
    );
}

#[test]
fn not_websocket_gets_400() {
    let post = b"POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    expect_rejected(post, "Not a WebSocket request");
}

#[test]
fn after_400_nothing_more_happens() {
    let mut d = server();
    run(&mut d, &[&request_version("9")]);
    assert_eq!(d.state(), ReadyState::Closed);
    assert!(d.text("x").is_err());
    assert!(d.close(None, "").is_err());
    assert!(d.start().is_err());
    assert_eq!(run(&mut d, &[&masked(1, b"x")]), vec![]);
}

#[test]
fn hixie76_md5_challenge_two_writes() {
    let input = cat(&[H76.as_bytes(), H76_BODY, b"\x00hi\xFF"]);
    let make = server;
    assert_eq!(
        feed_all_ways(&make, &input),
        vec![
            connect(),
            w(H76_RESPONSE),
            w(H76_ANSWER),
            open(),
            text("hi")
        ]
    );
}

#[test]
fn hixie76_late_body_stays_connecting_until_it_arrives() {
    let mut d = server();
    let a = run(&mut d, &[H76.as_bytes(), b"^n:d"]);
    assert_eq!(a, vec![connect(), w(H76_RESPONSE)]);
    assert_eq!(d.state(), ReadyState::Connecting);
    d.text("queued").unwrap();
    let a = run(&mut d, &[b"s[4U\x00abc"]);
    assert_eq!(a, vec![w(H76_ANSWER), w(b"\x00queued\xFF"), open()]);
    assert_eq!(d.state(), ReadyState::Open);
    assert_eq!(run(&mut d, &[b"\xFF"]), vec![text("abc")]);
    // All split points agree for the whole exchange.
    let make = || {
        let mut d = server();
        d.text("queued").unwrap();
        d
    };
    let input = cat(&[H76.as_bytes(), H76_BODY, b"\x00abc\xFF"]);
    assert_eq!(
        feed_all_ways(&make, &input),
        vec![
            connect(),
            w(H76_RESPONSE),
            w(H76_ANSWER),
            w(b"\x00queued\xFF"),
            open(),
            text("abc")
        ]
    );
}

#[test]
fn hixie76_without_body_writes_only_the_head() {
    let mut d = server();
    assert_eq!(
        run(&mut d, &[H76.as_bytes()]),
        vec![connect(), w(H76_RESPONSE)]
    );
    assert_eq!(d.state(), ReadyState::Connecting);
}

#[test]
fn hixie76_answers_only_after_start() {
    let mut d = server();
    let input = cat(&[H76.as_bytes(), H76_BODY]);
    assert_eq!(
        run_with(&mut d, &[&input], &mut no_reaction),
        vec![connect()]
    );
    assert_eq!(d.body(), H76_BODY);
    d.start().unwrap();
    assert_eq!(drain(&mut d), vec![w(H76_RESPONSE), w(H76_ANSWER), open()]);
}

#[test]
fn hixie76_bad_keys_get_400_and_close_without_code() {
    let cases = [
        (
            H76.replace("4 @1  46546xW%0l 1 5", "4 @1  46546xW%0l 1 6"),
            "Client sent invalid Sec-WebSocket-Key headers",
        ),
        (
            H76.replace("Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n", ""),
            "Missing required header: Sec-WebSocket-Key1",
        ),
        (
            H76.replace("Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n", ""),
            "Missing required header: Sec-WebSocket-Key2",
        ),
    ];
    for (req, msg) in cases {
        let a = feed_all_ways(&server, req.as_bytes());
        assert_eq!(
            a,
            vec![connect(), bad_request(msg), perr(msg), close_nil()],
            "{msg}"
        );
    }
}

#[test]
fn hixie75_response_and_custom_headers_after() {
    let make = || {
        let mut d = server();
        d.set_header("X-A", "1").unwrap();
        d
    };
    let a = feed_all_ways(&make, &cat(&[H75.as_bytes(), b"\x00inbody\xFF"]));
    assert_eq!(
        a,
        vec![
            connect(),
            w(H75_RESPONSE.replace("\r\n\r\n", "\r\nX-A: 1\r\n\r\n")),
            open(),
            text("inbody")
        ]
    );
}

#[test]
fn hixie76_custom_headers_after_fixed_ones() {
    let make = || {
        let mut d = server();
        d.set_header("X-A", "1").unwrap();
        d
    };
    let req = H76.replace("Origin: http://example.com\r\n", "");
    let a = feed_all_ways(&make, &cat(&[req.as_bytes(), H76_BODY]));
    assert_eq!(
        a,
        vec![
            connect(),
            w(
                "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Location: ws://example.com/demo\r\nX-A: 1\r\n\r\n"
            ),
            w(H76_ANSWER),
            open()
        ]
    );
}
