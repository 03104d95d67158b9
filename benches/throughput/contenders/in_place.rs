//! The C API decoding in place (`ws_parse_in_place`): each socket read
//! lands after what the last call left (a frame not whole yet) in the
//! host's own mutable buffer, and `on_message` gets pointers into it.

use wsdriver::ffi as c;

use crate::contenders::wsdriver_apis::WsC;
use crate::contenders::{Contender, Work};
use crate::workload::READ_CHUNK;

/// The host's read buffer: room for a 1 MiB frame kept whole plus a read.
pub const IN_PLACE_CAP: usize = (1 << 20) + 2 * READ_CHUNK;

pub struct WsCInPlace {
    pub c: WsC,
    buf: Vec<u8>,
    /// Bytes kept at the start of `buf` (a frame not whole yet).
    len: usize,
}

impl WsCInPlace {
    pub fn new() -> WsCInPlace {
        WsCInPlace {
            c: WsC::new(),
            buf: vec![0; IN_PLACE_CAP],
            len: 0,
        }
    }

    /// The host's read buffer (not the driver's memory).
    pub fn buf_capacity(&self) -> isize {
        self.buf.capacity() as isize
    }

    /// One socket read of `data` (at most the room left), then parsing in
    /// place; returns how many bytes of `data` were read.
    pub fn read(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(IN_PLACE_CAP - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&data[..n]);
        self.len += n;
        let mut used = 0;
        c::ws_parse_in_place(
            self.c.drv,
            self.buf.as_mut_ptr(),
            self.len,
            IN_PLACE_CAP,
            &mut used,
        );
        self.buf.copy_within(used..self.len, 0);
        self.len -= used;
        n
    }
}

impl Contender for WsCInPlace {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        self.c.seen.messages = 0;
        self.c.seen.bytes = 0;
        let input = &w.input.bytes[..];
        let mut at = 0;
        while at < input.len() {
            let end = (at + READ_CHUNK).min(input.len());
            at += self.read(&input[at..end]);
        }
        assert_eq!(self.len, 0, "every frame delivered");
        (self.c.seen.messages, self.c.seen.bytes)
    }
}
