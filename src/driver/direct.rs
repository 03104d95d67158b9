//! Framing straight into the host's buffer: a message is encoded where the
//! host will send it from (one copy, none through the driver's queue), or
//! only its header is made so a server can `writev` header + its own
//! payload (no copy at all).
//!
//! Both go around the action queue, so they are only allowed when nothing
//! is queued: the frame then follows every write taken before it, as a
//! queued one would. Everything the queue guarantees (no data after a
//! close, masking, extensions) is checked here the same way.

use super::{Driver, Proto};
use crate::event::{MessageKind, ReadyState};
use crate::frame::{self, FrameHeader, MAX_HEADER_LEN, mask, opcode};

/// Why a message could not be framed into the caller's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The buffer is too small; the frame needs this many bytes.
    BufferTooSmall(usize),
    /// Not open (connecting, closing or closed).
    NotOpen,
    /// Actions wait in the queue: take them first, or the frame would jump
    /// ahead of them.
    Queued,
    /// Hixie drivers, an active extension (its frames are transformed), or
    /// a header without its payload on a driver that masks.
    NotSupported,
    /// A text message that is not UTF-8.
    InvalidUtf8,
}

/// How many bytes the frame for a `len`-byte payload takes.
pub fn frame_len(len: usize, masked: bool) -> usize {
    let ext = if len < 126 {
        0
    } else if len <= usize::from(u16::MAX) {
        2
    } else {
        8
    };
    2 + ext + if masked { 4 } else { 0 } + len
}

/// Writes the header (mask key included when `key` is set) into `out`,
/// which has room for it, with the crate's one header encoder; returns its
/// length.
#[inline]
fn put_header(out: &mut [u8], op: u8, len: usize, key: Option<[u8; 4]>) -> usize {
    let header = message_header(op, len, key);
    frame::write_header(out, &header).unwrap_or(0)
}

/// The header of a whole message (FIN, no RSV bits).
#[inline(always)]
fn message_header(op: u8, len: usize, mask: Option<[u8; 4]>) -> FrameHeader {
    FrameHeader {
        fin: true,
        rsv: 0,
        opcode: op,
        mask,
        len: len as u64,
    }
}

impl Driver {
    /// [`frame_message`](Self::frame_message)'s common case: a driver that
    /// does not mask (a server), open, with no extension at work and nothing
    /// queued, framing a binary or valid text message into a buffer with
    /// room for it and the longest header. `None` for anything else:
    /// `frame_message` then frames it or says why. It changes nothing (not
    /// even `out` when it declines) and cannot panic (no indexing, no
    /// allocation): the C API runs it without its unwind frame.
    #[inline(always)]
    pub(crate) fn frame_plain(&self, text: bool, data: &[u8], out: &mut [u8]) -> Option<usize> {
        let Proto::Hybi(h) = &self.proto else {
            return None;
        };
        if self.io.state != ReadyState::Open
            || h.masks()
            || self.ext.any_active()
            || !self.io.queue.is_empty()
        {
            return None;
        }
        let op = match text {
            false => opcode::BINARY,
            true if simdutf8::basic::from_utf8(data).is_ok() => opcode::TEXT,
            true => return None,
        };
        // Room for the longest header first, so a buffer too small is left
        // as it was (the checked path then tells the exact size). A slice
        // holds at most `isize::MAX` bytes: the sum cannot wrap.
        if data.len() + MAX_HEADER_LEN > out.len() {
            return None;
        }
        let at = frame::write_header(out, &message_header(op, data.len(), None))?;
        let end = at + data.len();
        out.get_mut(at..end)?.copy_from_slice(data);
        Some(end)
    }

    /// Frames one whole message into `out`, where the host sends it from,
    /// instead of queueing an `Action::Write`; returns the frame's length.
    /// A client masks it as [`binary`](Self::binary) would. Fails without
    /// any effect (see [`FrameError`]); `BufferTooSmall` tells the size
    /// needed, which [`frame_len`] also gives.
    ///
    /// The common case (a server, open, nothing queued, room in `out`)
    /// takes [`frame_plain`](Self::frame_plain), as `ws_frame_message` does.
    #[inline]
    pub fn frame_message(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<usize, FrameError> {
        if self.masks() {
            return self.frame_checked(kind, data, out);
        }
        match self.frame_plain(kind == MessageKind::Text, data, out) {
            Some(n) => Ok(n),
            None => self.frame_declined(kind, data, out),
        }
    }

    /// Why [`frame_plain`](Self::frame_plain) declined, out of the hot path.
    #[cold]
    #[inline(never)]
    fn frame_declined(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<usize, FrameError> {
        self.frame_checked(kind, data, out)
    }

    /// [`frame_message`](Self::frame_message) with every check: a client's
    /// masked frame, or why the message cannot be framed. The C API calls
    /// it after its own [`frame_plain`](Self::frame_plain) declined.
    #[inline]
    pub(crate) fn frame_checked(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        out: &mut [u8],
    ) -> Result<usize, FrameError> {
        self.check_direct()?;
        let op = op_of(kind, data)?;
        let masked = self.masks();
        let need = frame_len(data.len(), masked);
        if out.len() < need {
            return Err(FrameError::BufferTooSmall(need));
        }
        let key = masked.then(|| {
            let mut k = [0u8; 4];
            self.io.random().fill(&mut k);
            k
        });
        let at = put_header(out, op, data.len(), key);
        let body = &mut out[at..need];
        match key {
            Some(k) => mask::copy_masked(body, data, k),
            None => body.copy_from_slice(data),
        }
        Ok(need)
    }

    /// The header alone of a `len`-byte message, for a server that writes
    /// it followed by its own payload (`writev`): returns the header's
    /// length. The payload must follow at once, whole, before anything
    /// else is taken from or given to this driver; a text payload must be
    /// UTF-8 (the caller's promise: it is not seen here). A driver that
    /// masks (a client) cannot do this: `NotSupported`.
    #[inline]
    pub fn frame_header(
        &mut self,
        kind: MessageKind,
        len: usize,
        out: &mut [u8; MAX_HEADER_LEN],
    ) -> Result<usize, FrameError> {
        self.check_direct()?;
        if self.masks() {
            return Err(FrameError::NotSupported);
        }
        let op = match kind {
            MessageKind::Text => opcode::TEXT,
            MessageKind::Binary => opcode::BINARY,
        };
        Ok(put_header(out, op, len, None))
    }

    /// Open, hybi, no extension at work, nothing queued.
    #[inline]
    fn check_direct(&self) -> Result<(), FrameError> {
        if self.io.state != ReadyState::Open {
            return Err(FrameError::NotOpen);
        }
        if !matches!(self.proto, Proto::Hybi(_)) || self.ext.any_active() {
            return Err(FrameError::NotSupported);
        }
        if !self.io.queue.is_empty() {
            return Err(FrameError::Queued);
        }
        Ok(())
    }

    /// Whether this driver masks what it sends once open (clients, by
    /// default), known from its creation.
    pub(crate) fn will_mask(&self) -> bool {
        let default = self.is_client();
        self.opts.masking.unwrap_or(default)
    }

    /// Whether this driver masks what it sends (clients, by default).
    fn masks(&self) -> bool {
        matches!(&self.proto, Proto::Hybi(h) if h.masks())
    }
}

fn op_of(kind: MessageKind, data: &[u8]) -> Result<u8, FrameError> {
    match kind {
        MessageKind::Binary => Ok(opcode::BINARY),
        MessageKind::Text if simdutf8::basic::from_utf8(data).is_ok() => Ok(opcode::TEXT),
        MessageKind::Text => Err(FrameError::InvalidUtf8),
    }
}
