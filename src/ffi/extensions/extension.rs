//! `ws_extension`: an extension whose negotiation and message transforms
//! are C callbacks, and `ws_add_extension`.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_void};
use std::rc::Rc;

use crate::error::{Error, ErrorKind};
use crate::extensions::params::{ExtensionSpec, ParamValue, parse_header};
use crate::extensions::{ExtMessage, Extension};
use crate::frame::RSV_MASK;

use crate::ffi::boundary::{Access, enter, guard};
use crate::ffi::driver::{Handle, ws_driver};
use crate::ffi::handle::{Castable, c_str, free_box, into_c, try_ref, write_out};
use crate::ffi::result::ws_result;

use super::buffer::{with_buffer, ws_buffer};

/// Client: fills `out_params` with the offer's parameters (`a=1; b`, empty
/// for none), or with several offers in header syntax, names included
/// (`name; a=1, name; b`), most preferred first. Non-zero (or output that
/// does not parse): do not offer this extension.
pub type ws_ext_offer_cb =
    Option<unsafe extern "C" fn(user: *mut c_void, out_params: *mut ws_buffer) -> c_int>;
/// Client: the server accepted the extension; `response` is its entry in
/// `Sec-WebSocket-Extensions` (`name; a=1`). 0 accepts, non-zero rejects
/// (the handshake fails).
pub type ws_ext_activate_cb =
    Option<unsafe extern "C" fn(user: *mut c_void, response: *const c_char, len: usize) -> c_int>;
/// Server: `offers` holds the client's offers for this extension in header
/// syntax (`name; a=1, name; b`). 0 accepts with the parameters written to
/// `out_params`; non-zero declines.
pub type ws_ext_respond_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        offers: *const c_char,
        len: usize,
        out_params: *mut ws_buffer,
    ) -> c_int,
>;
/// Transforms a whole message. `rsv` holds the RSV bits in frame position
/// (`WS_RSV1` = 0x40, 0x20, 0x10) and `is_text` is 1 for text. Write the
/// new payload to `out_data` (leave it unset to keep the payload) and the
/// new RSV bits to `*out_rsv` (preset to `rsv`; only the extension's own
/// `rsv_bits` change, the others keep their value). Non-zero fails the
/// connection (close 1010) with `out_data` as the error text. An incoming
/// result longer than `max_length` fails it with 1009, and text that is
/// not UTF-8 with 1007.
pub type ws_ext_message_cb = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        rsv: u32,
        is_text: u32,
        data: *const u8,
        len: usize,
        out_data: *mut ws_buffer,
        out_rsv: *mut u32,
    ) -> c_int,
>;
/// Called once with the user pointer when the extension is freed (with its
/// driver, or by `ws_extension_free`). While it runs, calls on the
/// extension (and, when the driver is being freed, on the driver) return
/// `WS_RESULT_INVALID_STATE` and their `*_free` is a no-op; other objects
/// may be used and freed.
pub type ws_ext_destroy_cb = Option<unsafe extern "C" fn(user: *mut c_void)>;

/// RSV1, in frame-bit position, for `ws_extension_new` and message callbacks.
pub const WS_RSV1: u32 = 0x40;
/// RSV2, in frame-bit position.
pub const WS_RSV2: u32 = 0x20;
/// RSV3, in frame-bit position.
pub const WS_RSV3: u32 = 0x10;

/// An extension implemented by callbacks. Create with `ws_extension_new`,
/// set its callbacks, then hand it to `ws_add_extension` (which takes
/// ownership) or free it with `ws_extension_free`.
pub struct ws_extension {
    _private: [u8; 0],
}

#[derive(Clone, Copy)]
struct Callbacks {
    user: *mut c_void,
    destroy: ws_ext_destroy_cb,
    offer: ws_ext_offer_cb,
    activate: ws_ext_activate_cb,
    respond: ws_ext_respond_cb,
    incoming: ws_ext_message_cb,
    outgoing: ws_ext_message_cb,
}

