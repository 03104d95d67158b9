//! wslay, loaded with `dlopen` (skipped when absent), reading from memory.

// The wslay symbols are transmuted to the types of the fields they fill.
#![allow(clippy::missing_transmute_annotations)]

use std::ffi::{CStr, c_int, c_void};
use std::hint::black_box;

use crate::contenders::{Contender, Work};
use crate::transport::MemIo;
use crate::workload::{Op, Rng};

type WslayCtx = *mut c_void;
type RecvCb = unsafe extern "C" fn(WslayCtx, *mut u8, usize, c_int, *mut c_void) -> isize;
type SendCb = unsafe extern "C" fn(WslayCtx, *const u8, usize, c_int, *mut c_void) -> isize;
type GenmaskCb = unsafe extern "C" fn(WslayCtx, *mut u8, usize, *mut c_void) -> c_int;
type MsgRecvCb = unsafe extern "C" fn(WslayCtx, *const WslayMsgRecvArg, *mut c_void);

#[repr(C)]
struct WslayCallbacks {
    pub recv: Option<RecvCb>,
    pub send: Option<SendCb>,
    genmask: Option<GenmaskCb>,
    frame_start: Option<unsafe extern "C" fn()>,
    frame_chunk: Option<unsafe extern "C" fn()>,
    frame_end: Option<unsafe extern "C" fn()>,
    msg_recv: Option<MsgRecvCb>,
}

#[repr(C)]
struct WslayMsgRecvArg {
    rsv: u8,
    pub opcode: u8,
    msg: *const u8,
    msg_length: usize,
    status_code: u16,
}

#[repr(C)]
struct WslayMsg {
    pub opcode: u8,
    msg: *const u8,
    msg_length: usize,
}

pub struct WslayLib {
    server_init: unsafe extern "C" fn(*mut WslayCtx, *const WslayCallbacks, *mut c_void) -> c_int,
    client_init: unsafe extern "C" fn(*mut WslayCtx, *const WslayCallbacks, *mut c_void) -> c_int,
    free: unsafe extern "C" fn(WslayCtx),
    pub recv: unsafe extern "C" fn(WslayCtx) -> c_int,
    pub send: unsafe extern "C" fn(WslayCtx) -> c_int,
    queue_msg: unsafe extern "C" fn(WslayCtx, *const WslayMsg) -> c_int,
    set_error: unsafe extern "C" fn(WslayCtx, c_int),
}

const WSLAY_ERR_WOULDBLOCK: c_int = -401;

pub fn load_wslay() -> Option<&'static WslayLib> {
    static LIB: std::sync::OnceLock<Option<WslayLib>> = std::sync::OnceLock::new();
    LIB.get_or_init(|| {
        let names: [&CStr; 3] = [c"libwslay.so.1", c"libwslay.so.0", c"libwslay.so"];
        let handle = names.iter().find_map(|n| {
            // SAFETY: dlopen with a NUL-terminated name.
            let h = unsafe { libc::dlopen(n.as_ptr(), libc::RTLD_NOW) };
            (!h.is_null()).then_some(h)
        })?;
        let sym = |name: &CStr| {
            // SAFETY: dlsym on a live handle with a NUL-terminated name.
            let p = unsafe { libc::dlsym(handle, name.as_ptr()) };
            (!p.is_null()).then_some(p)
        };
        // SAFETY: the symbols are wslay's documented functions with these
        // C signatures (wslay.h).
        unsafe {
            Some(WslayLib {
                server_init: std::mem::transmute::<*mut c_void, _>(sym(
                    c"wslay_event_context_server_init",
                )?),
                client_init: std::mem::transmute::<*mut c_void, _>(sym(
                    c"wslay_event_context_client_init",
                )?),
                free: std::mem::transmute::<*mut c_void, _>(sym(c"wslay_event_context_free")?),
                recv: std::mem::transmute::<*mut c_void, _>(sym(c"wslay_event_recv")?),
                send: std::mem::transmute::<*mut c_void, _>(sym(c"wslay_event_send")?),
                queue_msg: std::mem::transmute::<*mut c_void, _>(sym(c"wslay_event_queue_msg")?),
                set_error: std::mem::transmute::<*mut c_void, _>(sym(c"wslay_event_set_error")?),
            })
        }
    })
    .as_ref()
}

pub struct WslayState {
    pub io: MemIo,
    pub messages: usize,
    pub bytes: usize,
    pub lib: &'static WslayLib,
    rng: Rng,
}

