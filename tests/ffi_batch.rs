//! `ws_poll_many`, the batched pull call: the same actions in the same
//! order as `ws_poll`, several per call, and batches that never move a
//! close, an error or a ping ahead of the host's reaction to earlier
//! messages. No I/O and no threads, so these run under Miri.

mod common;
// The recording callbacks are not used here; the fixtures are.
#[allow(dead_code, unused_imports)]
#[path = "ffi/harness.rs"]
mod harness;

use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

use common::{masked, request};
use harness::{Ev, ev_of, poll_all};

fn server() -> *mut ws_driver {
    let mut drv = null_mut();
    assert_eq!(ws_driver_new_server(null(), &mut drv), ws_result::Ok);
    assert_eq!(ws_start(drv), ws_result::Ok);
    drv
}

fn feed(drv: *mut ws_driver, data: &[u8]) {
    assert_eq!(ws_feed(drv, data.as_ptr(), data.len()), ws_result::Ok);
}

/// One `ws_poll_many` call: the batch, read while it is valid.
fn batch(drv: *mut ws_driver, cap: usize) -> Vec<Ev> {
    let mut out = vec![ws_action::empty(); cap];
    let mut n = usize::MAX;
    match ws_poll_many(drv, out.as_mut_ptr(), cap, &mut n) {
        ws_result::Empty => {
            assert_eq!(n, 0);
            Vec::new()
        }
        ws_result::Ok => {
            assert!((1..=cap).contains(&n));
            out[..n].iter().map(ev_of).collect()
        }
        other => panic!("ws_poll_many: {other:?}"),
    }
}

/// Every action, batch by batch.
fn batches(drv: *mut ws_driver, cap: usize) -> Vec<Vec<Ev>> {
    let mut all = Vec::new();
    loop {
        let b = batch(drv, cap);
        if b.is_empty() {
            return all;
        }
        all.push(b);
    }
}

fn mixed_input() -> Vec<u8> {
    let mut input = request("");
    for i in 0..40u8 {
        input.extend(masked(2, &[i; 3]));
    }
    input.extend(masked(1, "héllo".as_bytes()));
    input.extend(masked(9, b"ping"));
    input.extend(masked(2, &[7; 3000]));
    input.extend(masked(1, b""));
    input.extend(masked(10, b"pong"));
    for i in 0..6u8 {
        input.extend(masked(2, &[i; 700]));
    }
    input.extend(masked(8, &[0x03, 0xe9, b'o', b'k']));
    input
}

#[test]
fn batches_give_the_same_actions_in_the_same_order_as_ws_poll() {
    let input = mixed_input();
    let one = server();
    feed(one, &input);
    let expected = poll_all(one);
    assert!(matches!(expected.last(), Some(Ev::Close(1001, _))));
    for cap in [1, 2, 3, 64] {
        let drv = server();
        feed(drv, &input);
        let got: Vec<Ev> = batches(drv, cap).concat();
        assert_eq!(got, expected, "cap {cap}");
        ws_driver_free(drv);
    }
    ws_driver_free(one);
}

#[test]
fn a_batch_holds_many_small_messages() {
    let drv = server();
    feed(drv, &request(""));
    assert_eq!(batch(drv, 8).len(), 3, "connect, response, open");
    let mut input = Vec::new();
    for i in 0..100u8 {
        input.extend(masked(2, &[i; 16]));
    }
    feed(drv, &input);
    let all = batches(drv, 64);
    assert!(all.len() <= 3, "{} calls for 100 messages", all.len());
    let messages: Vec<Ev> = all.concat();
    assert_eq!(messages.len(), 100);
    for (i, m) in messages.iter().enumerate() {
        assert_eq!(*m, Ev::Message(WS_MESSAGE_BINARY, vec![i as u8; 16]));
    }
    ws_driver_free(drv);
}

#[test]
fn large_messages_are_lent_without_copying_and_end_the_batch_when_the_buffers_are_out() {
    let drv = server();
    feed(drv, &request(""));
    batches(drv, 8);
    let mut input = Vec::new();
    for i in 0..6u8 {
        input.extend(masked(2, &[i; 5000]));
    }
    feed(drv, &input);
    let all = batches(drv, 64);
    assert_eq!(all.iter().map(Vec::len).collect::<Vec<_>>(), [4, 2]);
    for (i, m) in all.concat().iter().enumerate() {
        assert_eq!(*m, Ev::Message(WS_MESSAGE_BINARY, vec![i as u8; 5000]));
    }
    ws_driver_free(drv);
}