/// The object behind a `ws_extension *`. Only ever reached through shared
/// references (its fields are cells), from C and from the [`CExtension`]
/// the core holds alike, so a callback may call `ws_extension_*` on it at
/// any time, its destructor included.
pub(crate) struct ExtState {
    name: String,
    rsv: u8,
    cb: Cell<Callbacks>,
    /// Owned by a driver since `ws_add_extension`.
    added: Cell<bool>,
    /// The destructor runs or ran: calls are refused, frees are no-ops.
    dying: Cell<bool>,
    /// The owning driver's flag: set when its free was requested, after
    /// which no callback of this extension runs.
    stopped: RefCell<Option<Rc<Cell<bool>>>>,
}

impl Castable for ExtState {
    type C = ws_extension;
}

impl ExtState {
    /// The callbacks, or `None` once they may no longer run.
    fn live_callbacks(&self) -> Option<Callbacks> {
        let stopped = self.stopped.borrow().as_ref().is_some_and(|s| s.get());
        (!stopped && !self.dying.get()).then(|| self.cb.get())
    }
}

/// Runs the destructor, then frees the state; a no-op when it already runs.
fn destroy(ptr: *mut ws_extension) {
    let Some(s) = try_ref::<ExtState>(ptr) else {
        return;
    };
    if s.dying.replace(true) {
        return;
    }
    let cb = s.cb.get();
    if let Some(destroy) = cb.destroy {
        // SAFETY: the host registered `destroy` for `user`, to be called
        // once when the extension goes away; `dying` makes this the once.
        unsafe { destroy(cb.user) };
    }
    // SAFETY: `ptr` came from `into_c::<ExtState>`; its one owner (the
    // caller of `ws_extension_free`, or the driver's `CExtension`) is giving
    // it up here, once (`dying`); `s` is not used after this point.
    unsafe { free_box::<ExtState>(ptr) };
}

/// What the core holds for a callback extension added to a driver: the
/// owner of the [`ExtState`], which it frees (destructor first) on drop.
pub(crate) struct CExtension {
    state: *mut ws_extension,
}

// SAFETY: the only non-Send parts are the host's user pointer and the
// driver's stop flag. Both travel with the driver, which may move between
// threads but is used by one thread at a time (the header's threading
// rule), so they are never used on two threads at once.
unsafe impl Send for CExtension {}

impl Drop for CExtension {
    fn drop(&mut self) {
        destroy(self.state);
    }
}

impl CExtension {
    fn state(&self) -> &ExtState {
        // SAFETY: the state lives until this `CExtension` is dropped (only
        // `destroy` frees an added extension, and only from `drop`).
        unsafe { &*self.state.cast::<ExtState>() }
    }

    fn message(
        &self,
        which: fn(&Callbacks) -> ws_ext_message_cb,
        msg: &mut ExtMessage,
    ) -> Result<(), Error> {
        let Some(cb) = self.state().live_callbacks() else {
            return Ok(());
        };
        let Some(f) = which(&cb) else { return Ok(()) };
        let mut rsv = u32::from(msg.rsv);
        let (rc, out) = with_buffer(|buf| {
            // SAFETY: a host callback called with its own user pointer and
            // buffers that live for the duration of the call.
            unsafe {
                f(
                    cb.user,
                    rsv,
                    u32::from(msg.text),
                    msg.data.as_ptr(),
                    msg.data.len(),
                    buf,
                    &mut rsv,
                )
            }
        });
        if rc != 0 {
            let text = out
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|| "failed".into());
            return Err(Error::new(
                ErrorKind::Extension,
                format!("{}: {text}", self.state().name),
            ));
        }
        if let Some(data) = out {
            msg.data = data;
        }
        msg.rsv = u8::try_from(rsv).unwrap_or(0) & RSV_MASK;
        Ok(())
    }
}

fn header_params(name: &str, params: &[u8]) -> Option<Vec<(String, ParamValue)>> {
    let params = std::str::from_utf8(params).ok()?;
    let text = if params.trim().is_empty() {
        name.to_owned()
    } else {
        format!("{name}; {params}")
    };
    parse_header(&text).ok()?.pop().map(|s| s.params)
}

impl Extension for CExtension {
    fn name(&self) -> &str {
        &self.state().name
    }

    fn rsv_bits(&self) -> u8 {
        self.state().rsv
    }

