//! Instruction counts: `--instr` mode and the callgrind table of `--callgrind`.

use crate::contenders::{Contender, Work, make};
use crate::workload::{Kind, Op};

/// Workloads and contenders of the instruction-count table: the cells of
/// the performance goals.
const INSTR_WORKLOADS: [&str; 12] = [
    "decode-binary-16",
    "decode-utf8-16",
    "decode-ascii-125",
    "decode-ascii-1024",
    "decode-binary-65536",
    "encode-server-16",
    "encode-server-125",
    "encode-server-1024",
    "encode-server-65536",
    "encode-client-16",
    "encode-client-1024",
    "encode-client-65536",
];
pub const INSTR_CONTENDERS: [&str; 14] = [
    "wsdriver",
    "wsdriver-in-place",
    "wsdriver-into",
    "wsdriver-c",
    "wsdriver-c-in-place",
    "wsdriver-c-pull",
    "wsdriver-c-pull-in-place",
    "wsdriver-c-into",
    "tungstenite",
    "fastwebsockets",
    "wslay",
    "ideal",
    "memcpy",
    "copy+xor",
];

/// glibc copies with `rep movsb` above a size threshold, which callgrind
/// counts as one instruction per byte; vector loops are what the hardware
/// runs at the same cost, so the counts use them.
const NO_REP_MOVSB: &str =
    "glibc.cpu.x86_rep_movsb_threshold=4294967295:glibc.cpu.x86_rep_stosb_threshold=4294967295";

fn parse_workload(workload: &str) -> (Op, usize) {
    let (opname, size) = workload
        .rsplit_once('-')
        .expect("WORKLOAD like decode-binary-125");
    let size: usize = size.parse().expect("size in bytes");
    let op = match opname {
        "decode-ascii" => Op::Decode(Kind::Ascii),
        "decode-utf8" => Op::Decode(Kind::Utf8),
        "decode-binary" => Op::Decode(Kind::Binary),
        "encode-server" => Op::Encode(false),
        "encode-client" => Op::Encode(true),
        _ => panic!("unknown operation {opname}"),
    };
    (op, size)
}

/// Instructions per message of `--instr` runs under callgrind, by workload
/// and contender; empty when valgrind is missing.
pub fn callgrind_table() -> Vec<(String, Vec<Option<f64>>)> {
    let exe = std::env::current_exe().expect("own path");
    let mut rows = Vec::new();
    for w in INSTR_WORKLOADS {
        let mut row = Vec::new();
        let (op, _) = parse_workload(w);
        for c in INSTR_CONTENDERS {
            if make(c, op).is_none() {
                row.push(None);
                continue;
            }
            let out = std::process::Command::new("valgrind")
                .env("GLIBC_TUNABLES", NO_REP_MOVSB)
                .args([
                    "--tool=callgrind",
                    "--callgrind-out-file=/dev/null",
                    "--toggle-collect=*measured_region*",
                ])
                .arg(&exe)
                .args(["--instr", w, c])
                .output();
            let Ok(out) = out else {
                return Vec::new();
            };
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let collected = text
                .lines()
                .find_map(|l| l.split("Collected : ").nth(1))
                .and_then(|v| v.trim().parse::<f64>().ok());
            let messages = text
                .lines()
                .find_map(|l| l.split("one pass = ").nth(1))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
            let v = collected.zip(messages).map(|(i, m)| i / m);
            println!("callgrind {w} {c}: {v:?} instructions/message");
            row.push(v);
        }
        rows.push((w.to_owned(), row));
    }
    rows
}

pub const INSTR_DOC: &str = "
## Instruction counts

Wall-clock numbers on a shared machine are noisy; instruction counts are not. `--instr WORKLOAD \
CONTENDER` runs one warm-up pass and then one measured pass inside `measured_region`, so \
callgrind can count only that pass:

```sh
cargo bench --bench throughput --no-run 2>&1 | grep -o 'target/.*throughput-[0-9a-f]*'
valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out --toggle-collect='*measured_region*' \\
    target/release/deps/throughput-HASH --instr decode-binary-125 wsdriver
callgrind_annotate /tmp/cg.out | head -30
```

`WORKLOAD` is an operation and a size as in the tables (`decode-ascii-16`, `decode-utf8-1024`, \
`encode-client-125`, ...); `CONTENDER` one of the column names. The program prints how many \
messages and bytes the pass covered, so instructions per message follow.";

#[inline(never)]
pub fn measured_region(c: &mut dyn Contender, w: &Work) -> (usize, usize) {
    c.run(w)
}

pub fn instr_mode(workload: &str, contender: &str) {
    let (op, size) = parse_workload(workload);
    // Up to 16k messages per pass: enough for stable per-message counts,
    // short under callgrind.
    let total = (size * 16384).min(4 << 20);
    let w = match op {
        Op::Decode(kind) => Work::decode(kind, size, total),
        Op::Encode(_) => Work::encode(op, size, (total / size).max(16)),
    };
    let mut c = make(contender, op).expect("contender available for this workload");
    c.run(&w);
    let (m, b) = measured_region(c.as_mut(), &w);
    println!("{workload} {contender}: one pass = {m} messages, {b} bytes");
}
