//! In-place input: a whole message is unmasked where it lies in the host's
//! own (mutable) read buffer and handed back as a range of it, instead of
//! being copied into a driver-owned buffer and queued as an action. No
//! allocation, no copy, nothing retained. Anything else (handshake, control
//! frames, fragments, extensions, hixie, errors) is left to
//! [`Driver::read`], untouched, so both ways decide the same.

use std::ops::Range;

use super::{Driver, Proto};
use crate::event::{MessageKind, ReadyState};
use crate::hybi::Whole;

/// What [`Driver::read_in_place`] found at the start of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InPlace {
    /// A whole message: `data[range]`, unmasked in place (text is valid
    /// UTF-8). Its frame ends at `range.end`: that many bytes were used.
    /// Deliver it as the event the ordinary path would queue.
    Message {
        kind: MessageKind,
        range: Range<usize>,
    },
    /// A message frame that is not all there yet; the whole frame takes at
    /// least `need` bytes. Nothing was used and nothing is due yet: keep the
    /// bytes, append more input after them and call again, or, when the
    /// frame would not fit in your buffer, give them to
    /// [`read`](Driver::read), which stores them.
    Incomplete { need: u64 },
    /// Not for this path: nothing was used and `data` is unchanged. Give it
    /// to [`read`](Driver::read) and take the actions with
    /// [`poll_action`](Driver::poll_action).
    Other,
}

impl Driver {
    /// Zero-copy, in-place input: decodes the whole message `data` starts
    /// with where it lies (see [`InPlace`]). Only while nothing is queued
    /// or stored (take every action first): the message then comes in the
    /// same order as through [`read`](Self::read) + `poll_action`.
    ///
    /// ```
    /// # use wsdriver::{Driver, InPlace, Options};
    /// # fn go(driver: &mut Driver, buf: &mut [u8]) {
    /// let mut pos = 0;
    /// while pos < buf.len() {
    ///     match driver.read_in_place(&mut buf[pos..]) {
    ///         InPlace::Message { kind, range } => {
    ///             let message = &buf[pos + range.start..pos + range.end];
    ///             // ... use `message` (borrowed from `buf`)
    ///             pos += range.end;
    ///         }
    ///         InPlace::Incomplete { .. } => break, // keep buf[pos..], read more after it
    ///         InPlace::Other => {
    ///             pos += driver.read(&buf[pos..]);
    ///             while let Some(action) = driver.poll_action() { /* ... */ }
    ///         }
    ///     }
    /// }
    /// # }
    /// ```
    #[inline(always)]
    pub fn read_in_place(&mut self, data: &mut [u8]) -> InPlace {
        if !matches!(self.io.state, ReadyState::Open | ReadyState::Closing)
            || self.has_ready_input()
            || !self.io.queue.is_empty()
        {
            return InPlace::Other;
        }
        let Proto::Hybi(h) = &mut self.proto else {
            return InPlace::Other;
        };
        match h.whole_in_place(data, &self.ext) {
            Whole::Message { kind, start, end } => InPlace::Message {
                kind,
                range: start..end,
            },
            Whole::Incomplete { need } => InPlace::Incomplete { need },
            Whole::Other => InPlace::Other,
        }
    }
}
