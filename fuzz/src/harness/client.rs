//! The client target.

use wsdriver::Driver;
use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::rand::FixedRandom;

use super::checker::*;
use super::fixtures::*;

/// Client (fixed randomness): byte 0 picks the response prefix (valid 101,
/// 101 with a protocol/extension, or none), then options, reactions and the
/// split seed; the rest is wire input from the server.
pub fn client(data: &[u8]) {
    let mut b = Bytes::new(data);
    let sel = b.byte();
    let cfg = b.byte();
    let flags = b.byte();
    let seed = b.byte();
    let mut input = match sel % 4 {
        0 => client_response(""),
        1 => client_response("Sec-WebSocket-Protocol: chat\r\n"),
        2 => client_response("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
        _ => Vec::new(),
    };
    input.extend_from_slice(b.rest());
    let mut opts = options(cfg);
    if sel & 0x10 != 0 {
        opts.protocols = vec!["chat".into(), "superchat".into()];
    }
    let with_deflate = sel & 0x80 != 0;
    let make = || {
        let mut d = Driver::client_with_random(
            "ws://example.com/chat",
            opts.clone(),
            Box::new(FixedRandom::new(&PATTERN)),
        )
        .expect("valid url");
        if with_deflate {
            d.add_extension(Box::new(PerMessageDeflate::new(DeflateConfig::default())))
                .unwrap();
        }
        if sel & 0x20 != 0 {
            d.text("queued before open").unwrap();
        }
        d.start().unwrap();
        (d, Checker::new(opts.max_length, true))
    };
    all_ways(
        &make,
        &input,
        React::from_flags(flags),
        seed,
        flags & 0x10 != 0,
    );
}
