//! The outgoing half: messages and control frames framed for the wire
//! (masked for clients), through the extensions, and the closing handshake.

use super::*;

impl Hybi {
    /// Sends a data or control message (a control payload is at most 125
    /// bytes); fails the connection when an extension fails.
    pub fn send(
        &mut self,
        io: &mut Io,
        ext: &mut Extensions,
        op: u8,
        payload: &[u8],
    ) -> Result<(), CommandError> {
        if !opcode::is_control(op) && ext.any_active() {
            let mut msg = ExtMessage {
                rsv: 0,
                text: op == opcode::TEXT,
                data: payload.to_vec(),
            };
            if let Err(e) = ext.outgoing(&mut msg) {
                self.fail(e, io);
                return Err(CommandError::ExtensionFailed);
            }
            self.send_frame(io, op, msg.rsv, &msg.data);
            return Ok(());
        }
        self.send_frame(io, op, 0, payload);
        Ok(())
    }

    /// Starts the closing handshake (state must be open).
    pub fn close(&mut self, io: &mut Io, code: u16, reason: &str) {
        let payload = close_payload(code, reason);
        self.send_frame(io, opcode::CLOSE, 0, &payload);
        io.state = ReadyState::Closing;
    }

    /// Remembers `token` to be answered by a pong carrying `payload`.
    pub fn expect_pong(
        &mut self,
        payload: &[u8],
        token: u64,
        limit: usize,
    ) -> Result<(), CommandError> {
        let pings = self.pings.get_or_insert_default();
        if pings.len() >= limit {
            return Err(CommandError::TooManyPings);
        }
        pings.push((payload.to_vec(), token));
        Ok(())
    }

    /// Encodes one frame into one write.
    #[inline]
    pub(crate) fn send_frame(&mut self, io: &mut Io, op: u8, rsv: u8, payload: &[u8]) {
        let mask = self.masking.then(|| {
            let mut key = [0u8; 4];
            io.random().fill(&mut key);
            key
        });
        let (head, n) = frame::header_bytes(&FrameHeader {
            fin: true,
            rsv,
            opcode: op,
            mask,
            len: payload.len() as u64,
        });
        let mut out = io.buffer_for(MAX_HEADER_LEN + payload.len());
        out.reserve(MAX_HEADER_LEN + payload.len());
        // All of `head`, a fixed-size copy into the room reserved above,
        // then the bytes past the header are cut off again.
        out.extend_from_slice(&head);
        out.truncate(n);
        match mask {
            Some(key) => {
                mask::append_masked(&mut out, payload, key, 0);
            }
            None => out.extend_from_slice(payload),
        }
        io.write(out);
    }

    /// Whether this end masks the frames it sends (clients).
    pub(crate) fn masks(&self) -> bool {
        self.masking
    }
}

/// Code and reason as a close payload. Our own reasons (error messages) can
/// exceed what a control frame holds; the wire copy is cut at a character
/// boundary, the `close` event keeps the whole text.
pub(super) fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut p = Vec::with_capacity(2 + end);
    p.extend_from_slice(&code.to_be_bytes());
    p.extend_from_slice(&reason.as_bytes()[..end]);
    p
}
