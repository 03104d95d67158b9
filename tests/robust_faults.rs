//! Robustness: faults of the peer and of the host. Disconnects at every
//! stage, truncated and split input, every close code, abrupt closes, and
//! write callbacks that fail. Rows of the bad-input table in
//! docs/SECURITY.md point here.

mod common;

use common::c_api::open_c_server;
use common::*;
use std::ffi::{c_char, c_int, c_void};
use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::ffi::*;
use wsdriver::{Action, Driver, Event, Options, ReadyState};

fn abnormal() -> Event {
    Event::Close {
        code: Some(1006),
        reason: String::new(),
    }
}

// ---- disconnects ------------------------------------------------------------------

#[test]
fn peer_disconnects_mid_request_head() {
    let req = request("");
    for cut in 0..req.len() {
        let mut d = Driver::server(Options::default());
        let mut out = run(&mut d, &[&req[..cut]]);
        assert!(events(&out).is_empty(), "cut {cut}");
        d.transport_closed();
        out = drain(&mut d);
        assert_eq!(out, vec![ev(abnormal())], "cut {cut}");
        assert_eq!(d.state(), ReadyState::Closed);
        assert_eq!(d.buffered_amount(), 0);
        // Nothing happens after: more input, another EOF, commands.
        d.parse(b"more");
        d.transport_closed();
        assert!(d.text("x").is_err());
        assert!(d.close(None, "").is_err());
        assert_eq!(drain(&mut d), vec![]);
    }
}

#[test]
fn peer_disconnects_before_hixie76_key_body() {
    let mut d = Driver::server(Options::default());
    let mut input = H76.as_bytes().to_vec();
    input.extend_from_slice(&H76_BODY[..5]);
    let out = run(&mut d, &[&input]);
    // Connect, and the response head waits for the key's last bytes.
    assert_eq!(events(&out), [Event::Connect]);
    d.transport_closed();
    assert_eq!(drain(&mut d), vec![close_nil()]);
}

#[test]
fn peer_disconnects_mid_response_head() {
    let resp = client_response("");
    for cut in 0..resp.len() {
        let mut d = client("ws://example.com/");
        d.start().unwrap();
        drain(&mut d);
        assert!(
            events(&run(&mut d, &[&resp[..cut]])).is_empty(),
            "cut {cut}"
        );
        d.transport_closed();
        assert_eq!(drain(&mut d), vec![ev(abnormal())], "cut {cut}");
    }
}

#[test]
fn peer_disconnects_mid_frame() {
    let frame = masked(0x2, &[5u8; 300]);
    for cut in 1..frame.len() {
        let mut d = open_server(Options::default());
        assert_eq!(run(&mut d, &[&frame[..cut]]), vec![], "cut {cut}");
        d.transport_closed();
        assert_eq!(drain(&mut d), vec![ev(abnormal())], "cut {cut}");
        assert_eq!(d.buffered_amount(), 0, "cut {cut}");
    }
    // Mid fragmented message.
    let mut d = open_server(Options::default());
    run(&mut d, &[&masked_nofin(0x1, b"part")]);
    d.transport_closed();
    assert_eq!(drain(&mut d), vec![ev(abnormal())]);
    // Hixie mid text frame: hixie closes carry no code.
    let mut d = Driver::server(Options::default());
    run(&mut d, &[H75.as_bytes(), b"\x00unfinished"]);
    d.transport_closed();
    assert_eq!(drain(&mut d), vec![close_nil()]);
}

#[test]
fn abrupt_close_without_closing_handshake_is_1006() {
    // Open, then the TCP connection drops.
    let mut d = open_server(Options::default());
    d.transport_closed();
    assert_eq!(drain(&mut d), vec![ev(abnormal())]);
    // We sent a close frame, the peer never answered before dropping.
    let mut d = open_server(Options::default());
    d.close(Some(1000), "bye").unwrap();
    assert_eq!(d.state(), ReadyState::Closing);
    drain(&mut d);
    d.transport_closed();
    assert_eq!(drain(&mut d), vec![ev(abnormal())]);
    // After a complete closing handshake, EOF adds nothing.
    let mut d = open_server(Options::default());
    run(&mut d, &[&masked(0x8, &1000u16.to_be_bytes())]);
    assert_eq!(d.state(), ReadyState::Closed);
    d.transport_closed();
    assert_eq!(drain(&mut d), vec![]);
    // A client too.
    let mut d = open_client("ws://example.com/");
    d.transport_closed();
    assert_eq!(drain(&mut d), vec![ev(abnormal())]);
}

// ---- truncation and splits --------------------------------------------------------

