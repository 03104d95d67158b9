//! Whole messages unmasked in the caller's own buffer: the decoding half of
//! zero-copy input. A frame the fast path takes (see `takes_fast_path`) is
//! unmasked where it lies and handed back as a range of that buffer, with
//! no copy, no allocation and no queued action. Everything else is left to
//! the ordinary parser untouched, so both paths decide the same way.

use super::{Hybi, Stage};
use crate::event::MessageKind;
use crate::extensions::Extensions;
use crate::frame::{self, MAX_HEADER_LEN, mask, opcode};
use crate::message;

/// What the start of the input is, for in-place decoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Whole {
    /// A whole message at `input[start..end]`, unmasked in place; the frame
    /// ends at `end`.
    Message {
        kind: MessageKind,
        start: usize,
        end: usize,
    },
    /// The start of a frame this path would take, not all there yet: the
    /// whole frame needs at least `need` bytes. Nothing the parser would
    /// decide from these bytes is decided yet (no error is due).
    Incomplete { need: u64 },
    /// Not for this path (a control frame, a fragment, RSV bits, an
    /// extension at work, a frame to refuse, invalid UTF-8, a parser in the
    /// middle of a frame): the input is as it was; the ordinary parser
    /// takes it.
    Other,
}

impl Hybi {
    /// Classifies the start of `input` and, for a whole message, unmasks it
    /// in place.
    #[inline(always)]
    pub fn whole_in_place(&mut self, input: &mut [u8], ext: &Extensions) -> Whole {
        if self.stage != Stage::Header
            || self.partial_len != 0
            || self.message.is_some()
            || ext.any_active()
        {
            return Whole::Other;
        }
        let Some((h, at)) = frame::decode(input) else {
            return self.incomplete_header(input);
        };
        if !self.takes_fast_path(input[0], h.mask.is_some(), h.len) {
            return Whole::Other;
        }
        let avail = (input.len() - at) as u64;
        if h.len > avail {
            if h.opcode == opcode::TEXT && !self.check_kept_text(&input[at..], h.mask, h.len) {
                return Whole::Other;
            }
            return Whole::Incomplete {
                need: at as u64 + h.len,
            };
        }
        let end = at + h.len as usize;
        let payload = &mut input[at..end];
        if let Some(key) = h.mask {
            mask::xor_in_place(payload, key);
        }
        let kind = if h.opcode == opcode::TEXT {
            if !message::is_utf8(payload) {
                // Masked again: the ordinary parser sees the frame as it
                // came and fails the connection its own way.
                if let Some(key) = h.mask {
                    mask::xor_in_place(payload, key);
                }
                return Whole::Other;
            }
            MessageKind::Text
        } else {
            MessageKind::Binary
        };
        Whole::Message {
            kind,
            start: at,
            end,
        }
    }

    /// A header cut short: `Incomplete` only when the bytes there are those
    /// of a frame the fast path takes, as far as they go (the parser would
    /// fail some headers before they are complete, and that must not wait).
    #[cold]
    fn incomplete_header(&self, input: &[u8]) -> Whole {
        let Some(&b0) = input.first() else {
            return Whole::Other;
        };
        if !frame::is_plain_message(b0) {
            return Whole::Other;
        }
        let Some(&b1) = input.get(1) else {
            return Whole::Incomplete { need: 2 };
        };
        // The announced length once it is all there, else the least the
        // length field allows.
        let len = match frame::payload_len(input) {
            Some((len, _)) => len,
            None if b1 & 0x7F == 126 => 126,
            None => 1 << 16,
        };
        if !self.takes_fast_path(b0, b1 & 0x80 != 0, len) {
            return Whole::Other;
        }
        let head = frame::header_len([b0, b1]);
        debug_assert!(head <= MAX_HEADER_LEN);
        Whole::Incomplete {
            need: head as u64 + len,
        }
    }

    /// Text must fail as soon as its bytes are invalid, even before the
    /// frame is whole (as the ordinary parser does): checks the payload
    /// bytes of a kept frame that arrived since the last look. `false` when
    /// they are not UTF-8 (the ordinary parser then takes the frame and
    /// fails). The frame is known again by its mask key and length; the
    /// whole message is checked again once it is complete, so this only
    /// decides how early a failure comes.
    #[cold]
    fn check_kept_text(&mut self, payload: &[u8], key: Option<[u8; 4]>, len: u64) -> bool {
        let stamp = (key.unwrap_or_default(), len);
        let mut checked = match self.kept_text {
            (k, l, c) if (k, l) == stamp => c as usize,
            _ => 0,
        };
        let mut tmp = [0u8; 1024];
        while checked < payload.len() {
            let n = (payload.len() - checked).min(tmp.len());
            let raw = &payload[checked..checked + n];
            let chunk = match key {
                Some(k) => {
                    mask::copy_masked_at(&mut tmp[..n], raw, k, checked);
                    &tmp[..n]
                }
                None => raw,
            };
            match simdutf8::compat::from_utf8(chunk) {
                Ok(_) => checked += n,
                Err(e) if e.error_len().is_some() => {
                    self.kept_text = Default::default();
                    return false;
                }
                // An unfinished character: looked at again with what follows.
                Err(e) => {
                    let tail = checked + n == payload.len();
                    checked += e.valid_up_to();
                    if tail || e.valid_up_to() == 0 {
                        break;
                    }
                }
            }
        }
        self.kept_text = (stamp.0, stamp.1, checked as u64);
        true
    }
}
