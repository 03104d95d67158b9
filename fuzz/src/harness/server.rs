//! The raw server target.

use wsdriver::Driver;
use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};

use super::checker::*;
use super::fixtures::*;

/// Raw server: byte 0 picks the handshake prefix (hybi-13, hybi-13 with a
/// deflate offer, hixie-75, hixie-76 with its key, or none), byte 1 the
/// options, byte 2 reactions and EOF, byte 3 the split seed; the rest is
/// wire input (frames with mask key 00000000 are plain text).
pub fn server(data: &[u8]) {
    let mut b = Bytes::new(data);
    let sel = b.byte();
    let cfg = b.byte();
    let flags = b.byte();
    let seed = b.byte();
    let mut input = match sel % 5 {
        0 => hybi_request(""),
        1 => {
            hybi_request("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")
        }
        2 => H75.as_bytes().to_vec(),
        3 => H76.as_bytes().to_vec(),
        _ => Vec::new(),
    };
    input.extend_from_slice(b.rest());
    let opts = options(cfg);
    let with_deflate = sel & 0x80 != 0;
    let make = || {
        let mut d = Driver::server(opts.clone());
        if with_deflate {
            d.add_extension(Box::new(PerMessageDeflate::new(DeflateConfig::default())))
                .unwrap();
        }
        // Hixie does not check UTF-8; the protocol is known only later, so
        // only the hybi prefixes promise UTF-8 text.
        (d, Checker::new(opts.max_length, sel % 5 < 2))
    };
    all_ways(
        &make,
        &input,
        React::from_flags(flags),
        seed,
        flags & 0x10 != 0,
    );
}
