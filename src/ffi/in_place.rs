//! `ws_parse_in_place`: `ws_parse` over the host's own mutable read buffer,
//! and `ws_poll_in_place`, its pull-style twin (`ws_read` + `ws_poll`).
//! Whole messages are unmasked where they lie and handed out as pointers
//! into that buffer: no copy, no allocation, no action queue. What is not
//! a whole plain message goes through the ordinary path (`Driver::read`
//! and the dispatch loop or `poll_action`), in order. The core decides
//! (`Driver::read_in_place`); this file only delivers.

use std::ffi::c_int;

use crate::driver::InPlace;
use crate::event::{Action, MessageKind};

use super::action::{
    WS_ACTION_MESSAGE, WS_ACTION_PING_ANSWERED, convert, message_kind, their_size, write_action,
    ws_action,
};
use super::boundary::{Access, enter};
use super::dispatch::{Drained, drain};
use super::driver::{Handle, ws_driver};
use super::handle::write_out;
use super::lend::settle;
use super::result::ws_result;

/// Parses `len` bytes received into the host's buffer `data` and dispatches
/// what they hold to the callbacks, like `ws_parse`, but a whole text or
/// binary message is unmasked in place and `on_message` gets a pointer into
/// `data` (no copy into the driver, no allocation). `data` must stay
/// untouched by anything else during the call; afterwards the bytes before
/// `*out_consumed` are unspecified (payloads unmasked in place) and the
/// host's again.
///
/// `cap` is the capacity of the host's buffer: when `data` ends inside a
/// message frame that would fit in `cap` bytes, that frame is left there
/// (`*out_consumed < len`): move `data[*out_consumed..len]` to the start of
/// the buffer, read more after it, and call again. A frame that would not
/// fit, and anything that is not a whole message (control frames,
/// fragments, permessage-deflate, hixie, the handshake), is taken as
/// `ws_parse` takes it (copied into the driver as needed). With `cap` 0
/// every byte is always consumed unless a callback stops.
///
/// Returns `WS_RESULT_CALLBACK_STOPPED` when a callback returned non-zero:
/// `*out_consumed` tells how far parsing got and the rest of `data` is the
/// host's to pass again (actions not delivered yet wait in the driver, as
/// for `ws_parse`). Called from inside a callback of this driver, it stores
/// all of `data` as `ws_parse` does (`*out_consumed` is `len`).
/// `(NULL, 0)` just resumes dispatch. `WS_RESULT_NULL_PARAMETER` for a NULL
/// `drv` or `out_consumed` or a NULL `data` with a non-zero `len`;
/// `WS_RESULT_INVALID_ARGUMENT` for a `len` over `PTRDIFF_MAX`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_parse_in_place(
    drv: *mut ws_driver,
    data: *mut u8,
    len: usize,
    cap: usize,
    out_consumed: *mut usize,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, outermost| {
        check_out!(out_consumed);
        let data = try_arg!(bytes_mut(data, len));
        settle(h);
        if !outermost {
            h.store_input(data);
            write_out(out_consumed, len);
            return ws_result::Ok;
        }
        h.parsing.set(true);
        let (result, mut used) = in_place_loop(h, drv, data, cap);
        h.parsing.set(false);
        // Input fed from callbacks waits behind this call's own: the rest
        // of that is then stored too, ahead of it, so the order holds.
        let mut core = h.core.borrow_mut();
        if core.has_deferred() {
            if used < len {
                core.parse(&data[used..]);
                used = len;
            } else {
                core.release();
            }
        }
        drop(core);
        write_out(out_consumed, used);
        result
    })
}

