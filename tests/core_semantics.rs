//! Driver semantics (states, queueing, sends after close, auto
//! pong, ping tokens, closing handshake, protocol errors), output granularity
//! and ordering, and the gem's error texts in one place.
mod common;

use common::*;
use wsdriver::{CommandError, Driver, ErrorKind, Event, Options, ReadyState};

fn srv() -> Driver {
    open_server(Options::default())
}

#[test]
fn states_connecting_open_closing_closed() {
    let mut d = Driver::server(Options::default());
    assert_eq!(d.state(), ReadyState::Connecting);
    run_with(&mut d, &[&request("")], &mut no_reaction);
    assert_eq!(d.state(), ReadyState::Connecting);
    d.start().unwrap();
    assert_eq!(
        d.start(),
        Err(CommandError::AlreadyStarted),
        "start only once"
    );
    drain(&mut d);
    assert_eq!(d.state(), ReadyState::Open);
    d.close(None, "").unwrap();
    assert_eq!(d.state(), ReadyState::Closing);
    run(&mut d, &[&masked(8, b"")]);
    assert_eq!(d.state(), ReadyState::Closed);
}

#[test]
fn messages_before_open_are_queued_and_flushed_before_open_event() {
    let make = || {
        let mut d = Driver::server(Options::default());
        d.text("t").unwrap();
        d.binary(b"b").unwrap();
        d.ping(b"p").unwrap();
        d.ping_with_token(b"k", 5).unwrap();
        d
    };
    let a = feed_all_ways(&make, &cat(&[&request(""), &masked(10, b"k")]));
    assert_eq!(
        a,
        vec![
            connect(),
            w(RESPONSE_101),
            w(b"\x81\x01t"),
            w(b"\x82\x01b"),
            w(b"\x89\x01p"),
            w(b"\x89\x01k"),
            open(),
            ev(Event::PingAnswered(5)),
            pong(b"k"),
        ]
    );
}

#[test]
fn every_send_is_refused_and_silent_once_closing_or_closed() {
    let mut d = srv();
    d.close(None, "").unwrap();
    assert_eq!(drain(&mut d), vec![w(b"\x88\x02\x03\xE8")]);
    for _ in 0..2 {
        assert!(d.text("x").is_err());
        assert!(d.text_bytes(b"x").is_err());
        assert!(d.binary(b"x").is_err());
        assert!(d.ping(b"x").is_err());
        assert!(d.ping_with_token(b"x", 1).is_err());
        assert!(d.pong(b"x").is_err());
        assert!(d.close(None, "").is_err());
        assert!(d.start().is_err());
        assert_eq!(drain(&mut d), vec![]);
        // Now closed by the peer's answer; same again.
        run(&mut d, &[&masked(8, b"")]);
        assert_eq!(d.state(), ReadyState::Closed);
    }
}

#[test]
fn auto_pong_is_written_before_the_ping_event() {
    let a = server_gets(&Options::default(), &masked(9, b"abc"));
    assert_eq!(a, vec![w(b"\x8A\x03abc"), ping(b"abc")]);
    // While closing no pong is written, the event still comes.
    let mut d = srv();
    d.close(None, "").unwrap();
    drain(&mut d);
    assert_eq!(run(&mut d, &[&masked(9, b"x")]), vec![ping(b"x")]);
}

#[test]
fn ping_callbacks_only_for_matching_pong_payload() {
    let mut d = srv();
    d.ping_with_token(b"abc", 1).unwrap();
    d.ping_with_token(b"def", 2).unwrap();
    d.ping_with_token(b"abc", 3).unwrap();
    assert_eq!(drain(&mut d).len(), 3);
    assert_eq!(run(&mut d, &[&masked(10, b"zz")]), vec![pong(b"zz")]);
    assert_eq!(
        run(&mut d, &[&masked(10, b"abc")]),
        vec![
            ev(Event::PingAnswered(1)),
            ev(Event::PingAnswered(3)),
            pong(b"abc")
        ]
    );
    assert_eq!(run(&mut d, &[&masked(10, b"abc")]), vec![pong(b"abc")]);
    assert_eq!(
        run(&mut d, &[&masked(10, b"def")]),
        vec![ev(Event::PingAnswered(2)), pong(b"def")]
    );
    // A plain ping registers nothing.
    d.ping(b"q").unwrap();
    drain(&mut d);
    assert_eq!(run(&mut d, &[&masked(10, b"q")]), vec![pong(b"q")]);
}

