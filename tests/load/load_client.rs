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
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::{Action, Driver, Event, MessageKind, Options};

mod shootout;

// ---- configuration ------------------------------------------------------------

/// Messages the latency probe sends, one at a time.
const PROBE: u32 = 500;

struct Config {
    port: u16,
    server_pid: Option<u32>,
    conns: usize,
    messages: usize,
    slow: usize,
    slowloris: usize,
    deadline: Duration,
    /// Shootout: the fixed message size, how long to run, and whether to
    /// offer permessage-deflate.
    size: Option<usize>,
    seconds: u64,
    deflate: bool,
}

fn config() -> Config {
    let mut c = Config {
        port: 0,
        server_pid: None,
        conns: 10_000,
        messages: 8,
        slow: 4,
        slowloris: 200,
        deadline: Duration::from_secs(150),
        size: None,
        seconds: 10,
        deflate: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        let n = || v.parse::<u64>().unwrap_or_else(|_| usage());
        match args[i].as_str() {
            "--port" => c.port = n() as u16,
            "--server-pid" => c.server_pid = Some(n() as u32),
            "--conns" => c.conns = n() as usize,
            "--messages" => c.messages = (n() as usize).max(2),
            "--slow" => c.slow = n() as usize,
            "--slowloris" => c.slowloris = n() as usize,
            "--deadline" => c.deadline = Duration::from_secs(n()),
            "--size" => c.size = Some((n() as usize).max(16)),
            "--seconds" => c.seconds = n(),
            "--deflate" => c.deflate = n() != 0,
            _ => usage(),
        }
        i += 2;
    }
    if c.port == 0 {
        usage();
    }
    c
}

fn usage() -> ! {
    eprintln!(
        "usage: load_client --port P [--server-pid PID] [--conns N] [--messages N] \
         [--slow N] [--slowloris N] [--deadline SECS] [--size N [--seconds S] [--deflate 0|1]]"
    );
    std::process::exit(2);
}

/// Raises RLIMIT_NOFILE as far as allowed; returns the new soft limit.
fn raise_fd_limit(want: u64) -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit write/read the struct we pass.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        let target = want.max(r.rlim_cur as u64);
        let mut n = libc::rlimit {
            rlim_cur: target as libc::rlim_t,
            rlim_max: (target as libc::rlim_t).max(r.rlim_max),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &n) != 0 {
            n.rlim_cur = r.rlim_max.min(target as libc::rlim_t);
            n.rlim_max = r.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &n);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
    }
    r.rlim_cur as u64
}

fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

