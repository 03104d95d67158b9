//! HTTP CONNECT through a proxy. Expected bytes are the websocket-driver gem's.
mod common;

use common::*;
use wsdriver::{Action, ErrorKind, Proxy};

fn proxy(client_url: &str, proxy_url: &str) -> Proxy {
    client(client_url).proxy(proxy_url).unwrap()
}

fn drain_proxy(p: &mut Proxy) -> Vec<Action> {
    std::iter::from_fn(|| p.poll_action()).collect()
}

/// Feeds `input` in the given chunks; returns the actions and the bytes
/// that did not belong to the proxy's response.
fn feed(p: &mut Proxy, chunks: &[&[u8]]) -> (Vec<Action>, Vec<u8>) {
    let mut rest = Vec::new();
    let mut actions = Vec::new();
    for c in chunks {
        let n = p.parse(c);
        rest.extend_from_slice(&c[n..]);
        actions.extend(drain_proxy(p));
    }
    (actions, rest)
}

/// Same result whole, byte by byte and at random splits.
fn feed_all(make: &dyn Fn() -> Proxy, input: &[u8]) -> (Vec<Action>, Vec<u8>) {
    let whole = feed(&mut make(), &[input]);
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(feed(&mut make(), &bytes), whole);
    for seed in 1..=4 {
        assert_eq!(feed(&mut make(), &random_chunks(input, seed, 9)), whole);
    }
    whole
}

fn started(client_url: &str, proxy_url: &str) -> Proxy {
    let mut p = proxy(client_url, proxy_url);
    p.start().unwrap();
    drain_proxy(&mut p);
    p
}

#[test]
fn connect_request_with_proxy_authorization_and_custom_headers() {
    let mut p = proxy(
        "wss://user:pw@example.com/x",
        "http://puser:ppw@proxy.local:3128",
    );
    p.set_header("User-Agent", "ua").unwrap();
    assert!(p.set_header("Host", "ignored").is_err());
    p.start().unwrap();
    assert!(p.start().is_err());
    assert!(p.set_header("a", "b").is_err());
    assert_eq!(
        drain_proxy(&mut p),
        vec![w(
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic cHVzZXI6cHB3\r\nUser-Agent: ua\r\n\r\n"
        )]
    );
}

#[test]
fn connect_request_ports() {
    for (url, line, host) in [
        (
            "ws://e.com:8080/",
            "CONNECT e.com:8080 HTTP/1.1",
            "e.com:8080",
        ),
        ("ws://e.com/", "CONNECT e.com:80 HTTP/1.1", "e.com"),
        ("wss://e.com/", "CONNECT e.com:443 HTTP/1.1", "e.com"),
    ] {
        let mut p = proxy(url, "http://p");
        p.start().unwrap();
        assert_eq!(
            drain_proxy(&mut p),
            vec![w(format!(
                "{line}\r\nHost: {host}\r\nConnection: keep-alive\r\nProxy-Connection: keep-alive\r\n\r\n"
            ))]
        );
    }
    // Proxy user without password.
    let mut p = proxy("ws://e.com/", "http://puser@p:1");
    p.start().unwrap();
    let req = String::from_utf8(writes(&drain_proxy(&mut p))[0].clone()).unwrap();
    assert!(
        req.contains("\r\nProxy-Authorization: Basic cHVzZXI6\r\n"),
        "{req}"
    );
}

#[test]
fn connect_event_on_200() {
    let input = b"HTTP/1.1 200 Connection established\r\nX: y\r\n\r\n";
    let make = || started("wss://example.com/x", "http://proxy.local:3128");
    let (a, rest) = feed_all(&make, input);
    assert_eq!(a, vec![connect()]);
    assert!(rest.is_empty());
    let mut p = make();
    feed(&mut p, &[input]);
    assert_eq!(p.status(), Some(200));
    assert_eq!(p.headers().get("x"), Some("y"));
}

#[test]
fn error_with_status_and_headers_otherwise() {
    let input = b"HTTP/1.1 407 Proxy Auth\r\nProxy-Authenticate: Basic\r\n\r\n";
    let make = || started("ws://e.com:8080/", "http://p");
    let (a, _) = feed_all(&make, input);
    assert_eq!(
        a,
        vec![perr(
            "Can't establish a connection to the server at ws://e.com:8080/"
        )]
    );
    let mut p = make();
    feed(&mut p, &[input]);
    assert_eq!(p.status(), Some(407));
    assert_eq!(p.headers().get("proxy-authenticate"), Some("Basic"));
    // The message names the client URL as given.
    let mut p = started("ws://e.com:80/a?b", "http://p");
    let (a, _) = feed(&mut p, &[b"HTTP/1.1 502 Bad Gateway\r\n\r\n"]);
    assert_eq!(
        a,
        vec![perr(
            "Can't establish a connection to the server at ws://e.com:80/a?b"
        )]
    );
    // A response that is not HTTP is an error too (the gem ignores it).
    let mut p = started("ws://e.com/", "http://p");
    let (a, _) = feed(&mut p, &[b"garbage\r\n\r\n"]);
    assert_eq!(
        a,
        vec![perr(
            "Can't establish a connection to the server at ws://e.com/"
        )]
    );
    assert_eq!(p.status(), None);
}

#[test]
fn bytes_after_the_response_go_to_the_client() {
    // The proxy hands back what follows its response: here the start of the
    // WebSocket handshake response, which the client then parses.
    let ws = cat(&[&client_response(""), &unmasked(1, b"hi")]);
    let input = cat(&[b"HTTP/1.1 200 OK\r\n\r\n", &ws]);
    let make = || started("ws://example.com/", "http://p");
    let (a, rest) = feed_all(&make, &input);
    assert_eq!(a, vec![connect()]);
    assert_eq!(rest, ws);
    let mut c = client("ws://example.com/");
    c.start().unwrap();
    drain(&mut c);
    assert_eq!(run(&mut c, &[&rest]), vec![open(), text("hi")]);
}

#[test]
fn bad_proxy_url() {
    let e = client("ws://e.com/").proxy("ftp://p").err().unwrap();
    assert_eq!(e.kind, ErrorKind::Url);
    assert_eq!(e.message, "ftp://p is not a valid proxy URL");
}
