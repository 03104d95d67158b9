//! Failing commands: each refusal has its precise result and error text.

use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

use crate::harness::*;

#[test]
fn command_failures_have_precise_results() {
    let h = open_server(Rec::default());
    let d = h.drv;
    assert_eq!(
        ws_text(d, b"\xff\xfe".as_ptr().cast(), 2),
        ws_result::InvalidUtf8
    );
    assert!(text_of(ws_last_error(d)).unwrap().contains("UTF-8"));
    let big = [7u8; 126];
    assert_eq!(
        ws_ping(d, big.as_ptr(), 126, None, null_mut()),
        ws_result::InvalidArgument
    );
    assert_eq!(ws_pong(d, big.as_ptr(), 126), ws_result::InvalidArgument);
    assert!(text_of(ws_last_error(d)).unwrap().contains("125"));
    assert_eq!(ws_close(d, 1005, null(), 0), ws_result::InvalidArgument);
    assert_eq!(ws_close(d, 70000, null(), 0), ws_result::InvalidArgument);
    assert_eq!(
        ws_close(d, 1000, big.as_ptr().cast(), 124),
        ws_result::InvalidArgument
    );
    assert_eq!(
        ws_close(d, 1000, b"\xff".as_ptr().cast(), 1),
        ws_result::InvalidUtf8
    );
    assert_eq!(ws_start(d), ws_result::InvalidState);
    assert_eq!(
        ws_set_header(d, cs(c"X-Late"), cs(c"1")),
        ws_result::InvalidState
    );
    assert!(h.rec().log.is_empty(), "{:?}", h.rec().log);
    assert_eq!(ws_close(d, 0, null(), 0), ws_result::Ok);
    assert_eq!(ws_close(d, 0, null(), 0), ws_result::InvalidState);
    assert_eq!(ws_text(d, cs(c"x"), 1), ws_result::InvalidState);
    assert_eq!(ws_binary(d, b"x".as_ptr(), 1), ws_result::InvalidState);
    assert_eq!(
        ws_ping(d, null(), 0, None, null_mut()),
        ws_result::InvalidState
    );
    assert!(
        text_of(ws_last_error(d))
            .unwrap()
            .contains("closing or closed")
    );
    assert_eq!(ws_transport_closed(d), ws_result::Ok);
    assert_eq!(
        h.rec().events().last(),
        Some(&Ev::Close(1006, String::new()))
    );
}

#[test]
fn queue_limit_and_headers_before_start() {
    let o = ws_options_new();
    assert_eq!(ws_options_set_max_queued(o, 1), ws_result::Ok);
    let drv = new_client(o, c"ws://example.com/");
    ws_options_free(o);
    assert_eq!(ws_set_header(drv, cs(c"X-A"), cs(c"1")), ws_result::Ok);
    assert_eq!(
        ws_set_header(drv, cs(c"x-a"), cs(c"2")),
        ws_result::InvalidArgument
    );
    assert_eq!(
        ws_set_header(drv, cs(c"X-B"), cs(c"1\r\nEvil: 1")),
        ws_result::InvalidArgument
    );
    assert_eq!(ws_text(drv, cs(c"q"), 1), ws_result::Ok);
    assert_eq!(ws_text(drv, cs(c"q"), 1), ws_result::LimitExceeded);
    assert_eq!(
        ws_ping(drv, null(), 0, None, null_mut()),
        ws_result::LimitExceeded
    );
    assert!(text_of(ws_last_error(drv)).unwrap().contains("max_queued"));
    assert_eq!(ws_start(drv), ws_result::Ok);
    assert_eq!(ws_start(drv), ws_result::InvalidState);
    assert_eq!(
        ws_set_header(drv, cs(c"X-C"), cs(c"1")),
        ws_result::InvalidState
    );
    ws_driver_free(drv);
}

#[test]
fn pending_ping_limit() {
    let o = ws_options_new();
    assert_eq!(ws_options_set_max_pending_pings(o, 1), ws_result::Ok);
    let h = open_server_with(o);
    ws_options_free(o);
    assert_eq!(
        ws_ping(h.drv, b"1".as_ptr(), 1, Some(pong_reply), null_mut()),
        ws_result::Ok
    );
    assert_eq!(
        ws_ping(h.drv, b"2".as_ptr(), 1, Some(pong_reply), null_mut()),
        ws_result::LimitExceeded
    );
    assert_eq!(
        ws_ping(h.drv, b"3".as_ptr(), 1, None, null_mut()),
        ws_result::Ok
    );
}

