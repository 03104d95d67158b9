//! `ws_options`: the builder drivers are configured with.

use crate::headers::is_token;
use std::cell::RefCell;
use std::ffi::c_char;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::http::HEADER_COUNT_CEILING;
use crate::options::Options;

use super::boundary::guard;
use super::handle::{Castable, c_str, free_box, into_c, try_ref};
use super::result::ws_result;

/// Driver options. Create with `ws_options_new`, change with the
/// `ws_options_set_*`/`ws_options_add_*` functions, pass to a
/// `ws_driver_new_*` constructor (which copies it, so one options object
/// can configure many drivers, from several threads at once while no
/// thread changes it), and free with `ws_options_free`.
pub struct ws_options {
    _private: [u8; 0],
}

pub(crate) struct OptionsHandle {
    opts: RefCell<Options>,
}

impl Castable for OptionsHandle {
    type C = ws_options;
}

impl OptionsHandle {
    /// A copy, read without touching the `RefCell`'s borrow count: the
    /// constructors take `const ws_options *`, and C hosts create drivers
    /// from one options object on several threads at once. A counted
    /// borrow would be a data race there.
    pub fn get(&self) -> Options {
        // SAFETY: the reference lives only for the clone below. The only
        // writers are the `ws_options_set_*` calls, whose mutable borrow
        // ends before they return and which run no callback, so no writer
        // can run during this read on this thread; on other threads, a
        // writer at the same time is the host breaking "not thread-safe"
        // (reading from many threads is allowed), and then this is the
        // refusal: an error panic caught at the boundary.
        let opts = unsafe { self.opts.try_borrow_unguarded() };
        opts.expect("the options are being changed").clone()
    }
}

/// Runs a setter; `WS_RESULT_NULL_PARAMETER` for NULL `opts`.
fn set(opts: *mut ws_options, f: impl FnOnce(&mut Options) -> ws_result) -> ws_result {
    guard(|| match try_ref::<OptionsHandle>(opts) {
        Some(o) => f(&mut o.opts.borrow_mut()),
        None => ws_result::NullParameter,
    })
}

/// `-1` default, `0` off, `1` on.
fn tristate(value: i32) -> Result<Option<bool>, ws_result> {
    match value {
        -1 => Ok(None),
        0 => Ok(Some(false)),
        1 => Ok(Some(true)),
        _ => Err(ws_result::InvalidArgument),
    }
}

/// A new options object with the defaults (those of the websocket-driver
/// gem). Caller owns it; free with `ws_options_free`. NULL only if the
/// allocation failed.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_new() -> *mut ws_options {
    guard(|| {
        let o = OptionsHandle {
            opts: RefCell::new(Options::default()),
        };
        Some(into_c(Box::new(o)))
    })
    .unwrap_or(std::ptr::null_mut())
}

/// Frees an options object. NULL is a no-op. Drivers made with it are not
/// affected.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_free(opts: *mut ws_options) {
    guard(|| {
        if !opts.is_null() {
            // SAFETY: a non-NULL `opts` came from `ws_options_new` and is
            // not freed yet (the caller's contract); nothing else uses it.
            unsafe { free_box::<OptionsHandle>(opts) };
        }
    })
}

/// The largest frame or message accepted, in bytes (after extensions);
/// default 2^26 - 1. Larger ones fail the connection with close code 1009.
/// 0 is allowed (as in the gem): only empty frames and messages pass.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_max_length(opts: *mut ws_options, max_length: u64) -> ws_result {
    set(opts, |o| {
        o.max_length = max_length;
        ws_result::Ok
    })
}

/// Adds a subprotocol this end accepts (server) or offers (client). A
/// client offers them in the order added; a server picks the first of the
/// *client's* offers that it accepts (the websocket-driver gem's rule), so
/// its own order does not matter. `protocol` is copied; it must be a non-empty HTTP
/// token (no spaces, commas or control characters), else
/// `WS_RESULT_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_add_protocol(
    opts: *mut ws_options,
    protocol: *const c_char,
) -> ws_result {
    set(opts, |o| {
        let protocol = try_arg!(c_str(protocol));
        let Ok(protocol) = protocol.to_str() else {
            return ws_result::InvalidArgument;
        };
        if !is_token(protocol) {
            return ws_result::InvalidArgument;
        }
        o.protocols.push(protocol.to_owned());
        ws_result::Ok
    })
}

