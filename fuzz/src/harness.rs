//! Fuzz harnesses, one per entry point of the driver, with the invariants
//! each asserts. Shared by the cargo-fuzz targets (fuzz/fuzz_targets) and
//! by tests/robust_regressions.rs, which includes this file with `#[path]`
//! so that a crash input replays under plain `cargo test`.
//!
//! Every harness reads its first bytes as a small configuration (handshake
//! prefix, options, chunking, reactions) and the rest as wire input.
//! Invariants checked everywhere (see [`Checker`]):
//! * no panic (libFuzzer reports one as a crash);
//! * the ready state never goes backwards (Closed stays Closed);
//! * at most one `Open`, at most one `Close`, nothing after `Close`;
//!   `Message`/`Ping`/`Pong` only after `Open`; an `Error` is followed by
//!   `Close`;
//! * messages are at most `max_length` bytes; hybi text is UTF-8;
//! * close codes are in 1000..=4999;
//! * once actions are drained, `buffered_amount()` is at most `max_length`
//!   (plus a partial head while connecting);
//! * the same input fed whole, in random chunks and through `read` gives
//!   the same actions (server, client, inflate).
#![allow(clippy::missing_safety_doc, dead_code)]

use std::ffi::{c_char, c_int, c_void};

use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::rand::FixedRandom;
use wsdriver::{Action, CommandError, Driver, Event, MessageKind, Options, ReadyState};

// ---- fixtures -------------------------------------------------------------

pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// FixedRandom pattern for clients: the key is bytes 1..=16.
pub const PATTERN: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
pub const CLIENT_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEA==";

pub fn hybi_request(extra: &str) -> Vec<u8> {
    format!(
        "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
    .into_bytes()
}

pub const H76: &str = "GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nSec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nUpgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\nOrigin: http://example.com\r\n\r\n^n:ds[4U";
pub const H75: &str = "GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: example.com:8080\r\nOrigin: http://example.com\r\n\r\n";

pub fn client_response(extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{extra}\r\n",
        wsdriver::accept_key(CLIENT_KEY)
    )
    .into_bytes()
}

/// max_length values the config byte picks from: tiny ones make the
/// length checks (frames, fragments, inflation, hixie) reachable.
const MAX_LENGTHS: [u64; 8] = [
    wsdriver::options::DEFAULT_MAX_LENGTH,
    1,
    16,
    125,
    126,
    1000,
    65_535,
    65_536,
];

/// A byte reader that yields zeros once exhausted.
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data }
    }
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }
    /// Takes `byte() % m` bytes.
    pub fn take_mod(&mut self, m: usize) -> &'a [u8] {
        let n = self.byte() as usize % m;
        self.take(n)
    }
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Split points derived from a seed (chunk sizes 1..=max).
pub fn chunks(input: &[u8], seed: u8, max: usize) -> Vec<&[u8]> {
    let mut x = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::new();
    let mut at = 0;
    while at < input.len() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = 1 + (x % max.max(1) as u64) as usize;
        let end = (at + n).min(input.len());
        out.push(&input[at..end]);
        at = end;
    }
    out
}

// ---- invariants -------------------------------------------------------------

/// Watches one driver's action stream and state.
pub struct Checker {
    pub max_length: u64,
    /// Hybi drivers promise UTF-8 text.
    pub utf8_text: bool,
    state: ReadyState,
    opened: bool,
    closed: bool,
    error_pending: bool,
    pub actions: Vec<Action>,
}

impl Checker {
    pub fn new(max_length: u64, utf8_text: bool) -> Self {
        Checker {
            max_length,
            utf8_text,
            state: ReadyState::Connecting,
            opened: false,
            closed: false,
            error_pending: false,
            actions: Vec::new(),
        }
    }

    pub fn state(&mut self, d: &Driver) {
        let now = d.state();
        assert!(
            now >= self.state,
            "ready state went back from {:?} to {:?}",
            self.state,
            now
        );
        self.state = now;
    }

