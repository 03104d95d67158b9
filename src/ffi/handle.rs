//! Opaque handles: how a boxed Rust object travels through C as a pointer
//! to an empty marker type, and the pointer helpers every entry point uses.
//!
//! All casts between C pointers and Rust references live here (rustls-ffi's
//! `Castable`), so entry points never use `as`.

use std::cell::{Cell, OnceCell, RefCell, RefMut};
use std::ffi::{CStr, CString, c_char};
use std::slice;

use crate::error::CommandError;

use super::result::ws_result;

/// A Rust type handed to C as `*mut Self::C`, owned through a `Box`.
pub(crate) trait Castable {
    /// The empty marker type C sees.
    type C;
}

/// Gives up ownership of `b`; the pointer must come back to [`free_box`].
pub(crate) fn into_c<T: Castable>(b: Box<T>) -> *mut T::C {
    Box::into_raw(b).cast()
}

/// Borrows the object behind a handle; `None` for NULL.
///
/// The pointer must be NULL or come from [`into_c`] and not be freed yet:
/// that is the C caller's half of every function's contract.
pub(crate) fn try_ref<'a, T: Castable>(p: *const T::C) -> Option<&'a T> {
    // SAFETY: a non-NULL handle was made by `into_c` from a live `Box<T>`
    // (the documented contract of every entry point), so it is aligned and
    // points to an initialised `T`. Only shared references are ever made
    // from it; all mutation goes through `Cell`/`RefCell` fields.
    unsafe { p.cast::<T>().as_ref() }
}

/// Frees a handle made by [`into_c`].
///
/// # Safety
/// `p` must come from `into_c::<T>`, must not have been freed, and no
/// reference made from it may be used afterwards.
pub(crate) unsafe fn free_box<T: Castable>(p: *mut T::C) {
    // SAFETY: guaranteed by the caller (see above).
    drop(unsafe { Box::from_raw(p.cast::<T>()) });
}

/// Above this many bytes, a payload's size is checked to be allocatable
/// before the call copies it (below it, a failed allocation cannot be the
/// caller's choice of size).
pub(crate) const PROBE_ABOVE: usize = 1 << 20;

/// An argument that `try_arg!` unwraps: a missing one is
/// `WS_RESULT_NULL_PARAMETER`, a `Result` carries its own refusal.
pub(crate) trait Arg<T> {
    fn into_arg(self) -> Result<T, ws_result>;
}

impl<T> Arg<T> for Option<T> {
    fn into_arg(self) -> Result<T, ws_result> {
        self.ok_or(ws_result::NullParameter)
    }
}

impl<T> Arg<T> for Result<T, ws_result> {
    fn into_arg(self) -> Result<T, ws_result> {
        self
    }
}

/// A C array of `len` elements: NULL is `WS_RESULT_NULL_PARAMETER` unless
/// `len == 0`; more than `isize::MAX` bytes (no object is that large) or,
/// above [`PROBE_ABOVE`], a size that cannot be allocated for the copy the
/// call makes is `WS_RESULT_INVALID_ARGUMENT`, never an abort.
pub(crate) fn array<'a, T>(p: *const T, len: usize) -> Result<&'a [T], ws_result> {
    let bytes = len
        .checked_mul(std::mem::size_of::<T>())
        .filter(|&b| isize::try_from(b).is_ok())
        .ok_or(ws_result::InvalidArgument)?;
    if bytes > PROBE_ABOVE && Vec::<u8>::new().try_reserve_exact(bytes).is_err() {
        return Err(ws_result::InvalidArgument);
    }
    // With nothing to read the pointer is not looked at: C callers pass
    // anything with a count of 0, and a slice made from a misaligned one
    // would be undefined behaviour (an abort in debug builds).
    if len == 0 {
        return Ok(&[][..]);
    }
    if p.is_null() {
        return Err(ws_result::NullParameter);
    }
    // SAFETY: the caller passes `len` initialised elements at `p` that stay
    // untouched for the duration of the call (the header's contract), and
    // `len * size_of::<T>()` fits in `isize` (checked above).
    Ok(unsafe { slice::from_raw_parts(p, len) })
}

/// A payload argument, `(const uint8_t *data, size_t len)`: `(NULL, 0)` is
/// the empty payload; otherwise as [`array`].
pub(crate) fn payload<'a>(p: *const u8, len: usize) -> Result<&'a [u8], ws_result> {
    array(p, len)
}

/// Whether `len` bytes at `a` and `cap` bytes at `b` share memory: a
/// caller's output buffer must not overlap its input (Rust may not even
/// form the two slices then, and the copy would read bytes it already
/// overwrote). Empty ranges overlap nothing.
pub(crate) fn overlaps(a: *const u8, len: usize, b: *const u8, cap: usize) -> bool {
    let (a, b) = (a.addr(), b.addr());
    len != 0 && cap != 0 && a < b.saturating_add(cap) && b < a.saturating_add(len)
}

/// A NUL-terminated string argument; `None` for NULL.
pub(crate) fn c_str<'a>(p: *const c_char) -> Option<&'a CStr> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller passes a NUL-terminated string that stays
    // untouched for the duration of the call.
    Some(unsafe { CStr::from_ptr(p) })
}

/// Writes an output parameter that was checked to be non-NULL.
pub(crate) fn write_out<T>(p: *mut T, value: T) {
    debug_assert!(!p.is_null());
    // SAFETY: entry points check `p` for NULL first; the caller passes a
    // pointer valid for writes of `T`. `write` drops nothing, so the old
    // (possibly uninitialised) contents are never read.
    unsafe { p.write(value) }
}

