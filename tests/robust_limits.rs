//! Robustness: every resource limit the driver enforces, each at and just
//! past its boundary, and the memory it holds while doing so. One test (or
//! group) per row of the limits table in docs/SECURITY.md.

mod common;

use common::*;
use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::ffi::*;
use wsdriver::{Action, CommandError, Driver, ErrorKind, Event, MessageKind, Options, ReadyState};

fn opts(f: impl FnOnce(&mut Options)) -> Options {
    let mut o = Options::default();
    f(&mut o);
    o
}

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

// ---- HTTP heads -----------------------------------------------------------------

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

// ---- max_length -------------------------------------------------------------------

fn too_large() -> Vec<Action> {
    failure(ErrorKind::TooLarge, "WebSocket frame length too large")
}

#[test]
fn max_length_single_frame() {
    let o = opts(|o| o.max_length = 1000);
    let at = server_gets(&o, &masked(0x2, &[7u8; 1000]));
    assert_eq!(at, vec![binary(&[7u8; 1000])]);
    let over = server_gets(&o, &masked(0x2, &[7u8; 1001]));
    assert_eq!(over, too_large());
}

#[test]
fn max_length_announced_length_fails_before_payload_arrives() {
    // A 64-bit length of 2^63 - 1: rejected from the header alone, without
    // reserving or waiting for the payload.
    let o = Options::default();
    let mut frame = vec![0x82, 0xFF];
    frame.extend_from_slice(&(u64::MAX >> 1).to_be_bytes());
    frame.extend_from_slice(&MASK);
    let mut d = open_server(o);
    let out = run(&mut d, &[&frame]);
    assert_eq!(out, too_large());
    assert_eq!(d.buffered_amount(), 0);
    // And with the top bit set.
    let mut frame = vec![0x82, 0xFF];
    frame.extend_from_slice(&u64::MAX.to_be_bytes());
    frame.extend_from_slice(&MASK);
    let mut d = open_server(Options::default());
    let out = run(&mut d, &[&frame]);
    assert_eq!(events(&out)[0], events(&too_large())[0]);
}

#[test]
fn max_length_bounds_fragmented_messages() {
    let o = opts(|o| o.max_length = 1000);
    let mut input = Vec::new();
    for _ in 0..9 {
        input.extend(masked_nofin(0x0, &[1u8; 100]));
    }
    input.splice(0..0, masked_nofin(0x2, &[1u8; 100]));
    let mut ok = input.clone();
    ok.extend(masked(0x0, &[]));
    assert_eq!(server_gets(&o, &ok), vec![binary(&[1u8; 1000])]);
    let mut over = input;
    over.extend(masked(0x0, &[1u8]));
    assert_eq!(server_gets(&o, &over), too_large());
}

#[test]
fn four_mib_message_in_65536_fragments_of_64_bytes() {
    let total = 4 << 20;
    let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let mut wire = Vec::with_capacity(total + 65_536 * 6);
    for (i, chunk) in data.chunks(64).enumerate() {
        let op = if i == 0 { 0x2 } else { 0x0 };
        let fin = if (i + 1) * 64 == total { 0x80 } else { 0 };
        wire.extend(raw_frame(fin | op, chunk, Some([0, 0, 0, 0])));
    }
    assert_eq!(data.chunks(64).count(), 65_536);
    let mut d = open_server(Options::default());
    let start = std::time::Instant::now();
    // In transport-sized reads.
    let mut got = Vec::new();
    for chunk in wire.chunks(16 * 1024) {
        d.parse(chunk);
        got.extend(drain(&mut d));
        assert!(d.buffered_amount() <= total);
    }
    assert_eq!(got.len(), 1);
    assert!(
        matches!(&got[0], Action::Event(Event::Message { kind: MessageKind::Binary, data: m }) if *m == data)
    );
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    // One byte less allowed: fails, at the last fragment.
    let mut d = open_server(opts(|o| o.max_length = total as u64 - 1));
    let out = run(&mut d, &[&wire]);
    assert_eq!(out, too_large());
}

fn deflate_pair(max_length: u64) -> (Driver, Driver) {
    let o = opts(|o| o.max_length = max_length);
    let mut p = Pair::new("ws://example.com/", o.clone(), o, 3);
    p.client
        .add_extension(Box::new(PerMessageDeflate::new(DeflateConfig::default())))
        .unwrap();
    p.server
        .add_extension(Box::new(PerMessageDeflate::new(DeflateConfig::default())))
        .unwrap();
    p.connect();
    let (c, s) = p.take_events();
    assert_eq!(
        (c, s),
        (vec![Event::Open], vec![Event::Connect, Event::Open])
    );
    (p.client, p.server)
}

