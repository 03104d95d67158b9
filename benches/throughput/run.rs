//! Running a cell: interleaved samples of every contender, medians.

use std::hint::black_box;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use crate::alloc::ALLOCS;
use crate::contenders::{CONTENDERS, Contender, Work, make};
use crate::workload::Op;

pub struct Config {
    pub quick: bool,
    pub callgrind: bool,
    pub samples: usize,
    pub filter: Vec<String>,
    pub markdown: Option<String>,
}

/// Payload bytes one sample processes: 256 MiB, less for tiny frames to bound time.
fn sample_bytes(size: usize, quick: bool) -> usize {
    if quick {
        return 4 << 20;
    }
    match size {
        0..=16 => 16 << 20,
        17..=125 => 64 << 20,
        _ => 256 << 20,
    }
}

pub struct Cell {
    pub op: Op,
    pub size: usize,
    /// Per contender: median seconds per sample, or None when not run.
    pub secs: Vec<Option<f64>>,
    /// Payload bytes and messages per sample.
    pub bytes: usize,
    pub messages: usize,
    /// Per contender: heap allocations per message in steady state.
    pub allocs: Vec<Option<f64>>,
    /// Per contender: page faults per message in steady state.
    pub faults: Vec<Option<f64>>,
}

impl Cell {
    pub fn mbps(&self, i: usize) -> Option<f64> {
        self.secs[i].map(|s| self.bytes as f64 / s / 1e6)
    }
    pub fn fps(&self, i: usize) -> Option<f64> {
        self.secs[i].map(|s| self.messages as f64 / s)
    }
    pub fn by_name(&self, name: &str) -> Option<f64> {
        self.mbps(CONTENDERS.iter().position(|c| *c == name)?)
    }
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    v[v.len() / 2]
}

fn work_for(op: Op, size: usize, quick: bool) -> (Work, usize) {
    let total = sample_bytes(size, quick);
    match op {
        Op::Decode(kind) => {
            let w = Work::decode(kind, size, total.min(4 << 20));
            let passes = total.div_ceil(w.input.payload_bytes);
            (w, passes)
        }
        Op::Encode(_) => {
            let count = (total / size).clamp(1, 1 << 20);
            (Work::encode(op, size, count), total.div_ceil(count * size))
        }
    }
}

pub fn run_cell(op: Op, size: usize, cfg: &Config) -> Cell {
    let (w, passes) = work_for(op, size, cfg.quick);
    let per_pass = if matches!(op, Op::Decode(_)) {
        w.input.frames.len()
    } else {
        w.count
    };
    let mut contenders: Vec<Option<Box<dyn Contender>>> =
        CONTENDERS.iter().map(|n| make(n, op)).collect();
    let mut allocs = vec![None; CONTENDERS.len()];
    let mut faults = vec![None; CONTENDERS.len()];
    // Warm-up pass; checks what each contender saw and counts allocations.
    for (i, c) in contenders.iter_mut().enumerate() {
        let Some(c) = c else { continue };
        c.run(&w);
        let a0 = ALLOCS.load(Relaxed);
        let f0 = minor_faults();
        let (m, b) = c.run(&w);
        allocs[i] = Some((ALLOCS.load(Relaxed) - a0) as f64 / per_pass as f64);
        faults[i] = Some((minor_faults() - f0) as f64 / per_pass as f64);
        assert_eq!(m, per_pass, "{}: messages", CONTENDERS[i]);
        if let Op::Decode(_) = op {
            assert_eq!(b, w.input.payload_bytes, "{}: bytes", CONTENDERS[i]);
        }
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); CONTENDERS.len()];
    for _ in 0..cfg.samples {
        for (i, c) in contenders.iter_mut().enumerate() {
            let Some(c) = c else { continue };
            let t = Instant::now();
            for _ in 0..passes {
                black_box(c.run(&w));
            }
            times[i].push(t.elapsed().as_secs_f64());
        }
    }
    Cell {
        op,
        size,
        secs: times
            .iter_mut()
            .map(|t| (!t.is_empty()).then(|| median(t)))
            .collect(),
        bytes: passes * w.input.payload_bytes,
        messages: passes * per_pass,
        allocs,
        faults,
    }
}

/// Page faults of this process so far (fresh memory being touched).
fn minor_faults() -> i64 {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to a rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u.ru_minflt
}
