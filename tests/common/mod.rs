//! Shared helpers for the core_* integration tests: drivers with fixed
//! randomness, a runner that feeds input and drains `poll_action`, a checker
//! that feeds the same input whole / byte by byte / at pseudo-random split
//! points, frame builders, and an in-memory client↔server pair.
#![allow(dead_code)]

pub mod c_api;

use wsdriver::rand::FixedRandom;
use wsdriver::{Action, Driver, Error, ErrorKind, Event, MessageKind, Options};

pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
pub const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
/// The mask key used by `masked` frames.
pub const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
/// FixedRandom pattern for clients: the key is bytes 1..=16, masks repeat it.
pub const PATTERN: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
/// base64 of PATTERN.
pub const CLIENT_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEA==";

pub const RESPONSE_101: &str = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/// A hybi-13 request with the RFC example key, plus `extra` header lines.
pub fn request(extra: &str) -> Vec<u8> {
    format!(
        "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// The same request with a different version header.
pub fn request_version(version: &str) -> Vec<u8> {
    format!(
        "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: {version}\r\n\r\n"
    )
    .into_bytes()
}

pub const H76: &str = "GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nSec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nUpgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\nOrigin: http://example.com\r\n\r\n";
pub const H76_BODY: &[u8] = b"^n:ds[4U";
pub const H76_ANSWER: &[u8] = b"8jKS'y:G*Co,Wxa-";
pub const H76_RESPONSE: &str = "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\nSec-WebSocket-Location: ws://example.com/demo\r\n\r\n";
pub const H75: &str = "GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: example.com:8080\r\nOrigin: http://example.com\r\n\r\n";
pub const H75_RESPONSE: &str = "HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nWebSocket-Origin: http://example.com\r\nWebSocket-Location: ws://example.com:8080/demo\r\n\r\n";

// ---- actions ---------------------------------------------------------------

pub fn w(bytes: impl AsRef<[u8]>) -> Action {
    Action::Write(bytes.as_ref().to_vec())
}
pub fn ev(e: Event) -> Action {
    Action::Event(e)
}
pub fn connect() -> Action {
    ev(Event::Connect)
}
pub fn open() -> Action {
    ev(Event::Open)
}
pub fn text(s: &str) -> Action {
    ev(Event::Message {
        kind: MessageKind::Text,
        data: s.as_bytes().to_vec(),
    })
}
pub fn text_bytes(b: &[u8]) -> Action {
    ev(Event::Message {
        kind: MessageKind::Text,
        data: b.to_vec(),
    })
}
pub fn binary(b: &[u8]) -> Action {
    ev(Event::Message {
        kind: MessageKind::Binary,
        data: b.to_vec(),
    })
}
pub fn ping(b: &[u8]) -> Action {
    ev(Event::Ping(b.to_vec()))
}
pub fn pong(b: &[u8]) -> Action {
    ev(Event::Pong(b.to_vec()))
}
pub fn close(code: u16, reason: &str) -> Action {
    ev(Event::Close {
        code: Some(code),
        reason: reason.to_owned(),
    })
}
/// Hixie close: no code.
pub fn close_nil() -> Action {
    ev(Event::Close {
        code: None,
        reason: String::new(),
    })
}
pub fn error(kind: ErrorKind, msg: &str) -> Action {
    ev(Event::Error(Error::new(kind, msg)))
}
pub fn perr(msg: &str) -> Action {
    error(ErrorKind::Protocol, msg)
}

/// The gem's 400 response.
pub fn bad_request(msg: &str) -> Action {
    w(format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{msg}",
        msg.len()
    ))
}

/// The three actions of a failed hybi handshake on the server.
pub fn rejected(msg: &str) -> Vec<Action> {
    vec![bad_request(msg), perr(msg), close(1002, msg)]
}

/// The close frame a server writes for a failure (unmasked).
pub fn close_frame(code: u16, reason: &str) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason.as_bytes());
    unmasked(0x8, &p)
}

/// close frame, error, close: what a protocol failure on an open server yields.
pub fn failure(kind: ErrorKind, msg: &str) -> Vec<Action> {
    let code = kind.close_code();
    vec![
        w(close_frame(code, msg)),
        error(kind, msg),
        close(code, msg),
    ]
}

// ---- frames ------------------------------------------------------------------

