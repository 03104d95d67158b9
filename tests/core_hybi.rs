//! Hybi framing: opcodes, length encodings, masking, RSV bits,
//! control-frame rules, continuation rules, streaming UTF-8, max_length,
//! close codes and reasons. Expected bytes are the gem's.
mod common;

use common::*;
use wsdriver::{Action, Driver, ErrorKind, Event, Options};

fn srv() -> Options {
    Options::default()
}

#[test]
fn text_and_binary_frames_become_messages() {
    let input = cat(&[&masked(1, b"hello"), &masked(2, b"\xFF\x00")]);
    assert_eq!(
        server_gets(&srv(), &input),
        vec![text("hello"), binary(b"\xFF\x00")]
    );
}

#[test]
fn empty_text_message() {
    assert_eq!(server_gets(&srv(), &masked(1, b"")), vec![text("")]);
}

#[test]
fn ping_is_answered_with_pong_then_event() {
    assert_eq!(
        server_gets(&srv(), &masked(9, b"hi")),
        vec![w(b"\x8A\x02hi"), ping(b"hi")]
    );
    assert_eq!(
        server_gets(&srv(), &masked(9, b"")),
        vec![w(b"\x8A\x00"), ping(b"")]
    );
}

#[test]
fn unsolicited_pong_is_an_event() {
    assert_eq!(server_gets(&srv(), &masked(10, b"zz")), vec![pong(b"zz")]);
}

#[test]
fn close_frame_is_echoed() {
    let mut p = 1000u16.to_be_bytes().to_vec();
    p.extend_from_slice(b"ok!");
    assert_eq!(
        server_gets(&srv(), &masked(8, &p)),
        vec![w(b"\x88\x05\x03\xE8ok!"), close(1000, "ok!")]
    );
}

#[test]
fn continuation_frames_reassemble() {
    let input = cat(&[
        &masked_nofin(1, b"ab"),
        &raw_frame(0x00, b"cd", Some(MASK)),
        &masked(0, b"ef"),
    ]);
    assert_eq!(server_gets(&srv(), &input), vec![text("abcdef")]);
    let input = cat(&[&masked_nofin(2, b"\x01"), &masked(0, b"\x02")]);
    assert_eq!(server_gets(&srv(), &input), vec![binary(b"\x01\x02")]);
}

#[test]
fn a_16_bit_length_incoming_and_outgoing() {
    let payload = vec![b'x'; 126];
    let input = masked(2, &payload);
    assert_eq!(&input[1..4], &[0xFE, 0x00, 0x7E]);
    assert_eq!(server_gets(&srv(), &input), vec![binary(&payload)]);
    let payload = vec![b'y'; 65535];
    assert_eq!(
        server_gets(&srv(), &masked(2, &payload)),
        vec![binary(&payload)]
    );

    let mut d = open_server(srv());
    d.binary(&[b'x'; 126]).unwrap();
    let out = writes(&drain(&mut d));
    assert_eq!(&out[0][..4], b"\x82\x7E\x00\x7E");
    assert_eq!(out[0].len(), 4 + 126);
}

#[test]
fn a_64_bit_length_incoming_and_outgoing() {
    let payload = vec![7u8; 70000];
    let input = raw_frame(0x82, &payload, Some(MASK));
    assert_eq!(input[1], 0xFF);
    assert_eq!(&input[2..10], &70000u64.to_be_bytes());
    assert_eq!(server_gets(&srv(), &input), vec![binary(&payload)]);

    let mut d = open_server(srv());
    d.binary(&vec![b'x'; 65536]).unwrap();
    let out = writes(&drain(&mut d));
    assert_eq!(&out[0][..10], b"\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00");
    assert_eq!(out[0].len(), 10 + 65536);
}

#[test]
fn payload_of_125_bytes_uses_the_7_bit_length() {
    let mut d = open_server(srv());
    d.text(&"z".repeat(125)).unwrap();
    let out = writes(&drain(&mut d));
    assert_eq!(&out[0][..2], b"\x81\x7D");
}

#[test]
fn server_frames_are_unmasked_exact_bytes() {
    let mut d = open_server(srv());
    d.text("t").unwrap();
    d.binary(b"u").unwrap();
    d.ping(b"p").unwrap();
    d.ping(b"").unwrap();
    d.pong(b"po").unwrap();
    assert_eq!(
        drain(&mut d),
        vec![
            w(b"\x81\x01t"),
            w(b"\x82\x01u"),
            w(b"\x89\x01p"),
            w(b"\x89\x00"),
            w(b"\x8A\x02po"),
        ]
    );
}

