//! Message limits: `max_length` (single frames, announced lengths, fragments,
//! after inflation), hixie lengths and keys, a corrupt deflate stream.

use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::{Action, Driver, ErrorKind, Event, MessageKind, Options};

use crate::common::*;
use crate::opts;

fn too_large() -> Vec<Action> {
    failure(ErrorKind::TooLarge, "WebSocket frame length too large")
}

#[test]
fn max_length_single_frame() {
    let o = opts(|o| o.max_length = 1000);
    let at = server_gets(&o, &masked(0x2, &[7u8; 1000]));
    assert_eq!(at, vec![binary(&[7u8; 1000])]);
    let over = server_gets(&o, &masked(0x2, &[7u8; 1001]));
    assert_eq!(over, too_large());
}

#[test]
fn max_length_announced_length_fails_before_payload_arrives() {
    // A 64-bit length of 2^63 - 1: rejected from the header alone, without
    // reserving or waiting for the payload.
    let o = Options::default();
    let mut frame = vec![0x82, 0xFF];
    frame.extend_from_slice(&(u64::MAX >> 1).to_be_bytes());
    frame.extend_from_slice(&MASK);
    let mut d = open_server(o);
    let out = run(&mut d, &[&frame]);
    assert_eq!(out, too_large());
    assert_eq!(d.buffered_amount(), 0);
    // And with the top bit set.
    let mut frame = vec![0x82, 0xFF];
    frame.extend_from_slice(&u64::MAX.to_be_bytes());
    frame.extend_from_slice(&MASK);
    let mut d = open_server(Options::default());
    let out = run(&mut d, &[&frame]);
    assert_eq!(events(&out)[0], events(&too_large())[0]);
}

#[test]
fn max_length_bounds_fragmented_messages() {
    let o = opts(|o| o.max_length = 1000);
    let mut input = Vec::new();
    for _ in 0..9 {
        input.extend(masked_nofin(0x0, &[1u8; 100]));
    }
    input.splice(0..0, masked_nofin(0x2, &[1u8; 100]));
    let mut ok = input.clone();
    ok.extend(masked(0x0, &[]));
    assert_eq!(server_gets(&o, &ok), vec![binary(&[1u8; 1000])]);
    let mut over = input;
    over.extend(masked(0x0, &[1u8]));
    assert_eq!(server_gets(&o, &over), too_large());
}

#[test]
fn four_mib_message_in_65536_fragments_of_64_bytes() {
    let total = 4 << 20;
    let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let mut wire = Vec::with_capacity(total + 65_536 * 6);
    for (i, chunk) in data.chunks(64).enumerate() {
        let op = if i == 0 { 0x2 } else { 0x0 };
        let fin = if (i + 1) * 64 == total { 0x80 } else { 0 };
        wire.extend(raw_frame(fin | op, chunk, Some([0, 0, 0, 0])));
    }
    assert_eq!(data.chunks(64).count(), 65_536);
    let mut d = open_server(Options::default());
    let start = std::time::Instant::now();
    // In transport-sized reads.
    let mut got = Vec::new();
    for chunk in wire.chunks(16 * 1024) {
        d.parse(chunk);
        got.extend(drain(&mut d));
        assert!(d.buffered_amount() <= total);
    }
    assert_eq!(got.len(), 1);
    assert!(
        matches!(&got[0], Action::Event(Event::Message { kind: MessageKind::Binary, data: m }) if *m == data)
    );
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    // One byte less allowed: fails, at the last fragment.
    let mut d = open_server(opts(|o| o.max_length = total as u64 - 1));
    let out = run(&mut d, &[&wire]);
    assert_eq!(out, too_large());
}

fn deflate_pair(max_length: u64) -> (Driver, Driver) {
    let o = opts(|o| o.max_length = max_length);
    let mut p = Pair::new("ws://example.com/", o.clone(), o, 3);
    p.client
        .add_extension(Box::new(PerMessageDeflate::new(DeflateConfig::default())))
        .unwrap();
    p.server
        .add_extension(Box::new(PerMessageDeflate::new(DeflateConfig::default())))
        .unwrap();
    p.connect();
    let (c, s) = p.take_events();
    assert_eq!(
        (c, s),
        (vec![Event::Open], vec![Event::Connect, Event::Open])
    );
    (p.client, p.server)
}

#[test]
fn max_length_applies_after_inflation() {
    // 1 MiB of zeros compresses to about 1 KiB: fine in a frame, too big
    // once inflated past max_length 64 KiB.
    let (mut client, mut server) = deflate_pair(64 * 1024);
    let exact = vec![0u8; 64 * 1024];
    client.binary(&exact).unwrap();
    let wire: Vec<u8> = writes(&drain(&mut client)).concat();
    assert!(wire.len() < 1024, "{}", wire.len());
    assert_eq!(run(&mut server, &[&wire]), vec![binary(&exact)]);
    client.binary(&vec![0u8; 1 << 20]).unwrap();
    let wire: Vec<u8> = writes(&drain(&mut client)).concat();
    assert!(wire.len() < 4096, "{}", wire.len());
    let out = run(&mut server, &[&wire]);
    let ev = events(&out);
    assert!(
        matches!(&ev[0], Event::Error(e) if e.kind == ErrorKind::TooLarge),
        "{ev:?}"
    );
    assert!(
        matches!(
            &ev[1],
            Event::Close {
                code: Some(1009),
                ..
            }
        ),
        "{ev:?}"
    );
    assert_eq!(server.buffered_amount(), 0);
}

