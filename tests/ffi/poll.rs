//! Without callbacks: `ws_feed`/`ws_read` + `ws_poll`, `ws_poll_queued`, output
//! taken with `ws_take_output`.

use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

use crate::harness::*;

/// Runs the same input through callbacks and through ws_feed/ws_poll.
#[test]
fn poll_order_matches_callback_order() {
    let mut input = REQUEST.to_vec();
    input.extend(masked(1, b"hello"));
    input.extend(masked(9, b"ping"));
    input.extend(masked(2, b"\x00\xff"));
    input.extend(masked(8, &[0x03, 0xe9, b'o', b'k']));

    let cb = harness(new_server(null()), Rec::default());
    assert_eq!(ws_start(cb.drv), ws_result::Ok);
    assert_eq!(cb.parse(&input), ws_result::Ok);

    let pull = new_server(null());
    assert_eq!(ws_start(pull), ws_result::Ok);
    assert_eq!(ws_feed(pull, input.as_ptr(), input.len()), ws_result::Ok);
    let polled = poll_all(pull);
    assert_eq!(polled, cb.rec().log);
    assert!(matches!(polled.last(), Some(Ev::Close(1001, r)) if r == "ok"));
    ws_driver_free(pull);
}

#[test]
fn poll_respects_struct_size() {
    let drv = new_server(null());
    assert_eq!(ws_feed(drv, REQUEST.as_ptr(), REQUEST.len()), ws_result::Ok);
    let mut a = ws_action::empty();
    a.struct_size = 4;
    assert_eq!(ws_poll(drv, &mut a), ws_result::InvalidArgument);
    assert!(text_of(ws_last_error(drv)).is_some());
    // An older, shorter struct: fields past its size are left alone.
    let mut a = ws_action::empty();
    a.token = 77;
    a.struct_size = u32::try_from(std::mem::offset_of!(ws_action, token)).unwrap();
    assert_eq!(ws_poll(drv, &mut a), ws_result::Ok);
    assert_eq!(a.kind, WS_ACTION_CONNECT);
    assert_eq!(a.token, 77);
    assert_eq!(
        a.struct_size,
        u32::try_from(std::mem::offset_of!(ws_action, token)).unwrap()
    );
    let mut a = ws_action::empty();
    assert_eq!(ws_poll(drv, &mut a), ws_result::Empty);
    assert_eq!(a.kind, 0, "nothing written when empty");
    ws_driver_free(drv);
}

#[test]
fn pull_style_ping_tokens() {
    let drv = new_server(null());
    assert_eq!(ws_start(drv), ws_result::Ok);
    assert_eq!(ws_feed(drv, REQUEST.as_ptr(), REQUEST.len()), ws_result::Ok);
    poll_all(drv);
    assert_eq!(
        ws_ping_token(drv, b"t".as_ptr(), 1, 1 << 63),
        ws_result::InvalidArgument
    );
    assert_eq!(ws_ping_token(drv, b"t".as_ptr(), 1, 42), ws_result::Ok);
    assert_eq!(poll_all(drv), [Ev::Write(unmasked(9, b"t"))]);
    let pong = masked(10, b"t");
    assert_eq!(ws_feed(drv, pong.as_ptr(), pong.len()), ws_result::Ok);
    assert_eq!(
        poll_all(drv),
        [Ev::PingAnswered(42), Ev::Pong(b"t".to_vec())]
    );
    ws_driver_free(drv);
}

/// A sender thread's view: `ws_poll_queued` hands out what a command
/// queued while the parser is between two events, and leaves the stored
/// input (the next messages) for `ws_poll`.
#[test]
fn poll_queued_takes_command_output_without_parsing_stored_input() {
    let drv = new_server(null());
    assert_eq!(ws_start(drv), ws_result::Ok);
    assert_eq!(ws_feed(drv, REQUEST.as_ptr(), REQUEST.len()), ws_result::Ok);
    poll_all(drv);
    let mut input = masked(1, b"one");
    input.extend(masked(1, b"two"));
    assert_eq!(ws_feed(drv, input.as_ptr(), input.len()), ws_result::Ok);
    let mut a = ws_action::empty();
    assert_eq!(ws_poll(drv, &mut a), ws_result::Ok);
    assert_eq!(ev_of(&a), Ev::Message(WS_MESSAGE_TEXT, b"one".to_vec()));
    assert_eq!(ws_poll_queued(drv, &mut a), ws_result::Empty);
    assert_eq!(ws_text(drv, c"sent".as_ptr(), 4), ws_result::Ok);
    assert_eq!(ws_poll_queued(drv, &mut a), ws_result::Ok);
    assert_eq!(ev_of(&a), Ev::Write(unmasked(1, b"sent")));
    assert_eq!(ws_poll_queued(drv, &mut a), ws_result::Empty);
    assert_eq!(
        poll_all(drv),
        [Ev::Message(WS_MESSAGE_TEXT, b"two".to_vec())]
    );
    ws_driver_free(drv);
}

