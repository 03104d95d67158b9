//! The C API called from Rust, the way a C host calls it: raw pointers,
//! callbacks with user pointers, reentrant calls from inside callbacks.
//! No I/O and no threads, so these run under Miri.

#[path = "../common/mod.rs"]
mod common;
mod harness;

mod callbacks;
mod client_server;
mod commands;
mod guards;
mod poll;
mod proxy;
mod queries;
