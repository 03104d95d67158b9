//! This crate as a contender: the Rust API (queued, frame-into) and the C API
//! (callbacks, pull, frame-into).

use std::ffi::{c_int, c_void};
use std::hint::black_box;

use wsdriver::ffi as c;
use wsdriver::{Action, Driver, Event, FrameError, MessageKind, Options};

use crate::contenders::{CLIENT_KEY, Contender, HANDSHAKE, Work};
use crate::transport::Host;
use crate::workload::{Op, READ_CHUNK};

pub fn drain(d: &mut Driver, seen: &mut (usize, usize)) {
    while let Some(a) = d.poll_action() {
        match a {
            Action::Event(Event::Message { data, .. }) => {
                seen.0 += 1;
                seen.1 += data.len();
                black_box(&data);
                d.recycle(data);
            }
            Action::Write(bytes) => {
                black_box(&bytes);
                d.recycle(bytes);
            }
            Action::Event(_) => {}
        }
    }
}

pub fn open_server() -> Driver {
    let mut d = Driver::server(Options::default());
    d.start().unwrap();
    d.parse(HANDSHAKE);
    drain(&mut d, &mut (0, 0));
    assert_eq!(d.state(), wsdriver::ReadyState::Open);
    d
}

pub fn open_client() -> Driver {
    let opts = Options {
        client_key: Some(CLIENT_KEY.into()),
        ..Options::default()
    };
    let mut d = Driver::client("ws://example.com/chat", opts).expect("client");
    d.start().unwrap();
    drain(&mut d, &mut (0, 0));
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        wsdriver::accept_key(CLIENT_KEY)
    );
    d.parse(response.as_bytes());
    drain(&mut d, &mut (0, 0));
    assert_eq!(d.state(), wsdriver::ReadyState::Open);
    d
}

pub struct WsRust(pub Driver, pub Host);

impl Contender for WsRust {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let d = &mut self.0;
        let mut seen = (0, 0);
        match w.op {
            Op::Decode(_) => {
                for chunk in w.input.bytes.chunks(READ_CHUNK) {
                    let mut rest = chunk;
                    while !rest.is_empty() {
                        let used = d.read(rest);
                        rest = &rest[used..];
                        drain(d, &mut seen);
                    }
                }
            }
            Op::Encode(_) => {
                for _ in 0..w.count {
                    d.binary(&w.payload).unwrap();
                    while let Some(a) = d.poll_action() {
                        if let Action::Write(bytes) = a {
                            seen.0 += 1;
                            seen.1 += bytes.len();
                            self.1.put(&bytes);
                            d.recycle(bytes);
                        }
                    }
                }
            }
        }
        seen
    }
}

/// The Rust API's send path without the driver's queue:
/// `Driver::frame_message` straight into the host buffer (server and client
/// alike), as `wsdriver-c-into` does through the C API.
pub struct WsRustInto(pub Driver, pub Host);

impl Contender for WsRustInto {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        let (d, p) = (&mut self.0, &w.payload);
        for _ in 0..w.count {
            let n = self
                .1
                .write_with(|buf| match d.frame_message(MessageKind::Binary, p, buf) {
                    Ok(n) => Ok(n),
                    Err(FrameError::BufferTooSmall(need)) => Err(need),
                    Err(other) => panic!("frame_message: {other:?}"),
                });
            seen.0 += 1;
            seen.1 += n;
        }
        seen
    }
}

#[derive(Default)]
pub struct CSeen {
    pub messages: usize,
    pub bytes: usize,
    writes: usize,
    pub written: usize,
    pub host: Host,
}

unsafe extern "C" fn c_on_message(
    user: *mut c_void,
    _drv: *mut c::ws_driver,
    _kind: u32,
    data: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: `user` is the `CSeen` registered with this callback.
    let seen = unsafe { &mut *user.cast::<CSeen>() };
    seen.messages += 1;
    seen.bytes += len;
    black_box(data);
    0
}

