//! Callback registration and the dispatch loop that delivers the core's
//! actions to them.
//!
//! The core never calls C. An entry point runs one core step with a short
//! borrow, then drains the action queue one action at a time, calling the
//! callback for each with no borrow of the core alive, so a callback may
//! call any `ws_*` function on the same driver: commands made from inside a
//! callback only enqueue, and this loop delivers their output in order.

use std::ffi::{c_char, c_int, c_void};

use crate::event::{Action, Event, MessageKind};

use super::boundary::{Access, enter};
use super::driver::{Handle, ws_driver};
use super::result::ws_result;

/// `ws_message_cb`'s `kind` and `ws_action.message_kind`: a text message
/// (valid UTF-8).
pub const WS_MESSAGE_TEXT: u32 = 1;
/// `ws_message_cb`'s `kind` and `ws_action.message_kind`: a binary message.
pub const WS_MESSAGE_BINARY: u32 = 2;

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

/// A callback and its user pointer.
#[derive(Clone, Copy)]
pub(crate) struct Slot<F> {
    pub cb: Option<F>,
    pub user: *mut c_void,
}

impl<F> Default for Slot<F> {
    fn default() -> Self {
        Slot {
            cb: None,
            user: std::ptr::null_mut(),
        }
    }
}

type Cb<F> = Slot<F>;
type WriteFn = unsafe extern "C" fn(*mut c_void, *mut ws_driver, *const u8, usize) -> c_int;
type EventFn = unsafe extern "C" fn(*mut c_void, *mut ws_driver) -> c_int;
type MessageFn = unsafe extern "C" fn(*mut c_void, *mut ws_driver, u32, *const u8, usize) -> c_int;
type TextFn = unsafe extern "C" fn(*mut c_void, *mut ws_driver, u32, *const c_char, usize) -> c_int;

/// The driver's registered callbacks.
#[derive(Clone, Copy, Default)]
pub(crate) struct Callbacks {
    pub write: Cb<WriteFn>,
    pub connect: Cb<EventFn>,
    pub open: Cb<EventFn>,
    pub message: Cb<MessageFn>,
    pub ping: Cb<WriteFn>,
    pub pong: Cb<WriteFn>,
    pub close: Cb<TextFn>,
    pub error: Cb<TextFn>,
}

impl Callbacks {
    /// Whether any callback is registered: then commands deliver their
    /// output at once; otherwise it waits for `ws_poll`/`ws_take_output`.
    pub fn any(&self) -> bool {
        self.write.cb.is_some()
            || self.connect.cb.is_some()
            || self.open.cb.is_some()
            || self.message.cb.is_some()
            || self.ping.cb.is_some()
            || self.pong.cb.is_some()
            || self.close.cb.is_some()
            || self.error.cb.is_some()
    }
}

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

// ---- dispatch ------------------------------------------------------------

/// How a drain ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Drained {
    /// The queue is empty.
    Done,
    /// A callback returned non-zero.
    Stopped,
    /// A callback freed the driver (deferred) or poisoned it.
    Aborted,
}

impl Drained {
    /// The result of a call whose own work gave `own`.
    pub fn result(self, h: &Handle, own: ws_result) -> ws_result {
        match self {
            Drained::Done => own,
            Drained::Stopped => ws_result::CallbackStopped,
            Drained::Aborted if h.guard.poisoned.get() => ws_result::Panic,
            Drained::Aborted => own,
        }
    }
}

/// Delivers queued actions to the callbacks until the queue is empty, a
/// callback stops, or the driver is freed or poisoned from a callback.
pub(crate) fn drain(h: &Handle, drv: *mut ws_driver) -> Drained {
    loop {
        // Checked before each delivery too: an extension callback may have
        // freed the driver while the core ran, and no callback runs after.
        if h.guard.free_requested.get() || h.guard.poisoned.get() {
            return Drained::Aborted;
        }
        let action = h.core.borrow_mut().poll_action();
        if h.guard.free_requested.get() {
            return Drained::Aborted;
        }
        let Some(action) = action else {
            return Drained::Done;
        };
        let rc = deliver(h, drv, action);
        if h.guard.free_requested.get() || h.guard.poisoned.get() {
            return Drained::Aborted;
        }
        if rc != 0 {
            return Drained::Stopped;
        }
    }
}

/// Parses `data` and dispatches, the zero-copy way: input is read straight
/// from the caller's buffer; only what is left when a callback stops is
/// copied into the driver.
pub(crate) fn parse_and_dispatch(h: &Handle, drv: *mut ws_driver, data: &[u8]) -> ws_result {
    h.parsing.set(true);
    let result = parse_loop(h, drv, data);
    h.parsing.set(false);
    // Input fed from callbacks after the loop's own input.
    let nested = std::mem::take(&mut *h.nested_input.borrow_mut());
    if !nested.is_empty() {
        h.core.borrow_mut().parse(&nested);
    }
    result
}

