//! The checks a frame header must pass before its payload is read: the
//! first byte (RSV bits, opcode, fragmentation), masking and the length,
//! decided as early as the bytes received allow.

use super::Hybi;
use crate::error::{Error, ErrorKind};
use crate::extensions::Extensions;
use crate::frame::{self, opcode};

impl Hybi {
    /// Runs the checks an incomplete header already allows: the first byte
    /// decides RSV, opcode and fragmentation (as in the gem), the second
    /// masking (and the length when it fits in 7 bits); an extended length
    /// is checked before the mask key arrives.
    pub(super) fn check_partial_header(&self, ext: &Extensions) -> Result<(), Error> {
        let have = self.partial_len as usize;
        if have == 1 {
            let b0 = self.partial[0];
            return self.check_first_byte(
                b0 & frame::FIN != 0,
                b0 & frame::RSV_MASK,
                b0 & 0x0F,
                ext,
            );
        }
        if have < 2 {
            return Ok(());
        }
        let (b0, b1) = (self.partial[0], self.partial[1]);
        let opcode = b0 & 0x0F;
        let len7 = b1 & 0x7F;
        self.check_start(
            b0 & frame::FIN != 0,
            b0 & frame::RSV_MASK,
            opcode,
            b1 & 0x80 != 0,
            len7,
            ext,
        )?;
        match frame::payload_len(&self.partial[..have]) {
            Some((len, _)) if len7 > 125 => self.check_length(opcode, len),
            _ => Ok(()),
        }
    }

    /// Checks on the first two header bytes, in the gem's order.
    pub(super) fn check_start(
        &self,
        fin: bool,
        rsv: u8,
        op: u8,
        masked: bool,
        len7: u8,
        ext: &Extensions,
    ) -> Result<(), Error> {
        // The common case in one test; anything else takes the checks
        // below, in order.
        let b0 = if fin { frame::FIN } else { 0 } | rsv | op;
        if len7 <= 125 && self.takes_fast_path(b0, masked, len7.into()) {
            return Ok(());
        }
        self.check_first_byte(fin, rsv, op, ext)?;
        // A 7-bit length is checked before the mask bit, an extended one after.
        if len7 <= 125 {
            self.check_length(op, len7 as u64)?;
        }
        if self.require_masking && !masked {
            return Err(Error::new(
                ErrorKind::Unacceptable,
                "Received unmasked frame but masking is required",
            ));
        }
        if self.reject_masked && masked {
            return Err(Error::protocol(
                "Received masked frame but a server must not mask",
            ));
        }
        Ok(())
    }

    /// Checks on the first header byte, in the gem's order.
    pub(super) fn check_first_byte(
        &self,
        fin: bool,
        rsv: u8,
        op: u8,
        ext: &Extensions,
    ) -> Result<(), Error> {
        let control = opcode::is_control(op);
        let rsv_ok = rsv == 0 || (ext.valid_rsv(rsv) && !control && op != opcode::CONTINUATION);
        if !rsv_ok {
            return Err(Error::protocol(format!(
                "One or more reserved bits are on: reserved1 = {}, reserved2 = {}, reserved3 = {}",
                (rsv & frame::RSV1 != 0) as u8,
                (rsv & frame::RSV2 != 0) as u8,
                (rsv & frame::RSV3 != 0) as u8
            )));
        }
        if !opcode::is_known(op) {
            return Err(Error::protocol(format!("Unrecognized frame opcode: {op}")));
        }
        if control && !fin {
            return Err(Error::protocol(format!(
                "Received fragmented control frame: opcode = {op}"
            )));
        }
        match (op, self.message.is_some()) {
            (opcode::TEXT | opcode::BINARY, true) => {
                return Err(Error::protocol(
                    "Received new data frame but previous continuous frame is unfinished",
                ));
            }
            (opcode::CONTINUATION, false) => {
                return Err(Error::protocol("Received unexpected continuation frame"));
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks on the payload length.
    pub(super) fn check_length(&self, op: u8, len: u64) -> Result<(), Error> {
        let control = opcode::is_control(op);
        if control && len > 125 {
            return Err(Error::protocol(format!(
                "Received control frame having too long payload: {len}"
            )));
        }
        if !control && (self.buffer.len() as u64).saturating_add(len) > self.max_length {
            return Err(Error::new(
                ErrorKind::TooLarge,
                "WebSocket frame length too large",
            ));
        }
        Ok(())
    }
}