unsafe extern "C" fn c_on_write(
    user: *mut c_void,
    _drv: *mut c::ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: `user` is the `CSeen` registered with this callback; `data`
    // has `len` bytes.
    let seen = unsafe { &mut *user.cast::<CSeen>() };
    seen.writes += 1;
    seen.written += len;
    seen.host
        .put(unsafe { std::slice::from_raw_parts(data, len) });
    0
}

/// A C API driver, server or client, open.
pub struct WsC {
    pub drv: *mut c::ws_driver,
    pub seen: Box<CSeen>,
}

impl WsC {
    /// A C API server that has read the handshake and is open.
    pub fn new() -> WsC {
        let w = WsC::new_unstarted();
        c::ws_start(w.drv);
        c::ws_parse(w.drv, HANDSHAKE.as_ptr(), HANDSHAKE.len());
        w
    }

    pub fn new_unstarted() -> WsC {
        let mut drv = std::ptr::null_mut();
        assert_eq!(
            c::ws_driver_new_server(std::ptr::null(), &mut drv),
            c::ws_result::Ok
        );
        WsC::with_callbacks(drv)
    }

    fn with_callbacks(drv: *mut c::ws_driver) -> WsC {
        let mut seen = Box::<CSeen>::default();
        let user: *mut c_void = (&mut *seen as *mut CSeen).cast();
        c::ws_on_message(drv, Some(c_on_message), user);
        c::ws_on_write(drv, Some(c_on_write), user);
        WsC { drv, seen }
    }

    /// A C API client with callbacks that has read the server's answer.
    pub fn client() -> WsC {
        WsC::with_callbacks(c_client_open())
    }
}

/// A C API client (no callbacks), opened by feeding it the answer.
fn c_client_open() -> *mut c::ws_driver {
    let opts = c::ws_options_new();
    let key = std::ffi::CString::new(CLIENT_KEY).expect("no NUL");
    c::ws_options_set_client_key(opts, key.as_ptr());
    let url = c"ws://example.com/chat";
    let mut drv = std::ptr::null_mut();
    assert_eq!(
        c::ws_driver_new_client(opts, url.as_ptr(), &mut drv),
        c::ws_result::Ok
    );
    c::ws_options_free(opts);
    c::ws_start(drv);
    let mut buf = vec![0u8; 4096];
    let mut n = 0;
    c::ws_take_output(drv, buf.as_mut_ptr(), buf.len(), &mut n);
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        wsdriver::accept_key(CLIENT_KEY)
    );
    c::ws_parse(drv, response.as_ptr(), response.len());
    assert_eq!(c::ws_state(drv), c::WS_STATE_OPEN);
    drv
}

impl Drop for WsC {
    fn drop(&mut self) {
        c::ws_driver_free(self.drv);
    }
}

impl Contender for WsC {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        self.seen.messages = 0;
        self.seen.bytes = 0;
        self.seen.writes = 0;
        self.seen.written = 0;
        match w.op {
            Op::Decode(_) => {
                for chunk in w.input.bytes.chunks(READ_CHUNK) {
                    c::ws_parse(self.drv, chunk.as_ptr(), chunk.len());
                }
            }
            Op::Encode(_) => {
                for _ in 0..w.count {
                    c::ws_binary(self.drv, w.payload.as_ptr(), w.payload.len());
                }
                return (self.seen.writes, self.seen.written);
            }
        }
        (self.seen.messages, self.seen.bytes)
    }
}

/// The C API without callbacks, as the Ruby and Python bindings use it.
pub struct WsCPull {
    pub drv: *mut c::ws_driver,
    pub host: Host,
    actions: Vec<c::ws_action>,
}