    fn offer(&mut self) -> Vec<Vec<(String, ParamValue)>> {
        let Some(cb) = self.state().live_callbacks() else {
            return Vec::new();
        };
        let Some(f) = cb.offer else {
            return vec![Vec::new()];
        };
        // SAFETY: host callback with its user pointer and a live buffer.
        let (rc, out) = with_buffer(|buf| unsafe { f(cb.user, buf) });
        if rc != 0 {
            return Vec::new();
        }
        let out = out.unwrap_or_default();
        let Ok(text) = std::str::from_utf8(&out) else {
            return Vec::new();
        };
        let name = self.state().name.as_str();
        // Several offers are written in header syntax, names included.
        let named = text.trim_start().strip_prefix(name);
        if named.is_some_and(|rest| rest.is_empty() || rest.starts_with([';', ',', ' '])) {
            return match parse_header(text) {
                Ok(specs) if specs.iter().all(|o| o.name == name) => {
                    specs.into_iter().map(|o| o.params).collect()
                }
                _ => Vec::new(),
            };
        }
        header_params(name, &out).map_or_else(Vec::new, |p| vec![p])
    }

    fn activate(&mut self, response: &ExtensionSpec) -> Result<(), String> {
        let Some(cb) = self.state().live_callbacks() else {
            return Err("the driver is being freed".into());
        };
        let Some(f) = cb.activate else { return Ok(()) };
        let text = response.to_header();
        // SAFETY: host callback; `text` outlives the call.
        let rc = unsafe { f(cb.user, text.as_ptr().cast(), text.len()) };
        if rc == 0 {
            Ok(())
        } else {
            Err("rejected".into())
        }
    }

    fn respond(&mut self, offers: &[&ExtensionSpec]) -> Option<Vec<(String, ParamValue)>> {
        let cb = self.state().live_callbacks()?;
        let f = cb.respond?;
        let text = offers
            .iter()
            .map(|o| o.to_header())
            .collect::<Vec<_>>()
            .join(", ");
        // SAFETY: host callback; `text` and the buffer outlive the call.
        let (rc, out) =
            with_buffer(|buf| unsafe { f(cb.user, text.as_ptr().cast(), text.len(), buf) });
        if rc != 0 {
            return None;
        }
        header_params(&self.state().name, &out.unwrap_or_default())
    }

    fn incoming(&mut self, msg: &mut ExtMessage, _max_length: u64) -> Result<(), Error> {
        self.message(|c| c.incoming, msg)
    }

    fn outgoing(&mut self, msg: &mut ExtMessage) -> Result<(), Error> {
        self.message(|c| c.outgoing, msg)
    }
}

/// A new callback extension named `name` (an HTTP token) that may set the
/// RSV bits in `rsv_bits` (`WS_RSV1 | ...`). Writes the new object to
/// `*out` (caller owns it). `WS_RESULT_INVALID_ARGUMENT` for a bad name or
/// bits outside RSV1–3.
#[unsafe(no_mangle)]
pub extern "C" fn ws_extension_new(
    name: *const c_char,
    rsv_bits: u32,
    out: *mut *mut ws_extension,
) -> ws_result {
    guard(|| {
        let name = try_arg!(c_str(name));
        check_out!(out);
        let Ok(name) = name.to_str() else {
            return ws_result::InvalidArgument;
        };
        let token = crate::headers::is_token(name);
        let Ok(rsv) = u8::try_from(rsv_bits) else {
            return ws_result::InvalidArgument;
        };
        if !token || rsv & !RSV_MASK != 0 {
            return ws_result::InvalidArgument;
        }
        let cb = Callbacks {
            user: std::ptr::null_mut(),
            destroy: None,
            offer: None,
            activate: None,
            respond: None,
            incoming: None,
            outgoing: None,
        };
        let ext = ExtState {
            name: name.to_owned(),
            rsv,
            cb: Cell::new(cb),
            added: Cell::new(false),
            dying: Cell::new(false),
            stopped: RefCell::new(None),
        };
        write_out(out, into_c(Box::new(ext)));
        ws_result::Ok
    })
}

