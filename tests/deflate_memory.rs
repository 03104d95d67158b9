//! Memory that permessage-deflate costs: a deflate bomb's peak, and what an
//! idle connection keeps with and without context takeover. Measured with a
//! counting allocator (this test binary only); the figures are printed and
//! bounded.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::rand::FixedRandom;
use wsdriver::{Action, Driver, Event, Options};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Tests in this file measure one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn drain(d: &mut Driver) -> (Vec<u8>, Vec<Event>) {
    let (mut bytes, mut events) = (Vec::new(), Vec::new());
    while let Some(a) = d.poll_action() {
        match a {
            Action::Write(w) => bytes.extend_from_slice(&w),
            Action::Event(e) => events.push(e),
        }
    }
    (bytes, events)
}

fn pair(cfg: DeflateConfig, opts: Options) -> (Driver, Driver) {
    let mut client = Driver::client_with_random(
        "ws://example.com/",
        opts.clone(),
        Box::new(FixedRandom::new(&[9, 8, 7, 6])),
    )
    .unwrap();
    client
        .add_extension(Box::new(PerMessageDeflate::new(cfg.clone())))
        .unwrap();
    let mut server = Driver::server(opts);
    server
        .add_extension(Box::new(PerMessageDeflate::new(cfg)))
        .unwrap();
    client.start().unwrap();
    let (request, _) = drain(&mut client);
    server.parse(&request);
    drain(&mut server);
    server.start().unwrap();
    let (response, _) = drain(&mut server);
    assert!(String::from_utf8_lossy(&response).contains("permessage-deflate"));
    client.parse(&response);
    drain(&mut client);
    (client, server)
}

#[test]
fn deflate_bomb_peak_memory_is_bounded_by_max_length() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let max_length = 1 << 20;
    let (mut client, mut server) = pair(
        DeflateConfig::default(),
        Options {
            max_length,
            ..Options::default()
        },
    );
    // 256 MiB of zeros: about 256 KiB on the wire, 256 MiB if inflated.
    let bomb_size = 256 << 20;
    let mut zeros = vec![0u8; bomb_size];
    client.binary(&zeros).unwrap();
    zeros = Vec::new();
    drop(zeros);
    let (wire, _) = drain(&mut client);
    drop(client);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    server.parse(&wire);
    let (_, events) = drain(&mut server);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(
        events.last(),
        Some(&Event::Close {
            code: Some(1009),
            reason: "WebSocket frame length too large".into()
        })
    );
    println!(
        "deflate bomb: {} KiB on the wire would inflate to {} MiB; max_length {} KiB; \
         peak extra heap while parsing {} KiB",
        wire.len() / 1024,
        bomb_size >> 20,
        max_length / 1024,
        peak / 1024
    );
    // The compressed message, max_length of output, and zlib's state.
    assert!(
        peak < wire.len() + max_length as usize + 512 * 1024,
        "peak {peak}"
    );
}

/// Heap a server driver holds once idle after one message each way.
fn idle_server_bytes(cfg: DeflateConfig) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    let (mut client, mut server) = pair(cfg, Options::default());
    let text = "a message that compresses well ".repeat(100);
    client.text(&text).unwrap();
    let (wire, _) = drain(&mut client);
    server.parse(&wire);
    let (_, events) = drain(&mut server);
    assert!(matches!(&events[0], Event::Message { data, .. } if data == text.as_bytes()));
    server.text(&text).unwrap();
    let (wire, _) = drain(&mut server);
    client.parse(&wire);
    drain(&mut client);
    let with_client = LIVE.load(Ordering::Relaxed) - base;
    drop(client);
    let server_only = LIVE.load(Ordering::Relaxed) - base;
    drop(server);
    assert!(server_only <= with_client);
    server_only
}

#[test]
fn idle_connection_memory_with_and_without_context_takeover() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let takeover = idle_server_bytes(DeflateConfig::default());
    let no_takeover = idle_server_bytes(DeflateConfig {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        ..DeflateConfig::default()
    });
    println!(
        "idle server connection after one message each way: {} KiB with context takeover, \
         {} KiB without",
        takeover / 1024,
        no_takeover / 1024
    );
    // Without context takeover no zlib state survives a message.
    assert!(no_takeover < 16 * 1024, "{no_takeover}");
    assert!(
        takeover > no_takeover + 64 * 1024,
        "zlib state is kept: {takeover}"
    );
}
