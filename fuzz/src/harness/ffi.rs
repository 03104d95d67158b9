//! The C API target: random sequences of `ws_*` calls with callbacks that call
//! back into the same driver.

use std::ffi::{c_char, c_int, c_void};

use wsdriver::ffi::*;

use super::ffi_calls::*;
use super::ffi_extension::*;
use super::fixtures::*;

const RESULT_PANIC: u32 = 2;
const RESULT_EMPTY: u32 = ws_result::Empty as u32;

/// Per-driver state the callbacks see through `user`.
pub(crate) struct Ctx {
    /// This context as registered with the driver (`user`).
    me: *mut c_void,
    script: Vec<u8>,
    pos: usize,
    pub(crate) drv: *mut ws_driver,
    pub(crate) freed: bool,
    closes: u32,
    last_state: u32,
    pub(crate) depth: u32,
    pub(crate) calls: u32,
    /// The callback extension: NULL when none, or once it is freed.
    pub(crate) ext: *mut ws_extension,
    /// Owned by the driver (added): freed with it.
    pub(crate) ext_added: bool,
    pub(crate) destroyed: u32,
}

impl Ctx {
    pub(crate) fn next(&mut self) -> u8 {
        let b = self.script.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
}

pub(crate) fn ok(r: ws_result) {
    assert_ne!(r as u32, RESULT_PANIC, "a ws_* call panicked");
}

pub(crate) unsafe fn ctx<'a>(user: *mut c_void) -> &'a mut Ctx {
    unsafe { &mut *(user as *mut Ctx) }
}

fn check_state(c: &mut Ctx) {
    if c.freed {
        return;
    }
    let s = ws_state(c.drv);
    assert!(s <= 3, "state {s}");
    assert!(
        s >= c.last_state,
        "ws_state went back from {} to {}",
        c.last_state,
        s
    );
    c.last_state = s;
}

/// A reentrant reaction from inside a callback, picked by the script.
/// Returns the callback's return value.
pub(crate) fn react(c: &mut Ctx) -> c_int {
    check_state(c);
    if c.freed || c.depth > 4 || c.calls > 2000 {
        return 0;
    }
    c.calls += 1;
    c.depth += 1;
    let d = c.drv;
    let op = c.next();
    let mut rc = 0;
    match op % 16 {
        0..=3 => {}
        4 => ok(ws_text(d, c"hi".as_ptr(), 2)),
        5 => ok(ws_binary(d, [1u8, 2, 3].as_ptr(), 3)),
        6 => ok(ws_close(d, 1000 + c.next() as u32, c"r".as_ptr(), 1)),
        7 => {
            let n = (c.next() % 16) as usize;
            let start = c.pos.min(c.script.len());
            let end = (start + n).min(c.script.len());
            let mut chunk = c.script[start..end].to_vec();
            c.pos = end;
            if op & 0x80 != 0 {
                // Nested: stored whole, whatever the room.
                let mut used = usize::MAX;
                ok(ws_parse_in_place(
                    d,
                    chunk.as_mut_ptr(),
                    chunk.len(),
                    1 << 20,
                    &mut used,
                ));
                assert!(c.freed || used == chunk.len(), "a nested call left input");
            } else {
                ok(ws_parse(d, chunk.as_ptr(), chunk.len()));
            }
        }
        8 => {
            ws_driver_free(d);
            c.freed = true;
        }
        9 => rc = 1,
        10 => ok(ws_ping(d, b"x".as_ptr(), 1, Some(pong_reply), c.me)),
        11 => ok(ws_transport_closed(d)),
        12 => ok(ws_start(d)),
        13 if op & 0x80 != 0 => framing(d, c.next(), b"hello"),
        13 => {
            let mut buf = [0u8; 64];
            let mut n = 0usize;
            ok(ws_take_output(d, buf.as_mut_ptr(), buf.len(), &mut n));
        }
        14 if op & 0x80 != 0 => answer(d, c.next()),
        14 => queries(d),
        _ => {
            let mut a = ws_action::empty();
            ok(ws_poll(d, &mut a));
            touch(&a);
        }
    }
    c.depth -= 1;
    check_state(c);
    rc
}

/// Hands input an in-place call left to the host to the driver, before
/// other input. A callback may free the driver meanwhile: the caller checks
/// `freed` before it uses the handle again.
fn flush(d: *mut ws_driver, kept: &mut Vec<u8>) {
    if !kept.is_empty() {
        ok(ws_parse(d, kept.as_ptr(), kept.len()));
        kept.clear();
    }
}

unsafe extern "C" fn on_write(
    user: *mut c_void,
    _d: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(data, len) };
    std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn on_event(user: *mut c_void, _d: *mut ws_driver) -> c_int {
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn on_message(
    user: *mut c_void,
    _d: *mut ws_driver,
    kind: u32,
    data: *const u8,
    len: usize,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(data, len) };
    if kind == WS_MESSAGE_TEXT {
        // Hixie text is not checked; only assert for hybi drivers.
        let v = ws_driver_version(_d);
        if !v.is_null()
            && unsafe { std::ffi::CStr::from_ptr(v) }
                .to_bytes()
                .starts_with(b"hybi")
        {
            assert!(std::str::from_utf8(s).is_ok(), "text is not UTF-8");
        }
    }
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn on_bytes(
    user: *mut c_void,
    _d: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    assert!(len <= 125);
    let s = unsafe { std::slice::from_raw_parts(data, len) };
    std::hint::black_box(s.len());
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn on_close(
    user: *mut c_void,
    _d: *mut ws_driver,
    _code: u32,
    reason: *const c_char,
    len: usize,
) -> c_int {
    let c = unsafe { ctx(user) };
    c.closes += 1;
    assert!(c.closes <= 1, "close callback twice");
    let s = unsafe { std::slice::from_raw_parts(reason as *const u8, len + 1) };
    assert_eq!(s[len], 0, "reason not NUL-terminated");
    react(c)
}
unsafe extern "C" fn on_error(
    user: *mut c_void,
    _d: *mut ws_driver,
    _code: u32,
    msg: *const c_char,
    len: usize,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(msg as *const u8, len + 1) };
    assert_eq!(s[len], 0, "message not NUL-terminated");
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn pong_reply(user: *mut c_void, _d: *mut ws_driver) -> c_int {
    react(unsafe { ctx(user) })
}

/// Random sequences of ws_* calls on one driver, with callbacks that call
/// back into the same driver (text, close, parse, free, stop, poll ...).
/// Byte 0: driver kind and options; byte 1: which callbacks; the rest are
/// operations with their arguments; the reaction script for callbacks is
/// the same byte stream, read from the end.
pub fn ffi(data: &[u8]) {
    let mut b = Bytes::new(data);
    let kind = b.byte();
    let cbs = b.byte();
    let script: Vec<u8> = data.iter().rev().copied().collect();
    // Callbacks reach the context through `user`; this function does too
    // (through `cx()`), never holding a reference across a ws_* call, so the
    // accesses nest as Stacked Borrows requires.
    let cp: *mut Ctx = Box::into_raw(Box::new(Ctx {
        me: std::ptr::null_mut(),
        script,
        pos: 0,
        drv: std::ptr::null_mut(),
        freed: false,
        closes: 0,
        last_state: 0,
        depth: 0,
        calls: 0,
        ext: std::ptr::null_mut(),
        ext_added: false,
        destroyed: 0,
    }));
    // SAFETY: `cp` is live until the end of this function; each borrow is
    // used only until the next ws_* call.
    let cx = || unsafe { &mut *cp };
    let opts = ws_options_new();
    ok(ws_options_set_max_length(
        opts,
        MAX_LENGTHS[(kind >> 4 & 7) as usize],
    ));
    ok(ws_options_set_max_queued(opts, 3));
    ok(ws_options_set_max_pending_pings(opts, 2));
    ok(ws_options_set_retained_buffer(opts, 64));
    let mut d: *mut ws_driver = std::ptr::null_mut();
    let with_ext = cbs & 128 != 0;
    let ext_header = if with_ext {
        "Sec-WebSocket-Extensions: x-fuzz; a=1\r\n"
    } else {
        ""
    };
    let prefix: Vec<u8> = match kind % 4 {
        0 => {
            ok(ws_driver_new_server(opts, &mut d));
            hybi_request(ext_header)
        }
        1 => {
            ok(ws_driver_new_server(opts, &mut d));
            H76.as_bytes().to_vec()
        }
        2 => {
            ok(ws_options_set_client_key(
                opts,
                c"AQIDBAUGBwgJCgsMDQ4PEA==".as_ptr(),
            ));
            ok(ws_driver_new_client(
                opts,
                c"ws://example.com/chat".as_ptr(),
                &mut d,
            ));
            client_response(ext_header)
        }
        _ => {
            let names = [
                c"Host".as_ptr(),
                c"Upgrade".as_ptr(),
                c"Connection".as_ptr(),
                c"Sec-WebSocket-Key".as_ptr(),
                c"Sec-WebSocket-Version".as_ptr(),
            ];
            let values = [
                c"example.com".as_ptr(),
                c"websocket".as_ptr(),
                c"Upgrade".as_ptr(),
                c"dGhlIHNhbXBsZSBub25jZQ==".as_ptr(),
                c"13".as_ptr(),
            ];
            ok(ws_driver_new_rack(
                opts,
                c"GET".as_ptr(),
                c"/chat?x=1".as_ptr(),
                names.as_ptr(),
                values.as_ptr(),
                names.len(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                &mut d,
            ));
            Vec::new()
        }
    };
    ws_options_free(opts);
    assert!(!d.is_null(), "driver not created");
    cx().drv = d;
    let user = cp as *mut c_void;
    cx().me = user;
    if cbs & 1 != 0 {
        ok(ws_on_write(d, Some(on_write), user));
    }
    if cbs & 2 != 0 {
        ok(ws_on_connect(d, Some(on_event), user));
    }
    if cbs & 4 != 0 {
        ok(ws_on_open(d, Some(on_event), user));
    }
    if cbs & 8 != 0 {
        ok(ws_on_message(d, Some(on_message), user));
    }
    if cbs & 16 != 0 {
        ok(ws_on_ping(d, Some(on_bytes), user));
        ok(ws_on_pong(d, Some(on_bytes), user));
    }
    if cbs & 32 != 0 {
        ok(ws_on_close(d, Some(on_close), user));
    }
    if cbs & 64 != 0 {
        ok(ws_on_error(d, Some(on_error), user));
    }
    if with_ext {
        // A callback extension whose every callback (offer, activate,
        // respond, incoming, outgoing, destroy) makes random calls.
        let mut e: *mut ws_extension = std::ptr::null_mut();
        ok(ws_extension_new(c"x-fuzz".as_ptr(), WS_RSV2, &mut e));
        ok(ws_extension_set_user(e, user, Some(ext_destroy)));
        ok(ws_extension_on_offer(e, Some(ext_offer)));
        ok(ws_extension_on_activate(e, Some(ext_activate)));
        ok(ws_extension_on_respond(e, Some(ext_respond)));
        ok(ws_extension_on_incoming(e, Some(ext_message)));
        ok(ws_extension_on_outgoing(e, Some(ext_message)));
        cx().ext = e;
        let r = ws_add_extension(d, e);
        ok(r);
        cx().ext_added = r as u32 == 0;
    }
    let mut prefix_at = 0;
    // Input an in-place call left to the host, passed before any other.
    let mut kept: Vec<u8> = Vec::new();
    let mut ops = 0;
    while !b.is_empty() && !cx().freed && ops < 200 {
        ops += 1;
        check_state(cx());
        let op = b.byte();
        match op % 20 {
            0 | 1 => {
                // The next piece of the handshake prefix, then raw bytes.
                let n = 1 + b.byte() as usize;
                let chunk: Vec<u8> = if prefix_at < prefix.len() {
                    let end = (prefix_at + n * 4).min(prefix.len());
                    let p = prefix[prefix_at..end].to_vec();
                    prefix_at = end;
                    p
                } else {
                    b.take(n).to_vec()
                };
                if op & 0x80 != 0 {
                    // In place, over a host buffer that keeps what is left
                    // (a frame that fits in the room, or input after a stop).
                    let room = [0, 8, 64, 1 << 16][(op >> 5 & 3) as usize];
                    let mut buf = std::mem::take(&mut kept);
                    buf.extend_from_slice(&chunk);
                    let mut used = usize::MAX;
                    ok(ws_parse_in_place(
                        d,
                        buf.as_mut_ptr(),
                        buf.len(),
                        room,
                        &mut used,
                    ));
                    if !cx().freed {
                        assert!(used <= buf.len(), "used more than given");
                        kept = buf[used.min(buf.len())..].to_vec();
                    }
                } else {
                    flush(d, &mut kept);
                    if cx().freed {
                        break;
                    }
                    ok(ws_parse(d, chunk.as_ptr(), chunk.len()));
                }
            }
            3 => {
                flush(d, &mut kept);
                if cx().freed {
                    break;
                }
                let chunk = b.take_mod(256);
                if op & 0x80 != 0 {
                    let mut used = usize::MAX;
                    ok(ws_read(d, chunk.as_ptr(), chunk.len(), &mut used));
                    if !cx().freed {
                        assert!(used <= chunk.len(), "ws_read used more than given");
                        kept.extend_from_slice(&chunk[used..]);
                    }
                } else if op & 0x40 != 0 {
                    // Lent: the fuzz input outlives the driver, so the
                    // bytes stay valid whatever ends the lend.
                    ok(ws_lend(d, chunk.as_ptr(), chunk.len()));
                } else {
                    ok(ws_feed(d, chunk.as_ptr(), chunk.len()));
                }
            }
            2 if op & 0x80 != 0 => ok(ws_lend_end(d)),
            2 => ok(ws_parse(d, std::ptr::null(), 0)),
            4 => {
                let mut a = ws_action::empty();
                if op & 0x80 != 0 {
                    a.struct_size = 8;
                }
                ok(ws_poll(d, &mut a));
                touch(&a);
            }
            5 => {
                let mut buf = [0u8; 300];
                let cap = b.byte() as usize;
                let mut n = 0usize;
                ok(ws_take_output(
                    d,
                    buf.as_mut_ptr(),
                    cap.min(buf.len()),
                    &mut n,
                ));
                assert!(n <= cap);
            }
            6 => {
                let t = b.take_mod(32);
                ok(ws_text(d, t.as_ptr() as *const c_char, t.len()));
            }
            7 => {
                let t = b.take_mod(256);
                ok(ws_binary(d, t.as_ptr(), t.len()));
            }
            8 => {
                let t = b.take_mod(130);
                ok(ws_ping(d, t.as_ptr(), t.len(), Some(pong_reply), user));
            }
            9 => {
                let t = b.take_mod(4);
                ok(ws_ping_token(d, t.as_ptr(), t.len(), b.u16() as u64));
            }
            10 => {
                let t = b.take_mod(130);
                ok(ws_pong(d, t.as_ptr(), t.len()));
            }
            11 => {
                let code = b.u16() as u32;
                let t = b.take_mod(130);
                ok(ws_close(d, code, t.as_ptr() as *const c_char, t.len()));
            }
            12 => ok(ws_transport_closed(d)),
            13 if op & 0x80 != 0 => answer(d, b.byte()),
            13 => ok(ws_start(d)),
            14 if op & 0x80 != 0 => {
                let sel = b.byte();
                let t = b.take_mod(300);
                framing(d, sel, t);
            }
            14 => ok(ws_set_header(d, c"X-Fuzz".as_ptr(), c"1".as_ptr())),
            15 => queries(d),
            16 => {
                // Switch a callback on or off mid-stream.
                if op & 0x80 != 0 {
                    ok(ws_on_write(d, None, user));
                } else {
                    ok(ws_on_write(d, Some(on_write), user));
                }
            }
            17 => {
                let mut p: *mut ws_proxy = std::ptr::null_mut();
                let r = ws_proxy_new(d, c"http://u:p@proxy:3128".as_ptr(), &mut p);
                ok(r);
                if !p.is_null() {
                    ok(ws_proxy_start(p));
                    let chunk = b.take_mod(256);
                    let mut used = 0usize;
                    ok(ws_proxy_parse(p, chunk.as_ptr(), chunk.len(), &mut used));
                    assert!(used <= chunk.len());
                    let mut a = ws_action::empty();
                    while ws_proxy_poll(p, &mut a) as u32 == 0 {
                        touch(&a);
                    }
                    ws_proxy_free(p);
                }
            }
            18 => {
                ws_driver_free(d);
                cx().freed = true;
            }
            _ if op & 0x80 != 0 => {
                // Pull in place: the next input after what was kept.
                let room = [0, 8, 64, 1 << 16][(op >> 5 & 3) as usize];
                kept.extend_from_slice(b.take_mod(256));
                let mut a = ws_action::empty();
                let (mut pos, mut n) = (0, 0);
                loop {
                    let mut used = usize::MAX;
                    let r = ws_poll_in_place(
                        d,
                        kept[pos..].as_mut_ptr(),
                        kept.len() - pos,
                        room,
                        &mut a,
                        &mut used,
                    );
                    ok(r);
                    let r = r as u32;
                    if r != 0 && r != RESULT_EMPTY {
                        break; // refused (freed from a callback): nothing used
                    }
                    assert!(used <= kept.len() - pos, "used more than given");
                    pos += used;
                    if r == RESULT_EMPTY {
                        break;
                    }
                    touch(&a);
                    n += 1;
                    if n >= 1000 {
                        break;
                    }
                }
                kept.drain(..pos);
            }
            _ => {
                let mut a = ws_action::empty();
                let mut n = 0;
                while ws_poll(d, &mut a) as u32 == 0 && n < 1000 {
                    touch(&a);
                    n += 1;
                }
            }
        }
    }
    if !cx().freed {
        check_state(cx());
        ok(ws_transport_closed(d));
        if !cx().freed {
            assert_eq!(ws_state(d), 3, "not closed after ws_transport_closed");
            ws_driver_free(d);
            cx().freed = true;
        }
    }
    if !cx().ext.is_null() && !cx().ext_added {
        ws_extension_free(cx().ext);
    }
    if with_ext {
        // Freed with the driver, by its own free, or not added and freed
        // just above: the destructor ran exactly once either way.
        assert!(cx().freed || !cx().ext_added);
        assert_eq!(cx().destroyed, 1, "extension destructor did not run");
    }
    // SAFETY: made by Box::into_raw above; no callback can run any more.
    drop(unsafe { Box::from_raw(cp) });
}
