//! The extended CONNECT mode (RFC 8441 / RFC 9220) through the C API:
//! header fields in as name/value arrays, out through
//! `ws_extended_field_count`/`_at`, DATA through `ws_feed`/`ws_poll`.
//! No I/O and no threads, so these run under Miri.

use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

/// NUL-terminated copies of `fields` and the pointer arrays over them.
struct CFields {
    _strings: Vec<CString>,
    names: Vec<*const c_char>,
    values: Vec<*const c_char>,
}

fn c_fields(fields: &[(&str, &str)]) -> CFields {
    let strings: Vec<CString> = fields
        .iter()
        .flat_map(|(n, v)| [CString::new(*n).unwrap(), CString::new(*v).unwrap()])
        .collect();
    let names = strings.iter().step_by(2).map(|s| s.as_ptr()).collect();
    let values = strings
        .iter()
        .skip(1)
        .step_by(2)
        .map(|s| s.as_ptr())
        .collect();
    CFields {
        _strings: strings,
        names,
        values,
    }
}

const REQUEST: &[(&str, &str)] = &[
    (":method", "CONNECT"),
    (":protocol", "websocket"),
    (":scheme", "https"),
    (":authority", "example.com"),
    (":path", "/chat"),
    ("sec-websocket-version", "13"),
    ("sec-websocket-extensions", "permessage-deflate"),
];

fn server(fields: &[(&str, &str)]) -> *mut ws_driver {
    let f = c_fields(fields);
    let mut drv = null_mut();
    let r = ws_driver_new_extended_server(
        null(),
        f.names.as_ptr(),
        f.values.as_ptr(),
        f.names.len(),
        &mut drv,
    );
    assert_eq!(r, ws_result::Ok);
    drv
}

fn text(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the library returns NUL-terminated strings, valid until the
    // next call that changes the driver; read at once.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
}

/// The fields the driver says to send.
fn fields_out(drv: *const ws_driver) -> Vec<(String, String)> {
    (0..ws_extended_field_count(drv))
        .map(|i| {
            let (mut n, mut v) = (null(), null());
            assert_eq!(ws_extended_field_at(drv, i, &mut n, &mut v), ws_result::Ok);
            (text(n), text(v))
        })
        .collect()
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// Polls every action: (kind, bytes).
fn poll_all(drv: *mut ws_driver) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::new();
    loop {
        let mut a = ws_action::empty();
        if ws_poll(drv, &mut a) != ws_result::Ok {
            return out;
        }
        // SAFETY: `data` holds `len` bytes until the next call on the driver.
        let bytes = unsafe { std::slice::from_raw_parts(a.data, a.len) }.to_vec();
        out.push((a.kind, bytes));
    }
}

#[test]
fn c_server_answers_with_fields_then_frames_data() {
    let drv = server(REQUEST);
    assert_eq!(ws_extended_field_count(drv), 0, "nothing before ws_start");
    assert_eq!(ws_add_deflate(drv, null()), ws_result::Ok);
    assert_eq!(ws_start(drv), ws_result::Ok);
    assert_eq!(
        fields_out(drv),
        owned(&[
            (":status", "200"),
            ("sec-websocket-extensions", "permessage-deflate")
        ])
    );
    assert_eq!(text(ws_request_method(drv)), "CONNECT");
    assert_eq!(text(ws_url(drv)), "wss://example.com/chat");
    assert_eq!(poll_all(drv), [(WS_ACTION_OPEN, vec![])]);
    // A masked, uncompressed "hi".
    let frame = [0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2];
    assert_eq!(ws_feed(drv, frame.as_ptr(), frame.len()), ws_result::Ok);
    assert_eq!(poll_all(drv), [(WS_ACTION_MESSAGE, b"hi".to_vec())]);
    let mut idx = 0;
    let (mut n, mut v) = (null(), null());
    assert_eq!(
        ws_extended_field_at(drv, 2, &mut n, &mut v),
        ws_result::InvalidArgument
    );
    assert_eq!(
        ws_extended_field_at(drv, idx, null_mut(), &mut v),
        ws_result::NullParameter
    );
    idx += 1;
    assert_eq!(
        ws_extended_field_at(drv, idx, &mut n, &mut v),
        ws_result::Ok
    );
    ws_driver_free(drv);
}

#[test]
fn c_server_refuses_a_bad_request_with_a_status_field() {
    let no_protocol: Vec<(&str, &str)> = REQUEST
        .iter()
        .copied()
        .filter(|(n, _)| *n != ":protocol")
        .collect();
    let drv = server(&no_protocol);
    assert_eq!(ws_start(drv), ws_result::HandshakeFailed);
    assert_eq!(fields_out(drv), owned(&[(":status", "400")]));
    let actions = poll_all(drv);
    assert!(
        actions.iter().all(|(k, _)| *k != WS_ACTION_WRITE),
        "no bytes written"
    );
    assert_eq!(
        actions.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        [WS_ACTION_ERROR, WS_ACTION_CLOSE]
    );
    ws_driver_free(drv);

    let v8: Vec<(&str, &str)> = REQUEST
        .iter()
        .map(|&(n, v)| {
            if n == "sec-websocket-version" {
                (n, "8")
            } else {
                (n, v)
            }
        })
        .collect();
    let drv = server(&v8);
    assert_eq!(ws_start(drv), ws_result::HandshakeFailed);
    assert_eq!(
        fields_out(drv),
        owned(&[(":status", "426"), ("sec-websocket-version", "13")])
    );
    ws_driver_free(drv);
}

