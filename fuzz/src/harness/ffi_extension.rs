//! The callback extension of the C API target: its callbacks make random calls
//! on the driver and the extension, frees included.

use std::ffi::{c_char, c_int, c_void};

use wsdriver::ffi::*;

use super::ffi::*;
use super::ffi_calls::queries;

/// A reaction from inside an extension callback or the destructor: random
/// calls on the driver and on the extension, frees included. The rule:
/// refused calls return `WS_RESULT_INVALID_STATE`, never anything unsafe.
fn react_ext(c: &mut Ctx, out: *mut ws_buffer) -> c_int {
    if c.depth > 4 || c.calls > 2000 {
        return 0;
    }
    c.calls += 1;
    c.depth += 1;
    let op = c.next();
    let mut rc = 0;
    match op % 12 {
        0..=2 => {}
        3 => {
            if !c.freed {
                ok(ws_text(c.drv, c"e".as_ptr(), 1));
            }
        }
        4 => {
            if !c.freed {
                ws_driver_free(c.drv);
                c.freed = true;
            }
        }
        5 => {
            if !c.ext.is_null() {
                ok(ws_extension_on_incoming(c.ext, None));
                ok(ws_extension_on_outgoing(c.ext, Some(ext_message)));
            }
        }
        6 => {
            if !c.ext.is_null() && !c.ext_added {
                // Frees now (destructor runs nested) unless it is already
                // being freed; `ext_destroy` clears `c.ext`.
                ws_extension_free(c.ext);
            } else if !c.ext.is_null() {
                ws_extension_free(c.ext); // owned by the driver: a no-op
            }
        }
        7 => {
            if !c.freed && !c.ext.is_null() && !c.ext_added {
                let r = ws_add_extension(c.drv, c.ext);
                ok(r);
                if r as u32 == 0 {
                    c.ext_added = true;
                }
            }
        }
        8 => {
            if !c.freed {
                queries(c.drv);
                ok(ws_parse(c.drv, b"x".as_ptr(), 1));
            }
        }
        9 => rc = 1,
        10 => {
            if !out.is_null() {
                let n = (c.next() % 8) as usize;
                let bytes: Vec<u8> = (0..n).map(|_| b'a' + c.next() % 26).collect();
                ok(ws_buffer_set(out, bytes.as_ptr(), bytes.len()));
            }
        }
        _ => {
            if !c.freed {
                ok(ws_close(c.drv, 1000, std::ptr::null(), 0));
                ok(ws_start(c.drv));
            }
        }
    }
    c.depth -= 1;
    rc
}

pub(crate) unsafe extern "C" fn ext_offer(user: *mut c_void, out: *mut ws_buffer) -> c_int {
    react_ext(unsafe { ctx(user) }, out)
}
pub(crate) unsafe extern "C" fn ext_activate(
    user: *mut c_void,
    resp: *const c_char,
    len: usize,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(resp as *const u8, len) };
    std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    react_ext(unsafe { ctx(user) }, std::ptr::null_mut())
}
pub(crate) unsafe extern "C" fn ext_respond(
    user: *mut c_void,
    offers: *const c_char,
    len: usize,
    out: *mut ws_buffer,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(offers as *const u8, len) };
    std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    react_ext(unsafe { ctx(user) }, out)
}
pub(crate) unsafe extern "C" fn ext_message(
    user: *mut c_void,
    _rsv: u32,
    _is_text: u32,
    data: *const u8,
    len: usize,
    out: *mut ws_buffer,
    out_rsv: *mut u32,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(data, len) };
    std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    let c = unsafe { ctx(user) };
    if c.next() & 1 != 0 {
        unsafe { *out_rsv = 0 };
    }
    react_ext(c, out)
}
pub(crate) unsafe extern "C" fn ext_destroy(user: *mut c_void) {
    let c = unsafe { ctx(user) };
    c.destroyed += 1;
    assert_eq!(c.destroyed, 1, "extension destructor ran twice");
    react_ext(c, std::ptr::null_mut());
    // The extension is freed when this returns.
    c.ext = std::ptr::null_mut();
}
