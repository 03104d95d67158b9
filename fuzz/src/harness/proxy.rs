//! The HTTP CONNECT proxy target.

use wsdriver::rand::FixedRandom;
use wsdriver::{Action, CommandError, Driver, Event};

use super::checker::*;
use super::fixtures::*;

/// Proxy CONNECT response, then (whatever follows it) the client handshake
/// response and frames.
pub fn proxy(data: &[u8]) {
    let mut b = Bytes::new(data);
    let cfg = b.byte();
    let seed = b.byte();
    let input = b.rest();
    let opts = options(cfg);
    let client = Driver::client_with_random(
        "ws://example.com/chat",
        opts.clone(),
        Box::new(FixedRandom::new(&PATTERN)),
    )
    .expect("valid url");
    let url = if cfg & 0x80 != 0 {
        "http://user:pass@proxy.example:8080"
    } else {
        "http://proxy.example"
    };
    let mut proxy = client.proxy(url).expect("valid proxy url");
    proxy.set_header("User-Agent", "fuzz").unwrap();
    proxy.start().unwrap();
    assert_eq!(
        proxy.start(),
        Err(CommandError::AlreadyStarted),
        "started twice"
    );
    match proxy.poll_action() {
        Some(Action::Write(w)) => assert!(w.starts_with(b"CONNECT example.com:80 HTTP/1.1\r\n")),
        other => panic!("no CONNECT request: {other:?}"),
    }
    let mut outcomes = 0;
    let mut rest = Vec::new();
    let max = 1 + (seed as usize % 32);
    for chunk in chunks(input, seed, max) {
        if outcomes > 0 {
            assert_eq!(proxy.parse(chunk), 0, "parsed after the response ended");
            rest.extend_from_slice(chunk);
            continue;
        }
        let used = proxy.parse(chunk);
        assert!(used <= chunk.len(), "consumed more than given");
        while let Some(a) = proxy.poll_action() {
            match a {
                Action::Event(Event::Connect) => {
                    assert_eq!(proxy.status(), Some(200));
                    outcomes += 1;
                }
                Action::Event(Event::Error(_)) => outcomes += 1,
                other => panic!("unexpected proxy action {other:?}"),
            }
        }
        assert!(outcomes <= 1, "proxy answered twice");
        if outcomes == 1 {
            rest.extend_from_slice(&chunk[used..]);
        } else {
            assert_eq!(used, chunk.len(), "partial response not consumed whole");
        }
    }
    if proxy.status() == Some(200) {
        let mut client = client;
        let mut c = Checker::new(opts.max_length, true);
        client.start().unwrap();
        feed(
            &mut client,
            &mut c,
            React::from_flags(0),
            &[&rest],
            false,
            true,
        );
    }
}