/// Whether outgoing frames are masked: `-1` default (clients mask, servers
/// do not), `0` off, `1` on; other values are `WS_RESULT_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_masking(opts: *mut ws_options, masking: i32) -> ws_result {
    set(opts, |o| match tristate(masking) {
        Ok(v) => {
            o.masking = v;
            ws_result::Ok
        }
        Err(e) => e,
    })
}

/// Whether unmasked incoming frames are refused: `-1` default (servers
/// require masking; clients refuse masked frames with 1002, RFC 6455
/// §5.1), `0` no (masked and unmasked frames are both accepted), `1` yes;
/// other values are `WS_RESULT_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_require_masking(opts: *mut ws_options, require: i32) -> ws_result {
    set(opts, |o| match tristate(require) {
        Ok(v) => {
            o.require_masking = v;
            ws_result::Ok
        }
        Err(e) => e,
    })
}

/// The largest HTTP request or response head accepted, in bytes (default
/// 32768). Must be at least 1.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_max_head_size(opts: *mut ws_options, size: usize) -> ws_result {
    set(opts, |o| {
        if size == 0 {
            return ws_result::InvalidArgument;
        }
        o.max_head_size = size;
        ws_result::Ok
    })
}

/// The most header lines accepted in an HTTP head: 1 to 256 (default 64).
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_max_headers(opts: *mut ws_options, count: usize) -> ws_result {
    set(opts, |o| {
        if !(1..=HEADER_COUNT_CEILING).contains(&count) {
            return ws_result::InvalidArgument;
        }
        o.max_headers = count;
        ws_result::Ok
    })
}

/// The most messages (and pings) queued by sends before the connection
/// opens (default 1024); more give `WS_RESULT_LIMIT_EXCEEDED`. 0 allows
/// none.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_max_queued(opts: *mut ws_options, count: usize) -> ws_result {
    set(opts, |o| {
        o.max_queued = count;
        ws_result::Ok
    })
}

/// The most pings with a callback or token waiting for their pong (default
/// 1024); more give `WS_RESULT_LIMIT_EXCEEDED`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_max_pending_pings(
    opts: *mut ws_options,
    count: usize,
) -> ws_result {
    set(opts, |o| {
        o.max_pending_pings = count;
        ws_result::Ok
    })
}

/// The largest buffer capacity a driver keeps between messages (default
/// 8192); bigger buffers are released after use so idle connections stay
/// small.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_retained_buffer(opts: *mut ws_options, bytes: usize) -> ws_result {
    set(opts, |o| {
        o.retained_buffer = bytes;
        ws_result::Ok
    })
}

/// Server: whether the hybi drafts' `Sec-WebSocket-Version` 7 and 8 are
/// answered besides RFC 6455's 13: `1` yes (the default), `0` no (as the
/// websocket-driver gem: such a request gets `400 Unsupported WebSocket
/// version: 13` at `ws_start`); other values are
/// `WS_RESULT_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_hybi_drafts(opts: *mut ws_options, answer: i32) -> ws_result {
    set(opts, |o| match answer {
        0 | 1 => {
            o.hybi_drafts = answer == 1;
            ws_result::Ok
        }
        _ => ws_result::InvalidArgument,
    })
}

/// Client: the `Sec-WebSocket-Key` to send instead of a random one, for
/// hosts that generate keys themselves. Must be the base64 encoding of 16
/// bytes, else `WS_RESULT_INVALID_ARGUMENT`. NULL `key` goes back to random
/// keys. Copied.
#[unsafe(no_mangle)]
pub extern "C" fn ws_options_set_client_key(
    opts: *mut ws_options,
    key: *const c_char,
) -> ws_result {
    set(opts, |o| {
        let Some(key) = c_str(key) else {
            o.client_key = None;
            return ws_result::Ok;
        };
        let valid = key
            .to_str()
            .ok()
            .filter(|k| STANDARD.decode(k).is_ok_and(|raw| raw.len() == 16));
        match valid {
            Some(k) => {
                o.client_key = Some(k.to_owned());
                ws_result::Ok
            }
            None => ws_result::InvalidArgument,
        }
    })
}
