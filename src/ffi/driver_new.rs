//! `ws_driver_new`: the one constructor the design names, taking the role.
//! `ws_driver_new_server`, `_client` and `_rack` are its conveniences, one
//! role each, with the same behaviour.

use std::ffi::c_char;

use super::boundary::guard;
use super::driver::{ws_driver, ws_driver_new_client, ws_driver_new_rack, ws_driver_new_server};
use super::options::ws_options;
use super::result::ws_result;

/// `ws_driver_new`'s role: a server reading the raw HTTP request from
/// `ws_parse` (`url` and `request` NULL).
pub const WS_ROLE_SERVER: u32 = 1;
/// `ws_driver_new`'s role: a client for `url`.
pub const WS_ROLE_CLIENT: u32 = 2;
/// `ws_driver_new`'s role: a server for a request the host already parsed
/// (`request`; `url` optional, see `ws_driver_new_rack`).
pub const WS_ROLE_RACK: u32 = 3;

/// A request the host already parsed, for `WS_ROLE_RACK`. Set
/// `struct_size` to `sizeof(ws_request)`; later versions only append
/// fields. The fields are those of `ws_driver_new_rack`, with the same
/// rules; everything is copied.
#[repr(C)]
pub struct ws_request {
    /// Set by the caller to `sizeof(ws_request)`.
    pub struct_size: u32,
    /// The method, e.g. "GET" (required).
    pub method: *const c_char,
    /// The target, path plus `?query` (required).
    pub target: *const c_char,
    /// `header_count` header names (NULL only when the count is 0).
    pub header_names: *const *const c_char,
    /// `header_count` header values (NULL only when the count is 0).
    pub header_values: *const *const c_char,
    pub header_count: usize,
    /// Request bytes already received after the head, `(NULL, 0)` for none.
    pub body: *const u8,
    pub body_len: usize,
}

/// Creates a driver for `role` (`WS_ROLE_SERVER`, `WS_ROLE_CLIENT` or
/// `WS_ROLE_RACK`) with options `opts` (NULL for the defaults; copied, not
/// kept). `url` is the client's URL (required), the rack server's request
/// URL (optional), and must be NULL for `WS_ROLE_SERVER`; `request` is
/// required for `WS_ROLE_RACK` and must be NULL otherwise. On success
/// `*out` receives the driver (caller owns, free with `ws_driver_free`).
///
/// Returns `WS_RESULT_NULL_PARAMETER` for a NULL required pointer,
/// `WS_RESULT_INVALID_ARGUMENT` for an unknown role, an argument the role
/// does not take, a `request->struct_size` smaller than this version's
/// `ws_request`, or strings that are not UTF-8, and
/// `WS_RESULT_INVALID_URL` for a client URL that is not a WebSocket URL.
/// The conveniences: `ws_driver_new_server(opts, out)` is
/// `ws_driver_new(WS_ROLE_SERVER, opts, NULL, NULL, out)`;
/// `ws_driver_new_client(opts, url, out)` and `ws_driver_new_rack(...)`
/// likewise.
#[unsafe(no_mangle)]
pub extern "C" fn ws_driver_new(
    role: u32,
    opts: *const ws_options,
    url: *const c_char,
    request: *const ws_request,
    out: *mut *mut ws_driver,
) -> ws_result {
    guard(|| {
        check_out!(out);
        match (role, request.is_null()) {
            (WS_ROLE_SERVER, true) if url.is_null() => ws_driver_new_server(opts, out),
            (WS_ROLE_CLIENT, true) => ws_driver_new_client(opts, url, out),
            (WS_ROLE_RACK, false) => {
                // SAFETY: `request` is non-NULL and points to at least the
                // `struct_size` field the caller set (the contract).
                let size = unsafe { std::ptr::addr_of!((*request).struct_size).read() };
                if usize::try_from(size).map_or(true, |s| s < std::mem::size_of::<ws_request>()) {
                    return ws_result::InvalidArgument;
                }
                // SAFETY: the caller's struct is at least as large as ours
                // (checked above), initialised and aligned (the contract).
                let r = unsafe { &*request };
                ws_driver_new_rack(
                    opts,
                    r.method,
                    r.target,
                    r.header_names,
                    r.header_values,
                    r.header_count,
                    r.body,
                    r.body_len,
                    url,
                    out,
                )
            }
            (WS_ROLE_RACK, true) => ws_result::NullParameter,
            _ => ws_result::InvalidArgument,
        }
    })
}
