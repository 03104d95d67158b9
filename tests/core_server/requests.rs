//! A server fed raw bytes: the request head, its limits and errors, and what
//! follows it.

use wsdriver::{Action, Driver, Headers, Options, ReadyState, Request, is_websocket};

use crate::common::*;
use crate::server;

/// What a server reports for a request head it cannot parse.
fn invalid_request() -> Vec<Action> {
    vec![
        perr("Invalid HTTP request"),
        close(1002, "Invalid HTTP request"),
    ]
}

#[test]
fn connect_only_when_request_head_is_complete() {
    let req = request("");
    let mut d = server();
    let a = run_with(&mut d, &[&req[..req.len() - 1]], &mut no_reaction);
    assert_eq!(a, vec![]);
    assert!(d.request().is_none());
    assert_eq!(d.state(), ReadyState::Connecting);
    let a = run_with(&mut d, &[&req[req.len() - 1..]], &mut no_reaction);
    assert_eq!(a, vec![connect()]);
    assert!(d.request().is_some());
    // Whole / bytewise / random splits agree.
    assert_eq!(
        feed_all_ways_with(&server, &req, &no_reaction),
        vec![connect()]
    );
}

#[test]
fn request_exposes_method_path_query_headers_and_body() {
    let input = b"POST /form/x?a=1&b=2 HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nX-Two: 1\r\nx-two: 2\r\n\r\nbody bytes";
    let a = feed_all_ways_with(&server, input, &no_reaction);
    assert_eq!(a, vec![connect()]);
    let mut d = server();
    assert_eq!(
        run_with(&mut d, &[input], &mut no_reaction),
        vec![connect()]
    );
    let r = d.request().unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path(), "/form/x");
    assert_eq!(r.query(), "a=1&b=2");
    assert_eq!(r.target, "/form/x?a=1&b=2");
    assert_eq!(r.headers.get("content-type"), Some("text/plain"));
    assert_eq!(r.headers.get("HOST"), Some("example.com"));
    assert_eq!(r.headers.get("X-Two"), Some("1, 2"));
    assert_eq!(&*d.body(), b"body bytes");
    // More body bytes keep accumulating while the caller decides.
    assert_eq!(run_with(&mut d, &[b" more"], &mut no_reaction), vec![]);
    assert_eq!(&*d.body(), b"body bytes more");
    assert_eq!(d.url().as_deref(), Some("ws://example.com/form/x?a=1&b=2"));
}

#[test]
fn body_is_the_same_however_the_request_is_split() {
    let input = b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n0123456789";
    for chunks in [
        vec![&input[..]],
        input.chunks(1).collect::<Vec<_>>(),
        random_chunks(input, 7, 5),
    ] {
        let mut d = server();
        assert_eq!(run_with(&mut d, &chunks, &mut no_reaction), vec![connect()]);
        assert_eq!(&*d.body(), b"0123456789");
    }
}

#[test]
fn query_empty_and_path_only() {
    let mut d = server();
    run_with(&mut d, &[&request("")], &mut no_reaction);
    let r = d.request().unwrap();
    assert_eq!(
        (r.method.as_str(), r.path(), r.query()),
        ("GET", "/chat", "")
    );
}

#[test]
fn head_size_limit() {
    let opts = Options {
        max_head_size: 200,
        ..Options::default()
    };
    // A head of exactly 200 bytes is fine.
    let mut req = b"GET / HTTP/1.1\r\nHost: h\r\nX: ".to_vec();
    let pad = 200 - req.len() - 4;
    req.extend(std::iter::repeat_n(b'a', pad));
    req.extend_from_slice(b"\r\n\r\n");
    assert_eq!(req.len(), 200);
    let o = opts.clone();
    assert_eq!(
        feed_all_ways_with(&|| Driver::server(o.clone()), &req, &no_reaction),
        vec![connect()]
    );
    // One more byte in the head: error + close 1002, nothing written.
    let mut big = req.clone();
    big.insert(30, b'a');
    let o = opts.clone();
    assert_eq!(
        feed_all_ways_with(&|| Driver::server(o.clone()), &big, &no_reaction),
        invalid_request()
    );
    // An endless head without a blank line fails at the limit, too.
    let endless = vec![b'a'; 500];
    let o = opts.clone();
    assert_eq!(
        feed_all_ways_with(&|| Driver::server(o.clone()), &endless, &no_reaction),
        invalid_request()
    );
    // Default limit is the gem's 32 KiB.
    assert_eq!(Options::default().max_head_size, 32 * 1024);
}