#[test]
fn client_masks_every_frame_with_random_key() {
    // FixedRandom: 16 key bytes are 1..=16, so the first mask is 1,2,3,4
    // (the pattern wraps), then 5,6,7,8.
    let mut c = open_client("ws://example.com/");
    c.text("hello").unwrap();
    c.ping(b"").unwrap();
    let out = writes(&drain(&mut c));
    assert_eq!(out[0], masked_with(1, b"hello", [1, 2, 3, 4]));
    assert_eq!(out[0][..6], [0x81, 0x85, 1, 2, 3, 4]);
    assert_eq!(out[1], vec![0x89, 0x80, 5, 6, 7, 8]);
}

#[test]
fn client_masking_can_be_forced_off() {
    let mut c = open_client_opts(
        "ws://example.com/",
        Options {
            masking: Some(false),
            ..Options::default()
        },
    );
    c.text("x").unwrap();
    assert_eq!(drain(&mut c), vec![w(b"\x81\x01x")]);
}

#[test]
fn client_fails_with_1002_on_a_masked_frame() {
    // RFC 6455 §5.1: "A client MUST close a connection if it detects a
    // masked frame." Data or control, 7- or 16-bit length; the client's
    // (masked) close frame carries 1002.
    let msg = "Received masked frame but a server must not mask";
    let failed = |input: &[u8], before: Vec<Action>| {
        let got = client_gets(input);
        let evs: Vec<Action> = got
            .iter()
            .filter(|a| !matches!(a, Action::Write(_)))
            .cloned()
            .collect();
        let expected: Vec<Action> = failure(ErrorKind::Protocol, msg)
            .into_iter()
            .filter(|a| !matches!(a, Action::Write(_)))
            .collect();
        assert_eq!(evs, [before, expected].concat());
        assert_eq!(
            got.iter().filter(|a| matches!(a, Action::Write(_))).count(),
            1
        );
    };
    let input = cat(&[&unmasked(1, b"a"), &masked(1, b"b"), &unmasked(1, b"c")]);
    failed(&input, vec![text("a")]);
    failed(&masked(9, b""), vec![]);
    failed(&masked(2, &[7; 300]), vec![]);
    // require_masking Some(false) accepts both, as the gem's client does.
    let o = Options {
        require_masking: Some(false),
        ..Options::default()
    };
    let make = || open_client_opts("ws://example.com/", o.clone());
    let a = feed_all_ways(&make, &cat(&[&unmasked(1, b"a"), &masked(1, b"b")]));
    assert_eq!(
        events(&a),
        [text("a"), text("b")].map(|a| match a {
            Action::Event(e) => e,
            _ => unreachable!(),
        })
    );
}

#[test]
fn non_minimal_length_encodings_are_accepted() {
    // Accepted on purpose, as the gem does (docs/SECURITY.md): "hi" with a
    // 16-bit and with a 64-bit length, masked with a zero key.
    let short16 = [0x81, 0xFE, 0, 2, 0, 0, 0, 0, b'h', b'i'];
    let short64 = [0x81, 0xFF, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, b'h', b'i'];
    assert_eq!(server_gets(&srv(), &short16), vec![text("hi")]);
    assert_eq!(server_gets(&srv(), &short64), vec![text("hi")]);
}

#[test]
fn server_requires_masking() {
    let msg = "Received unmasked frame but masking is required";
    assert_eq!(
        server_gets(&srv(), &unmasked(1, b"hi")),
        failure(ErrorKind::Unacceptable, msg)
    );
    // Detected from the first two bytes, also for 16-bit lengths and control frames.
    assert_eq!(
        server_gets(&srv(), b"\x81\x7E"),
        failure(ErrorKind::Unacceptable, msg)
    );
    assert_eq!(
        server_gets(&srv(), &unmasked(8, b"")),
        failure(ErrorKind::Unacceptable, msg)
    );
    // The exact bytes the gem writes.
    assert_eq!(
        close_frame(1003, msg),
        b"\x881\x03\xEBReceived unmasked frame but masking is required"
    );
}

#[test]
fn require_masking_is_configurable() {
    let o = Options {
        require_masking: Some(false),
        ..Options::default()
    };
    assert_eq!(server_gets(&o, &unmasked(1, b"hi")), vec![text("hi")]);
    // A client can be told to require masking too.
    let o = Options {
        require_masking: Some(true),
        ..Options::default()
    };
    let make = || open_client_opts("ws://example.com/", o.clone());
    let a = feed_all_ways(&make, &unmasked(1, b"hi"));
    assert_eq!(
        events(&a)[0],
        Event::Error(wsdriver::Error::new(
            ErrorKind::Unacceptable,
            "Received unmasked frame but masking is required"
        ))
    );
}

