//! `ws_proxy`: HTTP CONNECT through a proxy, for clients.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_void};

use crate::error::ErrorKind;
use crate::proxy::Proxy;

use super::action::{
    WS_ACTION_CONNECT, WS_ACTION_ERROR, WS_ACTION_WRITE, convert, their_size, write_action,
    ws_action,
};
use super::boundary::{Access, Guarded, enter, free};
use super::driver::{Handle, Slot, ws_driver};
use super::handle::{
    Castable, Guard, StringCache, c_str, header_out, into_c, opt_str, payload, write_out,
};
use super::result::ws_result;

/// An HTTP CONNECT exchange with a proxy, made for a client driver: start
/// it, send its writes to the proxy, feed the proxy's reply to
/// `ws_proxy_parse`; on connect, start the client driver on the same
/// transport. Create with `ws_proxy_new`, free with `ws_proxy_free`.
pub struct ws_proxy {
    _private: [u8; 0],
}

/// Bytes to send to the proxy; `data` is borrowed, valid only during this
/// call. Return 0 to go on, non-zero to stop dispatch.
pub type ws_proxy_write_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        proxy: *mut ws_proxy,
        data: *const u8,
        len: usize,
    ) -> c_int,
>;

/// The proxy accepted the CONNECT (status 200): start the client driver.
/// Return 0 to go on, non-zero to stop dispatch.
pub type ws_proxy_event_cb =
    Option<unsafe extern "C" fn(user: *mut c_void, proxy: *mut ws_proxy) -> c_int>;

/// The proxy refused the CONNECT or answered garbage. `message` is `len`
/// bytes, NUL-terminated; borrowed, valid only during this call. Return 0
/// to go on, non-zero to stop dispatch.
pub type ws_proxy_error_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        proxy: *mut ws_proxy,
        message: *const c_char,
        len: usize,
    ) -> c_int,
>;

type WriteFn = unsafe extern "C" fn(*mut c_void, *mut ws_proxy, *const u8, usize) -> c_int;
type EventFn = unsafe extern "C" fn(*mut c_void, *mut ws_proxy) -> c_int;
type ErrorFn = unsafe extern "C" fn(*mut c_void, *mut ws_proxy, *const c_char, usize) -> c_int;

#[derive(Clone, Copy, Default)]
struct ProxyCallbacks {
    write: Slot<WriteFn>,
    connect: Slot<EventFn>,
    error: Slot<ErrorFn>,
}

pub(crate) struct ProxyHandle {
    core: RefCell<Proxy>,
    guard: Guard,
    callbacks: Cell<ProxyCallbacks>,
    strings: StringCache,
    polled: RefCell<Option<Vec<u8>>>,
}

impl Castable for ProxyHandle {
    type C = ws_proxy;
}

impl Guarded for ProxyHandle {
    fn guard(&self) -> &Guard {
        &self.guard
    }

    fn on_mutate(&self) {
        self.strings.clear();
    }
}

/// Creates a proxy exchange for the client driver `client` through
/// `proxy_url` (`http://[user:password@]host[:port]`; credentials become a
/// Basic `Proxy-Authorization` header). The driver is only read; the proxy
/// does not keep it. On success `*out` receives the proxy (caller owns,
/// free with `ws_proxy_free`). Returns `WS_RESULT_NULL_PARAMETER` for NULL
/// pointers, `WS_RESULT_INVALID_URL` for a bad proxy URL, and
/// `WS_RESULT_INVALID_STATE` when `client` is not a client driver (details
/// in `ws_last_error(client)`).
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_new(
    client: *const ws_driver,
    proxy_url: *const c_char,
    out: *mut *mut ws_proxy,
) -> ws_result {
    enter::<Handle, _>(client, Access::Read, |h, _| {
        check_out!(out);
        let Ok(url) = try_arg!(c_str(proxy_url)).to_str() else {
            return h.fail(ws_result::InvalidUrl, "The proxy URL is not UTF-8.");
        };
        let made = h.core.borrow().proxy(url);
        match made {
            Ok(core) => {
                let handle = ProxyHandle {
                    core: RefCell::new(core),
                    guard: Guard::default(),
                    callbacks: Cell::new(ProxyCallbacks::default()),
                    strings: StringCache::default(),
                    polled: RefCell::new(None),
                };
                write_out(out, into_c(Box::new(handle)));
                ws_result::Ok
            }
            Err(e) if e.kind == ErrorKind::Url => h.fail(ws_result::InvalidUrl, &e.message),
            Err(e) => h.fail(ws_result::InvalidState, &e.message),
        }
    })
}

