//! Sending a message framed straight into the host's buffer, for hosts
//! that pay per call across the boundary (the Python binding): the frame
//! is built where the host will write it from, in the same call, with no
//! queued action to take afterwards.

use super::Driver;
use crate::event::MessageKind;

impl Driver {
    /// Sends a whole text (`text`, UTF-8 checked) or binary message by
    /// framing it into `out`, when it can go out at once (the rules of
    /// [`frame_message`](Self::frame_message), which says why not).
    /// Returns the frame's length; `None`, having done nothing, otherwise:
    /// send it with [`text`](Self::text) or [`binary`](Self::binary), which
    /// queue it or say why not.
    #[inline]
    pub fn frame_into(&mut self, text: bool, data: &[u8], out: &mut [u8]) -> Option<usize> {
        let kind = if text {
            MessageKind::Text
        } else {
            MessageKind::Binary
        };
        self.frame_message(kind, data, out).ok()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Action, Driver, Event, Options};

    const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

    fn open_server() -> Driver {
        let mut d = Driver::server(Options::default());
        d.parse(REQUEST);
        while let Some(a) = d.poll_action() {
            if let Action::Event(Event::Connect) = a {
                d.start().unwrap();
            }
        }
        d
    }

    fn queued_bytes(d: &mut Driver) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(a) = d.poll_action() {
            if let Action::Write(b) = a {
                out.extend_from_slice(&b);
            }
        }
        out
    }

    #[test]
    fn frames_are_the_bytes_send_would_queue() {
        for len in [0usize, 1, 125, 126, 65535, 65536, 200_000] {
            let data = vec![b'a'; len];
            let mut a = open_server();
            let mut b = open_server();
            let mut buf = vec![0u8; len + 14];
            let n = a.frame_into(true, &data, &mut buf).expect("fits");
            b.text_bytes(&data).unwrap();
            assert_eq!(&buf[..n], &queued_bytes(&mut b)[..], "len {len}");
            assert!(a.poll_action().is_none(), "nothing queued");
        }
    }

    #[test]
    fn client_frames_are_masked_and_parse_back() {
        let mut server = Driver::server(Options::default());
        let mut client = Driver::client("ws://example.com/", Options::default()).unwrap();
        client.start().unwrap();
        server.parse(&queued_bytes(&mut client));
        while let Some(a) = server.poll_action() {
            match a {
                Action::Event(Event::Connect) => {
                    server.start().unwrap();
                }
                Action::Write(b) => client.parse(&b),
                _ => {}
            }
        }
        queued_bytes(&mut client);
        let mut buf = [0u8; 64];
        let n = client.frame_into(false, b"hello", &mut buf).unwrap();
        assert_eq!(n, 2 + 4 + 5);
        assert_eq!(buf[1] & 0x80, 0x80);
        server.parse(&buf[..n]);
        let got: Vec<_> = std::iter::from_fn(|| server.poll_action()).collect();
        assert!(
            matches!(&got[..], [Action::Event(Event::Message { data, .. })] if &data[..] == b"hello")
        );
    }

    #[test]
    fn declines_and_leaves_no_trace_when_it_cannot() {
        let mut d = open_server();
        let mut small = [0u8; 4];
        assert_eq!(d.frame_into(false, b"hello", &mut small), None);
        let mut buf = [0u8; 64];
        assert_eq!(d.frame_into(true, b"\xff", &mut buf), None, "not UTF-8");
        d.binary(b"queued").unwrap();
        assert_eq!(d.frame_into(false, b"x", &mut buf), None, "a write waits");
        queued_bytes(&mut d);
        assert!(d.frame_into(false, b"x", &mut buf).is_some());
        d.close(None, "").unwrap();
        assert_eq!(d.frame_into(false, b"x", &mut buf), None, "closing");
        let mut fresh = Driver::server(Options::default());
        assert_eq!(fresh.frame_into(false, b"x", &mut buf), None, "not open");
    }
}