#[test]
fn max_length_applies_after_inflation() {
    // 1 MiB of zeros compresses to about 1 KiB: fine in a frame, too big
    // once inflated past max_length 64 KiB.
    let (mut client, mut server) = deflate_pair(64 * 1024);
    let exact = vec![0u8; 64 * 1024];
    client.binary(&exact).unwrap();
    let wire: Vec<u8> = writes(&drain(&mut client)).concat();
    assert!(wire.len() < 1024, "{}", wire.len());
    assert_eq!(run(&mut server, &[&wire]), vec![binary(&exact)]);
    client.binary(&vec![0u8; 1 << 20]).unwrap();
    let wire: Vec<u8> = writes(&drain(&mut client)).concat();
    assert!(wire.len() < 4096, "{}", wire.len());
    let out = run(&mut server, &[&wire]);
    let ev = events(&out);
    assert!(
        matches!(&ev[0], Event::Error(e) if e.kind == ErrorKind::TooLarge),
        "{ev:?}"
    );
    assert!(
        matches!(
            &ev[1],
            Event::Close {
                code: Some(1009),
                ..
            }
        ),
        "{ev:?}"
    );
    assert_eq!(server.buffered_amount(), 0);
}

// ---- hixie ------------------------------------------------------------------------

fn hixie76_server(o: Options) -> Driver {
    let mut d = Driver::server(o);
    let mut input = H76.as_bytes().to_vec();
    input.extend_from_slice(H76_BODY);
    let out = run(&mut d, &[&input]);
    assert_eq!(events(&out), [Event::Connect, Event::Open]);
    d
}

#[test]
fn hixie_length_prefix_limit() {
    // A length-prefixed (binary) frame is skipped, but its length is checked
    // against max_length after every byte: a long run of 0x80|x bytes
    // cannot overflow or make the driver wait for 2^64 bytes.
    let o = opts(|o| o.max_length = 1000);
    let mut d = hixie76_server(o.clone());
    // 0x87 0x68 = 7*128 + 104 = 1000: skipped, then a text frame.
    let mut ok = vec![0x80, 0x87, 0x68];
    ok.extend(std::iter::repeat_n(b'x', 1000));
    ok.extend_from_slice(b"\x00hi\xff");
    assert_eq!(run(&mut d, &[&ok]), vec![text("hi")]);
    let mut d = hixie76_server(o.clone());
    // 1001 closes with its error (hixie-76 sends its closing frame).
    let out = run(&mut d, &[&[0x80, 0x87, 0x69]]);
    assert_eq!(out, vec![hixie_too_large(), w([0xFF, 0x00]), close_nil()]);
    // Twenty continuation bytes: closes at the first byte past the limit.
    let mut d = hixie76_server(Options::default());
    let out = run(&mut d, &[&[0xFF; 20]]);
    assert_eq!(out, vec![hixie_too_large(), w([0xFF, 0x00]), close_nil()]);
    assert_eq!(d.buffered_amount(), 0);
}

#[test]
fn hixie_text_frame_limit() {
    let o = opts(|o| o.max_length = 10);
    let mut d = hixie76_server(o.clone());
    assert_eq!(
        run(&mut d, &[b"\x000123456789\xff"]),
        vec![text("0123456789")]
    );
    // Unterminated text: closes once past the limit, holds at most the limit.
    let mut d = hixie76_server(o);
    let mut out = Vec::new();
    for b in b"\x00012345678901234" {
        d.parse(&[*b]);
        out.extend(drain(&mut d));
        assert!(d.buffered_amount() <= 10);
    }
    assert_eq!(out, vec![hixie_too_large(), w([0xFF, 0x00]), close_nil()]);
}

fn hixie_too_large() -> Action {
    error(ErrorKind::TooLarge, "WebSocket frame length too large")
}