impl WsCPull {
    pub fn new(client: bool) -> WsCPull {
        let drv = if client {
            c_client_open()
        } else {
            let mut drv = std::ptr::null_mut();
            assert_eq!(
                c::ws_driver_new_server(std::ptr::null(), &mut drv),
                c::ws_result::Ok
            );
            c::ws_start(drv);
            c::ws_feed(drv, HANDSHAKE.as_ptr(), HANDSHAKE.len());
            drv
        };
        let blank = c::ws_action {
            struct_size: std::mem::size_of::<c::ws_action>() as u32,
            kind: 0,
            message_kind: 0,
            code: 0,
            data: std::ptr::null(),
            len: 0,
            token: 0,
        };
        let mut p = WsCPull {
            drv,
            host: Host::default(),
            actions: vec![blank; PULL_BATCH],
        };
        p.take(&mut (0, 0));
        assert_eq!(c::ws_state(drv), c::WS_STATE_OPEN);
        p
    }
}

impl Drop for WsCPull {
    fn drop(&mut self) {
        c::ws_driver_free(self.drv);
    }
}

impl Contender for WsCPull {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        match w.op {
            Op::Decode(_) => self.decode(&w.input.bytes, &mut seen),
            Op::Encode(_) => {
                for _ in 0..w.count {
                    c::ws_binary(self.drv, w.payload.as_ptr(), w.payload.len());
                    self.take(&mut seen);
                }
            }
        }
        seen
    }
}

/// The C API's send path without the driver's queue: `ws_frame_message`
/// straight into the host buffer (server and client alike).
pub struct WsCInto {
    pub drv: *mut c::ws_driver,
    pub host: Host,
}

impl WsCInto {
    pub fn new(client: bool) -> WsCInto {
        let p = WsCPull::new(client);
        let drv = p.drv;
        std::mem::forget(p); // the driver moves here
        WsCInto {
            drv,
            host: Host::default(),
        }
    }
}

impl Drop for WsCInto {
    fn drop(&mut self) {
        c::ws_driver_free(self.drv);
    }
}

impl Contender for WsCInto {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        let (drv, p) = (self.drv, &w.payload);
        for _ in 0..w.count {
            let n = self.host.write_with(|buf| {
                let mut n = 0;
                match c::ws_frame_message(
                    drv,
                    c::WS_MESSAGE_BINARY,
                    p.as_ptr(),
                    p.len(),
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut n,
                ) {
                    c::ws_result::Ok => Ok(n),
                    c::ws_result::BufferTooSmall => Err(n),
                    other => panic!("ws_frame_message: {other:?}"),
                }
            });
            seen.0 += 1;
            seen.1 += n;
        }
        seen
    }
}

/// Actions taken per call on the pull path.
const PULL_BATCH: usize = 64;

impl WsCPull {
    /// Input the way the bindings give it: `ws_feed` one socket read, then
    /// `ws_poll_many` until `WS_RESULT_EMPTY`.
    pub fn decode(&mut self, input: &[u8], seen: &mut (usize, usize)) {
        for chunk in input.chunks(READ_CHUNK) {
            c::ws_feed(self.drv, chunk.as_ptr(), chunk.len());
            self.take(seen);
        }
    }

    /// Takes every waiting action: messages are counted, writes copied to
    /// the host buffer.
    pub fn take(&mut self, seen: &mut (usize, usize)) {
        let mut n = 0;
        while c::ws_poll_many(self.drv, self.actions.as_mut_ptr(), PULL_BATCH, &mut n)
            == c::ws_result::Ok
        {
            for a in &self.actions[..n] {
                // SAFETY: the driver lends `len` bytes at `data` until the
                // next call.
                let data = unsafe { std::slice::from_raw_parts(a.data, a.len) };
                match a.kind {
                    c::WS_ACTION_MESSAGE => {
                        seen.0 += 1;
                        seen.1 += a.len;
                        black_box(data);
                    }
                    c::WS_ACTION_WRITE => {
                        seen.0 += 1;
                        seen.1 += a.len;
                        self.host.put(data);
                    }
                    _ => {}
                }
            }
        }
    }
}