#[test]
fn close_starts_the_closing_handshake() {
    // As in the gem: close("bye", 1001), then the peer's close(1000, "ok!").
    let mut d = srv();
    d.close(Some(1001), "bye").unwrap();
    assert_eq!(drain(&mut d), vec![w(b"\x88\x05\x03\xE9bye")]);
    assert_eq!(d.state(), ReadyState::Closing);
    // Messages still arrive while closing.
    assert_eq!(run(&mut d, &[&masked(1, b"late")]), vec![text("late")]);
    let mut p = 1000u16.to_be_bytes().to_vec();
    p.extend_from_slice(b"ok!");
    // No echo: the close event carries the peer's code and reason.
    assert_eq!(run(&mut d, &[&masked(8, &p)]), vec![close(1000, "ok!")]);
    assert_eq!(d.state(), ReadyState::Closed);
    // Default code 1000 and empty reason.
    let mut d = srv();
    d.close(None, "").unwrap();
    assert_eq!(drain(&mut d), vec![w(b"\x88\x02\x03\xE8")]);
}

#[test]
fn peer_close_is_echoed_with_code_and_reason() {
    let mut p = 4000u16.to_be_bytes().to_vec();
    p.extend_from_slice(b"done");
    let a = server_gets(&Options::default(), &masked(8, &p));
    assert_eq!(a, vec![w(b"\x88\x06\x0F\xA0done"), close(4000, "done")]);
    // The client echoes masked.
    let a = client_gets(&unmasked(8, &p));
    assert_eq!(
        a,
        vec![w(masked_with(8, &p, [1, 2, 3, 4])), close(4000, "done")]
    );
}

#[test]
fn protocol_error_writes_close_then_error_then_close_and_ignores_later_input() {
    let input = cat(&[&masked(3, b""), &masked(1, b"ignored"), &masked(8, b"")]);
    let a = server_gets(&Options::default(), &input);
    assert_eq!(
        a,
        failure(ErrorKind::Protocol, "Unrecognized frame opcode: 3")
    );
    let mut d = srv();
    run(&mut d, &[&masked(3, b"")]);
    assert_eq!(d.state(), ReadyState::Closed);
    assert_eq!(run(&mut d, &[&masked(1, b"x")]), vec![]);
    assert!(d.text("x").is_err());
}

#[test]
fn protocol_error_while_closing_closes() {
    let mut d = srv();
    d.close(Some(4001), "").unwrap();
    drain(&mut d);
    let a = run(&mut d, &[&cat(&[&masked(3, b""), &masked(8, b"")])]);
    assert_eq!(
        a,
        vec![
            perr("Unrecognized frame opcode: 3"),
            close(1002, "Unrecognized frame opcode: 3")
        ]
    );
    assert_eq!(d.state(), ReadyState::Closed);
}

#[test]
fn close_and_control_argument_limits() {
    let mut d = srv();
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 2999, 5000] {
        assert_eq!(
            d.close(Some(code), ""),
            Err(CommandError::BadCloseCode(code.into())),
            "{code}"
        );
    }
    assert!(d.close(None, &"r".repeat(124)).is_err());
    assert!(d.ping(&[0; 126]).is_err());
    assert!(d.pong(&[0; 126]).is_err());
    assert!(d.text_bytes(b"\xFF").is_err());
    assert_eq!(drain(&mut d), vec![]);
    assert_eq!(d.state(), ReadyState::Open);
    d.ping(&[0; 125]).unwrap();
    d.close(Some(1012), &"r".repeat(123)).unwrap();
    let out = writes(&drain(&mut d));
    assert_eq!(out[1][..4], [0x88, 125, 0x03, 0xF4]);
}

#[test]
fn close_while_connecting_emits_close_at_once() {
    let mut d = Driver::server(Options::default());
    run_with(&mut d, &[&request("")], &mut no_reaction);
    d.text("dropped").unwrap();
    d.close(Some(4000), "early").unwrap();
    assert_eq!(drain(&mut d), vec![close(4000, "early")]);
    assert!(d.start().is_err());
    assert_eq!(drain(&mut d), vec![]);
}

