//! The HTTP CONNECT proxy handshake through the C API.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

use crate::harness::*;

#[derive(Default)]
struct ProxyRec {
    writes: Vec<u8>,
    connected: usize,
    errors: Vec<String>,
}

fn prec<'a>(user: *mut c_void) -> &'a mut ProxyRec {
    // SAFETY: the tests register a live, otherwise unborrowed ProxyRec.
    unsafe { &mut *user.cast::<ProxyRec>() }
}

unsafe extern "C" fn proxy_write(
    user: *mut c_void,
    _: *mut ws_proxy,
    data: *const u8,
    len: usize,
) -> c_int {
    prec(user).writes.extend_from_slice(bytes(data, len));
    0
}

unsafe extern "C" fn proxy_connect(user: *mut c_void, _: *mut ws_proxy) -> c_int {
    prec(user).connected += 1;
    0
}

unsafe extern "C" fn proxy_error(
    user: *mut c_void,
    _: *mut ws_proxy,
    message: *const c_char,
    len: usize,
) -> c_int {
    prec(user).errors.push(string(message, len));
    0
}

fn new_proxy(client: *const ws_driver, url: &CStr) -> *mut ws_proxy {
    let mut p = null_mut();
    assert_eq!(ws_proxy_new(client, cs(url), &mut p), ws_result::Ok);
    p
}

