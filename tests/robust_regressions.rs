//! Regression tests from fuzzing: every crash input found by the cargo-fuzz
//! targets in fuzz/ replays here through the very harness that found it
//! (fuzz/src/harness/, included below), under plain `cargo test`. The
//! committed seed corpora (fuzz/corpus/<target>/) replay too.

#[path = "../fuzz/src/harness/mod.rs"]
mod harness;

use std::path::Path;

fn replay_corpus(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let r = std::panic::catch_unwind(|| run(&data));
        assert!(r.is_ok(), "corpus input {} fails", path.display());
        n += 1;
    }
    assert!(n > 0, "empty corpus for {target}");
}

#[test]
fn corpus_server() {
    replay_corpus("server", harness::server);
}

#[test]
fn corpus_client() {
    replay_corpus("client", harness::client);
}

#[test]
fn corpus_proxy() {
    replay_corpus("proxy", harness::proxy);
}

#[test]
fn corpus_inflate() {
    replay_corpus("inflate", harness::inflate);
}

#[test]
fn corpus_ffi() {
    replay_corpus("ffi", harness::ffi);
}

// ---- crashes found by fuzzing ------------------------------------------------

/// fuzz/artifacts/client/crash-5743273f72a09213f045f40bd1bebbf07bbf26d8
#[test]
fn client_fragmented_invalid_utf8_text() {
    harness::client(&[
        0xfd, 0xff, 0x03, 0x09, 0x01, 0x01, 0xdc, 0x80, 0x00, 0x66, 0x7f, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x00,
    ]);
}

/// fuzz/artifacts/inflate/crash-d12c2b3eb5a238059c4dccfbdc042db29a3b0a3e
#[test]
fn inflate_message_lost() {
    harness::inflate(&[
        0xf2, 0xcd, 0x00, 0x00, 0x7f, 0x96, 0x98, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0xc9, 0x07,
        0xc1, 0x00, 0x7a,
    ]);
}

/// The bug behind the client crash above, on a server, without the harness:
/// a text message whose last fragment is empty and that ends inside a
/// character was delivered as text. The check for an unfinished character
/// ran only when a final frame had payload. Fixed in `Hybi::finish_message`.
#[test]
fn text_ending_inside_a_character_with_an_empty_final_fragment_is_1007() {
    use wsdriver::{Action, Driver, ErrorKind, Event, Options};
    let request = harness::hybi_request("");
    let zero = [0u8; 4];
    // "κ" is CE BA: send CE, then an empty final continuation.
    let mut input = request.clone();
    input.extend_from_slice(&[0x01, 0x81]);
    input.extend_from_slice(&zero);
    input.push(0xCE);
    input.extend_from_slice(&[0x80, 0x80]);
    input.extend_from_slice(&zero);
    let mut d = Driver::server(Options::default());
    d.parse(&input);
    let mut events = Vec::new();
    while let Some(a) = d.poll_action() {
        if let Action::Event(e) = a {
            if e == Event::Connect {
                d.start().unwrap();
            }
            events.push(e);
        }
    }
    let msg = "Could not decode a text frame as UTF-8";
    assert_eq!(
        events,
        [
            Event::Connect,
            Event::Open,
            Event::Error(wsdriver::Error::new(ErrorKind::Encoding, msg)),
            Event::Close {
                code: Some(1007),
                reason: msg.into()
            },
        ]
    );
    // With the character finished in a last non-empty fragment, it is text.
    let mut ok = request;
    ok.extend_from_slice(&[0x01, 0x81]);
    ok.extend_from_slice(&zero);
    ok.push(0xCE);
    ok.extend_from_slice(&[0x80, 0x81]);
    ok.extend_from_slice(&zero);
    ok.push(0xBA);
    let mut d = Driver::server(Options::default());
    d.parse(&ok);
    let mut got = None;
    while let Some(a) = d.poll_action() {
        match a {
            Action::Event(Event::Connect) => {
                d.start().unwrap();
            }
            Action::Event(Event::Message { data, .. }) => got = Some(data),
            _ => {}
        }
    }
    assert_eq!(got.as_deref(), Some("κ".as_bytes()));
}

/// Found by replaying the server corpus (seed-hybi-too-long) against a
/// change that reads the rest of the head's chunk as request body at
/// `connect`: bytes that follow the request in the same read must not be
/// judged before the host has reacted to `connect`. Whole or split after
/// the head, a server that starts on `connect` and then gets a frame over
/// max_length must fail the same way: 101, then 1009 "WebSocket frame
/// length too large" (not "Request body too large" without a response).
#[test]
fn bytes_after_the_request_in_the_same_read_wait_for_the_connect_reaction() {
    use wsdriver::{Action, Driver, Event, Options};
    let opts = Options {
        max_length: 16,
        ..Options::default()
    };
    let head = harness::hybi_request("");
    let mut frame = vec![0x82, 0x91, 0, 0, 0, 0];
    frame.extend_from_slice(&[7u8; 17]);
    let run = |chunks: &[&[u8]]| {
        let mut d = Driver::server(opts.clone());
        let mut out = Vec::new();
        for c in chunks {
            d.parse(c);
            while let Some(a) = d.poll_action() {
                if a == Action::Event(Event::Connect) {
                    d.start().unwrap();
                }
                out.push(a);
            }
        }
        out
    };
    let whole: Vec<u8> = [head.as_slice(), &frame].concat();
    let split = run(&[&head, &frame]);
    assert_eq!(run(&[&whole]), split);
    assert!(matches!(
        split.last(),
        Some(Action::Event(Event::Close { code: Some(1009), reason })) if reason == "WebSocket frame length too large"
    ));
}

/// fuzz/artifacts/ffi/crash-e34c970adc8f5c97f71b5acc457c3d9bc99129b3: a
/// callback frees the driver while `ws_parse` hands over input an in-place
/// call left to the host; the harness went on with the freed handle (a
/// harness bug, found by ASan; the library freed it as the callback rule says).
#[test]
fn ffi_driver_freed_while_in_place_leftovers_are_handed_over() {
    harness::ffi(&[
        0x0d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x35, 0xff, 0xff, 0xff, 0xff, 0x78, 0x2d,
        0x66, 0x75, 0x7a, 0x7a, 0x3b, 0xdc, 0xd8, 0x3d, 0x5b, 0x20, 0x61, 0x32, 0xd8, 0x00, 0x00,
        0x29,
    ]);
}
