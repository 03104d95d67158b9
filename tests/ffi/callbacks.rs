//! The server handshake through callbacks, and reentrant calls from inside them:
//! commands, free, stop, input fed from a callback.

use std::ffi::{c_int, c_void};
use std::ptr::{self, null, null_mut};

use wsdriver::ffi::*;

use crate::harness::*;

#[test]
fn server_handshake_then_echo_from_on_message() {
    let h = harness(
        new_server(null()),
        Rec {
            start_on_connect: true,
            echo: true,
            ..Rec::default()
        },
    );
    let mut input = REQUEST.to_vec();
    input.extend(masked(1, b"hello"));
    input.extend(masked(2, &[0, 1, 2]));
    assert_eq!(h.parse(&input), ws_result::Ok);
    let r = h.rec();
    assert_eq!(r.inner, vec![ws_result::Ok; 3]);
    let log = r.log.clone();
    let Ev::Write(response) = &log[1] else {
        panic!("{log:?}")
    };
    let head = String::from_utf8(response.clone()).unwrap();
    assert!(
        head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{head}"
    );
    assert!(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    assert_eq!(
        log[2..],
        [
            Ev::Open,
            Ev::Message(WS_MESSAGE_TEXT, b"hello".to_vec()),
            Ev::Write(unmasked(1, b"hello")),
            Ev::Message(WS_MESSAGE_BINARY, vec![0, 1, 2]),
            Ev::Write(unmasked(2, &[0, 1, 2])),
        ]
    );
    assert_eq!(log[0], Ev::Connect);
}

#[test]
fn byte_by_byte_input_gives_the_same_log() {
    let mut input = REQUEST.to_vec();
    input.extend(masked(1, b"split me"));
    input.extend(masked(9, b"p"));
    input.extend(masked(8, &[0x03, 0xe8]));
    let whole = harness(
        new_server(null()),
        Rec {
            start_on_connect: true,
            ..Rec::default()
        },
    );
    assert_eq!(whole.parse(&input), ws_result::Ok);
    let bytewise = harness(
        new_server(null()),
        Rec {
            start_on_connect: true,
            ..Rec::default()
        },
    );
    for b in &input {
        assert_eq!(bytewise.parse(std::slice::from_ref(b)), ws_result::Ok);
    }
    assert_eq!(whole.rec().log, bytewise.rec().log);
    assert_eq!(
        whole.rec().events().last(),
        Some(&Ev::Close(1000, String::new()))
    );
}

#[test]
fn close_from_on_open() {
    let h = harness(
        new_server(null()),
        Rec {
            start_on_connect: true,
            close_on_open: true,
            ..Rec::default()
        },
    );
    assert_eq!(h.parse(REQUEST), ws_result::Ok);
    assert_eq!(ws_state(h.drv), WS_STATE_CLOSING);
    let r = h.rec();
    assert_eq!(r.inner, vec![ws_result::Ok, ws_result::Ok]);
    let mut close = vec![0x0f, 0xa0];
    close.extend_from_slice(b"bye");
    assert_eq!(r.log[2..], [Ev::Open, Ev::Write(unmasked(8, &close))]);
    // The peer answers: the close event arrives with its code.
    assert_eq!(h.parse(&masked(8, &close)), ws_result::Ok);
    assert_eq!(h.rec().log.last(), Some(&Ev::Close(4000, "bye".into())));
    assert_eq!(ws_state(h.drv), WS_STATE_CLOSED);
}

#[test]
fn ping_from_on_pong_and_pong_reply_callbacks() {
    let h = open_server(Rec {
        ping_on_pong: 1,
        ..Rec::default()
    });
    // A ping with a reply callback, sent from the host's own code: the
    // write is delivered before ws_ping returns.
    assert_eq!(
        ws_ping(h.drv, b"abc".as_ptr(), 3, Some(pong_reply_rec), h.user()),
        ws_result::Ok
    );
    assert_eq!(h.rec().log, [Ev::Write(unmasked(9, b"abc"))]);
    h.rec().log.clear();
    // Unrelated pong: no reply callback, but the pong callback pings again.
    assert_eq!(h.parse(&masked(10, b"zzz")), ws_result::Ok);
    assert_eq!(
        h.rec().log,
        [Ev::Pong(b"zzz".to_vec()), Ev::Write(unmasked(9, b"again"))]
    );
    h.rec().log.clear();
    assert_eq!(h.parse(&masked(10, b"abc")), ws_result::Ok);
    assert_eq!(
        h.rec().log,
        [Ev::PingAnswered(u64::MAX), Ev::Pong(b"abc".to_vec())]
    );
    assert_eq!(h.rec().pong_replies.len(), 1);
    // Called once only.
    assert_eq!(h.parse(&masked(10, b"abc")), ws_result::Ok);
    assert_eq!(h.rec().pong_replies.len(), 1);
    assert_eq!(h.rec().inner, vec![ws_result::Ok]);

    // Incoming pings are answered automatically, then reported.
    h.rec().log.clear();
    assert_eq!(h.parse(&masked(9, b"hi")), ws_result::Ok);
    assert_eq!(
        h.rec().log,
        [Ev::Write(unmasked(10, b"hi")), Ev::Ping(b"hi".to_vec())]
    );
    // A reply callback with a non-pointer user value.
    assert_eq!(
        ws_ping(
            h.drv,
            null(),
            0,
            Some(pong_reply),
            ptr::without_provenance_mut(7)
        ),
        ws_result::Ok
    );
    assert_eq!(h.parse(&masked(10, b"")), ws_result::Ok);
}

#[test]
fn free_inside_a_callback_is_deferred() {
    let h = open_server(Rec {
        free_on_message: true,
        ..Rec::default()
    });
    let mut input = masked(1, b"one");
    input.extend(masked(1, b"two"));
    // The callback frees the driver; the call returns normally and the
    // second message is never delivered.
    assert_eq!(h.parse(&input), ws_result::Ok);
    assert_eq!(
        h.rec().events(),
        [Ev::Message(WS_MESSAGE_TEXT, b"one".to_vec())]
    );
    assert_eq!(h.rec().inner, vec![ws_result::InvalidState]);
    h.freed();
}

unsafe extern "C" fn free_on_write(
    _: *mut c_void,
    drv: *mut ws_driver,
    _: *const u8,
    _: usize,
) -> c_int {
    ws_driver_free(drv);
    0
}

#[test]
fn free_inside_write_callback_of_a_command() {
    let h = open_server(Rec::default());
    assert_eq!(
        ws_on_write(h.drv, Some(free_on_write), null_mut()),
        ws_result::Ok
    );
    assert_eq!(ws_text(h.drv, cs(c"x"), 1), ws_result::Ok);
    h.freed();
}

#[test]
fn callback_stop_keeps_input_for_the_next_parse() {
    let h = open_server(Rec {
        stop_on_messages: vec![1, 3],
        ..Rec::default()
    });
    let mut input = Vec::new();
    for m in [&b"m1"[..], b"m2", b"m3", b"m4"] {
        input.extend(masked(1, m));
    }
    assert_eq!(h.parse(&input), ws_result::CallbackStopped);
    let msg = |s: &[u8]| Ev::Message(WS_MESSAGE_TEXT, s.to_vec());
    assert_eq!(h.rec().events(), [msg(b"m1")]);
    assert!(ws_buffered_amount(h.drv) > 0);
    // New input is parsed after what was kept.
    assert_eq!(h.parse(&masked(1, b"m5")), ws_result::CallbackStopped);
    assert_eq!(h.rec().events(), [msg(b"m1"), msg(b"m2"), msg(b"m3")]);
    assert_eq!(h.parse(&[]), ws_result::Ok);
    assert_eq!(
        h.rec().events(),
        [msg(b"m1"), msg(b"m2"), msg(b"m3"), msg(b"m4"), msg(b"m5")]
    );
    assert_eq!(ws_buffered_amount(h.drv), 0);
}

#[test]
fn callback_stop_then_poll_resumes() {
    let h = open_server(Rec {
        stop_on_messages: vec![1],
        ..Rec::default()
    });
    let mut input = masked(1, b"a");
    input.extend(masked(9, b"p"));
    assert_eq!(h.parse(&input), ws_result::CallbackStopped);
    assert_eq!(
        poll_all(h.drv),
        [Ev::Write(unmasked(10, b"p")), Ev::Ping(b"p".to_vec())]
    );
}

#[test]
fn input_fed_from_a_callback_comes_after_the_running_input() {
    let h = open_server(Rec {
        feed_on_first_message: masked(1, b"m3"),
        ..Rec::default()
    });
    let mut input = masked(1, b"m1");
    input.extend(masked(1, b"m2"));
    assert_eq!(h.parse(&input), ws_result::Ok);
    let msg = |s: &[u8]| Ev::Message(WS_MESSAGE_TEXT, s.to_vec());
    assert_eq!(h.rec().events(), [msg(b"m1"), msg(b"m2"), msg(b"m3")]);
    assert_eq!(h.rec().inner, [ws_result::Ok]);
}

#[test]
fn input_fed_from_a_stopping_callback_is_kept_in_order() {
    let h = open_server(Rec {
        feed_on_first_message: masked(1, b"m3"),
        stop_on_messages: vec![1],
        ..Rec::default()
    });
    let mut input = masked(1, b"m1");
    input.extend(masked(1, b"m2"));
    assert_eq!(h.parse(&input), ws_result::CallbackStopped);
    let msg = |s: &[u8]| Ev::Message(WS_MESSAGE_TEXT, s.to_vec());
    assert_eq!(h.rec().events(), [msg(b"m1")]);
    assert_eq!(h.parse(&masked(1, b"m4")), ws_result::Ok);
    assert_eq!(
        h.rec().events(),
        [msg(b"m1"), msg(b"m2"), msg(b"m3"), msg(b"m4")]
    );
}
