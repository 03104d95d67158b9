//! The permessage-deflate target: compressed messages through a server with the
//! extension, checked against a plain inflate.

use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::rand::FixedRandom;
use wsdriver::{Action, Driver, Event, Options, ReadyState};

use super::checker::*;
use super::fixtures::*;

/// Raw deflate of `data` as permessage-deflate sends it (tail removed).
pub fn compress(data: &[u8]) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut c = Compress::new(Compression::new(6), false);
    let mut out = Vec::with_capacity(data.len() + 64);
    let mut input = data;
    loop {
        out.reserve(256);
        let before_in = c.total_in();
        c.compress_vec(input, &mut out, FlushCompress::Sync)
            .expect("deflate");
        input = &input[(c.total_in() - before_in) as usize..];
        if input.is_empty() && out.len() < out.capacity() {
            break;
        }
    }
    if out.ends_with(&[0, 0, 0xFF, 0xFF]) {
        out.truncate(out.len() - 4);
    }
    out
}

/// The payload length announced by the frame header at the start of `f`.
fn frame_payload_len(f: &[u8]) -> u64 {
    match f.get(1).map(|b| b & 0x7F) {
        Some(126) => u16::from_be_bytes([f[2], f[3]]) as u64,
        Some(127) => u64::from_be_bytes(f[2..10].try_into().expect("8 bytes")),
        Some(n) => n as u64,
        None => 0,
    }
}

fn frame(out: &mut Vec<u8>, b0: u8, payload: &[u8], mask: Option<[u8; 4]>) {
    out.push(b0);
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(m | n as u8),
        n if n < 65_536 => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(k) => out.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4])),
        None => out.extend_from_slice(payload),
    }
}

fn deflate_config(f: u8) -> DeflateConfig {
    DeflateConfig {
        level: (f % 10) as u32,
        server_no_context_takeover: f & 0x10 != 0,
        client_no_context_takeover: f & 0x20 != 0,
        server_max_window_bits: (f & 0x40 != 0).then_some(9 + f % 7),
        client_max_window_bits: (f & 0x80 != 0).then_some(9 + f % 7),
        ..DeflateConfig::default()
    }
}

/// permessage-deflate: a client and a server negotiate, then the input is
/// a list of frames `[head, len, payload...]` that the harness encodes
/// (compressing the payload itself when asked, so deep inflate paths are
/// reached) and feeds to the server, masked; or a message the client sends
/// through its compressor, which the server must receive intact.
/// A client and a server, each with permessage-deflate added (not started);
/// the client's mask keys are fixed so runs repeat.
fn deflate_pair(
    opts: &Options,
    client: &DeflateConfig,
    server: &DeflateConfig,
) -> (Driver, Driver) {
    let mut c = Driver::client_with_random(
        "ws://example.com/",
        opts.clone(),
        Box::new(FixedRandom::new(&[7, 1, 2, 3])),
    )
    .expect("valid url");
    c.add_extension(Box::new(PerMessageDeflate::new(client.clone())))
        .unwrap();
    let mut s = Driver::server(opts.clone());
    s.add_extension(Box::new(PerMessageDeflate::new(server.clone())))
        .unwrap();
    (c, s)
}

pub fn inflate(data: &[u8]) {
    let mut b = Bytes::new(data);
    let cfg = b.byte();
    let server_cfg = deflate_config(b.byte());
    let client_cfg = deflate_config(b.byte());
    let seed = b.byte();
    let opts = Options {
        max_length: MAX_LENGTHS[(cfg & 7) as usize],
        ..Options::default()
    };
    let (mut client, mut server) = deflate_pair(&opts, &client_cfg, &server_cfg);
    client.start().unwrap();
    let request: Vec<u8> = std::iter::from_fn(|| client.poll_action())
        .filter_map(|a| match a {
            Action::Write(w) => Some(w),
            _ => None,
        })
        .flatten()
        .collect();
    let mut sc = Checker::new(opts.max_length, true);
    feed(
        &mut server,
        &mut sc,
        React::from_flags(0),
        &[&request],
        false,
        false,
    );
    if server.state() != ReadyState::Open {
        return; // negotiation refused this pair of configs
    }
    let response: Vec<u8> = sc
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Write(w) => Some(w.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let mut cc = Checker::new(opts.max_length, true);
    feed(
        &mut client,
        &mut cc,
        React::from_flags(0),
        &[&response],
        false,
        false,
    );
    if client.state() != ReadyState::Open {
        return;
    }

    // Frames for the server, and client messages checked end to end.
    let mut wire = Vec::new();
    while !b.is_empty() {
        let head = b.byte();
        let len = b.byte() as usize * if head & 0x08 != 0 { 64 } else { 1 };
        let payload = b.take(len);
        if head & 0x04 != 0 && !cc.closed() {
            // End to end through the client's compressor.
            let sent = if head & 0x01 != 0 {
                client.binary(payload)
            } else {
                client.text_bytes(payload)
            };
            let mut out = Vec::new();
            while let Some(a) = client.poll_action() {
                cc.action(&a);
                if let Action::Write(w) = a {
                    out.extend_from_slice(&w);
                }
            }
            if sent.is_err() || !wire.is_empty() || sc.closed() {
                continue;
            }
            let before = sc.actions.len();
            feed(
                &mut server,
                &mut sc,
                React::from_flags(0),
                &[&out],
                false,
                false,
            );
            // max_length bounds the frame as received (compressed) as well
            // as the message after inflation.
            if (payload.len() as u64) <= opts.max_length
                && frame_payload_len(&out) <= opts.max_length
            {
                let got = sc.actions[before..].iter().find_map(|a| match a {
                    Action::Event(Event::Message { data, .. }) => Some(data.clone()),
                    _ => None,
                });
                assert_eq!(got.as_deref(), Some(payload), "message changed in transit");
            }
            continue;
        }
        let op = [0x0, 0x1, 0x2, 0x8, 0x9, 0xA, 0x3, 0x1][(head >> 4 & 7) as usize];
        let fin = if head & 0x80 != 0 { 0 } else { 0x80 };
        let rsv1 = if head & 0x02 != 0 { 0 } else { 0x40 };
        let body = if head & 0x01 == 0 {
            compress(payload)
        } else {
            payload.to_vec()
        };
        frame(
            &mut wire,
            fin | rsv1 | op,
            &body,
            Some([0x11, 0x22, 0x33, seed]),
        );
    }
    if wire.is_empty() || sc.closed() {
        return;
    }
    // The server after the handshake, rebuilt the same way for each way of
    // feeding: replay the whole exchange up to here is costly, so compare
    // whole vs split on fresh pairs only for the frames.
    let pair = || {
        let (client, mut server) = deflate_pair(&opts, &client_cfg, &server_cfg);
        server.parse(&request);
        while server.poll_action().is_some() {}
        let _ = server.start(); // a refused offer shows in the events
        while server.poll_action().is_some() {}
        let _ = client;
        (server, Checker::new(opts.max_length, true))
    };
    let _ = (server, sc);
    // The server saw Connect and start() above; Open has been drained, so
    // the checker must know it is open already.
    let make = || {
        let (d, mut c) = pair();
        c.action(&Action::Event(Event::Open));
        c.actions.clear();
        (d, c)
    };
    all_ways(
        &make,
        &wire,
        React::from_flags(seed & 0x0E),
        seed,
        seed & 1 != 0,
    );
}