/// Frees a proxy. NULL is a no-op; never calls a callback. From inside one
/// of the proxy's callbacks the free is deferred until the outermost call
/// on it returns.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_free(proxy: *mut ws_proxy) {
    free::<ProxyHandle>(proxy)
}

fn register(proxy: *mut ws_proxy, set: impl FnOnce(&mut ProxyCallbacks)) -> ws_result {
    enter::<ProxyHandle, _>(proxy, Access::Read, |p, _| {
        let mut cbs = p.callbacks.get();
        set(&mut cbs);
        p.callbacks.set(cbs);
        ws_result::Ok
    })
}

/// Sets the callback for bytes to send to the proxy. Once it is set,
/// `ws_proxy_start` and `ws_proxy_parse` deliver writes and events through
/// callbacks; without it, take them with `ws_proxy_poll`. `cb` NULL
/// unregisters.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_on_write(
    proxy: *mut ws_proxy,
    cb: ws_proxy_write_cb,
    user: *mut c_void,
) -> ws_result {
    register(proxy, |c| c.write = Slot { cb, user })
}

/// Sets the callback for the proxy's acceptance. Like every proxy
/// callback it is called only once `ws_proxy_on_write` is set (without a
/// write callback, take actions with `ws_proxy_poll`). `cb` NULL unregisters.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_on_connect(
    proxy: *mut ws_proxy,
    cb: ws_proxy_event_cb,
    user: *mut c_void,
) -> ws_result {
    register(proxy, |c| c.connect = Slot { cb, user })
}

/// Sets the callback for the proxy's refusal (or an unreadable answer);
/// called only once `ws_proxy_on_write` is set. `cb` NULL unregisters.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_on_error(
    proxy: *mut ws_proxy,
    cb: ws_proxy_error_cb,
    user: *mut c_void,
) -> ws_result {
    register(proxy, |c| c.error = Slot { cb, user })
}

/// Adds a header to the CONNECT request (copied); only before
/// `ws_proxy_start`. Returns `WS_RESULT_INVALID_ARGUMENT` for a name or
/// value that is not UTF-8, holds CR/LF, or a name already set, and
/// `WS_RESULT_INVALID_STATE` after start.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_set_header(
    proxy: *mut ws_proxy,
    name: *const c_char,
    value: *const c_char,
) -> ws_result {
    enter::<ProxyHandle, _>(proxy, Access::Write, |p, _| {
        let name = try_arg!(c_str(name));
        let value = try_arg!(c_str(value));
        let (Ok(name), Ok(value)) = (name.to_str(), value.to_str()) else {
            return ws_result::InvalidArgument;
        };
        let r = p.core.borrow_mut().set_header(name, value);
        p.guard.outcome(r)
    })
}

/// Delivers queued actions to the callbacks (only when a write callback is
/// set); `None` when a callback stopped, freed or poisoned the proxy.
fn drain(p: &ProxyHandle, proxy: *mut ws_proxy) -> Result<(), ws_result> {
    loop {
        let cbs = p.callbacks.get();
        let Some(write) = cbs.write.cb else {
            return Ok(());
        };
        let action = p.core.borrow_mut().poll_action();
        let Some(action) = action else {
            return Ok(());
        };
        let (a, _bytes) = convert(action);
        // SAFETY: the callbacks and their user pointers were registered
        // together; `a.data` points to `a.len` bytes (plus a NUL for the
        // error message) in `_bytes`, which outlives the calls; no borrow
        // is held while C runs.
        let rc = unsafe {
            match a.kind {
                WS_ACTION_WRITE => write(cbs.write.user, proxy, a.data, a.len),
                WS_ACTION_CONNECT => cbs.connect.cb.map_or(0, |f| f(cbs.connect.user, proxy)),
                WS_ACTION_ERROR => cbs
                    .error
                    .cb
                    .map_or(0, |f| f(cbs.error.user, proxy, a.data.cast(), a.len)),
                _ => 0,
            }
        };
        if p.guard.poisoned.get() {
            return Err(ws_result::Panic);
        }
        if p.guard.free_requested.get() {
            return Err(ws_result::Ok);
        }
        if rc != 0 {
            return Err(ws_result::CallbackStopped);
        }
    }
}