/// A mutable payload argument: NULL only with `len` 0, at most
/// `PTRDIFF_MAX` bytes. Nothing is copied, so no size probe.
fn bytes_mut<'a>(p: *mut u8, len: usize) -> Result<&'a mut [u8], ws_result> {
    if isize::try_from(len).is_err() {
        return Err(ws_result::InvalidArgument);
    }
    if p.is_null() {
        return if len == 0 {
            Ok(&mut [])
        } else {
            Err(ws_result::NullParameter)
        };
    }
    // SAFETY: the caller passes `len` initialised, writable bytes at `p`
    // that nothing else accesses during the call (the header's contract);
    // `len` fits in `isize` (checked above).
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

/// Returns the call's result and how many bytes of `data` were used.
fn in_place_loop(
    h: &Handle,
    drv: *mut ws_driver,
    data: &mut [u8],
    cap: usize,
) -> (ws_result, usize) {
    let len = data.len();
    let mut pos = 0;
    let mut core = h.core.borrow_mut();
    if core.has_unread_input() {
        // As in `ws_parse`: stored input goes first, then all of `data`.
        core.parse(data);
        pos = len;
    }
    drop(core);
    // Whether the queue was drained since the core last ran.
    let mut drained = false;
    loop {
        if pos < len {
            let step = h.core.borrow_mut().read_in_place(&mut data[pos..]);
            match step {
                InPlace::Message { kind, range } => {
                    let slot = h.callbacks.get().message;
                    let rc: c_int = match slot.cb {
                        // SAFETY: the callback and its user pointer were
                        // registered together; the message lies inside
                        // `data`, which outlives the call; no borrow of the
                        // handle's cells is held while C runs.
                        Some(f) => unsafe {
                            f(
                                slot.user,
                                drv,
                                message_kind(kind),
                                data.as_ptr().add(pos + range.start),
                                range.len(),
                            )
                        },
                        None => 0,
                    };
                    pos += range.end;
                    if h.guard.free_requested.get() || h.guard.poisoned.get() {
                        return (Drained::Aborted.result(h, ws_result::Ok), pos);
                    }
                    if rc != 0 {
                        return (ws_result::CallbackStopped, pos);
                    }
                    drained = false;
                    continue;
                }
                InPlace::Incomplete { need } if need <= cap as u64 => {
                    return (ws_result::Ok, pos);
                }
                InPlace::Incomplete { .. } | InPlace::Other => {}
            }
        }
        if !drained {
            match drain(h, drv) {
                Drained::Done => {}
                Drained::Stopped => return (ws_result::CallbackStopped, pos),
                aborted @ Drained::Aborted => return (aborted.result(h, ws_result::Ok), pos),
            }
            drained = true;
            if pos < len {
                // The queue is empty now: the next message may go in place.
                continue;
            }
        }
        if pos == len {
            // Input callbacks fed waited behind this call's own: parse it
            // in this loop too.
            if !h.core.borrow_mut().release() {
                return (ws_result::Ok, pos);
            }
            drained = false;
            continue;
        }
        // The ordinary path, one step: what it makes is delivered above.
        let used = h.core.borrow_mut().read(&data[pos..]);
        if used == 0 {
            h.core.borrow_mut().parse(&data[pos..]);
            pos = len;
        } else {
            pos = (pos + used).min(len);
        }
        drained = false;
    }
}

/// What `ws_poll_in_place` hands out: an action of the driver's, or a
/// message in the host's buffer (kind, offset, length).
enum Found {
    Queued(Action),
    InPlace(MessageKind, usize, usize),
}

/// Pull-style in-place decoding (no callbacks): takes the next write or
/// event, as `ws_poll` does, from what the driver holds first and then
/// from `data`, the host's own mutable buffer of `len` received bytes. A
/// whole text or binary message is unmasked in place and comes out as
/// `WS_ACTION_MESSAGE` with `out->data` pointing into `data` (valid as long
/// as the host leaves that memory alone); anything else is parsed the
/// ordinary way (as `ws_read`) up to its first action. `*out_consumed`
/// tells how many bytes of `data` this call used: pass the rest next time.
///
/// Returns `WS_RESULT_OK` with `*out` filled, or `WS_RESULT_EMPTY` when
/// nothing is left to hand out: all of `data` is used, or it ends inside a
/// message frame that fits in `cap` bytes, left unused for the host to
/// complete (as for `ws_parse_in_place`; with `cap` 0 it is stored by the
/// driver instead). Called from inside a callback of this driver, `data` is
/// stored whole. `WS_RESULT_NULL_PARAMETER` for a NULL `drv`, `out` or
/// `out_consumed` or a NULL `data` with a non-zero `len`;
/// `WS_RESULT_INVALID_ARGUMENT` when `out->struct_size` is too small or
/// `len` is over `PTRDIFF_MAX`. An action's `data` from the driver stays
/// valid until the next `ws_poll*` call on this driver or its free.
#[unsafe(no_mangle)]
pub extern "C" fn ws_poll_in_place(
    drv: *mut ws_driver,
    data: *mut u8,
    len: usize,
    cap: usize,
    out: *mut ws_action,
    out_consumed: *mut usize,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        check_out!(out, out_consumed);
        let Some(size) = their_size(out) else {
            return h.fail(
                ws_result::InvalidArgument,
                "ws_action.struct_size is too small.",
            );
        };
        let data = try_arg!(bytes_mut(data, len));
        let polled = h.pull.borrow_mut().polled.take();
        if let Some(old) = polled {
            h.core.borrow_mut().recycle(old);
        }
        settle(h);
        let mut used = 0;
        if h.parsing.get() {
            h.store_input(data);
            used = len;
        }
        let mut core = h.core.borrow_mut();
        let found = loop {
            if let Some(action) = core.poll_action() {
                break Some(Found::Queued(action));
            }
            if used == len {
                break None;
            }
            match core.read_in_place(&mut data[used..]) {
                InPlace::Message { kind, range } => {
                    let at = used + range.start;
                    used += range.end;
                    break Some(Found::InPlace(kind, at, range.len()));
                }
                InPlace::Incomplete { need } if need <= cap as u64 => break None,
                InPlace::Incomplete { .. } | InPlace::Other => {
                    let n = core.read(&data[used..]);
                    if n == 0 {
                        core.parse(&data[used..]);
                        used = len;
                    } else {
                        used = (used + n).min(len);
                    }
                }
            }
        };
        drop(core);
        if h.guard.free_requested.get() {
            // An extension callback freed the driver: hand out nothing.
            return ws_result::InvalidState;
        }
        write_out(out_consumed, used);
        let a = match found {
            None => return ws_result::Empty,
            Some(Found::Queued(action)) => {
                let (a, bytes) = convert(action);
                if a.kind == WS_ACTION_PING_ANSWERED {
                    h.pong_replies.take(a.token);
                }
                h.pull.borrow_mut().polled = Some(bytes);
                a
            }
            Some(Found::InPlace(kind, at, n)) => {
                let mut a = ws_action::empty();
                a.kind = WS_ACTION_MESSAGE;
                a.message_kind = message_kind(kind);
                // SAFETY: `at + n <= len`: the message lies inside `data`.
                a.data = unsafe { data.as_ptr().add(at) };
                a.len = n;
                a
            }
        };
        write_action(out, a, size);
        ws_result::Ok
    })
}
