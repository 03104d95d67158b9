//! The RFC 6455 (hybi-7 … 13) framing protocol: parsing frames straight from
//! the caller's bytes and reassembling messages; `outgoing` encodes frames.
//!
//! Parsing stops as soon as an event is queued, so the caller can deliver it
//! (and react, e.g. by sending) before the next frame is looked at; this is
//! what keeps the order of writes and events the same as the gem's.

mod checks;
mod in_place;
mod outgoing;

pub(crate) use in_place::Whole;

use outgoing::close_payload;

use crate::error::{CommandError, Error, ErrorKind};
use crate::event::{Event, MessageKind, ReadyState};
use crate::extensions::{ExtMessage, Extensions};
use crate::frame::{self, FrameHeader, MAX_HEADER_LEN, close, mask, opcode};
use crate::io::Io;
use crate::message::{self, Utf8Stream};

/// How many times the bytes received so far a message buffer may reserve
/// ahead of them (bounded by the announced length).
const GROWTH: u64 = 8;
/// What a data frame may reserve before any of its payload arrived.
const MIN_RESERVE: u64 = 64 * 1024;

/// Reserves room for a size the peer chose: when the memory is not there,
/// the connection fails with 1009 instead of the process aborting.
fn reserve(buf: &mut Vec<u8>, additional: usize) -> Result<(), Error> {
    buf.try_reserve_exact(additional).map_err(|_| {
        Error::new(
            ErrorKind::TooLarge,
            "WebSocket frame length too large (out of memory)",
        )
    })
}

/// The gem's close code for a close frame without a payload.
const DEFAULT_CLOSE_CODE: u16 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Header,
    Payload,
    /// After a fatal error or a close: input is ignored.
    Done,
}

/// A ping awaiting its pong: payload and token.
type Ping = (Vec<u8>, u64);

pub(crate) struct Hybi {
    masking: bool,
    require_masking: bool,
    /// A client: a masked frame from the server fails with 1002 (RFC 6455
    /// §5.1: "A client MUST close a connection if it detects a masked
    /// frame").
    reject_masked: bool,
    max_length: u64,
    stage: Stage,
    /// A header split across inputs.
    partial: [u8; MAX_HEADER_LEN],
    partial_len: u8,
    frame: FrameHeader,
    remaining: u64,
    /// Where in the mask key the frame's next byte is (0..4; a byte keeps
    /// the struct within 120 bytes, as every open connection holds one).
    mask_offset: u8,
    /// The message being reassembled: its kind and first frame's RSV bits.
    message: Option<(MessageKind, u8)>,
    buffer: Vec<u8>,
    utf8: Utf8Stream,
    control: Vec<u8>,
    /// Pings waiting for their pong: payload and token.
    /// Boxed when there are any: most connections never ping.
    #[allow(clippy::box_collection)]
    pings: Option<Box<Vec<Ping>>>,
    /// A text frame left incomplete in the caller's buffer (see
    /// `in_place`): its mask key, length, and payload bytes known valid.
    kept_text: ([u8; 4], u64, u64),
}

impl Hybi {
    /// A client's protocol: masked frames are a protocol error.
    pub fn rejecting_masked(mut self) -> Self {
        self.reject_masked = true;
        self
    }

    pub fn new(masking: bool, require_masking: bool, max_length: u64) -> Self {
        Hybi {
            masking,
            require_masking,
            reject_masked: false,
            max_length,
            stage: Stage::Header,
            partial: [0; MAX_HEADER_LEN],
            partial_len: 0,
            frame: FrameHeader::default(),
            remaining: 0,
            mask_offset: 0,
            message: None,
            buffer: Vec::new(),
            utf8: Utf8Stream::default(),
            control: Vec::new(),
            pings: None,
            kept_text: Default::default(),
        }
    }

    /// [`parse`](Self::parse) with its most common case first: `input`
    /// starts with a whole small message (see `whole_message`), taken
    /// without the general loop.
    #[inline(always)]
    pub fn parse_next(&mut self, input: &[u8], io: &mut Io, ext: &mut Extensions) -> usize {
        if self.stage == Stage::Header
            && self.partial_len == 0
            && self.message.is_none()
            && !ext.any_active()
        {
            match self.whole_message(input, io) {
                Some(Ok(used)) => return used,
                Some(Err(e)) => {
                    self.fail(e, io);
                    return input.len();
                }
                None => {}
            }
        }
        self.parse(input, io, ext)
    }

