//! A server for an already parsed request (the Rack driver).

use wsdriver::{Driver, Event, Headers, Options, ReadyState, Request};

use crate::common::*;

fn parsed(headers: &[(&str, &str)], target: &str) -> Request {
    let mut h = Headers::new();
    for (k, v) in headers {
        h.append(k, v);
    }
    Request {
        method: "GET".into(),
        target: target.into(),
        headers: h,
    }
}

fn hybi_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Host", "example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", KEY),
        ("Sec-WebSocket-Version", "13"),
    ]
}

#[test]
fn rack_driver_answers_a_parsed_hybi_request() {
    let make = || {
        let mut d = Driver::rack(
            parsed(&hybi_headers(), "/chat"),
            None,
            b"",
            Options::default(),
        );
        assert_eq!(d.version(), Some("hybi-13"));
        assert_eq!(d.url().as_deref(), Some("ws://example.com/chat"));
        d.start().unwrap();
        d
    };
    let a = feed_all_ways(&make, &cat(&[&masked(1, b"hi"), &masked(8, b"")]));
    assert_eq!(
        a,
        vec![
            w(RESPONSE_101),
            open(),
            text("hi"),
            w(b"\x88\x02\x03\xE8"),
            close(1000, "")
        ]
    );
    // The rack driver requires masking like Driver.rack.
    let mut d = make();
    drain(&mut d);
    let a = run(&mut d, &[&unmasked(1, b"x")]);
    assert_eq!(
        events(&a)[1],
        Event::Close {
            code: Some(1003),
            reason: "Received unmasked frame but masking is required".into()
        }
    );
}

#[test]
fn rack_driver_with_body_and_url() {
    // Hixie-76 with its key body already read by the host.
    let h = [
        ("Host", "example.com"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key2", "12998 5 Y3 1  .P00"),
        ("Upgrade", "WebSocket"),
        ("Sec-WebSocket-Key1", "4 @1  46546xW%0l 1 5"),
        ("Origin", "http://example.com"),
    ];
    let mut d = Driver::rack(
        parsed(&h, "/demo"),
        Some("ws://example.com/demo"),
        H76_BODY,
        Options::default(),
    );
    assert_eq!(d.version(), Some("hixie-76"));
    d.start().unwrap();
    assert_eq!(drain(&mut d), vec![w(H76_RESPONSE), w(H76_ANSWER), open()]);
    // Hixie-75: the given URL is the Location.
    let h = [
        ("Upgrade", "WebSocket"),
        ("Connection", "Upgrade"),
        ("Host", "example.com"),
    ];
    let mut d = Driver::rack(
        parsed(&h, "/x"),
        Some("ws://elsewhere/y"),
        b"",
        Options::default(),
    );
    d.start().unwrap();
    assert_eq!(
        drain(&mut d),
        vec![
            w(
                "HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nWebSocket-Location: ws://elsewhere/y\r\n\r\n"
            ),
            open()
        ]
    );
}

#[test]
fn rack_driver_rejects_bad_requests() {
    let mut h = hybi_headers();
    h[4] = ("Sec-WebSocket-Version", "9");
    let mut d = Driver::rack(parsed(&h, "/"), None, b"", Options::default());
    assert!(d.start().is_err());
    assert_eq!(drain(&mut d), rejected("Unsupported WebSocket version: 13"));
    assert_eq!(d.state(), ReadyState::Closed);
}
