//! HTTP limits: request and response head size, header count, and the request
//! body kept before start.

use wsdriver::{Driver, ErrorKind, Event, Options, ReadyState};

use crate::common::*;
use crate::opts;

/// A request whose head is exactly `size` bytes (padded with one header).
fn request_of_size(size: usize) -> Vec<u8> {
    let base = request("X-Pad: \r\n");
    assert!(size >= base.len());
    let pad = "a".repeat(size - base.len());
    let r = request(&format!("X-Pad: {pad}\r\n"));
    assert_eq!(r.len(), size);
    r
}

fn request_with_headers(extra: usize) -> Vec<u8> {
    let lines: String = (0..extra).map(|i| format!("X-H{i}: v\r\n")).collect();
    request(&lines)
}

const BASE_HEADERS: usize = 5; // Host, Upgrade, Connection, Key, Version

fn server_events(o: Options, input: &[u8]) -> Vec<Event> {
    let mut d = Driver::server(o);
    events(&run(&mut d, &[input]))
}

fn invalid_request() -> Vec<Event> {
    vec![
        Event::Error(wsdriver::Error::protocol("Invalid HTTP request")),
        Event::Close {
            code: Some(1002),
            reason: "Invalid HTTP request".into(),
        },
    ]
}

#[test]
fn request_head_size_limit() {
    let o = opts(|o| o.max_head_size = 1024);
    let at = server_events(o.clone(), &request_of_size(1024));
    assert_eq!(at[..2], [Event::Connect, Event::Open]);
    assert_eq!(
        server_events(o.clone(), &request_of_size(1025)),
        invalid_request()
    );
    // Byte by byte: the same verdict, and the driver never holds more than
    // the limit while the head accumulates.
    let mut d = Driver::server(o);
    let big = request_of_size(4096);
    let mut out = Vec::new();
    for b in big.chunks(1) {
        d.parse(b);
        out.extend(drain(&mut d));
        assert!(d.buffered_amount() <= 1025, "{}", d.buffered_amount());
    }
    assert_eq!(events(&out), invalid_request());
    assert_eq!(d.state(), ReadyState::Closed);
}

#[test]
fn request_head_default_limit_is_32k_and_endless_head_is_cut() {
    let at = server_events(Options::default(), &request_of_size(32 * 1024));
    assert_eq!(at[..2], [Event::Connect, Event::Open]);
    // A head that never ends (no blank line): fails once past the limit,
    // then ignores the rest; nothing accumulates.
    let mut d = Driver::server(Options::default());
    d.parse(b"GET / HTTP/1.1\r\n");
    let line = vec![b'a'; 1000];
    let mut out = Vec::new();
    for _ in 0..1000 {
        d.parse(&line);
        out.extend(drain(&mut d));
    }
    assert_eq!(events(&out), invalid_request());
    assert!(d.buffered_amount() == 0, "{}", d.buffered_amount());
}

#[test]
fn request_header_count_limit() {
    let o = opts(|o| o.max_headers = 10);
    let ok = server_events(o.clone(), &request_with_headers(10 - BASE_HEADERS));
    assert_eq!(ok[..2], [Event::Connect, Event::Open]);
    assert_eq!(
        server_events(o, &request_with_headers(11 - BASE_HEADERS)),
        invalid_request()
    );
    // Default 64.
    let ok = server_events(Options::default(), &request_with_headers(64 - BASE_HEADERS));
    assert_eq!(ok[..2], [Event::Connect, Event::Open]);
    assert_eq!(
        server_events(Options::default(), &request_with_headers(65 - BASE_HEADERS)),
        invalid_request()
    );
    // The option is capped at 256 whatever it says.
    let o = opts(|o| o.max_headers = 100_000);
    let ok = server_events(o.clone(), &request_with_headers(256 - BASE_HEADERS));
    assert_eq!(ok[..2], [Event::Connect, Event::Open]);
    assert_eq!(
        server_events(o, &request_with_headers(257 - BASE_HEADERS)),
        invalid_request()
    );
}

fn client_events(o: Options, input: &[u8]) -> Vec<Event> {
    let mut d = client_opts("ws://example.com/", o);
    d.start().unwrap();
    drain(&mut d);
    events(&run(&mut d, &[input]))
}

fn invalid_response() -> Vec<Event> {
    let m = "Error during WebSocket handshake: Invalid HTTP response";
    vec![
        Event::Error(wsdriver::Error::protocol(m)),
        Event::Close {
            code: Some(1002),
            reason: m.into(),
        },
    ]
}

#[test]
fn response_head_size_and_header_count_limits() {
    let o = opts(|o| o.max_head_size = 512);
    let base = client_response("X-Pad: \r\n");
    let fit = client_response(&format!("X-Pad: {}\r\n", "p".repeat(512 - base.len())));
    assert_eq!(fit.len(), 512);
    assert_eq!(client_events(o.clone(), &fit), [Event::Open]);
    let over = client_response(&format!("X-Pad: {}\r\n", "p".repeat(513 - base.len())));
    assert_eq!(client_events(o, &over), invalid_response());

    let o = opts(|o| o.max_headers = 8);
    let lines = |n: usize| (0..n).map(|i| format!("X-{i}: v\r\n")).collect::<String>();
    // The 101 response has 3 headers of its own.
    assert_eq!(
        client_events(o.clone(), &client_response(&lines(5))),
        [Event::Open]
    );
    assert_eq!(
        client_events(o, &client_response(&lines(6))),
        invalid_response()
    );
}

#[test]
fn request_body_before_start_is_bounded_by_max_length() {
    // A raw server whose host has not answered yet keeps bytes that follow
    // the request head (hixie-76's key, early frames): at most max_length.
    let o = opts(|o| o.max_length = 16);
    let mut d = Driver::server(o);
    let mut input = request("");
    input.extend_from_slice(&[0u8; 16]);
    let out = run_with(&mut d, &[&input], &mut no_reaction);
    assert_eq!(events(&out), [Event::Connect]);
    assert_eq!(d.body().len(), 16);
    let out = run_with(&mut d, &[&[0u8]], &mut no_reaction);
    let m = "Request body too large";
    assert_eq!(
        events(&out),
        [
            Event::Error(wsdriver::Error::new(ErrorKind::TooLarge, m)),
            Event::Close {
                code: Some(1009),
                reason: m.into()
            },
        ]
    );
}
