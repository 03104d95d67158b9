//! Framing into the caller's buffer (`Driver::frame_message`,
//! `Driver::frame_header`): the same bytes a queued send produces, written
//! where the host sends from, and refused whenever going around the queue
//! would change what the peer sees.
mod common;

use common::*;
use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::{Action, Driver, FrameError, MessageKind, Options, frame_len};

/// What `binary`/`text` queue for `data`, taken from the queue.
fn queued(d: &mut Driver, kind: MessageKind, data: &[u8]) -> Vec<u8> {
    match kind {
        MessageKind::Binary => d.binary(data).unwrap(),
        MessageKind::Text => d.text_bytes(data).unwrap(),
    }
    match d.poll_action() {
        Some(Action::Write(b)) => b,
        other => panic!("expected a write, got {other:?}"),
    }
}

#[test]
fn a_server_frames_the_same_bytes_it_would_queue_at_every_length_class() {
    for len in [0, 1, 125, 126, 127, 65_535, 65_536, 70_000] {
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mut a = open_server(Options::default());
        let mut b = open_server(Options::default());
        let want = queued(&mut a, MessageKind::Binary, &data);
        let mut buf = vec![0xEEu8; frame_len(len, false) + 3];
        let n = b
            .frame_message(MessageKind::Binary, &data, &mut buf)
            .unwrap();
        assert_eq!(n, frame_len(len, false));
        assert_eq!(&buf[..n], &want[..], "len {len}");
        assert_eq!(&buf[n..], [0xEE; 3], "nothing past the frame");
        assert_eq!(b.poll_action(), None, "nothing queued");
    }
}

#[test]
fn a_header_and_its_payload_are_the_framed_message() {
    for len in [0, 5, 126, 65_536] {
        let data = vec![b'x'; len];
        let mut d = open_server(Options::default());
        let mut whole = vec![0u8; frame_len(len, false)];
        let n = d
            .frame_message(MessageKind::Text, &data, &mut whole)
            .unwrap();
        let mut header = [0u8; 14];
        let h = d.frame_header(MessageKind::Text, len, &mut header).unwrap();
        let mut joined = header[..h].to_vec();
        joined.extend_from_slice(&data);
        assert_eq!(joined, whole[..n]);
    }
}

#[test]
fn a_client_frame_is_masked_and_the_server_reads_the_message() {
    let mut client = open_client("ws://example.com/chat");
    let mut server = open_server(Options::default());
    let mut buf = [0u8; 64];
    let n = client
        .frame_message(MessageKind::Text, "héllo".as_bytes(), &mut buf)
        .unwrap();
    assert_eq!(n, frame_len(6, true));
    assert_eq!(buf[1] & 0x80, 0x80, "masked");
    assert_ne!(&buf[6..n], "héllo".as_bytes());
    assert_eq!(run(&mut server, &[&buf[..n]]), [text("héllo")]);
    let mut header = [0u8; 14];
    assert_eq!(
        client.frame_header(MessageKind::Binary, 3, &mut header),
        Err(FrameError::NotSupported),
        "a client cannot leave the payload to the host: it must be masked"
    );
}

#[test]
fn a_small_buffer_is_told_the_size_and_nothing_changes() {
    let mut d = open_server(Options::default());
    let mut small = [0u8; 4];
    assert_eq!(
        d.frame_message(MessageKind::Binary, b"hello", &mut small),
        Err(FrameError::BufferTooSmall(7))
    );
    assert_eq!(small, [0; 4]);
    assert_eq!(d.poll_action(), None);
    let mut buf = [0u8; 7];
    assert_eq!(
        d.frame_message(MessageKind::Binary, b"hello", &mut buf),
        Ok(7)
    );
}

#[test]
fn waiting_output_must_be_taken_first_so_the_frame_cannot_jump_it() {
    let mut d = open_server(Options::default());
    d.parse(&masked(9, b"p"));
    let mut buf = [0u8; 16];
    // The pong is queued and not taken yet.
    assert_eq!(
        d.frame_message(MessageKind::Binary, b"a", &mut buf),
        Err(FrameError::Queued)
    );
    let mut header = [0u8; 14];
    assert_eq!(
        d.frame_header(MessageKind::Binary, 1, &mut header),
        Err(FrameError::Queued)
    );
    assert_eq!(d.poll_action(), Some(w([0x8a, 1, b'p'])));
    assert_eq!(d.poll_action(), Some(ping(b"p")));
    assert_eq!(d.frame_message(MessageKind::Binary, b"a", &mut buf), Ok(3));
}

#[test]
fn nothing_is_framed_before_open_or_after_a_close() {
    let mut d = Driver::server(Options::default());
    let mut buf = [0u8; 16];
    assert_eq!(
        d.frame_message(MessageKind::Binary, b"a", &mut buf),
        Err(FrameError::NotOpen)
    );
    let mut d = open_server(Options::default());
    d.close(Some(1000), "").unwrap();
    while d.poll_action().is_some() {}
    assert_eq!(
        d.frame_message(MessageKind::Binary, b"a", &mut buf),
        Err(FrameError::NotOpen)
    );
}

#[test]
fn invalid_text_is_refused() {
    let mut d = open_server(Options::default());
    let mut buf = [0u8; 16];
    assert_eq!(
        d.frame_message(MessageKind::Text, &[0xff], &mut buf),
        Err(FrameError::InvalidUtf8)
    );
}

#[test]
fn an_active_extension_is_left_to_the_queue() {
    let mut client = Driver::client("ws://example.com/", Options::default()).unwrap();
    client
        .add_extension(Box::new(PerMessageDeflate::new(DeflateConfig::default())))
        .unwrap();
    let mut server = Driver::server(Options::default());
    server
        .add_extension(Box::new(PerMessageDeflate::new(DeflateConfig::default())))
        .unwrap();
    client.start().unwrap();
    let request = drain_writes(&mut client);
    server.parse(&request);
    while server.poll_action().is_some() {}
    server.start().unwrap();
    let response = drain_writes(&mut server);
    client.parse(&response);
    while client.poll_action().is_some() {}
    let mut buf = [0u8; 64];
    assert_eq!(
        server.frame_message(MessageKind::Text, b"hi", &mut buf),
        Err(FrameError::NotSupported)
    );
}

fn drain_writes(d: &mut Driver) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(a) = d.poll_action() {
        if let Action::Write(b) = a {
            out.extend_from_slice(&b);
        }
    }
    out
}
