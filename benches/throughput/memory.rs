//! Memory per connection: live heap created, open, and after a 1 MiB message.

use wsdriver::ffi as c;
use wsdriver::{Driver, Options};

use crate::alloc::{live, malloc_in_use};
use crate::contenders::HANDSHAKE;
use crate::contenders::in_place::WsCInPlace;
use crate::contenders::peers::{FastWs, Tungstenite};
use crate::contenders::wsdriver_apis::{WsC, drain, open_client};
use crate::contenders::wslay::Wslay;
use crate::workload::{Kind, build_input};

/// Live heap of one connection: at creation (before any input), once open
/// and idle, and idle again after a 1 MiB message went through.
pub struct Footprint {
    pub name: &'static str,
    pub created: isize,
    pub open: isize,
    pub after_1mib: isize,
    pub note: &'static str,
}

fn one_mib_frame() -> Vec<u8> {
    build_input(Kind::Binary, 1 << 20, 1 << 20).bytes
}

pub fn footprint_wsdriver() -> Vec<Footprint> {
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

pub fn footprint_capi() -> Footprint {
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

/// The C API decoding in place: the host's read buffer is the host's,
/// not the driver's.
pub fn footprint_capi_in_place() -> Footprint {
    let frame = one_mib_frame();
    let base = live();
    let mut c = WsCInPlace::new();
    let host = |c: &WsCInPlace| c.c.seen.host.buf.capacity() as isize + c.buf_capacity();
    let open = live() - base - host(&c);
    for chunk in frame.chunks(64 << 10) {
        c.read(chunk);
    }
    assert_eq!(c.c.seen.bytes, 1 << 20);
    let after = live() - base - host(&c);
    drop(c);
    Footprint {
        name: "wsdriver-c-in-place",
        created: -1,
        open,
        after_1mib: after,
        note: "ws_parse_in_place; the host's read buffer not counted",
    }
}

pub fn footprint_tungstenite() -> Footprint {
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

pub fn footprint_fastws() -> Footprint {
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

pub fn footprint_wslay() -> Option<Footprint> {
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
