//! The C ABI: the only `extern "C"` code in the crate.
//!
//! Every exported function is a `#[unsafe(no_mangle)] pub extern "C" fn`
//! whose body runs inside the panic boundary ([`boundary`]). Handles are
//! boxed Rust structs behind empty C marker types ([`handle`]); the driver's
//! handle keeps the core in a `RefCell` that is borrowed only while the core
//! runs, never while a C callback does, so callbacks may call back into the
//! library (see [`callbacks`]).
//!
//! `include/wsdriver.h` is generated from this module by cbindgen; the doc
//! comments here are written for its C readers.
#![allow(non_camel_case_types)]
// The entry points take raw pointers from C and are not `unsafe fn`: their
// contracts are stated in the header, as in rustls-ffi and hyper.
#![allow(clippy::not_unsafe_ptr_arg_deref)]
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

#[macro_use]
mod boundary;
pub mod answer;
pub mod callbacks;
pub mod commands;
pub mod driver;
pub mod driver_new;
pub mod extended_connect;
pub mod extensions;
mod handle;
mod lent;
pub mod options;
// Before `poll`: the header lists `ws_action` and its kinds there.
pub mod action;
pub mod poll;
pub mod proxy;
pub mod queries;
pub mod result;
pub mod send_into;
pub mod version;
// Last: the header lists them after the calls they build on.
pub mod batch;
pub mod direct;
mod dispatch;
pub mod in_place;
pub mod lend;

pub use action::*;
pub use answer::*;
pub use batch::*;
pub use callbacks::*;
pub use commands::*;
pub use direct::*;
pub use driver::*;
pub use driver_new::*;
pub use extended_connect::*;
pub use extensions::*;
pub use in_place::*;
pub use lend::*;
pub use options::*;
pub use poll::*;
pub use proxy::*;
pub use queries::*;
pub use result::*;
pub use send_into::*;
pub use version::*;
