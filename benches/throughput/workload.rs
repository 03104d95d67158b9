//! Workloads: operations, sizes, payloads and the masked client frames a decode pass reads.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Ascii,
    Utf8,
    Binary,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ascii => "ascii",
            Kind::Utf8 => "utf8",
            Kind::Binary => "binary",
        }
    }
    pub fn opcode(self) -> u8 {
        if self == Kind::Binary { 2 } else { 1 }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Decode(Kind),
    /// Encode a binary message; `true`: client side (masked).
    Encode(bool),
}

impl Op {
    pub fn name(self) -> String {
        match self {
            Op::Decode(k) => format!("decode-{}", k.name()),
            Op::Encode(false) => "encode-server".into(),
            Op::Encode(true) => "encode-client".into(),
        }
    }
}

pub const SIZES: [usize; 7] = [16, 125, 1024, 16 << 10, 64 << 10, 1 << 20, 16 << 20];
pub const QUICK_SIZES: [usize; 3] = [16, 125, 16 << 10];

/// Input bytes fed per `read`/`ws_parse` call: what one socket read returns.
pub const READ_CHUNK: usize = 256 << 10;

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

pub fn payload(kind: Kind, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size);
    match kind {
        Kind::Ascii => {
            let text = b"The quick brown fox jumps over the lazy dog 0123456789. ";
            while out.len() < size {
                out.push(text[out.len() % text.len()]);
            }
        }
        Kind::Utf8 => {
            let text = "κόσμε ✓ 𝄞 日本語 Привет мир ";
            let mut chars = text.chars().cycle();
            loop {
                let ch = chars.next().expect("cycle");
                let mut b = [0; 4];
                let s = ch.encode_utf8(&mut b).as_bytes();
                if out.len() + s.len() > size {
                    break;
                }
                out.extend_from_slice(s);
            }
            out.resize(size, b'.');
        }
        Kind::Binary => {
            let mut r = Rng(0x9E37_79B9_7F4A_7C15);
            while out.len() < size {
                out.push(r.next() as u8);
            }
        }
    }
    out
}

fn frame_header(out: &mut Vec<u8>, opcode: u8, len: usize, key: Option<[u8; 4]>) {
    out.push(0x80 | opcode);
    let m = if key.is_some() { 0x80 } else { 0 };
    if len < 126 {
        out.push(m | len as u8);
    } else if len <= 0xFFFF {
        out.push(m | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    if let Some(k) = key {
        out.extend_from_slice(&k);
    }
}

/// Masked client frames for a decode workload, and where each payload is.
pub struct Input {
    pub bytes: Vec<u8>,
    /// (payload offset, length, key) of each frame.
    pub frames: Vec<(usize, usize, [u8; 4])>,
    pub payload_bytes: usize,
}

pub fn build_input(kind: Kind, size: usize, target: usize) -> Input {
    let n = (target / size).max(1);
    let p = payload(kind, size);
    let mut r = Rng(0x1234_5678_9ABC_DEF1);
    let mut bytes = Vec::with_capacity(n * (size + 14));
    let mut frames = Vec::with_capacity(n);
    for _ in 0..n {
        let key = (r.next() as u32).to_le_bytes();
        frame_header(&mut bytes, kind.opcode(), size, Some(key));
        let at = bytes.len();
        bytes.extend(p.iter().enumerate().map(|(i, b)| b ^ key[i & 3]));
        frames.push((at, size, key));
    }
    Input {
        bytes,
        frames,
        payload_bytes: n * size,
    }
}
