//! The C API called from Rust, the way a C host calls it: raw pointers,
//! callbacks with user pointers, reentrant calls from inside callbacks.
//! No I/O and no threads, so these run under Miri.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr::{self, null, null_mut};

use wsdriver::ffi::*;

// ---- fixtures ------------------------------------------------------------

const REQUEST: &[u8] = b"GET /chat?room=1&x=y HTTP/1.1\r\nHost: example.com\r\n\
Upgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\nX-Custom: one\r\n\r\n";

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// A client frame: masked with a fixed key.
fn masked(op: u8, payload: &[u8]) -> Vec<u8> {
    let key = [1u8, 2, 3, 4];
    let mut f = vec![0x80 | op];
    let len = payload.len();
    if len < 126 {
        f.push(0x80 | u8::try_from(len).unwrap());
    } else {
        f.push(0x80 | 126);
        f.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
    }
    f.extend_from_slice(&key);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    f
}

/// A server frame: unmasked, short.
fn plain(op: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80 | op, u8::try_from(payload.len()).unwrap()];
    f.extend_from_slice(payload);
    f
}

fn cs(s: &CStr) -> *const c_char {
    s.as_ptr()
}

fn text_of(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the library returns NUL-terminated strings, valid until the
    // next call that changes the object; read at once.
    Some(unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned())
}

/// Everything a driver told us, in order, in one comparable form for
/// callbacks and `ws_poll` alike.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    Write(Vec<u8>),
    Connect,
    Open,
    Message(u32, Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    PingAnswered(u64),
    Close(u32, String),
    Error(u32, String),
}

/// Behaviour of the recording callbacks.
#[derive(Default)]
struct Rec {
    log: Vec<Ev>,
    start_on_connect: bool,
    echo: bool,
    close_on_open: bool,
    ping_on_pong: u32,
    free_on_message: bool,
    /// Return non-zero from the message callback for these (1-based) messages.
    stop_on_messages: Vec<usize>,
    messages: usize,
    pong_replies: Vec<usize>,
    /// Results of calls made from inside callbacks.
    inner: Vec<ws_result>,
    /// Bytes of `writes()` already handed to the peer by `pump`.
    pumped: usize,
    /// Fed with `ws_parse` from inside the first message callback.
    feed_on_first_message: Vec<u8>,
}