#[test]
fn c_client_sends_fields_and_opens_on_a_200() {
    let url = CString::new("wss://example.com/chat").unwrap();
    let mut drv = null_mut();
    assert_eq!(
        ws_driver_new_extended_client(null(), url.as_ptr(), &mut drv),
        ws_result::Ok
    );
    let r = CFields {
        _strings: vec![],
        names: vec![],
        values: vec![],
    };
    assert_eq!(
        ws_extended_response(drv, r.names.as_ptr(), r.values.as_ptr(), 0),
        ws_result::InvalidState,
        "not started"
    );
    let hello = "queued";
    assert_eq!(
        ws_text(drv, hello.as_ptr().cast(), hello.len()),
        ws_result::Ok
    );
    assert_eq!(ws_start(drv), ws_result::Ok);
    let sent = fields_out(drv);
    assert_eq!(
        sent[..5],
        owned(&[
            (":method", "CONNECT"),
            (":protocol", "websocket"),
            (":scheme", "https"),
            (":authority", "example.com"),
            (":path", "/chat"),
        ])
    );
    assert!(poll_all(drv).is_empty(), "the request is fields, not bytes");
    let ok = c_fields(&[(":status", "200")]);
    assert_eq!(
        ws_extended_response(drv, ok.names.as_ptr(), ok.values.as_ptr(), 1),
        ws_result::Ok
    );
    assert_eq!(ws_state(drv), WS_STATE_OPEN);
    assert_eq!(ws_status(drv), 200);
    let actions = poll_all(drv);
    assert_eq!(actions[0].0, WS_ACTION_WRITE, "the queued message, masked");
    assert_eq!(actions[0].1[1] & 0x80, 0x80);
    assert_eq!(actions[1], (WS_ACTION_OPEN, vec![]));
    assert_eq!(
        ws_extended_response(drv, ok.names.as_ptr(), ok.values.as_ptr(), 1),
        ws_result::InvalidState,
        "answered once"
    );
    ws_driver_free(drv);
}

#[test]
fn c_client_fails_on_a_refusal() {
    let url = CString::new("wss://example.com/").unwrap();
    let mut drv = null_mut();
    assert_eq!(
        ws_driver_new_extended_client(null(), url.as_ptr(), &mut drv),
        ws_result::Ok
    );
    assert_eq!(ws_start(drv), ws_result::Ok);
    let no = c_fields(&[(":status", "403")]);
    assert_eq!(
        ws_extended_response(drv, no.names.as_ptr(), no.values.as_ptr(), 1),
        ws_result::HandshakeFailed
    );
    assert_eq!(ws_state(drv), WS_STATE_CLOSED);
    assert!(text(ws_last_error(drv)).contains("did not accept"));
    let kinds: Vec<u32> = poll_all(drv).iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, [WS_ACTION_ERROR, WS_ACTION_CLOSE]);
    ws_driver_free(drv);
}

#[test]
fn c_bad_arguments_are_refused() {
    let mut drv = null_mut();
    assert_eq!(
        ws_driver_new_extended_server(null(), null(), null(), 1, &mut drv),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_driver_new_extended_server(null(), null(), null(), 0, null_mut()),
        ws_result::NullParameter
    );
    let bad = [0xffu8, 0];
    let names = [bad.as_ptr().cast::<c_char>()];
    let value = CString::new("x").unwrap();
    let values = [value.as_ptr()];
    assert_eq!(
        ws_driver_new_extended_server(null(), names.as_ptr(), values.as_ptr(), 1, &mut drv),
        ws_result::InvalidArgument
    );
    let url = CString::new("http://example.com/").unwrap();
    assert_eq!(
        ws_driver_new_extended_client(null(), url.as_ptr(), &mut drv),
        ws_result::InvalidUrl
    );
    assert_eq!(ws_extended_field_count(null()), 0);
    // An empty request is a driver, refused at ws_start with a 400.
    assert_eq!(
        ws_driver_new_extended_server(null(), null(), null(), 0, &mut drv),
        ws_result::Ok
    );
    assert_eq!(ws_start(drv), ws_result::HandshakeFailed);
    assert_eq!(fields_out(drv), owned(&[(":status", "400")]));
    ws_driver_free(drv);
}

#[test]
fn c_refusal_message_names_the_fields() {
    let drv = server(&REQUEST[..4]);
    assert_eq!(ws_start(drv), ws_result::HandshakeFailed);
    assert!(text(ws_last_error(drv)).contains("ws_extended_field_at"));
    ws_driver_free(drv);
}
