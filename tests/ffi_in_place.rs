//! `ws_parse_in_place` called from Rust the way a C host calls it: the
//! callbacks see what `ws_parse` would give them, in the same order, with
//! whole messages pointing into the host's buffer; a stopping callback, a
//! free and input fed from a callback keep the callback rule.

use std::ffi::{c_char, c_int, c_void};
use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\n\
Upgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

fn frame(b0: u8, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let mut f = vec![b0];
    let len = payload.len();
    if len < 126 {
        f.push(0x80 | len as u8);
    } else if len <= 0xFFFF {
        f.push(0x80 | 126);
        f.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        f.push(0x80 | 127);
        f.extend_from_slice(&(len as u64).to_be_bytes());
    }
    f.extend_from_slice(&key);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    f
}

fn masked(op: u8, payload: &[u8]) -> Vec<u8> {
    frame(0x80 | op, payload, [9, 8, 7, 6])
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    Write(Vec<u8>),
    Message(u32, Vec<u8>),
    Ping(Vec<u8>),
    Close(u32, String),
    Error(u32, String),
}

#[derive(Default)]
struct Rec {
    log: Vec<Ev>,
    echo: bool,
    stop_at: usize,
    free_at: usize,
    /// Fed with `ws_parse_in_place` (nested, so stored) from the first message.
    feed: Vec<u8>,
    messages: usize,
    /// Where each message's bytes were.
    pointers: Vec<usize>,
    inner: Vec<(ws_result, usize)>,
}

fn rec<'a>(user: *mut c_void) -> &'a mut Rec {
    // SAFETY: every driver here registers a boxed `Rec` as `user`, reached
    // only through this pointer while the library runs.
    unsafe { &mut *user.cast::<Rec>() }
}

fn bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: the library passes `len` readable bytes, valid during the call.
    unsafe { std::slice::from_raw_parts(data, len) }
}

unsafe extern "C" fn on_write(u: *mut c_void, _: *mut ws_driver, d: *const u8, n: usize) -> c_int {
    rec(u).log.push(Ev::Write(bytes(d, n).to_vec()));
    0
}

unsafe extern "C" fn on_ping(u: *mut c_void, _: *mut ws_driver, d: *const u8, n: usize) -> c_int {
    rec(u).log.push(Ev::Ping(bytes(d, n).to_vec()));
    0
}

unsafe extern "C" fn on_close(
    u: *mut c_void,
    _: *mut ws_driver,
    code: u32,
    reason: *const c_char,
    n: usize,
) -> c_int {
    let text = String::from_utf8(bytes(reason.cast(), n).to_vec()).unwrap();
    rec(u).log.push(Ev::Close(code, text));
    0
}

unsafe extern "C" fn on_error(
    u: *mut c_void,
    _: *mut ws_driver,
    code: u32,
    message: *const c_char,
    n: usize,
) -> c_int {
    let text = String::from_utf8(bytes(message.cast(), n).to_vec()).unwrap();
    rec(u).log.push(Ev::Error(code, text));
    0
}

unsafe extern "C" fn on_message(
    u: *mut c_void,
    drv: *mut ws_driver,
    kind: u32,
    d: *const u8,
    n: usize,
) -> c_int {
    let r = rec(u);
    r.messages += 1;
    r.pointers.push(d as usize);
    let payload = bytes(d, n).to_vec();
    r.log.push(Ev::Message(kind, payload.clone()));
    if r.echo {
        let res = if kind == WS_MESSAGE_TEXT {
            ws_text(drv, payload.as_ptr().cast(), payload.len())
        } else {
            ws_binary(drv, payload.as_ptr(), payload.len())
        };
        rec(u).inner.push((res, 0));
    }
    let mut feed = std::mem::take(&mut rec(u).feed);
    if !feed.is_empty() {
        let mut used = 0;
        let res = ws_parse_in_place(drv, feed.as_mut_ptr(), feed.len(), 1 << 20, &mut used);
        rec(u).inner.push((res, used));
    }
    let r = rec(u);
    if r.free_at == r.messages {
        ws_driver_free(drv);
    }
    c_int::from(r.stop_at == r.messages)
}

struct Host {
    drv: *mut ws_driver,
    rec: *mut Rec,
    freed: bool,
}

impl Host {
    fn open(rec: Rec) -> Host {
        let mut drv = null_mut();
        assert_eq!(ws_driver_new_server(null(), &mut drv), ws_result::Ok);
        let rec = Box::into_raw(Box::new(rec));
        let u: *mut c_void = rec.cast();
        ws_on_write(drv, Some(on_write), u);
        ws_on_message(drv, Some(on_message), u);
        ws_on_ping(drv, Some(on_ping), u);
        ws_on_close(drv, Some(on_close), u);
        ws_on_error(drv, Some(on_error), u);
        assert_eq!(ws_start(drv), ws_result::Ok);
        assert_eq!(
            ws_parse(drv, REQUEST.as_ptr(), REQUEST.len()),
            ws_result::Ok
        );
        assert_eq!(ws_state(drv), WS_STATE_OPEN);
        let h = Host {
            drv,
            rec,
            freed: false,
        };
        h.rec().log.clear();
        h
    }

