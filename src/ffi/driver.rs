//! `ws_driver`: the handle, the state it owns (registered callbacks, `ws_ping`
//! replies, output for `ws_take_output`), its constructors and
//! `ws_driver_free`.
//!
//! The loop that runs on this state is in [`super::dispatch`] (which
//! imports this module, never the other way); commands are in
//! [`super::commands`], queries in [`super::queries`].

use std::cell::{Cell, OnceCell, RefCell};
use std::ffi::{c_char, c_int, c_void};
use std::rc::Rc;

use crate::driver::Driver;
use crate::error::{CommandError, ErrorKind};
use crate::headers::Headers;
use crate::http::Request;
use crate::options::Options;

use super::boundary::{Guarded, free, guard};
use super::handle::{Castable, Guard, Lazy, StringCache, array, c_str, into_c, payload, write_out};
use super::lend::LentInput;
use super::lent::Pull;
use super::options::{OptionsHandle, ws_options};
use super::result::ws_result;

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

/// A callback and its user pointer.
#[derive(Clone, Copy)]
pub(crate) struct Slot<F> {
    pub cb: Option<F>,
    pub user: *mut c_void,
}

impl<F> Default for Slot<F> {
    fn default() -> Self {
        Slot {
            cb: None,
            user: std::ptr::null_mut(),
        }
    }
}

type WriteFn = unsafe extern "C" fn(*mut c_void, *mut ws_driver, *const u8, usize) -> c_int;
type EventFn = unsafe extern "C" fn(*mut c_void, *mut ws_driver) -> c_int;
type MessageFn = unsafe extern "C" fn(*mut c_void, *mut ws_driver, u32, *const u8, usize) -> c_int;
type TextFn = unsafe extern "C" fn(*mut c_void, *mut ws_driver, u32, *const c_char, usize) -> c_int;

/// The driver's registered callbacks (`ws_on_*`).
#[derive(Clone, Copy, Default)]
pub(crate) struct Callbacks {
    pub write: Slot<WriteFn>,
    pub connect: Slot<EventFn>,
    pub open: Slot<EventFn>,
    pub message: Slot<MessageFn>,
    pub ping: Slot<WriteFn>,
    pub pong: Slot<WriteFn>,
    pub close: Slot<TextFn>,
    pub error: Slot<TextFn>,
}

impl Callbacks {
    /// Whether any callback is registered: then commands deliver their
    /// output at once; otherwise it waits for `ws_poll`/`ws_take_output`.
    pub fn any(&self) -> bool {
        self.write.cb.is_some()
            || self.connect.cb.is_some()
            || self.open.cb.is_some()
            || self.message.cb.is_some()
            || self.ping.cb.is_some()
            || self.pong.cb.is_some()
            || self.close.cb.is_some()
            || self.error.cb.is_some()
    }
}

/// Tokens `ws_ping` assigns have the top bit set; `ws_ping_token` refuses
/// them so the two never collide.
pub(crate) const INTERNAL_TOKEN: u64 = 1 << 63;

/// `ws_ping`'s reply callbacks, by the token the core answers with: one
/// pointer until the first `ws_ping`.
#[derive(Default)]
pub(crate) struct PongReplies(Lazy<Waiting>);

#[derive(Default)]
struct Waiting {
    replies: Vec<(u64, Slot<EventFn>)>,
    /// Tokens issued so far.
    issued: u64,
}

impl PongReplies {
    /// Remembers a `ws_ping` callback; returns its token.
    pub fn add(&self, cb: Option<EventFn>, user: *mut c_void) -> u64 {
        let mut w = self.0.borrow_mut();
        let token = INTERNAL_TOKEN | w.issued;
        w.issued = w.issued.wrapping_add(1);
        w.replies.push((token, Slot { cb, user }));
        token
    }

    /// Removes and returns the `ws_ping` callback for `token`.
    pub fn take(&self, token: u64) -> Option<Slot<EventFn>> {
        let mut w = self.0.get()?.borrow_mut();
        let i = w.replies.iter().position(|(t, _)| *t == token)?;
        Some(w.replies.remove(i).1)
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
    pub pull: Lazy<Pull>,
    pub output: Lazy<Output>,
    /// A `ws_parse` dispatch loop is running and may hold input of its own
    /// that the core has not seen: input fed from its callbacks is
    /// deferred behind it (`Driver::defer`).
    pub parsing: Cell<bool>,
    /// Input the host lent with `ws_lend` that the driver has not read.
    pub lent_input: Cell<LentInput>,
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
            lent_input: Cell::new(LentInput::NONE),
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
        self.guard.outcome(r)
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
