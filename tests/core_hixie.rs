//! Hixie-75/76 framing: text frames, skipped length-prefixed frames,
//! hixie-76's closing frame, no ping/pong/binary. Expected bytes are the
//! websocket-driver gem's.
mod common;

use common::*;
use wsdriver::{Driver, ErrorKind, Options, ReadyState};

fn open75(opts: Options) -> Driver {
    let mut d = Driver::server(opts);
    assert_eq!(
        run(&mut d, &[H75.as_bytes()]),
        vec![connect(), w(H75_RESPONSE), open()]
    );
    d
}

fn open76() -> Driver {
    let mut d = Driver::server(Options::default());
    assert_eq!(
        run(&mut d, &[H76.as_bytes(), H76_BODY]),
        vec![connect(), w(H76_RESPONSE), w(H76_ANSWER), open()]
    );
    d
}

fn gets75(input: &[u8]) -> Vec<wsdriver::Action> {
    feed_all_ways(&|| open75(Options::default()), input)
}

fn gets76(input: &[u8]) -> Vec<wsdriver::Action> {
    feed_all_ways(&open76, input)
}

#[test]
fn text_frames() {
    assert_eq!(
        gets75(b"\x00one\xFF\x00two\xFF"),
        vec![text("one"), text("two")]
    );
    assert_eq!(gets76(b"\x00hi\xFF\x00\xFF"), vec![text("hi"), text("")]);
    // Any lead byte below 0x80 starts a text frame (the byte is dropped).
    assert_eq!(gets75(b"\x7Fx\xFF"), vec![text("x")]);
    // UTF-8 is not validated (the gem delivers the bytes as they are).
    assert_eq!(gets75(b"\x00\xC3\x28\xFF"), vec![text_bytes(b"\xC3\x28")]);
    let mut utf8 = b"\x00".to_vec();
    utf8.extend_from_slice("é😀".as_bytes());
    utf8.push(0xFF);
    assert_eq!(gets75(&utf8), vec![text("é😀")]);
}

#[test]
fn length_prefixed_frames_are_skipped() {
    assert_eq!(gets75(b"\x80\x03abc\x00x\xFF"), vec![text("x")]);
    // Lead 0x80, two length bytes: 0x81 0x01 = 129 bytes.
    let mut input = vec![0x80, 0x81, 0x01];
    input.extend(std::iter::repeat_n(b'z', 129));
    input.extend_from_slice(b"\x00y\xFF");
    assert_eq!(gets75(&input), vec![text("y")]);
    // A zero-length frame.
    assert_eq!(gets75(b"\x80\x00\x00ok\xFF"), vec![text("ok")]);
    // 0xFF inside a skipped body does not end it (node's behaviour).
    assert_eq!(gets75(b"\x80\x03a\xFFb\x00c\xFF"), vec![text("c")]);
    assert_eq!(gets76(b"\x80\x02\xFF\xFF\x00d\xFF"), vec![text("d")]);
}

#[test]
fn hixie76_closing_frame() {
    // Peer FF 00: answered with FF 00, close without code; rest dropped.
    assert_eq!(
        gets76(b"\x00a\xFF\xFF\x00\x00b\xFF"),
        vec![text("a"), w(b"\xFF\x00"), close_nil()]
    );
    let mut d = open76();
    run(&mut d, &[b"\xFF\x00"]);
    assert_eq!(d.state(), ReadyState::Closed);
    // In hixie-75, FF 00 is just an empty length-prefixed frame.
    assert_eq!(gets75(b"\xFF\x00\x00x\xFF"), vec![text("x")]);
}

#[test]
fn close_from_our_side() {
    let mut d = open76();
    d.close(None, "").unwrap();
    assert_eq!(drain(&mut d), vec![w(b"\xFF\x00"), close_nil()]);
    assert!(d.close(None, "").is_err());
    let mut d = open75(Options::default());
    d.close(Some(1000), "ignored").unwrap();
    assert_eq!(drain(&mut d), vec![close_nil()]);
    assert!(d.close(None, "").is_err());
    // hixie-76 before its handshake finished: no closing frame.
    let mut d = Driver::server(Options::default());
    run(&mut d, &[H76.as_bytes()]);
    d.close(Some(4000), "x").unwrap();
    assert_eq!(drain(&mut d), vec![close_nil()]);
}