unsafe extern "C" fn wslay_recv(
    ctx: WslayCtx,
    buf: *mut u8,
    len: usize,
    _flags: c_int,
    user: *mut c_void,
) -> isize {
    // SAFETY: `user` is the WslayState given at init; `buf` has `len` bytes.
    let st = unsafe { &mut *user.cast::<WslayState>() };
    let dst = unsafe { std::slice::from_raw_parts_mut(buf, len) };
    let n = st.io.fill(dst);
    if n == 0 {
        // SAFETY: `ctx` is the live context calling us.
        unsafe { (st.lib.set_error)(ctx, WSLAY_ERR_WOULDBLOCK) };
        return -1;
    }
    n as isize
}

unsafe extern "C" fn wslay_send(
    _ctx: WslayCtx,
    data: *const u8,
    len: usize,
    _flags: c_int,
    user: *mut c_void,
) -> isize {
    // SAFETY: as in `wslay_recv`; `data` has `len` bytes.
    let st = unsafe { &mut *user.cast::<WslayState>() };
    st.io.sink(unsafe { std::slice::from_raw_parts(data, len) }) as isize
}

unsafe extern "C" fn wslay_genmask(
    _ctx: WslayCtx,
    buf: *mut u8,
    len: usize,
    user: *mut c_void,
) -> c_int {
    // SAFETY: as in `wslay_recv`.
    let st = unsafe { &mut *user.cast::<WslayState>() };
    for i in 0..len {
        // SAFETY: `buf` has `len` bytes.
        unsafe { *buf.add(i) = st.rng.next() as u8 };
    }
    0
}

unsafe extern "C" fn wslay_msg(_ctx: WslayCtx, arg: *const WslayMsgRecvArg, user: *mut c_void) {
    // SAFETY: as in `wslay_recv`; `arg` is valid during the call.
    let st = unsafe { &mut *user.cast::<WslayState>() };
    let arg = unsafe { &*arg };
    if arg.opcode == 1 || arg.opcode == 2 {
        st.messages += 1;
        st.bytes += arg.msg_length;
        black_box(arg.msg);
    }
}

pub struct Wslay {
    pub ctx: WslayCtx,
    pub state: Box<WslayState>,
}

impl Wslay {
    pub fn new(client: bool) -> Option<Wslay> {
        let lib = load_wslay()?;
        let mut state = Box::new(WslayState {
            io: MemIo::default(),
            messages: 0,
            bytes: 0,
            lib,
            rng: Rng(0xDEAD_BEEF_1234_5678),
        });
        let cbs = WslayCallbacks {
            recv: Some(wslay_recv),
            send: Some(wslay_send),
            genmask: Some(wslay_genmask),
            frame_start: None,
            frame_chunk: None,
            frame_end: None,
            msg_recv: Some(wslay_msg),
        };
        let mut ctx = std::ptr::null_mut();
        let user: *mut c_void = (&mut *state as *mut WslayState).cast();
        let init = if client {
            lib.client_init
        } else {
            lib.server_init
        };
        // SAFETY: documented wslay call; `cbs` is copied, `state` outlives ctx.
        let rc = unsafe { init(&mut ctx, &cbs, user) };
        (rc == 0).then_some(Wslay { ctx, state })
    }
}

impl Drop for Wslay {
    fn drop(&mut self) {
        // SAFETY: `ctx` came from init and is freed once.
        unsafe { (self.state.lib.free)(self.ctx) };
    }
}

impl Contender for Wslay {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let lib = self.state.lib;
        self.state.messages = 0;
        self.state.bytes = 0;
        match w.op {
            Op::Decode(_) => {
                self.state.io.reset(&w.input.bytes);
                // SAFETY: live context; returns when the input runs out.
                let rc = unsafe { (lib.recv)(self.ctx) };
                assert_eq!(rc, 0, "wslay_event_recv");
                (self.state.messages, self.state.bytes)
            }
            Op::Encode(_) => {
                let before = self.state.io.written();
                let msg = WslayMsg {
                    opcode: 2,
                    msg: w.payload.as_ptr(),
                    msg_length: w.payload.len(),
                };
                for _ in 0..w.count {
                    // SAFETY: live context; `msg` is copied by wslay.
                    unsafe {
                        assert_eq!((lib.queue_msg)(self.ctx, &msg), 0);
                        assert_eq!((lib.send)(self.ctx), 0);
                    }
                }
                (w.count, self.state.io.written() - before)
            }
        }
    }
}
