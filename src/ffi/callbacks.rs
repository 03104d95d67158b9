//! The driver's callback types and their registration (`ws_on_*`); the
//! loop that calls them is in [`super::dispatch`].

use std::ffi::{c_char, c_int, c_void};

use super::boundary::{Access, enter};
use super::driver::{Callbacks, Handle, Slot, ws_driver};
use super::result::ws_result;

/// Bytes to send to the peer, in order. `data` is borrowed, valid only
/// during this call: copy or write it before returning. Return 0 to go on,
/// non-zero to stop dispatch (the call that was dispatching returns
/// `WS_RESULT_CALLBACK_STOPPED`; the bytes count as delivered).
pub type ws_write_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        drv: *mut ws_driver,
        data: *const u8,
        len: usize,
    ) -> c_int,
>;

/// Server: the HTTP request head is complete (query it with
/// `ws_request_method` and friends, then call `ws_start`). Return 0 to go
/// on, non-zero to stop dispatch.
pub type ws_connect_cb =
    Option<unsafe extern "C" fn(user: *mut c_void, drv: *mut ws_driver) -> c_int>;

/// The handshake completed; messages can flow. Return 0 to go on, non-zero
/// to stop dispatch.
pub type ws_open_cb = Option<unsafe extern "C" fn(user: *mut c_void, drv: *mut ws_driver) -> c_int>;

/// A complete message. `kind` is `WS_MESSAGE_TEXT` (valid UTF-8) or
/// `WS_MESSAGE_BINARY`. `data` is borrowed, valid only during this call.
/// Return 0 to go on, non-zero to stop dispatch.
pub type ws_message_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        drv: *mut ws_driver,
        kind: u32,
        data: *const u8,
        len: usize,
    ) -> c_int,
>;

/// A ping arrived (`ws_on_ping`; the pong was already queued). `data` is
/// the payload, borrowed, valid only during this call. Return 0 to go on,
/// non-zero to stop dispatch.
pub type ws_ping_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        drv: *mut ws_driver,
        data: *const u8,
        len: usize,
    ) -> c_int,
>;

/// A pong arrived (`ws_on_pong`). `data` is the payload, borrowed, valid
/// only during this call. Return 0 to go on, non-zero to stop dispatch.
pub type ws_pong_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        drv: *mut ws_driver,
        data: *const u8,
        len: usize,
    ) -> c_int,
>;

/// The connection is closed. `code` is the close code, 0 when there is none
/// (hixie drivers). `reason` is UTF-8, `reason_len` bytes, NUL-terminated
/// for convenience; borrowed, valid only during this call. Return 0 to go
/// on, non-zero to stop dispatch. After this event the driver writes
/// nothing more and emits no other event. The driver never closes the
/// transport: the host closes the socket, once the output written before
/// this event has gone out.
pub type ws_close_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        drv: *mut ws_driver,
        code: u32,
        reason: *const c_char,
        reason_len: usize,
    ) -> c_int,
>;

/// A protocol or handshake failure; a close event follows. `close_code` is
/// the code the failure maps to (1002 protocol error, 1007 bad UTF-8, 1009
/// too big, ...). `message` is `message_len` bytes, NUL-terminated;
/// borrowed, valid only during this call. Return 0 to go on, non-zero to
/// stop dispatch.
pub type ws_error_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        drv: *mut ws_driver,
        close_code: u32,
        message: *const c_char,
        message_len: usize,
    ) -> c_int,
>;

/// `ws_ping`'s callback: called once, when the pong matching that ping's
/// payload arrives (right before `ws_on_pong`'s callback). Return 0 to go
/// on, non-zero to stop dispatch.
pub type ws_pong_reply_cb =
    Option<unsafe extern "C" fn(user: *mut c_void, drv: *mut ws_driver) -> c_int>;

fn register(drv: *mut ws_driver, set: impl FnOnce(&mut Callbacks)) -> ws_result {
    enter::<Handle, _>(drv, Access::Read, |h, _| {
        let mut cbs = h.callbacks.get();
        set(&mut cbs);
        h.callbacks.set(cbs);
        ws_result::Ok
    })
}

/// Sets the callback for bytes to send. Without one, output collects in the
/// driver for `ws_take_output` (or comes out of `ws_poll`). `cb` NULL
/// unregisters; `user` is passed back as the callback's first argument.
/// Returns `WS_RESULT_NULL_PARAMETER` if `drv` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_on_write(
    drv: *mut ws_driver,
    cb: ws_write_cb,
    user: *mut c_void,
) -> ws_result {
    register(drv, |c| c.write = Slot { cb, user })
}

/// Sets the callback for a server's complete request head (see
/// `ws_connect_cb`). `cb` NULL unregisters. Returns
/// `WS_RESULT_NULL_PARAMETER` if `drv` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_on_connect(
    drv: *mut ws_driver,
    cb: ws_connect_cb,
    user: *mut c_void,
) -> ws_result {
    register(drv, |c| c.connect = Slot { cb, user })
}

/// Sets the callback for the open event. `cb` NULL unregisters. Returns
/// `WS_RESULT_NULL_PARAMETER` if `drv` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_on_open(drv: *mut ws_driver, cb: ws_open_cb, user: *mut c_void) -> ws_result {
    register(drv, |c| c.open = Slot { cb, user })
}

/// Sets the callback for complete messages. `cb` NULL unregisters. Returns
/// `WS_RESULT_NULL_PARAMETER` if `drv` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_on_message(
    drv: *mut ws_driver,
    cb: ws_message_cb,
    user: *mut c_void,
) -> ws_result {
    register(drv, |c| c.message = Slot { cb, user })
}

/// Sets the callback for received pings (the pong is sent automatically).
/// `cb` NULL unregisters. Returns `WS_RESULT_NULL_PARAMETER` if `drv` is
/// NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_on_ping(drv: *mut ws_driver, cb: ws_ping_cb, user: *mut c_void) -> ws_result {
    register(drv, |c| c.ping = Slot { cb, user })
}

/// Sets the callback for received pongs. `cb` NULL unregisters. Returns
/// `WS_RESULT_NULL_PARAMETER` if `drv` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_on_pong(drv: *mut ws_driver, cb: ws_pong_cb, user: *mut c_void) -> ws_result {
    register(drv, |c| c.pong = Slot { cb, user })
}

/// Sets the callback for the close event. `cb` NULL unregisters. Returns
/// `WS_RESULT_NULL_PARAMETER` if `drv` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_on_close(
    drv: *mut ws_driver,
    cb: ws_close_cb,
    user: *mut c_void,
) -> ws_result {
    register(drv, |c| c.close = Slot { cb, user })
}

/// Sets the callback for protocol and handshake errors. `cb` NULL
/// unregisters. Returns `WS_RESULT_NULL_PARAMETER` if `drv` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_on_error(
    drv: *mut ws_driver,
    cb: ws_error_cb,
    user: *mut c_void,
) -> ws_result {
    register(drv, |c| c.error = Slot { cb, user })
}
