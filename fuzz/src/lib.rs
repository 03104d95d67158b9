//! The fuzz harnesses live in `harness/`, which tests/robust_regressions.rs
//! also includes (`#[path]`), so every crash replays with exactly the code
//! that found it under plain `cargo test`.
pub mod harness;
