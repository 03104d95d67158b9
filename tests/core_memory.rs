//! Memory footprint of a driver, measured with a counting global allocator:
//! what a connection holds at creation, that a large message's memory is
//! given back down to `Options::retained_buffer`, and that steady-state
//! traffic allocates nothing. Counters are per thread, so tests running in
//! parallel do not see each other's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use wsdriver::{Action, Driver, Event, Options, ReadyState};

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count(delta: isize, alloc: bool) {
    // `try_with`: the thread's counters may already be gone while it exits.
    let _ = LIVE.try_with(|l| l.set(l.get() + delta));
    if alloc {
        let _ = ALLOCS.try_with(|a| a.set(a.get() + 1));
    }
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize, true);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        count(-(l.size() as isize), false);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        count(new as isize - l.size() as isize, true);
        // SAFETY: forwarded with the caller's arguments.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.with(Cell::get)
}

fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// Takes every action, recycling buffers; returns how many messages came
/// and their total size (no allocation of its own).
fn drain(d: &mut Driver) -> (usize, usize) {
    let mut seen = (0, 0);
    while let Some(a) = d.poll_action() {
        match a {
            Action::Event(Event::Message { data, .. }) => {
                seen.0 += 1;
                seen.1 += data.len();
                d.recycle(data);
            }
            Action::Write(bytes) => d.recycle(bytes),
            Action::Event(_) => {}
        }
    }
    seen
}

fn open_server(opts: Options) -> Box<Driver> {
    let mut d = Box::new(Driver::server(opts));
    d.start().unwrap();
    d.parse(REQUEST);
    drain(&mut d);
    assert_eq!(d.state(), ReadyState::Open);
    d
}

fn masked_frame(len: usize) -> Vec<u8> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut f = vec![0x82];
    match len {
        0..=125 => f.push(0x80 | len as u8),
        126..=0xFFFF => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(&key);
    f.extend((0..len).map(|i| (i as u8) ^ key[i & 3]));
    f
}

#[test]
fn a_new_server_holds_at_most_512_bytes() {
    let base = live();
    let d = Box::new(Driver::server(Options::default()));
    let held = live() - base;
    assert!(
        held <= 512,
        "a new server holds {held} bytes (driver included)"
    );
    drop(d);
    assert_eq!(live(), base, "everything is freed with the driver");
}

#[test]
fn an_open_idle_server_keeps_its_request_but_no_handshake_buffers() {
    let base = live();
    let d = open_server(Options::default());
    let held = live() - base;
    // The driver, its server side with the request (kept for queries), the
    // framing state; the 101's buffer and the action queue's overflow are
    // released once idle (issue 15: at most 1 KiB through the C API).
    assert!(held <= 704, "an open idle server holds {held} bytes");
    assert_eq!(
        d.request().unwrap().headers.get("host"),
        Some("example.com")
    );
    drop(d);
    assert_eq!(live(), base, "everything is freed with the driver");
}

#[test]
fn a_closed_connection_keeps_no_more_than_an_open_idle_one() {
    // Masked close frame from the client, code 1000.
    let key = [1u8, 2, 3, 4];
    let close: Vec<u8> = [0x88, 0x82]
        .into_iter()
        .chain(key)
        .chain([0x03u8 ^ key[0], 0xe8 ^ key[1]])
        .collect();
    for server_first in [true, false] {
        let base = live();
        let mut d = open_server(Options::default());
        let open = live() - base;
        if server_first {
            d.close(Some(1000), "").unwrap();
            drain(&mut d);
        }
        d.parse(&close);
        drain(&mut d);
        assert_eq!(d.state(), ReadyState::Closed);
        let closed = live() - base;
        assert!(
            closed <= open,
            "closed {closed} bytes, open idle {open} (server closed first: {server_first})"
        );
        assert_eq!(
            d.request().unwrap().path(),
            "/chat",
            "the queries still answer"
        );
        drop(d);
        assert_eq!(live(), base, "everything is freed with the driver");
    }
}

#[test]
fn memory_goes_back_to_the_retained_size_after_a_large_message() {
    for retained in [0, 8 * 1024, 64 * 1024] {
        let opts = Options {
            retained_buffer: retained,
            ..Options::default()
        };
        let mut d = open_server(opts);
        // One small message so that the pool holds its buffer.
        d.parse(&masked_frame(100));
        assert_eq!(drain(&mut d), (1, 100));
        let idle = live();
        let frame = masked_frame(1 << 20);
        for chunk in frame.chunks(64 * 1024) {
            d.parse(chunk);
            let (n, size) = drain(&mut d);
            assert!(n == 0 || size == 1 << 20);
        }
        drop(frame);
        let after = live() - idle;
        assert!(
            after <= retained as isize,
            "retained_buffer {retained}: {after} bytes more than before the 1 MiB message"
        );
    }
}

#[test]
fn steady_state_traffic_allocates_nothing() {
    let mut d = open_server(Options::default());
    let mut input = Vec::new();
    for len in [0, 1, 16, 125, 126, 1000, 4000] {
        input.extend_from_slice(&masked_frame(len));
    }
    let round = |d: &mut Driver| {
        let mut rest = &input[..];
        let mut messages = 0;
        while !rest.is_empty() {
            let used = d.read(rest);
            rest = &rest[used..];
            messages += drain(d).0;
        }
        assert_eq!(messages, 7);
        d.binary(&[7; 125]).unwrap();
        d.text("hello").unwrap();
        d.binary(&[7; 4000]).unwrap();
        drain(d);
    };
    // Warm up: each pooled buffer grows at most once, to the sizes used.
    for _ in 0..10 {
        round(&mut d);
    }
    let before = allocs();
    for _ in 0..100 {
        round(&mut d);
    }
    assert_eq!(allocs() - before, 0, "allocations in steady state");
}

#[test]
fn decoding_in_place_allocates_nothing_and_keeps_nothing_up_to_1_mib() {
    use wsdriver::InPlace;
    let mut d = open_server(Options::default());
    let cap = (1 << 20) + 64 * 1024;
    let mut buf = vec![0u8; cap];
    for size in [16, 125, 16 * 1024, 64 * 1024, 1 << 20] {
        let input: Vec<u8> = (0..4).flat_map(|_| masked_frame(size)).collect();
        let (before, idle) = (allocs(), live());
        // A host reading 64 KiB at a time after what it kept.
        let (mut at, mut len, mut seen) = (0, 0, 0);
        while at < input.len() {
            let n = (64 * 1024).min(cap - len).min(input.len() - at);
            buf[len..len + n].copy_from_slice(&input[at..at + n]);
            (at, len) = (at + n, len + n);
            let mut pos = 0;
            while pos < len {
                match d.read_in_place(&mut buf[pos..len]) {
                    InPlace::Message { range, .. } => {
                        assert_eq!(range.len(), size);
                        assert_eq!(buf[pos + range.start + 1], 1, "unmasked");
                        seen += 1;
                        pos += range.end;
                    }
                    InPlace::Incomplete { need } => {
                        assert!(need <= cap as u64);
                        break;
                    }
                    InPlace::Other => panic!("every frame goes in place"),
                }
            }
            buf.copy_within(pos..len, 0);
            len -= pos;
        }
        assert_eq!((seen, len), (4, 0));
        assert_eq!(allocs() - before, 0, "{size} B: no allocation");
        assert_eq!(live(), idle, "{size} B: nothing kept");
    }
}
