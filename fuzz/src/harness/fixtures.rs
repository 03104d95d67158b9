//! Fixtures: requests and responses, option choices, the byte reader that turns
//! fuzz input into configuration, and chunking.

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
pub(crate) const MAX_LENGTHS: [u64; 8] = [
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
    pub(crate) data: &'a [u8],
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
