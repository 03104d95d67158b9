//! The command line, the fd limit, and the server's RSS.

use std::time::Duration;

/// Messages the latency probe sends, one at a time.
pub(crate) const PROBE: u32 = 500;

pub(crate) struct Config {
    pub(crate) port: u16,
    pub(crate) server_pid: Option<u32>,
    pub(crate) conns: usize,
    pub(crate) messages: usize,
    pub(crate) slow: usize,
    pub(crate) slowloris: usize,
    pub(crate) deadline: Duration,
    /// Shootout: the fixed message size, how long to run, and whether to
    /// offer permessage-deflate.
    pub(crate) size: Option<usize>,
    pub(crate) seconds: u64,
    pub(crate) deflate: bool,
}

pub(crate) fn config() -> Config {
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
pub(crate) fn raise_fd_limit(want: u64) -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit write/read the struct we pass.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        let target = want.max(r.rlim_cur);
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
    r.rlim_cur
}

pub(crate) fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
