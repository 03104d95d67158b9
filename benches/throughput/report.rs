//! Console output, the goal targets and the machine description.

use crate::contenders::CONTENDERS;
use crate::contenders::wslay::load_wslay;
use crate::run::Cell;
use crate::workload::Op;

pub fn fmt_rate(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2}G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

pub fn fmt_size(s: usize) -> String {
    if s >= 1 << 20 {
        format!("{} MiB", s >> 20)
    } else if s >= 1 << 10 {
        format!("{} KiB", s >> 10)
    } else {
        format!("{s} B")
    }
}

pub fn print_cell(c: &Cell) {
    let memcpy = c.by_name("memcpy");
    for (i, name) in CONTENDERS.iter().enumerate() {
        let (Some(mb), Some(fps)) = (c.mbps(i), c.fps(i)) else {
            continue;
        };
        let ratio = memcpy.map_or(String::new(), |m| format!("{:.2}x memcpy", mb / m));
        println!(
            "{:<15} {:>7} {:<15} {:>9.0} MB/s {:>8} frames/s {:>12} {:>6.2} allocs/msg {:>7.1} faults/msg",
            c.op.name(),
            fmt_size(c.size),
            name,
            mb,
            fmt_rate(fps),
            ratio,
            c.allocs[i].unwrap_or(0.0),
            c.faults[i].unwrap_or(0.0)
        );
    }
}

/// The Rust API's paths (queued, in place, framed into the host's buffer).
pub const RUST_PATHS: [&str; 3] = ["wsdriver", "wsdriver-in-place", "wsdriver-into"];
/// The C API's paths.
pub const C_PATHS: [&str; 5] = [
    "wsdriver-c",
    "wsdriver-c-in-place",
    "wsdriver-c-pull",
    "wsdriver-c-pull-in-place",
    "wsdriver-c-into",
];
/// Each API's default path, shown for information: the Rust API's
/// `read`/`binary` + `poll_action`, the C API's callbacks and its pull path
/// (the bindings').
pub const DEFAULT_PATHS: [&str; 3] = ["wsdriver", "wsdriver-c", "wsdriver-c-pull"];

/// The issue a target comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Issue 15's goals: small messages and the send path, through each
    /// API's fastest path.
    Issue15,
    /// Issue 7's targets (the first benchmark) that issue 15 does not
    /// restate: decoding from 1 KiB up, and the C API against the Rust API.
    /// Information: issue 7 was closed with some of them not met.
    Issue7,
}

/// One API's figure for a target: the path that gave it and the ratio.
pub struct Rated {
    pub path: String,
    pub value: f64,
}

/// A ratio of one cell with its goal, rated through each API's fastest
/// path in this run (`None`: the target does not apply to that API).
pub struct Target {
    pub source: Source,
    pub cell: String,
    pub ratio: String,
    pub goal: f64,
    /// The value must be at most `goal` (a cost ratio) rather than at least.
    pub at_most: bool,
    pub rust: Option<Rated>,
    pub c: Option<Rated>,
}

impl Target {
    pub fn met(&self, r: &Rated) -> bool {
        if self.at_most {
            r.value <= self.goal
        } else {
            r.value >= self.goal
        }
    }

    pub fn goal_text(&self) -> String {
        format!("{} {}", if self.at_most { "≤" } else { "≥" }, self.goal)
    }
}

