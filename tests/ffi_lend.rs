//! `ws_lend`: input the driver parses in place from the host's bytes as
//! the polls take actions. The same actions, batches and order as
//! `ws_feed`; input given during a lend goes after its unread rest; what a
//! lend leaves unread is stored when it ends, and the host's bytes are not
//! read afterwards. No I/O and no threads, so these run under Miri.

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

fn open_server() -> *mut ws_driver {
    let drv = server();
    feed(drv, &request(""));
    assert_eq!(poll_all(drv).len(), 3, "connect, response, open");
    drv
}

fn feed(drv: *mut ws_driver, data: &[u8]) {
    assert_eq!(ws_feed(drv, data.as_ptr(), data.len()), ws_result::Ok);
}

fn lend(drv: *mut ws_driver, data: &[u8]) {
    assert_eq!(ws_lend(drv, data.as_ptr(), data.len()), ws_result::Ok);
}

/// One `ws_poll_many` call: the batch, read while it is valid.
fn batch(drv: *mut ws_driver, cap: usize) -> Vec<Ev> {
    let mut out = vec![ws_action::empty(); cap];
    let mut n = usize::MAX;
    match ws_poll_many(drv, out.as_mut_ptr(), cap, &mut n) {
        ws_result::Empty => Vec::new(),
        ws_result::Ok => out[..n].iter().map(ev_of).collect(),
        other => panic!("ws_poll_many: {other:?}"),
    }
}

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

fn poll_one(drv: *mut ws_driver) -> Ev {
    let mut a = ws_action::empty();
    assert_eq!(ws_poll(drv, &mut a), ws_result::Ok);
    ev_of(&a)
}

fn message(bytes: &[u8]) -> Ev {
    Ev::Message(WS_MESSAGE_BINARY, bytes.to_vec())
}

/// A handshake, data messages of several sizes, control frames between
/// them, and a close.
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
fn lent_input_gives_the_same_batches_as_fed_input() {
    let input = mixed_input();
    for cap in [1, 2, 3, 64] {
        let fed = server();
        feed(fed, &input);
        let expected = batches(fed, cap);
        assert!(matches!(expected.concat().last(), Some(Ev::Close(1001, _))));
        let lent = server();
        lend(lent, &input);
        assert_eq!(batches(lent, cap), expected, "cap {cap}");
        ws_driver_free(fed);
        ws_driver_free(lent);
    }
}

#[test]
fn ws_poll_takes_lent_input_one_action_at_a_time() {
    let input = mixed_input();
    let fed = server();
    feed(fed, &input);
    let lent = server();
    lend(lent, &input);
    assert_eq!(poll_all(lent), poll_all(fed));
    ws_driver_free(fed);
    ws_driver_free(lent);
}

#[test]
fn lent_bytes_are_parsed_in_place_not_stored() {
    let drv = open_server();
    let mut input = Vec::new();
    for i in 0..4u8 {
        input.extend(masked(2, &[i; 1000]));
    }
    lend(drv, &input);
    assert_eq!(ws_buffered_amount(drv), 0);
    assert_eq!(poll_one(drv), message(&[0; 1000]));
    // Nothing of the rest was copied into the driver.
    assert_eq!(ws_buffered_amount(drv), 0);
    assert_eq!(batch(drv, 64), [1u8, 2, 3].map(|i| message(&[i; 1000])));
    assert!(batch(drv, 64).is_empty());
    ws_driver_free(drv);
}

#[test]
fn input_fed_during_a_lend_goes_after_its_unread_rest() {
    let drv = open_server();
    let mut input = masked(2, b"one");
    input.extend(masked(2, b"two"));
    input.extend(masked(2, b"three"));
    lend(drv, &input);
    assert_eq!(poll_one(drv), message(b"one"));
    feed(drv, &masked(2, b"four"));
    assert_eq!(
        poll_all(drv),
        [message(b"two"), message(b"three"), message(b"four")]
    );
    ws_driver_free(drv);
}

