//! A client and a raw server talking to each other in memory, with the
//! bytes between them cut at pseudo-random points (items 3, 4, 6, 8, 9
//! end to end).
mod common;

use common::*;
use wsdriver::{Event, MessageKind, Options, ReadyState};

fn msg(kind: MessageKind, data: &[u8]) -> Event {
    Event::Message {
        kind,
        data: data.to_vec(),
    }
}

fn pair(seed: u64) -> Pair {
    let mut p = Pair::new(
        "ws://example.com/chat?room=1",
        protocols(&["superchat", "chat"]),
        protocols(&["chat"]),
        seed,
    );
    p.connect();
    p
}

#[test]
fn pair_handshake_agrees_on_protocol() {
    for seed in 1..=8 {
        let mut p = pair(seed);
        let (c, s) = p.take_events();
        assert_eq!(c, vec![Event::Open]);
        assert_eq!(s, vec![Event::Connect, Event::Open]);
        assert_eq!(p.client.protocol(), Some("chat"));
        assert_eq!(p.server.protocol(), Some("chat"));
        assert_eq!(p.server.request().unwrap().target, "/chat?room=1");
        assert_eq!(p.client.state(), ReadyState::Open);
        assert_eq!(p.server.state(), ReadyState::Open);
        // One write each for the handshake.
        assert_eq!(p.client_wrote.len(), 1);
        assert_eq!(p.server_wrote.len(), 1);
    }
}

#[test]
fn pair_messages_both_ways_all_sizes() {
    for seed in 1..=6 {
        let mut p = pair(seed);
        p.take_events();
        let sizes = [0usize, 1, 125, 126, 65535, 65536, 70000];
        for &n in &sizes {
            let data: Vec<u8> = (0..n).map(|i| (i * 31 % 251) as u8).collect();
            p.client.binary(&data).unwrap();
            p.server.binary(&data).unwrap();
        }
        p.client.text("héllo ✓").unwrap();
        p.server.text("wörld 𝄞").unwrap();
        p.pump();
        let (c, s) = p.take_events();
        let mut expected: Vec<Event> = sizes
            .iter()
            .map(|&n| {
                let data: Vec<u8> = (0..n).map(|i| (i * 31 % 251) as u8).collect();
                msg(MessageKind::Binary, &data)
            })
            .collect();
        let mut cexp = expected.clone();
        cexp.push(msg(MessageKind::Text, "wörld 𝄞".as_bytes()));
        expected.push(msg(MessageKind::Text, "héllo ✓".as_bytes()));
        assert_eq!(s, expected, "seed {seed}");
        assert_eq!(c, cexp, "seed {seed}");
    }
}

#[test]
fn pair_client_frames_are_masked_server_frames_are_not() {
    let mut p = pair(3);
    p.client.text("x").unwrap();
    p.server.text("y").unwrap();
    p.pump();
    let cw = p.client_wrote.last().unwrap();
    let sw = p.server_wrote.last().unwrap();
    assert_eq!(cw[1] & 0x80, 0x80);
    assert_eq!(sw, &b"\x81\x01y".to_vec());
}

#[test]
fn pair_ping_pong_with_tokens() {
    for seed in 1..=4 {
        let mut p = pair(seed);
        p.take_events();
        p.client.ping_with_token(b"c1", 11).unwrap();
        p.server.ping_with_token(b"s1", 22).unwrap();
        p.pump();
        let (c, s) = p.take_events();
        assert_eq!(
            c,
            vec![
                Event::Ping(b"s1".to_vec()),
                Event::PingAnswered(11),
                Event::Pong(b"c1".to_vec())
            ]
        );
        assert_eq!(
            s,
            vec![
                Event::Ping(b"c1".to_vec()),
                Event::PingAnswered(22),
                Event::Pong(b"s1".to_vec())
            ]
        );
    }
}

#[test]
fn pair_close_initiated_by_client() {
    for seed in 1..=4 {
        let mut p = pair(seed);
        p.take_events();
        p.client.close(Some(4000), "bye").unwrap();
        p.pump();
        let (c, s) = p.take_events();
        let bye = Event::Close {
            code: Some(4000),
            reason: "bye".into(),
        };
        assert_eq!(c, vec![bye.clone()]);
        assert_eq!(s, vec![bye]);
        assert_eq!(p.client.state(), ReadyState::Closed);
        assert_eq!(p.server.state(), ReadyState::Closed);
        assert!(p.client.text("x").is_err());
        assert!(p.server.text("x").is_err());
    }
}

#[test]
fn pair_close_initiated_by_server() {
    let mut p = pair(5);
    p.take_events();
    p.server.close(None, "").unwrap();
    p.pump();
    let (c, s) = p.take_events();
    let done = Event::Close {
        code: Some(1000),
        reason: String::new(),
    };
    assert_eq!(c, vec![done.clone()]);
    assert_eq!(s, vec![done]);
}

#[test]
fn pair_messages_queued_before_handshake_arrive_first() {
    let mut p = Pair::new(
        "ws://example.com/",
        Options::default(),
        Options::default(),
        9,
    );
    p.client.text("early-c").unwrap();
    p.server.text("early-s").unwrap();
    p.connect();
    let (c, s) = p.take_events();
    assert_eq!(c, vec![Event::Open, msg(MessageKind::Text, b"early-s")]);
    assert_eq!(
        s,
        vec![
            Event::Connect,
            Event::Open,
            msg(MessageKind::Text, b"early-c")
        ]
    );
}

#[test]
fn pair_server_rejects_too_large_client_message() {
    let mut p = Pair::new(
        "ws://example.com/",
        Options::default(),
        Options {
            max_length: 100,
            ..Options::default()
        },
        4,
    );
    p.connect();
    p.take_events();
    p.client.binary(&[0; 101]).unwrap();
    p.pump();
    let (c, s) = p.take_events();
    let m = "WebSocket frame length too large";
    assert_eq!(
        s,
        vec![
            Event::Error(wsdriver::Error::new(wsdriver::ErrorKind::TooLarge, m)),
            Event::Close {
                code: Some(1009),
                reason: m.into()
            }
        ]
    );
    assert_eq!(
        c,
        vec![Event::Close {
            code: Some(1009),
            reason: m.into()
        }]
    );
}