#[test]
fn take_output_and_buffered_amount() {
    let drv = new_server(null());
    let mut buf = [0u8; 8];
    let mut n = 99usize;
    assert_eq!(
        ws_take_output(drv, buf.as_mut_ptr(), 8, &mut n),
        ws_result::Empty
    );
    assert_eq!(n, 99, "untouched when empty");
    // No callbacks at all: ws_parse delivers, events are dropped, writes
    // collect in the driver.
    assert_eq!(ws_start(drv), ws_result::Ok);
    assert_eq!(
        ws_parse(drv, REQUEST.as_ptr(), REQUEST.len()),
        ws_result::Ok
    );
    let pending = ws_buffered_amount(drv);
    assert!(pending > 100, "{pending}");
    assert_eq!(
        ws_take_output(drv, buf.as_mut_ptr(), 0, &mut n),
        ws_result::BufferTooSmall
    );
    let mut all = Vec::new();
    while ws_take_output(drv, buf.as_mut_ptr(), buf.len(), &mut n) == ws_result::Ok {
        assert!(n > 0 && n <= 8);
        all.extend_from_slice(&buf[..n]);
    }
    assert_eq!(all.len(), pending);
    assert!(response_head(&all).starts_with("HTTP/1.1 101"));
    assert_eq!(ws_buffered_amount(drv), 0);
    // A command from the host's code with no callbacks waits in the queue
    // (for ws_poll), counts as buffered, and ws_take_output delivers it.
    assert_eq!(ws_text(drv, cs(c"hey"), 3), ws_result::Ok);
    assert_eq!(ws_buffered_amount(drv), 5);
    let mut big = [0u8; 64];
    assert_eq!(
        ws_take_output(drv, big.as_mut_ptr(), 64, &mut n),
        ws_result::Ok
    );
    assert_eq!(big[..n], unmasked(1, b"hey"));
    ws_driver_free(drv);
}

#[test]
fn commands_deliver_at_once_with_callbacks() {
    let h = open_server(Rec::default());
    assert_eq!(ws_text(h.drv, cs(c"now"), 3), ws_result::Ok);
    assert_eq!(h.rec().log, [Ev::Write(unmasked(1, b"now"))]);
    assert_eq!(ws_buffered_amount(h.drv), 0);
}

#[test]
fn read_parses_in_place_and_reports_what_it_used() {
    // Bytes after the request head are body, visible at connect.
    let drv = new_server(null());
    let mut input = REQUEST.to_vec();
    input.extend_from_slice(b"BODY");
    let mut used = 0usize;
    assert_eq!(
        ws_read(null_mut(), input.as_ptr(), input.len(), &mut used),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_read(drv, input.as_ptr(), input.len(), null_mut()),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_read(drv, input.as_ptr(), input.len(), &mut used),
        ws_result::Ok
    );
    assert_eq!(used, input.len());
    let (mut body, mut body_len) = (null(), 0usize);
    assert_eq!(
        ws_request_body(drv, &mut body, &mut body_len),
        ws_result::Ok
    );
    assert_eq!(bytes(body, body_len), b"BODY");
    assert_eq!(poll_all(drv), [Ev::Connect]);
    ws_driver_free(drv);

    let drv = new_server(null());
    assert_eq!(
        ws_read(drv, REQUEST.as_ptr(), REQUEST.len(), &mut used),
        ws_result::Ok
    );
    assert_eq!(used, REQUEST.len());
    assert_eq!(poll_all(drv), [Ev::Connect]);
    assert_eq!(ws_start(drv), ws_result::Ok);
    poll_all(drv);
    // Two frames in one buffer: the first read stops after the first message.
    let mut frames = masked(0x1, b"one");
    frames.extend(masked(0x1, b"two"));
    assert_eq!(
        ws_read(drv, frames.as_ptr(), frames.len(), &mut used),
        ws_result::Ok
    );
    assert_eq!(used, 9);
    // With an action waiting, input is stored whole, in order.
    assert_eq!(
        ws_read(drv, frames[9..].as_ptr(), frames.len() - 9, &mut used),
        ws_result::Ok
    );
    assert_eq!(used, frames.len() - 9);
    assert_eq!(
        poll_all(drv),
        [
            Ev::Message(WS_MESSAGE_TEXT, b"one".to_vec()),
            Ev::Message(WS_MESSAGE_TEXT, b"two".to_vec())
        ]
    );
    ws_driver_free(drv);
}