#[test]
fn input_read_during_a_lend_goes_after_its_unread_rest() {
    let drv = open_server();
    let mut input = masked(2, b"one");
    input.extend(masked(2, b"two"));
    lend(drv, &input);
    assert_eq!(poll_one(drv), message(b"one"));
    let more = masked(2, b"three");
    let mut used = 0;
    assert_eq!(
        ws_read(drv, more.as_ptr(), more.len(), &mut used),
        ws_result::Ok
    );
    assert_eq!(used, more.len(), "stored behind the lend's rest");
    assert_eq!(poll_all(drv), [message(b"two"), message(b"three")]);
    ws_driver_free(drv);
}

#[test]
fn a_second_lend_goes_after_the_first_ones_unread_rest() {
    let drv = open_server();
    let mut first = masked(2, b"one");
    first.extend(masked(2, b"two"));
    let second = masked(2, b"three");
    lend(drv, &first);
    assert_eq!(poll_one(drv), message(b"one"));
    lend(drv, &second);
    first.fill(0); // stored: the driver no longer reads it
    assert_eq!(poll_all(drv), [message(b"two"), message(b"three")]);
    ws_driver_free(drv);
}

#[test]
fn lend_end_stores_the_unread_rest_and_gives_the_bytes_back() {
    let drv = open_server();
    let mut input = masked(2, b"one");
    input.extend(masked(2, b"two"));
    input.extend(masked(2, b"three"));
    lend(drv, &input);
    assert_eq!(poll_one(drv), message(b"one"));
    assert_eq!(ws_lend_end(drv), ws_result::Ok);
    input.fill(0xff); // the host's again
    assert_eq!(poll_all(drv), [message(b"two"), message(b"three")]);
    assert_eq!(ws_lend_end(drv), ws_result::Ok, "nothing lent: no-op");
    ws_driver_free(drv);
}

#[test]
fn a_lend_behind_stored_input_is_stored_in_order() {
    let drv = open_server();
    let mut first = masked(2, b"one");
    first.extend(masked(2, b"two"));
    feed(drv, &first); // "two" stays stored until "one" is taken
    let mut second = masked(2, b"three");
    lend(drv, &second);
    second.fill(0); // stored: not read afterwards
    assert_eq!(
        poll_all(drv),
        [message(b"one"), message(b"two"), message(b"three")]
    );
    ws_driver_free(drv);
}

#[test]
fn a_lend_ending_inside_a_frame_is_completed_by_the_next_input() {
    let drv = open_server();
    let frames = [masked(2, &[1; 300]), masked(2, &[2; 300])].concat();
    let (head, tail) = frames.split_at(450);
    lend(drv, head);
    assert_eq!(batches(drv, 8), [vec![message(&[1; 300])]]);
    lend(drv, tail);
    assert_eq!(poll_all(drv), [message(&[2; 300])]);
    ws_driver_free(drv);
}

#[test]
fn a_lent_request_waits_for_start_with_the_frames_after_it() {
    let mut drv = null_mut();
    assert_eq!(ws_driver_new_server(null(), &mut drv), ws_result::Ok);
    let mut input = request("");
    input.extend(masked(2, b"early"));
    lend(drv, &input);
    assert_eq!(poll_all(drv), [Ev::Connect]);
    input.fill(0); // the frames after the request were stored
    assert_eq!(ws_start(drv), ws_result::Ok);
    let events: Vec<Ev> = poll_all(drv)
        .into_iter()
        .filter(|e| !matches!(e, Ev::Write(_)))
        .collect();
    assert_eq!(events, [Ev::Open, message(b"early")]);
    ws_driver_free(drv);
}

#[test]
fn ws_poll_queued_never_parses_lent_input() {
    let drv = open_server();
    let input = masked(2, b"one");
    lend(drv, &input);
    let mut a = ws_action::empty();
    assert_eq!(ws_poll_queued(drv, &mut a), ws_result::Empty);
    assert_eq!(poll_all(drv), [message(b"one")]);
    ws_driver_free(drv);
}

#[test]
fn ws_lend_checks_its_arguments() {
    let drv = open_server();
    assert_eq!(
        ws_lend(null_mut(), b"x".as_ptr(), 1),
        ws_result::NullParameter
    );
    assert_eq!(ws_lend(drv, null(), 1), ws_result::NullParameter);
    assert_eq!(ws_lend(drv, null(), 0), ws_result::Ok);
    assert_eq!(ws_lend_end(null_mut()), ws_result::NullParameter);
    ws_driver_free(drv);
}