#[test]
fn header_count_limit() {
    let opts = Options {
        max_headers: 4,
        ..Options::default()
    };
    let ok = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
    let o = opts.clone();
    assert_eq!(
        feed_all_ways_with(&|| Driver::server(o.clone()), ok, &no_reaction),
        vec![connect()]
    );
    let too_many = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n";
    let o = opts.clone();
    assert_eq!(
        feed_all_ways_with(&|| Driver::server(o.clone()), too_many, &no_reaction),
        invalid_request()
    );
}

#[test]
fn malformed_request_is_an_error_without_output() {
    for bad in [
        &b"GET /\r\n\r\n"[..],
        b"\x01\x02 nonsense\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    ] {
        let a = feed_all_ways_with(&server, bad, &no_reaction);
        assert_eq!(a, invalid_request(), "{:?}", String::from_utf8_lossy(bad));
    }
    // Later input is ignored.
    let mut d = server();
    run_with(&mut d, &[b"GET /\r\n\r\n"], &mut no_reaction);
    assert_eq!(d.state(), ReadyState::Closed);
    assert_eq!(run(&mut d, &[&request("")]), vec![]);
}

/// Issue 18 item 3: as in the gem, a head fails at its first bad line, before
/// its blank line or the size limit: a peer that sends `"7\n"` and then
/// waits gets its error at once.
#[test]
fn a_bad_request_line_or_header_line_fails_at_once() {
    let failed = invalid_request();
    for bad in [
        &b"7\n"[..],
        b"GET / HTTP/1.1 x\r\n",
        b"get / HTTP/1.1\r\n",
        b"PATCH / HTTP/1.1\r\n",
        b"GET / HTTP/1.1\r\nHost: example.com\r\nBad Header\r\n",
        b"GET / HTTP/1.1\r\n: empty\r\n",
        b"GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n",
    ] {
        let a = feed_all_ways_with(&server, bad, &no_reaction);
        assert_eq!(a, failed, "{:?}", String::from_utf8_lossy(bad));
    }
    // Fed byte by byte, the failure comes with the line feed of the bad line.
    let mut d = server();
    assert_eq!(
        run_with(
            &mut d,
            &[b"GET / HTTP/1.1\r\nBad Header\r"],
            &mut no_reaction
        ),
        vec![]
    );
    assert_eq!(run_with(&mut d, &[b"\n"], &mut no_reaction), failed);
    // Good lines, and empty lines before the request line, are held.
    let mut d = server();
    let partial = b"\r\nGET /chat HTTP/1.1\r\nHost: example.com\r\nX-Token: a b\t\r\nUpgr";
    assert_eq!(run_with(&mut d, &[partial], &mut no_reaction), vec![]);
    assert_eq!(d.state(), ReadyState::Connecting);
}

#[test]
fn non_websocket_request_is_left_to_the_caller() {
    let input = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
    let mut d = server();
    assert_eq!(
        run_with(&mut d, &[input], &mut no_reaction),
        vec![connect()]
    );
    assert!(!is_websocket(d.request().unwrap()));
    assert_eq!(d.state(), ReadyState::Connecting);
    // Nothing was written; the caller may answer it itself. If it starts
    // anyway, the gem's 400 follows. The error and the close carry the
    // same code, 1002 (a plain request is not a hixie-75 one).
    assert!(d.start().is_err());
    let msg = "Not a WebSocket request";
    assert_eq!(drain(&mut d), rejected(msg));
}