fn h76_with_keys(k1: &str, k2: &str) -> Vec<u8> {
    format!(
        "GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nSec-WebSocket-Key2: {k2}\r\nUpgrade: WebSocket\r\nSec-WebSocket-Key1: {k1}\r\nOrigin: http://example.com\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn hixie76_key_values() {
    let msg = "Client sent invalid Sec-WebSocket-Key headers";
    // Header values are trimmed, so every space here is inside the key.
    let bad = [
        ("12345", "1 2"),                   // no spaces
        ("1 2", "x"),                       // no digits, no spaces
        ("no digits", "1 2"),               // no digits
        ("1 2 3", "1 2"),                   // 123 not divisible by 2 spaces
        ("1 2", "1 2 3"),                   // same, in key2
        ("9999999999 9999999999 9", "1 2"), // more than 20 digits
        ("1844674407370955 1616", "1 2"),   // 2^64: overflows u64
        ("42949 67296", "1 2"),             // 2^32 / 1 space: over u32
    ];
    for (k1, k2) in bad {
        let mut d = Driver::server(Options::default());
        let out = run(&mut d, &[&h76_with_keys(k1, k2)]);
        let ev = events(&out);
        assert_eq!(ev[0], Event::Connect, "{k1:?} {k2:?}");
        assert_eq!(ev.len(), 3, "{k1:?} {k2:?}: {out:?}");
        assert_eq!(
            ev[1],
            Event::Error(wsdriver::Error::protocol(msg)),
            "{k1:?} {k2:?}: {ev:?}"
        );
        assert!(matches!(ev[2], Event::Close { code: None, .. }));
        assert!(writes(&out)[0].starts_with(b"HTTP/1.1 400 Bad Request"));
    }
    // The largest value that fits: 4294967295 with one space.
    let mut d = Driver::server(Options::default());
    let out = run(
        &mut d,
        &[&h76_with_keys("42949 67295", "85899 3 4590"), b"12345678"],
    );
    assert_eq!(events(&out), [Event::Connect, Event::Open]);
}

// ---- queues -----------------------------------------------------------------------

#[test]
fn max_queued_before_open() {
    let mut d = client_opts("ws://example.com/", opts(|o| o.max_queued = 3));
    d.text("1").unwrap();
    d.binary(b"2").unwrap();
    d.ping(b"3").unwrap();
    assert_eq!(
        d.text("4"),
        Err(CommandError::QueueFull),
        "fourth message queued"
    );
    assert!(d.ping_with_token(b"5", 1).is_err());
    d.start().unwrap();
    drain(&mut d);
    let out = run(&mut d, &[&client_response("")]);
    assert_eq!(writes(&out).len(), 3);
    assert_eq!(events(&out), [Event::Open]);
    // Once open, sends are not queued, so not limited.
    for _ in 0..10 {
        d.text("x").unwrap();
    }
    // Default 1024; 0 allows none.
    let mut d = client("ws://example.com/");
    for i in 0..1024 {
        assert_eq!(d.text("q"), Ok(()), "{i}");
    }
    assert!(d.text("q").is_err());
    let mut d = client_opts("ws://example.com/", opts(|o| o.max_queued = 0));
    assert!(d.text("q").is_err());
}

#[test]
fn max_queued_in_the_c_api() {
    let o = ws_options_new();
    assert_eq!(ws_options_set_max_queued(o, 2), ws_result::Ok);
    let mut d = std::ptr::null_mut();
    assert_eq!(
        ws_driver_new_client(o, c"ws://example.com/".as_ptr(), &mut d),
        ws_result::Ok
    );
    ws_options_free(o);
    assert_eq!(ws_text(d, c"a".as_ptr(), 1), ws_result::Ok);
    assert_eq!(ws_binary(d, b"b".as_ptr(), 1), ws_result::Ok);
    assert_eq!(ws_text(d, c"c".as_ptr(), 1), ws_result::LimitExceeded);
    assert_eq!(
        ws_ping(d, b"p".as_ptr(), 1, None, std::ptr::null_mut()),
        ws_result::LimitExceeded
    );
    ws_driver_free(d);
}

#[test]
fn max_pending_pings() {
    let mut d = open_client_opts(opts(|o| o.max_pending_pings = 2));
    d.ping_with_token(b"a", 1).unwrap();
    d.ping_with_token(b"b", 2).unwrap();
    assert_eq!(
        d.ping_with_token(b"c", 3),
        Err(CommandError::TooManyPings),
        "third pending ping accepted"
    );
    // Pings without a token are not tracked, so not limited.
    d.ping(b"d").unwrap();
    drain(&mut d);
    // A pong frees a slot.
    let out = run(&mut d, &[&unmasked(0xA, b"a")]);
    assert_eq!(
        events(&out),
        [Event::PingAnswered(1), Event::Pong(b"a".to_vec())]
    );
    d.ping_with_token(b"c", 3).unwrap();
    assert!(d.ping_with_token(b"e", 4).is_err());
}

fn open_client_opts(o: Options) -> Driver {
    let mut d = client_opts("ws://example.com/", o);
    d.start().unwrap();
    drain(&mut d);
    assert_eq!(run(&mut d, &[&client_response("")]), vec![open()]);
    d
}

#[test]
fn max_pending_pings_in_the_c_api() {
    let o = ws_options_new();
    assert_eq!(ws_options_set_max_pending_pings(o, 1), ws_result::Ok);
    assert_eq!(
        ws_options_set_client_key(o, c"AQIDBAUGBwgJCgsMDQ4PEA==".as_ptr()),
        ws_result::Ok
    );
    let mut d = std::ptr::null_mut();
    ws_driver_new_client(o, c"ws://example.com/".as_ptr(), &mut d);
    ws_options_free(o);
    assert_eq!(ws_start(d), ws_result::Ok);
    let resp = client_response("");
    assert_eq!(ws_parse(d, resp.as_ptr(), resp.len()), ws_result::Ok);
    assert_eq!(ws_state(d), 1);
    assert_eq!(ws_ping_token(d, b"a".as_ptr(), 1, 1), ws_result::Ok);
    assert_eq!(
        ws_ping_token(d, b"b".as_ptr(), 1, 2),
        ws_result::LimitExceeded
    );
    assert_eq!(
        ws_ping(d, b"c".as_ptr(), 1, None, std::ptr::null_mut()),
        ws_result::Ok,
        "a ping without callback is not tracked"
    );
    ws_driver_free(d);
}

// ---- buffered output ------------------------------------------------------------

#[test]
fn buffered_amount_tracks_unsent_output() {
    let mut d = open_server(Options::default());
    assert_eq!(d.buffered_amount(), 0);
    for _ in 0..10 {
        d.binary(&vec![1u8; 100_000]).unwrap();
    }
    // 10 frames of 100_000 bytes + 4-byte headers, not yet taken.
    assert_eq!(d.buffered_amount(), 10 * 100_010);
    let mut taken = 0;
    while let Some(Action::Write(w)) = d.poll_action() {
        taken += w.len();
        assert_eq!(d.buffered_amount(), 10 * 100_010 - taken);
    }
    assert_eq!(d.buffered_amount(), 0);
    // Unparsed input counts too (a server that stops polling).
    d.parse(&masked(0x1, b"hello"));
    d.parse(&masked(0x1, b"world"));
    assert!(d.buffered_amount() >= 11, "{}", d.buffered_amount());
    drain(&mut d);
    assert_eq!(d.buffered_amount(), 0);
    // A partly received message counts.
    d.parse(&masked_nofin(0x1, b"partial"));
    drain(&mut d);
    assert_eq!(d.buffered_amount(), 7);
}

fn c_server() -> *mut ws_driver {
    let mut d = std::ptr::null_mut();
    assert_eq!(
        ws_driver_new_server(std::ptr::null(), &mut d),
        ws_result::Ok
    );
    let req = request("");
    assert_eq!(ws_parse(d, req.as_ptr(), req.len()), ws_result::Ok);
    assert_eq!(ws_start(d), ws_result::Ok);
    assert_eq!(ws_state(d), 1);
    d
}

fn take_all(d: *mut ws_driver) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65_536];
    loop {
        let mut n = 0;
        match ws_take_output(d, buf.as_mut_ptr(), buf.len(), &mut n) {
            ws_result::Ok => out.extend_from_slice(&buf[..n]),
            ws_result::Empty => return out,
            r => panic!("{r:?}"),
        }
    }
}

