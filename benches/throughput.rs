//! Throughput and memory, side by side, in one process run.
//!
//! ```text
//! cargo bench --bench throughput                                   # full run (a few minutes)
//! cargo bench --bench throughput -- --quick                        # one sample, small sizes
//! cargo bench --bench throughput -- --markdown docs/BENCHMARKS.md  # full run, writes the doc
//! cargo bench --bench throughput -- --filter decode-binary-125     # some workloads only
//! cargo bench --bench throughput -- --markdown docs/BENCHMARKS.md --callgrind  # + instruction counts
//! ```
//!
//! Contenders: this crate through the Rust API (`Driver::read` +
//! `poll_action` + `recycle`) and through the C API with callbacks
//! (`ws_parse` + `ws_on_message`, called as `extern "C"` functions) and
//! without callbacks (`ws_feed` + `ws_poll_many`, the bindings' path),
//! tungstenite (`WebSocket::read` over an in-memory `Read + Write` stream),
//! fastwebsockets (`WebSocket::read_frame` over an in-memory `AsyncRead` on a
//! current-thread tokio runtime), wslay (`wslay_event_recv` with a memory
//! `recv_callback`, loaded with `dlopen` and skipped when absent), and three
//! limits: `memcpy` of each payload, a vectorised copy+XOR (the crate's
//! `frame::mask`), and a minimal "ideal" decoder (header parse + fused
//! copy-unmask + SIMD UTF-8 + one callback).
//!
//! Samples of all contenders are interleaved; each cell is the median.
//!
//! Instruction counts (stable on noisy machines): `--instr WORKLOAD CONTENDER`
//! runs one warm-up pass and then one pass inside `measured_region`; run it
//! under callgrind with collection limited to that function:
//!
//! ```text
//! cargo bench --bench throughput --no-run
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//!     --toggle-collect='*measured_region*' \
//!     target/release/deps/throughput-<hash> --instr decode-binary-125 wsdriver
//! callgrind_annotate /tmp/cg.out | head -30
//! ```
#![allow(unsafe_code)]
// The wslay symbols are transmuted to the types of the fields they fill.
#![allow(clippy::missing_transmute_annotations)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{CStr, c_int, c_void};
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::Instant;

use wsdriver::ffi as c;
use wsdriver::frame::mask;
use wsdriver::{Action, Driver, Event, Options};

// ---- counting allocator ----------------------------------------------------

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            LIVE.fetch_add(l.size() as isize, Relaxed);
            ALLOCS.fetch_add(1, Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            LIVE.fetch_add(l.size() as isize, Relaxed);
            ALLOCS.fetch_add(1, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size() as isize, Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's arguments.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_add(new as isize - l.size() as isize, Relaxed);
            ALLOCS.fetch_add(1, Relaxed);
        }
        q
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Relaxed)
}

/// Heap in use according to glibc (for C code that does not go through the
/// Rust allocator).
fn malloc_in_use() -> isize {
    // SAFETY: mallinfo2 only reads allocator statistics.
    unsafe { libc::mallinfo2() }.uordblks as isize
}

// ---- workloads ---------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Ascii,
    Utf8,
    Binary,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ascii => "ascii",
            Kind::Utf8 => "utf8",
            Kind::Binary => "binary",
        }
    }
    fn opcode(self) -> u8 {
        if self == Kind::Binary { 2 } else { 1 }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Decode(Kind),
    /// Encode a binary message; `true`: client side (masked).
    Encode(bool),
}

impl Op {
    fn name(self) -> String {
        match self {
            Op::Decode(k) => format!("decode-{}", k.name()),
            Op::Encode(false) => "encode-server".into(),
            Op::Encode(true) => "encode-client".into(),
        }
    }
}

const SIZES: [usize; 7] = [16, 125, 1024, 16 << 10, 64 << 10, 1 << 20, 16 << 20];
const QUICK_SIZES: [usize; 3] = [16, 125, 16 << 10];

/// Input bytes fed per `read`/`ws_parse` call: what one socket read returns.
const READ_CHUNK: usize = 256 << 10;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn payload(kind: Kind, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size);
    match kind {
        Kind::Ascii => {
            let text = b"The quick brown fox jumps over the lazy dog 0123456789. ";
            while out.len() < size {
                out.push(text[out.len() % text.len()]);
            }
        }
        Kind::Utf8 => {
            let text = "κόσμε ✓ 𝄞 日本語 Привет мир ";
            let mut chars = text.chars().cycle();
            loop {
                let ch = chars.next().expect("cycle");
                let mut b = [0; 4];
                let s = ch.encode_utf8(&mut b).as_bytes();
                if out.len() + s.len() > size {
                    break;
                }
                out.extend_from_slice(s);
            }
            out.resize(size, b'.');
        }
        Kind::Binary => {
            let mut r = Rng(0x9E37_79B9_7F4A_7C15);
            while out.len() < size {
                out.push(r.next() as u8);
            }
        }
    }
    out
}