/// Queues the CONNECT request (delivered at once when a write callback is
/// set). Returns `WS_RESULT_INVALID_STATE` when already started.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_start(proxy: *mut ws_proxy) -> ws_result {
    enter::<ProxyHandle, _>(proxy, Access::Write, |p, outermost| {
        let r = p.core.borrow_mut().start();
        if r.is_err() {
            return p.guard.outcome(r);
        }
        if outermost {
            if let Err(r) = drain(p, proxy) {
                return r;
            }
        }
        ws_result::Ok
    })
}

/// Feeds bytes received from the proxy and dispatches the resulting events.
/// `*out_consumed` receives how many bytes belonged to the proxy's
/// response: anything after them is the start of the WebSocket handshake
/// response, for the client driver's `ws_parse`. Once the response is
/// complete, 0 bytes are consumed. `(NULL, 0)` just resumes dispatch.
/// Returns `WS_RESULT_CALLBACK_STOPPED` when a callback returned non-zero
/// (`*out_consumed` is still set; undelivered actions wait for the next
/// call or `ws_proxy_poll`). Called from inside one of the proxy's
/// callbacks, it parses but does not dispatch.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_parse(
    proxy: *mut ws_proxy,
    data: *const u8,
    len: usize,
    out_consumed: *mut usize,
) -> ws_result {
    enter::<ProxyHandle, _>(proxy, Access::Write, |p, outermost| {
        check_out!(out_consumed);
        let data = try_arg!(payload(data, len));
        let consumed = if data.is_empty() {
            0
        } else {
            p.core.borrow_mut().parse(data)
        };
        write_out(out_consumed, consumed);
        if outermost {
            if let Err(r) = drain(p, proxy) {
                return r;
            }
        }
        ws_result::Ok
    })
}

/// The proxy's HTTP status, 0 until its response arrived (or for NULL).
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_status(proxy: *const ws_proxy) -> u32 {
    enter::<ProxyHandle, _>(proxy, Access::Read, |p, _| {
        p.core.borrow().status().map_or(0, u32::from)
    })
}

/// How many headers the proxy's response has (0 until it arrived).
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_header_count(proxy: *const ws_proxy) -> usize {
    enter::<ProxyHandle, _>(proxy, Access::Read, |p, _| p.core.borrow().headers().len())
}

/// The proxy response header at `index`. On success writes `*out_name` and
/// `*out_value` (proxy-owned strings, valid until the next call that
/// changes the proxy). Returns `WS_RESULT_NULL_PARAMETER` for NULL pointers
/// and `WS_RESULT_INVALID_ARGUMENT` for an index out of range.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_header_at(
    proxy: *const ws_proxy,
    index: usize,
    out_name: *mut *const c_char,
    out_value: *mut *const c_char,
) -> ws_result {
    enter::<ProxyHandle, _>(proxy, Access::Read, |p, _| {
        check_out!(out_name, out_value);
        let core = p.core.borrow();
        header_out(
            &p.strings,
            core.headers().iter().nth(index),
            out_name,
            out_value,
        )
    })
}

/// The value of the proxy response header `name` (case-insensitive); NULL
/// if absent or for NULL arguments. Valid until the next call that changes
/// the proxy.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_header(proxy: *const ws_proxy, name: *const c_char) -> *const c_char {
    enter::<ProxyHandle, _>(proxy, Access::Read, |p, _| {
        let Some(Ok(name)) = c_str(name).map(|n| n.to_str()) else {
            return std::ptr::null();
        };
        opt_str(&p.strings, p.core.borrow().headers().get(name))
    })
}

/// Takes the proxy's next action (`WS_ACTION_WRITE`, `WS_ACTION_CONNECT` or
/// `WS_ACTION_ERROR`) without calling callbacks; see `ws_poll`. Returns
/// `WS_RESULT_EMPTY` when there is none.
#[unsafe(no_mangle)]
pub extern "C" fn ws_proxy_poll(proxy: *mut ws_proxy, out: *mut ws_action) -> ws_result {
    enter::<ProxyHandle, _>(proxy, Access::Write, |p, _| {
        check_out!(out);
        let Some(size) = their_size(out) else {
            return ws_result::InvalidArgument;
        };
        p.polled.borrow_mut().take();
        let action = p.core.borrow_mut().poll_action();
        let Some(action) = action else {
            return ws_result::Empty;
        };
        let (a, bytes) = convert(action);
        *p.polled.borrow_mut() = Some(bytes);
        write_action(out, a, size);
        ws_result::Ok
    })
}
