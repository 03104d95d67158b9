//! What the pull path's last answer points into (`ws_poll`'s payload,
//! `ws_poll_many`'s batch): kept by the handle until the next call.

use crate::driver::Driver;

use super::action::ws_action;

/// Bytes of small payloads (up to 2 KiB each, so a batch of 1 KiB messages
/// is not cut short by `KEPT`) one batch copies into its arena; the arena is
/// allocated only when a batch holds two actions or more, and freed when a
/// call finds nothing to do, so an idle connection holds none.
const ARENA: usize = 16384;
/// Payload buffers a batch lends out as they are (the driver's pool size):
/// the batch ends when they are all out.
const KEPT: usize = 4;

/// What the pull path's last answer points into: `ws_poll`'s payload or
/// `ws_poll_many`'s batch.
#[derive(Default)]
pub(crate) struct Pull {
    /// Payload of the action `ws_poll` handed out last.
    pub polled: Option<Vec<u8>>,
    pub batch: Batch,
}

/// What the actions of the last batch point into.
#[derive(Default)]
pub(crate) struct Batch {
    pub arena: Vec<u8>,
    kept: Vec<Vec<u8>>,
}

impl Batch {
    /// Gives the driver back the last batch's buffers.
    pub fn release(&mut self, core: &mut Driver) {
        for b in self.kept.drain(..) {
            core.recycle(b);
        }
        self.arena.clear();
    }

    /// Makes `a.data` point to memory that lives until the next batch: the
    /// arena for a small payload after the first action, else `bytes`
    /// itself. Returns whether the batch must end here.
    #[inline(always)]
    pub fn lend(
        &mut self,
        a: &mut ws_action,
        bytes: Vec<u8>,
        first: bool,
        core: &mut Driver,
    ) -> bool {
        if !first && bytes.len() <= ARENA / 8 {
            if self.arena.capacity() == 0 {
                self.arena.reserve_exact(ARENA);
            }
            // Never past the capacity: earlier actions point into it.
            if self.arena.capacity() - self.arena.len() >= bytes.len() {
                let at = self.arena.len();
                self.arena.extend_from_slice(&bytes);
                a.data = self.arena[at..].as_ptr();
                core.recycle(bytes);
                return false;
            }
        }
        self.kept.reserve_exact(KEPT);
        self.kept.push(bytes);
        self.kept.len() == KEPT
    }
}
