//! `ws_deflate`: permessage-deflate settings, and `ws_add_deflate`.

use std::cell::RefCell;
use std::ffi::c_int;

use crate::extensions::deflate::{DeflateConfig, PerMessageDeflate};

use crate::ffi::boundary::{Access, enter, guard};
use crate::ffi::driver::{Handle, ws_driver};
use crate::ffi::handle::{Castable, free_box, into_c, try_ref};
use crate::ffi::result::ws_result;

/// permessage-deflate settings (RFC 7692). Create with `ws_deflate_new`,
/// adjust with `ws_deflate_set_*`, enable on a driver with `ws_add_deflate`
/// (which copies the settings; several threads may do so at once while no
/// thread changes them), free with `ws_deflate_free`.
pub struct ws_deflate {
    _private: [u8; 0],
}

pub(crate) struct DeflateHandle {
    config: RefCell<DeflateConfig>,
}

impl Castable for DeflateHandle {
    type C = ws_deflate;
}

impl DeflateHandle {
    /// A copy, read without touching the borrow count, so several threads
    /// may enable one settings object on their drivers at once (as for
    /// `OptionsHandle::get`).
    fn get(&self) -> DeflateConfig {
        // SAFETY: as in `OptionsHandle::get`: the reference lives only for
        // the clone; the `ws_deflate_set_*` writers borrow only inside
        // their own call and run no callback.
        let config = unsafe { self.config.try_borrow_unguarded() };
        config.expect("the settings are being changed").clone()
    }
}

fn set_deflate(d: *mut ws_deflate, f: impl FnOnce(&mut DeflateConfig) -> bool) -> ws_result {
    guard(|| match try_ref::<DeflateHandle>(d) {
        Some(h) => {
            let mut config = h.config.borrow().clone();
            if f(&mut config) && config.validate().is_ok() {
                *h.config.borrow_mut() = config;
                ws_result::Ok
            } else {
                ws_result::InvalidArgument
            }
        }
        None => ws_result::NullParameter,
    })
}

fn flag(value: c_int) -> Option<bool> {
    match value {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// New settings with the defaults: level 6, no minimum size, context
/// takeover both ways, no window limits, and (clients) an offer of
/// `client_max_window_bits`. Caller owns it; free with `ws_deflate_free`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_deflate_new() -> *mut ws_deflate {
    guard(|| {
        Some(into_c(Box::new(DeflateHandle {
            config: RefCell::new(DeflateConfig::default()),
        })))
    })
    .unwrap_or(std::ptr::null_mut())
}

/// Frees settings made by `ws_deflate_new`. NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn ws_deflate_free(d: *mut ws_deflate) {
    guard(|| {
        if !d.is_null() {
            // SAFETY: a non-NULL `d` came from `ws_deflate_new` and is not
            // freed yet (the caller's contract).
            unsafe { free_box::<DeflateHandle>(d) };
        }
    })
}

/// zlib compression level, 0 (store) to 9 (smallest). Default 6.
#[unsafe(no_mangle)]
pub extern "C" fn ws_deflate_set_level(d: *mut ws_deflate, level: u32) -> ws_result {
    set_deflate(d, |c| {
        c.level = level;
        true
    })
}

/// Messages shorter than `min_size` bytes are sent uncompressed. Default 0.
#[unsafe(no_mangle)]
pub extern "C" fn ws_deflate_set_min_size(d: *mut ws_deflate, min_size: usize) -> ws_result {
    set_deflate(d, |c| {
        c.min_size = min_size;
        true
    })
}

/// 1: the server compresses every message on its own (server: always;
/// client: asks the server to). 0 (default): context is kept.
#[unsafe(no_mangle)]
pub extern "C" fn ws_deflate_set_server_no_context_takeover(
    d: *mut ws_deflate,
    on: c_int,
) -> ws_result {
    set_deflate(d, |c| {
        flag(on).map(|v| c.server_no_context_takeover = v).is_some()
    })
}

/// 1: the client compresses every message on its own (server: asks the
/// client to; client: offers and does it). 0 (default): context is kept.
#[unsafe(no_mangle)]
pub extern "C" fn ws_deflate_set_client_no_context_takeover(
    d: *mut ws_deflate,
    on: c_int,
) -> ws_result {
    set_deflate(d, |c| {
        flag(on).map(|v| c.client_no_context_takeover = v).is_some()
    })
}

/// Window of the server's compressor, 8–15; 0 for none (the default).
/// Server: the largest window it compresses with (announced only when the
/// client asks). Client: asks the server for at most this window.
#[unsafe(no_mangle)]
pub extern "C" fn ws_deflate_set_server_max_window_bits(
    d: *mut ws_deflate,
    bits: u32,
) -> ws_result {
    set_deflate(d, |c| {
        c.server_max_window_bits = window(bits);
        bits == 0 || c.server_max_window_bits.is_some()
    })
}

/// Window of the client's compressor, 8–15; 0 for none (the default).
/// Server: limits the client's window when the client allows it. Client:
/// offers `client_max_window_bits` with this value.
#[unsafe(no_mangle)]
pub extern "C" fn ws_deflate_set_client_max_window_bits(
    d: *mut ws_deflate,
    bits: u32,
) -> ws_result {
    set_deflate(d, |c| {
        c.client_max_window_bits = window(bits);
        bits == 0 || c.client_max_window_bits.is_some()
    })
}

/// Client: 1 (default) offers `client_max_window_bits` so the server may
/// limit our window; 0 leaves it out.
#[unsafe(no_mangle)]
pub extern "C" fn ws_deflate_set_offer_client_max_window_bits(
    d: *mut ws_deflate,
    on: c_int,
) -> ws_result {
    set_deflate(d, |c| {
        flag(on)
            .map(|v| c.offer_client_max_window_bits = v)
            .is_some()
    })
}

fn window(bits: u32) -> Option<u8> {
    u8::try_from(bits).ok().filter(|b| (8..=15).contains(b))
}

/// Enables permessage-deflate on a driver with the given settings (copied;
/// `deflate` may be NULL for the defaults). Only before `ws_start`.
/// `WS_RESULT_NOT_SUPPORTED` for hixie drivers, `WS_RESULT_INVALID_STATE`
/// after `ws_start`.
#[unsafe(no_mangle)]
pub extern "C" fn ws_add_deflate(drv: *mut ws_driver, deflate: *const ws_deflate) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        let config = try_ref::<DeflateHandle>(deflate)
            .map_or_else(DeflateConfig::default, DeflateHandle::get);
        let r = h
            .core
            .borrow_mut()
            .add_extension(Box::new(PerMessageDeflate::new(config)));
        h.outcome(r)
    })
}
