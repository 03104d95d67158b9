//! Fixtures shared by the C API tests: the request, frame builders (from
//! tests/common), and a driver whose recording callbacks log everything it
//! reports (`Ev`), comparable with what `ws_poll` hands out.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

pub const REQUEST: &[u8] = b"GET /chat?room=1&x=y HTTP/1.1\r\nHost: example.com\r\n\
Upgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\nX-Custom: one\r\n\r\n";

pub use crate::common::{KEY, masked, unmasked};

pub fn cs(s: &CStr) -> *const c_char {
    s.as_ptr()
}

pub fn text_of(p: *const c_char) -> Option<String> {
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
pub enum Ev {
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
pub struct Rec {
    pub log: Vec<Ev>,
    pub start_on_connect: bool,
    pub echo: bool,
    pub close_on_open: bool,
    pub ping_on_pong: u32,
    pub free_on_message: bool,
    /// Return non-zero from the message callback for these (1-based) messages.
    pub stop_on_messages: Vec<usize>,
    pub messages: usize,
    pub pong_replies: Vec<usize>,
    /// Results of calls made from inside callbacks.
    pub inner: Vec<ws_result>,
    /// Bytes of `writes()` already handed to the peer by `pump`.
    pub pumped: usize,
    /// Fed with `ws_parse` from inside the first message callback.
    pub feed_on_first_message: Vec<u8>,
}

impl Rec {
    pub fn writes(&self) -> Vec<u8> {
        self.log
            .iter()
            .filter_map(|e| match e {
                Ev::Write(b) => Some(b.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    pub fn events(&self) -> Vec<Ev> {
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
pub struct Harness {
    pub drv: *mut ws_driver,
    pub rec: *mut Rec,
}

impl Harness {
    #[allow(clippy::mut_from_ref)]
    pub fn rec(&self) -> &mut Rec {
        // SAFETY: the recorder lives until `drop`; callbacks only touch it
        // during library calls, and this borrow never spans one.
        unsafe { &mut *self.rec }
    }

    pub fn user(&self) -> *mut c_void {
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

    pub fn parse(&self, data: &[u8]) -> ws_result {
        ws_parse(self.drv, data.as_ptr(), data.len())
    }

    /// Forgets the driver without freeing it (a test freed it already).
    pub fn freed(mut self) {
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

pub fn harness(drv: *mut ws_driver, rec: Rec) -> Harness {
    let h = Harness {
        drv,
        rec: Box::into_raw(Box::new(rec)),
    };
    h.register_all();
    h
}

pub fn new_server(opts: *const ws_options) -> *mut ws_driver {
    let mut drv = null_mut();
    assert_eq!(ws_driver_new_server(opts, &mut drv), ws_result::Ok);
    assert!(!drv.is_null());
    drv
}

pub fn new_client(opts: *const ws_options, url: &CStr) -> *mut ws_driver {
    let mut drv = null_mut();
    assert_eq!(ws_driver_new_client(opts, cs(url), &mut drv), ws_result::Ok);
    drv
}

/// A server with recording callbacks that starts on connect.
pub fn open_server(rec: Rec) -> Harness {
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

pub fn rec<'a>(user: *mut c_void) -> &'a mut Rec {
    // SAFETY: every test registers a `Harness` recorder as `user`; no other
    // borrow of it is alive while the library runs.
    unsafe { &mut *user.cast::<Rec>() }
}

pub fn bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    // SAFETY: the library passes `len` readable bytes, valid during the
    // callback.
    unsafe { std::slice::from_raw_parts(data, len) }
}

pub fn string(data: *const c_char, len: usize) -> String {
    let b = bytes(data.cast(), len);
    // SAFETY: texts are NUL-terminated after `len` bytes.
    assert_eq!(unsafe { *data.add(len) }, 0);
    String::from_utf8(b.to_vec()).unwrap()
}

pub unsafe extern "C" fn on_write(
    user: *mut c_void,
    _: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    rec(user).log.push(Ev::Write(bytes(data, len).to_vec()));
    0
}

pub unsafe extern "C" fn on_connect(user: *mut c_void, drv: *mut ws_driver) -> c_int {
    let r = rec(user);
    r.log.push(Ev::Connect);
    if r.start_on_connect {
        let res = ws_start(drv);
        rec(user).inner.push(res);
    }
    0
}

pub unsafe extern "C" fn on_open(user: *mut c_void, drv: *mut ws_driver) -> c_int {
    let r = rec(user);
    r.log.push(Ev::Open);
    if r.close_on_open {
        let reason = b"bye";
        let res = ws_close(drv, 4000, reason.as_ptr().cast(), reason.len());
        rec(user).inner.push(res);
    }
    0
}

pub unsafe extern "C" fn on_message(
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

pub unsafe extern "C" fn on_ping(
    user: *mut c_void,
    _: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    rec(user).log.push(Ev::Ping(bytes(data, len).to_vec()));
    0
}

pub unsafe extern "C" fn on_pong(
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

pub unsafe extern "C" fn on_close(
    user: *mut c_void,
    _: *mut ws_driver,
    code: u32,
    reason: *const c_char,
    len: usize,
) -> c_int {
    rec(user).log.push(Ev::Close(code, string(reason, len)));
    0
}

pub unsafe extern "C" fn on_error(
    user: *mut c_void,
    _: *mut ws_driver,
    code: u32,
    message: *const c_char,
    len: usize,
) -> c_int {
    rec(user).log.push(Ev::Error(code, string(message, len)));
    0
}

pub unsafe extern "C" fn pong_reply(user: *mut c_void, _: *mut ws_driver) -> c_int {
    // `user` here is a small integer id, not a pointer.
    let id = user as usize;
    let _ = id;
    0
}

pub unsafe extern "C" fn pong_reply_rec(user: *mut c_void, _: *mut ws_driver) -> c_int {
    let r = rec(user);
    let n = r.pong_replies.len();
    r.pong_replies.push(n);
    r.log.push(Ev::PingAnswered(u64::MAX));
    0
}

/// Takes every action with `ws_poll`.
pub fn poll_all(drv: *mut ws_driver) -> Vec<Ev> {
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

pub fn ev_of(a: &ws_action) -> Ev {
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

pub fn response_head(writes: &[u8]) -> String {
    let end = writes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    String::from_utf8(writes[..end].to_vec()).unwrap()
}

pub fn open_server_with(opts: *const ws_options) -> Harness {
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