fn hixie76_server(o: Options) -> Driver {
    let mut d = Driver::server(o);
    let mut input = H76.as_bytes().to_vec();
    input.extend_from_slice(H76_BODY);
    let out = run(&mut d, &[&input]);
    assert_eq!(events(&out), [Event::Connect, Event::Open]);
    d
}

#[test]
fn hixie_length_prefix_limit() {
    // A length-prefixed (binary) frame is skipped, but its length is checked
    // against max_length after every byte: a long run of 0x80|x bytes
    // cannot overflow or make the driver wait for 2^64 bytes.
    let o = opts(|o| o.max_length = 1000);
    let mut d = hixie76_server(o.clone());
    // 0x87 0x68 = 7*128 + 104 = 1000: skipped, then a text frame.
    let mut ok = vec![0x80, 0x87, 0x68];
    ok.extend(std::iter::repeat_n(b'x', 1000));
    ok.extend_from_slice(b"\x00hi\xff");
    assert_eq!(run(&mut d, &[&ok]), vec![text("hi")]);
    let mut d = hixie76_server(o.clone());
    // 1001 closes with its error (hixie-76 sends its closing frame).
    let out = run(&mut d, &[&[0x80, 0x87, 0x69]]);
    assert_eq!(out, vec![hixie_too_large(), w([0xFF, 0x00]), close_nil()]);
    // Twenty continuation bytes: closes at the first byte past the limit.
    let mut d = hixie76_server(Options::default());
    let out = run(&mut d, &[&[0xFF; 20]]);
    assert_eq!(out, vec![hixie_too_large(), w([0xFF, 0x00]), close_nil()]);
    assert_eq!(d.buffered_amount(), 0);
}

#[test]
fn hixie_text_frame_limit() {
    let o = opts(|o| o.max_length = 10);
    let mut d = hixie76_server(o.clone());
    assert_eq!(
        run(&mut d, &[b"\x000123456789\xff"]),
        vec![text("0123456789")]
    );
    // Unterminated text: closes once past the limit, holds at most the limit.
    let mut d = hixie76_server(o);
    let mut out = Vec::new();
    for b in b"\x00012345678901234" {
        d.parse(&[*b]);
        out.extend(drain(&mut d));
        assert!(d.buffered_amount() <= 10);
    }
    assert_eq!(out, vec![hixie_too_large(), w([0xFF, 0x00]), close_nil()]);
}

fn hixie_too_large() -> Action {
    error(ErrorKind::TooLarge, "WebSocket frame length too large")
}

fn h76_with_keys(k1: &str, k2: &str) -> Vec<u8> {
    format!(
        "GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nSec-WebSocket-Key2: {k2}\r\nUpgrade: WebSocket\r\nSec-WebSocket-Key1: {k1}\r\nOrigin: http://example.com\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn hixie76_key_values() {
    let msg = "Client sent invalid Sec-WebSocket-Key headers";
    // Header values are trimmed, so every space here is inside the key.
    let bad = [
        ("12345", "1 2"),                   // no spaces
        ("1 2", "x"),                       // no digits, no spaces
        ("no digits", "1 2"),               // no digits
        ("1 2 3", "1 2"),                   // 123 not divisible by 2 spaces
        ("1 2", "1 2 3"),                   // same, in key2
        ("9999999999 9999999999 9", "1 2"), // more than 20 digits
        ("1844674407370955 1616", "1 2"),   // 2^64: overflows u64
        ("42949 67296", "1 2"),             // 2^32 / 1 space: over u32
    ];
    for (k1, k2) in bad {
        let mut d = Driver::server(Options::default());
        let out = run(&mut d, &[&h76_with_keys(k1, k2)]);
        let ev = events(&out);
        assert_eq!(ev[0], Event::Connect, "{k1:?} {k2:?}");
        assert_eq!(ev.len(), 3, "{k1:?} {k2:?}: {out:?}");
        assert_eq!(
            ev[1],
            Event::Error(wsdriver::Error::protocol(msg)),
            "{k1:?} {k2:?}: {ev:?}"
        );
        assert!(matches!(ev[2], Event::Close { code: None, .. }));
        assert!(writes(&out)[0].starts_with(b"HTTP/1.1 400 Bad Request"));
    }
    // The largest value that fits: 4294967295 with one space.
    let mut d = Driver::server(Options::default());
    let out = run(
        &mut d,
        &[&h76_with_keys("42949 67295", "85899 3 4590"), b"12345678"],
    );
    assert_eq!(events(&out), [Event::Connect, Event::Open]);
}

#[test]
fn corrupt_deflate_stream_is_1010() {
    let (_client, mut server) = deflate_pair(1 << 20);
    // RSV1 text frame whose payload is not a deflate stream (reserved
    // block type 3).
    let out = run(
        &mut server,
        &[&raw_frame(0xC1, &[0xFF, 0xFF, 0xFF, 0xFF], Some(MASK))],
    );
    let ev = events(&out);
    assert!(
        matches!(&ev[0], Event::Error(e) if e.kind == ErrorKind::Extension && e.message.starts_with("permessage-deflate: ")),
        "{ev:?}"
    );
    assert!(
        matches!(
            &ev[1],
            Event::Close {
                code: Some(1010),
                ..
            }
        ),
        "{ev:?}"
    );
}