#[test]
fn rsv_bits_are_rejected() {
    let m = "One or more reserved bits are on: reserved1 = 1, reserved2 = 0, reserved3 = 0";
    assert_eq!(
        server_gets(&srv(), &raw_frame(0xC1, b"hi", Some(MASK))),
        failure(ErrorKind::Protocol, m)
    );
    assert_eq!(
        close_frame(1002, m)[..4],
        [0x88, 0x4F, 0x03, 0xEA],
        "gem writes 88 4F 03 EA"
    );
    let m = "One or more reserved bits are on: reserved1 = 0, reserved2 = 1, reserved3 = 1";
    assert_eq!(
        server_gets(&srv(), &raw_frame(0xB1, b"hi", Some(MASK))),
        failure(ErrorKind::Protocol, m)
    );
    let m = "One or more reserved bits are on: reserved1 = 0, reserved2 = 1, reserved3 = 0";
    assert_eq!(
        server_gets(&srv(), &raw_frame(0xA9, b"", Some(MASK))),
        failure(ErrorKind::Protocol, m)
    );
}

#[test]
fn unknown_opcodes_are_rejected() {
    for op in [3u8, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
        let m = format!("Unrecognized frame opcode: {op}");
        assert_eq!(
            server_gets(&srv(), &masked(op, b"hi")),
            failure(ErrorKind::Protocol, &m),
            "opcode {op}"
        );
    }
}

#[test]
fn control_frames_are_never_fragmented() {
    for op in [8u8, 9, 10] {
        let m = format!("Received fragmented control frame: opcode = {op}");
        assert_eq!(
            server_gets(&srv(), &masked_nofin(op, b"hi")),
            failure(ErrorKind::Protocol, &m)
        );
    }
}

#[test]
fn control_frames_at_most_125_bytes() {
    assert_eq!(
        server_gets(&srv(), &masked(9, &[b'x'; 125])),
        vec![w(cat(&[b"\x8A\x7D", &[b'x'; 125]])), ping(&[b'x'; 125])]
    );
    let m = "Received control frame having too long payload: 126";
    assert_eq!(
        server_gets(&srv(), &masked(9, &[b'x'; 126])),
        failure(ErrorKind::Protocol, m)
    );
    // Detected from the header: no payload needed.
    assert_eq!(
        server_gets(&srv(), &[0x88, 0xFE, 0x01, 0x00]),
        failure(
            ErrorKind::Protocol,
            "Received control frame having too long payload: 256"
        )
    );
}

#[test]
fn new_data_frame_inside_fragmented_message_is_an_error() {
    let m = "Received new data frame but previous continuous frame is unfinished";
    let input = cat(&[&masked_nofin(1, b"a"), &masked(1, b"b")]);
    assert_eq!(server_gets(&srv(), &input), failure(ErrorKind::Protocol, m));
    let input = cat(&[&masked_nofin(1, b"a"), &masked(2, b"b")]);
    assert_eq!(server_gets(&srv(), &input), failure(ErrorKind::Protocol, m));
}

#[test]
fn continuation_without_start_is_an_error() {
    assert_eq!(
        server_gets(&srv(), &masked(0, b"a")),
        failure(
            ErrorKind::Protocol,
            "Received unexpected continuation frame"
        )
    );
    // After a complete message, a continuation is unexpected again.
    let input = cat(&[&masked(1, b"a"), &masked(0, b"b")]);
    let mut expected = vec![text("a")];
    expected.extend(failure(
        ErrorKind::Protocol,
        "Received unexpected continuation frame",
    ));
    assert_eq!(server_gets(&srv(), &input), expected);
}

#[test]
fn control_frames_interleaved_in_fragmented_message() {
    let input = cat(&[
        &masked_nofin(1, b"ab"),
        &masked(9, b"p"),
        &masked(10, b"q"),
        &masked(0, b"cd"),
    ]);
    assert_eq!(
        server_gets(&srv(), &input),
        vec![w(b"\x8A\x01p"), ping(b"p"), pong(b"q"), text("abcd")]
    );
    // A close in the middle ends the connection; the partial message is dropped.
    let input = cat(&[&masked_nofin(1, b"ab"), &masked(8, b""), &masked(0, b"cd")]);
    assert_eq!(
        server_gets(&srv(), &input),
        vec![w(b"\x88\x02\x03\xE8"), close(1000, "")]
    );
}

