//! A bounded load client for a WebSocket echo server on 127.0.0.1 (the C
//! example examples/c/build/echo_server), built on wsdriver's client driver
//! and a plain level-triggered epoll loop. Run by scripts/test-load.sh.
//!
//!   load_client --port P [--server-pid PID] [--conns 10000] [--messages 8]
//!               [--slow 4] [--slowloris 200] [--deadline 150]
//!
//! Phases, all on one thread:
//! 1. open `slowloris` connections that send a partial request head and then
//!    trickle one header byte a second, never finishing it;
//! 2. open `conns` WebSocket connections (at most 256 handshakes in flight)
//!    and hold them all open at once; read the server's RSS;
//! 3. every connection exchanges `messages/2` messages of mixed sizes
//!    (16 B to 64 KiB, log-uniform; text and binary) one at a time, each
//!    carrying its connection, index and an FNV-1a checksum, and checks the
//!    echo byte for byte (baseline latency);
//! 4. `slow` more connections start sending 64 KiB messages and never read;
//!    once they are stuck, the same exchange runs again (latency with slow
//!    clients), while the server's RSS is sampled;
//! 5. closing handshake on every connection (1000 echoed back).
//!
//! With `--size N` it runs the echo shootout instead (see `shootout.rs`):
//! fixed-size messages on every connection for `--seconds`, then prints
//! messages/s, the server's CPU per million messages and latency.
//!
//! Asserts zero lost, zero corrupted and zero unexpected closes, that the
//! slowloris connections did not block anyone, that the slow clients did
//! not slow the others much and that the server's memory stayed bounded
//! while they were stuck. Prints the figures; exits 1 on failure.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use wsdriver::MessageKind;

mod config;
mod load;
mod messages;
mod shootout;

use crate::config::{PROBE, config, raise_fd_limit, rss_kib};
use crate::load::{Load, Role};

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// Runs the exchange phase: every normal connection gets `per_conn` more
/// messages. Returns (messages, bytes, seconds, latencies).
fn exchange(
    l: &mut Load,
    per_conn: u32,
    start_deadline: Instant,
    rss_samples: &mut Vec<u64>,
) -> (u64, u64, f64, Vec<u32>) {
    let ids = l.ids(Role::Normal);
    exchange_on(l, &ids, per_conn, start_deadline, rss_samples)
}

/// `exchange` on some connections only (the others stay idle).
fn exchange_on(
    l: &mut Load,
    ids: &[u32],
    per_conn: u32,
    start_deadline: Instant,
    rss_samples: &mut Vec<u64>,
) -> (u64, u64, f64, Vec<u32>) {
    let (m0, b0) = (l.exchanged, l.bytes);
    l.latencies.clear();
    let t = Instant::now();
    let target = l.exchanged + ids.len() as u64 * per_conn as u64;
    for id in ids {
        if let Some(c) = l.conns.get_mut(id) {
            c.quota += per_conn;
        }
        l.pump(*id);
    }
    let mut last_sample = Instant::now();
    if let Some(r) = rss_kib(l.cfg.server_pid) {
        rss_samples.push(r);
    }
    while l.exchanged + l.corrupted + l.lost < target {
        if Instant::now() > start_deadline + l.cfg.deadline {
            l.fail(&format!(
                "deadline: {} of {} messages exchanged",
                l.exchanged - m0,
                target - m0
            ));
        }
        if l.unexpected_closes > 0 {
            l.fail("unexpected close during the exchange");
        }
        l.poll(100);
        if last_sample.elapsed() > Duration::from_millis(250) {
            if let Some(r) = rss_kib(l.cfg.server_pid) {
                rss_samples.push(r);
            }
            last_sample = Instant::now();
        }
    }
    let mut lat = std::mem::take(&mut l.latencies);
    lat.sort_unstable();
    (
        l.exchanged - m0,
        l.bytes - b0,
        t.elapsed().as_secs_f64(),
        lat,
    )
}

