//! Pull-style use: feeding input without dispatch, taking actions one at a
//! time, and reading output when no write callback is set.

use crate::driver::Driver;
use crate::event::Action;

use super::action::{WS_ACTION_PING_ANSWERED, convert, their_size, write_action, ws_action};
use super::boundary::{Access, enter};
use super::dispatch::{Drained, drain};
use super::driver::{Handle, ws_driver};
use super::handle::{payload, write_out};
use super::lend::{next_lent, settle};
use super::result::ws_result;

/// Feeds input without dispatching callbacks: the resulting actions come
/// out of `ws_poll`, one at a time. The driver parses only up to the first
/// action and keeps (copies) the rest, parsing further as `ws_poll` takes
/// actions, so `ws_buffered_amount` may be less than the bytes fed.
/// `(NULL, 0)` is allowed.
#[unsafe(no_mangle)]
pub extern "C" fn ws_feed(drv: *mut ws_driver, data: *const u8, len: usize) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        let data = try_arg!(payload(data, len));
        settle(h);
        h.store_input(data);
        ws_result::Ok
    })
}

/// Zero-copy `ws_feed`: parses straight from `data` until the first action
/// is ready and writes to `*out_consumed` how many bytes it used. Take the
/// actions with `ws_poll` until `WS_RESULT_EMPTY`, then call again with the
/// rest of `data`. Nothing is copied except a partial frame header or a
/// partial message. If actions or earlier input are still waiting (or a
/// `ws_parse` loop is running), all of `data` is stored as by `ws_feed` and
/// `*out_consumed` is `len`. `(NULL, 0)` is allowed. `data` is only read
/// during the call: what the driver needs later it copies, and the bytes
/// after `*out_consumed` are the caller's to pass again.
#[unsafe(no_mangle)]
pub extern "C" fn ws_read(
    drv: *mut ws_driver,
    data: *const u8,
    len: usize,
    out_consumed: *mut usize,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        let data = try_arg!(payload(data, len));
        check_out!(out_consumed);
        settle(h);
        let used = if h.parsing.get() {
            h.store_input(data);
            data.len()
        } else {
            h.core.borrow_mut().read(data)
        };
        write_out(out_consumed, used);
        ws_result::Ok
    })
}

/// Takes the next write or event, in order, without calling any callback
/// (for hosts that register none). On success fills `*out` (see
/// `ws_action`; its `data` stays valid until the next `ws_poll*` call on
/// this driver or its free). Returns `WS_RESULT_EMPTY` when there is nothing to do until
/// more input arrives or a command is given, `WS_RESULT_NULL_PARAMETER` for
/// NULL pointers, and `WS_RESULT_INVALID_ARGUMENT` when `out->struct_size`
/// is too small. A pong answering `ws_ping` (with a callback) comes out as
/// `WS_ACTION_PING_ANSWERED` with that ping's internal token; its callback
/// is dropped.
#[unsafe(no_mangle)]
pub extern "C" fn ws_poll(drv: *mut ws_driver, out: *mut ws_action) -> ws_result {
    poll_with(drv, out, |h, core| {
        if h.lent_input.get().is_lent() {
            next_lent(h, core, true)
        } else {
            core.poll_action()
        }
    })
}

/// `ws_poll` that takes only actions already queued and never parses
/// stored input: the output of commands (and actions of input already
/// parsed), in order. For hosts where one thread parses and dispatches
/// while others send: a sender writes what its command queued before it
/// returns, without running the parser ahead of the listeners. Results as
/// for `ws_poll`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_poll_queued(drv: *mut ws_driver, out: *mut ws_action) -> ws_result {
    poll_with(drv, out, |_, core| core.poll_queued())
}

fn poll_with(
    drv: *mut ws_driver,
    out: *mut ws_action,
    next: fn(&Handle, &mut Driver) -> Option<Action>,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        check_out!(out);
        let Some(size) = their_size(out) else {
            return h.fail(
                ws_result::InvalidArgument,
                "ws_action.struct_size is too small.",
            );
        };
        let polled = h.pull.borrow_mut().polled.take();
        if let Some(old) = polled {
            h.core.borrow_mut().recycle(old);
        }
        let action = next(h, &mut h.core.borrow_mut());
        if h.guard.free_requested.get() {
            // An extension callback freed the driver: hand out nothing.
            return ws_result::InvalidState;
        }
        let Some(action) = action else {
            return ws_result::Empty;
        };
        let (a, bytes) = convert(action);
        if a.kind == WS_ACTION_PING_ANSWERED {
            h.pong_replies.take(a.token);
        }
        h.pull.borrow_mut().polled = Some(bytes);
        write_action(out, a, size);
        ws_result::Ok
    })
}

/// Copies output waiting to be written (the concatenated writes, when no
/// write callback is set) into `buf`, at most `cap` bytes, and sets
/// `*out_len`; what does not fit stays for the next call. Called outside
/// callbacks, it first delivers actions still queued (events go to their
/// callbacks, or are dropped when none is set). Returns `WS_RESULT_EMPTY`
/// when there is nothing to write (`*out_len` untouched),
/// `WS_RESULT_BUFFER_TOO_SMALL` when `cap` is 0 but output is waiting, and
/// `WS_RESULT_NULL_PARAMETER` for NULL pointers. Hosts using `ws_poll` get
/// writes as `WS_ACTION_WRITE` instead.
#[unsafe(no_mangle)]
pub extern "C" fn ws_take_output(
    drv: *mut ws_driver,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, outermost| {
        check_out!(buf, out_len);
        if isize::try_from(cap).is_err() {
            return ws_result::InvalidArgument;
        }
        let drained = if outermost {
            drain(h, drv)
        } else {
            Drained::Done
        };
        if drained == Drained::Aborted {
            // Poisoned, or freed from a callback: hand out nothing.
            return drained.result(h, ws_result::Empty);
        }
        if h.output_len() == 0 {
            return drained.result(h, ws_result::Empty);
        }
        let mut output = h.output.borrow_mut();
        if cap == 0 {
            return ws_result::BufferTooSmall;
        }

        // SAFETY: `buf` is non-NULL and the caller passes `cap` writable
        // bytes there that nothing else touches during the call.
        let dst = unsafe { std::slice::from_raw_parts_mut(buf, cap) };
        let n = output.take(dst);
        drop(output);
        write_out(out_len, n);
        ws_result::Ok
    })
}

/// Bytes held by the driver: output waiting for `ws_take_output` or not yet
/// delivered, unparsed input, and a partly received message. Servers use it
/// for backpressure. 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_buffered_amount(drv: *const ws_driver) -> usize {
    enter::<Handle, _>(drv, Access::Read, |h, _| {
        h.output_len() + h.core.borrow().buffered_amount()
    })
}
