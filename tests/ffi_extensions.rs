//! The extension entry points of the C API, called from Rust: deflate
//! settings, callback extensions, ownership and destructors.

use std::ffi::{c_char, c_int, c_void};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use wsdriver::ffi::*;

const REQUEST: &[u8] =
    b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Extensions: x-rev; mode=1, permessage-deflate\r\n\r\n";

fn server() -> *mut ws_driver {
    let mut drv = ptr::null_mut();
    assert_eq!(ws_driver_new_server(ptr::null(), &mut drv), ws_result::Ok);
    drv
}

/// Feeds input, then takes every pending action: (writes, message payloads).
fn exchange(drv: *mut ws_driver, input: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    assert_eq!(ws_feed(drv, input.as_ptr(), input.len()), ws_result::Ok);
    let (mut writes, mut messages) = (Vec::new(), Vec::new());
    loop {
        let mut a: ws_action = unsafe { std::mem::zeroed() };
        a.struct_size = std::mem::size_of::<ws_action>() as u32;
        match ws_poll(drv, &mut a) {
            ws_result::Ok => {}
            ws_result::Empty => break,
            other => panic!("ws_poll: {other:?}"),
        }
        let data = if a.len == 0 {
            Vec::new()
        } else {
            unsafe { std::slice::from_raw_parts(a.data, a.len) }.to_vec()
        };
        match a.kind {
            WS_ACTION_WRITE => writes.push(data),
            WS_ACTION_MESSAGE => messages.push(data),
            _ => {}
        }
    }
    (writes, messages)
}

#[test]
fn deflate_settings_are_validated_and_negotiated() {
    let d = ws_deflate_new();
    assert_eq!(ws_deflate_set_level(d, 10), ws_result::InvalidArgument);
    assert_eq!(ws_deflate_set_level(d, 1), ws_result::Ok);
    assert_eq!(
        ws_deflate_set_server_max_window_bits(d, 16),
        ws_result::InvalidArgument
    );
    assert_eq!(
        ws_deflate_set_server_max_window_bits(d, 7),
        ws_result::InvalidArgument
    );
    assert_eq!(ws_deflate_set_server_max_window_bits(d, 0), ws_result::Ok);
    assert_eq!(
        ws_deflate_set_client_no_context_takeover(d, 2),
        ws_result::InvalidArgument
    );
    assert_eq!(
        ws_deflate_set_server_no_context_takeover(d, 1),
        ws_result::Ok
    );
    assert_eq!(
        ws_deflate_set_level(ptr::null_mut(), 1),
        ws_result::NullParameter
    );
    let drv = server();
    assert_eq!(ws_add_deflate(ptr::null_mut(), d), ws_result::NullParameter);
    assert_eq!(ws_add_deflate(drv, d), ws_result::Ok);
    ws_deflate_free(d);
    exchange(drv, REQUEST);
    assert_eq!(ws_start(drv), ws_result::Ok);
    let (writes, _) = exchange(drv, b"");
    let response = String::from_utf8(writes[0].clone()).unwrap();
    assert!(
        response.contains(
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"
        ),
        "{response}"
    );
    assert_eq!(
        ws_add_deflate(drv, ptr::null()),
        ws_result::InvalidState,
        "too late after start"
    );
    ws_driver_free(drv);
    ws_deflate_free(ptr::null_mut());
}

/// Counts destructor calls in the `AtomicUsize` the user pointer names
/// (one per test, as tests run in parallel).
unsafe extern "C" fn destroy(user: *mut c_void) {
    unsafe { &*(user as *const AtomicUsize) }.fetch_add(1, Ordering::SeqCst);
}

fn counter(c: &'static AtomicUsize) -> *mut c_void {
    (c as *const AtomicUsize).cast_mut().cast()
}

unsafe extern "C" fn respond(
    _: *mut c_void,
    offers: *const c_char,
    len: usize,
    out: *mut ws_buffer,
) -> c_int {
    let offers = unsafe { std::slice::from_raw_parts(offers.cast::<u8>(), len) };
    assert_eq!(offers, b"x-rev; mode=1");
    assert_eq!(ws_buffer_set(out, b"mode=1".as_ptr(), 6), ws_result::Ok);
    0
}

/// Reverses the payload of incoming messages that have RSV2 set.
unsafe extern "C" fn incoming(
    _: *mut c_void,
    rsv: u32,
    _: u32,
    data: *const u8,
    len: usize,
    out: *mut ws_buffer,
    out_rsv: *mut u32,
) -> c_int {
    if rsv & WS_RSV2 == 0 {
        return 0;
    }
    let mut bytes = unsafe { std::slice::from_raw_parts(data, len) }.to_vec();
    if bytes == b"boom" {
        ws_buffer_set(out, b"cannot reverse".as_ptr(), 14);
        return 1;
    }
    bytes.reverse();
    ws_buffer_set(out, bytes.as_ptr(), bytes.len());
    unsafe { *out_rsv = rsv & !WS_RSV2 };
    0
}