    pub fn action(&mut self, a: &Action) {
        if let Action::Event(e) = a {
            assert!(!self.closed, "event after close: {e:?}");
            match e {
                Event::Open => {
                    assert!(!self.opened, "open twice");
                    self.opened = true;
                }
                Event::Message { kind, data } => {
                    assert!(self.opened, "message before open");
                    assert!(
                        data.len() as u64 <= self.max_length,
                        "message of {} bytes over max_length {}",
                        data.len(),
                        self.max_length
                    );
                    if *kind == MessageKind::Text && self.utf8_text {
                        assert!(std::str::from_utf8(data).is_ok(), "text is not UTF-8");
                    }
                }
                Event::Ping(p) | Event::Pong(p) => {
                    assert!(self.opened, "ping/pong before open");
                    assert!(p.len() <= 125, "control payload of {} bytes", p.len());
                }
                Event::Close { code, .. } => {
                    if let Some(c) = code {
                        assert!((1000..=4999).contains(c), "close code {c}");
                    }
                    self.closed = true;
                    self.error_pending = false;
                }
                Event::Error(_) => self.error_pending = true,
                Event::Connect | Event::PingAnswered(_) => {}
            }
        } else {
            // Nothing is written once the close event has been emitted.
            assert!(!self.closed, "write after close");
        }
        self.actions.push(a.clone());
    }

    /// After a complete drain: nothing held beyond one message.
    pub fn drained(&mut self, d: &Driver) {
        self.state(d);
        // While connecting, a partial head (at most the harnesses' largest
        // max_head_size, 32 KiB, plus the byte that shows it is too long)
        // is held too.
        let head = if d.state() == ReadyState::Connecting {
            32 * 1024 + 1
        } else {
            0
        };
        assert!(
            d.buffered_amount() as u64 <= self.max_length.max(1) + 8 + head,
            "buffered_amount {} over max_length {} after drain",
            d.buffered_amount(),
            self.max_length
        );
    }

    pub fn finish(&self) {
        assert!(!self.error_pending, "error without close");
    }

    pub fn closed(&self) -> bool {
        self.closed
    }
}

/// What a harness does when it sees an event (deterministic, so every way
/// of feeding the same input gives the same actions).
#[derive(Clone, Copy)]
pub struct React {
    pub start_on_connect: bool,
    pub echo: bool,
    pub close_on_message: bool,
    pub ping_on_open: bool,
}

impl React {
    fn from_flags(f: u8) -> React {
        React {
            start_on_connect: f & 1 == 0,
            echo: f & 2 != 0,
            close_on_message: f & 4 != 0,
            ping_on_open: f & 8 != 0,
        }
    }

    fn on(&self, d: &mut Driver, e: &Event) {
        match e {
            // Refusals are fine here: the input decides what is possible.
            Event::Connect if self.start_on_connect => {
                let _ = d.start();
            }
            Event::Open if self.ping_on_open => {
                let _ = d.ping_with_token(b"p", 7);
            }
            Event::Message { kind, data } => {
                if self.echo {
                    let _ = match kind {
                        MessageKind::Text => d.text_bytes(data),
                        MessageKind::Binary => d.binary(data),
                    };
                }
                if self.close_on_message {
                    let _ = d.close(Some(4000), "bye");
                }
            }
            _ => {}
        }
    }
}

fn drain(d: &mut Driver, c: &mut Checker, react: React) {
    let mut n = 0usize;
    while let Some(a) = d.poll_action() {
        c.action(&a);
        if let Action::Event(e) = &a {
            react.on(d, e);
        }
        c.state(d);
        n += 1;
        assert!(n < 10_000_000, "poll_action never ends");
    }
    c.drained(d);
}

/// Feeds `chunks` with `parse` (or `read` when `use_read`), draining after
/// each; then optionally reports the transport closed.
fn feed(
    d: &mut Driver,
    c: &mut Checker,
    react: React,
    chunks: &[&[u8]],
    use_read: bool,
    eof: bool,
) {
    drain(d, c, react);
    for chunk in chunks {
        if use_read {
            let mut rest: &[u8] = chunk;
            let mut spins = 0;
            while !rest.is_empty() {
                let n = d.read(rest);
                assert!(n <= rest.len(), "read used more than given");
                rest = &rest[n..];
                drain(d, c, react);
                spins += 1;
                assert!(spins < 10_000_000, "read makes no progress");
            }
        } else {
            d.parse(chunk);
            drain(d, c, react);
        }
    }
    if eof {
        d.transport_closed();
        drain(d, c, react);
        assert_eq!(
            d.state(),
            ReadyState::Closed,
            "not closed after transport_closed"
        );
        assert!(c.closed(), "no close event after transport_closed");
    }
    c.finish();
    if std::env::var_os("WSFUZZ_DEBUG").is_some() {
        for a in &c.actions {
            match a {
                Action::Write(w) => eprintln!(
                    "  write {:?}",
                    String::from_utf8_lossy(&w[..w.len().min(60)])
                ),
                Action::Event(e) => eprintln!("  {e:?}"),
            }
        }
        eprintln!("--");
    }
}