// ---- messages -------------------------------------------------------------------

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
fn message(conn: u32, idx: u32) -> (MessageKind, Vec<u8>) {
    if let Some(m) = shootout::message(conn, idx) {
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
fn verify(conn: u32, idx: u32, kind: MessageKind, got: &[u8]) -> Result<(), String> {
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

// ---- connections --------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    /// Exchanges messages and checks echoes.
    Normal,
    /// Sends big messages, never reads.
    Slow,
    /// A partial request head, trickled.
    Slowloris,
}

struct Conn {
    id: u32,
    role: Role,
    sock: TcpStream,
    driver: Option<Driver>,
    out: Vec<u8>,
    out_pos: usize,
    /// Events registered with epoll.
    registered: u32,
    reading: bool,
    open: bool,
    closed: bool,
    closing: bool,
    /// Next message to send / the one waiting for its echo.
    next: u32,
    waiting: Option<(u32, Instant)>,
    /// Messages to exchange in the current phase.
    quota: u32,
    sent_bytes: u64,
    trickle: usize,
}

const LORIS_HEAD: &[u8] = b"GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Slow: ";

struct Load {
    cfg: Config,
    epfd: i32,
    conns: HashMap<u32, Conn>,
    next_id: u32,
    handshaking: usize,
    open_normal: usize,
    /// Failures: lost (closed before echo), corrupted, unexpected closes.
    lost: u64,
    corrupted: u64,
    unexpected_closes: u64,
    errors: Vec<String>,
    exchanged: u64,
    bytes: u64,
    latencies: Vec<u32>,
    buf: Vec<u8>,
}

fn epoll_ctl(epfd: i32, op: i32, fd: i32, events: u32, id: u32) {
    let mut ev = libc::epoll_event {
        events,
        u64: id as u64,
    };
    // SAFETY: a valid epoll fd and socket fd; ev lives across the call.
    let rc = unsafe { libc::epoll_ctl(epfd, op, fd, &mut ev) };
    if rc != 0 && op != libc::EPOLL_CTL_DEL {
        panic!("epoll_ctl: {}", std::io::Error::last_os_error());
    }
}

impl Load {
    fn connect(&mut self, role: Role) -> std::io::Result<u32> {
        let sock = TcpStream::connect(("127.0.0.1", self.cfg.port))?;
        sock.set_nonblocking(true)?;
        sock.set_nodelay(true)?;
        let id = self.next_id;
        self.next_id += 1;
        let mut c = Conn {
            id,
            role,
            sock,
            driver: None,
            out: Vec::new(),
            out_pos: 0,
            registered: libc::EPOLLIN as u32,
            reading: true,
            open: false,
            closed: false,
            closing: false,
            next: 0,
            waiting: None,
            quota: 0,
            sent_bytes: 0,
            trickle: 0,
        };
        if role == Role::Slowloris {
            c.out.extend_from_slice(LORIS_HEAD);
        } else {
            let url = format!("ws://127.0.0.1:{}/chat", self.cfg.port);
            let opts = Options {
                max_length: 1 << 20,
                ..Options::default()
            };
            let mut d = Driver::client(&url, opts).expect("valid url");
            if self.cfg.deflate {
                let ext = PerMessageDeflate::new(DeflateConfig::default());
                d.add_extension(Box::new(ext)).unwrap();
            }
            d.start().unwrap();
            c.driver = Some(d);
            self.handshaking += 1;
        }
        // Slow clients are registered without EPOLLIN: they never read.
        epoll_ctl(self.epfd, libc::EPOLL_CTL_ADD, c.sock.as_raw_fd(), libc::EPOLLIN as u32, id);
        self.conns.insert(id, c);
        self.pump(id);
        Ok(id)
    }

    /// Moves the driver's output to the socket and events to the checks.
    fn pump(&mut self, id: u32) {
        let Some(mut c) = self.conns.remove(&id) else {
            return;
        };
        self.drive(&mut c);
        self.flush(&mut c);
        self.update_interest(&mut c);
        if c.closed && c.out_pos >= c.out.len() {
            epoll_ctl(self.epfd, libc::EPOLL_CTL_DEL, c.sock.as_raw_fd(), 0, id);
            // dropped: socket closed
        } else {
            self.conns.insert(id, c);
        }
    }

    fn drive(&mut self, c: &mut Conn) {
        loop {
            // Send the next message when idle and within quota.
            if let Some(d) = c.driver.as_mut() {
                if c.open && !c.closing && c.role == Role::Normal && c.waiting.is_none() && c.next < c.quota {
                    let (kind, m) = message(c.id, c.next);
                    let _ = match kind {
                        MessageKind::Text => d.text_bytes(&m),
                        MessageKind::Binary => d.binary(&m),
                    };
                    c.waiting = Some((c.next, Instant::now()));
                    c.next += 1;
                }
                if c.open && c.role == Role::Slow && !c.closing && c.out.len() - c.out_pos < 256 * 1024 && c.sent_bytes < (256 << 20) {
                    let _ = d.binary(&vec![0x5A; 65_536]);
                }
            }
            let Some(d) = c.driver.as_mut() else { return };
            let mut progressed = false;
            while let Some(a) = d.poll_action() {
                progressed = true;
                match a {
                    Action::Write(w) => {
                        if c.out_pos == c.out.len() {
                            c.out.clear();
                            c.out_pos = 0;
                        }
                        c.out.extend_from_slice(&w);
                        d.recycle(w);
                    }
                    Action::Event(Event::Open) => {
                        c.open = true;
                        self.handshaking -= 1;
                        match c.role {
                            Role::Normal => self.open_normal += 1,
                            // From now on it never reads.
                            Role::Slow => c.reading = false,
                            Role::Slowloris => {}
                        }
                    }
                    Action::Event(Event::Message { kind, data }) => match c.waiting.take() {
                        Some((idx, at)) => {
                            match verify(c.id, idx, kind, &data) {
                                Ok(()) => {
                                    self.exchanged += 1;
                                    self.bytes += data.len() as u64;
                                    self.latencies.push(at.elapsed().as_micros().min(u32::MAX as u128) as u32);
                                }
                                Err(e) => {
                                    self.corrupted += 1;
                                    if self.errors.len() < 10 {
                                        self.errors.push(e);
                                    }
                                }
                            }
                            d.recycle(data);
                        }
                        None => {
                            self.corrupted += 1;
                            if self.errors.len() < 10 {
                                self.errors.push(format!("conn {}: unexpected message", c.id));
                            }
                        }
                    },
                    Action::Event(Event::Close { code, reason }) => {
                        c.closed = true;
                        let expected = c.closing && code == Some(1000);
                        if !expected {
                            if c.role == Role::Normal {
                                self.unexpected_closes += 1;
                                if c.waiting.is_some() {
                                    self.lost += 1;
                                }
                                if self.errors.len() < 10 {
                                    self.errors.push(format!("conn {}: close {code:?} {reason}", c.id));
                                }
                            }
                            if !c.open {
                                self.handshaking -= 1;
                            }
                        }
                    }
                    Action::Event(Event::Error(e)) => {
                        if self.errors.len() < 10 {
                            self.errors.push(format!("conn {}: {}", c.id, e.message));
                        }
                    }
                    Action::Event(_) => {}
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn flush(&mut self, c: &mut Conn) {
        while c.out_pos < c.out.len() {
            match c.sock.write(&c.out[c.out_pos..]) {
                Ok(0) => break,
                Ok(n) => {
                    c.out_pos += n;
                    c.sent_bytes += n as u64;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.transport_closed(c);
                    break;
                }
            }
        }
        if c.out_pos == c.out.len() && c.out.capacity() > 1 << 20 {
            c.out = Vec::new();
            c.out_pos = 0;
        }
    }

    fn transport_closed(&mut self, c: &mut Conn) {
        if let Some(d) = c.driver.as_mut() {
            d.transport_closed();
        } else if !c.closed {
            c.closed = true;
        }
        c.out_pos = c.out.len();
        self.drive(c);
    }

    fn update_interest(&mut self, c: &mut Conn) {
        let mut ev = if c.reading { libc::EPOLLIN as u32 } else { 0 };
        if c.out_pos < c.out.len() {
            ev |= libc::EPOLLOUT as u32;
        }
        if ev != c.registered {
            c.registered = ev;
            epoll_ctl(self.epfd, libc::EPOLL_CTL_MOD, c.sock.as_raw_fd(), ev, c.id);
        }
    }

    fn on_ready(&mut self, id: u32, events: u32) {
        let Some(mut c) = self.conns.remove(&id) else {
            return;
        };
        if events & (libc::EPOLLIN | libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0 && c.reading {
            loop {
                match c.sock.read(&mut self.buf) {
                    Ok(0) => {
                        if c.role == Role::Slowloris {
                            c.closed = true;
                        }
                        self.transport_closed(&mut c);
                        break;
                    }
                    Ok(n) => {
                        if let Some(d) = c.driver.as_mut() {
                            d.parse(&self.buf[..n]);
                        }
                        self.drive(&mut c);
                        if n < self.buf.len() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => {
                        self.transport_closed(&mut c);
                        break;
                    }
                }
            }
        }
        self.conns.insert(id, c);
        self.pump(id);
    }

    /// One round of epoll; returns after at most `timeout_ms`.
    fn poll(&mut self, timeout_ms: i32) {
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
        // SAFETY: events has room for 1024 entries.
        let n = unsafe { libc::epoll_wait(self.epfd, events.as_mut_ptr(), events.len() as i32, timeout_ms) };
        if n < 0 {
            return;
        }
        for ev in &events[..n as usize] {
            let (id, e) = (ev.u64 as u32, ev.events);
            self.on_ready(id, e);
        }
    }

    fn ids(&self, role: Role) -> Vec<u32> {
        let mut v: Vec<u32> = self.conns.values().filter(|c| c.role == role).map(|c| c.id).collect();
        v.sort();
        v
    }

    fn fail(&self, msg: &str) -> ! {
        eprintln!("load: FAILED: {msg}");
        for e in &self.errors {
            eprintln!("  {e}");
        }
        std::process::exit(1);
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// Runs the exchange phase: every normal connection gets `per_conn` more
/// messages. Returns (messages, bytes, seconds, latencies).
fn exchange(l: &mut Load, per_conn: u32, start_deadline: Instant, rss_samples: &mut Vec<u64>) -> (u64, u64, f64, Vec<u32>) {
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
    (l.exchanged - m0, l.bytes - b0, t.elapsed().as_secs_f64(), lat)
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
    println!("load: fd limit {limit}; server RSS idle {} KiB", rss_idle.unwrap_or(0));

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
            l.fail(&format!("deadline while connecting: {} of {total} open", l.open_normal));
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
        let sent: u64 = slow.iter().filter_map(|id| l.conns.get(id)).map(|c| c.sent_bytes).sum();
        let all_open = slow.iter().all(|id| l.conns.get(id).is_some_and(|c| c.open));
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
    let slow_sent: u64 = slow.iter().filter_map(|id| l.conns.get(id)).map(|c| c.sent_bytes).sum();
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
    let loris_alive = loris.iter().filter(|id| l.conns.get(id).is_some_and(|c| !c.closed)).count();

    // 5. Closing handshakes.
    let ids = l.ids(Role::Normal);
    for id in &ids {
        if let Some(c) = l.conns.get_mut(id) {
            c.closing = true;
            if let Some(d) = c.driver.as_mut() {
                d.close(Some(1000), "done").unwrap();
            }
        }
        l.pump(*id);
    }
    let t = Instant::now();
    while l.conns.values().any(|c| c.role == Role::Normal && !c.closed) {
        l.poll(50);
        if t.elapsed() > Duration::from_secs(30) || start.elapsed() > l.cfg.deadline + Duration::from_secs(30) {
            let left = l.conns.values().filter(|c| c.role == Role::Normal && !c.closed).count();
            l.fail(&format!("{left} connections did not finish the closing handshake"));
        }
    }

    let rss = |r: Option<u64>| r.map_or("?".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!("load: server RSS: idle {}, {total} open {}, after baseline {}, before slow {}, slow stuck {}, end {}",
        rss(rss_idle), rss(rss_open), rss(rss_after_base), rss(rss_before_slow), rss(rss_slow_stuck), rss(rss_end));
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
        l.fail(&format!("p99 with slow clients {s99:.1} ms vs {b99:.1} ms without"));
    }
    let (b99, s99) = (percentile(&plat1, 0.99), percentile(&plat2, 0.99));
    if s99 > b99 * 10.0 + 50.0 {
        l.fail(&format!("alone, p99 with slow clients {s99:.1} ms vs {b99:.1} ms without"));
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
