//! The messages: mixed sizes and kinds, each carrying its connection, index
//! and an FNV-1a checksum, and the check of an echo.

use wsdriver::MessageKind;

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// Message `idx` of connection `conn`: kind, and bytes laid out as
/// `conn:u32 idx:u32 body... fnv1a:u64`. 16 B to 64 KiB, log-uniform.
pub(crate) fn message(conn: u32, idx: u32) -> (MessageKind, Vec<u8>) {
    if let Some(m) = crate::shootout::message(conn, idx) {
        return m;
    }
    let mut x = xorshift(((conn as u64) << 32 | idx as u64) ^ 0x5DEE_CE66_D1CE_F00D) | 1;
    x = xorshift(x);
    let exp = 4.0 + (x % 10_000) as f64 / 10_000.0 * 12.0; // 2^4 .. 2^16
    let len = (2f64.powf(exp) as usize).clamp(16, 65_536);
    let kind = if x & (1 << 40) != 0 {
        MessageKind::Text
    } else {
        MessageKind::Binary
    };
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&conn.to_be_bytes());
    m.extend_from_slice(&idx.to_be_bytes());
    let body = len - 16;
    for _ in 0..body {
        x = xorshift(x);
        m.push(match kind {
            MessageKind::Text => b'a' + (x % 26) as u8,
            MessageKind::Binary => x as u8,
        });
    }
    let sum = fnv1a(&m);
    // Text messages must stay UTF-8: the checksum goes in as hex digits
    // of its low 32 bits (8 ASCII bytes).
    match kind {
        MessageKind::Text => m.extend_from_slice(format!("{:08x}", sum as u32).as_bytes()),
        MessageKind::Binary => m.extend_from_slice(&sum.to_be_bytes()),
    }
    // The conn/idx prefix of a text message must be UTF-8 too: encode it
    // as ASCII instead.
    if kind == MessageKind::Text {
        let head = format!("{:04x}{:04x}", conn & 0xFFFF, idx & 0xFFFF);
        m[..8].copy_from_slice(head.as_bytes());
    }
    (kind, m)
}

/// Whether `got` is an intact echo of message `idx` of `conn`.
pub(crate) fn verify(conn: u32, idx: u32, kind: MessageKind, got: &[u8]) -> Result<(), String> {
    let (k, want) = message(conn, idx);
    if k != kind {
        return Err(format!("conn {conn} msg {idx}: kind {kind:?}, sent {k:?}"));
    }
    if got.len() != want.len() {
        return Err(format!(
            "conn {conn} msg {idx}: {} bytes, sent {}",
            got.len(),
            want.len()
        ));
    }
    // The checksum catches corruption; the comparison pins it down.
    let n = got.len() - 8;
    let sum_ok = match kind {
        MessageKind::Binary => fnv1a(&got[..n]).to_be_bytes() == got[n..],
        MessageKind::Text => true,
    };
    if !sum_ok || got != want.as_slice() {
        let at = got.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(0);
        return Err(format!("conn {conn} msg {idx}: corrupted at byte {at}"));
    }
    Ok(())
}