/// Runs `make()` over `input` whole, split at seeded points, and through
/// `read`, checking invariants each time and that all agree.
fn all_ways(make: &dyn Fn() -> (Driver, Checker), input: &[u8], react: React, seed: u8, eof: bool) {
    let (mut d, mut whole) = make();
    feed(&mut d, &mut whole, react, &[input], false, eof);
    let max = 1 + (seed as usize % 64);
    let split_input = chunks(input, seed, max);
    let (mut d, mut split) = make();
    feed(&mut d, &mut split, react, &split_input, false, eof);
    assert_eq!(
        split.actions, whole.actions,
        "split input (max {max}) differs from whole"
    );
    let (mut d, mut read) = make();
    feed(&mut d, &mut read, react, &split_input, true, eof);
    assert_eq!(read.actions, whole.actions, "read() differs from parse()");
}

fn options(cfg: u8) -> Options {
    Options {
        max_length: MAX_LENGTHS[(cfg & 7) as usize],
        max_head_size: if cfg & 8 != 0 { 256 } else { 32 * 1024 },
        max_headers: if cfg & 16 != 0 { 4 } else { 64 },
        max_queued: 4,
        max_pending_pings: 2,
        require_masking: (cfg & 32 != 0).then_some(false),
        ..Options::default()
    }
}

// ---- targets ------------------------------------------------------------------

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

/// Proxy CONNECT response, then (whatever follows it) the client handshake
/// response and frames.
pub fn proxy(data: &[u8]) {
    let mut b = Bytes::new(data);
    let cfg = b.byte();
    let seed = b.byte();
    let input = b.rest();
    let opts = options(cfg);
    let client = Driver::client_with_random(
        "ws://example.com/chat",
        opts.clone(),
        Box::new(FixedRandom::new(&PATTERN)),
    )
    .expect("valid url");
    let url = if cfg & 0x80 != 0 {
        "http://user:pass@proxy.example:8080"
    } else {
        "http://proxy.example"
    };
    let mut proxy = client.proxy(url).expect("valid proxy url");
    proxy.set_header("User-Agent", "fuzz").unwrap();
    proxy.start().unwrap();
    assert_eq!(
        proxy.start(),
        Err(CommandError::AlreadyStarted),
        "started twice"
    );
    match proxy.poll_action() {
        Some(Action::Write(w)) => assert!(w.starts_with(b"CONNECT example.com:80 HTTP/1.1\r\n")),
        other => panic!("no CONNECT request: {other:?}"),
    }
    let mut outcomes = 0;
    let mut rest = Vec::new();
    let max = 1 + (seed as usize % 32);
    for chunk in chunks(input, seed, max) {
        if outcomes > 0 {
            assert_eq!(proxy.parse(chunk), 0, "parsed after the response ended");
            rest.extend_from_slice(chunk);
            continue;
        }
        let used = proxy.parse(chunk);
        assert!(used <= chunk.len(), "consumed more than given");
        while let Some(a) = proxy.poll_action() {
            match a {
                Action::Event(Event::Connect) => {
                    assert_eq!(proxy.status(), Some(200));
                    outcomes += 1;
                }
                Action::Event(Event::Error(_)) => outcomes += 1,
                other => panic!("unexpected proxy action {other:?}"),
            }
        }
        assert!(outcomes <= 1, "proxy answered twice");
        if outcomes == 1 {
            rest.extend_from_slice(&chunk[used..]);
        } else {
            assert_eq!(used, chunk.len(), "partial response not consumed whole");
        }
    }
    if proxy.status() == Some(200) {
        let mut client = client;
        let mut c = Checker::new(opts.max_length, true);
        client.start().unwrap();
        feed(
            &mut client,
            &mut c,
            React::from_flags(0),
            &[&rest],
            false,
            true,
        );
    }
}

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
    let mut client = Driver::client_with_random(
        "ws://example.com/",
        opts.clone(),
        Box::new(FixedRandom::new(&[7, 1, 2, 3])),
    )
    .expect("valid url");
    client
        .add_extension(Box::new(PerMessageDeflate::new(client_cfg.clone())))
        .unwrap();
    let mut server = Driver::server(opts.clone());
    server
        .add_extension(Box::new(PerMessageDeflate::new(server_cfg.clone())))
        .unwrap();
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
        let mut client = Driver::client_with_random(
            "ws://example.com/",
            opts.clone(),
            Box::new(FixedRandom::new(&[7, 1, 2, 3])),
        )
        .expect("valid url");
        client
            .add_extension(Box::new(PerMessageDeflate::new(client_cfg.clone())))
            .unwrap();
        let mut server = Driver::server(opts.clone());
        server
            .add_extension(Box::new(PerMessageDeflate::new(server_cfg.clone())))
            .unwrap();
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

