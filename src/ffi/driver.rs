//! `ws_driver`: the handle, its constructors and `ws_driver_free`.
//!
//! Commands are in [`super::commands`], queries in [`super::queries`].

use std::cell::{Cell, OnceCell, RefCell};
use std::ffi::c_char;
use std::rc::Rc;

use crate::driver::Driver;
use crate::error::{CommandError, ErrorKind};
use crate::headers::Headers;
use crate::http::Request;
use crate::options::Options;

use super::boundary::{Guarded, free, guard};
use super::dispatch::{Callbacks, PongReplies};
use super::handle::{Castable, Guard, Lazy, StringCache, array, c_str, into_c, payload, write_out};
use super::options::{OptionsHandle, ws_options};
use super::result::{self, ws_result};

/// One WebSocket connection's protocol state, from the opening handshake to
/// the close: bytes from the transport go in (`ws_parse`), bytes to send and
/// events come out through callbacks (`ws_on_*`) or `ws_poll`.
///
/// Create with `ws_driver_new_server`, `ws_driver_new_rack` or
/// `ws_driver_new_client`; free with `ws_driver_free`. Not thread-safe: use
/// a driver from one thread at a time (it may move between threads).
pub struct ws_driver {
    _private: [u8; 0],
}

/// Output bytes waiting for `ws_take_output` (no write callback set).
#[derive(Default)]
pub(crate) struct Output {
    buf: Vec<u8>,
    pos: usize,
}

impl Output {
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    pub fn len(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Copies up to `dst.len()` bytes out; returns how many.
    pub fn take(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.len());
        dst[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf = Vec::new();
            self.pos = 0;
        }
        n
    }
}

/// The Rust side of a `ws_driver`. Every field is a cell: entry points only
/// ever hold `&Handle`, and the core is borrowed only while it runs, never
/// while a C callback does.
pub(crate) struct Handle {
    pub core: RefCell<Driver>,
    pub guard: Guard,
    pub callbacks: Cell<Callbacks>,
    pub strings: StringCache,
    /// What `ws_poll` and `ws_poll_many` handed out last points into.
    pub pull: Lazy<super::batch::Pull>,
    pub output: Lazy<Output>,
    /// A `ws_parse` dispatch loop is running and may hold input of its own
    /// that the core has not seen: input fed from its callbacks is
    /// deferred behind it (`Driver::defer`).
    pub parsing: Cell<bool>,
    /// The driver masks what it sends (fixed at creation): framing into
    /// the host's buffer then takes the guarded path (the mask key's source
    /// may fail).
    pub masks: bool,
    /// `ws_ping` callbacks by token.
    pub pong_replies: PongReplies,
    /// Shared with this driver's callback extensions (made for the first):
    /// set once a free is requested, after which their callbacks are no
    /// longer called.
    stopped: OnceCell<Rc<Cell<bool>>>,
}

impl Castable for Handle {
    type C = ws_driver;
}

impl Guarded for Handle {
    fn guard(&self) -> &Guard {
        &self.guard
    }

    fn on_mutate(&self) {
        self.strings.clear();
    }

    fn busy(&self) -> bool {
        self.core.try_borrow_mut().is_err()
    }

    fn on_free_requested(&self) {
        if let Some(stopped) = self.stopped.get() {
            stopped.set(true);
        }
    }

    fn teardown(&self) {
        // Dropping the core runs the extensions' destructors (C code that
        // may call back in): drop it here, with the handle whole, rather
        // than inside the handle's own drop.
        let core = std::mem::replace(
            &mut *self.core.borrow_mut(),
            Driver::server(Options::default()),
        );
        drop(core);
    }
}

impl Handle {
    fn new(core: Driver) -> Handle {
        Handle {
            masks: core.will_mask(),
            core: RefCell::new(core),
            guard: Guard::default(),
            callbacks: Cell::new(Callbacks::default()),
            strings: StringCache::default(),
            pull: Lazy::default(),
            output: Lazy::default(),
            parsing: Cell::new(false),
            pong_replies: PongReplies::default(),
            stopped: OnceCell::new(),
        }
    }

    /// The flag shared with callback extensions (see `stopped`).
    pub fn stopped(&self) -> Rc<Cell<bool>> {
        let flag = self
            .stopped
            .get_or_init(|| Rc::new(Cell::new(self.guard.free_requested.get())));
        Rc::clone(flag)
    }

    /// Output waiting for `ws_take_output`, in bytes.
    pub fn output_len(&self) -> usize {
        self.output.get().map_or(0, |o| o.borrow().len())
    }

    /// Hands input to the core without dispatching it, behind any input a
    /// running `ws_parse` loop still holds.
    pub fn store_input(&self, data: &[u8]) {
        let mut core = self.core.borrow_mut();
        if self.parsing.get() {
            core.defer(data);
        } else {
            core.parse(data);
        }
    }

    pub fn fail(&self, code: ws_result, message: &str) -> ws_result {
        self.guard.set_error(message);
        code
    }

    /// A core command's outcome as a result (the reason of a refusal
    /// becomes `ws_last_error`).
    pub fn outcome(&self, r: Result<(), CommandError>) -> ws_result {
        result::outcome(&self.guard, r)
    }
}

