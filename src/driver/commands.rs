//! Commands that send: messages, pings and pongs, the closing handshake,
//! and queueing before the connection opens. Each says why it was refused.

use super::*;

impl Driver {
    /// Sends a text message (queued until open).
    #[inline]
    pub fn text(&mut self, text: &str) -> Result<(), CommandError> {
        self.send(opcode::TEXT, text.as_bytes())
    }

    /// Like [`text`](Self::text) for bytes that must be UTF-8.
    pub fn text_bytes(&mut self, text: &[u8]) -> Result<(), CommandError> {
        if simdutf8::basic::from_utf8(text).is_err() {
            return Err(CommandError::InvalidUtf8);
        }
        self.send(opcode::TEXT, text)
    }

    /// Sends a binary message (queued until open; hybi only).
    #[inline]
    pub fn binary(&mut self, data: &[u8]) -> Result<(), CommandError> {
        self.send(opcode::BINARY, data)
    }

    /// Sends a ping of at most 125 bytes (queued until open; hybi only).
    pub fn ping(&mut self, payload: &[u8]) -> Result<(), CommandError> {
        self.send_ping(payload, None)
    }

    /// Sends a ping and emits `PingAnswered(token)` when a pong with the same
    /// payload arrives.
    pub fn ping_with_token(&mut self, payload: &[u8], token: u64) -> Result<(), CommandError> {
        self.send_ping(payload, Some(token))
    }

    /// Sends an unsolicited pong of at most 125 bytes.
    pub fn pong(&mut self, payload: &[u8]) -> Result<(), CommandError> {
        self.send(opcode::PONG, payload)
    }

    /// Starts the closing handshake with `code` (default 1000) and `reason`
    /// (at most 123 bytes). While connecting, closes at once and emits
    /// `close`.
    pub fn close(&mut self, code: Option<u16>, reason: &str) -> Result<(), CommandError> {
        self.close_bytes(code, reason.as_bytes())
    }

    /// Like [`close`](Self::close) for a reason that must be UTF-8.
    pub fn close_bytes(&mut self, code: Option<u16>, reason: &[u8]) -> Result<(), CommandError> {
        let code = code.unwrap_or(1000);
        if !is_valid_on_wire(code) {
            return Err(CommandError::BadCloseCode(code.into()));
        }
        if reason.len() > 123 {
            return Err(CommandError::ReasonTooLong);
        }
        let reason = std::str::from_utf8(reason).map_err(|_| CommandError::InvalidUtf8)?;
        if self.io.state == ReadyState::Connecting {
            self.finish(Some(code), reason.to_owned());
            return Ok(());
        }
        match (self.io.state, &mut self.proto) {
            (ReadyState::Open, Proto::Hybi(h)) => h.close(&mut self.io, code, reason),
            (ReadyState::Open, Proto::Hixie(h)) => h.close(&mut self.io),
            _ => return Err(CommandError::Closed),
        }
        Ok(())
    }

    /// The transport closed (EOF or error). Emits `close` with 1006 unless
    /// the connection had already closed.
    pub fn transport_closed(&mut self) {
        if self.io.state != ReadyState::Closed {
            self.finish(Some(1006), String::new());
        }
        self.clear_input();
    }

    // ---- internals ------------------------------------------------------

    /// Closes without a handshake and emits `close` (hixie: without a code).
    pub(super) fn finish(&mut self, code: Option<u16>, reason: String) {
        let (code, reason) = match &mut self.proto {
            Proto::Hybi(h) => {
                h.stop();
                (code, reason)
            }
            Proto::Hixie(h) => {
                // Hixie closes carry neither code nor reason (the gem's
                // `close(nil, nil)`).
                h.stop();
                (None, String::new())
            }
            Proto::Undecided => (code, reason),
        };
        self.pending = None;
        self.io.set_closed();
        self.io.emit(Event::Close { code, reason });
    }

    #[inline]
    pub(super) fn send(&mut self, op: u8, data: &[u8]) -> Result<(), CommandError> {
        // The common case: a data message on an open hybi connection
        // without extensions.
        if frame::is_plain_message(frame::FIN | op)
            && self.io.state == ReadyState::Open
            && !self.ext.any_active()
        {
            if let Proto::Hybi(h) = &mut self.proto {
                h.send_frame(&mut self.io, op, 0, data);
                return Ok(());
            }
        }
        self.send_slow(op, data, None)
    }

    /// Every other send; `token` for a ping whose pong is awaited.
    #[inline(never)]
    pub(super) fn send_slow(
        &mut self,
        op: u8,
        data: &[u8],
        token: Option<u64>,
    ) -> Result<(), CommandError> {
        if matches!(self.proto, Proto::Hixie(_)) && op != opcode::TEXT {
            return Err(CommandError::NotSupported);
        }
        if opcode::is_control(op) && data.len() > 125 {
            return Err(CommandError::ControlTooLong);
        }
        match self.io.state {
            ReadyState::Connecting
                if self.pending.as_ref().map_or(0, |p| p.len()) >= self.opts.max_queued =>
            {
                Err(CommandError::QueueFull)
            }
            ReadyState::Connecting => {
                let data = data.to_vec();
                let pending = self.pending.get_or_insert_default();
                pending.push(Pending { op, data, token });
                Ok(())
            }
            ReadyState::Open => self.send_now(op, data, token),
            _ => Err(CommandError::Closed),
        }
    }

    pub(super) fn send_ping(
        &mut self,
        payload: &[u8],
        token: Option<u64>,
    ) -> Result<(), CommandError> {
        self.send_slow(opcode::PING, payload, token)
    }

    pub(super) fn send_now(
        &mut self,
        op: u8,
        data: &[u8],
        token: Option<u64>,
    ) -> Result<(), CommandError> {
        match &mut self.proto {
            Proto::Hybi(h) => {
                if let Some(t) = token {
                    h.expect_pong(data, t, self.opts.max_pending_pings)?;
                }
                h.send(&mut self.io, &mut self.ext, op, data)
            }
            Proto::Hixie(h) if op == opcode::TEXT => {
                h.send_text(&mut self.io, data);
                Ok(())
            }
            // Hixie has text frames only; binary messages, pings and pongs
            // queued before the protocol was known are dropped.
            Proto::Hixie(_) | Proto::Undecided => Err(CommandError::NotSupported),
        }
    }
}