fn frame_header(out: &mut Vec<u8>, opcode: u8, len: usize, key: Option<[u8; 4]>) {
    out.push(0x80 | opcode);
    let m = if key.is_some() { 0x80 } else { 0 };
    if len < 126 {
        out.push(m | len as u8);
    } else if len <= 0xFFFF {
        out.push(m | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    if let Some(k) = key {
        out.extend_from_slice(&k);
    }
}

/// Masked client frames for a decode workload, and where each payload is.
struct Input {
    bytes: Vec<u8>,
    /// (payload offset, length, key) of each frame.
    frames: Vec<(usize, usize, [u8; 4])>,
    payload_bytes: usize,
}

fn build_input(kind: Kind, size: usize, target: usize) -> Input {
    let n = (target / size).max(1);
    let p = payload(kind, size);
    let mut r = Rng(0x1234_5678_9ABC_DEF1);
    let mut bytes = Vec::with_capacity(n * (size + 14));
    let mut frames = Vec::with_capacity(n);
    for _ in 0..n {
        let key = (r.next() as u32).to_le_bytes();
        frame_header(&mut bytes, kind.opcode(), size, Some(key));
        let at = bytes.len();
        bytes.extend(p.iter().enumerate().map(|(i, b)| b ^ key[i & 3]));
        frames.push((at, size, key));
    }
    Input {
        bytes,
        frames,
        payload_bytes: n * size,
    }
}

// ---- in-memory transport for the stream-based peers -------------------------

/// The shared state of an in-memory stream: the input being read (copied
/// out, like a socket read) and a count of bytes written into the sink.
#[derive(Default)]
struct Feed {
    input: std::cell::Cell<(*const u8, usize)>,
    pos: std::cell::Cell<usize>,
    written: std::cell::Cell<usize>,
    host: std::cell::RefCell<Host>,
}

/// Where every contender's output lands: a reused buffer the bytes are
/// copied into, as a socket write copies them into the kernel's buffer.
/// It starts over when the next write would not fit, so it never grows
/// past its first size or the largest single write.
struct Host {
    buf: Vec<u8>,
    used: usize,
}

impl Default for Host {
    /// Empty until first written, so the memory table counts no host buffer.
    fn default() -> Host {
        Host {
            buf: Vec::new(),
            used: 0,
        }
    }
}

impl Host {
    /// Room for `n` more bytes.
    #[inline]
    fn room(&mut self, n: usize) -> &mut [u8] {
        if self.buf.len() - self.used < n.max(1) {
            self.used = 0;
            if self.buf.len() < n.max(256 << 10) {
                self.buf.resize(n.max(256 << 10), 0);
            }
        }
        &mut self.buf[self.used..]
    }

    #[inline]
    fn put(&mut self, data: &[u8]) {
        self.room(data.len())[..data.len()].copy_from_slice(data);
        self.used += data.len();
        black_box(&self.buf[self.used - data.len()..self.used]);
    }

    /// Lets `f` write straight into the buffer (`Err(needed)` when the room
    /// it got was too small); returns the bytes written.
    #[inline]
    fn write_with(&mut self, mut f: impl FnMut(&mut [u8]) -> Result<usize, usize>) -> usize {
        let n = match f(self.room(0)) {
            Ok(n) => n,
            Err(need) => f(self.room(need)).expect("room for what was asked"),
        };
        self.used += n;
        black_box(&self.buf[self.used - n..self.used]);
        n
    }
}

/// A stream over a [`Feed`]; the bench keeps another handle to the feed.
#[derive(Clone, Default)]
struct MemIo(std::rc::Rc<Feed>);

impl MemIo {
    /// The caller keeps `input` alive and unchanged while it is read.
    fn reset(&self, input: &[u8]) {
        self.0.input.set((input.as_ptr(), input.len()));
        self.0.pos.set(0);
    }
    fn written(&self) -> usize {
        self.0.written.get()
    }
    #[inline]
    fn fill(&self, dst: &mut [u8]) -> usize {
        let (p, len) = self.0.input.get();
        let pos = self.0.pos.get();
        let n = dst.len().min(len - pos);
        if n > 0 {
            // SAFETY: `p..p+len` is alive and unchanged while set (see `reset`).
            let src = unsafe { std::slice::from_raw_parts(p.add(pos), n) };
            dst[..n].copy_from_slice(src);
            self.0.pos.set(pos + n);
        }
        n
    }
    #[inline]
    fn sink(&self, data: &[u8]) -> usize {
        self.0.host.borrow_mut().put(data);
        self.0.written.set(self.0.written.get() + data.len());
        data.len()
    }
}

impl Read for MemIo {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.fill(buf) {
            0 => Err(io::ErrorKind::WouldBlock.into()),
            n => Ok(n),
        }
    }
}

impl Write for MemIo {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(self.sink(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for MemIo {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.fill(buf.initialize_unfilled());
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for MemIo {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(self.sink(b)))
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(bufs.iter().map(|b| self.sink(b)).sum()))
    }
    fn is_write_vectored(&self) -> bool {
        true
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

// ---- contenders --------------------------------------------------------------

/// One pass of a workload: returns (messages, payload bytes) seen.
trait Contender {
    fn run(&mut self, w: &Work) -> (usize, usize);
}

/// What a pass works on.
struct Work {
    op: Op,
    /// Decode: the input; encode: unused.
    input: Input,
    /// Encode: the payload and how many messages per pass.
    payload: Vec<u8>,
    count: usize,
}

const HANDSHAKE: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
const CLIENT_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn drain(d: &mut Driver, seen: &mut (usize, usize)) {
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

fn open_server() -> Driver {
    let mut d = Driver::server(Options::default());
    d.start().unwrap();
    d.parse(HANDSHAKE);
    drain(&mut d, &mut (0, 0));
    assert_eq!(d.state(), wsdriver::ReadyState::Open);
    d
}

fn open_client() -> Driver {
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

struct WsRust(Driver, Host);

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

#[derive(Default)]
struct CSeen {
    messages: usize,
    bytes: usize,
    writes: usize,
    written: usize,
    host: Host,
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
struct WsC {
    drv: *mut c::ws_driver,
    seen: Box<CSeen>,
}

impl WsC {
    /// A C API server that has read the handshake and is open.
    fn new() -> WsC {
        let w = WsC::new_unstarted();
        c::ws_start(w.drv);
        c::ws_parse(w.drv, HANDSHAKE.as_ptr(), HANDSHAKE.len());
        w
    }

    fn new_unstarted() -> WsC {
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
    fn client() -> WsC {
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
struct WsCPull {
    drv: *mut c::ws_driver,
    host: Host,
    actions: Vec<c::ws_action>,
}

impl WsCPull {
    fn new(client: bool) -> WsCPull {
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
struct WsCInto {
    drv: *mut c::ws_driver,
    host: Host,
}

impl WsCInto {
    fn new(client: bool) -> WsCInto {
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
    fn decode(&mut self, input: &[u8], seen: &mut (usize, usize)) {
        for chunk in input.chunks(READ_CHUNK) {
            c::ws_feed(self.drv, chunk.as_ptr(), chunk.len());
            self.take(seen);
        }
    }

    /// Takes every waiting action: messages are counted, writes copied to
    /// the host buffer.
    fn take(&mut self, seen: &mut (usize, usize)) {
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

struct Tungstenite(tungstenite::WebSocket<MemIo>, MemIo);

impl Tungstenite {
    fn new(client: bool) -> Tungstenite {
        let config = tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None);
        let role = if client {
            tungstenite::protocol::Role::Client
        } else {
            tungstenite::protocol::Role::Server
        };
        let io = MemIo::default();
        Tungstenite(
            tungstenite::WebSocket::from_raw_socket(io.clone(), role, Some(config)),
            io,
        )
    }
}

impl Contender for Tungstenite {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let ws = &mut self.0;
        let mut seen = (0, 0);
        match w.op {
            Op::Decode(_) => {
                self.1.reset(&w.input.bytes);
                for _ in 0..w.input.frames.len() {
                    let len = match ws.read().expect("tungstenite read") {
                        tungstenite::Message::Text(t) => t.len(),
                        tungstenite::Message::Binary(b) => b.len(),
                        _ => continue,
                    };
                    seen.0 += 1;
                    seen.1 += len;
                }
            }
            Op::Encode(_) => {
                let payload = tungstenite::Bytes::copy_from_slice(&w.payload);
                let before = self.1.written();
                for _ in 0..w.count {
                    ws.send(tungstenite::Message::Binary(payload.clone()))
                        .expect("tungstenite send");
                    seen.0 += 1;
                }
                seen.1 = self.1.written() - before;
            }
        }
        seen
    }
}

struct FastWs {
    rt: tokio::runtime::Runtime,
    ws: fastwebsockets::WebSocket<MemIo>,
    io: MemIo,
}

impl FastWs {
    fn new(client: bool) -> FastWs {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let role = if client {
            fastwebsockets::Role::Client
        } else {
            fastwebsockets::Role::Server
        };
        let io = MemIo::default();
        let mut ws = fastwebsockets::WebSocket::after_handshake(io.clone(), role);
        ws.set_max_message_size(usize::MAX);
        FastWs { rt, ws, io }
    }
}

impl Contender for FastWs {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let (ws, io) = (&mut self.ws, &self.io);
        self.rt.block_on(async {
            let mut seen = (0, 0);
            match w.op {
                Op::Decode(_) => {
                    io.reset(&w.input.bytes);
                    for _ in 0..w.input.frames.len() {
                        let frame = ws.read_frame().await.expect("fastwebsockets read");
                        seen.0 += 1;
                        seen.1 += frame.payload.len();
                        black_box(&frame.payload[..]);
                    }
                }
                Op::Encode(_) => {
                    let before = io.written();
                    for _ in 0..w.count {
                        let frame = fastwebsockets::Frame::binary(
                            fastwebsockets::Payload::Borrowed(&w.payload),
                        );
                        ws.write_frame(frame).await.expect("fastwebsockets write");
                        seen.0 += 1;
                    }
                    seen.1 = io.written() - before;
                }
            }
            seen
        })
    }
}

// ---- wslay (dlopen) ------------------------------------------------------------

type WslayCtx = *mut c_void;
type RecvCb = unsafe extern "C" fn(WslayCtx, *mut u8, usize, c_int, *mut c_void) -> isize;
type SendCb = unsafe extern "C" fn(WslayCtx, *const u8, usize, c_int, *mut c_void) -> isize;
type GenmaskCb = unsafe extern "C" fn(WslayCtx, *mut u8, usize, *mut c_void) -> c_int;
type MsgRecvCb = unsafe extern "C" fn(WslayCtx, *const WslayMsgRecvArg, *mut c_void);

#[repr(C)]
struct WslayCallbacks {
    recv: Option<RecvCb>,
    send: Option<SendCb>,
    genmask: Option<GenmaskCb>,
    frame_start: Option<unsafe extern "C" fn()>,
    frame_chunk: Option<unsafe extern "C" fn()>,
    frame_end: Option<unsafe extern "C" fn()>,
    msg_recv: Option<MsgRecvCb>,
}

#[repr(C)]
struct WslayMsgRecvArg {
    rsv: u8,
    opcode: u8,
    msg: *const u8,
    msg_length: usize,
    status_code: u16,
}

#[repr(C)]
struct WslayMsg {
    opcode: u8,
    msg: *const u8,
    msg_length: usize,
}

struct WslayLib {
    server_init: unsafe extern "C" fn(*mut WslayCtx, *const WslayCallbacks, *mut c_void) -> c_int,
    client_init: unsafe extern "C" fn(*mut WslayCtx, *const WslayCallbacks, *mut c_void) -> c_int,
    free: unsafe extern "C" fn(WslayCtx),
    recv: unsafe extern "C" fn(WslayCtx) -> c_int,
    send: unsafe extern "C" fn(WslayCtx) -> c_int,
    queue_msg: unsafe extern "C" fn(WslayCtx, *const WslayMsg) -> c_int,
    set_error: unsafe extern "C" fn(WslayCtx, c_int),
}

const WSLAY_ERR_WOULDBLOCK: c_int = -401;

fn load_wslay() -> Option<&'static WslayLib> {
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

struct WslayState {
    io: MemIo,
    messages: usize,
    bytes: usize,
    lib: &'static WslayLib,
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

struct Wslay {
    ctx: WslayCtx,
    state: Box<WslayState>,
}

impl Wslay {
    fn new(client: bool) -> Option<Wslay> {
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

// ---- limits --------------------------------------------------------------------

/// memcpy: each payload copied into a reused buffer.
struct Memcpy(Vec<u8>);

impl Contender for Memcpy {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        match w.op {
            Op::Decode(_) => {
                for &(at, len, _) in &w.input.frames {
                    self.0.clear();
                    self.0.extend_from_slice(&w.input.bytes[at..at + len]);
                    black_box(&self.0);
                    seen.0 += 1;
                    seen.1 += len;
                }
            }
            Op::Encode(_) => {
                for _ in 0..w.count {
                    self.0.clear();
                    self.0.extend_from_slice(&w.payload);
                    black_box(&self.0);
                    seen.0 += 1;
                    seen.1 += w.payload.len();
                }
            }
        }
        seen
    }
}

/// Vectorised copy+XOR of each payload into a reused buffer.
struct CopyXor(Vec<u8>);

impl Contender for CopyXor {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        match w.op {
            Op::Decode(_) => {
                for &(at, len, key) in &w.input.frames {
                    self.0.clear();
                    mask::append_masked(&mut self.0, &w.input.bytes[at..at + len], key, 0);
                    black_box(&self.0);
                    seen.0 += 1;
                    seen.1 += len;
                }
            }
            Op::Encode(_) => {
                for i in 0..w.count {
                    self.0.clear();
                    let key = (i as u32).wrapping_mul(0x9E37_79B9).to_le_bytes();
                    mask::append_masked(&mut self.0, &w.payload, key, 0);
                    black_box(&self.0);
                    seen.0 += 1;
                    seen.1 += w.payload.len();
                }
            }
        }
        seen
    }
}

/// The least a decoder must do: parse each header, copy-unmask the payload
/// into a reused buffer in one pass, validate text, call back once.
struct Ideal {
    buf: Vec<u8>,
    cb: fn(&[u8], &mut (usize, usize)),
}

fn ideal_callback(data: &[u8], seen: &mut (usize, usize)) {
    seen.0 += 1;
    seen.1 += data.len();
    black_box(data);
}

impl Contender for Ideal {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let mut seen = (0, 0);
        let input = &w.input.bytes[..];
        let mut pos = 0;
        let cb = black_box(self.cb);
        while pos + 2 <= input.len() {
            let (b0, b1) = (input[pos], input[pos + 1]);
            let (len, mut at) = match b1 & 0x7F {
                126 => (
                    u16::from_be_bytes([input[pos + 2], input[pos + 3]]) as usize,
                    4,
                ),
                127 => (
                    u64::from_be_bytes(input[pos + 2..pos + 10].try_into().expect("8")) as usize,
                    10,
                ),
                l => (l as usize, 2),
            };
            let key: [u8; 4] = input[pos + at..pos + at + 4].try_into().expect("4");
            at += 4;
            let p = &input[pos + at..pos + at + len];
            pos += at + len;
            self.buf.clear();
            mask::append_masked(&mut self.buf, p, key, 0);
            if b0 & 0x0F == 1 && simdutf8::basic::from_utf8(&self.buf).is_err() {
                panic!("invalid UTF-8");
            }
            cb(&self.buf, &mut seen);
        }
        seen
    }
}

// ---- running -------------------------------------------------------------------

const CONTENDERS: [&str; 10] = [
    "wsdriver",
    "wsdriver-c",
    "wsdriver-c-pull",
    "wsdriver-c-into",
    "tungstenite",
    "fastwebsockets",
    "wslay",
    "memcpy",
    "copy+xor",
    "ideal",
];

fn make(name: &str, op: Op) -> Option<Box<dyn Contender>> {
    let client = op == Op::Encode(true);
    let cap = 16 << 20;
    Some(match (name, op) {
        ("wsdriver", _) => Box::new(WsRust(
            if client { open_client() } else { open_server() },
            Host::default(),
        )),
        ("wsdriver-c", Op::Encode(true)) => Box::new(WsC::client()),
        ("wsdriver-c", _) => Box::new(WsC::new()),
        ("wsdriver-c-pull", _) => Box::new(WsCPull::new(client)),
        ("wsdriver-c-into", Op::Encode(_)) => Box::new(WsCInto::new(client)),
        ("tungstenite", _) => Box::new(Tungstenite::new(client)),
        ("fastwebsockets", _) => Box::new(FastWs::new(client)),
        ("wslay", _) => Box::new(Wslay::new(client)?),
        ("memcpy", _) => Box::new(Memcpy(Vec::with_capacity(cap))),
        ("copy+xor", Op::Encode(false)) => return None,
        ("copy+xor", _) => Box::new(CopyXor(Vec::with_capacity(cap))),
        ("ideal", Op::Decode(_)) => Box::new(Ideal {
            buf: Vec::with_capacity(cap),
            cb: ideal_callback,
        }),
        _ => return None,
    })
}

// ---- running -------------------------------------------------------------------

struct Config {
    quick: bool,
    callgrind: bool,
    samples: usize,
    filter: Vec<String>,
    markdown: Option<String>,
}

/// Payload bytes one sample processes: 256 MiB, less for tiny frames to bound time.
fn sample_bytes(size: usize, quick: bool) -> usize {
    if quick {
        return 4 << 20;
    }
    match size {
        0..=16 => 16 << 20,
        17..=125 => 64 << 20,
        _ => 256 << 20,
    }
}

struct Cell {
    op: Op,
    size: usize,
    /// Per contender: median seconds per sample, or None when not run.
    secs: Vec<Option<f64>>,
    /// Payload bytes and messages per sample.
    bytes: usize,
    messages: usize,
    /// Per contender: heap allocations per message in steady state.
    allocs: Vec<Option<f64>>,
    /// Per contender: page faults per message in steady state.
    faults: Vec<Option<f64>>,
}

impl Cell {
    fn mbps(&self, i: usize) -> Option<f64> {
        self.secs[i].map(|s| self.bytes as f64 / s / 1e6)
    }
    fn fps(&self, i: usize) -> Option<f64> {
        self.secs[i].map(|s| self.messages as f64 / s)
    }
    fn by_name(&self, name: &str) -> Option<f64> {
        self.mbps(CONTENDERS.iter().position(|c| *c == name)?)
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    v[v.len() / 2]
}

fn work_for(op: Op, size: usize, quick: bool) -> (Work, usize) {
    let total = sample_bytes(size, quick);
    match op {
        Op::Decode(kind) => {
            let input = build_input(kind, size, total.min(4 << 20));
            let passes = total.div_ceil(input.payload_bytes);
            let w = Work {
                op,
                input,
                payload: Vec::new(),
                count: 0,
            };
            (w, passes)
        }
        Op::Encode(_) => {
            let count = (total / size).clamp(1, 1 << 20);
            let w = Work {
                op,
                input: Input {
                    bytes: Vec::new(),
                    frames: Vec::new(),
                    payload_bytes: count * size,
                },
                payload: payload(Kind::Binary, size),
                count,
            };
            (w, total.div_ceil(count * size))
        }
    }
}

fn run_cell(op: Op, size: usize, cfg: &Config) -> Cell {
    let (w, passes) = work_for(op, size, cfg.quick);
    let per_pass = if matches!(op, Op::Decode(_)) {
        w.input.frames.len()
    } else {
        w.count
    };
    let mut contenders: Vec<Option<Box<dyn Contender>>> =
        CONTENDERS.iter().map(|n| make(n, op)).collect();
    let mut allocs = vec![None; CONTENDERS.len()];
    let mut faults = vec![None; CONTENDERS.len()];
    // Warm-up pass; checks what each contender saw and counts allocations.
    for (i, c) in contenders.iter_mut().enumerate() {
        let Some(c) = c else { continue };
        c.run(&w);
        let a0 = ALLOCS.load(Relaxed);
        let f0 = minor_faults();
        let (m, b) = c.run(&w);
        allocs[i] = Some((ALLOCS.load(Relaxed) - a0) as f64 / per_pass as f64);
        faults[i] = Some((minor_faults() - f0) as f64 / per_pass as f64);
        assert_eq!(m, per_pass, "{}: messages", CONTENDERS[i]);
        if let Op::Decode(_) = op {
            assert_eq!(b, w.input.payload_bytes, "{}: bytes", CONTENDERS[i]);
        }
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); CONTENDERS.len()];
    for _ in 0..cfg.samples {
        for (i, c) in contenders.iter_mut().enumerate() {
            let Some(c) = c else { continue };
            let t = Instant::now();
            for _ in 0..passes {
                black_box(c.run(&w));
            }
            times[i].push(t.elapsed().as_secs_f64());
        }
    }
    Cell {
        op,
        size,
        secs: times
            .iter_mut()
            .map(|t| (!t.is_empty()).then(|| median(t)))
            .collect(),
        bytes: passes * w.input.payload_bytes,
        messages: passes * per_pass,
        allocs,
        faults,
    }
}

/// Page faults of this process so far (fresh memory being touched).
fn minor_faults() -> i64 {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to a rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u.ru_minflt
}

// ---- memory --------------------------------------------------------------------

/// Live heap of one connection: at creation (before any input), once open
/// and idle, and idle again after a 1 MiB message went through.
struct Footprint {
    name: &'static str,
    created: isize,
    open: isize,
    after_1mib: isize,
    note: &'static str,
}

fn one_mib_frame() -> Vec<u8> {
    build_input(Kind::Binary, 1 << 20, 1 << 20).bytes
}

fn footprint_wsdriver() -> Vec<Footprint> {
    let frame = one_mib_frame();
    let base = live();
    let mut d = Box::new(Driver::server(Options::default()));
    let created = live() - base;
    d.start().unwrap();
    d.parse(HANDSHAKE);
    drain(&mut d, &mut (0, 0));
    let open = live() - base;
    let mut seen = (0, 0);
    for chunk in frame.chunks(64 << 10) {
        d.parse(chunk);
        drain(&mut d, &mut seen);
    }
    assert_eq!(seen.1, 1 << 20);
    let after = live() - base;
    drop(d);
    let server = Footprint {
        name: "wsdriver (server)",
        created,
        open,
        after_1mib: after,
        note: "Box<Driver>; request kept for queries",
    };
    let base = live();
    let d = Box::new(Driver::client("ws://example.com/chat", Options::default()).expect("url"));
    let created = live() - base;
    drop(d);
    let base2 = live();
    let d = Box::new(open_client());
    let open = live() - base2;
    drop(d);
    let client = Footprint {
        name: "wsdriver (client)",
        created,
        open,
        after_1mib: -1,
        note: "Box<Driver>; response kept for queries",
    };
    vec![server, client]
}

fn footprint_capi() -> Footprint {
    let frame = one_mib_frame();
    let base = live();
    let c = WsC::new_unstarted();
    let created = live() - base;
    c::ws_start(c.drv);
    c::ws_parse(c.drv, HANDSHAKE.as_ptr(), HANDSHAKE.len());
    // The bench's host buffer (filled by the first write) is not the driver's.
    let host = |c: &WsC| c.seen.host.buf.capacity() as isize;
    let open = live() - base - host(&c);
    for chunk in frame.chunks(64 << 10) {
        c::ws_parse(c.drv, chunk.as_ptr(), chunk.len());
    }
    assert_eq!(c.seen.bytes, 1 << 20);
    let after = live() - base - host(&c);
    drop(c);
    Footprint {
        name: "wsdriver-c",
        created,
        open,
        after_1mib: after,
        note: "ws_driver handle with callbacks",
    }
}

fn footprint_tungstenite() -> Footprint {
    let frame = one_mib_frame();
    let base = live();
    let mut t = Tungstenite::new(false);
    let created = live() - base;
    t.1.reset(&frame);
    let m = t.0.read().expect("read");
    assert_eq!(m.len(), 1 << 20);
    drop(m);
    let after = live() - base;
    drop(t);
    Footprint {
        name: "tungstenite",
        created,
        open: created,
        after_1mib: after,
        note: "WebSocket::from_raw_socket",
    }
}

fn footprint_fastws() -> Footprint {
    let frame = one_mib_frame();
    let base = live();
    let mut f = FastWs::new(false);
    let created = live() - base;
    f.io.reset(&frame);
    let (ws, rt) = (&mut f.ws, &f.rt);
    let n = rt.block_on(async { ws.read_frame().await.expect("read").payload.len() });
    assert_eq!(n, 1 << 20);
    let after = live() - base;
    drop(f);
    Footprint {
        name: "fastwebsockets",
        created,
        open: created,
        after_1mib: after,
        note: "WebSocket::after_handshake (+ tokio runtime)",
    }
}

fn footprint_wslay() -> Option<Footprint> {
    let frame = one_mib_frame();
    let base = malloc_in_use();
    let rust_base = live();
    let w = Wslay::new(false)?;
    // The Rust-side state box is the bench's, not wslay's.
    let created = malloc_in_use() - base - (live() - rust_base);
    w.state.io.reset(&frame);
    // SAFETY: live context.
    unsafe { (w.state.lib.recv)(w.ctx) };
    assert_eq!(w.state.bytes, 1 << 20);
    let after = malloc_in_use() - base - (live() - rust_base);
    drop(w);
    Some(Footprint {
        name: "wslay",
        created,
        open: created,
        after_1mib: after,
        note: "wslay_event_context (glibc mallinfo2)",
    })
}

// ---- reporting -----------------------------------------------------------------

fn fmt_rate(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2}G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn fmt_size(s: usize) -> String {
    if s >= 1 << 20 {
        format!("{} MiB", s >> 20)
    } else if s >= 1 << 10 {
        format!("{} KiB", s >> 10)
    } else {
        format!("{s} B")
    }
}

fn print_cell(c: &Cell) {
    let memcpy = c.by_name("memcpy");
    for (i, name) in CONTENDERS.iter().enumerate() {
        let (Some(mb), Some(fps)) = (c.mbps(i), c.fps(i)) else {
            continue;
        };
        let ratio = memcpy.map_or(String::new(), |m| format!("{:.2}x memcpy", mb / m));
        println!(
            "{:<15} {:>7} {:<15} {:>9.0} MB/s {:>8} frames/s {:>12} {:>6.2} allocs/msg {:>7.1} faults/msg",
            c.op.name(),
            fmt_size(c.size),
            name,
            mb,
            fmt_rate(fps),
            ratio,
            c.allocs[i].unwrap_or(0.0),
            c.faults[i].unwrap_or(0.0)
        );
    }
}

struct Target {
    what: String,
    value: f64,
    goal: f64,
}

fn best_peer(c: &Cell) -> Option<(f64, &'static str)> {
    ["tungstenite", "fastwebsockets", "wslay"]
        .iter()
        .filter_map(|n| c.by_name(n).map(|v| (v, *n)))
        .max_by(|a, b| a.0.partial_cmp(&b.0).expect("no NaN"))
}

fn targets(cells: &[Cell]) -> Vec<Target> {
    let mut out = Vec::new();
    for c in cells {
        let Some(ours) = c.by_name("wsdriver") else {
            continue;
        };
        let label = format!("{} {}", c.op.name(), fmt_size(c.size));
        match c.op {
            Op::Decode(_) => {
                if let Some((peer, name)) = best_peer(c) {
                    out.push(Target {
                        what: format!("{label}: wsdriver / best peer ({name})"),
                        value: ours / peer,
                        goal: 1.5,
                    });
                }
                if let Some(ideal) = c.by_name("ideal") {
                    let goal = if c.size >= 1024 { 0.6 } else { 0.4 };
                    out.push(Target {
                        what: format!("{label}: wsdriver / ideal"),
                        value: ours / ideal,
                        goal,
                    });
                }
                if c.size == 125 {
                    if let Some(capi) = c.by_name("wsdriver-c") {
                        out.push(Target {
                            what: format!("{label}: C API / Rust API"),
                            value: capi / ours,
                            goal: 0.8,
                        });
                    }
                }
            }
            Op::Encode(client) => {
                if c.size <= 125 {
                    if let Some((peer, name)) = best_peer(c) {
                        out.push(Target {
                            what: format!("{label}: wsdriver / best peer ({name})"),
                            value: ours / peer,
                            goal: 1.5,
                        });
                    }
                }
                if !client && c.size >= 16 << 10 {
                    if let Some(m) = c.by_name("memcpy") {
                        out.push(Target {
                            what: format!("{label}: wsdriver / memcpy"),
                            value: ours / m,
                            goal: 0.9,
                        });
                    }
                }
            }
        }
    }
    out
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn lock_version(name: &str) -> String {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .unwrap_or_default();
    let needle = format!("name = \"{name}\"\nversion = \"");
    lock.find(&needle)
        .map(|i| {
            let rest = &lock[i + needle.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .unwrap_or_else(|| "?".into())
}

fn machine() -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("?".to_owned(), |s| s.trim().to_owned());
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or_default();
    let simd: Vec<&str> = ["sse4_2", "avx2", "avx512bw"]
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|x| x == *f))
        .collect();
    let wslay = command_output("dpkg-query", &["-W", "-f", "${Version}", "libwslay1"]);
    vec![
        ("CPU".into(), format!("{cpu} ({})", simd.join(", "))),
        (
            "cores".into(),
            std::thread::available_parallelism().map_or("?".into(), |n| n.to_string()),
        ),
        ("rustc".into(), command_output("rustc", &["-V"])),
        ("wsdriver".into(), env!("CARGO_PKG_VERSION").into()),
        ("tungstenite".into(), lock_version("tungstenite")),
        ("fastwebsockets".into(), lock_version("fastwebsockets")),
        ("tokio".into(), lock_version("tokio")),
        (
            "wslay".into(),
            if load_wslay().is_some() {
                format!("libwslay1 {wslay} (dlopen)")
            } else {
                "not installed (skipped)".into()
            },
        ),
    ]
}

/// Workloads and contenders of the instruction-count table: the cells of
/// the performance goals.
const INSTR_WORKLOADS: [&str; 10] = [
    "decode-binary-16",
    "decode-utf8-16",
    "decode-ascii-125",
    "decode-ascii-1024",
    "decode-binary-65536",
    "encode-server-16",
    "encode-server-125",
    "encode-server-1024",
    "encode-server-65536",
    "encode-client-16",
];
const INSTR_CONTENDERS: [&str; 10] = [
    "wsdriver",
    "wsdriver-c",
    "wsdriver-c-pull",
    "wsdriver-c-into",
    "tungstenite",
    "fastwebsockets",
    "wslay",
    "ideal",
    "memcpy",
    "copy+xor",
];

/// glibc copies with `rep movsb` above a size threshold, which callgrind
/// counts as one instruction per byte; vector loops are what the hardware
/// runs at the same cost, so the counts use them.
const NO_REP_MOVSB: &str =
    "glibc.cpu.x86_rep_movsb_threshold=4294967295:glibc.cpu.x86_rep_stosb_threshold=4294967295";

fn parse_workload(workload: &str) -> (Op, usize) {
    let (opname, size) = workload
        .rsplit_once('-')
        .expect("WORKLOAD like decode-binary-125");
    let size: usize = size.parse().expect("size in bytes");
    let op = match opname {
        "decode-ascii" => Op::Decode(Kind::Ascii),
        "decode-utf8" => Op::Decode(Kind::Utf8),
        "decode-binary" => Op::Decode(Kind::Binary),
        "encode-server" => Op::Encode(false),
        "encode-client" => Op::Encode(true),
        _ => panic!("unknown operation {opname}"),
    };
    (op, size)
}

/// Instructions per message of `--instr` runs under callgrind, by workload
/// and contender; empty when valgrind is missing.
fn callgrind_table() -> Vec<(String, Vec<Option<f64>>)> {
    let exe = std::env::current_exe().expect("own path");
    let mut rows = Vec::new();
    for w in INSTR_WORKLOADS {
        let mut row = Vec::new();
        let (op, _) = parse_workload(w);
        for c in INSTR_CONTENDERS {
            if make(c, op).is_none() {
                row.push(None);
                continue;
            }
            let out = std::process::Command::new("valgrind")
                .env("GLIBC_TUNABLES", NO_REP_MOVSB)
                .args([
                    "--tool=callgrind",
                    "--callgrind-out-file=/dev/null",
                    "--toggle-collect=*measured_region*",
                ])
                .arg(&exe)
                .args(["--instr", w, c])
                .output();
            let Ok(out) = out else {
                return Vec::new();
            };
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let collected = text
                .lines()
                .find_map(|l| l.split("Collected : ").nth(1))
                .and_then(|v| v.trim().parse::<f64>().ok());
            let messages = text
                .lines()
                .find_map(|l| l.split("one pass = ").nth(1))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
            let v = collected.zip(messages).map(|(i, m)| i / m);
            println!("callgrind {w} {c}: {v:?} instructions/message");
            row.push(v);
        }
        rows.push((w.to_owned(), row));
    }
    rows
}

fn markdown(
    cfg: &Config,
    cells: &[Cell],
    mem: &[Footprint],
    instr: &[(String, Vec<Option<f64>>)],
    secs: f64,
) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "Generated by `benches/throughput.rs` in one process run ({:.0} s, {} samples per cell, \
         interleaved; medians). Reproduce with:\n\n```sh\ncargo bench --bench throughput -- \
         --markdown docs/BENCHMARKS.md --callgrind\n```\n",
        secs, cfg.samples
    );
    let _ = writeln!(w, "| machine | |\n| --- | --- |");
    for (k, v) in machine() {
        let _ = writeln!(w, "| {k} | {v} |");
    }
    let _ = writeln!(
        w,
        "\nThe machine is shared (2 cores, other builds running): absolute numbers are noisy; \
         ratios within one run are what the targets are about. For stable comparisons use the \
         instruction counts (below).\n"
    );
    let _ = writeln!(w, "## Method\n");
    let _ = writeln!(
        w,
        "- **decode**: server side, masked client frames (one frame per message, a fresh mask \
         key per frame) of ASCII text, multi-byte UTF-8 text, or binary. Input is up to 4 MiB \
         of frames, re-read until a sample has processed 256 MiB of payload (64 MiB at 125 B, \
         16 MiB at 16 B). wsdriver gets the input in {} KiB slices (one socket read each) \
         through `Driver::read` + `poll_action` + `recycle` (Rust) or `ws_parse` with \
         `ws_on_message` (C API, called from Rust as `extern \"C\"` functions); the peers read \
         it from an in-memory stream that copies like a socket read: tungstenite \
         `WebSocket::read`, fastwebsockets `WebSocket::read_frame` (current-thread tokio), \
         wslay `wslay_event_recv`. All peers validate UTF-8 of text.",
        READ_CHUNK >> 10
    );
    let _ = writeln!(
        w,
        "- **encode**: one binary message per call, server (unmasked) or client (masked); every \
         contender's output lands in a reused host buffer, as a socket write would take it \
         (copied there, or framed there). wsdriver: `binary` + `poll_action` + `recycle`, then \
         a copy; wsdriver-c: `ws_binary` with `ws_on_write` copying; wsdriver-c-pull: \
         `ws_binary` + `ws_poll_many`, copying the write; wsdriver-c-into: `ws_frame_message` \
         straight into the host buffer; tungstenite `send`; fastwebsockets `write_frame` \
         (writev above 1 KiB: header and payload copied into the host buffer); wslay \
         `queue_msg` + `send`.\n- **decode, pull path** (wsdriver-c-pull): `ws_feed` of each \
         socket read, then `ws_poll_many` (64 actions per call) until empty."
    );
    let _ = writeln!(
        w,
        "- **limits**: `memcpy` copies each payload into a reused buffer; `copy+xor` is the \
         crate's vectorised copy-unmask into a reused buffer; `ideal` parses each header, \
         copy-unmasks into a reused buffer, validates text with simdutf8 and calls one \
         callback.\n- cells: MB/s of payload · messages/s · ratio to memcpy; allocs/msg is \
         heap allocations per message in steady state.\n"
    );
    let mut ops: Vec<Op> = Vec::new();
    for c in cells {
        if !ops.contains(&c.op) {
            ops.push(c.op);
        }
    }
    for op in ops {
        let rows: Vec<&Cell> = cells.iter().filter(|c| c.op == op).collect();
        let cols: Vec<usize> = (0..CONTENDERS.len())
            .filter(|&i| rows.iter().any(|c| c.secs[i].is_some()))
            .collect();
        let _ = writeln!(w, "## {}\n", op.name());
        let _ = write!(w, "| size |");
        for &i in &cols {
            let _ = write!(w, " {} |", CONTENDERS[i]);
        }
        let _ = write!(w, "\n| ---: |");
        for _ in &cols {
            let _ = write!(w, " ---: |");
        }
        let _ = writeln!(w);
        for c in rows.iter() {
            let memcpy = c.by_name("memcpy");
            let _ = write!(w, "| {} |", fmt_size(c.size));
            for &i in &cols {
                match (c.mbps(i), c.fps(i)) {
                    (Some(mb), Some(fps)) => {
                        let r = memcpy.map_or(String::new(), |m| format!(" · {:.2}×", mb / m));
                        let _ = write!(w, " {mb:.0} MB/s · {}/s{r} |", fmt_rate(fps));
                    }
                    _ => {
                        let _ = write!(w, " — |");
                    }
                }
            }
            let _ = writeln!(w);
        }
        let _ = write!(w, "\nallocations per message:\n\n| size |");
        for &i in &cols {
            let _ = write!(w, " {} |", CONTENDERS[i]);
        }
        let _ = write!(w, "\n| ---: |");
        for _ in &cols {
            let _ = write!(w, " ---: |");
        }
        let _ = writeln!(w);
        for c in rows.iter() {
            let _ = write!(w, "| {} |", fmt_size(c.size));
            for &i in &cols {
                match c.allocs[i] {
                    Some(a) => {
                        let _ = write!(w, " {a:.2} |");
                    }
                    None => {
                        let _ = write!(w, " — |");
                    }
                }
            }
            let _ = writeln!(w);
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(
        w,
        "## Reading the results\n\n- Wall-clock ratios move by tens of percent between runs on \
         this shared 2-core machine (the Rust and C API columns run the same core code). The \
         instruction counts at the end do not move.\n- Every encode contender's bytes end in the \
         host buffer (a socket write copies them into the kernel the same way): fastwebsockets' \
         `writev` above 1 KiB copies header and payload there, wsdriver-c-into frames straight \
         into it (one copy, like memcpy), the queued paths copy the driver's frame there.\n- wsdriver reads frames from the caller's slice; the peers copy from the \
         in-memory stream into their own buffer first, as they would from a socket.\n"
    );
    let _ = writeln!(
        w,
        "## Targets\n\n| ratio | value | target | met |\n| --- | ---: | ---: | --- |"
    );
    for t in targets(cells) {
        let _ = writeln!(
            w,
            "| {} | {:.2} | ≥ {} | {} |",
            t.what,
            t.value,
            t.goal,
            if t.value >= t.goal { "yes" } else { "**no**" }
        );
    }
    let _ = writeln!(
        w,
        "\n## Memory per connection\n\nLive heap bytes (counting global allocator; wslay \
         through glibc's `mallinfo2`), with `Options::default()` (retained buffer {} bytes). \
         *created*: right after construction; *open*: after the handshake, idle; *after 1 MiB*: \
         idle again after one 1 MiB message was received and dropped.\n\n| connection | created \
         | open | after 1 MiB | what |\n| --- | ---: | ---: | ---: | --- |",
        Options::default().retained_buffer
    );
    for m in mem {
        let after = if m.after_1mib < 0 {
            "—".to_owned()
        } else {
            m.after_1mib.to_string()
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            m.name, m.created, m.open, after, m.note
        );
    }
    let _ = writeln!(w, "{}", INSTR_DOC);
    if !instr.is_empty() {
        let _ = write!(
            w,
            "\nInstructions per message measured this way (`--callgrind` runs them all):\n\n| workload |"
        );
        for c in INSTR_CONTENDERS {
            let _ = write!(w, " {c} |");
        }
        let _ = write!(w, "\n| --- |");
        for _ in INSTR_CONTENDERS {
            let _ = write!(w, " ---: |");
        }
        let _ = writeln!(w);
        for (name, row) in instr {
            let _ = write!(w, "| {name} |");
            for v in row {
                match v {
                    Some(v) => {
                        let _ = write!(w, " {v:.0} |");
                    }
                    None => {
                        let _ = write!(w, " — |");
                    }
                }
            }
            let _ = writeln!(w);
        }
        goal_table(w, instr);
    }
    s
}

/// The goal cells from the instruction counts: wsdriver's fastest C API
/// path against the best peer and the limit, and pull against callbacks.
fn goal_table(w: &mut String, instr: &[(String, Vec<Option<f64>>)]) {
    let col = |row: &[Option<f64>], name: &str| {
        INSTR_CONTENDERS
            .iter()
            .position(|c| *c == name)
            .and_then(|i| row[i])
    };
    let _ = writeln!(
        w,
        "\nGoals from these counts (fewer instructions is better; ratios > 1 favour wsdriver): \
         wsdriver's fastest C API path against the best peer and against the limit (ideal \
         decoder, memcpy, copy+xor for a client), and the pull path against callbacks.\n\n\
         | workload | fastest C path | Ir | best peer | Ir | peer / ours | limit / ours | pull / callbacks |\n\
         | --- | --- | ---: | --- | ---: | ---: | ---: | ---: |"
    );
    for (name, row) in instr {
        let ours = ["wsdriver-c", "wsdriver-c-pull", "wsdriver-c-into"]
            .iter()
            .filter_map(|c| col(row, c).map(|v| (v, *c)))
            .min_by(|a, b| a.0.partial_cmp(&b.0).expect("no NaN"));
        let peer = ["tungstenite", "fastwebsockets", "wslay"]
            .iter()
            .filter_map(|c| col(row, c).map(|v| (v, *c)))
            .min_by(|a, b| a.0.partial_cmp(&b.0).expect("no NaN"));
        let limit = if name.starts_with("decode") {
            col(row, "ideal")
        } else if name.starts_with("encode-client") {
            col(row, "copy+xor")
        } else {
            col(row, "memcpy")
        };
        let (Some((o, on)), Some((p, pn))) = (ours, peer) else {
            continue;
        };
        let pull = col(row, "wsdriver-c-pull")
            .zip(col(row, "wsdriver-c"))
            .map_or("—".to_owned(), |(a, b)| format!("{:.2}×", a / b));
        let lim = limit.map_or("—".to_owned(), |l| format!("{:.2}×", l / o));
        let _ = writeln!(
            w,
            "| {name} | {on} | {o:.0} | {pn} | {p:.0} | {:.2}× | {lim} | {pull} |",
            p / o
        );
    }
}

const INSTR_DOC: &str = "
## Instruction counts

Wall-clock numbers on a shared machine are noisy; instruction counts are not. `--instr WORKLOAD \
CONTENDER` runs one warm-up pass and then one measured pass inside `measured_region`, so \
callgrind can count only that pass:

```sh
cargo bench --bench throughput --no-run 2>&1 | grep -o 'target/.*throughput-[0-9a-f]*'
valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out --toggle-collect='*measured_region*' \\
    target/release/deps/throughput-HASH --instr decode-binary-125 wsdriver
callgrind_annotate /tmp/cg.out | head -30
```

`WORKLOAD` is an operation and a size as in the tables (`decode-ascii-16`, `decode-utf8-1024`, \
`encode-client-125`, ...); `CONTENDER` one of the column names. The program prints how many \
messages and bytes the pass covered, so instructions per message follow.";

#[inline(never)]
fn measured_region(c: &mut dyn Contender, w: &Work) -> (usize, usize) {
    c.run(w)
}

fn instr_mode(workload: &str, contender: &str) {
    let (op, size) = parse_workload(workload);
    // Up to 16k messages per pass: enough for stable per-message counts,
    // short under callgrind.
    let total = (size * 16384).min(4 << 20);
    let w = match op {
        Op::Decode(kind) => Work {
            op,
            input: build_input(kind, size, total),
            payload: Vec::new(),
            count: 0,
        },
        Op::Encode(_) => {
            let count = (total / size).max(16);
            Work {
                op,
                input: Input {
                    bytes: Vec::new(),
                    frames: Vec::new(),
                    payload_bytes: count * size,
                },
                payload: payload(Kind::Binary, size),
                count,
            }
        }
    };
    let mut c = make(contender, op).expect("contender available for this workload");
    c.run(&w);
    let (m, b) = measured_region(c.as_mut(), &w);
    println!("{workload} {contender}: one pass = {m} messages, {b} bytes");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = Config {
        quick: false,
        callgrind: false,
        samples: 11,
        filter: Vec::new(),
        markdown: None,
    };
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--quick" => {
                cfg.quick = true;
                cfg.samples = 1;
            }
            "--samples" => {
                i += 1;
                cfg.samples = args[i].parse().expect("--samples N");
            }
            "--filter" => {
                i += 1;
                cfg.filter.push(args[i].clone());
            }
            "--callgrind" => cfg.callgrind = true,
            "--markdown" => {
                i += 1;
                cfg.markdown = Some(args[i].clone());
            }
            "--instr" => {
                instr_mode(&args[i + 1], &args[i + 2]);
                return;
            }
            _ => {} // `cargo bench` passes `--bench`
        }
        i += 1;
    }
    let t0 = Instant::now();
    let sizes: &[usize] = if cfg.quick { &QUICK_SIZES } else { &SIZES };
    let ops = [
        Op::Decode(Kind::Ascii),
        Op::Decode(Kind::Utf8),
        Op::Decode(Kind::Binary),
        Op::Encode(false),
        Op::Encode(true),
    ];
    if load_wslay().is_none() {
        println!("wslay: libwslay.so not found, skipped (apt-get install libwslay1)");
    }
    let mut cells = Vec::new();
    for op in ops {
        for &size in sizes {
            let name = format!("{}-{size}", op.name());
            if !cfg.filter.is_empty() && !cfg.filter.iter().any(|f| name.contains(f.as_str())) {
                continue;
            }
            let cell = run_cell(op, size, &cfg);
            print_cell(&cell);
            cells.push(cell);
        }
    }
    let mut mem = footprint_wsdriver();
    mem.push(footprint_capi());
    mem.push(footprint_tungstenite());
    mem.push(footprint_fastws());
    mem.extend(footprint_wslay());
    println!("\nmemory per connection (live heap bytes): created / open / after 1 MiB");
    for m in &mem {
        println!(
            "  {:<20} {:>8} {:>8} {:>8}   {}",
            m.name, m.created, m.open, m.after_1mib, m.note
        );
    }
    println!("\ntargets:");
    for t in targets(&cells) {
        println!(
            "  {:<60} {:>6.2} (≥ {}) {}",
            t.what,
            t.value,
            t.goal,
            if t.value >= t.goal { "met" } else { "NOT MET" }
        );
    }
    let secs = t0.elapsed().as_secs_f64();
    println!("\ntotal {secs:.0} s");
    if let Some(path) = &cfg.markdown {
        let instr = if cfg.callgrind {
            callgrind_table()
        } else {
            Vec::new()
        };
        let mut text = markdown(&cfg, &cells, &mem, &instr, secs);
        // Sections written elsewhere stay: the echo shootout's
        // (scripts/echo-shootout.sh) and the notes on the goals.
        let old = std::fs::read_to_string(path).unwrap_or_default();
        for name in ["echo-shootout", "goals"] {
            let end = format!("<!-- /{name} -->");
            if let (Some(a), Some(b)) = (old.find(&format!("<!-- {name}")), old.find(&end)) {
                text.push('\n');
                text.push_str(&old[a..b + end.len()]);
                text.push('\n');
            }
        }
        std::fs::write(path, text).expect("write markdown");
        println!("wrote {path}");
    }
}