#[test]
fn transport_closed_gives_1006() {
    let mut d = srv();
    d.transport_closed();
    assert_eq!(drain(&mut d), vec![close(1006, "")]);
    d.transport_closed();
    assert_eq!(drain(&mut d), vec![]);
}

#[test]
fn one_write_per_frame_and_per_handshake() {
    let mut d = Driver::server(Options::default());
    let a = run(&mut d, &[&request("")]);
    assert_eq!(writes(&a).len(), 1);
    d.text("a").unwrap();
    d.text("b").unwrap();
    d.binary(&vec![0; 70000]).unwrap();
    let a = drain(&mut d);
    assert_eq!(a.len(), 3);
    assert_eq!(writes(&a)[2].len(), 10 + 70000);
    let mut c = client("ws://e.com/");
    c.start().unwrap();
    assert_eq!(drain(&mut c).len(), 1);
}

#[test]
fn writes_and_events_form_one_ordered_queue() {
    // Reacting to a message (sending a reply) is ordered before what the
    // next frame in the same input produces, however the input is split.
    let react = |d: &mut Driver, e: &Event| match e {
        Event::Connect => {
            d.start().unwrap();
        }
        Event::Message { data, .. } => {
            let mut reply = b"re:".to_vec();
            reply.extend_from_slice(data);
            d.binary(&reply).unwrap();
        }
        _ => {}
    };
    let input = cat(&[
        &request(""),
        &masked(1, b"a"),
        &masked(9, b"p"),
        &masked(1, b"b"),
        &masked(8, b""),
        &masked(1, b"c"),
    ]);
    let a = feed_all_ways_with(&|| Driver::server(Options::default()), &input, &react);
    assert_eq!(
        a,
        vec![
            connect(),
            w(RESPONSE_101),
            open(),
            text("a"),
            w(b"\x82\x04re:a"),
            w(b"\x8A\x01p"),
            ping(b"p"),
            text("b"),
            w(b"\x82\x04re:b"),
            w(b"\x88\x02\x03\xE8"),
            close(1000, ""),
        ]
    );
}

#[test]
fn closing_in_reaction_stops_further_events() {
    let react = |d: &mut Driver, e: &Event| {
        if let Event::Message { .. } = e {
            d.close(Some(4000), "enough").unwrap();
        }
    };
    let input = cat(&[&masked(1, b"a"), &masked(9, b"x"), &masked(8, b"")]);
    let a = feed_all_ways_with(&srv, &input, &react);
    // While closing the ping is processed but not answered; the peer's
    // close ends it.
    assert_eq!(
        a,
        vec![
            text("a"),
            w(b"\x88\x08\x0F\xA0enough"),
            ping(b"x"),
            close(1000, "")
        ]
    );
}