// ---- the C API ------------------------------------------------------------------

use wsdriver::ffi::*;

const RESULT_PANIC: u32 = 2;

/// Per-driver state the callbacks see through `user`.
struct Ctx {
    /// This context as registered with the driver (`user`).
    me: *mut c_void,
    script: Vec<u8>,
    pos: usize,
    drv: *mut ws_driver,
    freed: bool,
    closes: u32,
    last_state: u32,
    depth: u32,
    calls: u32,
    /// The callback extension: NULL when none, or once it is freed.
    ext: *mut ws_extension,
    /// Owned by the driver (added): freed with it.
    ext_added: bool,
    destroyed: u32,
}

impl Ctx {
    fn next(&mut self) -> u8 {
        let b = self.script.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
}

fn ok(r: ws_result) {
    assert_ne!(r as u32, RESULT_PANIC, "a ws_* call panicked");
}

unsafe fn ctx<'a>(user: *mut c_void) -> &'a mut Ctx {
    unsafe { &mut *(user as *mut Ctx) }
}

fn check_state(c: &mut Ctx) {
    if c.freed {
        return;
    }
    let s = ws_state(c.drv);
    assert!(s <= 3, "state {s}");
    assert!(
        s >= c.last_state,
        "ws_state went back from {} to {}",
        c.last_state,
        s
    );
    c.last_state = s;
}

/// A reentrant reaction from inside a callback, picked by the script.
/// Returns the callback's return value.
fn react(c: &mut Ctx) -> c_int {
    check_state(c);
    if c.freed || c.depth > 4 || c.calls > 2000 {
        return 0;
    }
    c.calls += 1;
    c.depth += 1;
    let d = c.drv;
    let op = c.next();
    let mut rc = 0;
    match op % 16 {
        0..=3 => {}
        4 => ok(ws_text(d, c"hi".as_ptr(), 2)),
        5 => ok(ws_binary(d, [1u8, 2, 3].as_ptr(), 3)),
        6 => ok(ws_close(d, 1000 + c.next() as u32, c"r".as_ptr(), 1)),
        7 => {
            let n = (c.next() % 16) as usize;
            let start = c.pos.min(c.script.len());
            let end = (start + n).min(c.script.len());
            let chunk = c.script[start..end].to_vec();
            c.pos = end;
            ok(ws_parse(d, chunk.as_ptr(), chunk.len()));
        }
        8 => {
            ws_driver_free(d);
            c.freed = true;
        }
        9 => rc = 1,
        10 => ok(ws_ping(d, b"x".as_ptr(), 1, Some(pong_reply), c.me)),
        11 => ok(ws_transport_closed(d)),
        12 => ok(ws_start(d)),
        13 => {
            let mut buf = [0u8; 64];
            let mut n = 0usize;
            ok(ws_take_output(d, buf.as_mut_ptr(), buf.len(), &mut n));
        }
        14 => queries(d),
        _ => {
            let mut a = ws_action::empty();
            ok(ws_poll(d, &mut a));
            touch(&a);
        }
    }
    c.depth -= 1;
    check_state(c);
    rc
}

/// Reads every byte an action points to (a stale pointer shows up under
/// ASan and Miri).
fn touch(a: &ws_action) {
    if !a.data.is_null() && a.len > 0 {
        let s = unsafe { std::slice::from_raw_parts(a.data, a.len) };
        std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    }
}

fn touch_str(p: *const c_char) {
    if !p.is_null() {
        let s = unsafe { std::ffi::CStr::from_ptr(p) };
        std::hint::black_box(s.to_bytes().len());
    }
}

fn queries(d: *mut ws_driver) {
    std::hint::black_box(ws_buffered_amount(d));
    std::hint::black_box(ws_status(d));
    touch_str(ws_driver_version(d));
    touch_str(ws_protocol(d));
    touch_str(ws_url(d));
    touch_str(ws_request_method(d));
    touch_str(ws_request_path(d));
    touch_str(ws_request_query(d));
    touch_str(ws_header(d, c"host".as_ptr()));
    touch_str(ws_last_error(d));
    let n = ws_header_count(d);
    for i in 0..=n {
        let (mut k, mut v) = (std::ptr::null(), std::ptr::null());
        ok(ws_header_at(d, i, &mut k, &mut v));
        touch_str(k);
        touch_str(v);
    }
    let (mut p, mut l) = (std::ptr::null(), 0usize);
    ok(ws_request_body(d, &mut p, &mut l));
    std::hint::black_box(ws_is_websocket(d));
}

unsafe extern "C" fn on_write(
    user: *mut c_void,
    _d: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(data, len) };
    std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn on_event(user: *mut c_void, _d: *mut ws_driver) -> c_int {
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn on_message(
    user: *mut c_void,
    _d: *mut ws_driver,
    kind: u32,
    data: *const u8,
    len: usize,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(data, len) };
    if kind == WS_MESSAGE_TEXT {
        // Hixie text is not checked; only assert for hybi drivers.
        let v = ws_driver_version(_d);
        if !v.is_null()
            && unsafe { std::ffi::CStr::from_ptr(v) }
                .to_bytes()
                .starts_with(b"hybi")
        {
            assert!(std::str::from_utf8(s).is_ok(), "text is not UTF-8");
        }
    }
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn on_bytes(
    user: *mut c_void,
    _d: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    assert!(len <= 125);
    let s = unsafe { std::slice::from_raw_parts(data, len) };
    std::hint::black_box(s.len());
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn on_close(
    user: *mut c_void,
    _d: *mut ws_driver,
    _code: u32,
    reason: *const c_char,
    len: usize,
) -> c_int {
    let c = unsafe { ctx(user) };
    c.closes += 1;
    assert!(c.closes <= 1, "close callback twice");
    let s = unsafe { std::slice::from_raw_parts(reason as *const u8, len + 1) };
    assert_eq!(s[len], 0, "reason not NUL-terminated");
    react(c)
}
unsafe extern "C" fn on_error(
    user: *mut c_void,
    _d: *mut ws_driver,
    _code: u32,
    msg: *const c_char,
    len: usize,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(msg as *const u8, len + 1) };
    assert_eq!(s[len], 0, "message not NUL-terminated");
    react(unsafe { ctx(user) })
}
unsafe extern "C" fn pong_reply(user: *mut c_void, _d: *mut ws_driver) -> c_int {
    react(unsafe { ctx(user) })
}

/// A reaction from inside an extension callback or the destructor: random
/// calls on the driver and on the extension, frees included. The rule:
/// refused calls return `WS_RESULT_INVALID_STATE`, never anything unsafe.
fn react_ext(c: &mut Ctx, out: *mut ws_buffer) -> c_int {
    if c.depth > 4 || c.calls > 2000 {
        return 0;
    }
    c.calls += 1;
    c.depth += 1;
    let op = c.next();
    let mut rc = 0;
    match op % 12 {
        0..=2 => {}
        3 => {
            if !c.freed {
                ok(ws_text(c.drv, c"e".as_ptr(), 1));
            }
        }
        4 => {
            if !c.freed {
                ws_driver_free(c.drv);
                c.freed = true;
            }
        }
        5 => {
            if !c.ext.is_null() {
                ok(ws_extension_on_incoming(c.ext, None));
                ok(ws_extension_on_outgoing(c.ext, Some(ext_message)));
            }
        }
        6 => {
            if !c.ext.is_null() && !c.ext_added {
                // Frees now (destructor runs nested) unless it is already
                // being freed; `ext_destroy` clears `c.ext`.
                ws_extension_free(c.ext);
            } else if !c.ext.is_null() {
                ws_extension_free(c.ext); // owned by the driver: a no-op
            }
        }
        7 => {
            if !c.freed && !c.ext.is_null() && !c.ext_added {
                let r = ws_add_extension(c.drv, c.ext);
                ok(r);
                if r as u32 == 0 {
                    c.ext_added = true;
                }
            }
        }
        8 => {
            if !c.freed {
                queries(c.drv);
                ok(ws_parse(c.drv, b"x".as_ptr(), 1));
            }
        }
        9 => rc = 1,
        10 => {
            if !out.is_null() {
                let n = (c.next() % 8) as usize;
                let bytes: Vec<u8> = (0..n).map(|_| b'a' + c.next() % 26).collect();
                ok(ws_buffer_set(out, bytes.as_ptr(), bytes.len()));
            }
        }
        _ => {
            if !c.freed {
                ok(ws_close(c.drv, 1000, std::ptr::null(), 0));
                ok(ws_start(c.drv));
            }
        }
    }
    c.depth -= 1;
    rc
}

unsafe extern "C" fn ext_offer(user: *mut c_void, out: *mut ws_buffer) -> c_int {
    react_ext(unsafe { ctx(user) }, out)
}
unsafe extern "C" fn ext_activate(user: *mut c_void, resp: *const c_char, len: usize) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(resp as *const u8, len) };
    std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    react_ext(unsafe { ctx(user) }, std::ptr::null_mut())
}
unsafe extern "C" fn ext_respond(
    user: *mut c_void,
    offers: *const c_char,
    len: usize,
    out: *mut ws_buffer,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(offers as *const u8, len) };
    std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    react_ext(unsafe { ctx(user) }, out)
}
unsafe extern "C" fn ext_message(
    user: *mut c_void,
    _rsv: u32,
    _is_text: u32,
    data: *const u8,
    len: usize,
    out: *mut ws_buffer,
    out_rsv: *mut u32,
) -> c_int {
    let s = unsafe { std::slice::from_raw_parts(data, len) };
    std::hint::black_box(s.iter().fold(0u8, |x, y| x ^ y));
    let c = unsafe { ctx(user) };
    if c.next() & 1 != 0 {
        unsafe { *out_rsv = 0 };
    }
    react_ext(c, out)
}
unsafe extern "C" fn ext_destroy(user: *mut c_void) {
    let c = unsafe { ctx(user) };
    c.destroyed += 1;
    assert_eq!(c.destroyed, 1, "extension destructor ran twice");
    react_ext(c, std::ptr::null_mut());
    // The extension is freed when this returns.
    c.ext = std::ptr::null_mut();
}

