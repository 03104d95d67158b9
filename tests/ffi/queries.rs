//! Queries: request details, the Rack driver, returned strings' lifetime, last error.

use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

use crate::harness::*;

#[test]
fn server_queries() {
    let drv = new_server(null());
    assert!(ws_request_method(drv).is_null());
    assert!(ws_driver_version(drv).is_null());
    assert!(ws_url(drv).is_null());
    assert_eq!(ws_header_count(drv), 0);
    let mut input = REQUEST.to_vec();
    input.extend_from_slice(b"early bytes");
    assert_eq!(ws_feed(drv, input.as_ptr(), input.len()), ws_result::Ok);
    assert_eq!(poll_all(drv), [Ev::Connect]);
    assert_eq!(text_of(ws_request_method(drv)).as_deref(), Some("GET"));
    assert_eq!(text_of(ws_request_path(drv)).as_deref(), Some("/chat"));
    assert_eq!(
        text_of(ws_request_query(drv)).as_deref(),
        Some("room=1&x=y")
    );
    assert_eq!(text_of(ws_driver_version(drv)).as_deref(), Some("hybi-13"));
    assert_eq!(
        text_of(ws_url(drv)).as_deref(),
        Some("ws://example.com/chat?room=1&x=y")
    );
    assert_eq!(ws_is_websocket(drv), 1);
    assert_eq!(ws_status(drv), 0);
    assert!(ws_protocol(drv).is_null());
    assert_eq!(ws_header_count(drv), 7);
    let (mut name, mut value) = (null(), null());
    assert_eq!(ws_header_at(drv, 0, &mut name, &mut value), ws_result::Ok);
    assert_eq!(text_of(name).as_deref(), Some("Host"));
    assert_eq!(text_of(value).as_deref(), Some("example.com"));
    assert_eq!(
        ws_header_at(drv, 7, &mut name, &mut value),
        ws_result::InvalidArgument
    );
    assert_eq!(
        text_of(ws_header(drv, cs(c"x-custom"))).as_deref(),
        Some("one")
    );
    assert!(ws_header(drv, cs(c"X-Missing")).is_null());
    // The same query twice gives the same pointer (no growth).
    assert_eq!(ws_header(drv, cs(c"Host")), ws_header(drv, cs(c"HOST")));
    // Body bytes (after the head, before the handshake is answered).
    poll_all(drv);
    let (mut data, mut len) = (null(), 0usize);
    assert_eq!(ws_request_body(drv, &mut data, &mut len), ws_result::Ok);
    assert_eq!(bytes(data, len), b"early bytes");
    ws_driver_free(drv);
}

#[test]
fn rack_driver_queries_and_handshake() {
    let names = [
        cs(c"Host"),
        cs(c"Upgrade"),
        cs(c"Connection"),
        cs(c"Sec-WebSocket-Key"),
        cs(c"Sec-WebSocket-Version"),
    ];
    let key = std::ffi::CString::new(KEY).unwrap();
    let values = [
        cs(c"example.com"),
        cs(c"websocket"),
        cs(c"Upgrade"),
        key.as_ptr(),
        cs(c"13"),
    ];
    let mut drv = null_mut();
    assert_eq!(
        ws_driver_new_rack(
            null(),
            cs(c"GET"),
            cs(c"/r?a=b"),
            names.as_ptr(),
            values.as_ptr(),
            names.len(),
            null(),
            0,
            cs(c"ws://example.com/r?a=b"),
            &mut drv
        ),
        ws_result::Ok
    );
    let h = harness(drv, Rec::default());
    assert_eq!(text_of(ws_request_method(drv)).as_deref(), Some("GET"));
    assert_eq!(text_of(ws_request_query(drv)).as_deref(), Some("a=b"));
    assert_eq!(
        text_of(ws_url(drv)).as_deref(),
        Some("ws://example.com/r?a=b")
    );
    assert_eq!(ws_header_count(drv), 5);
    let (mut data, mut len) = (null(), 1usize);
    assert_eq!(ws_request_body(drv, &mut data, &mut len), ws_result::Ok);
    assert!(!data.is_null());
    assert_eq!(len, 0);
    assert_eq!(
        ws_set_header(drv, cs(c"X-Server"), cs(c"rack")),
        ws_result::Ok
    );
    assert_eq!(ws_start(drv), ws_result::Ok);
    let head = response_head(&h.rec().writes());
    assert!(head.contains("X-Server: rack\r\n"), "{head}");
    assert_eq!(h.rec().events(), [Ev::Open]);

    // Strings that are not UTF-8 are refused.
    let mut other = null_mut();
    assert_eq!(
        ws_driver_new_rack(
            null(),
            cs(c"G\xffT"),
            cs(c"/"),
            null(),
            null(),
            0,
            null(),
            0,
            null(),
            &mut other
        ),
        ws_result::InvalidArgument
    );
}

#[test]
fn returned_strings_survive_until_the_next_change() {
    let drv = new_server(null());
    assert_eq!(ws_feed(drv, REQUEST.as_ptr(), REQUEST.len()), ws_result::Ok);
    let method = ws_request_method(drv);
    let path = ws_request_path(drv);
    let version = ws_driver_version(drv);
    // Several queries in a row: all pointers stay readable.
    assert_eq!(text_of(method).as_deref(), Some("GET"));
    assert_eq!(text_of(path).as_deref(), Some("/chat"));
    assert_eq!(text_of(version).as_deref(), Some("hybi-13"));
    ws_driver_free(drv);
}

#[test]
fn last_error_is_per_driver() {
    let a = new_client(null(), c"ws://example.com/");
    let b = new_client(null(), c"ws://example.com/");
    assert!(ws_last_error(a).is_null());
    assert_eq!(ws_start(a), ws_result::Ok);
    assert_eq!(ws_start(a), ws_result::InvalidState);
    let msg = text_of(ws_last_error(a)).unwrap();
    assert!(msg.contains("already started"), "{msg}");
    assert!(ws_last_error(b).is_null());
    // Success does not clear it.
    assert_eq!(ws_text(a, cs(c"x"), 1), ws_result::Ok);
    assert_eq!(text_of(ws_last_error(a)).unwrap(), msg);
    ws_driver_free(a);
    ws_driver_free(b);
}
