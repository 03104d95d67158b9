//! Unread input, as `Driver` methods: the inbox is the one place bytes wait
//! between arriving and being parsed, and [`Driver::advance`] the one path
//! that parses them, from the caller's bytes or from the inbox.
//!
//! Parsing is lazy: it stops after each action until the action is taken.
//! A caller of [`Driver::read`] may hold input of its own that the driver
//! has not seen (the zero-copy path: the C API's parse loop while it
//! delivers callbacks). Input that arrives meanwhile (fed from a callback)
//! is [deferred](Driver::defer): it waits behind the held input until the
//! holder has read it, given it back, or released its hold. So the
//! transport's order is kept without the layers above keeping any bytes.

use super::{Driver, Proto};
use crate::event::{Action, ReadyState};

impl Driver {
    /// Feeds bytes received from the transport: parses up to the first
    /// action, as [`read`](Self::read) does, and stores the rest. Parsing
    /// goes on as actions are taken with [`poll_action`](Self::poll_action).
    pub fn parse(&mut self, data: &[u8]) {
        let used = self.read(data);
        self.keep(&data[used..]);
    }

    /// Zero-copy input: parses from `data` until an action is ready and
    /// returns how many bytes were used; the caller holds the rest, drains
    /// [`poll_action`](Self::poll_action), and passes it again (to `read`,
    /// or to `parse` to have it stored). If actions or earlier input are
    /// still waiting, all of `data` is stored instead.
    pub fn read(&mut self, data: &[u8]) -> usize {
        if self.has_ready_input() || !self.io.queue.is_empty() {
            self.keep(data);
            return data.len();
        }
        let used = self.advance(data);
        if used < data.len() {
            if self.io.state == ReadyState::Connecting && self.awaits_start() {
                // The request just completed: keep the rest of this input
                // where `body()` can see it while `connect` is handled.
                self.keep(&data[used..]);
                return data.len();
            }
            return used;
        }
        // Nothing held any more: deferred input may be parsed.
        self.held = false;
        used
    }

    /// [`poll_ahead`](Self::poll_ahead) for input the caller holds, as
    /// given to [`read`](Self::read) once the queue is empty: queues the
    /// whole data message `data` starts with when parsing it can do nothing
    /// else, and returns the bytes used. `None` ends the batch (stored
    /// input goes first; `read` goes on from there).
    pub fn read_ahead(&mut self, data: &[u8]) -> Option<usize> {
        if self.has_unread_input()
            || !self.io.queue.is_empty()
            || !matches!(self.io.state, ReadyState::Open | ReadyState::Closing)
        {
            return None;
        }
        let Proto::Hybi(h) = &mut self.proto else {
            return None;
        };
        h.parse_ahead(data, &mut self.io, &self.ext)
    }

    /// Input that arrives while a caller of [`read`](Self::read) may hold
    /// input of its own the driver has not seen (fed from inside an event
    /// callback of the C API's parse loop): stored behind that input and
    /// parsed once the holder has read all it holds, given it back with
    /// [`parse`](Self::parse), or [`release`](Self::release)d its hold.
    /// While input is stored already the holder holds none (`read` stores
    /// all it is given then), and `data` simply goes last.
    pub fn defer(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if self.inbox_pos >= self.inbox.len() {
            self.held = true;
        }
        self.inbox.extend_from_slice(data);
    }

    /// The caller of [`read`](Self::read) holds no input any more: what
    /// was [`defer`](Self::defer)red may be parsed. Returns whether any
    /// was waiting for it.
    pub fn release(&mut self) -> bool {
        std::mem::take(&mut self.held)
    }

    /// Whether input waits behind input a caller of [`read`](Self::read)
    /// holds (see [`defer`](Self::defer)).
    pub fn has_deferred(&self) -> bool {
        self.held
    }

    /// Whether any input is stored, deferred input included.
    pub fn has_unread_input(&self) -> bool {
        self.inbox_pos < self.inbox.len()
    }

    /// Whether stored input may be parsed now.
    #[inline]
    pub(super) fn has_ready_input(&self) -> bool {
        !self.held && self.inbox_pos < self.inbox.len()
    }

    /// Stores input that continues the stream where parsing stands: ahead
    /// of deferred input, which then no longer waits.
    #[inline(never)]
    pub(super) fn keep(&mut self, data: &[u8]) {
        if std::mem::take(&mut self.held) {
            let at = self.inbox_pos;
            self.inbox.splice(at..at, data.iter().copied());
        } else {
            self.inbox.extend_from_slice(data);
        }
    }

    /// Puts bytes taken with the handshake back in front of all stored
    /// input: they turned out to be the first frames.
    pub(super) fn put_front(&mut self, early: Vec<u8>) {
        if !early.is_empty() {
            let at = self.inbox_pos;
            self.inbox.splice(at..at, early);
        }
    }

    /// Drops all stored input.
    pub(super) fn clear_input(&mut self) {
        self.inbox = Vec::new();
        self.inbox_pos = 0;
        self.held = false;
    }

    /// The one parse path, for input from the caller and from the inbox:
    /// parses `input` until an action is queued or it runs out; returns
    /// the bytes used.
    #[inline(always)]
    fn advance(&mut self, input: &[u8]) -> usize {
        // The common case: an open hybi connection. Framing stops after
        // each event or at the end of the input, and nothing else reads
        // input once open: one call does it all.
        if let (ReadyState::Open | ReadyState::Closing, Proto::Hybi(h)) =
            (self.io.state, &mut self.proto)
        {
            return h.parse_next(input, &mut self.io, &mut self.ext);
        }
        self.advance_step_by_step(input)
    }

    /// [`advance`](Self::advance) before the connection is open: the
    /// handshake, then frames, one step at a time.
    #[inline(never)]
    fn advance_step_by_step(&mut self, input: &[u8]) -> usize {
        let mut used = 0;
        while used < input.len() && self.io.queue.is_empty() {
            let n = self.step(&input[used..]);
            if n == 0 {
                break;
            }
            used += n;
        }
        used
    }

    /// Nothing queued and no input stored: gives back what grew past the
    /// retained size.
    #[inline]
    pub(super) fn idle(&mut self) {
        if self.inbox.capacity() != 0 {
            self.inbox.clear();
            self.inbox_pos = 0;
            self.io.trim(&mut self.inbox);
        }
        self.trim();
    }

    /// `poll_action` with an empty queue and stored input: parses it until
    /// an action is ready or it runs out (deferred input waits for the
    /// input a reader holds).
    #[inline(never)]
    pub(super) fn poll_parse(&mut self) -> Option<Action> {
        if self.held {
            return None;
        }
        loop {
            if self.inbox_pos >= self.inbox.len() {
                if self.io.release_when_idle {
                    // When first idle after opening or closing: an idle open
                    // or closed connection holds none of the buffers of the
                    // burst of actions before.
                    self.io.release_when_idle = false;
                    self.inbox = Vec::new();
                    self.inbox_pos = 0;
                    self.io.release_spares();
                }
                self.idle();
                return None;
            }
            let inbox = std::mem::take(&mut self.inbox);
            let used = self.advance(&inbox[self.inbox_pos..]);
            self.inbox = inbox;
            self.inbox_pos += used.max(1).min(self.inbox.len() - self.inbox_pos);
            if let Some(action) = self.io.queue.pop() {
                return Some(action);
            }
        }
    }
}