#[test]
fn utf8_split_across_fragments_is_valid() {
    // The gem checks the whole message, not each fragment.
    let input = cat(&[&masked_nofin(1, b"\xC3"), &masked(0, b"\xA9")]);
    assert_eq!(server_gets(&srv(), &input), vec![text("é")]);
    let s = "κόσμε ✓ 𝄞";
    let b = s.as_bytes();
    let input = cat(&[
        &masked_nofin(1, &b[..3]),
        &raw_frame(0, &b[3..9], Some(MASK)),
        &masked(0, &b[9..]),
    ]);
    assert_eq!(server_gets(&srv(), &input), vec![text(s)]);
}

#[test]
fn invalid_utf8_fails_with_1007() {
    let m = "Could not decode a text frame as UTF-8";
    assert_eq!(
        server_gets(&srv(), &masked(1, b"\xC3\x28")),
        failure(ErrorKind::Encoding, m)
    );
    assert_eq!(
        close_frame(1007, m),
        b"\x88(\x03\xEFCould not decode a text frame as UTF-8"
    );
    // Truncated character at the end of the final frame.
    assert_eq!(
        server_gets(&srv(), &masked(1, b"ab\xE2\x82")),
        failure(ErrorKind::Encoding, m)
    );
    // Binary is not checked.
    assert_eq!(
        server_gets(&srv(), &masked(2, b"\xC3\x28")),
        vec![binary(b"\xC3\x28")]
    );
}

#[test]
fn invalid_utf8_fails_fast_mid_frame() {
    // Only part of a 100-byte frame arrives; the invalid byte is in it.
    let mut payload = b"ok".to_vec();
    payload.push(0xFF);
    payload.extend_from_slice(&[b'a'; 97]);
    let frame = masked(1, &payload);
    let head = &frame[..6 + 10];
    let a = server_gets(&srv(), head);
    assert_eq!(
        a,
        failure(
            ErrorKind::Encoding,
            "Could not decode a text frame as UTF-8"
        )
    );
    // Also in an unfinished fragmented message (first fragment invalid).
    let a = server_gets(&srv(), &masked_nofin(1, b"\xF4\x90"));
    assert_eq!(
        a,
        failure(
            ErrorKind::Encoding,
            "Could not decode a text frame as UTF-8"
        )
    );
}

#[test]
fn max_length_checked_from_header_before_buffering() {
    let m = "WebSocket frame length too large";
    let o = Options {
        max_length: 9,
        ..Options::default()
    };
    assert_eq!(
        server_gets(&o, &masked(1, &[b'x'; 10])),
        failure(ErrorKind::TooLarge, m)
    );
    // Header only (no mask key, no payload) is enough.
    let o255 = Options {
        max_length: 255,
        ..Options::default()
    };
    assert_eq!(
        server_gets(&o255, &[0x81, 0xFE, 0x01, 0x00]),
        failure(ErrorKind::TooLarge, m)
    );
    assert_eq!(close_frame(1009, m)[..4], [0x88, 0x22, 0x03, 0xF1]);
    // Exactly max_length is fine, also summed over fragments.
    let input = cat(&[&masked_nofin(1, &[b'x'; 5]), &masked(0, &[b'x'; 4])]);
    assert_eq!(server_gets(&o, &input), vec![text("xxxxxxxxx")]);
    let input = cat(&[&masked_nofin(1, &[b'x'; 5]), &masked(0, &[b'x'; 5])]);
    assert_eq!(server_gets(&o, &input), failure(ErrorKind::TooLarge, m));
}

#[test]
fn default_max_length_is_2_pow_26_minus_1() {
    assert_eq!(Options::default().max_length, (1 << 26) - 1);
    let m = "WebSocket frame length too large";
    // A 64-bit header announcing 2^26 bytes: rejected with no payload sent.
    let mut hdr = vec![0x82, 0xFF];
    hdr.extend_from_slice(&(1u64 << 26).to_be_bytes());
    hdr.extend_from_slice(&MASK);
    assert_eq!(server_gets(&srv(), &hdr), failure(ErrorKind::TooLarge, m));
    // 2^26 - 1 announced: accepted, waits for the payload.
    let mut hdr = vec![0x82, 0xFF];
    hdr.extend_from_slice(&((1u64 << 26) - 1).to_be_bytes());
    hdr.extend_from_slice(&MASK);
    assert_eq!(server_gets(&srv(), &hdr), vec![]);
    // A huge 64-bit length does not allocate or overflow.
    let mut hdr = vec![0x82, 0xFF];
    hdr.extend_from_slice(&u64::MAX.to_be_bytes());
    assert_eq!(server_gets(&srv(), &hdr), failure(ErrorKind::TooLarge, m));
}