pub(super) fn options_from(opts: *const ws_options) -> Options {
    super::handle::try_ref::<OptionsHandle>(opts).map_or_else(Options::default, |o| o.get())
}

pub(super) fn finish(core: Driver, out: *mut *mut ws_driver) -> ws_result {
    write_out(out, into_c(Box::new(Handle::new(core))));
    ws_result::Ok
}

/// The client constructors' shared body: `make` builds the core client for
/// a URL (plain or extended CONNECT).
pub(super) fn new_client(
    opts: *const ws_options,
    url: *const c_char,
    out: *mut *mut ws_driver,
    make: fn(&str, Options) -> Result<Driver, crate::error::Error>,
) -> ws_result {
    guard(|| {
        check_out!(out);
        let Ok(url) = try_arg!(c_str(url)).to_str() else {
            return ws_result::InvalidUrl;
        };
        match make(url, options_from(opts)) {
            Ok(core) => finish(core, out),
            Err(e) if e.kind == ErrorKind::Url => ws_result::InvalidUrl,
            Err(_) => ws_result::InvalidArgument,
        }
    })
}

/// Creates a server that reads the raw HTTP request from `ws_parse` and
/// calls `ws_on_connect`'s callback once the request head is complete
/// (call `ws_start` then, or before, to answer it).
///
/// `opts` may be NULL for the defaults; it is copied, not kept, and stays
/// owned by the caller. On success `*out` receives the driver (caller owns,
/// free with `ws_driver_free`). `WS_RESULT_NULL_PARAMETER` if `out` is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_driver_new_server(
    opts: *const ws_options,
    out: *mut *mut ws_driver,
) -> ws_result {
    guard(|| {
        check_out!(out);
        finish(Driver::server(options_from(opts)), out)
    })
}

/// Creates a server for a request the host already parsed (the Rack case).
///
/// `method` and `target` (path plus `?query`) are required strings.
/// `header_names[i]`/`header_values[i]` for `i < header_count` are the
/// request headers (repeated names are joined with ", "); the arrays may be
/// NULL only when `header_count` is 0. `body`/`body_len` are request bytes
/// already received after the head (hixie-76's 8-byte key), `(NULL, 0)` for
/// none. `url` is the URL the request was made to (hixie handshakes echo
/// it); NULL rebuilds it from `Host` and `target`. All inputs are copied.
///
/// On success `*out` receives the driver (caller owns, free with
/// `ws_driver_free`); call `ws_start` to answer. Returns
/// `WS_RESULT_NULL_PARAMETER` for a NULL required pointer, and
/// `WS_RESULT_INVALID_ARGUMENT` for strings that are not UTF-8.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn ws_driver_new_rack(
    opts: *const ws_options,
    method: *const c_char,
    target: *const c_char,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    body: *const u8,
    body_len: usize,
    url: *const c_char,
    out: *mut *mut ws_driver,
) -> ws_result {
    guard(|| {
        check_out!(out);
        let method = try_arg!(c_str(method));
        let target = try_arg!(c_str(target));
        let names = try_arg!(array(header_names, header_count));
        let values = try_arg!(array(header_values, header_count));
        let body = try_arg!(payload(body, body_len));
        let (Ok(method), Ok(target)) = (method.to_str(), target.to_str()) else {
            return ws_result::InvalidArgument;
        };
        let mut headers = Headers::new();
        for (&n, &v) in names.iter().zip(values) {
            let (Ok(n), Ok(v)) = (try_arg!(c_str(n)).to_str(), try_arg!(c_str(v)).to_str()) else {
                return ws_result::InvalidArgument;
            };
            headers.append(n, v);
        }
        let url = match c_str(url).map(|u| u.to_str()) {
            None => None,
            Some(Ok(u)) => Some(u),
            Some(Err(_)) => return ws_result::InvalidArgument,
        };
        let request = Request {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
        };
        finish(Driver::rack(request, url, body, options_from(opts)), out)
    })
}

/// Creates a client for `url` (`ws://` or `wss://`; the caller does TLS).
/// Call `ws_start` to queue the handshake request.
///
/// `opts` may be NULL for the defaults (copied, not kept). On success
/// `*out` receives the driver (caller owns, free with `ws_driver_free`).
/// Returns `WS_RESULT_NULL_PARAMETER` for NULL `url` or `out`, and
/// `WS_RESULT_INVALID_URL` when `url` is not a usable WebSocket URL.
#[unsafe(no_mangle)]
pub extern "C" fn ws_driver_new_client(
    opts: *const ws_options,
    url: *const c_char,
    out: *mut *mut ws_driver,
) -> ws_result {
    new_client(opts, url, out, Driver::client)
}

/// Frees a driver and everything it owns. The only callbacks it calls are
/// the destructors of its extensions (once each; calls they make on this
/// driver are refused, and a `ws_driver_free` from them is a no-op). NULL
/// is a no-op. Called from inside any callback during a call on this driver
/// (extension callbacks included), the free is deferred until the
/// outermost `ws_*` call on it returns (that call returns normally, and no
/// callback runs in between); the driver must not be used after this call
/// either way. Works on a poisoned driver.
#[unsafe(no_mangle)]
pub extern "C" fn ws_driver_free(drv: *mut ws_driver) {
    free::<Handle>(drv)
}