    #[allow(clippy::mut_from_ref)]
    fn rec(&self) -> &mut Rec {
        // SAFETY: alive until drop; never borrowed across a library call.
        unsafe { &mut *self.rec }
    }

    /// Reads `input` `chunk` bytes at a time into a buffer of `cap` bytes,
    /// decoding in place, as a C host would; at the end, whatever was kept
    /// goes in with `cap` 0.
    fn run(&self, input: &[u8], chunk: usize, cap: usize) {
        let mut buf = vec![0u8; cap.max(chunk)];
        let (mut at, mut len) = (0, 0);
        while at < input.len() || len > 0 {
            let n = chunk.min(buf.len() - len).min(input.len() - at);
            buf[len..len + n].copy_from_slice(&input[at..at + n]);
            at += n;
            len += n;
            let room = if at == input.len() { 0 } else { cap };
            let mut used = usize::MAX;
            let r = ws_parse_in_place(self.drv, buf.as_mut_ptr(), len, room, &mut used);
            assert_eq!(r, ws_result::Ok);
            assert!(used <= len);
            buf.copy_within(used..len, 0);
            len -= used;
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if !self.freed {
            ws_driver_free(self.drv);
        }
        // SAFETY: made by Box::into_raw in `open`; the driver is gone.
        drop(unsafe { Box::from_raw(self.rec) });
    }
}

fn traffic() -> Vec<u8> {
    let mut input = Vec::new();
    for len in [0usize, 5, 125, 126, 1000, 70_000] {
        let data: Vec<u8> = (0..len).map(|i| (i * 31) as u8).collect();
        input.extend(masked(0x2, &data));
        let text: String = "ab€😀".chars().cycle().take(len / 3).collect();
        input.extend(masked(0x1, text.as_bytes()));
        input.extend(masked(0x9, b"ping"));
    }
    input.extend(frame(0x01, b"frag", [1, 2, 3, 4]));
    input.extend(masked(0x9, b"in between"));
    input.extend(frame(0x80, b"mented", [5, 6, 7, 8]));
    input.extend(masked(0x1, b"last"));
    input.extend(masked(0x8, &[0x03, 0xe8]));
    input
}

#[test]
fn callbacks_see_what_ws_parse_gives_however_the_input_is_split() {
    let input = traffic();
    let want = Host::open(Rec {
        echo: true,
        ..Rec::default()
    });
    assert_eq!(
        ws_parse(want.drv, input.as_ptr(), input.len()),
        ws_result::Ok
    );
    let want = std::mem::take(&mut want.rec().log);
    assert!(want.len() > 30);
    for chunk in [1, 3, 64, 1000, 1 << 20] {
        for cap in [0, 20, 2000, 1 << 20] {
            let h = Host::open(Rec {
                echo: true,
                ..Rec::default()
            });
            h.run(&input, chunk, cap);
            assert_eq!(h.rec().log, want, "chunk {chunk}, cap {cap}");
        }
    }
}

#[test]
fn whole_messages_point_into_the_hosts_buffer() {
    let h = Host::open(Rec::default());
    let mut buf = [masked(0x2, b"one"), masked(0x1, b"two")].concat();
    let mut used = 0;
    let r = ws_parse_in_place(h.drv, buf.as_mut_ptr(), buf.len(), buf.len(), &mut used);
    assert_eq!((r, used), (ws_result::Ok, buf.len()));
    let base = buf.as_ptr() as usize;
    assert_eq!(h.rec().pointers, [base + 6, base + 9 + 6]);
    assert_eq!(&buf[6..9], b"one", "unmasked in place");
    assert_eq!(
        h.rec().log,
        [
            Ev::Message(WS_MESSAGE_BINARY, b"one".to_vec()),
            Ev::Message(WS_MESSAGE_TEXT, b"two".to_vec())
        ]
    );
}

#[test]
fn a_frame_that_fits_is_left_for_the_host_and_one_that_does_not_is_taken() {
    let h = Host::open(Rec::default());
    let whole = [masked(0x2, b"first"), masked(0x2, &[7u8; 300])].concat();
    let cut = whole.len() - 100;
    let mut buf = whole[..cut].to_vec();
    let mut used = 0;
    let r = ws_parse_in_place(h.drv, buf.as_mut_ptr(), buf.len(), 4096, &mut used);
    assert_eq!((r, used), (ws_result::Ok, 11), "the second frame is kept");
    assert_eq!(&buf[11..], &whole[11..cut], "untouched");
    // With less room than the frame needs, it is stored by the driver.
    let r = ws_parse_in_place(h.drv, buf[11..].as_mut_ptr(), cut - 11, 100, &mut used);
    assert_eq!((r, used), (ws_result::Ok, cut - 11));
    let mut rest = whole[cut..].to_vec();
    let r = ws_parse_in_place(h.drv, rest.as_mut_ptr(), rest.len(), 4096, &mut used);
    assert_eq!((r, used), (ws_result::Ok, 100));
    assert_eq!(h.rec().messages, 2);
    assert_eq!(h.rec().log[1], Ev::Message(WS_MESSAGE_BINARY, vec![7; 300]));
}

#[test]
fn a_stopping_callback_leaves_the_rest_to_the_host() {
    let h = Host::open(Rec {
        stop_at: 2,
        ..Rec::default()
    });
    let frames = [masked(0x2, b"a"), masked(0x2, b"b"), masked(0x2, b"c")];
    let mut buf = frames.concat();
    let mut used = 0;
    let r = ws_parse_in_place(h.drv, buf.as_mut_ptr(), buf.len(), 0, &mut used);
    assert_eq!((r, used), (ws_result::CallbackStopped, 14));
    let r = ws_parse_in_place(h.drv, buf[14..].as_mut_ptr(), 7, 0, &mut used);
    assert_eq!((r, used), (ws_result::Ok, 7));
    assert_eq!(
        h.rec().log,
        [b"a", b"b", b"c"].map(|p| Ev::Message(WS_MESSAGE_BINARY, p.to_vec()))
    );
}

#[test]
fn a_free_from_on_message_ends_the_call_without_another_callback() {
    let mut h = Host::open(Rec {
        free_at: 1,
        ..Rec::default()
    });
    let mut buf = [masked(0x2, b"a"), masked(0x2, b"b")].concat();
    let mut used = 0;
    let r = ws_parse_in_place(h.drv, buf.as_mut_ptr(), buf.len(), 0, &mut used);
    assert_eq!(r, ws_result::Ok);
    assert_eq!(h.rec().messages, 1);
    h.freed = true;
}

#[test]
fn input_fed_from_a_callback_follows_the_calls_own() {
    let h = Host::open(Rec {
        feed: masked(0x2, b"fed"),
        ..Rec::default()
    });
    let mut buf = [masked(0x2, b"own1"), masked(0x2, b"own2")].concat();
    let mut used = 0;
    let r = ws_parse_in_place(h.drv, buf.as_mut_ptr(), buf.len(), 4096, &mut used);
    assert_eq!((r, used), (ws_result::Ok, buf.len()));
    assert_eq!(
        h.rec().inner,
        [(ws_result::Ok, 9)],
        "the nested call stores"
    );
    let mut none = [];
    let r = ws_parse_in_place(h.drv, none.as_mut_ptr(), 0, 0, &mut used);
    assert_eq!(r, ws_result::Ok);
    assert_eq!(
        h.rec().log,
        [&b"own1"[..], b"own2", b"fed"].map(|p| Ev::Message(WS_MESSAGE_BINARY, p.to_vec()))
    );
}

#[test]
fn with_input_fed_from_a_callback_nothing_is_left_for_the_host() {
    let h = Host::open(Rec {
        feed: masked(0x2, b"fed"),
        ..Rec::default()
    });
    let partial = masked(0x2, &[1u8; 50]);
    let mut buf = [masked(0x2, b"own"), partial[..20].to_vec()].concat();
    let mut used = 0;
    let r = ws_parse_in_place(h.drv, buf.as_mut_ptr(), buf.len(), 4096, &mut used);
    // The partial frame would fit, but what was fed follows it on the
    // driver's wire: it is stored, before what was fed.
    assert_eq!((r, used), (ws_result::Ok, buf.len()));
}

#[test]
fn arguments_are_checked() {
    let h = Host::open(Rec::default());
    let mut used = 7;
    let mut b = [0u8; 4];
    assert_eq!(
        ws_parse_in_place(null_mut(), b.as_mut_ptr(), 4, 0, &mut used),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_parse_in_place(h.drv, b.as_mut_ptr(), 4, 0, null_mut()),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_parse_in_place(h.drv, null_mut(), 4, 0, &mut used),
        ws_result::NullParameter
    );
    assert_eq!(
        ws_parse_in_place(h.drv, b.as_mut_ptr(), usize::MAX, 0, &mut used),
        ws_result::InvalidArgument
    );
    assert_eq!(used, 7, "output untouched on failure");
    assert_eq!(
        ws_parse_in_place(h.drv, null_mut(), 0, 0, &mut used),
        ws_result::Ok
    );
    assert_eq!(used, 0);
}

// ---- pull style: ws_poll_in_place ------------------------------------------

/// An open server without callbacks whose handshake output was taken.
fn open_pull_server() -> *mut ws_driver {
    let mut drv = null_mut();
    assert_eq!(ws_driver_new_server(null(), &mut drv), ws_result::Ok);
    assert_eq!(ws_start(drv), ws_result::Ok);
    assert_eq!(ws_feed(drv, REQUEST.as_ptr(), REQUEST.len()), ws_result::Ok);
    let mut a = ws_action::empty();
    while ws_poll(drv, &mut a) == ws_result::Ok {}
    assert_eq!(ws_state(drv), WS_STATE_OPEN);
    drv
}

/// One action as comparable data.
fn pulled(a: &ws_action) -> (u32, u32, u32, Vec<u8>) {
    (
        a.kind,
        a.message_kind,
        a.code,
        bytes(a.data, a.len).to_vec(),
    )
}

#[test]
fn pulling_in_place_gives_what_ws_poll_gives_however_the_input_is_split() {
    let input = traffic();
    let d = open_pull_server();
    assert_eq!(ws_feed(d, input.as_ptr(), input.len()), ws_result::Ok);
    let mut want = Vec::new();
    let mut a = ws_action::empty();
    while ws_poll(d, &mut a) == ws_result::Ok {
        want.push(pulled(&a));
    }
    ws_driver_free(d);
    assert!(want.len() > 20);
    for chunk in [1, 3, 64, 1000, 1 << 20] {
        for cap in [0, 20, 2000, 1 << 20] {
            let d = open_pull_server();
            let mut got = Vec::new();
            let mut buf = vec![0u8; cap.max(chunk)];
            let (mut at, mut len) = (0, 0);
            while at < input.len() || len > 0 {
                let n = chunk.min(buf.len() - len).min(input.len() - at);
                buf[len..len + n].copy_from_slice(&input[at..at + n]);
                at += n;
                len += n;
                let room = if at == input.len() { 0 } else { cap };
                let mut pos = 0;
                loop {
                    let mut used = usize::MAX;
                    let r = ws_poll_in_place(
                        d,
                        buf[pos..].as_mut_ptr(),
                        len - pos,
                        room,
                        &mut a,
                        &mut used,
                    );
                    assert!(used <= len - pos);
                    pos += used;
                    if r == ws_result::Empty {
                        break;
                    }
                    assert_eq!(r, ws_result::Ok);
                    got.push(pulled(&a));
                }
                buf.copy_within(pos..len, 0);
                len -= pos;
            }
            assert_eq!(got, want, "chunk {chunk}, cap {cap}");
            ws_driver_free(d);
        }
    }
}

#[test]
fn a_pulled_message_points_into_the_hosts_buffer() {
    let d = open_pull_server();
    let mut buf = [masked(0x2, b"one"), masked(0x9, b"p"), masked(0x1, b"two")].concat();
    let mut a = ws_action::empty();
    let mut used = 0;
    let r = ws_poll_in_place(d, buf.as_mut_ptr(), buf.len(), 0, &mut a, &mut used);
    assert_eq!((r, used), (ws_result::Ok, 9));
    assert_eq!(
        (a.kind, a.message_kind, a.len),
        (WS_ACTION_MESSAGE, WS_MESSAGE_BINARY, 3)
    );
    assert_eq!(a.data, buf[6..].as_ptr());
    // The ping goes the ordinary way: its pong, then the event.
    let mut kinds = Vec::new();
    let mut pos = 9;
    loop {
        let r = ws_poll_in_place(
            d,
            buf[pos..].as_mut_ptr(),
            buf.len() - pos,
            0,
            &mut a,
            &mut used,
        );
        pos += used;
        if r == ws_result::Empty {
            break;
        }
        kinds.push(a.kind);
    }
    assert_eq!(kinds, [WS_ACTION_WRITE, WS_ACTION_PING, WS_ACTION_MESSAGE]);
    assert_eq!(
        a.data,
        buf[pos - 3..].as_ptr(),
        "the last message is in place too"
    );
    assert_eq!(pos, buf.len());
    let mut small = ws_action::empty();
    small.struct_size = 4;
    assert_eq!(
        ws_poll_in_place(d, buf.as_mut_ptr(), 0, 0, &mut small, &mut used),
        ws_result::InvalidArgument
    );
    assert_eq!(
        ws_poll_in_place(d, buf.as_mut_ptr(), 0, 0, null_mut(), &mut used),
        ws_result::NullParameter
    );
    ws_driver_free(d);
}