fn main() {
    let cfg = config();
    let start = Instant::now();
    let need = (cfg.conns + cfg.slow + cfg.slowloris + 64) as u64;
    let limit = raise_fd_limit(need.max(65_536));
    if limit < need {
        eprintln!("load: fd limit {limit} < {need} needed");
        std::process::exit(2);
    }
    // SAFETY: plain syscall.
    let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(epfd >= 0);
    let pid = cfg.server_pid;
    let mut l = Load {
        cfg,
        epfd,
        conns: HashMap::new(),
        next_id: 0,
        handshaking: 0,
        open_normal: 0,
        lost: 0,
        corrupted: 0,
        unexpected_closes: 0,
        errors: Vec::new(),
        exchanged: 0,
        bytes: 0,
        latencies: Vec::new(),
        buf: vec![0u8; 256 * 1024],
    };
    if l.cfg.size.is_some() {
        shootout::run(&mut l, start);
        return;
    }
    let rss_idle = rss_kib(pid);
    println!(
        "load: fd limit {limit}; server RSS idle {} KiB",
        rss_idle.unwrap_or(0)
    );

    // 1. Slowloris: partial heads held open for the whole run.
    for _ in 0..l.cfg.slowloris {
        if let Err(e) = l.connect(Role::Slowloris) {
            l.fail(&format!("slowloris connect: {e}"));
        }
    }
    let loris = l.ids(Role::Slowloris);
    for _ in 0..5 {
        l.poll(20);
    }
    let rss_base = rss_kib(pid);

    // 2. All connections open at once.
    let t = Instant::now();
    let mut trickle_at = Instant::now();
    let total = l.cfg.conns;
    let mut made = 0;
    while l.open_normal < total {
        while made < total && l.handshaking < 256 {
            if let Err(e) = l.connect(Role::Normal) {
                l.fail(&format!("connect #{made}: {e}"));
            }
            made += 1;
        }
        l.poll(50);
        if trickle_at.elapsed() > Duration::from_secs(1) {
            // One more byte of header for each slowloris connection.
            for id in &loris {
                if let Some(c) = l.conns.get_mut(id) {
                    c.out.extend_from_slice(b"x");
                    c.trickle += 1;
                }
                l.pump(*id);
            }
            trickle_at = Instant::now();
        }
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
    let connect_secs = t.elapsed().as_secs_f64();
    // Let the server settle, then measure.
    for _ in 0..5 {
        l.poll(20);
    }
    let rss_open = rss_kib(pid);
    println!(
        "load: {total} connections open at once in {connect_secs:.2}s ({:.0}/s) with {} slowloris heads held open",
        total as f64 / connect_secs,
        loris.len()
    );

    // 3. Baseline exchange.
    let half = (l.cfg.messages / 2) as u32;
    let mut samples = Vec::new();
    let (n1, b1, s1, lat1) = exchange(&mut l, half, start, &mut samples);
    let rss_after_base = rss_kib(pid);
    println!(
        "load: baseline: {n1} messages ({:.1} MiB) in {s1:.2}s: {:.0} msgs/s, {:.1} MiB/s; latency p50 {:.2} ms p99 {:.2} ms",
        b1 as f64 / 1048576.0,
        n1 as f64 / s1,
        b1 as f64 / 1048576.0 / s1,
        percentile(&lat1, 0.5),
        percentile(&lat1, 0.99)
    );

    // Unloaded latency: one connection, one message at a time, the other
    // connections open and idle.
    let probe_id = l.ids(Role::Normal)[0];
    let (p1, _, _, plat1) = exchange_on(&mut l, &[probe_id], PROBE, start, &mut Vec::new());
    println!(
        "load: one connection alone ({p1} messages in turn, {} others idle): latency p50 {:.3} ms p99 {:.3} ms",
        total - 1,
        percentile(&plat1, 0.5),
        percentile(&plat1, 0.99)
    );

    // 4. Slow clients: connect, then blast without reading until stuck.
    let rss_before_slow = rss_kib(pid);
    let mut slow = Vec::new();
    for _ in 0..l.cfg.slow {
        match l.connect(Role::Slow) {
            Ok(id) => slow.push(id),
            Err(e) => l.fail(&format!("slow connect: {e}")),
        }
    }
    // Until each has been unable to write for a while.
    let t = Instant::now();
    let mut stuck_since: Option<Instant> = None;
    let mut last_sent = 0;
    loop {
        l.poll(50);
        for id in &slow {
            l.pump(*id);
        }
        let sent: u64 = slow
            .iter()
            .filter_map(|id| l.conns.get(id))
            .map(|c| c.sent_bytes)
            .sum();
        let all_open = slow
            .iter()
            .all(|id| l.conns.get(id).is_some_and(|c| c.open));
        if all_open && sent == last_sent {
            let since = *stuck_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_millis(1500) {
                break;
            }
        } else {
            stuck_since = None;
            last_sent = sent;
        }
        if t.elapsed() > Duration::from_secs(30) {
            l.fail("slow clients never got stuck: the server keeps reading what it cannot send");
        }
    }
    let slow_sent: u64 = slow
        .iter()
        .filter_map(|id| l.conns.get(id))
        .map(|c| c.sent_bytes)
        .sum();
    let rss_slow_stuck = rss_kib(pid);
    println!(
        "load: {} slow clients stuck after sending {:.1} MiB in total without reading",
        slow.len(),
        slow_sent as f64 / 1048576.0
    );
    let (p2, _, _, plat2) = exchange_on(&mut l, &[probe_id], PROBE, start, &mut Vec::new());
    println!(
        "load: one connection alone with the slow clients stuck ({p2} messages): latency p50 {:.3} ms p99 {:.3} ms",
        percentile(&plat2, 0.5),
        percentile(&plat2, 0.99)
    );
    let mut samples2 = Vec::new();
    let rest = l.cfg.messages as u32 - half;
    let (n2, b2, s2, lat2) = exchange(&mut l, rest, start, &mut samples2);
    for id in &slow {
        l.pump(*id);
    }
    let rss_end = rss_kib(pid);
    println!(
        "load: with slow clients: {n2} messages ({:.1} MiB) in {s2:.2}s: {:.0} msgs/s; latency p50 {:.2} ms p99 {:.2} ms",
        b2 as f64 / 1048576.0,
        n2 as f64 / s2,
        percentile(&lat2, 0.5),
        percentile(&lat2, 0.99)
    );

    // Slowloris connections are still held (or were closed by the server:
    // either way they blocked no one).
    let loris_alive = loris
        .iter()
        .filter(|id| l.conns.get(id).is_some_and(|c| !c.closed))
        .count();

    // 5. Closing handshakes.
    let ids = l.ids(Role::Normal);
    l.close_all(&ids);
    let t = Instant::now();
    while l
        .conns
        .values()
        .any(|c| c.role == Role::Normal && !c.closed)
    {
        l.poll(50);
        if t.elapsed() > Duration::from_secs(30)
            || start.elapsed() > l.cfg.deadline + Duration::from_secs(30)
        {
            let left = l
                .conns
                .values()
                .filter(|c| c.role == Role::Normal && !c.closed)
                .count();
            l.fail(&format!(
                "{left} connections did not finish the closing handshake"
            ));
        }
    }

    let rss =
        |r: Option<u64>| r.map_or("?".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "load: server RSS: idle {}, {total} open {}, after baseline {}, before slow {}, slow stuck {}, end {}",
        rss(rss_idle),
        rss(rss_open),
        rss(rss_after_base),
        rss(rss_before_slow),
        rss(rss_slow_stuck),
        rss(rss_end)
    );
    if let (Some(a), Some(b)) = (rss_base, rss_open) {
        println!(
            "load: server RSS per open connection: {:.2} KiB (idle, after handshake); {:.2} KiB after exchanging",
            (b.saturating_sub(a)) as f64 / total as f64,
            rss_after_base.map_or(0.0, |c| c.saturating_sub(a) as f64 / total as f64)
        );
    }
    let max2 = samples2.iter().copied().max().unwrap_or(0);
    let max1 = samples.iter().copied().max().unwrap_or(0);
    println!(
        "load: server RSS peak during baseline {} / with slow clients stuck {}",
        rss(Some(max1)),
        rss(Some(max2))
    );
    println!(
        "load: totals: {} messages, {:.1} MiB echoed; lost {}, corrupted {}, unexpected closes {}; slowloris still open {loris_alive}/{}; {:.1}s",
        l.exchanged,
        l.bytes as f64 / 1048576.0,
        l.lost,
        l.corrupted,
        l.unexpected_closes,
        loris.len(),
        start.elapsed().as_secs_f64()
    );

    // Verdicts.
    if l.lost + l.corrupted + l.unexpected_closes > 0 {
        l.fail("lost, corrupted or unexpectedly closed messages");
    }
    let expect = total as u64 * l.cfg.messages as u64 + 2 * PROBE as u64;
    if l.exchanged != expect {
        l.fail(&format!("{} of {expect} messages", l.exchanged));
    }
    // Slow clients must not slow the others much: allow a generous factor
    // for a shared machine.
    let (b99, s99) = (percentile(&lat1, 0.99), percentile(&lat2, 0.99));
    if s99 > b99 * 5.0 + 500.0 {
        l.fail(&format!(
            "p99 with slow clients {s99:.1} ms vs {b99:.1} ms without"
        ));
    }
    let (b99, s99) = (percentile(&plat1, 0.99), percentile(&plat2, 0.99));
    if s99 > b99 * 10.0 + 50.0 {
        l.fail(&format!(
            "alone, p99 with slow clients {s99:.1} ms vs {b99:.1} ms without"
        ));
    }
    // Server memory while slow clients are stuck: the 4 MiB high-water
    // mark, a message and socket slack per slow client.
    if let (Some(before), Some(stuck)) = (rss_before_slow, rss_slow_stuck) {
        let growth = stuck.saturating_sub(before);
        let bound = l.cfg.slow as u64 * 12 * 1024 + 32 * 1024;
        println!(
            "load: server RSS growth while {} slow clients were stuck: {:.1} MiB (bound {:.0} MiB)",
            l.cfg.slow,
            growth as f64 / 1024.0,
            bound as f64 / 1024.0
        );
        if growth > bound {
            l.fail("server memory for stuck slow clients is not bounded");
        }
    }
    println!("load: OK");
}