    /// Parsing ahead for a batch: takes the whole data message `input`
    /// starts with, as [`parse_next`](Self::parse_next) would, but only when
    /// that is all it would do (no error, no control frame, no partial
    /// frame, no extension); otherwise changes nothing and returns `None`.
    /// So a batch never moves a close, an error or a ping ahead of what the
    /// host does in reaction to the actions before it.
    #[inline(always)]
    pub fn parse_ahead(&mut self, input: &[u8], io: &mut Io, ext: &Extensions) -> Option<usize> {
        if self.stage != Stage::Header
            || self.partial_len != 0
            || self.message.is_some()
            || ext.any_active()
        {
            return None;
        }
        self.whole_message(input, io)?.ok()
    }

    /// Parses from `input` until an event is queued or the input runs out;
    /// returns how many bytes were consumed.
    #[inline(never)]
    pub fn parse(&mut self, input: &[u8], io: &mut Io, ext: &mut Extensions) -> usize {
        let mut pos = 0;
        while pos < input.len() {
            match self.stage {
                Stage::Done => return input.len(),
                Stage::Header => {
                    if self.partial_len == 0 && self.message.is_none() && !ext.any_active() {
                        match self.whole_message(&input[pos..], io) {
                            Some(Ok(used)) => {
                                pos += used;
                                break;
                            }
                            Some(Err(e)) => {
                                self.fail(e, io);
                                return input.len();
                            }
                            None => {}
                        }
                    }
                    let Some((header, len7, used)) = self.read_header(&input[pos..]) else {
                        // Fail as soon as the bytes received decide it, as
                        // the gem does (e.g. an unmasked `81 7E`).
                        if let Err(e) = self.check_partial_header(ext) {
                            self.fail(e, io);
                        }
                        return input.len();
                    };
                    pos += used;
                    if let Err(e) = self.begin_frame(header, len7, ext, input.len() - pos) {
                        self.fail(e, io);
                        return input.len();
                    }
                    if self.remaining == 0 {
                        self.finish_frame(io, ext);
                    }
                }
                Stage::Payload => {
                    let take = (input.len() - pos)
                        .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                    let chunk = &input[pos..pos + take];
                    pos += take;
                    self.remaining -= take as u64;
                    if let Err(e) = self.take_payload(chunk) {
                        self.fail(e, io);
                        return input.len();
                    }
                    if self.remaining == 0 {
                        self.finish_frame(io, ext);
                    }
                }
            }
            if !io.queue.is_empty() {
                break;
            }
        }
        pos
    }

    /// The fast path for the common case: `input` starts with a whole frame
    /// that [`takes_fast_path`](Self::takes_fast_path), and no extension is
    /// active. It is unmasked straight into a pooled buffer and queued as a
    /// message: the same outcome as the frame-by-frame path, without its
    /// bookkeeping. Returns the bytes used, the failure (invalid UTF-8), or
    /// `None` to leave the frame to the general path.
    #[inline(always)]
    fn whole_message(&mut self, input: &[u8], io: &mut Io) -> Option<Result<usize, Error>> {
        let (h, at) = frame::decode(input)?;
        if !self.takes_fast_path(input[0], h.mask.is_some(), h.len)
            || h.len > (input.len() - at) as u64
        {
            return None;
        }
        let end = at + h.len as usize;
        let payload = &input[at..end];
        let mut data = io.buffer_for(payload.len());
        match h.mask {
            Some(key) => {
                mask::append_masked(&mut data, payload, key, 0);
            }
            None => data.extend_from_slice(payload),
        }
        let kind = if h.opcode == opcode::TEXT {
            if !message::is_utf8(&data) {
                io.recycle(data);
                return Some(Err(encoding_error()));
            }
            MessageKind::Text
        } else {
            MessageKind::Binary
        };
        io.emit(Event::Message { kind, data });
        Some(Ok(end))
    }

