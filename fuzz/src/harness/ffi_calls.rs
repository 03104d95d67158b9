//! The calls the C API target makes besides feeding input, from its script
//! or from inside callbacks: queries, framing into the host's buffer and the
//! batched pull, a server's own answer; and the checks that every pointer
//! the driver hands out can be read.

use std::ffi::c_char;

use wsdriver::ffi::*;

use super::ffi::ok;

/// Reads every byte an action points to (a stale pointer shows up under
/// ASan and Miri).
pub(crate) fn touch(a: &ws_action) {
    if !a.data.is_null() && a.len > 0 {
        let s = unsafe { std::slice::from_raw_parts(a.data, a.len) };
        std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    }
}

pub(crate) fn touch_str(p: *const c_char) {
    if !p.is_null() {
        let s = unsafe { std::ffi::CStr::from_ptr(p) };
        std::hint::black_box(s.to_bytes().len());
    }
}

pub(crate) fn queries(d: *mut ws_driver) {
    std::hint::black_box(ws_buffered_amount(d));
    std::hint::black_box(ws_status(d));
    touch_str(ws_driver_version(d));
    touch_str(ws_protocol(d));
    touch_str(ws_url(d));
    touch_str(ws_request_method(d));
    touch_str(ws_request_path(d));
    touch_str(ws_request_query(d));
    touch_str(ws_header(d, c"host".as_ptr()));
    touch_str(ws_last_error(d));
    let n = ws_header_count(d);
    for i in 0..=n {
        let (mut k, mut v) = (std::ptr::null(), std::ptr::null());
        ok(ws_header_at(d, i, &mut k, &mut v));
        touch_str(k);
        touch_str(v);
    }
    let (mut p, mut l) = (std::ptr::null(), 0usize);
    ok(ws_request_body(d, &mut p, &mut l));
    std::hint::black_box(ws_is_websocket(d));
}

/// Framing into the host's buffer and the batched pull, picked by `sel`:
/// `ws_send_into`, `ws_frame_message`, `ws_frame_header`, `ws_poll_many`
/// (then `ws_poll_queued`). Bytes framed into the buffer must be a whole
/// frame of the right kind.
pub(crate) fn framing(d: *mut ws_driver, sel: u8, payload: &[u8]) {
    let kind = if sel & 0x10 != 0 {
        WS_MESSAGE_BINARY
    } else {
        WS_MESSAGE_TEXT
    };
    let mut buf = [0u8; 512];
    let cap = [0, 2, 64, buf.len()][(sel >> 2 & 3) as usize];
    let mut n = usize::MAX;
    let check = |buf: &[u8], n: usize| {
        if n > 0 {
            assert!(n >= 2 && n <= cap, "framed {n} bytes into {cap}");
            assert_eq!(u32::from(buf[0] & 0x0f), kind, "framed the wrong opcode");
        }
    };
    match sel % 4 {
        0 => {
            let r = ws_send_into(
                d,
                kind,
                payload.as_ptr(),
                payload.len(),
                buf.as_mut_ptr(),
                cap,
                &mut n,
            );
            ok(r);
            assert!(n <= cap);
            check(&buf, n);
        }
        1 => {
            let r = ws_frame_message(
                d,
                kind,
                payload.as_ptr(),
                payload.len(),
                buf.as_mut_ptr(),
                cap,
                &mut n,
            );
            ok(r);
            if r as u32 == 0 {
                check(&buf, n);
            }
        }
        2 => {
            let r = ws_frame_header(d, kind, payload.len() as u64, buf.as_mut_ptr(), &mut n);
            ok(r);
            if r as u32 == 0 {
                assert!(
                    (2..=WS_FRAME_HEADER_MAX).contains(&n),
                    "header of {n} bytes"
                );
            }
        }
        _ => {
            let mut out = [ws_action::empty(); 8];
            let cap = 1 + (sel >> 2 & 7) as usize;
            let mut count = usize::MAX;
            let r = ws_poll_many(d, out.as_mut_ptr(), cap, &mut count);
            ok(r);
            if r as u32 == 0 {
                assert!((1..=cap).contains(&count), "{count} actions for {cap}");
                out[..count].iter().for_each(touch);
            }
            let mut a = ws_action::empty();
            ok(ws_poll_queued(d, &mut a));
            touch(&a);
        }
    }
}

/// A server's own answer: `ws_reject` or `ws_select_protocol`.
pub(crate) fn answer(d: *mut ws_driver, sel: u8) {
    match sel % 3 {
        0 => {
            let names = [c"X-Why".as_ptr(), c"Content-Length".as_ptr()];
            let values = [c"no".as_ptr(), c"2".as_ptr()];
            let count = 1 + (sel >> 7) as usize;
            ok(ws_reject(
                d,
                400 + u32::from(sel >> 2),
                names.as_ptr(),
                values.as_ptr(),
                count,
                b"no".as_ptr(),
                2,
            ));
        }
        1 => ok(ws_select_protocol(d, c"chat".as_ptr())),
        _ => ok(ws_select_protocol(d, std::ptr::null())),
    }
}
