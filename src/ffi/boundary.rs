//! The panic boundary every entry point runs inside, plus the reentrancy
//! bookkeeping for objects with callbacks.
//!
//! A panic never crosses into C (since Rust 1.81 it would abort the host
//! process): it is caught, the object is marked poisoned, and the call
//! returns `WS_RESULT_PANIC` or its neutral value. Later calls on a poisoned
//! object return the same.

use std::any::Any;
use std::ffi::{c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::handle::{Castable, Guard, free_box, try_ref};
use super::result::ws_result;

/// What an entry point returns when it cannot run its body.
pub(crate) trait Neutral {
    /// A required pointer argument was NULL.
    fn null_parameter() -> Self;
    /// The call panicked or the object is poisoned.
    fn panicked() -> Self;
    /// The object was freed from inside one of its callbacks.
    fn gone() -> Self;
    /// The failure this value reports, for `ws_last_error`; `None` for
    /// success and for results that are not a failure of the call.
    fn failure(&self) -> Option<ws_result> {
        None
    }
}

impl Neutral for ws_result {
    fn null_parameter() -> Self {
        ws_result::NullParameter
    }
    fn panicked() -> Self {
        ws_result::Panic
    }
    fn gone() -> Self {
        ws_result::InvalidState
    }
    fn failure(&self) -> Option<ws_result> {
        match self {
            ws_result::Ok
            | ws_result::NullParameter
            | ws_result::CallbackStopped
            | ws_result::Empty => None,
            failed => Some(*failed),
        }
    }
}

macro_rules! neutral_zero {
    ($($t:ty),*) => {$(
        impl Neutral for $t {
            fn null_parameter() -> Self { Default::default() }
            fn panicked() -> Self { Default::default() }
            fn gone() -> Self { Default::default() }
        }
    )*};
}
neutral_zero!((), u32, u64, usize, c_int);

impl<T> Neutral for Option<T> {
    fn null_parameter() -> Self {
        None
    }
    fn panicked() -> Self {
        None
    }
    fn gone() -> Self {
        None
    }
}

impl Neutral for *const c_char {
    fn null_parameter() -> Self {
        std::ptr::null()
    }
    fn panicked() -> Self {
        std::ptr::null()
    }
    fn gone() -> Self {
        std::ptr::null()
    }
}

/// An object with callbacks and the [`Guard`] bookkeeping.
pub(crate) trait Guarded: Castable + Sized {
    fn guard(&self) -> &Guard;
    /// Called when a mutating call starts at depth 0: returned strings from
    /// earlier queries may go.
    fn on_mutate(&self);
    /// The object is inside a call that cannot be re-entered (a driver's
    /// extension callbacks run while its core is busy).
    fn busy(&self) -> bool {
        false
    }
    /// Runs the object's C teardown callbacks (extension destructors) while
    /// the object is still whole: `free_requested` is already set, so every
    /// call they make on it is refused and a `*_free` is a no-op.
    fn teardown(&self) {}
    /// A free was requested: callbacks the core would still run in the
    /// current call (extension callbacks) must not.
    fn on_free_requested(&self) {}
}

/// Runs `f` and turns a panic into `R::panicked()`; for functions without
/// a guarded object (constructors, options, version).
pub(crate) fn guard<R: Neutral>(f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| R::panicked())
}

/// Whether an entry point changes the object (and so ends the life of
/// strings returned earlier).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

/// Runs an entry point's body on the object behind `ptr`: NULL check,
/// poison check, depth counting, panic catching, and the deferred free.
///
/// `f` gets the object and whether this is the outermost call on it (not
/// made from inside one of its callbacks).
pub(crate) fn enter<T: Guarded, R: Neutral>(
    ptr: *const T::C,
    access: Access,
    f: impl FnOnce(&T, bool) -> R,
) -> R {
    let Some(h) = try_ref::<T>(ptr) else {
        return R::null_parameter();
    };
    let g = h.guard();
    if g.poisoned.get() {
        return R::panicked();
    }
    // Refused before it runs: the message is this call's, and the flag of
    // a call it is nested in stays as it was.
    let refuse = |message: &str| {
        let flag = g.error_set.get();
        g.set_error(message);
        g.error_set.set(flag);
        R::gone()
    };
    if g.free_requested.get() {
        return refuse(
            "This object is being freed (its *_free was called): no call on it is possible.",
        );
    }
    if h.busy() {
        return refuse("This driver cannot be called from inside an extension callback.");
    }
    let outermost = g.depth.get() == 0;
    g.depth.set(g.depth.get() + 1);
    let error_set_before = g.error_set.replace(false);
    let result = catch_unwind(AssertUnwindSafe(|| {
        if access == Access::Write && outermost {
            h.on_mutate();
        }
        f(h, outermost)
    }));
    g.depth.set(g.depth.get() - 1);
    let result = result.unwrap_or_else(|payload| {
        g.poisoned.set(true);
        g.set_error(&format!("panic: {}", panic_message(&*payload)));
        R::panicked()
    });
    // Every failure leaves its own `ws_last_error`, never an older call's:
    // refusals that found no handle to explain themselves (a length over
    // PTRDIFF_MAX, say) get the result's description.
    // A poisoned object keeps its panic's message.
    if let Some(failed) = result.failure() {
        if !g.error_set.get() && !g.poisoned.get() {
            g.set_error(failed.detail());
        }
    }
    // Back to the caller's own flag: a message a nested call (from a
    // callback) set is not the caller's, whose failure gets its own.
    g.error_set.set(error_set_before);
    if outermost && g.free_requested.get() {
        h.teardown();
        // SAFETY: `ptr` came from `into_c::<T>` (checked non-NULL above, and
        // valid by the caller's contract). The free was requested from
        // inside a callback and deferred to here, the outermost call: no
        // other entry point on this object is running, `f` and the teardown
        // callbacks have returned, and `h`/`g` are not used after this point.
        unsafe { free_box::<T>(ptr.cast_mut()) };
    }
    result
}