#[test]
fn proxy_happy_path_with_callbacks() {
    let client = new_client(null(), c"ws://example.com/chat");
    let p = new_proxy(client, c"http://user:secret@proxy.local:3128");
    let rec = Box::into_raw(Box::new(ProxyRec::default()));
    let user: *mut c_void = rec.cast();
    assert_eq!(ws_proxy_on_write(p, Some(proxy_write), user), ws_result::Ok);
    assert_eq!(
        ws_proxy_on_connect(p, Some(proxy_connect), user),
        ws_result::Ok
    );
    assert_eq!(ws_proxy_on_error(p, Some(proxy_error), user), ws_result::Ok);
    assert_eq!(
        ws_proxy_set_header(p, cs(c"User-Agent"), cs(c"test")),
        ws_result::Ok
    );
    assert_eq!(
        ws_proxy_set_header(p, cs(c"user-agent"), cs(c"again")),
        ws_result::InvalidArgument
    );
    assert_eq!(ws_proxy_start(p), ws_result::Ok);
    assert_eq!(ws_proxy_start(p), ws_result::InvalidState);
    assert_eq!(
        ws_proxy_set_header(p, cs(c"X-Late"), cs(c"1")),
        ws_result::InvalidState
    );
    // SAFETY: no library call is running.
    let request = String::from_utf8(unsafe { &*rec }.writes.clone()).unwrap();
    assert!(
        request.starts_with("CONNECT example.com:80 HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.contains("Proxy-Authorization: Basic dXNlcjpzZWNyZXQ=\r\n"),
        "{request}"
    );
    assert!(request.contains("User-Agent: test\r\n"), "{request}");

    assert_eq!(ws_proxy_status(p), 0);
    let reply = b"HTTP/1.1 200 Connection established\r\nVia: proxy\r\n\r\nHTTP/1.1 101";
    let mut used = 0usize;
    assert_eq!(
        ws_proxy_parse(p, reply.as_ptr(), reply.len(), &mut used),
        ws_result::Ok
    );
    assert_eq!(&reply[used..], b"HTTP/1.1 101");
    // SAFETY: as above.
    assert_eq!(unsafe { &*rec }.connected, 1);
    assert_eq!(ws_proxy_status(p), 200);
    assert_eq!(ws_proxy_header_count(p), 1);
    let (mut name, mut value) = (null(), null());
    assert_eq!(
        ws_proxy_header_at(p, 0, &mut name, &mut value),
        ws_result::Ok
    );
    assert_eq!(text_of(name).as_deref(), Some("Via"));
    assert_eq!(text_of(value).as_deref(), Some("proxy"));
    assert_eq!(
        ws_proxy_header_at(p, 1, &mut name, &mut value),
        ws_result::InvalidArgument
    );
    assert_eq!(
        text_of(ws_proxy_header(p, cs(c"via"))).as_deref(),
        Some("proxy")
    );
    assert!(ws_proxy_header(p, cs(c"nope")).is_null());
    assert_eq!(
        ws_proxy_parse(p, b"more".as_ptr(), 4, &mut used),
        ws_result::Ok
    );
    assert_eq!(used, 0);

    ws_proxy_free(p);
    ws_driver_free(client);
    // SAFETY: made by Box::into_raw above; the proxy is gone.
    drop(unsafe { Box::from_raw(rec) });
}

#[test]
fn proxy_refusal_and_pull_style() {
    let client = new_client(null(), c"ws://example.com/");
    let p = new_proxy(client, c"http://proxy.local");
    assert_eq!(ws_proxy_start(p), ws_result::Ok);
    let mut a = ws_action::empty();
    assert_eq!(ws_proxy_poll(p, &mut a), ws_result::Ok);
    assert_eq!(a.kind, WS_ACTION_WRITE);
    assert!(bytes(a.data, a.len).starts_with(b"CONNECT example.com:80 HTTP/1.1\r\n"));
    assert_eq!(ws_proxy_poll(p, &mut a), ws_result::Empty);
    let reply = b"HTTP/1.1 403 Forbidden\r\n\r\n";
    let mut used = 0;
    assert_eq!(
        ws_proxy_parse(p, reply.as_ptr(), reply.len(), &mut used),
        ws_result::Ok
    );
    assert_eq!(used, reply.len());
    assert_eq!(ws_proxy_poll(p, &mut a), ws_result::Ok);
    assert_eq!(a.kind, WS_ACTION_ERROR);
    let message = String::from_utf8(bytes(a.data, a.len).to_vec()).unwrap();
    assert!(
        message.contains("Can't establish a connection"),
        "{message}"
    );
    assert_eq!(ws_proxy_status(p), 403);
    ws_proxy_free(p);

    // Errors creating one.
    let mut q = null_mut();
    assert_eq!(
        ws_proxy_new(client, cs(c"ftp://x"), &mut q),
        ws_result::InvalidUrl
    );
    assert!(text_of(ws_last_error(client)).is_some());
    let server = new_server(null());
    assert_eq!(
        ws_proxy_new(server, cs(c"http://p"), &mut q),
        ws_result::InvalidState
    );
    assert!(q.is_null());
    ws_driver_free(server);
    ws_driver_free(client);

    // NULL proxies.
    let n = ws_result::NullParameter;
    assert_eq!(ws_proxy_start(null_mut()), n);
    assert_eq!(ws_proxy_parse(null_mut(), null(), 0, &mut used), n);
    assert_eq!(ws_proxy_poll(null_mut(), &mut a), n);
    assert_eq!(ws_proxy_set_header(null_mut(), cs(c"a"), cs(c"b")), n);
    assert_eq!(ws_proxy_on_write(null_mut(), None, null_mut()), n);
    assert_eq!(ws_proxy_on_connect(null_mut(), None, null_mut()), n);
    assert_eq!(ws_proxy_on_error(null_mut(), None, null_mut()), n);
    assert_eq!(
        ws_proxy_header_at(null_mut(), 0, &mut null(), &mut null()),
        n
    );
    assert_eq!(ws_proxy_status(null_mut()), 0);
    assert_eq!(ws_proxy_header_count(null_mut()), 0);
    assert!(ws_proxy_header(null_mut(), cs(c"a")).is_null());
}

unsafe extern "C" fn proxy_stop_and_free(_: *mut c_void, p: *mut ws_proxy) -> c_int {
    ws_proxy_free(p);
    1
}

#[test]
fn proxy_free_inside_callback() {
    let client = new_client(null(), c"ws://example.com/");
    let p = new_proxy(client, c"http://proxy.local");
    assert_eq!(
        ws_proxy_on_write(p, Some(proxy_write_discard), null_mut()),
        ws_result::Ok
    );
    assert_eq!(
        ws_proxy_on_connect(p, Some(proxy_stop_and_free), null_mut()),
        ws_result::Ok
    );
    assert_eq!(ws_proxy_start(p), ws_result::Ok);
    let reply = b"HTTP/1.1 200 OK\r\n\r\n";
    let mut used = 0;
    assert_eq!(
        ws_proxy_parse(p, reply.as_ptr(), reply.len(), &mut used),
        ws_result::Ok
    );
    ws_driver_free(client);
}

unsafe extern "C" fn proxy_write_discard(
    _: *mut c_void,
    _: *mut ws_proxy,
    _: *const u8,
    _: usize,
) -> c_int {
    0
}