fn parse_loop(h: &Handle, drv: *mut ws_driver, data: &[u8]) -> ws_result {
    let mut rest = data;
    loop {
        match drain(h, drv) {
            Drained::Done => {}
            Drained::Stopped => {
                h.core.borrow_mut().parse(rest);
                return ws_result::CallbackStopped;
            }
            aborted @ Drained::Aborted => return aborted.result(h, ws_result::Ok),
        }
        if rest.is_empty() {
            // Callbacks may have fed more input; parse it in this loop too.
            let nested = std::mem::take(&mut *h.nested_input.borrow_mut());
            if nested.is_empty() {
                return ws_result::Ok;
            }
            h.core.borrow_mut().parse(&nested);
            continue;
        }
        let used = h.core.borrow_mut().read(rest);
        if used == 0 {
            // Nothing was consumed and nothing is queued: keep the bytes so
            // no input is lost, and let the next drain take it from there.
            h.core.borrow_mut().parse(rest);
            rest = &[];
        } else {
            rest = &rest[used.min(rest.len())..];
        }
    }
}

/// Calls the callback for one action; returns its result (0 when none).
fn deliver(h: &Handle, drv: *mut ws_driver, action: Action) -> c_int {
    let cbs = h.callbacks.get();
    match action {
        Action::Write(bytes) => {
            let rc = match cbs.write.cb {
                // SAFETY: the callback and its user pointer were registered
                // together by the host; `bytes` lives until after the call,
                // and no borrow of the handle's cells is held while C runs.
                Some(f) => unsafe { f(cbs.write.user, drv, bytes.as_ptr(), bytes.len()) },
                None => {
                    h.output.borrow_mut().push(&bytes);
                    0
                }
            };
            h.core.borrow_mut().recycle(bytes);
            rc
        }
        Action::Event(event) => deliver_event(h, drv, &cbs, event),
    }
}

fn deliver_event(h: &Handle, drv: *mut ws_driver, cbs: &Callbacks, event: Event) -> c_int {
    match event {
        Event::Connect => call_event(cbs.connect, drv),
        Event::Open => call_event(cbs.open, drv),
        Event::Message { kind, data } => {
            let kind = match kind {
                MessageKind::Text => WS_MESSAGE_TEXT,
                MessageKind::Binary => WS_MESSAGE_BINARY,
            };
            let rc = match cbs.message.cb {
                // SAFETY: as in `deliver`: registered pair, `data` outlives
                // the call, no borrow held.
                Some(f) => unsafe { f(cbs.message.user, drv, kind, data.as_ptr(), data.len()) },
                None => 0,
            };
            h.core.borrow_mut().recycle(data);
            rc
        }
        Event::Ping(data) => call_bytes(h, cbs.ping, drv, data),
        Event::Pong(data) => call_bytes(h, cbs.pong, drv, data),
        Event::PingAnswered(token) => {
            let reply = h.take_pong_reply(token);
            match reply {
                Some(Slot { cb: Some(f), user }) => {
                    // SAFETY: the pair was given together to `ws_ping`; no
                    // borrow is held.
                    unsafe { f(user, drv) }
                }
                _ => 0,
            }
        }
        Event::Close { code, reason } => call_text(
            cbs.close,
            drv,
            code.map_or(0, u32::from),
            reason.into_bytes(),
        ),
        Event::Error(e) => call_text(
            cbs.error,
            drv,
            u32::from(e.close_code()),
            e.message.into_bytes(),
        ),
    }
}

fn call_event(slot: Cb<EventFn>, drv: *mut ws_driver) -> c_int {
    match slot.cb {
        // SAFETY: registered pair; no borrow is held while C runs.
        Some(f) => unsafe { f(slot.user, drv) },
        None => 0,
    }
}

fn call_bytes(h: &Handle, slot: Cb<WriteFn>, drv: *mut ws_driver, data: Vec<u8>) -> c_int {
    let rc = match slot.cb {
        // SAFETY: registered pair; `data` outlives the call; no borrow held.
        Some(f) => unsafe { f(slot.user, drv, data.as_ptr(), data.len()) },
        None => 0,
    };
    h.core.borrow_mut().recycle(data);
    rc
}

fn call_text(slot: Cb<TextFn>, drv: *mut ws_driver, code: u32, mut text: Vec<u8>) -> c_int {
    let Some(f) = slot.cb else {
        return 0;
    };
    let len = text.len();
    text.push(0);
    // SAFETY: registered pair; `text` is `len` bytes plus a NUL and outlives
    // the call; no borrow is held.
    unsafe { f(slot.user, drv, code, text.as_ptr().cast(), len) }
}
