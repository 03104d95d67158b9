//! `ws_buffer`: the output buffer an extension callback fills.

use std::cell::RefCell;
use std::ffi::c_int;

use crate::ffi::boundary::guard;
use crate::ffi::handle::{Castable, payload, try_ref};
use crate::ffi::result::ws_result;

/// An output buffer handed to extension callbacks: fill it with
/// `ws_buffer_set`. Owned by the library; valid only during the callback.
pub struct ws_buffer {
    _private: [u8; 0],
}

struct BufferHandle {
    bytes: RefCell<Option<Vec<u8>>>,
}

impl Castable for BufferHandle {
    type C = ws_buffer;
}

/// Sets the contents of a callback's output buffer (copied); the last call
/// wins. `data` may be NULL when `len` is 0.
#[unsafe(no_mangle)]
pub extern "C" fn ws_buffer_set(buf: *mut ws_buffer, data: *const u8, len: usize) -> ws_result {
    guard(|| {
        let b = try_arg!(try_ref::<BufferHandle>(buf));
        let data = try_arg!(payload(data, len));
        *b.bytes.borrow_mut() = Some(data.to_vec());
        ws_result::Ok
    })
}

/// Runs `f` with a fresh `ws_buffer`; returns f's result and the contents.
pub(super) fn with_buffer(f: impl FnOnce(*mut ws_buffer) -> c_int) -> (c_int, Option<Vec<u8>>) {
    let b = BufferHandle {
        bytes: RefCell::new(None),
    };
    let ptr: *const BufferHandle = &b;
    let rc = f(ptr.cast::<ws_buffer>().cast_mut());
    (rc, b.bytes.into_inner())
}
