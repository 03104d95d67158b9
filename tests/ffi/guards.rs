//! Result texts, NULL arguments everywhere, and options: validated, copied, applied.

use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

use crate::harness::*;

#[test]
fn result_text_for_every_code() {
    let mut seen = Vec::new();
    for code in 0..=12u32 {
        let t = text_of(ws_result_text(code)).unwrap();
        assert!(!t.is_empty() && t != "unknown result", "code {code}");
        assert!(!seen.contains(&t), "{t} repeated");
        seen.push(t);
    }
    for code in [13, 100, u32::MAX] {
        assert_eq!(text_of(ws_result_text(code)).unwrap(), "unknown result");
    }
    assert_eq!(text_of(ws_result_text(0)).unwrap(), "ok");
    assert_eq!(text_of(ws_version()).unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn null_driver_everywhere() {
    let d: *mut ws_driver = null_mut();
    let n = ws_result::NullParameter;
    let mut a = ws_action::empty();
    let (mut name, mut value) = (null(), null());
    let (mut data, mut len) = (null(), 0usize);
    let mut buf = [0u8; 4];
    let mut p = null_mut();

    assert_eq!(ws_on_write(d, Some(on_write), null_mut()), n);
    assert_eq!(ws_on_connect(d, None, null_mut()), n);
    assert_eq!(ws_on_open(d, None, null_mut()), n);
    assert_eq!(ws_on_message(d, None, null_mut()), n);
    assert_eq!(ws_on_ping(d, None, null_mut()), n);
    assert_eq!(ws_on_pong(d, None, null_mut()), n);
    assert_eq!(ws_on_close(d, None, null_mut()), n);
    assert_eq!(ws_on_error(d, None, null_mut()), n);
    assert_eq!(ws_start(d), n);
    assert_eq!(ws_parse(d, null(), 0), n);
    assert_eq!(ws_feed(d, null(), 0), n);
    assert_eq!(ws_poll(d, &mut a), n);
    assert_eq!(ws_text(d, null(), 0), n);
    assert_eq!(ws_binary(d, null(), 0), n);
    assert_eq!(ws_ping(d, null(), 0, None, null_mut()), n);
    assert_eq!(ws_ping_token(d, null(), 0, 1), n);
    assert_eq!(ws_pong(d, null(), 0), n);
    assert_eq!(ws_close(d, 0, null(), 0), n);
    assert_eq!(ws_transport_closed(d), n);
    assert_eq!(ws_set_header(d, cs(c"A"), cs(c"b")), n);
    assert_eq!(ws_take_output(d, buf.as_mut_ptr(), 4, &mut len), n);
    assert_eq!(ws_header_at(d, 0, &mut name, &mut value), n);
    assert_eq!(ws_request_body(d, &mut data, &mut len), n);
    assert_eq!(ws_proxy_new(d, cs(c"http://p"), &mut p), n);
    assert_eq!(ws_buffered_amount(d), 0);
    assert_eq!(ws_state(d), WS_STATE_CLOSED);
    assert_eq!(ws_status(d), 0);
    assert_eq!(ws_header_count(d), 0);
    assert_eq!(ws_is_websocket(d), 0);
    for q in [
        ws_driver_version,
        ws_protocol,
        ws_url,
        ws_request_method,
        ws_request_path,
        ws_request_query,
        ws_last_error,
    ] {
        assert!(q(d).is_null());
    }
    assert!(ws_header(d, cs(c"Host")).is_null());
    ws_driver_free(d);
    ws_options_free(null_mut());
    ws_proxy_free(null_mut());

    // Constructors.
    assert_eq!(ws_driver_new_server(null(), null_mut()), n);
    assert_eq!(ws_driver_new_client(null(), null(), &mut p.cast()), n);
    assert_eq!(ws_driver_new_client(null(), cs(c"ws://a/"), null_mut()), n);
    let mut drv = null_mut();
    assert_eq!(
        ws_driver_new_rack(
            null(),
            null(),
            cs(c"/"),
            null(),
            null(),
            0,
            null(),
            0,
            null(),
            &mut drv
        ),
        n
    );
    assert_eq!(
        ws_driver_new_rack(
            null(),
            cs(c"GET"),
            cs(c"/"),
            null(),
            null(),
            1,
            null(),
            0,
            null(),
            &mut drv
        ),
        n
    );
    assert!(drv.is_null(), "outputs are written only on success");
}

#[test]
fn null_arguments_on_a_live_driver() {
    let h = harness(new_server(null()), Rec::default());
    let d = h.drv;
    let n = ws_result::NullParameter;
    let mut len = 0usize;
    let mut buf = [0u8; 4];
    let mut name = null();
    // A pointer with a length is never an empty payload.
    assert_eq!(ws_parse(d, null(), 3), n);
    assert_eq!(ws_feed(d, null(), 3), n);
    assert_eq!(ws_text(d, null(), 1), n);
    assert_eq!(ws_binary(d, null(), 1), n);
    assert_eq!(ws_ping(d, null(), 1, None, null_mut()), n);
    assert_eq!(ws_ping_token(d, null(), 1, 7), n);
    assert_eq!(ws_pong(d, null(), 1), n);
    assert_eq!(ws_set_header(d, null(), cs(c"v")), n);
    assert_eq!(ws_set_header(d, cs(c"N"), null()), n);
    assert_eq!(ws_poll(d, null_mut()), n);
    assert_eq!(ws_take_output(d, null_mut(), 4, &mut len), n);
    assert_eq!(ws_take_output(d, buf.as_mut_ptr(), 4, null_mut()), n);
    assert_eq!(ws_header_at(d, 0, &mut name, null_mut()), n);
    assert_eq!(ws_header_at(d, 0, null_mut(), &mut name), n);
    assert_eq!(ws_request_body(d, null_mut(), &mut len), n);
    assert!(ws_header(d, null()).is_null());
    let mut p = null_mut();
    assert_eq!(ws_proxy_new(d, null(), &mut p), n);
    assert_eq!(ws_proxy_new(d, cs(c"http://p"), null_mut()), n);
    // (NULL, 0) is an empty payload, and a NULL close reason is no reason.
    assert_eq!(ws_parse(d, null(), 0), ws_result::Ok);
    assert_eq!(ws_text(d, null(), 0), ws_result::Ok);
    assert_eq!(ws_close(d, 0, null(), 99), ws_result::Ok);
}

#[test]
fn options_setters_validate() {
    let o = ws_options_new();
    assert!(!o.is_null());
    let ok = ws_result::Ok;
    let bad = ws_result::InvalidArgument;
    assert_eq!(ws_options_set_max_length(o, 1 << 20), ok);
    assert_eq!(ws_options_set_max_length(o, 0), ok); // the gem accepts 0 too
    assert_eq!(ws_options_add_protocol(o, cs(c"chat")), ok);
    assert_eq!(ws_options_add_protocol(o, cs(c"")), bad);
    assert_eq!(ws_options_add_protocol(o, cs(c"a b")), bad);
    assert_eq!(ws_options_add_protocol(o, cs(c"a,b")), bad);
    assert_eq!(ws_options_add_protocol(o, null()), ws_result::NullParameter);
    for v in [-1, 0, 1] {
        assert_eq!(ws_options_set_masking(o, v), ok);
        assert_eq!(ws_options_set_require_masking(o, v), ok);
    }
    assert_eq!(ws_options_set_masking(o, 2), bad);
    assert_eq!(ws_options_set_require_masking(o, -2), bad);
    assert_eq!(ws_options_set_max_head_size(o, 0), bad);
    assert_eq!(ws_options_set_max_head_size(o, 4096), ok);
    assert_eq!(ws_options_set_max_headers(o, 0), bad);
    assert_eq!(ws_options_set_max_headers(o, 257), bad);
    assert_eq!(ws_options_set_max_headers(o, 256), ok);
    assert_eq!(ws_options_set_max_queued(o, 0), ok);
    assert_eq!(ws_options_set_max_pending_pings(o, 3), ok);
    assert_eq!(ws_options_set_retained_buffer(o, 0), ok);
    assert_eq!(ws_options_set_hybi_drafts(o, 0), ok);
    assert_eq!(ws_options_set_hybi_drafts(o, 1), ok);
    assert_eq!(ws_options_set_hybi_drafts(o, -1), bad);
    assert_eq!(ws_options_set_hybi_drafts(o, 2), bad);
    assert_eq!(ws_options_set_client_key(o, cs(c"not base64!")), bad);
    assert_eq!(ws_options_set_client_key(o, cs(c"AAAA")), bad);
    assert_eq!(
        ws_options_set_client_key(o, cs(c"AAAAAAAAAAAAAAAAAAAAAA==")),
        ok
    );
    assert_eq!(ws_options_set_client_key(o, null()), ok);
    assert_eq!(
        ws_options_set_max_length(null_mut(), 1),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_options_set_masking(null_mut(), 1),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_options_set_max_queued(null_mut(), 1),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_options_set_hybi_drafts(null_mut(), 0),
        ws_result::NullParameter
    );
    ws_options_free(o);
}

#[test]
fn options_reach_the_driver_and_are_copied() {
    let o = ws_options_new();
    assert_eq!(ws_options_add_protocol(o, cs(c"superchat")), ws_result::Ok);
    assert_eq!(
        ws_options_set_client_key(o, c"AAAAAAAAAAAAAAAAAAAAAA==".as_ptr()),
        ws_result::Ok
    );
    let server = open_server_with(o);
    let client = new_client(o, c"ws://example.com/");
    // The options object can go once the drivers exist.
    ws_options_free(o);

    assert_eq!(
        text_of(ws_protocol(server.drv)).as_deref(),
        Some("superchat")
    );
    assert_eq!(ws_start(client), ws_result::Ok);
    let out = poll_all(client);
    let Ev::Write(request) = &out[0] else {
        panic!("{out:?}")
    };
    let request = String::from_utf8(request.clone()).unwrap();
    assert!(
        request.contains("Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"),
        "{request}"
    );
    assert!(
        request.contains("Sec-WebSocket-Protocol: superchat\r\n"),
        "{request}"
    );
    ws_driver_free(client);
}
