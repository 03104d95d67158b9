//! The library's version at run time.

use std::ffi::c_char;

/// The library version as "MAJOR.MINOR.PATCH" (the value of
/// `WS_VERSION_STRING` for the library actually loaded). Static; never
/// free it.
#[unsafe(no_mangle)]
pub extern "C" fn ws_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