/// The bookkeeping every handle with callbacks carries: reentrancy depth,
/// deferred free, poisoning and the last error message.
#[derive(Default)]
pub(crate) struct Guard {
    /// How many entry points on this object are running (more than one when
    /// a callback called back in).
    pub depth: Cell<u32>,
    /// `*_free` was called from inside a callback; the outermost entry
    /// point frees the object when it returns.
    pub free_requested: Cell<bool>,
    /// A call panicked: the object's state may be inconsistent.
    pub poisoned: Cell<bool>,
    /// `set_error` ran during the current entry point, not counting nested
    /// ones (see `enter`).
    pub error_set: Cell<bool>,
    last_error: Lazy<Option<CString>>,
}

impl Guard {
    pub fn set_error(&self, message: &str) {
        self.error_set.set(true);
        let mut last = self.last_error.borrow_mut();
        // The same text again (a host framing into a buffer that is full
        // now and then): kept as it is, nothing allocated.
        if last
            .as_ref()
            .is_some_and(|s| s.to_bytes() == message.as_bytes())
        {
            return;
        }
        *last = Some(CString::new(message.replace('\0', " ")).unwrap_or_default());
    }

    /// A core command's outcome as a result; a refusal's reason becomes the
    /// object's `ws_last_error`.
    pub fn outcome(&self, r: Result<(), CommandError>) -> ws_result {
        match r {
            Ok(()) => ws_result::Ok,
            Err(e) => {
                self.set_error(&e.to_string());
                e.into()
            }
        }
    }

    pub fn last_error(&self) -> *const c_char {
        self.last_error.get().map_or(std::ptr::null(), |e| {
            e.borrow().as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
        })
    }
}

/// A handle's field that most hosts never use: one pointer until first
/// written, so an idle connection does not carry it.
#[derive(Default)]
pub(crate) struct Lazy<T>(OnceCell<Box<RefCell<T>>>);

impl<T: Default> Lazy<T> {
    /// Borrows the value mutably, creating it first.
    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        self.0.get_or_init(Box::default).borrow_mut()
    }

    /// The value, if it was ever created.
    pub fn get(&self) -> Option<&RefCell<T>> {
        self.0.get().map(|b| &**b)
    }
}

/// Strings returned to C as `const char *`: kept until the next call that
/// mutates the object. Equal strings share one entry, so repeated queries
/// do not grow it. Also bytes a query had to join (`ws_request_body`).
#[derive(Default)]
pub(crate) struct StringCache {
    kept: Lazy<Kept>,
}

#[derive(Default)]
struct Kept {
    strings: Vec<CString>,
    bytes: Vec<u8>,
}

impl StringCache {
    /// A NUL-terminated copy of `s` owned by the cache; NULL if `s` holds a
    /// NUL byte (it cannot be returned as a C string).
    pub fn get(&self, s: &str) -> *const c_char {
        let mut kept = self.kept.borrow_mut();
        let strings = &mut kept.strings;
        if let Some(found) = strings.iter().find(|c| c.as_bytes() == s.as_bytes()) {
            return found.as_ptr();
        }
        match CString::new(s) {
            // The pointer is taken after the move into the vector, from the
            // string's final place (a pointer taken before the move is
            // invalidated by it under Stacked Borrows).
            Ok(c) => {
                strings.push(c);
                strings.last().map_or(std::ptr::null(), |c| c.as_ptr())
            }
            Err(_) => std::ptr::null(),
        }
    }

    pub fn clear(&self) {
        if let Some(kept) = self.kept.get() {
            let mut kept = kept.borrow_mut();
            kept.strings.clear();
            kept.bytes.clear();
        }
    }

    /// `bytes`, kept like the strings; their address and length.
    pub fn bytes(&self, bytes: Vec<u8>) -> (*const u8, usize) {
        let mut kept = self.kept.borrow_mut();
        if kept.bytes != bytes {
            kept.bytes = bytes;
        }
        (kept.bytes.as_ptr(), kept.bytes.len())
    }
}

/// A nullable string as a cached C string.
pub(crate) fn opt_str(cache: &StringCache, s: Option<&str>) -> *const c_char {
    s.map_or(std::ptr::null(), |s| cache.get(s))
}

/// A header's name and value as cached C strings, written to `out_name`
/// and `out_value` (non-NULL, checked by the caller): `ws_header_at`,
/// `ws_proxy_header_at` and `ws_extended_field_at`. `None` (an index out of
/// range) and strings with a NUL byte give `WS_RESULT_INVALID_ARGUMENT`.
pub(crate) fn header_out(
    cache: &StringCache,
    header: Option<(&str, &str)>,
    out_name: *mut *const c_char,
    out_value: *mut *const c_char,
) -> ws_result {
    let Some((name, value)) = header else {
        return ws_result::InvalidArgument;
    };
    let (n, v) = (cache.get(name), cache.get(value));
    if n.is_null() || v.is_null() {
        return ws_result::InvalidArgument;
    }
    write_out(out_name, n);
    write_out(out_value, v);
    ws_result::Ok
}

#[cfg(test)]
mod tests {
    use super::overlaps;

    #[test]
    fn overlap_is_shared_memory_and_empty_ranges_share_none() {
        let base = 1000usize;
        for a in 0..12 {
            for len in 0..6 {
                for b in 0..12 {
                    for cap in 0..6 {
                        let shared = (a..a + len).any(|i| (b..b + cap).contains(&i));
                        let p = |x: usize| std::ptr::without_provenance::<u8>(base + x);
                        assert_eq!(
                            overlaps(p(a), len, p(b), cap),
                            shared,
                            "{a}+{len} {b}+{cap}"
                        );
                    }
                }
            }
        }
    }
}
