//! The contenders: one pass of a workload each, created by name.

pub mod in_place;
pub mod limits;
pub mod peers;
pub mod wsdriver_apis;
pub mod wslay;

use crate::contenders::in_place::{WsCInPlace, WsCPullInPlace, WsRustInPlace};
use crate::contenders::limits::{CopyXor, Ideal, Memcpy, ideal_callback};
use crate::contenders::peers::{FastWs, Tungstenite};
use crate::contenders::wsdriver_apis::{
    WsC, WsCInto, WsCPull, WsRust, WsRustInto, open_client, open_server,
};
use crate::contenders::wslay::Wslay;
use crate::transport::Host;
use crate::workload::{Input, Kind, Op, build_input, payload};

/// One pass of a workload: returns (messages, payload bytes) seen.
pub trait Contender {
    fn run(&mut self, w: &Work) -> (usize, usize);
}

/// What a pass works on.
pub struct Work {
    pub op: Op,
    /// Decode: the input; encode: unused.
    pub input: Input,
    /// Encode: the payload and how many messages per pass.
    pub payload: Vec<u8>,
    pub count: usize,
}

impl Work {
    /// Decoding `size`-byte messages of `kind`, about `total` payload bytes a pass.
    pub fn decode(kind: Kind, size: usize, total: usize) -> Work {
        Work {
            op: Op::Decode(kind),
            input: build_input(kind, size, total),
            payload: Vec::new(),
            count: 0,
        }
    }

    /// Encoding `count` binary messages of `size` bytes a pass.
    pub fn encode(op: Op, size: usize, count: usize) -> Work {
        Work {
            op,
            input: Input {
                bytes: Vec::new(),
                frames: Vec::new(),
                payload_bytes: count * size,
            },
            payload: payload(Kind::Binary, size),
            count,
        }
    }
}

pub const HANDSHAKE: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
pub const CLIENT_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

pub const CONTENDERS: [&str; 14] = [
    "wsdriver",
    "wsdriver-in-place",
    "wsdriver-into",
    "wsdriver-c",
    "wsdriver-c-in-place",
    "wsdriver-c-pull",
    "wsdriver-c-pull-in-place",
    "wsdriver-c-into",
    "tungstenite",
    "fastwebsockets",
    "wslay",
    "memcpy",
    "copy+xor",
    "ideal",
];

pub fn make(name: &str, op: Op) -> Option<Box<dyn Contender>> {
    let client = op == Op::Encode(true);
    let cap = 16 << 20;
    Some(match (name, op) {
        ("wsdriver", _) => Box::new(WsRust(
            if client { open_client() } else { open_server() },
            Host::default(),
        )),
        ("wsdriver-in-place", Op::Decode(_)) => Box::new(WsRustInPlace::new()),
        ("wsdriver-into", Op::Encode(_)) => Box::new(WsRustInto(
            if client { open_client() } else { open_server() },
            Host::default(),
        )),
        ("wsdriver-c", Op::Encode(true)) => Box::new(WsC::client()),
        ("wsdriver-c", _) => Box::new(WsC::new()),
        ("wsdriver-c-in-place", Op::Decode(_)) => Box::new(WsCInPlace::new()),
        ("wsdriver-c-pull", _) => Box::new(WsCPull::new(client)),
        ("wsdriver-c-pull-in-place", Op::Decode(_)) => Box::new(WsCPullInPlace::new()),
        ("wsdriver-c-into", Op::Encode(_)) => Box::new(WsCInto::new(client)),
        ("tungstenite", _) => Box::new(Tungstenite::new(client)),
        ("fastwebsockets", _) => Box::new(FastWs::new(client)),
        ("wslay", _) => Box::new(Wslay::new(client)?),
        ("memcpy", _) => Box::new(Memcpy(Vec::with_capacity(cap), Host::default())),
        ("copy+xor", Op::Encode(false)) => return None,
        ("copy+xor", _) => Box::new(CopyXor(Vec::with_capacity(cap), Host::default())),
        ("ideal", Op::Decode(_)) => Box::new(Ideal {
            buf: Vec::with_capacity(cap),
            cb: ideal_callback,
        }),
        _ => return None,
    })
}