/// Any frame. `b0` is the whole first byte (FIN, RSV, opcode).
pub fn raw_frame(b0: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = vec![b0];
    let m = if mask.is_some() { 0x80 } else { 0 };
    let len = payload.len();
    if len < 126 {
        out.push(m | len as u8);
    } else if len <= 0xFFFF {
        out.push(m | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    match mask {
        Some(k) => {
            out.extend_from_slice(&k);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// A final masked frame (what a client sends).
pub fn masked(op: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(0x80 | op, payload, Some(MASK))
}
/// A masked frame without FIN.
pub fn masked_nofin(op: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(op, payload, Some(MASK))
}
/// A final unmasked frame (what a server sends).
pub fn unmasked(op: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(0x80 | op, payload, None)
}
/// A final frame masked with `key`.
pub fn masked_with(op: u8, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    raw_frame(0x80 | op, payload, Some(key))
}

pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

// ---- drivers -----------------------------------------------------------------

pub fn client(url: &str) -> Driver {
    client_opts(url, Options::default())
}

pub fn client_opts(url: &str, opts: Options) -> Driver {
    Driver::client_with_random(url, opts, Box::new(FixedRandom::new(&PATTERN))).unwrap()
}

/// The response a correct server gives to `client(...)`'s request.
pub fn client_response(extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n{extra}\r\n",
        wsdriver::accept_key(CLIENT_KEY)
    )
    .into_bytes()
}

pub fn protocols(list: &[&str]) -> Options {
    Options {
        protocols: list.iter().map(|s| s.to_string()).collect(),
        ..Options::default()
    }
}

/// A raw server that has answered the standard request and is open.
pub fn open_server(opts: Options) -> Driver {
    let mut d = Driver::server(opts);
    let actions = run(&mut d, &[&request("")]);
    assert_eq!(actions, vec![connect(), w(RESPONSE_101), open()]);
    d
}

/// An open client (handshake done) with fixed randomness.
pub fn open_client(url: &str) -> Driver {
    open_client_opts(url, Options::default())
}

/// The same with options.
pub fn open_client_opts(url: &str, opts: Options) -> Driver {
    let mut d = client_opts(url, opts);
    d.start().unwrap();
    let a = drain(&mut d);
    assert_eq!(a.len(), 1);
    let a = run(&mut d, &[&client_response("")]);
    assert_eq!(a, vec![open()]);
    d
}

// ---- running -----------------------------------------------------------------

/// What the test does when it sees an event: react on the driver.
pub type React<'a> = &'a mut dyn FnMut(&mut Driver, &Event);

/// Default reaction: start a server when its request is complete.
pub fn start_on_connect(d: &mut Driver, e: &Event) {
    if *e == Event::Connect {
        // A refused handshake shows in the events the test checks.
        let _ = d.start();
    }
}

pub fn no_reaction(_: &mut Driver, _: &Event) {}

/// Drains every pending action (without reacting).
pub fn drain(d: &mut Driver) -> Vec<Action> {
    std::iter::from_fn(|| d.poll_action()).collect()
}

/// Drains every pending action into its writes and its events, each in order.
pub fn drain_apart(d: &mut Driver) -> (Vec<Vec<u8>>, Vec<Event>) {
    let a = drain(d);
    (writes(&a), events(&a))
}

fn drain_into(d: &mut Driver, out: &mut Vec<Action>, react: React<'_>) {
    while let Some(a) = d.poll_action() {
        if let Action::Event(e) = &a {
            react(d, e);
        }
        out.push(a);
    }
}

/// Feeds each chunk with `parse`, draining (and starting servers on
/// `Connect`) after each.
pub fn run(d: &mut Driver, chunks: &[&[u8]]) -> Vec<Action> {
    run_with(d, chunks, &mut start_on_connect)
}

pub fn run_with(d: &mut Driver, chunks: &[&[u8]], react: React<'_>) -> Vec<Action> {
    let mut out = Vec::new();
    drain_into(d, &mut out, react);
    for c in chunks {
        d.parse(c);
        drain_into(d, &mut out, react);
    }
    out
}

/// Like `run_with`, but through the zero-copy `read` entry point.
pub fn run_read(d: &mut Driver, chunks: &[&[u8]], react: React<'_>) -> Vec<Action> {
    let mut out = Vec::new();
    drain_into(d, &mut out, react);
    for c in chunks {
        let mut rest: &[u8] = c;
        let mut guard = 0;
        while !rest.is_empty() {
            let n = d.read(rest);
            rest = &rest[n..];
            drain_into(d, &mut out, react);
            guard += 1;
            assert!(guard < 10_000_000, "read made no progress");
        }
    }
    out
}

/// Tiny deterministic generator for split points.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Splits `input` at pseudo-random points (chunk sizes 1..=max).
pub fn random_chunks(input: &[u8], seed: u64, max: usize) -> Vec<&[u8]> {
    let mut rng = XorShift::new(seed);
    let mut out = Vec::new();
    let mut at = 0;
    while at < input.len() {
        let n = 1 + rng.below(max.max(1));
        let end = (at + n).min(input.len());
        out.push(&input[at..end]);
        at = end;
    }
    out
}

/// Feeds `input` whole, one byte at a time, at several seeded random split
/// points and through `read`; all must give the same actions, which are
/// returned. `make` builds a fresh driver (in the same state) each time.
pub fn feed_all_ways_with(
    make: &dyn Fn() -> Driver,
    input: &[u8],
    react: &dyn Fn(&mut Driver, &Event),
) -> Vec<Action> {
    let mut r = |d: &mut Driver, e: &Event| react(d, e);
    let whole = run_with(&mut make(), &[input], &mut r);
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    let one = run_with(&mut make(), &bytes, &mut r);
    assert_eq!(one, whole, "byte-by-byte differs from whole input");
    for seed in 1..=6u64 {
        let max = [2, 3, 7, 16, 64, 1000][(seed - 1) as usize];
        let chunks = random_chunks(input, seed, max);
        let split = run_with(&mut make(), &chunks, &mut r);
        assert_eq!(split, whole, "random split (seed {seed}) differs");
    }
    let read_whole = run_read(&mut make(), &[input], &mut r);
    assert_eq!(read_whole, whole, "read() differs from parse()");
    let read_split = run_read(&mut make(), &random_chunks(input, 99, 5), &mut r);
    assert_eq!(read_split, whole, "split read() differs from parse()");
    whole
}

/// `feed_all_ways_with`, starting servers on `Connect`.
pub fn feed_all_ways(make: &dyn Fn() -> Driver, input: &[u8]) -> Vec<Action> {
    feed_all_ways_with(make, input, &start_on_connect)
}

/// Feeds frames to a freshly opened server all ways; returns the actions
/// after the handshake.
pub fn server_gets(opts: &Options, input: &[u8]) -> Vec<Action> {
    let o = opts.clone();
    feed_all_ways(&|| open_server(o.clone()), input)
}

/// Feeds bytes to a freshly opened client all ways.
pub fn client_gets(input: &[u8]) -> Vec<Action> {
    feed_all_ways(&|| open_client("ws://example.com/"), input)
}

pub fn writes(actions: &[Action]) -> Vec<Vec<u8>> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Write(b) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

pub fn events(actions: &[Action]) -> Vec<Event> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

// ---- in-memory pair ------------------------------------------------------------

/// A client and a raw server connected in memory. Bytes written by one side
/// are fed to the other, cut at pseudo-random points.
pub struct Pair {
    pub client: Driver,
    pub server: Driver,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    pub client_wrote: Vec<Vec<u8>>,
    pub server_wrote: Vec<Vec<u8>>,
    rng: XorShift,
    max_chunk: usize,
}

impl Pair {
    pub fn new(url: &str, client_opts: Options, server_opts: Options, seed: u64) -> Pair {
        Pair {
            client: self::client_opts(url, client_opts),
            server: Driver::server(server_opts),
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_wrote: Vec::new(),
            server_wrote: Vec::new(),
            rng: XorShift::new(seed),
            max_chunk: 1 + (seed as usize % 40),
        }
    }

    /// Starts the client and pumps until both sides are quiet.
    pub fn connect(&mut self) {
        self.client.start().unwrap();
        self.pump();
    }

    fn feed(&mut self, to_server: bool, bytes: &[u8]) {
        let mut at = 0;
        while at < bytes.len() {
            let n = 1 + self.rng.below(self.max_chunk);
            let end = (at + n).min(bytes.len());
            if to_server {
                self.server.parse(&bytes[at..end]);
            } else {
                self.client.parse(&bytes[at..end]);
            }
            at = end;
        }
    }

    /// Moves bytes between the two until neither has anything to say.
    pub fn pump(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(a) = self.client.poll_action() {
                progressed = true;
                match a {
                    Action::Write(b) => {
                        self.client_wrote.push(b.clone());
                        self.feed(true, &b);
                    }
                    Action::Event(e) => self.client_events.push(e),
                }
            }
            while let Some(a) = self.server.poll_action() {
                progressed = true;
                match a {
                    Action::Write(b) => {
                        self.server_wrote.push(b.clone());
                        self.feed(false, &b);
                    }
                    Action::Event(e) => {
                        if e == Event::Connect {
                            self.server.start().unwrap();
                        }
                        self.server_events.push(e);
                    }
                }
            }
            if !progressed {
                return;
            }
        }
    }

    pub fn take_events(&mut self) -> (Vec<Event>, Vec<Event>) {
        (
            std::mem::take(&mut self.client_events),
            std::mem::take(&mut self.server_events),
        )
    }
}