#[test]
fn error_texts_match_the_gem() {
    use ErrorKind::*;
    let cases: Vec<(Vec<u8>, ErrorKind, &str)> = vec![
        (
            raw_frame(0xC1, b"", Some(MASK)),
            Protocol,
            "One or more reserved bits are on: reserved1 = 1, reserved2 = 0, reserved3 = 0",
        ),
        (masked(3, b""), Protocol, "Unrecognized frame opcode: 3"),
        (
            masked_nofin(9, b""),
            Protocol,
            "Received fragmented control frame: opcode = 9",
        ),
        (
            cat(&[&masked_nofin(1, b""), &masked(1, b"")]),
            Protocol,
            "Received new data frame but previous continuous frame is unfinished",
        ),
        (
            masked(0, b""),
            Protocol,
            "Received unexpected continuation frame",
        ),
        (
            unmasked(1, b""),
            Unacceptable,
            "Received unmasked frame but masking is required",
        ),
        (
            masked(9, &[0; 126]),
            Protocol,
            "Received control frame having too long payload: 126",
        ),
        (
            masked(1, b"\xFF"),
            Encoding,
            "Could not decode a text frame as UTF-8",
        ),
    ];
    for (input, kind, msg) in cases {
        assert_eq!(
            server_gets(&Options::default(), &input),
            failure(kind, msg),
            "{msg}"
        );
    }
    let o = Options {
        max_length: 1,
        ..Options::default()
    };
    assert_eq!(
        server_gets(&o, &masked(2, b"xx")),
        failure(TooLarge, "WebSocket frame length too large")
    );
    for (req, msg) in [
        (request_version("9"), "Unsupported WebSocket version: 13"),
        (b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n".to_vec(), "Missing handshake request header: Sec-WebSocket-Key"),
        (request("Sec-WebSocket-Extensions: ;\r\n"), "Invalid Sec-WebSocket-Extensions header: ;"),
    ] {
        let a = run(&mut Driver::server(Options::default()), &[&req]);
        assert_eq!(a[1..].to_vec(), rejected(msg));
    }
    let a = run(
        &mut Driver::server(Options::default()),
        &[b"nonsense\r\n\r\n"],
    );
    assert_eq!(
        a,
        vec![
            perr("Invalid HTTP request"),
            close(1002, "Invalid HTTP request")
        ]
    );
    let mut c = client("ws://e.com/");
    c.start().unwrap();
    drain(&mut c);
    let a = run(&mut c, &[b"HTTP/1.1 500 Oops\r\n\r\n"]);
    let m = "Error during WebSocket handshake: Unexpected response code: 500";
    assert_eq!(a, vec![perr(m), close(1002, m)]);
}

/// `poll_ahead` (what `ws_poll_many` batches with) takes the whole data
/// messages stored input starts with, and stops before a control frame, so
/// a reply to the messages still goes out before the close answer.
#[test]
fn poll_ahead_takes_stored_messages_but_not_a_close() {
    let mut d = open_server(Options::default());
    d.parse(&cat(&[
        &masked(2, b"a"),
        &masked(1, b"b"),
        &masked(8, &[0x03, 0xe8]),
    ]));
    assert_eq!(d.poll_action(), Some(binary(b"a")));
    assert_eq!(d.poll_ahead(), Some(text("b")));
    assert_eq!(d.poll_ahead(), None, "the close waits for poll_action");
    d.binary(b"a").unwrap();
    d.text("b").unwrap();
    let rest: Vec<_> = std::iter::from_fn(|| d.poll_action()).collect();
    assert_eq!(
        rest,
        [
            w([0x82, 1, b'a']),
            w([0x81, 1, b'b']),
            w(close_frame(1000, "")),
            close(1000, "")
        ]
    );
}

#[test]
fn input_deferred_while_a_reader_holds_its_rest_waits_behind_it() {
    let mut d = srv();
    let input = cat(&[&masked(1, b"m1"), &masked(1, b"m2")]);
    let used = d.read(&input);
    assert!(used < input.len(), "read stops at the first message");
    assert_eq!(d.poll_action(), Some(text("m1")));
    d.defer(&masked(1, b"m3"));
    assert!(d.has_deferred());
    assert_eq!(d.poll_action(), None, "m3 waits for the held m2");
    let rest = &input[used..];
    assert_eq!(d.read(rest), rest.len());
    assert!(!d.has_deferred(), "the holder read all it held");
    assert_eq!(drain(&mut d), [text("m2"), text("m3")]);
}

#[test]
fn a_held_rest_given_back_with_parse_goes_before_deferred_input() {
    let mut d = srv();
    let input = cat(&[&masked(1, b"m1"), &masked(1, b"m2"), &masked(1, b"m3")]);
    let used = d.read(&input);
    d.defer(&masked(1, b"m4"));
    d.parse(&input[used..]);
    assert_eq!(
        drain(&mut d),
        [text("m1"), text("m2"), text("m3"), text("m4")]
    );
}

#[test]
fn released_deferred_input_is_parsed() {
    let mut d = srv();
    assert_eq!(d.read(&masked(1, b"m1")), masked(1, b"m1").len());
    d.defer(&masked(1, b"m2"));
    assert_eq!(d.poll_action(), Some(text("m1")));
    assert_eq!(d.poll_action(), None, "deferred until released");
    assert!(d.release());
    assert_eq!(drain(&mut d), [text("m2")]);
    assert!(!d.release(), "nothing left to release");
}