    /// Whether a frame needs none of the checks and none of the bookkeeping
    /// of the general path: a whole text or binary message without RSV bits
    /// (its first byte is `b0`), while no message is being reassembled,
    /// masked as this end requires, within `max_length`.
    #[inline(always)]
    fn takes_fast_path(&self, b0: u8, masked: bool, len: u64) -> bool {
        frame::is_plain_message(b0)
            && self.message.is_none()
            && len <= self.max_length
            && (masked || !self.require_masking)
            && !(masked && self.reject_masked)
    }

    /// Decodes a header from `input`, completing one split across calls.
    /// Returns the header, the 7-bit length field of its second byte, and
    /// how many bytes of `input` it used.
    #[inline]
    fn read_header(&mut self, input: &[u8]) -> Option<(FrameHeader, u8, usize)> {
        if self.partial_len == 0 {
            if let Some((h, n)) = frame::decode(input) {
                return Some((h, input[1] & 0x7F, n));
            }
        }
        let have = self.partial_len as usize;
        let need = if have + input.len() >= 2 {
            let first = if have >= 2 {
                [self.partial[0], self.partial[1]]
            } else if have == 1 {
                [self.partial[0], input[0]]
            } else {
                [input[0], input[1]]
            };
            frame::header_len(first)
        } else {
            2
        };
        let take = (need - have).min(input.len());
        self.partial[have..have + take].copy_from_slice(&input[..take]);
        self.partial_len += take as u8;
        if (self.partial_len as usize) < need {
            return None;
        }
        self.partial_len = 0;
        let len7 = self.partial[1] & 0x7F;
        frame::decode(&self.partial[..need]).map(|(h, _)| (h, len7, take))
    }

    /// `available`: bytes of input after the header, already received.
    fn begin_frame(
        &mut self,
        h: FrameHeader,
        len7: u8,
        ext: &Extensions,
        available: usize,
    ) -> Result<(), Error> {
        let control = opcode::is_control(h.opcode);
        self.check_start(h.fin, h.rsv, h.opcode, h.mask.is_some(), len7, ext)?;
        if len7 > 125 {
            self.check_length(h.opcode, h.len)?;
        }
        match h.opcode {
            opcode::TEXT => self.message = Some((MessageKind::Text, h.rsv)),
            opcode::BINARY => self.message = Some((MessageKind::Binary, h.rsv)),
            opcode::CONTINUATION => {}
            _ => self.control.clear(),
        }
        if !control {
            // Room for what is announced, in one allocation when it can be,
            // but never more than GROWTH times what actually arrived, so a
            // large announced length costs memory only as its bytes come.
            let bound = (available as u64).saturating_mul(GROWTH).max(MIN_RESERVE);
            reserve(&mut self.buffer, h.len.min(bound) as usize)?;
        }
        self.frame = h;
        self.remaining = h.len;
        self.mask_offset = 0;
        self.stage = Stage::Payload;
        Ok(())
    }

    #[inline]
    fn take_payload(&mut self, chunk: &[u8]) -> Result<(), Error> {
        let control = opcode::is_control(self.frame.opcode);
        let target = if control {
            &mut self.control
        } else {
            &mut self.buffer
        };
        if target.capacity() - target.len() < chunk.len() {
            // Grow once to the end of the frame when that is at most GROWTH
            // times what has arrived, else by that much: few reallocations
            // (each copies) and no capacity beyond the announced length.
            let arrived = (target.len() + chunk.len()) as u64;
            let more = self.remaining.min(arrived.saturating_mul(GROWTH));
            reserve(target, chunk.len().saturating_add(more as usize))?;
        }
        match self.frame.mask {
            Some(key) => {
                let at = mask::append_masked(target, chunk, key, usize::from(self.mask_offset));
                self.mask_offset = (at % 4) as u8;
            }
            None => target.extend_from_slice(chunk),
        }
        // Text is checked as it arrives so invalid UTF-8 fails at once, even
        // mid-frame; compressed text can only be checked after inflation.
        if let (false, Some((MessageKind::Text, 0))) = (control, self.message) {
            let complete = self.frame.fin && self.remaining == 0;
            if !self.utf8.check(&self.buffer, complete) {
                return Err(encoding_error());
            }
        }
        Ok(())
    }