#[test]
fn ping_pong_and_binary_are_unsupported() {
    for mut d in [open75(Options::default()), open76()] {
        assert!(d.ping(b"").is_err());
        assert!(d.ping_with_token(b"x", 1).is_err());
        assert!(d.pong(b"").is_err());
        assert!(d.binary(b"q").is_err());
        assert_eq!(drain(&mut d), vec![]);
    }
}

#[test]
fn sending_text() {
    let mut d = open75(Options::default());
    d.text("é").unwrap();
    d.text("raw").unwrap();
    d.text("").unwrap();
    assert_eq!(
        drain(&mut d),
        vec![w(b"\x00\xC3\xA9\xFF"), w(b"\x00raw\xFF"), w(b"\x00\xFF")]
    );
    let mut d = open76();
    d.text("yo").unwrap();
    assert_eq!(drain(&mut d), vec![w(b"\x00yo\xFF")]);
}

#[test]
fn no_send_after_close() {
    let mut d = open75(Options::default());
    d.close(None, "").unwrap();
    drain(&mut d);
    assert!(d.text("after").is_err());
    assert_eq!(drain(&mut d), vec![]);
    let mut d = open76();
    run(&mut d, &[b"\xFF\x00"]);
    assert!(d.text("x").is_err());
    assert_eq!(drain(&mut d), vec![]);
}

/// Issue 18 item 5: a frame over `max_length` closes the connection with an
/// error event first (the gem closes silently), text and length-prefixed
/// frames alike; hixie-76 also sends its closing frame.
#[test]
fn max_length_closes_with_an_error() {
    let o = Options {
        max_length: 3,
        ..Options::default()
    };
    let too_large = || error(ErrorKind::TooLarge, "WebSocket frame length too large");
    let make = || open75(o.clone());
    assert_eq!(
        feed_all_ways(&make, b"\x00abcd\xFF"),
        vec![too_large(), close_nil()]
    );
    assert_eq!(feed_all_ways(&make, b"\x00abc\xFF"), vec![text("abc")]);
    // Length-prefixed frames: decided by the length, even its last byte.
    assert_eq!(
        feed_all_ways(&make, b"\x80\x04"),
        vec![too_large(), close_nil()]
    );
    assert_eq!(
        feed_all_ways(&make, b"\x80\x81\x00"),
        vec![too_large(), close_nil()]
    );
    assert_eq!(
        feed_all_ways(&make, b"\x80\x03abc\x00x\xFF"),
        vec![text("x")]
    );
    // The example: rack hixie-75 with max_length 40.
    let o40 = Options {
        max_length: 40,
        ..Options::default()
    };
    let mut d = open75(o40);
    assert_eq!(
        run(&mut d, &[b"\x00", b"null\x00", b"byte\xff\xe6\xd7\x8c"]),
        vec![text("null\u{0}byte"), too_large(), close_nil()]
    );
    assert_eq!(d.state(), ReadyState::Closed);
    // hixie-76: the closing frame, then the error and the close event.
    let make76 = || {
        let mut d = Driver::server(o.clone());
        run(&mut d, &[H76.as_bytes(), H76_BODY]);
        d
    };
    assert_eq!(
        feed_all_ways(&make76, b"\x00abcd\xFF"),
        vec![too_large(), w(b"\xFF\x00"), close_nil()]
    );
}

#[test]
fn queued_text_flushed_on_open() {
    let make = || {
        let mut d = Driver::server(Options::default());
        // Before the request the protocol is unknown: all are queued, but
        // hixie only sends the text.
        d.binary(b"b").unwrap();
        d.pong(b"p").unwrap();
        d.text("q").unwrap();
        d
    };
    assert_eq!(
        feed_all_ways(&make, H75.as_bytes()),
        vec![connect(), w(H75_RESPONSE), w(b"\x00q\xFF"), open()]
    );
}
