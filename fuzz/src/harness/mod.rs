//! Fuzz harnesses, one per entry point of the driver, with the invariants
//! each asserts. Shared by the cargo-fuzz targets (fuzz/fuzz_targets) and
//! by tests/robust_regressions.rs, which includes this module with `#[path]`
//! so that a crash input replays under plain `cargo test`.
//!
//! Every harness reads its first bytes as a small configuration (handshake
//! prefix, options, chunking, reactions) and the rest as wire input.
//! Invariants checked everywhere (see [`Checker`]):
//! * no panic (libFuzzer reports one as a crash);
//! * the ready state never goes backwards (Closed stays Closed);
//! * at most one `Open`, at most one `Close`, nothing after `Close`;
//!   `Message`/`Ping`/`Pong` only after `Open`; an `Error` is followed by
//!   `Close`;
//! * messages are at most `max_length` bytes; hybi text is UTF-8;
//! * close codes are in 1000..=4999;
//! * once actions are drained, `buffered_amount()` is at most `max_length`
//!   (plus a partial head while connecting);
//! * the same input fed whole, in random chunks, through `read` and
//!   decoded in place (`read_in_place` over a host buffer) gives the same
//!   actions (server, client, inflate).
#![allow(clippy::missing_safety_doc, dead_code)]

mod checker;
mod client;
mod ffi;
mod ffi_calls;
mod ffi_extension;
mod fixtures;
mod in_place;
mod inflate;
mod proxy;
mod server;

// The targets, and what the regression tests build inputs with.
pub use client::client;
pub use ffi::ffi;
pub use fixtures::hybi_request;
pub use inflate::inflate;
pub use proxy::proxy;
pub use server::server;
