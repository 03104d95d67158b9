//! `Driver::read_in_place`: whole messages unmasked in the host's own
//! buffer. A host decoding in place sees exactly the actions the ordinary
//! path (`read` + `poll_action`) gives for the same bytes, however they are
//! split and whatever its buffer size; frames it cannot take are left
//! untouched; invalid text fails as early as on the ordinary path.

mod common;

use common::*;
use wsdriver::frame::opcode::{BINARY, CLOSE, CONTINUATION, PING, PONG, TEXT};
use wsdriver::{Action, Driver, ErrorKind, Event, InPlace, MessageKind, Options};

/// A host reading `input` `chunk` bytes at a time into a buffer of `cap`
/// bytes, decoding in place and keeping frames that fit; at the end of the
/// input, what is left goes to `read`. Returns every action, messages
/// included, as the ordinary path would report them.
fn in_place_host(d: &mut Driver, input: &[u8], chunk: usize, cap: usize) -> Vec<Action> {
    let mut buf = vec![0u8; cap.max(chunk)];
    let (mut at, mut len) = (0, 0);
    let mut out = drain(d);
    let mut rounds = 0;
    while at < input.len() || len > 0 {
        rounds += 1;
        assert!(rounds < 1_000_000, "the host makes progress");
        let n = chunk.min(buf.len() - len).min(input.len() - at);
        buf[len..len + n].copy_from_slice(&input[at..at + n]);
        at += n;
        len += n;
        let last = at == input.len();
        let mut pos = 0;
        while pos < len {
            match d.read_in_place(&mut buf[pos..len]) {
                InPlace::Message { kind, range } => {
                    let data = buf[pos + range.start..pos + range.end].to_vec();
                    out.push(Action::Event(Event::Message { kind, data }));
                    pos += range.end;
                }
                InPlace::Incomplete { need } if need <= cap as u64 && !last => break,
                InPlace::Incomplete { .. } | InPlace::Other => {
                    pos += d.read(&buf[pos..len]);
                    out.extend(drain(d));
                }
            }
        }
        buf.copy_within(pos..len, 0);
        len -= pos;
    }
    out.extend(drain(d));
    out
}

/// The same bytes through `read` + `poll_action`, whole.
fn reference(mut d: Driver, input: &[u8]) -> Vec<Action> {
    let mut out = drain(&mut d);
    let mut rest = input;
    while !rest.is_empty() {
        let used = d.read(rest);
        rest = &rest[used..];
        out.extend(drain(&mut d));
    }
    out
}

/// Every kind of traffic: messages of each length class, text in several
/// scripts, control frames, a fragmented message with a ping inside it,
/// then a close.
fn traffic() -> Vec<u8> {
    let mut input = Vec::new();
    for (i, len) in [0usize, 1, 16, 125, 126, 300, 65535, 65536, 70000]
        .into_iter()
        .enumerate()
    {
        let bytes: Vec<u8> = (0..len).map(|j| (j * 7 + i) as u8).collect();
        let key = [i as u8, 0x5a, 0xc3, (len % 251) as u8];
        input.extend(masked_with(BINARY, &bytes, key));
        let text: String = "aé€😀".chars().cycle().take(len / 2).collect();
        input.extend(masked_with(TEXT, text.as_bytes(), key));
    }
    input.extend(masked(PING, b"p"));
    input.extend(masked_nofin(TEXT, "frag€".as_bytes()));
    input.extend(masked(PING, b"inside"));
    input.extend(raw_frame(0x80 | CONTINUATION, b"ment", Some(MASK)));
    input.extend(masked(PONG, b"unasked"));
    input.extend(masked(TEXT, b"after"));
    input.extend(masked(CLOSE, &[0x03, 0xe8, b'o', b'k']));
    input.extend(masked(TEXT, b"ignored after close"));
    input
}

#[test]
fn in_place_gives_the_ordinary_paths_actions_however_the_input_is_split() {
    let input = traffic();
    let want = reference(open_server(Options::default()), &input);
    assert!(want.len() > 20);
    for chunk in [1, 2, 7, 100, 4096, 65536, 1 << 20] {
        for cap in [0, 14, 200, 70_100, 1 << 20] {
            let mut d = open_server(Options::default());
            let got = in_place_host(&mut d, &input, chunk, cap);
            assert_eq!(got, want, "chunk {chunk}, cap {cap}");
        }
    }
}

#[test]
fn a_whole_message_is_unmasked_where_it_lies() {
    let mut d = open_server(Options::default());
    let mut buf = cat(&[&masked(BINARY, b"hello"), &masked(TEXT, "héllo".as_bytes())]);
    let first = masked(BINARY, b"hello").len();
    assert_eq!(
        d.read_in_place(&mut buf),
        InPlace::Message {
            kind: MessageKind::Binary,
            range: 6..11
        }
    );
    assert_eq!(&buf[6..11], b"hello");
    let InPlace::Message { kind, range } = d.read_in_place(&mut buf[first..]) else {
        panic!("a whole text message");
    };
    assert_eq!(kind, MessageKind::Text);
    assert_eq!(
        &buf[first + range.start..first + range.end],
        "héllo".as_bytes()
    );
    assert_eq!(first + range.end, buf.len());
    assert!(drain(&mut d).is_empty(), "nothing was queued");
}