fn best_of(c: &Cell, names: &[&'static str]) -> Option<(f64, &'static str)> {
    names
        .iter()
        .filter_map(|n| c.by_name(n).map(|v| (v, *n)))
        .max_by(|a, b| a.0.partial_cmp(&b.0).expect("no NaN"))
}

pub fn best_peer(c: &Cell) -> Option<(f64, &'static str)> {
    best_of(c, &["tungstenite", "fastwebsockets", "wslay"])
}

/// The cell's limit: the ideal decoder, memcpy (server encode) or
/// copy+xor (client encode).
pub fn limit(c: &Cell) -> Option<(f64, &'static str)> {
    let name = match c.op {
        Op::Decode(_) => "ideal",
        Op::Encode(false) => "memcpy",
        Op::Encode(true) => "copy+xor",
    };
    c.by_name(name).map(|v| (v, name))
}

pub fn cell_label(c: &Cell) -> String {
    format!("{} {}", c.op.name(), fmt_size(c.size))
}

/// The targets of issues 15 and 7, each rated through the Rust API's and
/// the C API's fastest path in the cell (MB/s medians of one run).
pub fn targets(cells: &[Cell]) -> Vec<Target> {
    let mut out = Vec::new();
    for c in cells {
        let rust = best_of(c, &RUST_PATHS);
        let capi = best_of(c, &C_PATHS);
        let mut against = |source, (base, name): (f64, &str), goal, what: &str| {
            let rate = |p: Option<(f64, &'static str)>| {
                p.map(|(v, path)| Rated {
                    path: path.into(),
                    value: v / base,
                })
            };
            out.push(Target {
                source,
                cell: cell_label(c),
                ratio: format!("/ {what} ({name})"),
                goal,
                at_most: false,
                rust: rate(rust),
                c: rate(capi),
            });
        };
        let small = c.size <= 125;
        match c.op {
            Op::Decode(_) => {
                let source = if small {
                    Source::Issue15
                } else {
                    Source::Issue7
                };
                if let Some(peer) = best_peer(c) {
                    against(source, peer, 1.5, "best peer");
                }
                if let Some(ideal) = limit(c) {
                    against(source, ideal, if small { 0.4 } else { 0.6 }, "limit");
                }
                // The goal's two paths: the batched pull path the bindings
                // take (`ws_feed` + `ws_poll_many`) and callbacks (`ws_parse`).
                if let (16, Some(cb), Some(pl)) = (
                    c.size,
                    c.by_name("wsdriver-c"),
                    c.by_name("wsdriver-c-pull"),
                ) {
                    out.push(Target {
                        source: Source::Issue15,
                        cell: cell_label(c),
                        ratio: "pull / callbacks, time per message".into(),
                        goal: 1.15,
                        at_most: true,
                        rust: None,
                        c: Some(Rated {
                            path: "wsdriver-c-pull / wsdriver-c".into(),
                            value: cb / pl,
                        }),
                    });
                }
                if let (125, Some((r, _)), Some((cv, cpath))) = (c.size, rust, capi) {
                    out.push(Target {
                        source: Source::Issue7,
                        cell: cell_label(c),
                        ratio: "C API / Rust API (fastest of each)".into(),
                        goal: 0.8,
                        at_most: false,
                        rust: None,
                        c: Some(Rated {
                            path: cpath.into(),
                            value: cv / r,
                        }),
                    });
                }
            }
            Op::Encode(_) => {
                if c.size <= 1024 {
                    if let Some(peer) = best_peer(c) {
                        against(Source::Issue15, peer, 1.5, "best peer");
                    }
                } else if c.size >= 16 << 10 {
                    if let Some(l) = limit(c) {
                        against(Source::Issue15, l, 0.9, "limit");
                    }
                }
            }
        }
    }
    out
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn lock_version(name: &str) -> String {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .unwrap_or_default();
    let needle = format!("name = \"{name}\"\nversion = \"");
    lock.find(&needle)
        .map(|i| {
            let rest = &lock[i + needle.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .unwrap_or_else(|| "?".into())
}

pub fn machine() -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("?".to_owned(), |s| s.trim().to_owned());
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or_default();
    let simd: Vec<&str> = ["sse4_2", "avx2", "avx512bw"]
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|x| x == *f))
        .collect();
    let wslay = command_output("dpkg-query", &["-W", "-f", "${Version}", "libwslay1"]);
    vec![
        ("CPU".into(), format!("{cpu} ({})", simd.join(", "))),
        (
            "cores".into(),
            std::thread::available_parallelism().map_or("?".into(), |n| n.to_string()),
        ),
        ("rustc".into(), command_output("rustc", &["-V"])),
        ("wsdriver".into(), env!("CARGO_PKG_VERSION").into()),
        ("tungstenite".into(), lock_version("tungstenite")),
        ("fastwebsockets".into(), lock_version("fastwebsockets")),
        ("tokio".into(), lock_version("tokio")),
        (
            "wslay".into(),
            if load_wslay().is_some() {
                format!("libwslay1 {wslay} (dlopen)")
            } else {
                "not installed (skipped)".into()
            },
        ),
    ]
}
