//! Decoding in place, through the C API (`ws_parse_in_place`) and the Rust
//! API (`Driver::read_in_place`): each socket read lands after what the
//! last call left (a frame not whole yet) in the host's own mutable
//! buffer, and messages are pointers into it.

use std::hint::black_box;

use wsdriver::ffi as c;
use wsdriver::{Driver, InPlace};

use crate::contenders::wsdriver_apis::{WsC, drain, open_server};
use crate::contenders::{Contender, HANDSHAKE, Work};
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

/// The Rust API decoding in place, with the same host buffer.
pub struct WsRustInPlace {
    d: Driver,
    buf: Vec<u8>,
    len: usize,
}

impl WsRustInPlace {
    pub fn new() -> WsRustInPlace {
        WsRustInPlace {
            d: open_server(),
            buf: vec![0; IN_PLACE_CAP],
            len: 0,
        }
    }
}

impl Contender for WsRustInPlace {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        let input = &w.input.bytes[..];
        let mut at = 0;
        while at < input.len() {
            let n = READ_CHUNK
                .min(IN_PLACE_CAP - self.len)
                .min(input.len() - at);
            self.buf[self.len..self.len + n].copy_from_slice(&input[at..at + n]);
            at += n;
            self.len += n;
            let mut pos = 0;
            while pos < self.len {
                match self.d.read_in_place(&mut self.buf[pos..self.len]) {
                    InPlace::Message { range, .. } => {
                        seen.0 += 1;
                        seen.1 += range.len();
                        black_box(&self.buf[pos + range.start..pos + range.end]);
                        pos += range.end;
                    }
                    InPlace::Incomplete { need } if need <= IN_PLACE_CAP as u64 => break,
                    _ => {
                        pos += self.d.read(&self.buf[pos..self.len]);
                        drain(&mut self.d, &mut seen);
                    }
                }
            }
            self.buf.copy_within(pos..self.len, 0);
            self.len -= pos;
        }
        assert_eq!(self.len, 0, "every frame delivered");
        seen
    }
}

/// The C API without callbacks decoding in place (`ws_poll_in_place`), with
/// the same host buffer.
pub struct WsCPullInPlace {
    drv: *mut c::ws_driver,
    buf: Vec<u8>,
    len: usize,
}

impl WsCPullInPlace {
    pub fn new() -> WsCPullInPlace {
        let mut drv = std::ptr::null_mut();
        c::ws_driver_new_server(std::ptr::null(), &mut drv);
        c::ws_start(drv);
        c::ws_feed(drv, HANDSHAKE.as_ptr(), HANDSHAKE.len());
        let mut a = c::ws_action::empty();
        while c::ws_poll(drv, &mut a) == c::ws_result::Ok {}
        WsCPullInPlace {
            drv,
            buf: vec![0; IN_PLACE_CAP],
            len: 0,
        }
    }
}

impl Drop for WsCPullInPlace {
    fn drop(&mut self) {
        c::ws_driver_free(self.drv);
    }
}

impl Contender for WsCPullInPlace {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        let input = &w.input.bytes[..];
        let mut a = c::ws_action::empty();
        let mut at = 0;
        while at < input.len() {
            let n = READ_CHUNK
                .min(IN_PLACE_CAP - self.len)
                .min(input.len() - at);
            self.buf[self.len..self.len + n].copy_from_slice(&input[at..at + n]);
            at += n;
            self.len += n;
            let mut pos = 0;
            loop {
                let mut used = 0;
                let r = c::ws_poll_in_place(
                    self.drv,
                    self.buf[pos..].as_mut_ptr(),
                    self.len - pos,
                    IN_PLACE_CAP,
                    &mut a,
                    &mut used,
                );
                pos += used;
                if r != c::ws_result::Ok {
                    break;
                }
                if a.kind == c::WS_ACTION_MESSAGE {
                    seen.0 += 1;
                    seen.1 += a.len;
                    black_box(a.data);
                }
            }
            self.buf.copy_within(pos..self.len, 0);
            self.len -= pos;
        }
        assert_eq!(self.len, 0, "every frame delivered");
        seen
    }
}