#[test]
fn ws_buffered_amount_for_backpressure() {
    let d = c_server();
    take_all(d);
    assert_eq!(ws_buffered_amount(d), 0);
    let data = vec![9u8; 1 << 20];
    for i in 1..=8 {
        assert_eq!(ws_binary(d, data.as_ptr(), data.len()), ws_result::Ok);
        assert_eq!(ws_buffered_amount(d), i * ((1 << 20) + 10));
    }
    // Taking part of the output lowers it by exactly that much.
    let mut buf = vec![0u8; 1000];
    let mut n = 0;
    assert_eq!(
        ws_take_output(d, buf.as_mut_ptr(), buf.len(), &mut n),
        ws_result::Ok
    );
    assert_eq!(n, 1000);
    assert_eq!(ws_buffered_amount(d), 8 * ((1 << 20) + 10) - 1000);
    let rest = take_all(d);
    assert_eq!(rest.len(), 8 * ((1 << 20) + 10) - 1000);
    assert_eq!(ws_buffered_amount(d), 0);
    assert_eq!(ws_buffered_amount(std::ptr::null()), 0);
    ws_driver_free(d);
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

#[test]
fn corrupt_deflate_stream_is_1010() {
    let (_client, mut server) = deflate_pair(1 << 20);
    // RSV1 text frame whose payload is not a deflate stream (reserved
    // block type 3).
    let out = run(
        &mut server,
        &[&raw_frame(0xC1, &[0xFF, 0xFF, 0xFF, 0xFF], Some(MASK))],
    );
    let ev = events(&out);
    assert!(
        matches!(&ev[0], Event::Error(e) if e.kind == ErrorKind::Extension && e.message.starts_with("permessage-deflate: ")),
        "{ev:?}"
    );
    assert!(
        matches!(
            &ev[1],
            Event::Close {
                code: Some(1010),
                ..
            }
        ),
        "{ev:?}"
    );
}