/// Random sequences of ws_* calls on one driver, with callbacks that call
/// back into the same driver (text, close, parse, free, stop, poll ...).
/// Byte 0: driver kind and options; byte 1: which callbacks; the rest are
/// operations with their arguments; the reaction script for callbacks is
/// the same byte stream, read from the end.
pub fn ffi(data: &[u8]) {
    let mut b = Bytes::new(data);
    let kind = b.byte();
    let cbs = b.byte();
    let script: Vec<u8> = data.iter().rev().copied().collect();
    // Callbacks reach the context through `user`; this function does too
    // (through `cx()`), never holding a reference across a ws_* call, so the
    // accesses nest as Stacked Borrows requires.
    let cp: *mut Ctx = Box::into_raw(Box::new(Ctx {
        me: std::ptr::null_mut(),
        script,
        pos: 0,
        drv: std::ptr::null_mut(),
        freed: false,
        closes: 0,
        last_state: 0,
        depth: 0,
        calls: 0,
        ext: std::ptr::null_mut(),
        ext_added: false,
        destroyed: 0,
    }));
    // SAFETY: `cp` is live until the end of this function; each borrow is
    // used only until the next ws_* call.
    let cx = || unsafe { &mut *cp };
    let opts = ws_options_new();
    ok(ws_options_set_max_length(
        opts,
        MAX_LENGTHS[(kind >> 4 & 7) as usize],
    ));
    ok(ws_options_set_max_queued(opts, 3));
    ok(ws_options_set_max_pending_pings(opts, 2));
    ok(ws_options_set_retained_buffer(opts, 64));
    let mut d: *mut ws_driver = std::ptr::null_mut();
    let with_ext = cbs & 128 != 0;
    let ext_header = if with_ext {
        "Sec-WebSocket-Extensions: x-fuzz; a=1\r\n"
    } else {
        ""
    };
    let prefix: Vec<u8> = match kind % 4 {
        0 => {
            ok(ws_driver_new_server(opts, &mut d));
            hybi_request(ext_header)
        }
        1 => {
            ok(ws_driver_new_server(opts, &mut d));
            H76.as_bytes().to_vec()
        }
        2 => {
            ok(ws_options_set_client_key(
                opts,
                c"AQIDBAUGBwgJCgsMDQ4PEA==".as_ptr(),
            ));
            ok(ws_driver_new_client(
                opts,
                c"ws://example.com/chat".as_ptr(),
                &mut d,
            ));
            client_response(ext_header)
        }
        _ => {
            let names = [
                c"Host".as_ptr(),
                c"Upgrade".as_ptr(),
                c"Connection".as_ptr(),
                c"Sec-WebSocket-Key".as_ptr(),
                c"Sec-WebSocket-Version".as_ptr(),
            ];
            let values = [
                c"example.com".as_ptr(),
                c"websocket".as_ptr(),
                c"Upgrade".as_ptr(),
                c"dGhlIHNhbXBsZSBub25jZQ==".as_ptr(),
                c"13".as_ptr(),
            ];
            ok(ws_driver_new_rack(
                opts,
                c"GET".as_ptr(),
                c"/chat?x=1".as_ptr(),
                names.as_ptr(),
                values.as_ptr(),
                names.len(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                &mut d,
            ));
            Vec::new()
        }
    };
    ws_options_free(opts);
    assert!(!d.is_null(), "driver not created");
    cx().drv = d;
    let user = cp as *mut c_void;
    cx().me = user;
    if cbs & 1 != 0 {
        ok(ws_on_write(d, Some(on_write), user));
    }
    if cbs & 2 != 0 {
        ok(ws_on_connect(d, Some(on_event), user));
    }
    if cbs & 4 != 0 {
        ok(ws_on_open(d, Some(on_event), user));
    }
    if cbs & 8 != 0 {
        ok(ws_on_message(d, Some(on_message), user));
    }
    if cbs & 16 != 0 {
        ok(ws_on_ping(d, Some(on_bytes), user));
        ok(ws_on_pong(d, Some(on_bytes), user));
    }
    if cbs & 32 != 0 {
        ok(ws_on_close(d, Some(on_close), user));
    }
    if cbs & 64 != 0 {
        ok(ws_on_error(d, Some(on_error), user));
    }
    if with_ext {
        // A callback extension whose every callback (offer, activate,
        // respond, incoming, outgoing, destroy) makes random calls.
        let mut e: *mut ws_extension = std::ptr::null_mut();
        ok(ws_extension_new(c"x-fuzz".as_ptr(), WS_RSV2, &mut e));
        ok(ws_extension_set_user(e, user, Some(ext_destroy)));
        ok(ws_extension_on_offer(e, Some(ext_offer)));
        ok(ws_extension_on_activate(e, Some(ext_activate)));
        ok(ws_extension_on_respond(e, Some(ext_respond)));
        ok(ws_extension_on_incoming(e, Some(ext_message)));
        ok(ws_extension_on_outgoing(e, Some(ext_message)));
        cx().ext = e;
        let r = ws_add_extension(d, e);
        ok(r);
        cx().ext_added = r as u32 == 0;
    }
    let mut prefix_at = 0;
    let mut ops = 0;
    while !b.is_empty() && !cx().freed && ops < 200 {
        ops += 1;
        check_state(cx());
        let op = b.byte();
        match op % 20 {
            0 | 1 => {
                // The next piece of the handshake prefix, then raw bytes.
                let n = 1 + b.byte() as usize;
                let chunk: Vec<u8> = if prefix_at < prefix.len() {
                    let end = (prefix_at + n * 4).min(prefix.len());
                    let p = prefix[prefix_at..end].to_vec();
                    prefix_at = end;
                    p
                } else {
                    b.take(n).to_vec()
                };
                ok(ws_parse(d, chunk.as_ptr(), chunk.len()));
            }
            2 => ok(ws_parse(d, std::ptr::null(), 0)),
            3 => {
                let chunk = b.take_mod(256);
                ok(ws_feed(d, chunk.as_ptr(), chunk.len()));
            }
            4 => {
                let mut a = ws_action::empty();
                if op & 0x80 != 0 {
                    a.struct_size = 8;
                }
                ok(ws_poll(d, &mut a));
                touch(&a);
            }
            5 => {
                let mut buf = [0u8; 300];
                let cap = b.byte() as usize;
                let mut n = 0usize;
                ok(ws_take_output(
                    d,
                    buf.as_mut_ptr(),
                    cap.min(buf.len()),
                    &mut n,
                ));
                assert!(n <= cap);
            }
            6 => {
                let t = b.take_mod(32);
                ok(ws_text(d, t.as_ptr() as *const c_char, t.len()));
            }
            7 => {
                let t = b.take_mod(256);
                ok(ws_binary(d, t.as_ptr(), t.len()));
            }
            8 => {
                let t = b.take_mod(130);
                ok(ws_ping(d, t.as_ptr(), t.len(), Some(pong_reply), user));
            }
            9 => {
                let t = b.take_mod(4);
                ok(ws_ping_token(d, t.as_ptr(), t.len(), b.u16() as u64));
            }
            10 => {
                let t = b.take_mod(130);
                ok(ws_pong(d, t.as_ptr(), t.len()));
            }
            11 => {
                let code = b.u16() as u32;
                let t = b.take_mod(130);
                ok(ws_close(d, code, t.as_ptr() as *const c_char, t.len()));
            }
            12 => ok(ws_transport_closed(d)),
            13 => ok(ws_start(d)),
            14 => ok(ws_set_header(d, c"X-Fuzz".as_ptr(), c"1".as_ptr())),
            15 => queries(d),
            16 => {
                // Switch a callback on or off mid-stream.
                if op & 0x80 != 0 {
                    ok(ws_on_write(d, None, user));
                } else {
                    ok(ws_on_write(d, Some(on_write), user));
                }
            }
            17 => {
                let mut p: *mut ws_proxy = std::ptr::null_mut();
                let r = ws_proxy_new(d, c"http://u:p@proxy:3128".as_ptr(), &mut p);
                ok(r);
                if !p.is_null() {
                    ok(ws_proxy_start(p));
                    let chunk = b.take_mod(256);
                    let mut used = 0usize;
                    ok(ws_proxy_parse(p, chunk.as_ptr(), chunk.len(), &mut used));
                    assert!(used <= chunk.len());
                    let mut a = ws_action::empty();
                    while ws_proxy_poll(p, &mut a) as u32 == 0 {
                        touch(&a);
                    }
                    ws_proxy_free(p);
                }
            }
            18 => {
                ws_driver_free(d);
                cx().freed = true;
            }
            _ => {
                let mut a = ws_action::empty();
                let mut n = 0;
                while ws_poll(d, &mut a) as u32 == 0 && n < 1000 {
                    touch(&a);
                    n += 1;
                }
            }
        }
    }
    if !cx().freed {
        check_state(cx());
        ok(ws_transport_closed(d));
        if !cx().freed {
            assert_eq!(ws_state(d), 3, "not closed after ws_transport_closed");
            ws_driver_free(d);
            cx().freed = true;
        }
    }
    if !cx().ext.is_null() && !cx().ext_added {
        ws_extension_free(cx().ext);
    }
    if with_ext {
        // Freed with the driver, by its own free, or not added and freed
        // just above: the destructor ran exactly once either way.
        assert!(cx().freed || !cx().ext_added);
        assert_eq!(cx().destroyed, 1, "extension destructor did not run");
    }
    // SAFETY: made by Box::into_raw above; no callback can run any more.
    drop(unsafe { Box::from_raw(cp) });
}
