//! Throughput and memory, side by side, in one process run.
//!
//! ```text
//! cargo bench --bench throughput                                   # full run (a few minutes)
//! cargo bench --bench throughput -- --quick                        # one sample, small sizes
//! cargo bench --bench throughput -- --markdown docs/BENCHMARKS.md  # full run, writes the doc
//! cargo bench --bench throughput -- --filter decode-binary-125     # some workloads only
//! cargo bench --bench throughput -- --markdown docs/BENCHMARKS.md --callgrind  # + instruction counts
//! ```
//!
//! Contenders: this crate through the Rust API (`Driver::read` +
//! `poll_action` + `recycle`, `read_in_place`, `frame_message` into the
//! host's buffer) and through the C API with callbacks
//! (`ws_parse` + `ws_on_message`, called as `extern "C"` functions) and
//! without callbacks (`ws_feed` + `ws_poll_many`, the bindings' path),
//! tungstenite (`WebSocket::read` over an in-memory `Read + Write` stream),
//! fastwebsockets (`WebSocket::read_frame` over an in-memory `AsyncRead` on a
//! current-thread tokio runtime), wslay (`wslay_event_recv` with a memory
//! `recv_callback`, loaded with `dlopen` and skipped when absent), and three
//! limits: `memcpy` of each payload, a vectorised copy+XOR (the crate's
//! `frame::mask`), and a minimal "ideal" decoder (header parse + fused
//! copy-unmask + SIMD UTF-8 + one callback).
//!
//! Samples of all contenders are interleaved; each cell is the median.
//!
//! Instruction counts (stable on noisy machines): `--instr WORKLOAD CONTENDER`
//! runs one warm-up pass and then one pass inside `measured_region`; run it
//! under callgrind with collection limited to that function:
//!
//! ```text
//! cargo bench --bench throughput --no-run
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//!     --toggle-collect='*measured_region*' \
//!     target/release/deps/throughput-<hash> --instr decode-binary-125 wsdriver
//! callgrind_annotate /tmp/cg.out | head -30
//! ```
#![allow(unsafe_code)]

mod alloc;
mod callgrind;
mod contenders;
mod markdown;
mod memory;
mod report;
mod run;
mod transport;
mod workload;

use std::time::Instant;

use crate::callgrind::{callgrind_table, instr_mode};
use crate::contenders::wslay::load_wslay;
use crate::markdown::markdown;
use crate::memory::{
    footprint_capi, footprint_capi_in_place, footprint_fastws, footprint_tungstenite,
    footprint_wsdriver, footprint_wslay,
};
use crate::report::{Rated, print_cell, targets};
use crate::run::{Config, run_cell};
use crate::workload::{Kind, Op, QUICK_SIZES, SIZES};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = Config {
        quick: false,
        callgrind: false,
        samples: 11,
        filter: Vec::new(),
        markdown: None,
    };
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--quick" => {
                cfg.quick = true;
                cfg.samples = 1;
            }
            "--samples" => {
                i += 1;
                cfg.samples = args[i].parse().expect("--samples N");
            }
            "--filter" => {
                i += 1;
                cfg.filter.push(args[i].clone());
            }
            "--callgrind" => cfg.callgrind = true,
            "--markdown" => {
                i += 1;
                cfg.markdown = Some(args[i].clone());
            }
            "--instr" => {
                instr_mode(&args[i + 1], &args[i + 2]);
                return;
            }
            _ => {} // `cargo bench` passes `--bench`
        }
        i += 1;
    }
    let t0 = Instant::now();
    let sizes: &[usize] = if cfg.quick { &QUICK_SIZES } else { &SIZES };
    let ops = [
        Op::Decode(Kind::Ascii),
        Op::Decode(Kind::Utf8),
        Op::Decode(Kind::Binary),
        Op::Encode(false),
        Op::Encode(true),
    ];
    if load_wslay().is_none() {
        println!("wslay: libwslay.so not found, skipped (apt-get install libwslay1)");
    }
    let mut cells = Vec::new();
    for op in ops {
        for &size in sizes {
            let name = format!("{}-{size}", op.name());
            if !cfg.filter.is_empty() && !cfg.filter.iter().any(|f| name.contains(f.as_str())) {
                continue;
            }
            let cell = run_cell(op, size, &cfg);
            print_cell(&cell);
            cells.push(cell);
        }
    }
    let mut mem = footprint_wsdriver();
    mem.push(footprint_capi());
    mem.push(footprint_capi_in_place());
    mem.push(footprint_tungstenite());
    mem.push(footprint_fastws());
    mem.extend(footprint_wslay());
    println!("\nmemory per connection (live heap bytes): created / open / after 1 MiB");
    for m in &mem {
        println!(
            "  {:<20} {:>8} {:>8} {:>8}   {}",
            m.name, m.created, m.open, m.after_1mib, m.note
        );
    }
    println!("\ntargets (each API's fastest path):");
    for t in targets(&cells) {
        let rated = |r: &Option<Rated>| {
            r.as_ref().map_or("—".to_owned(), |r| {
                let met = if t.met(r) { "met" } else { "NOT MET" };
                format!("{:.2} {} {met}", r.value, r.path)
            })
        };
        println!(
            "  {:<18} {:<40} {:<7} Rust {:<32} C {}",
            t.cell,
            t.ratio,
            t.goal_text(),
            rated(&t.rust),
            rated(&t.c)
        );
    }
    let secs = t0.elapsed().as_secs_f64();
    println!("\ntotal {secs:.0} s");
    if let Some(path) = &cfg.markdown {
        let instr = if cfg.callgrind {
            callgrind_table()
        } else {
            Vec::new()
        };
        let mut text = markdown(&cfg, &cells, &mem, &instr, secs);
        // Sections written elsewhere stay: the echo shootout's
        // (scripts/echo-shootout.sh) and the notes on the goals.
        let old = std::fs::read_to_string(path).unwrap_or_default();
        for name in ["echo-shootout", "goals"] {
            let end = format!("<!-- /{name} -->");
            if let (Some(a), Some(b)) = (old.find(&format!("<!-- {name}")), old.find(&end)) {
                text.push('\n');
                text.push_str(&old[a..b + end.len()]);
                text.push('\n');
            }
        }
        std::fs::write(path, text).expect("write markdown");
        println!("wrote {path}");
    }
}