    fn finish_frame(&mut self, io: &mut Io, ext: &mut Extensions) {
        self.stage = Stage::Header;
        match self.frame.opcode {
            opcode::CLOSE => self.receive_close(io),
            opcode::PING => {
                let payload = self.control.clone();
                if io.state == ReadyState::Open {
                    self.send_frame(io, opcode::PONG, 0, &payload);
                }
                io.emit(Event::Ping(payload));
            }
            opcode::PONG => {
                let payload = self.control.clone();
                if let Some(pings) = self.pings.as_deref_mut() {
                    let mut i = 0;
                    while i < pings.len() {
                        if pings[i].0 == payload {
                            let (_, token) = pings.remove(i);
                            io.emit(Event::PingAnswered(token));
                        } else {
                            i += 1;
                        }
                    }
                }
                io.emit(Event::Pong(payload));
            }
            _ if self.frame.fin => self.finish_message(io, ext),
            _ => {}
        }
    }

    fn finish_message(&mut self, io: &mut Io, ext: &mut Extensions) {
        let Some((kind, rsv)) = self.message.take() else {
            return;
        };
        // A final frame with no payload never reaches `take_payload`: check
        // here that the text does not end inside a character.
        if kind == MessageKind::Text && rsv == 0 && !self.utf8.check(&self.buffer, true) {
            return self.fail(encoding_error(), io);
        }
        let fresh = io.buffer();
        let data = std::mem::replace(&mut self.buffer, fresh);
        self.utf8.reset();
        let data = if ext.any_active() {
            let mut msg = ExtMessage {
                rsv,
                text: kind == MessageKind::Text,
                data,
            };
            if let Err(e) = ext.incoming(&mut msg, self.max_length) {
                return self.fail(e, io);
            }
            // Checked again whatever the RSV bits: any extension (a C
            // callback's included) may have rewritten the payload.
            if kind == MessageKind::Text && simdutf8::basic::from_utf8(&msg.data).is_err() {
                return self.fail(encoding_error(), io);
            }
            msg.data
        } else {
            data
        };
        io.emit(Event::Message { kind, data });
    }

    fn receive_close(&mut self, io: &mut Io) {
        let payload = std::mem::take(&mut self.control);
        let (code, reason) = match payload.len() {
            0 => (DEFAULT_CLOSE_CODE, String::new()),
            1 => (1002, String::new()),
            _ => {
                let code = u16::from_be_bytes([payload[0], payload[1]]);
                match std::str::from_utf8(&payload[2..]) {
                    Ok(r) if close::is_valid_on_wire(code) => (code, r.to_owned()),
                    Ok(r) => (1002, r.to_owned()),
                    Err(_) => (1002, String::new()),
                }
            }
        };
        self.shutdown(io, code, reason, None);
    }

    /// Ends the connection: answers with a close frame if we had not sent
    /// one, then emits `error` (for failures) and `close`.
    fn shutdown(&mut self, io: &mut Io, code: u16, reason: String, error: Option<Error>) {
        self.stage = Stage::Done;
        self.message = None;
        self.buffer = Vec::new();
        self.control = Vec::new();
        self.pings = None;
        if io.state == ReadyState::Open {
            let payload = close_payload(code, &reason);
            self.send_frame(io, opcode::CLOSE, 0, &payload);
        }
        io.set_closed();
        if let Some(e) = error {
            io.emit(Event::Error(e));
        }
        io.emit(Event::Close {
            code: Some(code),
            reason,
        });
    }

    /// A protocol failure: close frame (if open), `error`, `close`.
    pub fn fail(&mut self, e: Error, io: &mut Io) {
        if io.state == ReadyState::Closed {
            return;
        }
        let (code, reason) = (e.close_code(), e.message.clone());
        self.shutdown(io, code, reason, Some(e));
    }

    /// Frees the message buffer if it grew past the retained size.
    pub fn trim(&mut self, io: &Io) {
        if self.message.is_none() {
            io.trim(&mut self.buffer);
        }
    }

    /// Bytes held for a message being reassembled.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The transport went away: stop parsing.
    pub fn stop(&mut self) {
        self.stage = Stage::Done;
        self.buffer = Vec::new();
    }
}

fn encoding_error() -> Error {
    Error::new(
        ErrorKind::Encoding,
        "Could not decode a text frame as UTF-8",
    )
}
