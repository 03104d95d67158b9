//! `ws_poll_many`: several actions per call for hosts without callbacks, so
//! the bindings built on the pull API pay the boundary once per batch
//! instead of once per message.

use super::action::{WS_ACTION_PING_ANSWERED, convert, their_size, ws_action};
use super::boundary::{Access, enter};
use super::driver::{Handle, ws_driver};
use super::handle::write_out;
use super::lend::next_lent;
use super::lent::Batch;
use super::result::ws_result;
use crate::driver::Driver;
use crate::event::Action;

/// Writes `a` to element `dst` of the caller's array, no more than the
/// `their` bytes its stride gives each element, byte by byte (a stride that
/// is not a multiple of the alignment leaves elements unaligned).
fn put_action(dst: *mut u8, mut a: ws_action, their: u32) {
    let ours = std::mem::size_of::<ws_action>();
    let n = usize::try_from(their).map_or(ours, |s| s.min(ours));
    a.struct_size = u32::try_from(n).unwrap_or(u32::MAX);
    if n == ours {
        // SAFETY: as below, with `n` the whole struct.
        unsafe { dst.cast::<ws_action>().write_unaligned(a) };
        return;
    }
    // SAFETY: `dst` is element `i < cap` of the caller's array of `cap`
    // elements of `their >= n` bytes each (the contract; checked non-NULL);
    // `a` is a local of `ours >= n` bytes; they cannot overlap.
    unsafe { std::ptr::copy_nonoverlapping(std::ptr::from_ref(&a).cast::<u8>(), dst, n) };
}

/// Takes up to `cap` writes and events at once, in order, into
/// `out[0..*out_count]`: the batched `ws_poll`. Set `out[0].struct_size` to
/// `sizeof(ws_action)` (the array's stride); the other elements' fields are
/// written, not read. Every `data` stays valid until the next `ws_poll*`
/// call on this driver or its free, so the batch's messages can be echoed
/// one by one (`ws_text`, `ws_binary`) before the next batch is taken.
///
/// A batch holds what is already queued plus the whole data messages
/// stored input starts with; it stops before any frame that could do more
/// (a close, a ping, an error, a fragment, an extension's frame), so
/// reacting to the actions of a batch in order (sending, closing) puts
/// writes and events in the same order as taking them one at a time with
/// `ws_poll` would. Feed input with `ws_feed` (or `ws_read`, `ws_lend`) and
/// call until `WS_RESULT_EMPTY`.
///
/// Returns `WS_RESULT_OK` with `*out_count >= 1`, `WS_RESULT_EMPTY` with
/// `*out_count == 0` when there is nothing to do until more input arrives
/// or a command is given, `WS_RESULT_NULL_PARAMETER` for NULL pointers, and
/// `WS_RESULT_INVALID_ARGUMENT` when `cap` is 0 or `out[0].struct_size` is
/// too small. As with `ws_poll`, a `ws_ping` callback is dropped and its
/// pong comes out as `WS_ACTION_PING_ANSWERED`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_poll_many(
    drv: *mut ws_driver,
    out: *mut ws_action,
    cap: usize,
    out_count: *mut usize,
) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        check_out!(out, out_count);
        // Before `out` is read: with a capacity of 0 there is no element.
        if cap == 0 {
            return h.fail(ws_result::InvalidArgument, "The capacity is 0.");
        }
        let Some(size) = their_size(out) else {
            return h.fail(
                ws_result::InvalidArgument,
                "ws_action.struct_size is too small.",
            );
        };
        let stride = usize::try_from(size).unwrap_or(usize::MAX);
        if cap
            .checked_mul(stride)
            .is_none_or(|b| isize::try_from(b).is_err())
        {
            return h.fail(ws_result::InvalidArgument, "The capacity is too large.");
        }
        let mut core = h.core.borrow_mut();
        let mut pull = h.pull.borrow_mut();
        if let Some(old) = pull.polled.take() {
            core.recycle(old);
        }
        let batch = &mut pull.batch;
        batch.release(&mut core);
        let out = Out {
            out,
            cap,
            stride,
            size,
        };
        // One loop per source: the usual one (stored input) pays one check
        // per call for lent input, not one per action.
        let filled = if h.lent_input.get().is_lent() {
            fill(h, &mut core, batch, out, |core, first| {
                next_lent(h, core, first)
            })
        } else {
            fill(h, &mut core, batch, out, |core, first| {
                if first {
                    core.poll_action()
                } else {
                    core.poll_ahead()
                }
            })
        };
        let Some(n) = filled else {
            // An extension callback freed the driver: hand out nothing.
            write_out(out_count, 0);
            return ws_result::InvalidState;
        };
        write_out(out_count, n);
        if n == 0 {
            // Idle: nothing points into the arena any more.
            batch.arena = Vec::new();
            return ws_result::Empty;
        }
        ws_result::Ok
    })
}

/// The caller's array: `cap` elements `stride` bytes apart, `size` of each
/// written.
#[derive(Clone, Copy)]
struct Out {
    out: *mut ws_action,
    cap: usize,
    stride: usize,
    size: u32,
}

/// Fills `out` with the actions `next` gives (`true`: the first of the
/// batch); returns how many, or `None` when an extension callback freed the
/// driver.
#[inline(always)]
fn fill(
    h: &Handle,
    core: &mut Driver,
    batch: &mut Batch,
    out: Out,
    mut next: impl FnMut(&mut Driver, bool) -> Option<Action>,
) -> Option<usize> {
    let mut n = 0;
    while n < out.cap {
        let action = next(core, n == 0);
        if h.guard.free_requested.get() {
            return None;
        }
        let Some(action) = action else { break };
        let (mut a, bytes) = convert(action);
        if a.kind == WS_ACTION_PING_ANSWERED {
            h.pong_replies.take(a.token);
        }
        let full = batch.lend(&mut a, bytes, n == 0, core);
        put_action(
            out.out.cast::<u8>().wrapping_add(n * out.stride),
            a,
            out.size,
        );
        n += 1;
        if full {
            break;
        }
    }
    Some(n)
}
