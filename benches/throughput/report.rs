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

pub struct Target {
    pub what: String,
    pub value: f64,
    pub goal: f64,
}

fn best_peer(c: &Cell) -> Option<(f64, &'static str)> {
    ["tungstenite", "fastwebsockets", "wslay"]
        .iter()
        .filter_map(|n| c.by_name(n).map(|v| (v, *n)))
        .max_by(|a, b| a.0.partial_cmp(&b.0).expect("no NaN"))
}

pub fn targets(cells: &[Cell]) -> Vec<Target> {
    let mut out = Vec::new();
    for c in cells {
        let Some(ours) = c.by_name("wsdriver") else {
            continue;
        };
        let label = format!("{} {}", c.op.name(), fmt_size(c.size));
        match c.op {
            Op::Decode(_) => {
                if let Some((peer, name)) = best_peer(c) {
                    out.push(Target {
                        what: format!("{label}: wsdriver / best peer ({name})"),
                        value: ours / peer,
                        goal: 1.5,
                    });
                }
                if let Some(ideal) = c.by_name("ideal") {
                    let goal = if c.size >= 1024 { 0.6 } else { 0.4 };
                    out.push(Target {
                        what: format!("{label}: wsdriver / ideal"),
                        value: ours / ideal,
                        goal,
                    });
                }
                // Issue 15: the C API's fastest path at 16 B and 125 B.
                let fastest_c = [
                    "wsdriver-c",
                    "wsdriver-c-in-place",
                    "wsdriver-c-pull",
                    "wsdriver-c-pull-in-place",
                ]
                .iter()
                .filter_map(|n| c.by_name(n).map(|v| (v, *n)))
                .max_by(|a, b| a.0.partial_cmp(&b.0).expect("no NaN"));
                if let (true, Some((fast, fname)), Some((peer, pname))) =
                    (c.size <= 125, fastest_c, best_peer(c))
                {
                    out.push(Target {
                        what: format!("{label}: {fname} / best peer ({pname})"),
                        value: fast / peer,
                        goal: 1.5,
                    });
                    if let Some(ideal) = c.by_name("ideal") {
                        out.push(Target {
                            what: format!("{label}: {fname} / ideal"),
                            value: fast / ideal,
                            goal: 0.4,
                        });
                    }
                }
                if c.size == 125 {
                    if let Some(capi) = c.by_name("wsdriver-c") {
                        out.push(Target {
                            what: format!("{label}: C API / Rust API"),
                            value: capi / ours,
                            goal: 0.8,
                        });
                    }
                }
            }
            Op::Encode(client) => {
                if c.size <= 125 {
                    if let Some((peer, name)) = best_peer(c) {
                        out.push(Target {
                            what: format!("{label}: wsdriver / best peer ({name})"),
                            value: ours / peer,
                            goal: 1.5,
                        });
                    }
                }
                if !client && c.size >= 16 << 10 {
                    if let Some(m) = c.by_name("memcpy") {
                        out.push(Target {
                            what: format!("{label}: wsdriver / memcpy"),
                            value: ours / m,
                            goal: 0.9,
                        });
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
