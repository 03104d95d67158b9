//! A client and a server driver talking through the C API in memory; client
//! refusals of bad responses and URLs.

use std::ptr::{null, null_mut};

use wsdriver::ffi::*;

use crate::harness::*;

/// Moves each side's writes to the other until both are quiet.
fn pump(a: &Harness, b: &Harness) {
    loop {
        let fa = a.rec().writes()[a.rec().pumped..].to_vec();
        let fb = b.rec().writes()[b.rec().pumped..].to_vec();
        if fa.is_empty() && fb.is_empty() {
            return;
        }
        a.rec().pumped += fa.len();
        b.rec().pumped += fb.len();
        if !fa.is_empty() {
            assert_eq!(b.parse(&fa), ws_result::Ok);
        }
        if !fb.is_empty() {
            assert_eq!(a.parse(&fb), ws_result::Ok);
        }
    }
}

#[test]
fn client_and_server_in_memory() {
    let o = ws_options_new();
    assert_eq!(ws_options_add_protocol(o, cs(c"chat")), ws_result::Ok);
    let client = harness(new_client(o, c"ws://example.com/path?q=1"), Rec::default());
    let server = harness(
        new_server(o),
        Rec {
            start_on_connect: true,
            echo: true,
            ..Rec::default()
        },
    );
    ws_options_free(o);
    assert_eq!(
        ws_set_header(client.drv, cs(c"X-Client"), cs(c"yes")),
        ws_result::Ok
    );
    assert_eq!(ws_text(client.drv, cs(c"early"), 5), ws_result::Ok);
    assert_eq!(ws_start(client.drv), ws_result::Ok);
    pump(&client, &server);

    assert_eq!(ws_state(client.drv), WS_STATE_OPEN);
    assert_eq!(ws_status(client.drv), 101);
    assert_eq!(text_of(ws_protocol(client.drv)).as_deref(), Some("chat"));
    assert_eq!(text_of(ws_protocol(server.drv)).as_deref(), Some("chat"));
    assert_eq!(
        text_of(ws_header(server.drv, cs(c"x-client"))).as_deref(),
        Some("yes")
    );
    assert_eq!(
        text_of(ws_request_path(server.drv)).as_deref(),
        Some("/path")
    );
    assert_eq!(
        text_of(ws_request_query(server.drv)).as_deref(),
        Some("q=1")
    );
    assert_eq!(
        text_of(ws_header(client.drv, cs(c"UPGRADE"))).as_deref(),
        Some("websocket")
    );
    assert_eq!(
        text_of(ws_url(client.drv)).as_deref(),
        Some("ws://example.com/path?q=1")
    );

    let big = vec![b'x'; 70_000];
    assert_eq!(
        ws_binary(client.drv, big.as_ptr(), big.len()),
        ws_result::Ok
    );
    pump(&client, &server);
    let got: Vec<Ev> = client
        .rec()
        .events()
        .into_iter()
        .filter(|e| matches!(e, Ev::Message(..)))
        .collect();
    assert!(
        got == [
            Ev::Message(WS_MESSAGE_TEXT, b"early".to_vec()),
            Ev::Message(WS_MESSAGE_BINARY, big.clone())
        ],
        "{} messages; server log {:?}",
        got.len(),
        server
            .rec()
            .log
            .iter()
            .map(|e| match e {
                Ev::Write(w) | Ev::Message(_, w) => format!("{} bytes", w.len()),
                e => format!("{e:?}"),
            })
            .collect::<Vec<_>>()
    );

    assert_eq!(ws_close(client.drv, 1000, cs(c"done"), 4), ws_result::Ok);
    pump(&client, &server);
    assert_eq!(ws_state(client.drv), WS_STATE_CLOSED);
    assert_eq!(ws_state(server.drv), WS_STATE_CLOSED);
    assert_eq!(
        client.rec().events().last(),
        Some(&Ev::Close(1000, "done".into()))
    );
    assert_eq!(
        server.rec().events().last(),
        Some(&Ev::Close(1000, "done".into()))
    );
}

#[test]
fn client_rejects_bad_response_and_bad_urls() {
    let mut drv = null_mut();
    for url in [c"http://example.com/", c"nonsense", c""] {
        assert_eq!(
            ws_driver_new_client(null(), cs(url), &mut drv),
            ws_result::InvalidUrl
        );
    }
    assert_eq!(
        ws_driver_new_client(null(), cs(c"ws://\xff/"), &mut drv),
        ws_result::InvalidUrl
    );
    assert!(drv.is_null());
    let client = harness(new_client(null(), c"ws://example.com/"), Rec::default());
    assert_eq!(ws_start(client.drv), ws_result::Ok);
    assert_eq!(
        client.parse(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
        ws_result::Ok
    );
    assert_eq!(ws_status(client.drv), 404);
    let ev = client.rec().events();
    assert!(
        matches!(&ev[0], Ev::Error(1002, m) if m.starts_with("Error during WebSocket handshake")),
        "{ev:?}"
    );
    assert!(matches!(&ev[1], Ev::Close(1002, _)), "{ev:?}");
}