#[test]
fn an_incomplete_frame_is_left_untouched_with_the_size_it_needs() {
    let mut d = open_server(Options::default());
    let frame = masked(BINARY, &[9u8; 300]);
    for cut in 0..frame.len() {
        let mut part = frame[..cut].to_vec();
        let got = d.read_in_place(&mut part);
        match cut {
            0 => assert_eq!(got, InPlace::Other),
            1 => assert_eq!(got, InPlace::Incomplete { need: 2 }),
            // The length field is not all there: the least it allows.
            2 | 3 => assert_eq!(got, InPlace::Incomplete { need: 4 + 4 + 126 }),
            _ => assert_eq!(got, InPlace::Incomplete { need: 308 }),
        }
        assert_eq!(part, frame[..cut], "untouched");
    }
}

#[test]
fn frames_for_the_ordinary_path_are_left_untouched() {
    let mut d = open_server(Options::default());
    for frame in [
        masked(PING, b"x"),
        masked(CLOSE, b""),
        masked_nofin(TEXT, b"x"),
        raw_frame(0x80 | 0x40 | TEXT, b"x", Some(MASK)), // RSV1
        unmasked(BINARY, b"x"),                          // a server requires masking
        masked(TEXT, &[0xff, 0xfe]),                     // invalid UTF-8
        masked(0x3, b"x"),                               // unknown opcode
    ] {
        let mut copy = frame.clone();
        assert_eq!(d.read_in_place(&mut copy), InPlace::Other);
        assert_eq!(copy, frame, "untouched");
    }
}

#[test]
fn nothing_goes_in_place_before_open_or_while_actions_wait() {
    let mut d = Driver::server(Options::default());
    let mut req = request("");
    assert_eq!(d.read_in_place(&mut req), InPlace::Other);
    let mut d = open_server(Options::default());
    d.text("queued").unwrap();
    let mut frame = masked(BINARY, b"x");
    assert_eq!(d.read_in_place(&mut frame), InPlace::Other);
    drain(&mut d);
    assert!(matches!(
        d.read_in_place(&mut frame),
        InPlace::Message { .. }
    ));
}

#[test]
fn invalid_text_fails_before_the_rest_of_its_frame_arrives() {
    // Valid so far: kept. Then bytes that can never be UTF-8: not kept, so
    // the ordinary parser fails at once, as it does without in-place.
    let payload = [b"abc\xe2\x82".as_slice(), &[b'x'; 2000]].concat();
    let frame = masked(TEXT, &payload);
    let mut d = open_server(Options::default());
    let mut part = frame[..8 + 5].to_vec();
    assert_eq!(
        d.read_in_place(&mut part),
        InPlace::Incomplete { need: 8 + 2005 }
    );
    let mut more = frame[..8 + 1500].to_vec();
    assert_eq!(d.read_in_place(&mut more), InPlace::Other, "â‚ then x");
    assert_eq!(more, frame[..8 + 1500], "untouched");
    let used = d.read(&more);
    assert_eq!(used, more.len());
    assert_eq!(
        drain(&mut d),
        [
            vec![w(close_frame(
                1007,
                "Could not decode a text frame as UTF-8"
            ))],
            vec![error(
                ErrorKind::Encoding,
                "Could not decode a text frame as UTF-8"
            )],
            vec![close(1007, "Could not decode a text frame as UTF-8")]
        ]
        .concat()
    );
}

#[test]
fn a_client_decodes_unmasked_frames_in_place_and_refuses_masked_ones() {
    let mut d = open_client("ws://example.com/");
    let mut frame = unmasked(TEXT, b"from the server");
    assert_eq!(
        d.read_in_place(&mut frame),
        InPlace::Message {
            kind: MessageKind::Text,
            range: 2..17
        }
    );
    let mut bad = masked(TEXT, b"masked");
    assert_eq!(d.read_in_place(&mut bad), InPlace::Other);
}

#[test]
fn max_length_is_left_to_the_ordinary_path() {
    let opts = Options {
        max_length: 10,
        ..Options::default()
    };
    let mut d = open_server(opts);
    let mut frame = masked(BINARY, &[1u8; 11]);
    assert_eq!(d.read_in_place(&mut frame), InPlace::Other);
    let mut header = frame[..4].to_vec();
    assert_eq!(d.read_in_place(&mut header), InPlace::Other);
    d.read(&frame);
    let actions = drain(&mut d);
    assert!(
        actions.contains(&close(1009, "WebSocket frame length too large")),
        "{actions:?}"
    );
}
