//! The echo shootout (scripts/echo-shootout.sh): the same offered load for
//! any echo server. `conns` connections each keep one message of `size`
//! bytes in flight (send, wait for the echo, send the next) for `seconds`;
//! then it prints one `shootout:` line with messages/s, the server's CPU
//! seconds per million messages (utime + stime from /proc/PID/stat) and the
//! round-trip latency's p50/p99.
//!
//! Messages are text: 8 ASCII hex digits (connection, index) and a body of
//! words, compressible as real traffic is, so permessage-deflate has work.
//! Every echo is compared byte for byte with what was sent.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{Load, MessageKind, Role, exchange, percentile};

/// The body every message shares, built once for the configured size.
static BODY: OnceLock<Vec<u8>> = OnceLock::new();

/// Message `idx` of connection `conn` in shootout mode; `None` otherwise.
pub fn message(conn: u32, idx: u32) -> Option<(MessageKind, Vec<u8>)> {
    let body = BODY.get()?;
    let mut m = Vec::with_capacity(body.len());
    m.extend_from_slice(format!("{:04x}{:04x}", conn & 0xFFFF, idx & 0xFFFF).as_bytes());
    m.extend_from_slice(&body[8..]);
    Some((MessageKind::Text, m))
}

fn body(size: usize) -> Vec<u8> {
    const WORDS: [&str; 12] = [
        "\"id\":",
        "\"name\":",
        "\"value\":",
        "true,",
        "false,",
        "null,",
        "{",
        "},",
        "websocket ",
        "message ",
        "42,",
        "3.14,",
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut b = Vec::with_capacity(size + 16);
    while b.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b.extend_from_slice(WORDS[(x % WORDS.len() as u64) as usize].as_bytes());
    }
    b.truncate(size);
    b
}

/// CPU seconds (user + system) the process has used so far.
fn cpu_secs(pid: Option<u32>) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // SAFETY: plain sysconf query.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some(ticks / hz)
}

pub fn run(l: &mut Load, start: Instant) {
    let size = l.cfg.size.expect("shootout mode");
    let _ = BODY.set(body(size));
    let total = l.cfg.conns;
    let pid = l.cfg.server_pid;

    // Open every connection (at most 256 handshakes in flight).
    let mut made = 0;
    while l.open_normal < total {
        while made < total && l.handshaking < 256 {
            if let Err(e) = l.connect(Role::Normal) {
                l.fail(&format!("connect #{made}: {e}"));
            }
            made += 1;
        }
        l.poll(50);
        if l.unexpected_closes > 0 {
            l.fail("handshake failed");
        }
        if start.elapsed() > l.cfg.deadline {
            l.fail(&format!(
                "deadline while connecting: {} of {total} open",
                l.open_normal
            ));
        }
    }
    // Warm-up: two messages each (buffers, compressors, caches).
    exchange(l, 2, start, &mut Vec::new());

    // The measured run: every connection always has one message in flight.
    let ids = l.ids(Role::Normal);
    let (m0, cpu0) = (l.exchanged, cpu_secs(pid));
    l.latencies.clear();
    let t = Instant::now();
    for id in &ids {
        if let Some(c) = l.conns.get_mut(id) {
            c.quota = u32::MAX;
        }
        l.pump(*id);
    }
    let run_for = Duration::from_secs(l.cfg.seconds);
    while t.elapsed() < run_for {
        l.poll(50);
        if l.unexpected_closes + l.corrupted + l.lost > 0 {
            l.fail("lost, corrupted or unexpectedly closed messages");
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let (messages, cpu1) = (l.exchanged - m0, cpu_secs(pid));
    let mut lat = std::mem::take(&mut l.latencies);
    lat.sort_unstable();

    // Stop sending, take the echoes still in flight, close cleanly.
    for id in &ids {
        if let Some(c) = l.conns.get_mut(id) {
            c.quota = c.next;
        }
    }
    let t = Instant::now();
    while l
        .conns
        .values()
        .any(|c| c.role == Role::Normal && c.waiting.is_some())
    {
        l.poll(50);
        if t.elapsed() > Duration::from_secs(30) {
            l.fail("echoes still missing 30 s after the run");
        }
    }
    l.close_all(&ids);
    let t = Instant::now();
    while l
        .conns
        .values()
        .any(|c| c.role == Role::Normal && !c.closed)
    {
        l.poll(50);
        if t.elapsed() > Duration::from_secs(30) {
            break; // some servers do not finish the closing handshake; not measured
        }
    }
    if l.unexpected_closes + l.corrupted + l.lost > 0 {
        l.fail("lost, corrupted or unexpectedly closed messages");
    }
    let cpu = cpu0.zip(cpu1).map(|(a, b)| b - a);
    let per_million = cpu.map_or(f64::NAN, |c| c / messages.max(1) as f64 * 1e6);
    println!(
        "shootout: size={size} deflate={} conns={total} messages={messages} secs={secs:.2} \
         msgs_per_s={:.0} server_cpu_s={:.2} cpu_s_per_million={per_million:.2} \
         p50_ms={:.3} p99_ms={:.3}",
        u8::from(l.cfg.deflate),
        messages as f64 / secs,
        cpu.unwrap_or(f64::NAN),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
}
