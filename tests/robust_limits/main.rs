//! Robustness: every resource limit the driver enforces, each at and just
//! past its boundary, and the memory it holds while doing so. One test (or
//! group) per row of the limits table in docs/SECURITY.md.

#[path = "../common/mod.rs"]
mod common;

mod heads;
mod messages;
mod queues;

use wsdriver::Options;

fn opts(f: impl FnOnce(&mut Options)) -> Options {
    let mut o = Options::default();
    f(&mut o);
    o
}
