//! Extensions through the C API: permessage-deflate with its settings
//! (`ws_deflate`), and a generic extension (`ws_extension`) whose
//! negotiation and message transforms are C callbacks, so a host language
//! can plug in its own extension objects.
//!
//! Extension callbacks run while the driver is inside the core (during
//! `ws_start`, `ws_parse`, or a send): they get no driver pointer, and a
//! `ws_*` call on the same driver from inside one returns
//! `WS_RESULT_INVALID_STATE` (`ws_driver_free` is deferred). The object
//! behind a `ws_extension *` is reached only through shared references, so
//! its callbacks, its destructor included, may call `ws_extension_*` on it.

// One file per C object, in the header's order: the settings first,
mod deflate;
// then the buffer extension callbacks fill, and the extension.
mod buffer;
mod extension;

pub use buffer::*;
pub use deflate::*;
pub use extension::*;