/// The echo a host sends for the messages of a batch goes out before the
/// driver's answer to a close that followed them, as with `ws_poll`.
#[test]
fn a_batch_stops_before_a_close_so_replies_to_earlier_messages_go_first() {
    let drv = server();
    feed(drv, &request(""));
    batches(drv, 8);
    let mut input = masked(2, b"one");
    input.extend(masked(2, b"two"));
    input.extend(masked(8, &[0x03, 0xe8]));
    feed(drv, &input);
    let first = batch(drv, 64);
    assert_eq!(
        first,
        [
            Ev::Message(WS_MESSAGE_BINARY, b"one".to_vec()),
            Ev::Message(WS_MESSAGE_BINARY, b"two".to_vec())
        ]
    );
    for m in [b"one", b"two"] {
        assert_eq!(ws_binary(drv, m.as_ptr(), m.len()), ws_result::Ok);
    }
    let rest = batches(drv, 64).concat();
    assert_eq!(
        rest,
        [
            Ev::Write(vec![0x82, 3, b'o', b'n', b'e']),
            Ev::Write(vec![0x82, 3, b't', b'w', b'o']),
            Ev::Write(vec![0x88, 2, 0x03, 0xe8]),
            Ev::Close(1000, String::new()),
        ]
    );
    ws_driver_free(drv);
}

#[test]
fn a_batch_stops_before_a_frame_that_fails_and_before_a_ping() {
    let drv = server();
    feed(drv, &request(""));
    batches(drv, 8);
    let mut input = masked(1, b"ok");
    input.extend(masked(9, b"p"));
    input.extend(masked(1, b"fine"));
    input.extend(masked(1, &[0xff, 0xfe]));
    feed(drv, &input);
    assert_eq!(
        batch(drv, 64),
        [Ev::Message(WS_MESSAGE_TEXT, b"ok".to_vec())]
    );
    let second = batch(drv, 64);
    assert_eq!(second[0], Ev::Write(vec![0x8a, 1, b'p']));
    assert_eq!(second[1], Ev::Ping(b"p".to_vec()));
    assert_eq!(second[2], Ev::Message(WS_MESSAGE_TEXT, b"fine".to_vec()));
    assert_eq!(second.len(), 3, "the invalid text waits for the next call");
    // A reply to "fine" is still accepted before the error closes.
    assert_eq!(ws_text(drv, c"re".as_ptr(), 2), ws_result::Ok);
    let third = batches(drv, 64).concat();
    assert_eq!(third[0], Ev::Write(vec![0x81, 2, b'r', b'e']));
    assert!(
        third.iter().any(|e| matches!(e, Ev::Error(1007, _))),
        "{third:?}"
    );
    ws_driver_free(drv);
}

#[test]
fn ws_poll_many_checks_its_arguments() {
    let drv = server();
    feed(drv, &request(""));
    let mut out = [ws_action::empty(); 4];
    let mut n = 0;
    assert_eq!(
        ws_poll_many(null_mut(), out.as_mut_ptr(), 4, &mut n),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_poll_many(drv, null_mut(), 4, &mut n),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_poll_many(drv, out.as_mut_ptr(), 4, null_mut()),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_poll_many(drv, out.as_mut_ptr(), 0, &mut n),
        ws_result::InvalidArgument
    );
    out[0].struct_size = 4;
    assert_eq!(
        ws_poll_many(drv, out.as_mut_ptr(), 4, &mut n),
        ws_result::InvalidArgument
    );
    ws_driver_free(drv);
}

/// A host built against a shorter `ws_action` passes arrays of that
/// stride: each element is written at its place, nothing past its size.
#[test]
fn an_older_shorter_ws_action_is_written_at_its_own_stride() {
    let drv = server();
    feed(drv, &request(""));
    let short = std::mem::offset_of!(ws_action, token);
    let mut raw = vec![0xAAu8; short * 3 + 8];
    raw[..4].copy_from_slice(&u32::try_from(short).unwrap().to_ne_bytes());
    let mut n = 0;
    assert_eq!(
        ws_poll_many(drv, raw.as_mut_ptr().cast(), 3, &mut n),
        ws_result::Ok
    );
    assert_eq!(n, 3);
    let kinds: Vec<u32> = (0..3)
        .map(|i| {
            let at = i * short + std::mem::offset_of!(ws_action, kind);
            u32::from_ne_bytes(raw[at..at + 4].try_into().unwrap())
        })
        .collect();
    assert_eq!(kinds, [WS_ACTION_CONNECT, WS_ACTION_WRITE, WS_ACTION_OPEN]);
    assert!(
        raw[short * 3..].iter().all(|&b| b == 0xAA),
        "past the array"
    );
    ws_driver_free(drv);
}
