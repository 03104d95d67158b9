//! Dispatch: delivering the core's actions to the registered callbacks.
//!
//! The core never calls C. An entry point runs one core step with a short
//! borrow, then drains the action queue one action at a time, calling the
//! callback for each with no borrow of the core alive, so a callback may
//! call any `ws_*` function on the same driver: commands made from inside a
//! callback only enqueue, and this loop delivers their output in order.
//! Actions reach C through [`convert`], as they do for `ws_poll`.

use std::ffi::{c_int, c_void};

use crate::event::Action;

use super::action::{
    WS_ACTION_CLOSE, WS_ACTION_CONNECT, WS_ACTION_ERROR, WS_ACTION_MESSAGE, WS_ACTION_OPEN,
    WS_ACTION_PING, WS_ACTION_PING_ANSWERED, WS_ACTION_PONG, WS_ACTION_WRITE, convert,
};
use super::driver::{Handle, Slot, ws_driver};
use super::result::ws_result;

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
    result
}

fn parse_loop(h: &Handle, drv: *mut ws_driver, data: &[u8]) -> ws_result {
    let mut rest = data;
    let mut core = h.core.borrow_mut();
    if core.has_unread_input() {
        // Stored input goes first, and `data` after it, before callbacks
        // run: what they feed is deferred behind input this loop holds.
        core.parse(rest);
        rest = &[];
    }
    drop(core);
    loop {
        match drain(h, drv) {
            Drained::Done => {}
            Drained::Stopped => {
                // Stored ahead of input callbacks fed.
                h.core.borrow_mut().parse(rest);
                return ws_result::CallbackStopped;
            }
            aborted @ Drained::Aborted => return aborted.result(h, ws_result::Ok),
        }
        if rest.is_empty() {
            // Input callbacks fed waited behind this loop's own: parse it
            // in this loop too.
            if !h.core.borrow_mut().release() {
                return ws_result::Ok;
            }
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
/// Writes without a write callback collect for `ws_take_output`.
fn deliver(h: &Handle, drv: *mut ws_driver, action: Action) -> c_int {
    let (a, bytes) = convert(action);
    // Read per arm: only the slot that is called.
    let cbs = || h.callbacks.get();
    // SAFETY: for every call below, the callback and its user pointer were
    // registered together by the host; `a.data` points to `a.len` bytes
    // (plus a NUL for texts) that live until after the call; no borrow of
    // the handle's cells is held while C runs.
    let rc = unsafe {
        match a.kind {
            WS_ACTION_MESSAGE => call(cbs().message, |f, u| {
                f(u, drv, a.message_kind, a.data, a.len)
            }),
            WS_ACTION_WRITE => match cbs().write {
                Slot { cb: Some(f), user } => f(user, drv, a.data, a.len),
                Slot { cb: None, .. } => {
                    h.output.borrow_mut().push(&bytes);
                    0
                }
            },
            WS_ACTION_CONNECT => call(cbs().connect, |f, u| f(u, drv)),
            WS_ACTION_OPEN => call(cbs().open, |f, u| f(u, drv)),
            WS_ACTION_PING => call(cbs().ping, |f, u| f(u, drv, a.data, a.len)),
            WS_ACTION_PONG => call(cbs().pong, |f, u| f(u, drv, a.data, a.len)),
            WS_ACTION_PING_ANSWERED => match h.pong_replies.take(a.token) {
                Some(reply) => call(reply, |f, u| f(u, drv)),
                None => 0,
            },
            WS_ACTION_CLOSE => call(cbs().close, |f, u| f(u, drv, a.code, a.data.cast(), a.len)),
            WS_ACTION_ERROR => call(cbs().error, |f, u| f(u, drv, a.code, a.data.cast(), a.len)),
            _ => 0,
        }
    };
    h.core.borrow_mut().recycle(bytes);
    rc
}

/// Runs `call` with the slot's callback and user pointer; 0 when none is set.
#[inline(always)]
fn call<F: Copy>(slot: Slot<F>, call: impl FnOnce(F, *mut c_void) -> c_int) -> c_int {
    slot.cb.map_or(0, |f| call(f, slot.user))
}
