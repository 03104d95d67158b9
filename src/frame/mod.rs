//! RFC 6455 frame headers: decoding from a byte slice and encoding into an
//! output buffer. Policy (which frames are acceptable) lives in `hybi/`.

pub mod close;
pub mod mask;

pub const FIN: u8 = 0x80;
pub const RSV_MASK: u8 = 0x70;
pub const RSV1: u8 = 0x40;
pub const RSV2: u8 = 0x20;
pub const RSV3: u8 = 0x10;

/// Frame opcodes (RFC 6455 §5.2).
pub mod opcode {
    pub const CONTINUATION: u8 = 0x0;
    pub const TEXT: u8 = 0x1;
    pub const BINARY: u8 = 0x2;
    pub const CLOSE: u8 = 0x8;
    pub const PING: u8 = 0x9;
    pub const PONG: u8 = 0xA;

    pub fn is_known(op: u8) -> bool {
        matches!(op, CONTINUATION | TEXT | BINARY | CLOSE | PING | PONG)
    }

    pub fn is_control(op: u8) -> bool {
        op & 0x8 != 0
    }
}

/// The longest possible header: 2 + 8 (length) + 4 (mask).
pub const MAX_HEADER_LEN: usize = 14;

/// A decoded frame header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    /// The three RSV bits in place (`RSV_MASK` of the first byte).
    pub rsv: u8,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub len: u64,
}

/// Length of the header that starts with these two bytes.
#[inline]
pub fn header_len(b0_b1: [u8; 2]) -> usize {
    let b1 = b0_b1[1];
    let ext = match b1 & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    2 + ext + if b1 & 0x80 != 0 { 4 } else { 0 }
}

impl FrameHeader {
    /// The header's first byte: FIN, RSV bits and opcode.
    #[inline]
    pub fn first_byte(&self) -> u8 {
        (if self.fin { FIN } else { 0 }) | (self.rsv & RSV_MASK) | (self.opcode & 0x0F)
    }
}

/// Whether a frame starting with `b0` is a whole text or binary message
/// without RSV bits: the only kind of frame the fast paths handle.
#[inline(always)]
pub fn is_plain_message(b0: u8) -> bool {
    b0 == FIN | opcode::TEXT || b0 == FIN | opcode::BINARY
}

/// The payload length from the start of a header, and where its field
/// ends; `None` until the bytes holding it have arrived.
#[inline(always)]
pub fn payload_len(buf: &[u8]) -> Option<(u64, usize)> {
    Some(match *buf.get(1)? & 0x7F {
        126 => (
            u64::from(u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?)),
            4,
        ),
        127 => (u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?), 10),
        l => (u64::from(l), 2),
    })
}

/// Decodes a header from the start of `buf`; `None` when more bytes are
/// needed. Returns the header and its length in bytes.
#[inline(always)]
pub fn decode(buf: &[u8]) -> Option<(FrameHeader, usize)> {
    let (len, mut at) = payload_len(buf)?;
    let (b0, b1) = (buf[0], buf[1]);
    let mask = if b1 & 0x80 != 0 {
        let key: [u8; 4] = buf.get(at..at + 4)?.try_into().ok()?;
        at += 4;
        Some(key)
    } else {
        None
    };
    let header = FrameHeader {
        fin: b0 & FIN != 0,
        rsv: b0 & RSV_MASK,
        opcode: b0 & 0x0F,
        mask,
        len,
    };
    Some((header, at))
}

/// The frame encoder: writes `h` at the start of `out` with the shortest
/// length encoding (RFC 6455 §5.2) and returns its length; `None` when
/// `out` is too short (nothing written then). Straight into the
/// destination, and inlined, so framing a small message costs a few stores.
#[inline(always)]
pub fn write_header(out: &mut [u8], h: &FrameHeader) -> Option<usize> {
    let b0 = h.first_byte();
    let mbit = if h.mask.is_some() { 0x80 } else { 0 };
    let key_len = if h.mask.is_some() { 4 } else { 0 };
    let n = if h.len < 126 {
        let head = out.get_mut(..2 + key_len)?;
        head[..2].copy_from_slice(&[b0, mbit | h.len as u8]);
        2
    } else if h.len <= u64::from(u16::MAX) {
        let head = out.get_mut(..4 + key_len)?;
        head[..2].copy_from_slice(&[b0, mbit | 126]);
        head[2..4].copy_from_slice(&(h.len as u16).to_be_bytes());
        4
    } else {
        let head = out.get_mut(..10 + key_len)?;
        head[..2].copy_from_slice(&[b0, mbit | 127]);
        head[2..10].copy_from_slice(&h.len.to_be_bytes());
        10
    };
    if let Some(m) = h.mask {
        out.get_mut(n..n + 4)?.copy_from_slice(&m);
    }
    Some(n + key_len)
}

/// A header in a fixed array (see [`write_header`]), and how many of its
/// bytes it uses.
#[inline(always)]
pub fn header_bytes(h: &FrameHeader) -> ([u8; MAX_HEADER_LEN], usize) {
    let mut head = [0u8; MAX_HEADER_LEN];
    // Every header fits in MAX_HEADER_LEN bytes.
    let n = write_header(&mut head, h).unwrap_or(0);
    (head, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length_class() {
        for (len, mask) in [
            (0u64, None),
            (125, Some([1, 2, 3, 4])),
            (126, None),
            (65535, Some([9, 9, 9, 9])),
            (65536, None),
            (1 << 40, None),
        ] {
            let h = FrameHeader {
                fin: true,
                rsv: RSV1,
                opcode: opcode::BINARY,
                mask,
                len,
            };
            let (head, n) = header_bytes(&h);
            let out = &head[..n];
            assert_eq!(out.len(), header_len([out[0], out[1]]));
            let (d, n) = decode(out).unwrap();
            assert_eq!((d, n), (h, out.len()));
            assert!(decode(&out[..out.len() - 1]).is_none());
        }
    }

    #[test]
    fn decodes_rfc_examples() {
        // RFC 6455 §5.7: a single-frame masked text message "Hello".
        let (h, n) = decode(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]).unwrap();
        assert_eq!(n, 6);
        assert!(h.fin);
        assert_eq!(
            (h.opcode, h.len, h.mask),
            (opcode::TEXT, 5, Some([0x37, 0xfa, 0x21, 0x3d]))
        );
    }
}