/// A named input and how to make the driver that receives it.
struct Vector {
    name: &'static str,
    make: fn() -> Driver,
    input: Vec<u8>,
}

fn deflate_server() -> Driver {
    let mut d = Driver::server(Options::default());
    d.add_extension(Box::new(PerMessageDeflate::new(DeflateConfig::default())))
        .unwrap();
    d
}

fn vectors() -> Vec<Vector> {
    let server = || Driver::server(Options::default());
    let cl = || {
        let mut d = client("ws://example.com/");
        d.start().unwrap();
        drain(&mut d);
        d
    };
    vec![
        Vector {
            name: "hybi server",
            make: server,
            input: cat(&[
                &request(""),
                &masked(0x1, "Hello, κόσμε".as_bytes()),
                &masked_nofin(0x2, &[1, 2, 3]),
                &masked(0x9, b"ping"),
                &masked(0x0, &[0u8; 200]),
                &masked(0xA, b""),
                &masked(0x8, &[0x03, 0xE8, b'o', b'k']),
            ]),
        },
        Vector {
            name: "hybi server, bad frame",
            make: server,
            input: cat(&[&request(""), &masked(0x1, b"ok"), &masked(0x1, b"\xff\xfe")]),
        },
        Vector {
            name: "hybi server, deflate",
            make: deflate_server,
            input: cat(&[
                &request("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
                // RFC 7692 §7.2.3.1 "Hello", compressed.
                &raw_frame(
                    0xC1,
                    &[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00],
                    Some(MASK),
                ),
                &raw_frame(0xC1, &[0xF2, 0x00, 0x11, 0x00, 0x00], Some(MASK)),
                &masked(0x8, &[]),
            ]),
        },
        Vector {
            name: "hixie-75 server",
            make: server,
            input: cat(&[H75.as_bytes(), b"\x00Hello\xff\x80\x03abc\x00\xce\xba\xff"]),
        },
        Vector {
            name: "hixie-76 server",
            make: server,
            input: cat(&[H76.as_bytes(), H76_BODY, b"\x00Hello\xff\xff\x00"]),
        },
        Vector {
            name: "client",
            make: cl,
            input: cat(&[
                &client_response(""),
                &unmasked(0x1, b"Hello"),
                &unmasked(0x9, b"p"),
                &raw_frame(0x02, &[9u8; 130], None),
                &unmasked(0x0, &[8u8; 70_000]),
                &unmasked(0x8, &[0x0F, 0xA0]),
            ]),
        },
        Vector {
            name: "client, rejected",
            make: cl,
            input: b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".to_vec(),
        },
    ]
}

fn run_input(make: fn() -> Driver, chunks: &[&[u8]]) -> (Vec<Action>, ReadyState) {
    let mut d = make();
    let out = run(&mut d, chunks);
    (out, d.state())
}

#[test]
fn every_prefix_is_safe_and_ends_cleanly() {
    for v in vectors() {
        let (whole, _) = run_input(v.make, &[&v.input]);
        for cut in 0..=v.input.len() {
            let mut d = (v.make)();
            let mut out = run(&mut d, &[&v.input[..cut]]);
            // A prefix gives a prefix of the whole run's actions ...
            assert!(
                whole.starts_with(&out),
                "{} cut {cut}: {:?}",
                v.name,
                events(&out)
            );
            // ... and the rest of the input completes it exactly.
            out.extend(run(&mut d, &[&v.input[cut..]]));
            assert_eq!(out, whole, "{} cut {cut}", v.name);
            // EOF after any prefix closes (1006 unless closed already).
            let mut d = (v.make)();
            run(&mut d, &[&v.input[..cut]]);
            let was_closed = d.state() == ReadyState::Closed;
            d.transport_closed();
            let tail = events(&drain(&mut d));
            if was_closed {
                assert!(tail.is_empty(), "{} cut {cut}", v.name);
            } else {
                assert_eq!(tail.len(), 1, "{} cut {cut}: {tail:?}", v.name);
                assert!(
                    matches!(tail[0], Event::Close { .. }),
                    "{} cut {cut}",
                    v.name
                );
            }
            assert_eq!(d.state(), ReadyState::Closed);
        }
    }
}

#[test]
fn every_two_way_split_gives_the_whole_result() {
    for v in vectors() {
        let (whole, state) = run_input(v.make, &[&v.input]);
        assert!(!events(&whole).is_empty(), "{}", v.name);
        for at in 0..=v.input.len() {
            let (a, b) = v.input.split_at(at);
            let (split, s) = run_input(v.make, &[a, b]);
            assert_eq!(split, whole, "{} split at {at}", v.name);
            assert_eq!(s, state);
        }
        // And through the zero-copy read() entry point.
        for at in (0..=v.input.len()).step_by(7) {
            let (a, b) = v.input.split_at(at);
            let mut d = (v.make)();
            let out = run_read(&mut d, &[a, b], &mut start_on_connect);
            assert_eq!(out, whole, "{} read split at {at}", v.name);
        }
    }
}

// ---- close codes --------------------------------------------------------------------

#[test]
fn close_frames_with_every_code() {
    let mut valid = 0;
    for code in 0..=u16::MAX {
        let mut d = open_server(Options::default());
        let mut payload = code.to_be_bytes().to_vec();
        payload.extend_from_slice(b"r");
        let out = run(&mut d, &[&masked(0x8, &payload)]);
        let ok = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
        let expect = if ok { code } else { 1002 };
        let mut echo = expect.to_be_bytes().to_vec();
        echo.push(b'r');
        assert_eq!(
            out,
            vec![w(unmasked(0x8, &echo)), close(expect, "r")],
            "code {code}"
        );
        valid += ok as u32;
    }
    assert_eq!(valid, 4 + 8 + 2000);
    // 0 and 1 byte payloads: 1005 is not sent back as a code, 1 byte is 1002.
    let mut d = open_server(Options::default());
    let out = run(&mut d, &[&masked(0x8, &[])]);
    assert_eq!(
        events(&out),
        [Event::Close {
            code: Some(1000),
            reason: String::new()
        }]
    );
    let mut d = open_server(Options::default());
    let out = run(&mut d, &[&masked(0x8, &[0x03])]);
    assert_eq!(
        events(&out),
        [Event::Close {
            code: Some(1002),
            reason: String::new()
        }]
    );
    // A reason that is not UTF-8.
    let mut d = open_server(Options::default());
    let out = run(&mut d, &[&masked(0x8, &[0x03, 0xE8, 0xFF])]);
    assert_eq!(
        events(&out),
        [Event::Close {
            code: Some(1002),
            reason: String::new()
        }]
    );
}

#[test]
fn close_codes_we_may_not_send_are_refused() {
    for code in 0..=u16::MAX {
        let mut d = open_server(Options::default());
        let ok = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
        assert_eq!(d.close(Some(code), "").is_ok(), ok, "code {code}");
        let r = c_close_result(code);
        assert_eq!(r == ws_result::Ok, ok || code == 0, "C code {code}: {r:?}");
    }
}

/// ws_close on an open C server, for `code`.
fn c_close_result(code: u16) -> ws_result {
    let d = open_c_server();
    let r = ws_close(d, code as u32, std::ptr::null(), 0);
    ws_driver_free(d);
    r
}

// ---- failing write callbacks ----------------------------------------------------------

#[derive(Default)]
struct Log {
    /// Everything written, in order.
    wire: Vec<u8>,
    /// Events, as text.
    events: Vec<String>,
    /// Fail (return non-zero) the next N write callbacks.
    fail_writes: u32,
    /// Fail every write (the host's socket keeps returning EAGAIN).
    fail_always: bool,
    stops: u32,
}

unsafe fn log<'a>(user: *mut c_void) -> &'a mut Log {
    unsafe { &mut *(user as *mut Log) }
}

unsafe extern "C" fn on_write(
    user: *mut c_void,
    _: *mut ws_driver,
    data: *const u8,
    len: usize,
) -> c_int {
    let l = unsafe { log(user) };
    l.wire
        .extend_from_slice(unsafe { std::slice::from_raw_parts(data, len) });
    if l.fail_always || l.fail_writes > 0 {
        l.fail_writes = l.fail_writes.saturating_sub(1);
        l.stops += 1;
        return 1;
    }
    0
}

unsafe extern "C" fn on_message(
    user: *mut c_void,
    d: *mut ws_driver,
    kind: u32,
    data: *const u8,
    len: usize,
) -> c_int {
    let l = unsafe { log(user) };
    let s = unsafe { std::slice::from_raw_parts(data, len) };
    l.events
        .push(format!("message {kind} {}", String::from_utf8_lossy(s)));
    // Echo from inside the callback.
    if kind == WS_MESSAGE_TEXT {
        ws_text(d, data as *const c_char, len);
    } else {
        ws_binary(d, data, len);
    }
    0
}

unsafe extern "C" fn on_close(
    user: *mut c_void,
    _: *mut ws_driver,
    code: u32,
    r: *const c_char,
    len: usize,
) -> c_int {
    let l = unsafe { log(user) };
    let s = unsafe { std::slice::from_raw_parts(r as *const u8, len) };
    l.events
        .push(format!("close {code} {}", String::from_utf8_lossy(s)));
    0
}

unsafe extern "C" fn on_open(user: *mut c_void, _: *mut ws_driver) -> c_int {
    unsafe { log(user) }.events.push("open".into());
    0
}

unsafe extern "C" fn on_connect(user: *mut c_void, d: *mut ws_driver) -> c_int {
    unsafe { log(user) }.events.push("connect".into());
    ws_start(d);
    0
}

fn c_session_input() -> Vec<u8> {
    let mut input = request("");
    for i in 0..20 {
        input.extend(masked(0x1, format!("message {i}").as_bytes()));
        input.extend(masked(0x2, &vec![i as u8; 200 * i]));
    }
    input.extend(masked(0x9, b"are you there"));
    input.extend(masked(0x8, &[0x03, 0xE8]));
    input
}

/// Runs the session through the C API; `fail` configures the write
/// callback; returns what was written and the events.
fn c_session(mut l: Box<Log>, chunk: usize) -> Box<Log> {
    let mut d = std::ptr::null_mut();
    assert_eq!(
        ws_driver_new_server(std::ptr::null(), &mut d),
        ws_result::Ok
    );
    let user = &mut *l as *mut Log as *mut c_void;
    ws_on_write(d, Some(on_write), user);
    ws_on_message(d, Some(on_message), user);
    ws_on_close(d, Some(on_close), user);
    ws_on_open(d, Some(on_open), user);
    ws_on_connect(d, Some(on_connect), user);
    let input = c_session_input();
    let mut resumes = 0;
    for part in input.chunks(chunk) {
        let mut r = ws_parse(d, part.as_ptr(), part.len());
        while r == ws_result::CallbackStopped {
            // The host waits for the socket to drain, then resumes.
            resumes += 1;
            assert!(resumes < 100_000);
            r = ws_parse(d, std::ptr::null(), 0);
        }
        assert_eq!(r, ws_result::Ok);
    }
    assert_eq!(ws_state(d), 3);
    ws_driver_free(d);
    l
}

#[test]
fn failing_write_callback_stops_dispatch_and_loses_nothing() {
    for chunk in [1, 7, 100, usize::MAX] {
        let chunk = chunk.min(c_session_input().len());
        let good = c_session(Box::default(), chunk);
        assert_eq!(good.stops, 0);
        assert_eq!(good.events.first().map(String::as_str), Some("connect"));
        assert_eq!(good.events.last().map(String::as_str), Some("close 1000 "));
        assert_eq!(good.events.len(), 2 + 40 + 1);
        // Every write fails: each ws_parse returns CALLBACK_STOPPED after
        // one write, and resuming delivers everything, in order, once.
        let failing = c_session(
            Box::new(Log {
                fail_always: true,
                ..Log::default()
            }),
            chunk,
        );
        assert!(failing.stops > 40, "{}", failing.stops);
        assert_eq!(failing.wire, good.wire, "chunk {chunk}");
        assert_eq!(failing.events, good.events, "chunk {chunk}");
        // A few failures only.
        let some = c_session(
            Box::new(Log {
                fail_writes: 3,
                ..Log::default()
            }),
            chunk,
        );
        assert_eq!(some.stops, 3);
        assert_eq!(some.wire, good.wire);
        assert_eq!(some.events, good.events);
    }
}

#[test]
fn failing_write_callback_on_a_command() {
    // A command outside any callback (ws_text) delivers its write at once;
    // a failing write makes it return CALLBACK_STOPPED, the frame counts as
    // delivered, and nothing queued after it is lost.
    let mut l = Box::new(Log {
        fail_always: true,
        ..Log::default()
    });
    let d = open_c_server();
    let user = &mut *l as *mut Log as *mut c_void;
    ws_on_write(d, Some(on_write), user);
    let r1 = ws_text(d, c"one".as_ptr(), 3);
    let r2 = ws_text(d, c"two".as_ptr(), 3);
    assert!(
        matches!(r1, ws_result::Ok | ws_result::CallbackStopped),
        "{r1:?}"
    );
    assert!(
        matches!(r2, ws_result::Ok | ws_result::CallbackStopped),
        "{r2:?}"
    );
    while ws_parse(d, std::ptr::null(), 0) == ws_result::CallbackStopped {}
    let mut expect = unmasked(0x1, b"one");
    expect.extend(unmasked(0x1, b"two"));
    assert_eq!(l.wire, expect);
    ws_driver_free(d);
}
