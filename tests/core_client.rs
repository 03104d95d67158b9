//! The client and its error texts: URL parsing, the
//! request (key, protocols, auth, custom headers), response validation,
//! status and headers, and frames in the same chunk as the response.
//! Expected texts are the websocket-driver gem's.
mod common;

use common::*;
use wsdriver::{CommandError, Driver, ErrorKind, Options, ReadyState};

fn request_of(url: &str, opts: Options) -> String {
    let mut c = client_opts(url, opts);
    c.start().unwrap();
    let a = drain(&mut c);
    assert_eq!(a.len(), 1);
    String::from_utf8(writes(&a)[0].clone()).unwrap()
}

#[test]
fn request_exact_bytes() {
    assert_eq!(
        request_of("ws://example.com/", Options::default()),
        format!(
            "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {CLIENT_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
    );
}

#[test]
fn url_host_port_path_query() {
    let cases = [
        ("ws://example.com", "GET / HTTP/1.1", "example.com"),
        ("ws://example.com:80/a", "GET /a HTTP/1.1", "example.com"),
        ("wss://example.com:443/", "GET / HTTP/1.1", "example.com"),
        ("ws://example.com:443/", "GET / HTTP/1.1", "example.com:443"),
        ("wss://example.com:80/", "GET / HTTP/1.1", "example.com:80"),
        (
            "ws://example.com:8080/chat?room=1&x=y",
            "GET /chat?room=1&x=y HTTP/1.1",
            "example.com:8080",
        ),
        ("ws://example.com?q", "GET /?q HTTP/1.1", "example.com"),
        ("ws://example.com/p#frag", "GET /p HTTP/1.1", "example.com"),
        ("ws://[::1]:81/", "GET / HTTP/1.1", "[::1]:81"),
        ("WSS://Example.com/", "GET / HTTP/1.1", "Example.com"),
    ];
    for (url, line, host) in cases {
        let req = request_of(url, Options::default());
        assert!(
            req.starts_with(&format!("{line}\r\nHost: {host}\r\n")),
            "{url}: {req}"
        );
    }
}

#[test]
fn invalid_urls_are_rejected() {
    for bad in [
        "http://example.com/",
        "example.com",
        "ws://",
        "ftp://x/",
        "ws://a b/",
        "ws://h:99999/",
    ] {
        let e = Driver::client(bad, Options::default())
            .err()
            .unwrap_or_else(|| panic!("{bad}"));
        assert_eq!(e.kind, ErrorKind::Url);
        assert_eq!(e.message, format!("{bad} is not a valid WebSocket URL"));
    }
}

#[test]
fn userinfo_becomes_basic_authorization() {
    let req = request_of("wss://user:pw@example.com/x", Options::default());
    assert!(
        req.contains("\r\nAuthorization: Basic dXNlcjpwdw==\r\n"),
        "{req}"
    );
    assert!(req.contains("\r\nHost: example.com\r\n"));
    // No password: "user:" as the gem does.
    let req = request_of("ws://user@example.com/", Options::default());
    assert!(
        req.contains("\r\nAuthorization: Basic dXNlcjo=\r\n"),
        "{req}"
    );
    // No userinfo: no header.
    assert!(!request_of("ws://example.com/", Options::default()).contains("Authorization"));
}

#[test]
fn random_16_byte_key() {
    use base64::Engine;
    let key_of = |c: &mut Driver| {
        c.start().unwrap();
        let req = String::from_utf8(writes(&drain(c))[0].clone()).unwrap();
        let line = req
            .lines()
            .find(|l| l.starts_with("Sec-WebSocket-Key: "))
            .unwrap();
        line["Sec-WebSocket-Key: ".len()..].to_owned()
    };
    let mut a = Driver::client("ws://e.com/", Options::default()).unwrap();
    let mut b = Driver::client("ws://e.com/", Options::default()).unwrap();
    let (ka, kb) = (key_of(&mut a), key_of(&mut b));
    assert_ne!(ka, kb);
    for k in [&ka, &kb] {
        let raw = base64::engine::general_purpose::STANDARD.decode(k).unwrap();
        assert_eq!(raw.len(), 16);
    }
    // The injected source decides the key.
    let mut c = client("ws://e.com/");
    assert_eq!(key_of(&mut c), CLIENT_KEY);
}

#[test]
fn protocols_and_custom_headers() {
    let mut c = client_opts("ws://example.com/", protocols(&["chat", "superchat"]));
    c.set_header("Origin", "http://example.com").unwrap();
    c.set_header("X-Custom", "1").unwrap();
    assert_eq!(
        c.set_header("Host", "other"),
        Err(CommandError::DuplicateHeader),
        "duplicate Host is dropped"
    );
    c.start().unwrap();
    assert!(c.set_header("Late", "1").is_err());
    assert_eq!(
        drain(&mut c),
        vec![w(format!(
            "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {CLIENT_KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\nOrigin: http://example.com\r\nX-Custom: 1\r\n\r\n"
        ))]
    );
}

fn started(opts: Options) -> Driver {
    let mut c = client_opts("ws://example.com/", opts);
    c.start().unwrap();
    drain(&mut c);
    c
}

fn handshake_fails(response: &[u8], opts: Options, msg: &str) {
    let full = format!("Error during WebSocket handshake: {msg}");
    let a = feed_all_ways(&|| started(opts.clone()), response);
    assert_eq!(a, vec![perr(&full), close(1002, &full)], "{msg}");
    let mut c = started(opts);
    run(&mut c, &[response]);
    assert_eq!(c.state(), ReadyState::Closed);
    assert!(c.text("x").is_err());
}

#[test]
fn response_validation() {
    let acc = wsdriver::accept_key(CLIENT_KEY);
    let d = Options::default;
    handshake_fails(
        b"HTTP/1.1 200 OK\r\nUpgrade: websocket\r\n\r\n",
        d(),
        "Unexpected response code: 200",
    );
    handshake_fails(
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n",
        d(),
        "'Upgrade' header is missing",
    );
    handshake_fails(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n",
        d(),
        "'Upgrade' header value is not 'WebSocket'",
    );
    handshake_fails(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n\r\n",
        d(),
        "'Connection' header is missing",
    );
    handshake_fails(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: close\r\n\r\n",
        d(),
        "'Connection' header value is not 'Upgrade'",
    );
    handshake_fails(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n", d(), "Sec-WebSocket-Accept mismatch");
    handshake_fails(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n\r\n",
        d(),
        "Sec-WebSocket-Accept mismatch",
    );
    let bad_proto = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {acc}\r\nSec-WebSocket-Protocol: zz\r\n\r\n"
    );
    handshake_fails(
        bad_proto.as_bytes(),
        protocols(&["a", "b"]),
        "Sec-WebSocket-Protocol mismatch",
    );
    handshake_fails(bad_proto.as_bytes(), d(), "Sec-WebSocket-Protocol mismatch");
    let ext = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {acc}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
    );
    handshake_fails(
        ext.as_bytes(),
        d(),
        "Server sent an extension response for unknown extension \"permessage-deflate\"",
    );
    let ext = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {acc}\r\nSec-WebSocket-Extensions: a;;b\r\n\r\n"
    );
    handshake_fails(
        ext.as_bytes(),
        d(),
        "Invalid Sec-WebSocket-Extensions header: a;;b",
    );
    handshake_fails(
        b"HTTP/1.1 101 OK\r\nUpgrade WebSocket\r\n\r\n",
        d(),
        "Invalid HTTP response",
    );
    handshake_fails(b"garbage\r\n\r\n", d(), "Invalid HTTP response");
}

