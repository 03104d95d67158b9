//! `ws_lend`: zero-copy input for hosts without callbacks that react to
//! actions between polls (bindings whose listeners run between batches).
//! The driver parses straight from the host's bytes as `ws_poll` and
//! `ws_poll_many` take actions; the host keeps no read offsets, and input
//! given meanwhile goes after what the driver has not read yet (the rest is
//! stored first, in the core's inbox, the one place unread input waits).

use crate::driver::Driver;
use crate::event::Action;

use super::boundary::{Access, enter};
use super::driver::{Handle, ws_driver};
use super::handle::payload;
use super::result::ws_result;

/// The part of the bytes lent with `ws_lend` that the driver has not read
/// (none: `len` 0).
#[derive(Clone, Copy)]
pub(crate) struct LentInput {
    data: *const u8,
    len: usize,
}

impl LentInput {
    pub const NONE: LentInput = LentInput {
        data: std::ptr::null(),
        len: 0,
    };

    /// Whether bytes are lent.
    #[inline(always)]
    pub fn is_lent(self) -> bool {
        self.len != 0
    }

    /// The unread rest; `None` when nothing is lent.
    fn rest<'a>(self) -> Option<&'a [u8]> {
        if self.len == 0 {
            return None;
        }
        // SAFETY: `ws_lend`'s contract: the `len` bytes at `data` (checked
        // there) stay valid and unchanged until the lend ends (`ws_lend_end`,
        // other input, `ws_driver_free`), and every end sets the handle's
        // lend to `NONE` first. The slice is only used during the call that
        // took it.
        Some(unsafe { std::slice::from_raw_parts(self.data, self.len) })
    }

    /// What is left after the driver read `n` more bytes.
    fn after(self, n: usize) -> LentInput {
        let n = n.min(self.len);
        if n == self.len {
            return LentInput::NONE;
        }
        LentInput {
            data: self.data.wrapping_add(n),
            len: self.len - n,
        }
    }
}

/// The next action for `ws_poll` and `ws_poll_many` while bytes are lent
/// (`first`: the first of a batch; after it, only what `Driver::poll_ahead`
/// would take): queued actions, then what parsing the lent bytes gives,
/// then stored input.
#[inline(never)]
pub(crate) fn next_lent(h: &Handle, core: &mut Driver, first: bool) -> Option<Action> {
    loop {
        if let Some(action) = core.poll_queued() {
            return Some(action);
        }
        let lent = h.lent_input.get();
        let Some(rest) = lent.rest() else { break };
        if !first {
            match core.read_ahead(rest) {
                Some(used) if used > 0 => h.lent_input.set(lent.after(used)),
                _ => return None,
            }
            continue;
        }
        let used = core.read(rest);
        if used == 0 {
            // Nothing consumed, nothing queued: stored, so no input is lost.
            h.lent_input.set(LentInput::NONE);
            core.parse(rest);
        } else {
            h.lent_input.set(lent.after(used));
        }
    }
    if first {
        core.poll_action()
    } else {
        core.poll_ahead()
    }
}

/// Ends a lend before other input: what the driver has not read of it is
/// stored (copied), so the order of the stream holds.
#[inline(always)]
pub(crate) fn settle(h: &Handle) {
    if h.lent_input.get().is_lent() {
        settle_lent(h);
    }
}

#[cold]
#[inline(never)]
fn settle_lent(h: &Handle) {
    if let Some(rest) = h.lent_input.replace(LentInput::NONE).rest() {
        h.core.borrow_mut().parse(rest);
    }
}

/// Lends the driver `len` received bytes to parse in place, for hosts
/// without callbacks: `ws_poll` and `ws_poll_many` parse straight from
/// `data` as they take actions (nothing is copied except a partial frame
/// header or a partial message), until the lend ends. It ends when all of
/// `data` is parsed, at `ws_lend_end` or `ws_driver_free`, or when other
/// input arrives (`ws_feed`, `ws_read`, `ws_parse`, `ws_lend`, the in-place
/// calls): what the driver has not read of `data` is then stored (copied),
/// ahead of that input. So the host keeps no offsets: it lends a read, polls
/// until `WS_RESULT_EMPTY` (reacting to actions and feeding input as it
/// likes meanwhile), and ends the lend. Until the lend ends, `data` must
/// stay valid and unchanged; only `ws_poll` and `ws_poll_many` parse it
/// (not callbacks, not `ws_poll_queued`). If input is stored already (or
/// this is called from inside a callback), `data` is stored behind it as
/// by `ws_feed`. `(NULL, 0)` is allowed.
#[unsafe(no_mangle)]
pub extern "C" fn ws_lend(drv: *mut ws_driver, data: *const u8, len: usize) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        let data = try_arg!(payload(data, len));
        settle(h);
        if data.is_empty() {
            return ws_result::Ok;
        }
        if h.parsing.get() || h.core.borrow().has_unread_input() {
            h.store_input(data);
        } else {
            h.lent_input.set(LentInput {
                data: data.as_ptr(),
                len: data.len(),
            });
        }
        ws_result::Ok
    })
}

/// Ends the lend of `ws_lend`: what the driver has not parsed of the lent
/// bytes is stored (copied) and parsed by later calls as usual; the bytes
/// are the host's again. Does nothing when nothing is lent.
#[unsafe(no_mangle)]
pub extern "C" fn ws_lend_end(drv: *mut ws_driver) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        settle(h);
        ws_result::Ok
    })
}