#[test]
fn hixie_drivers_refuse_binary_and_pings() {
    let names = [
        cs(c"Host"),
        cs(c"Upgrade"),
        cs(c"Connection"),
        cs(c"Origin"),
    ];
    let values = [
        cs(c"example.com"),
        cs(c"WebSocket"),
        cs(c"Upgrade"),
        cs(c"http://example.com"),
    ];
    let mut drv = null_mut();
    assert_eq!(
        ws_driver_new_rack(
            null(),
            cs(c"GET"),
            cs(c"/demo"),
            names.as_ptr(),
            values.as_ptr(),
            names.len(),
            null(),
            0,
            null(),
            &mut drv
        ),
        ws_result::Ok
    );
    assert_eq!(text_of(ws_driver_version(drv)).as_deref(), Some("hixie-75"));
    assert_eq!(ws_binary(drv, b"x".as_ptr(), 1), ws_result::NotSupported);
    assert_eq!(
        ws_ping(drv, null(), 0, None, null_mut()),
        ws_result::NotSupported
    );
    assert_eq!(ws_pong(drv, null(), 0), ws_result::NotSupported);
    assert_eq!(ws_start(drv), ws_result::Ok);
    assert_eq!(ws_text(drv, cs(c"hi"), 2), ws_result::Ok);
    let out = poll_all(drv);
    assert!(out.contains(&Ev::Write(b"\x00hi\xff".to_vec())), "{out:?}");
    assert_eq!(ws_close(drv, 0, null(), 0), ws_result::Ok);
    ws_driver_free(drv);
}

#[test]
fn failed_server_handshake() {
    let drv = new_server(null());
    let req = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    assert_eq!(ws_feed(drv, req.as_ptr(), req.len()), ws_result::Ok);
    assert_eq!(poll_all(drv), [Ev::Connect]);
    assert_eq!(ws_is_websocket(drv), 0);
    assert_eq!(ws_start(drv), ws_result::HandshakeFailed);
    let out = poll_all(drv);
    let Ev::Write(w) = &out[0] else {
        panic!("{out:?}")
    };
    assert!(w.starts_with(b"HTTP/1.1 400"));
    assert!(matches!(&out[1], Ev::Error(..)), "{out:?}");
    assert!(matches!(&out[2], Ev::Close(..)), "{out:?}");
    assert_eq!(ws_state(drv), WS_STATE_CLOSED);
    assert_eq!(ws_start(drv), ws_result::InvalidState);
    ws_driver_free(drv);

    // A hybi request without a key: codes 1002.
    let drv = new_server(null());
    let req = b"GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n";
    assert_eq!(
        ws_start(drv),
        ws_result::Ok,
        "deferred until the request is in"
    );
    assert_eq!(ws_feed(drv, req.as_ptr(), req.len()), ws_result::Ok);
    let out = poll_all(drv);
    assert_eq!(out[0], Ev::Connect);
    assert!(matches!(&out[1], Ev::Write(w) if w.starts_with(b"HTTP/1.1 400")));
    assert!(matches!(&out[2], Ev::Error(1002, _)), "{out:?}");
    assert!(matches!(&out[3], Ev::Close(1002, _)), "{out:?}");
    ws_driver_free(drv);
}

#[test]
fn protocol_error_reaches_on_error_then_on_close() {
    let h = open_server(Rec::default());
    // Unmasked client frame: servers require masking.
    assert_eq!(h.parse(&unmasked(1, b"x")), ws_result::Ok);
    let log = h.rec().log.clone();
    assert!(matches!(&log[0], Ev::Write(w) if w[0] == 0x88), "{log:?}");
    assert!(
        matches!(&log[1], Ev::Error(1003 | 1002, m) if !m.is_empty()),
        "{log:?}"
    );
    assert!(matches!(&log[2], Ev::Close(1003 | 1002, _)), "{log:?}");
    // Later input is ignored.
    assert_eq!(h.parse(&masked(1, b"late")), ws_result::Ok);
    assert_eq!(h.rec().log.len(), 3);
}

#[test]
fn start_refuses_a_draft_version_with_hybi_drafts_off() {
    let req = b"GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 8\r\n\r\n";
    let start = |drafts: i32| {
        let o = ws_options_new();
        assert_eq!(ws_options_set_hybi_drafts(o, drafts), ws_result::Ok);
        let drv = new_server(o);
        ws_options_free(o);
        assert_eq!(ws_feed(drv, req.as_ptr(), req.len()), ws_result::Ok);
        assert_eq!(poll_all(drv), [Ev::Connect]);
        let version = text_of(ws_driver_version(drv));
        let started = ws_start(drv);
        let out = poll_all(drv);
        ws_driver_free(drv);
        (version, started, out)
    };

    let (version, started, out) = start(1);
    assert_eq!(
        (version.as_deref(), started),
        (Some("hybi-8"), ws_result::Ok)
    );
    assert!(matches!(&out[0], Ev::Write(w) if w.starts_with(b"HTTP/1.1 101")));
    assert_eq!(out[1], Ev::Open);

    let (version, started, out) = start(0);
    let msg = "Unsupported WebSocket version: 13";
    assert_eq!(
        (version.as_deref(), started),
        (Some("hybi-13"), ws_result::HandshakeFailed)
    );
    assert!(matches!(&out[0], Ev::Write(w) if w.ends_with(msg.as_bytes())));
    assert_eq!(
        out[1..],
        [Ev::Error(1002, msg.into()), Ev::Close(1002, msg.into())]
    );
}