/// Issue 18 item 3: a response fails at its first bad line, as in the gem.
#[test]
fn a_bad_status_or_header_line_fails_at_once() {
    let full = "Error during WebSocket handshake: Invalid HTTP response";
    for bad in [
        &b"junk\r\n"[..],
        b"HTTP/1.1 abc\r\n",
        b"HTTP/1.1\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nBad Header\r\n",
    ] {
        let a = feed_all_ways(&|| started(Options::default()), bad);
        assert_eq!(
            a,
            vec![perr(full), close(1002, full)],
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn valid_response_opens_with_protocol() {
    let ok = client_response("Sec-WebSocket-Protocol: b\r\n");
    let a = feed_all_ways(&|| started(protocols(&["a", "b"])), &ok);
    assert_eq!(a, vec![open()]);
    let mut c = started(protocols(&["a", "b"]));
    run(&mut c, &[&ok]);
    assert_eq!(c.protocol(), Some("b"));
    assert_eq!(c.state(), ReadyState::Open);
    // Header values are case-insensitive; LF-only lines are accepted.
    let acc = wsdriver::accept_key(CLIENT_KEY);
    let lf = format!(
        "HTTP/1.1 101 OK\nUpgrade: WEBSOCKET\nConnection: UPGRADE\nSec-WebSocket-Accept: {acc}\n\n"
    );
    assert_eq!(
        feed_all_ways(&|| started(Options::default()), lf.as_bytes()),
        vec![open()]
    );
    // An empty reason phrase is fine.
    let empty = format!(
        "HTTP/1.1 101 \r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {acc}\r\n\r\n"
    );
    assert_eq!(
        feed_all_ways(&|| started(Options::default()), empty.as_bytes()),
        vec![open()]
    );
}

#[test]
fn status_and_case_insensitive_headers() {
    let mut c = started(Options::default());
    assert_eq!(c.status(), None);
    run(&mut c, &[&client_response("X-A: 1\r\nx-a: 2\r\n")]);
    assert_eq!(c.status(), Some(101));
    let h = c.headers().unwrap();
    assert_eq!(h.get("upgrade"), Some("websocket"));
    assert_eq!(
        h.get("SEC-WEBSOCKET-ACCEPT"),
        Some(wsdriver::accept_key(CLIENT_KEY).as_str())
    );
    assert_eq!(h.get("X-a"), Some("1, 2"));
    // The status is kept when the handshake fails.
    let mut c = started(Options::default());
    run(&mut c, &[b"HTTP/1.1 404 Not Found\r\nServer: x\r\n\r\n"]);
    assert_eq!(c.status(), Some(404));
    assert_eq!(c.headers().unwrap().get("server"), Some("x"));
}

#[test]
fn frames_in_the_response_chunk_are_parsed() {
    let input = cat(&[
        &client_response(""),
        &unmasked(1, b"hi"),
        &unmasked(9, b"p"),
    ]);
    let a = feed_all_ways(&|| started(Options::default()), &input);
    // Auto-pong is masked with the next four pattern bytes (1,2,3,4).
    assert_eq!(
        a,
        vec![
            open(),
            text("hi"),
            w(masked_with(10, b"p", [1, 2, 3, 4])),
            ping(b"p")
        ]
    );
}

#[test]
fn messages_queued_before_open_are_flushed_before_open_event() {
    let make = || {
        let mut c = client("ws://example.com/");
        c.text("early").unwrap();
        c.start().unwrap();
        let a = drain(&mut c);
        assert_eq!(
            a.len(),
            1,
            "only the request is written before the response"
        );
        c
    };
    let a = feed_all_ways(&make, &client_response(""));
    assert_eq!(a, vec![w(masked_with(1, b"early", [1, 2, 3, 4])), open()]);
}

#[test]
fn close_before_and_during_handshake() {
    // Before start: close event with the given values, nothing written.
    let mut c = client("ws://e.com/");
    c.close(Some(4000), "early").unwrap();
    assert_eq!(drain(&mut c), vec![close(4000, "early")]);
    assert_eq!(c.state(), ReadyState::Closed);
    assert!(c.start().is_err());
    // While connecting: close(1000, ""), later response ignored.
    let mut c = started(Options::default());
    c.close(None, "").unwrap();
    assert_eq!(drain(&mut c), vec![close(1000, "")]);
    assert_eq!(run(&mut c, &[&client_response("")]), vec![]);
}

#[test]
fn client_version_and_url() {
    let c = client("ws://example.com:8080/p?q=1");
    assert_eq!(c.version(), Some("hybi-13"));
    assert!(c.is_client());
    assert_eq!(c.url().as_deref(), Some("ws://example.com:8080/p?q=1"));
}