#[test]
fn close_codes_are_validated() {
    let valid = [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
        4000, 4999,
    ];
    for code in valid {
        let mut p = code.to_be_bytes().to_vec();
        p.push(b'r');
        let mut echo = vec![0x88, 0x03];
        echo.extend_from_slice(&p);
        assert_eq!(
            server_gets(&srv(), &masked(8, &p)),
            vec![w(echo), close(code, "r")],
            "code {code}"
        );
    }
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        assert_eq!(
            server_gets(&srv(), &masked(8, &code.to_be_bytes())),
            vec![w(b"\x88\x02\x03\xEA"), close(1002, "")],
            "code {code}"
        );
    }
}

#[test]
fn close_payload_edge_cases() {
    // Empty close: the gem's 1000.
    assert_eq!(
        server_gets(&srv(), &masked(8, b"")),
        vec![w(b"\x88\x02\x03\xE8"), close(1000, "")]
    );
    // One byte: protocol error code, no reason.
    assert_eq!(
        server_gets(&srv(), &masked(8, b"\x03")),
        vec![w(b"\x88\x02\x03\xEA"), close(1002, "")]
    );
    // Reason must be UTF-8: 1002 with an empty reason.
    assert_eq!(
        server_gets(&srv(), &masked(8, b"\x03\xE8\xFF")),
        vec![w(b"\x88\x02\x03\xEA"), close(1002, "")]
    );
    // UTF-8 reason kept.
    let mut p = 4001u16.to_be_bytes().to_vec();
    p.extend_from_slice("bye é".as_bytes());
    assert_eq!(
        server_gets(&srv(), &masked(8, &p)),
        vec![w(cat(&[&[0x88, p.len() as u8], &p])), close(4001, "bye é")]
    );
}

#[test]
fn input_after_close_frame_is_ignored() {
    let input = cat(&[&masked(8, &1000u16.to_be_bytes()), &masked(1, b"after")]);
    assert_eq!(
        server_gets(&srv(), &input),
        vec![w(b"\x88\x02\x03\xE8"), close(1000, "")]
    );
}

#[test]
fn every_opcode_round_trips_through_client() {
    // Client sends each kind; a server decodes it.
    let mut c = open_client("ws://example.com/");
    c.text("t").unwrap();
    c.binary(b"b").unwrap();
    c.ping(b"p").unwrap();
    c.pong(b"q").unwrap();
    c.close(Some(3000), "x").unwrap();
    let bytes: Vec<u8> = writes(&drain(&mut c)).concat();
    let a = server_gets(&srv(), &bytes);
    assert_eq!(
        a,
        vec![
            text("t"),
            binary(b"b"),
            w(b"\x8A\x01p"),
            ping(b"p"),
            pong(b"q"),
            w(b"\x88\x03\x0B\xB8x"),
            close(3000, "x"),
        ]
    );
    let _ = Action::Write(vec![]);
    let _: Option<Driver> = None;
}

/// As in the gem, a frame's first byte alone decides RSV bits, the opcode,
/// fragmented control frames and data frames out of sequence: the error
/// comes before the second byte arrives (the difftest's "first bad header"
/// cluster, issue 18).
#[test]
fn the_first_header_byte_alone_fails_a_bad_frame() {
    for (b0, msg) in [
        (
            0xC1u8,
            "One or more reserved bits are on: reserved1 = 1, reserved2 = 0, reserved3 = 0",
        ),
        (0x83, "Unrecognized frame opcode: 3"),
        (0x09, "Received fragmented control frame: opcode = 9"),
        (0x80, "Received unexpected continuation frame"),
    ] {
        let a = server_gets(&srv(), &[b0]);
        assert_eq!(
            a.iter()
                .filter(|x| matches!(x, Action::Event(Event::Error(_))))
                .count(),
            1,
            "{b0:#x}: {a:?}"
        );
        assert!(a.contains(&perr(msg)), "{b0:#x}: {a:?}");
    }
    // A good first byte waits for the rest.
    assert_eq!(server_gets(&srv(), &[0x81]), vec![]);
}