impl Rec {
    fn writes(&self) -> Vec<u8> {
        self.log
            .iter()
            .filter_map(|e| match e {
                Ev::Write(b) => Some(b.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn events(&self) -> Vec<Ev> {
        self.log
            .iter()
            .filter(|e| !matches!(e, Ev::Write(_)))
            .cloned()
            .collect()
    }
}

/// A driver plus the heap-allocated recorder its callbacks write to. The
/// recorder is reached only through its raw pointer, never borrowed across
/// a call into the library.
struct Harness {
    drv: *mut ws_driver,
    rec: *mut Rec,
}

impl Harness {
    #[allow(clippy::mut_from_ref)]
    fn rec(&self) -> &mut Rec {
        // SAFETY: the recorder lives until `drop`; callbacks only touch it
        // during library calls, and this borrow never spans one.
        unsafe { &mut *self.rec }
    }

    fn user(&self) -> *mut c_void {
        self.rec.cast()
    }

    fn register_all(&self) {
        let (d, u) = (self.drv, self.user());
        assert_eq!(ws_on_write(d, Some(on_write), u), ws_result::Ok);
        assert_eq!(ws_on_connect(d, Some(on_connect), u), ws_result::Ok);
        assert_eq!(ws_on_open(d, Some(on_open), u), ws_result::Ok);
        assert_eq!(ws_on_message(d, Some(on_message), u), ws_result::Ok);
        assert_eq!(ws_on_ping(d, Some(on_ping), u), ws_result::Ok);
        assert_eq!(ws_on_pong(d, Some(on_pong), u), ws_result::Ok);
        assert_eq!(ws_on_close(d, Some(on_close), u), ws_result::Ok);
        assert_eq!(ws_on_error(d, Some(on_error), u), ws_result::Ok);
    }

    fn parse(&self, data: &[u8]) -> ws_result {
        ws_parse(self.drv, data.as_ptr(), data.len())
    }

    /// Forgets the driver without freeing it (a test freed it already).
    fn freed(mut self) {
        self.drv = null_mut();
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        ws_driver_free(self.drv);
        // SAFETY: made by Box::into_raw in `harness`; the driver is gone,
        // so no callback can reach it any more.
        drop(unsafe { Box::from_raw(self.rec) });
    }
}

fn harness(drv: *mut ws_driver, rec: Rec) -> Harness {
    let h = Harness {
        drv,
        rec: Box::into_raw(Box::new(rec)),
    };
    h.register_all();
    h
}

fn new_server(opts: *const ws_options) -> *mut ws_driver {
    let mut drv = null_mut();
    assert_eq!(ws_driver_new_server(opts, &mut drv), ws_result::Ok);
    assert!(!drv.is_null());
    drv
}

fn new_client(opts: *const ws_options, url: &CStr) -> *mut ws_driver {
    let mut drv = null_mut();
    assert_eq!(ws_driver_new_client(opts, cs(url), &mut drv), ws_result::Ok);
    drv
}

/// A server with recording callbacks that starts on connect.
fn open_server(rec: Rec) -> Harness {
    let h = harness(
        new_server(null()),
        Rec {
            start_on_connect: true,
            ..rec
        },
    );
    assert_eq!(h.parse(REQUEST), ws_result::Ok);
    assert_eq!(ws_state(h.drv), WS_STATE_OPEN);
    h.rec().log.clear();
    h.rec().inner.clear();
    h
}

// ---- callbacks -------------------------------------------------------------

fn rec<'a>(user: *mut c_void) -> &'a mut Rec {
    // SAFETY: every test registers a `Harness` recorder as `user`; no other
    // borrow of it is alive while the library runs.
    unsafe { &mut *user.cast::<Rec>() }
}

fn bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    // SAFETY: the library passes `len` readable bytes, valid during the
    // callback.
    unsafe { std::slice::from_raw_parts(data, len) }
}

fn string(data: *const c_char, len: usize) -> String {
    let b = bytes(data.cast(), len);
    // SAFETY: texts are NUL-terminated after `len` bytes.
    assert_eq!(unsafe { *data.add(len) }, 0);
    String::from_utf8(b.to_vec()).unwrap()
}

unsafe extern "C" fn on_write(
    user: *mut c_void,
    _: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    rec(user).log.push(Ev::Write(bytes(data, len).to_vec()));
    0
}

unsafe extern "C" fn on_connect(user: *mut c_void, drv: *mut ws_driver) -> c_int {
    let r = rec(user);
    r.log.push(Ev::Connect);
    if r.start_on_connect {
        let res = ws_start(drv);
        rec(user).inner.push(res);
    }
    0
}

unsafe extern "C" fn on_open(user: *mut c_void, drv: *mut ws_driver) -> c_int {
    let r = rec(user);
    r.log.push(Ev::Open);
    if r.close_on_open {
        let reason = b"bye";
        let res = ws_close(drv, 4000, reason.as_ptr().cast(), reason.len());
        rec(user).inner.push(res);
    }
    0
}

unsafe extern "C" fn on_message(
    user: *mut c_void,
    drv: *mut ws_driver,
    kind: u32,
    data: *const u8,
    len: usize,
) -> c_int {
    let r = rec(user);
    let payload = bytes(data, len).to_vec();
    r.log.push(Ev::Message(kind, payload.clone()));
    r.messages += 1;
    let stop = r.stop_on_messages.contains(&r.messages);
    if r.echo {
        let res = if kind == WS_MESSAGE_TEXT {
            ws_text(drv, payload.as_ptr().cast(), payload.len())
        } else {
            ws_binary(drv, payload.as_ptr(), payload.len())
        };
        rec(user).inner.push(res);
    }
    let feed = std::mem::take(&mut rec(user).feed_on_first_message);
    if !feed.is_empty() {
        let res = ws_parse(drv, feed.as_ptr(), feed.len());
        rec(user).inner.push(res);
    }
    if rec(user).free_on_message {
        ws_driver_free(drv);
        // Still safe to call: the free is deferred, the call is refused.
        let res = ws_text(drv, null(), 0);
        rec(user).inner.push(res);
    }
    c_int::from(stop)
}

unsafe extern "C" fn on_ping(
    user: *mut c_void,
    _: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    rec(user).log.push(Ev::Ping(bytes(data, len).to_vec()));
    0
}

unsafe extern "C" fn on_pong(
    user: *mut c_void,
    drv: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    let r = rec(user);
    r.log.push(Ev::Pong(bytes(data, len).to_vec()));
    if r.ping_on_pong > 0 {
        r.ping_on_pong -= 1;
        let res = ws_ping(drv, b"again".as_ptr(), 5, None, null_mut());
        rec(user).inner.push(res);
    }
    0
}

unsafe extern "C" fn on_close(
    user: *mut c_void,
    _: *mut ws_driver,
    code: u32,
    reason: *const c_char,
    len: usize,
) -> c_int {
    rec(user).log.push(Ev::Close(code, string(reason, len)));
    0
}

unsafe extern "C" fn on_error(
    user: *mut c_void,
    _: *mut ws_driver,
    code: u32,
    message: *const c_char,
    len: usize,
) -> c_int {
    rec(user).log.push(Ev::Error(code, string(message, len)));
    0
}

unsafe extern "C" fn pong_reply(user: *mut c_void, _: *mut ws_driver) -> c_int {
    // `user` here is a small integer id, not a pointer.
    let id = user as usize;
    let _ = id;
    0
}

unsafe extern "C" fn pong_reply_rec(user: *mut c_void, _: *mut ws_driver) -> c_int {
    let r = rec(user);
    let n = r.pong_replies.len();
    r.pong_replies.push(n);
    r.log.push(Ev::PingAnswered(u64::MAX));
    0
}

/// Takes every action with `ws_poll`.
fn poll_all(drv: *mut ws_driver) -> Vec<Ev> {
    let mut out = Vec::new();
    loop {
        let mut a = ws_action::empty();
        match ws_poll(drv, &mut a) {
            ws_result::Empty => return out,
            ws_result::Ok => out.push(ev_of(&a)),
            other => panic!("ws_poll: {other:?}"),
        }
    }
}

fn ev_of(a: &ws_action) -> Ev {
    assert!(!a.data.is_null());
    let data = bytes(a.data, a.len).to_vec();
    let text = || String::from_utf8(data.clone()).unwrap();
    match a.kind {
        WS_ACTION_WRITE => Ev::Write(data),
        WS_ACTION_CONNECT => Ev::Connect,
        WS_ACTION_OPEN => Ev::Open,
        WS_ACTION_MESSAGE => Ev::Message(a.message_kind, data),
        WS_ACTION_PING => Ev::Ping(data),
        WS_ACTION_PONG => Ev::Pong(data),
        WS_ACTION_PING_ANSWERED => Ev::PingAnswered(a.token),
        WS_ACTION_CLOSE => Ev::Close(a.code, text()),
        WS_ACTION_ERROR => Ev::Error(a.code, text()),
        k => panic!("unknown action kind {k}"),
    }
}

fn response_head(writes: &[u8]) -> String {
    let end = writes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    String::from_utf8(writes[..end].to_vec()).unwrap()
}

// ---- results, versions, NULL ------------------------------------------------

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

fn open_server_with(opts: *const ws_options) -> Harness {
    let h = harness(
        new_server(opts),
        Rec {
            start_on_connect: true,
            ..Rec::default()
        },
    );
    assert_eq!(h.parse(REQUEST), ws_result::Ok);
    h
}

// ---- server handshake and callbacks -------------------------------------------

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
            Ev::Write(plain(1, b"hello")),
            Ev::Message(WS_MESSAGE_BINARY, vec![0, 1, 2]),
            Ev::Write(plain(2, &[0, 1, 2])),
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
    assert_eq!(r.log[2..], [Ev::Open, Ev::Write(plain(8, &close))]);
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
    assert_eq!(h.rec().log, [Ev::Write(plain(9, b"abc"))]);
    h.rec().log.clear();
    // Unrelated pong: no reply callback, but the pong callback pings again.
    assert_eq!(h.parse(&masked(10, b"zzz")), ws_result::Ok);
    assert_eq!(
        h.rec().log,
        [Ev::Pong(b"zzz".to_vec()), Ev::Write(plain(9, b"again"))]
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
        [Ev::Write(plain(10, b"hi")), Ev::Ping(b"hi".to_vec())]
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
        [Ev::Write(plain(10, b"p")), Ev::Ping(b"p".to_vec())]
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
    assert_eq!(poll_all(drv), [Ev::Write(plain(9, b"t"))]);
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
    assert_eq!(ev_of(&a), Ev::Write(plain(1, b"sent")));
    assert_eq!(ws_poll_queued(drv, &mut a), ws_result::Empty);
    assert_eq!(
        poll_all(drv),
        [Ev::Message(WS_MESSAGE_TEXT, b"two".to_vec())]
    );
    ws_driver_free(drv);
}

// ---- output without a write callback ------------------------------------------

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
    assert_eq!(big[..n], plain(1, b"hey"));
    ws_driver_free(drv);
}

#[test]
fn commands_deliver_at_once_with_callbacks() {
    let h = open_server(Rec::default());
    assert_eq!(ws_text(h.drv, cs(c"now"), 3), ws_result::Ok);
    assert_eq!(h.rec().log, [Ev::Write(plain(1, b"now"))]);
    assert_eq!(ws_buffered_amount(h.drv), 0);
}

// ---- failing commands ------------------------------------------------------

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
    assert_eq!(h.parse(&plain(1, b"x")), ws_result::Ok);
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

// ---- client and server through the C API ---------------------------------------

/// Moves each side's writes to the other until both are quiet.
fn pump(a: &Harness, b: &Harness) {
    loop {
        let fa = a.rec().writes()[a.rec().pumped..].to_vec();
        let fb = b.rec().writes()[b.rec().pumped..].to_vec();
        if fa.is_empty() && fb.is_empty() {
            return;
        }
        a.rec().pumped += fa.len();
        b.rec().pumped += fb.len();
        if !fa.is_empty() {
            assert_eq!(b.parse(&fa), ws_result::Ok);
        }
        if !fb.is_empty() {
            assert_eq!(a.parse(&fb), ws_result::Ok);
        }
    }
}

#[test]
fn client_and_server_in_memory() {
    let o = ws_options_new();
    assert_eq!(ws_options_add_protocol(o, cs(c"chat")), ws_result::Ok);
    let client = harness(new_client(o, c"ws://example.com/path?q=1"), Rec::default());
    let server = harness(
        new_server(o),
        Rec {
            start_on_connect: true,
            echo: true,
            ..Rec::default()
        },
    );
    ws_options_free(o);
    assert_eq!(
        ws_set_header(client.drv, cs(c"X-Client"), cs(c"yes")),
        ws_result::Ok
    );
    assert_eq!(ws_text(client.drv, cs(c"early"), 5), ws_result::Ok);
    assert_eq!(ws_start(client.drv), ws_result::Ok);
    pump(&client, &server);

    assert_eq!(ws_state(client.drv), WS_STATE_OPEN);
    assert_eq!(ws_status(client.drv), 101);
    assert_eq!(text_of(ws_protocol(client.drv)).as_deref(), Some("chat"));
    assert_eq!(text_of(ws_protocol(server.drv)).as_deref(), Some("chat"));
    assert_eq!(
        text_of(ws_header(server.drv, cs(c"x-client"))).as_deref(),
        Some("yes")
    );
    assert_eq!(
        text_of(ws_request_path(server.drv)).as_deref(),
        Some("/path")
    );
    assert_eq!(
        text_of(ws_request_query(server.drv)).as_deref(),
        Some("q=1")
    );
    assert_eq!(
        text_of(ws_header(client.drv, cs(c"UPGRADE"))).as_deref(),
        Some("websocket")
    );
    assert_eq!(
        text_of(ws_url(client.drv)).as_deref(),
        Some("ws://example.com/path?q=1")
    );

    let big = vec![b'x'; 70_000];
    assert_eq!(
        ws_binary(client.drv, big.as_ptr(), big.len()),
        ws_result::Ok
    );
    pump(&client, &server);
    let got: Vec<Ev> = client
        .rec()
        .events()
        .into_iter()
        .filter(|e| matches!(e, Ev::Message(..)))
        .collect();
    assert!(
        got == [
            Ev::Message(WS_MESSAGE_TEXT, b"early".to_vec()),
            Ev::Message(WS_MESSAGE_BINARY, big.clone())
        ],
        "{} messages; server log {:?}",
        got.len(),
        server
            .rec()
            .log
            .iter()
            .map(|e| match e {
                Ev::Write(w) | Ev::Message(_, w) => format!("{} bytes", w.len()),
                e => format!("{e:?}"),
            })
            .collect::<Vec<_>>()
    );

    assert_eq!(ws_close(client.drv, 1000, cs(c"done"), 4), ws_result::Ok);
    pump(&client, &server);
    assert_eq!(ws_state(client.drv), WS_STATE_CLOSED);
    assert_eq!(ws_state(server.drv), WS_STATE_CLOSED);
    assert_eq!(
        client.rec().events().last(),
        Some(&Ev::Close(1000, "done".into()))
    );
    assert_eq!(
        server.rec().events().last(),
        Some(&Ev::Close(1000, "done".into()))
    );
}

#[test]
fn client_rejects_bad_response_and_bad_urls() {
    let mut drv = null_mut();
    for url in [c"http://example.com/", c"nonsense", c""] {
        assert_eq!(
            ws_driver_new_client(null(), cs(url), &mut drv),
            ws_result::InvalidUrl
        );
    }
    assert_eq!(
        ws_driver_new_client(null(), cs(c"ws://\xff/"), &mut drv),
        ws_result::InvalidUrl
    );
    assert!(drv.is_null());
    let client = harness(new_client(null(), c"ws://example.com/"), Rec::default());
    assert_eq!(ws_start(client.drv), ws_result::Ok);
    assert_eq!(
        client.parse(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
        ws_result::Ok
    );
    assert_eq!(ws_status(client.drv), 404);
    let ev = client.rec().events();
    assert!(
        matches!(&ev[0], Ev::Error(1002, m) if m.starts_with("Error during WebSocket handshake")),
        "{ev:?}"
    );
    assert!(matches!(&ev[1], Ev::Close(1002, _)), "{ev:?}");
}

// ---- queries ---------------------------------------------------------------

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

// ---- proxy -----------------------------------------------------------------

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