#[test]
fn callback_extension_negotiates_transforms_and_is_destroyed() {
    static DESTROYED: AtomicUsize = AtomicUsize::new(0);
    let mut ext = ptr::null_mut();
    assert_eq!(
        ws_extension_new(c"bad name".as_ptr(), WS_RSV2, &mut ext),
        ws_result::InvalidArgument
    );
    assert_eq!(
        ws_extension_new(c"x-rev".as_ptr(), 0x01, &mut ext),
        ws_result::InvalidArgument
    );
    assert_eq!(
        ws_extension_new(c"x-rev".as_ptr(), WS_RSV2, &mut ext),
        ws_result::Ok
    );
    assert_eq!(
        ws_extension_set_user(ext, counter(&DESTROYED), Some(destroy)),
        ws_result::Ok
    );
    assert_eq!(ws_extension_on_respond(ext, Some(respond)), ws_result::Ok);
    assert_eq!(ws_extension_on_incoming(ext, Some(incoming)), ws_result::Ok);
    let drv = server();
    assert_eq!(ws_add_extension(drv, ext), ws_result::Ok);
    exchange(drv, REQUEST);
    assert_eq!(ws_start(drv), ws_result::Ok);
    let (writes, _) = exchange(drv, b"");
    let response = String::from_utf8(writes[0].clone()).unwrap();
    assert!(
        response.contains("Sec-WebSocket-Extensions: x-rev; mode=1\r\n"),
        "{response}"
    );
    // A masked (all-zero key) text frame "abc" with RSV2 set.
    let (_, messages) = exchange(drv, &[0xA1, 0x83, 0, 0, 0, 0, b'a', b'b', b'c']);
    assert_eq!(messages, [b"cba".to_vec()]);
    // RSV3 is owned by nobody.
    let (writes, _) = exchange(drv, &[0x91, 0x80, 0, 0, 0, 0]);
    assert_eq!(&writes[0][..2], &[0x88, 0x4F]);
    assert_eq!(DESTROYED.load(Ordering::SeqCst), 0);
    ws_driver_free(drv);
    assert_eq!(
        DESTROYED.load(Ordering::SeqCst),
        1,
        "destructor runs with the driver"
    );
}

#[test]
fn extension_errors_close_with_1010_and_unadded_extensions_free_themselves() {
    let mut ext = ptr::null_mut();
    assert_eq!(
        ws_extension_new(c"x-rev".as_ptr(), WS_RSV2, &mut ext),
        ws_result::Ok
    );
    ws_extension_on_respond(ext, Some(respond));
    ws_extension_on_incoming(ext, Some(incoming));
    let drv = server();
    assert_eq!(ws_add_extension(drv, ext), ws_result::Ok);
    exchange(drv, REQUEST);
    ws_start(drv);
    exchange(drv, b"");
    let (writes, _) = exchange(drv, &[0xA1, 0x84, 0, 0, 0, 0, b'b', b'o', b'o', b'm']);
    let close = &writes[0];
    assert_eq!(&close[2..4], &1010u16.to_be_bytes());
    assert_eq!(&close[4..], b"x-rev: cannot reverse");
    ws_driver_free(drv);

    static LONE: AtomicUsize = AtomicUsize::new(0);
    let mut lone = ptr::null_mut();
    assert_eq!(
        ws_extension_new(c"x-lone".as_ptr(), 0, &mut lone),
        ws_result::Ok
    );
    ws_extension_set_user(lone, counter(&LONE), Some(destroy));
    assert_eq!(
        ws_add_extension(ptr::null_mut(), lone),
        ws_result::NullParameter
    );
    ws_extension_free(lone);
    assert_eq!(LONE.load(Ordering::SeqCst), 1);
    ws_extension_free(ptr::null_mut());
    assert_eq!(
        ws_buffer_set(ptr::null_mut(), ptr::null(), 0),
        ws_result::NullParameter
    );
}

unsafe extern "C" fn offer_two(_: *mut c_void, out: *mut ws_buffer) -> c_int {
    let text = b"x-two; a=1, x-two; b";
    ws_buffer_set(out, text.as_ptr(), text.len());
    0
}

unsafe extern "C" fn offer_nothing(_: *mut c_void, _: *mut ws_buffer) -> c_int {
    1
}

/// The client's handshake request with one callback extension added.
fn client_request(name: &std::ffi::CStr, offer: ws_ext_offer_cb) -> String {
    let mut drv = ptr::null_mut();
    assert_eq!(
        ws_driver_new_client(ptr::null(), c"ws://example.com/".as_ptr(), &mut drv),
        ws_result::Ok
    );
    let mut ext = ptr::null_mut();
    assert_eq!(ws_extension_new(name.as_ptr(), 0, &mut ext), ws_result::Ok);
    assert_eq!(ws_extension_on_offer(ext, offer), ws_result::Ok);
    assert_eq!(ws_add_extension(drv, ext), ws_result::Ok);
    assert_eq!(ws_start(drv), ws_result::Ok);
    let (writes, _) = exchange(drv, b"");
    ws_driver_free(drv);
    String::from_utf8(writes.concat()).unwrap()
}

#[test]
fn offer_callbacks_can_make_several_offers_or_none() {
    let request = client_request(c"x-two", Some(offer_two));
    assert!(
        request.contains("\r\nSec-WebSocket-Extensions: x-two; a=1, x-two; b\r\n"),
        "{request}"
    );
    let request = client_request(c"x-none", Some(offer_nothing));
    assert!(!request.contains("Sec-WebSocket-Extensions"), "{request}");
    let request = client_request(c"x-bare", None);
    assert!(
        request.contains("\r\nSec-WebSocket-Extensions: x-bare\r\n"),
        "{request}"
    );
}