fn set_ext(ext: *mut ws_extension, f: impl FnOnce(&mut Callbacks)) -> ws_result {
    guard(|| match try_ref::<ExtState>(ext) {
        Some(e) if e.dying.get() => ws_result::InvalidState,
        Some(e) => {
            let mut cb = e.cb.get();
            f(&mut cb);
            e.cb.set(cb);
            ws_result::Ok
        }
        None => ws_result::NullParameter,
    })
}

/// Sets the user pointer passed to every callback, and an optional
/// destructor called once with it when the extension is freed (by
/// `ws_extension_free`, or with the driver that owns it).
#[unsafe(no_mangle)]
pub extern "C" fn ws_extension_set_user(
    ext: *mut ws_extension,
    user: *mut c_void,
    destroy: ws_ext_destroy_cb,
) -> ws_result {
    set_ext(ext, |c| {
        c.user = user;
        c.destroy = destroy;
    })
}

/// Sets the client's offer callback (NULL: offer without parameters).
#[unsafe(no_mangle)]
pub extern "C" fn ws_extension_on_offer(ext: *mut ws_extension, cb: ws_ext_offer_cb) -> ws_result {
    set_ext(ext, |c| c.offer = cb)
}

/// Sets the client's activation callback (NULL: accept any response).
#[unsafe(no_mangle)]
pub extern "C" fn ws_extension_on_activate(
    ext: *mut ws_extension,
    cb: ws_ext_activate_cb,
) -> ws_result {
    set_ext(ext, |c| c.activate = cb)
}

/// Sets the server's response callback (NULL: always decline).
#[unsafe(no_mangle)]
pub extern "C" fn ws_extension_on_respond(
    ext: *mut ws_extension,
    cb: ws_ext_respond_cb,
) -> ws_result {
    set_ext(ext, |c| c.respond = cb)
}

/// Sets the transform for incoming messages (NULL: unchanged). Incoming
/// messages pass through active extensions in reverse order.
#[unsafe(no_mangle)]
pub extern "C" fn ws_extension_on_incoming(
    ext: *mut ws_extension,
    cb: ws_ext_message_cb,
) -> ws_result {
    set_ext(ext, |c| c.incoming = cb)
}

/// Sets the transform for outgoing messages (NULL: unchanged). Outgoing
/// messages pass through active extensions in registration order.
#[unsafe(no_mangle)]
pub extern "C" fn ws_extension_on_outgoing(
    ext: *mut ws_extension,
    cb: ws_ext_message_cb,
) -> ws_result {
    set_ext(ext, |c| c.outgoing = cb)
}

/// Frees an extension that was not handed to `ws_add_extension`: its
/// destructor runs first. NULL is a no-op, and so is a free from inside
/// its own destructor or of an extension a driver owns (it is freed with
/// the driver).
#[unsafe(no_mangle)]
pub extern "C" fn ws_extension_free(ext: *mut ws_extension) {
    guard(|| {
        if try_ref::<ExtState>(ext).is_some_and(|e| !e.added.get()) {
            destroy(ext);
        }
    })
}

/// Registers a callback extension for negotiation; only before `ws_start`.
/// On `WS_RESULT_OK` the driver owns `ext` (do not free it; its destructor
/// runs when the driver is freed, and `ext` is invalid after that); on
/// failure the caller still owns it. `WS_RESULT_INVALID_STATE` for an
/// extension already added to a driver or whose destructor is running.
#[unsafe(no_mangle)]
pub extern "C" fn ws_add_extension(drv: *mut ws_driver, ext: *mut ws_extension) -> ws_result {
    enter::<Handle, _>(drv, Access::Write, |h, _| {
        let Some(state) = try_ref::<ExtState>(ext) else {
            return ws_result::NullParameter;
        };
        if state.added.get() || state.dying.get() {
            let message = "This extension is already owned by a driver, or being freed.";
            return h.fail(ws_result::InvalidState, message);
        }
        // Asked first: on a refusal the caller still owns `ext`.
        let allowed = h.core.borrow().can_add_extension();
        if allowed.is_err() {
            return h.outcome(allowed);
        }
        state.added.set(true);
        *state.stopped.borrow_mut() = Some(h.stopped());
        let r = h
            .core
            .borrow_mut()
            .add_extension(Box::new(CExtension { state: ext }));
        h.outcome(r)
    })
}