/// `*_free`: frees now, or, when called from inside one of the object's
/// callbacks, marks it to be freed when the outermost call returns. A free
/// already requested or running (called again from a teardown callback) is
/// a no-op. Works on poisoned objects; NULL is a no-op. Calls no callback
/// but the object's teardown ones (extension destructors).
pub(crate) fn free<T: Guarded>(ptr: *mut T::C) {
    guard(|| {
        let Some(h) = try_ref::<T>(ptr) else {
            return;
        };
        if h.guard().free_requested.replace(true) {
            return;
        }
        h.on_free_requested();
        if h.guard().depth.get() > 0 {
            return;
        }
        h.teardown();
        // SAFETY: `ptr` came from `into_c::<T>` and is not freed yet (the
        // caller's contract); no entry point on it is running (depth 0), the
        // teardown callbacks have returned (their nested frees were no-ops),
        // and `h` is not used after this point.
        unsafe { free_box::<T>(ptr) };
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown panic")
}

/// Unwraps an argument (an `Option` or a `Result<_, ws_result>`, see
/// `handle::Arg`) or returns its refusal (`WS_RESULT_NULL_PARAMETER` for a
/// missing one).
macro_rules! try_arg {
    ($e:expr) => {
        match $crate::ffi::handle::Arg::into_arg($e) {
            Ok(v) => v,
            Err(refused) => return refused,
        }
    };
}

/// Checks that output pointers are non-NULL, else returns
/// `WS_RESULT_NULL_PARAMETER`.
macro_rules! check_out {
    ($($p:expr),+) => {
        if $($p.is_null())||+ {
            return $crate::ffi::result::ws_result::NullParameter;
        }
    };
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, c_void};
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::ffi::driver::{Handle, ws_driver, ws_driver_free, ws_driver_new_server};
    use crate::ffi::{WS_STATE_CLOSED, ws_last_error, ws_on_message, ws_parse, ws_state, ws_text};

    fn server() -> *mut ws_driver {
        let mut drv = null_mut();
        assert_eq!(ws_driver_new_server(null(), &mut drv), ws_result::Ok);
        drv
    }

    fn last_error(drv: *const ws_driver) -> String {
        let p = ws_last_error(drv);
        assert!(!p.is_null());
        // SAFETY: a driver-owned NUL-terminated string, read at once.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
    }

    #[test]
    fn guard_turns_panics_into_neutral_values() {
        assert_eq!(guard(|| -> ws_result { panic!("boom") }), ws_result::Panic);
        assert!(guard(|| -> *const c_char { panic!("boom") }).is_null());
        assert_eq!(guard(|| -> usize { panic!("boom") }), 0);
        assert_eq!(guard(|| ws_result::Ok), ws_result::Ok);
    }

    #[test]
    fn a_panic_poisons_the_driver() {
        let drv = server();
        let r = enter::<Handle, ws_result>(drv, Access::Write, |_, _| panic!("boom"));
        assert_eq!(r, ws_result::Panic);
        assert!(last_error(drv).contains("boom"));
        // Every later call refuses, with a result or the neutral value.
        assert_eq!(ws_text(drv, null(), 0), ws_result::Panic);
        assert_eq!(ws_parse(drv, b"x".as_ptr(), 1), ws_result::Panic);
        assert_eq!(ws_state(drv), WS_STATE_CLOSED);
        // The depth was restored, so the free happens at once.
        let h = super::super::handle::try_ref::<Handle>(drv).unwrap();
        assert_eq!(h.guard.depth.get(), 0);
        ws_driver_free(drv);
    }

    unsafe extern "C" fn panic_inside(
        _: *mut c_void,
        drv: *mut ws_driver,
        _: u32,
        _: *const u8,
        _: usize,
    ) -> c_int {
        // A nested call that panics: caught by its own boundary, so nothing
        // unwinds through this C-ABI function.
        let r = enter::<Handle, ws_result>(drv, Access::Write, |_, _| panic!("inner"));
        assert_eq!(r, ws_result::Panic);
        0
    }

    #[test]
    fn a_panic_inside_a_callback_stops_the_outer_call() {
        let drv = server();
        assert_eq!(
            ws_on_message(drv, Some(panic_inside), null_mut()),
            ws_result::Ok
        );
        let mut input = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\
            Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
            Sec-WebSocket-Version: 13\r\n\r\n"
            .to_vec();
        // Two masked text frames ("a", "b").
        input.extend_from_slice(&[0x81, 0x81, 0, 0, 0, 0, b'a', 0x81, 0x81, 0, 0, 0, 0, b'b']);
        assert_eq!(crate::ffi::ws_start(drv), ws_result::Ok);
        assert_eq!(ws_parse(drv, input.as_ptr(), input.len()), ws_result::Panic);
        assert!(last_error(drv).contains("inner"));
        ws_driver_free(drv);
    }

    #[test]
    fn free_on_a_poisoned_driver_and_null() {
        free::<Handle>(null_mut());
        let drv = server();
        enter::<Handle, ()>(drv, Access::Read, |_, _| panic!("x"));
        free::<Handle>(drv);
    }
}
