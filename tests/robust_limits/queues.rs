//! Queues and output: messages queued before open, pending pings, and the
//! buffered output a host uses for backpressure (Rust and C API).

use wsdriver::ffi::*;
use wsdriver::{Action, CommandError, Event, Options};

use crate::common::c_api::{open_c_server, take_output};
use crate::common::*;
use crate::opts;

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
    let mut d = open_client_opts("ws://example.com/", opts(|o| o.max_pending_pings = 2));
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

#[test]
fn ws_buffered_amount_for_backpressure() {
    let d = open_c_server();
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
    let rest = take_output(d);
    assert_eq!(rest.len(), 8 * ((1 << 20) + 10) - 1000);
    assert_eq!(ws_buffered_amount(d), 0);
    assert_eq!(ws_buffered_amount(std::ptr::null()), 0);
    ws_driver_free(d);
}
