//! Limits: memcpy, a vectorised copy+XOR and a minimal "ideal" decoder.

use std::hint::black_box;

use wsdriver::frame::mask;

use crate::contenders::{Contender, Work};
use crate::transport::Host;
use crate::workload::Op;

/// memcpy: each payload copied into a reused buffer (decode), or into the
/// host buffer every encode contender's output lands in (encode: the same
/// memory, so the limit pays the same cache misses).
pub struct Memcpy(pub Vec<u8>, pub Host);

impl Contender for Memcpy {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        match w.op {
            Op::Decode(_) => {
                for &(at, len, _) in &w.input.frames {
                    self.0.clear();
                    self.0.extend_from_slice(&w.input.bytes[at..at + len]);
                    black_box(&self.0);
                    seen.0 += 1;
                    seen.1 += len;
                }
            }
            Op::Encode(_) => {
                for _ in 0..w.count {
                    self.1.put(&w.payload);
                    seen.0 += 1;
                    seen.1 += w.payload.len();
                }
            }
        }
        seen
    }
}

/// Vectorised copy+XOR of each payload into a reused buffer (decode), or
/// into the host buffer (encode, as for [`Memcpy`]).
pub struct CopyXor(pub Vec<u8>, pub Host);

impl Contender for CopyXor {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        match w.op {
            Op::Decode(_) => {
                for &(at, len, key) in &w.input.frames {
                    self.0.clear();
                    mask::append_masked(&mut self.0, &w.input.bytes[at..at + len], key, 0);
                    black_box(&self.0);
                    seen.0 += 1;
                    seen.1 += len;
                }
            }
            Op::Encode(_) => {
                let p = &w.payload;
                for i in 0..w.count {
                    let key = (i as u32).wrapping_mul(0x9E37_79B9).to_le_bytes();
                    self.1.write_with(|buf| match buf.get_mut(..p.len()) {
                        Some(dst) => {
                            mask::copy_masked(dst, p, key);
                            Ok(p.len())
                        }
                        None => Err(p.len()),
                    });
                    seen.0 += 1;
                    seen.1 += p.len();
                }
            }
        }
        seen
    }
}

/// The least a decoder must do: parse each header, copy-unmask the payload
/// into a reused buffer in one pass, validate text, call back once.
pub struct Ideal {
    pub buf: Vec<u8>,
    pub cb: fn(&[u8], &mut (usize, usize)),
}

pub fn ideal_callback(data: &[u8], seen: &mut (usize, usize)) {
    seen.0 += 1;
    seen.1 += data.len();
    black_box(data);
}

impl Contender for Ideal {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        let input = &w.input.bytes[..];
        let mut pos = 0;
        let cb = black_box(self.cb);
        while pos + 2 <= input.len() {
            let (b0, b1) = (input[pos], input[pos + 1]);
            let (len, mut at) = match b1 & 0x7F {
                126 => (
                    u16::from_be_bytes([input[pos + 2], input[pos + 3]]) as usize,
                    4,
                ),
                127 => (
                    u64::from_be_bytes(input[pos + 2..pos + 10].try_into().expect("8")) as usize,
                    10,
                ),
                l => (l as usize, 2),
            };
            let key: [u8; 4] = input[pos + at..pos + at + 4].try_into().expect("4");
            at += 4;
            let p = &input[pos + at..pos + at + len];
            pos += at + len;
            self.buf.clear();
            mask::append_masked(&mut self.buf, p, key, 0);
            if b0 & 0x0F == 1 && simdutf8::basic::from_utf8(&self.buf).is_err() {
                panic!("invalid UTF-8");
            }
            cb(&self.buf, &mut seen);
        }
        seen
    }
}