#[test]
fn bytes_that_cannot_start_a_request_fail_at_once() {
    // A TLS ClientHello's record header, an SSH banner's first line, a NUL:
    // an error at the first bad byte, nothing written, nothing held.
    for bad in [
        &b"\x16\x03\x01\x02\x00\x01"[..],
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"\x00",
    ] {
        let a = feed_all_ways_with(&server, bad, &no_reaction);
        assert_eq!(a, invalid_request(), "{:?}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn a_partial_request_head_counts_as_buffered() {
    let mut d = server();
    let req = request("");
    run_with(&mut d, &[&req[..20]], &mut no_reaction);
    assert_eq!(d.buffered_amount(), 20);
    run_with(&mut d, &[&req[20..30]], &mut no_reaction);
    assert_eq!(d.buffered_amount(), 30);
    run_with(&mut d, &[&req[30..]], &mut no_reaction);
    assert_eq!(d.buffered_amount(), 0);
    // A failed head is dropped with the rest.
    let mut d = server();
    run_with(
        &mut d,
        &[b"GET / HTTP/1.1\r\nBad Header\r\n"],
        &mut no_reaction,
    );
    assert_eq!(d.state(), ReadyState::Closed);
    assert_eq!(d.buffered_amount(), 0);
}

#[test]
fn is_websocket_follows_the_gem() {
    let mut d = server();
    run_with(&mut d, &[&request("")], &mut no_reaction);
    assert!(is_websocket(d.request().unwrap()));
    let mk = |method: &str, conn: &str, up: &str| {
        let mut h = Headers::new();
        h.append("Connection", conn);
        h.append("Upgrade", up);
        Request {
            method: method.into(),
            target: "/".into(),
            headers: h,
        }
    };
    assert!(is_websocket(&mk(
        "GET",
        "keep-alive,  Upgrade",
        "WebSocket"
    )));
    assert!(!is_websocket(&mk("GET", "keep-alive;Upgrade", "WebSocket")));
    assert!(!is_websocket(&mk("POST", "Upgrade", "websocket")));
    assert!(!is_websocket(&mk("GET", "Upgrade", "h2c")));
    assert!(!is_websocket(&mk("GET", "close", "websocket")));
}

#[test]
fn protocol_is_picked_from_the_request() {
    // Versions 7 and 8: tests/core_server/hybi_drafts.rs.
    let mut d = server();
    let a = run(&mut d, &[&request_version("13")]);
    assert_eq!(a, vec![connect(), w(RESPONSE_101), open()]);
    assert_eq!(d.version(), Some("hybi-13"));
    let mut d = server();
    run_with(&mut d, &[H76.as_bytes()], &mut no_reaction);
    assert_eq!(d.version(), Some("hixie-76"));
    let mut d = server();
    run_with(&mut d, &[H75.as_bytes()], &mut no_reaction);
    assert_eq!(d.version(), Some("hixie-75"));
    // A key alone is enough for hybi (then the version check fails).
    let req = format!(
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\n\r\n"
    );
    let mut d = server();
    let a = run(&mut d, &[req.as_bytes()]);
    assert_eq!(d.version(), Some("hybi-13"));
    let mut expected = vec![connect()];
    expected.extend(rejected("Unsupported WebSocket version: 13"));
    assert_eq!(a, expected);
}

#[test]
fn frames_in_the_request_chunk_are_parsed_after_start() {
    let input = cat(&[&request(""), &masked(1, b"hello"), &masked(9, b"p")]);
    assert_eq!(
        feed_all_ways(&server, &input),
        vec![
            connect(),
            w(RESPONSE_101),
            open(),
            text("hello"),
            w(b"\x8A\x01p"),
            ping(b"p")
        ]
    );
    // Starting late (after more bytes came in) gives the same result.
    let mut d = server();
    assert_eq!(
        run_with(&mut d, &[&input], &mut no_reaction),
        vec![connect()]
    );
    d.start().unwrap();
    assert_eq!(
        drain(&mut d),
        vec![
            w(RESPONSE_101),
            open(),
            text("hello"),
            w(b"\x8A\x01p"),
            ping(b"p")
        ]
    );
}

#[test]
fn start_before_request_is_deferred() {
    let make = || {
        let mut d = server();
        d.start().unwrap();
        d.text("early").unwrap();
        d
    };
    assert_eq!(
        feed_all_ways_with(&make, &request(""), &no_reaction),
        vec![connect(), w(RESPONSE_101), w(b"\x81\x05early"), open()]
    );
}
