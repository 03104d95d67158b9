//! WebSockets over HTTP/2 (RFC 8441) and HTTP/1.1 on one TLS port, with
//! wsdriver doing the WebSocket part and the `h2` crate the HTTP/2 part.
//!
//!     h2_server [PORT] [--no-connect-protocol]
//!
//! Listens on 127.0.0.1:PORT (default 8443; 0 picks one) with a self-signed
//! certificate made at start-up (rcgen) and ALPN `h2`, `http/1.1`:
//!
//! - `GET /`: the echo demo page; its `new WebSocket('wss://...')` goes
//!   over the same h2 connection as an extended CONNECT stream when the
//!   browser speaks h2 (Chromium does, with `SETTINGS_ENABLE_CONNECT_PROTOCOL`).
//! - extended CONNECT (`:protocol websocket`) on any path: an echo
//!   WebSocket, permessage-deflate when offered. The driver validates the
//!   request and answers 200, 400 or 426 as header fields.
//! - HTTP/1.1 (ALPN `http/1.1` or none): the page and RFC 6455 upgrades.
//! - `GET /stats`: JSON counts per protocol (connections, pages,
//!   WebSockets, refusals, which WebSockets shared the page's h2
//!   connection) and the last extended CONNECT request and answer.
//!
//! `--no-connect-protocol` leaves the setting out: h2 then resets a stream
//! that carries `:protocol` with PROTOCOL_ERROR (RFC 8441 §3).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use h2::server::SendResponse;
use h2::{RecvStream, SendStream};
use http::{Method, Request, Response};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::{Action, Driver, Event, MessageKind, Options};

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>wsdriver echo over h2</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}#log{border:1px solid #ccc;height:20em;overflow:auto;padding:.5em;white-space:pre-wrap}</style>
</head>
<body>
<h1>wsdriver echo over h2</h1>
<p><input id="msg" value="Hello, wsdriver!" size="40">
<button id="send">Send</button>
<button id="bin">Send binary</button></p>
<div id="log"></div>
<script>
var log = document.getElementById('log');
function say(s) { log.textContent += s + '\n'; log.scrollTop = log.scrollHeight; }
var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/');
ws.binaryType = 'arraybuffer';
ws.onopen = function () { say('open'); };
ws.onclose = function (e) { say('closed ' + e.code); };
ws.onerror = function () { say('error'); };
ws.onmessage = function (e) {
  if (typeof e.data === 'string') { say('echo: ' + e.data); }
  else { say('echo (binary): [' + Array.prototype.join.call(new Uint8Array(e.data), ', ') + ']'); }
};
document.getElementById('send').onclick = function () {
  var v = document.getElementById('msg').value; ws.send(v); say('sent: ' + v);
};
document.getElementById('bin').onclick = function () {
  var b = new Uint8Array([0, 1, 2, 253, 254, 255]); ws.send(b.buffer);
  say('sent (binary): [' + Array.prototype.join.call(b, ', ') + ']');
};
</script>
</body>
</html>
"#;

/// Counts by protocol: index 0 is h2, 1 is HTTP/1.1.
#[derive(Default)]
struct Pair([AtomicU64; 2]);

impl Pair {
    fn add(&self, h2: bool) {
        self.0[usize::from(!h2)].fetch_add(1, Relaxed);
    }
    fn json(&self) -> String {
        let [a, b] = &self.0;
        format!(
            r#"{{"h2":{},"http/1.1":{}}}"#,
            a.load(Relaxed),
            b.load(Relaxed)
        )
    }
}

#[derive(Default)]
struct Stats {
    connections: Pair,
    pages: Pair,
    websockets: Pair,
    deflate: Pair,
    /// Handshakes the driver refused (its 4xx answer was sent).
    refused: Pair,
    /// h2 WebSockets opened on a connection that also served the page.
    h2_ws_on_page_connection: AtomicU64,
    /// Over h2 WebSockets: DATA bytes in and out, and the size of the
    /// messages they carried (echoed, so the same both ways): with
    /// permessage-deflate the DATA is smaller.
    h2_data_in: AtomicU64,
    h2_data_out: AtomicU64,
    h2_message_bytes: AtomicU64,
    /// Ids of h2 connections that served the page.
    page_connections: Mutex<Vec<u64>>,
    last_request: Mutex<Vec<(String, String)>>,
    last_answer: Mutex<Vec<(String, String)>>,
}

impl Stats {
    fn json(&self) -> String {
        let fields = |f: &Mutex<Vec<(String, String)>>| {
            let list: Vec<String> = f
                .lock()
                .unwrap()
                .iter()
                .map(|(n, v)| format!("[{},{}]", quote(n), quote(v)))
                .collect();
            format!("[{}]", list.join(","))
        };
        format!(
            concat!(
                r#"{{"connections":{},"pages":{},"websockets":{},"deflate":{},"refused":{},"#,
                r#""h2_websockets_on_page_connection":{},"h2_bytes":{{"data_in":{},"data_out":{},"messages":{}}},"#,
                r#""last_connect_request":{},"last_connect_answer":{}}}"#
            ),
            self.connections.json(),
            self.pages.json(),
            self.websockets.json(),
            self.deflate.json(),
            self.refused.json(),
            self.h2_ws_on_page_connection.load(Relaxed),
            self.h2_data_in.load(Relaxed),
            self.h2_data_out.load(Relaxed),
            self.h2_message_bytes.load(Relaxed),
            fields(&self.last_request),
            fields(&self.last_answer),
        )
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The page, the stats, or 404: (status, content type, body).
fn route(path: &str, stats: &Stats) -> (u16, &'static str, Bytes) {
    match path {
        "/" => (
            200,
            "text/html; charset=utf-8",
            Bytes::from_static(PAGE.as_bytes()),
        ),
        "/stats" => (200, "application/json", Bytes::from(stats.json())),
        _ => (
            404,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"Not found\n"),
        ),
    }
}

fn deflate() -> Box<PerMessageDeflate> {
    Box::new(PerMessageDeflate::new(DeflateConfig::default()))
}

/// Echoes messages; returns true once the close event came.
fn react(drv: &mut Driver, event: Event) -> bool {
    match event {
        Event::Message {
            kind: MessageKind::Text,
            data,
        } => {
            let _ = drv.text_bytes(&data); // refused once closing
        }
        Event::Message { data, .. } => {
            let _ = drv.binary(&data);
        }
        Event::Close { .. } => return true,
        _ => {}
    }
    false
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let connect_protocol = !args.iter().any(|a| a == "--no-connect-protocol");
    let port: u16 = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or(8443, |p| p.parse().expect("PORT must be a number"));

    let made = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("self-signed certificate");
    let cert = CertificateDer::from(made.cert.der().to_vec());
    let key = PrivatePkcs8KeyDer::from(made.key_pair.serialize_der());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key.into())
        .expect("certificate");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));

    let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    println!(
        "wsdriver h2 example: https://127.0.0.1:{port}/ (ALPN h2 and http/1.1; extended CONNECT {})",
        if connect_protocol { "on" } else { "off" }
    );
    let stats = Arc::new(Stats::default());
    let mut next_id = 0u64;
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        next_id += 1;
        let (acceptor, stats, id) = (acceptor.clone(), stats.clone(), next_id);
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            stats.connections.add(h2);
            if h2 {
                serve_h2(tls, id, connect_protocol, stats).await;
            } else {
                serve_h1(tls, stats).await;
            }
        });
    }
}

async fn serve_h2<T>(tls: T, id: u64, connect_protocol: bool, stats: Arc<Stats>)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = h2::server::Builder::new();
    // Big windows: the echo matrix goes up to 16 MiB messages.
    builder
        .initial_window_size(1 << 20)
        .initial_connection_window_size(4 << 20);
    if connect_protocol {
        builder.enable_connect_protocol();
    }
    let Ok(mut conn) = builder.handshake::<_, Bytes>(tls).await else {
        return;
    };
    while let Some(accepted) = conn.accept().await {
        let Ok((request, respond)) = accepted else {
            break;
        };
        let stats = stats.clone();
        tokio::spawn(async move {
            if request.method() == Method::CONNECT {
                h2_websocket(request, respond, id, stats).await;
            } else {
                h2_page(&request, respond, id, &stats);
            }
        });
    }
}

fn h2_page(
    request: &Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    id: u64,
    stats: &Stats,
) {
    let head = request.method() == Method::HEAD;
    let (status, ctype, body) = route(request.uri().path(), stats);
    if request.uri().path() == "/" {
        stats.pages.add(true);
        stats.page_connections.lock().unwrap().push(id);
    }
    let response = Response::builder()
        .status(status)
        .header("content-type", ctype)
        .body(())
        .expect("valid response");
    if let (Ok(mut send), false) = (respond.send_response(response, head), head) {
        let _ = send.send_data(body, true);
    }
}

/// One extended CONNECT stream: the request's fields go to the driver,
/// its answer goes back as the response HEADERS, then DATA both ways.
async fn h2_websocket(
    request: Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    id: u64,
    stats: Arc<Stats>,
) {
    let mut fields = vec![(":method".to_owned(), "CONNECT".to_owned())];
    let uri = request.uri();
    let pseudo = [
        (
            ":protocol",
            request
                .extensions()
                .get::<h2::ext::Protocol>()
                .map(|p| p.as_str()),
        ),
        (":scheme", uri.scheme_str()),
        (":authority", uri.authority().map(|a| a.as_str())),
        (":path", uri.path_and_query().map(|p| p.as_str())),
    ];
    for (name, value) in pseudo {
        if let Some(v) = value {
            fields.push((name.to_owned(), v.to_owned()));
        }
    }
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        fields.push((name.as_str().to_owned(), value));
    }
    let mut drv = Driver::extended_connect_server(&fields, Options::default());
    drv.add_extension(deflate()).expect("before start");
    let ok = drv.start().is_ok();
    let answer = drv.handshake_fields().expect("answered").to_vec();
    *stats.last_request.lock().unwrap() = fields;
    *stats.last_answer.lock().unwrap() = answer.clone();
    let mut response = Response::builder().status(answer[0].1.parse::<u16>().expect("status"));
    for (name, value) in &answer[1..] {
        response = response.header(name, value);
    }
    let Ok(mut send) = respond.send_response(response.body(()).expect("valid"), !ok) else {
        return;
    };
    if !ok {
        stats.refused.add(true);
        return;
    }
    stats.websockets.add(true);
    if answer.iter().any(|(n, _)| n == "sec-websocket-extensions") {
        stats.deflate.add(true);
    }
    if stats.page_connections.lock().unwrap().contains(&id) {
        stats.h2_ws_on_page_connection.fetch_add(1, Relaxed);
    }
    let mut body = request.into_body();
    loop {
        if flush_h2(&mut drv, &mut send, &stats) {
            // The closing handshake is done: END_STREAM is the TCP FIN.
            let _ = send.send_data(Bytes::new(), true);
            return;
        }
        match body.data().await {
            Some(Ok(chunk)) => {
                stats.h2_data_in.fetch_add(chunk.len() as u64, Relaxed);
                drv.parse(&chunk);
                let _ = body.flow_control().release_capacity(chunk.len());
            }
            _ => {
                drv.transport_closed();
                flush_h2(&mut drv, &mut send, &stats);
                send.send_reset(h2::Reason::CANCEL);
                return;
            }
        }
    }
}

/// Sends the driver's writes as DATA and reacts to its events; true once
/// the connection closed.
fn flush_h2(drv: &mut Driver, send: &mut SendStream<Bytes>, stats: &Stats) -> bool {
    let mut closed = false;
    while let Some(action) = drv.poll_action() {
        match action {
            Action::Write(bytes) => {
                stats.h2_data_out.fetch_add(bytes.len() as u64, Relaxed);
                let _ = send.send_data(Bytes::from(bytes), false);
            }
            Action::Event(e) => {
                if let Event::Message { data, .. } = &e {
                    stats.h2_message_bytes.fetch_add(data.len() as u64, Relaxed);
                }
                closed |= react(drv, e);
            }
        }
    }
    closed
}

/// HTTP/1.1 on the same port: the page, the stats, RFC 6455 upgrades.
async fn serve_h1<T: AsyncRead + AsyncWrite + Unpin>(mut tls: T, stats: Arc<Stats>) {
    let mut drv = Driver::server(Options::default());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let mut closed = false;
        while let Some(action) = drv.poll_action() {
            match action {
                Action::Write(bytes) => {
                    if tls.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
                Action::Event(Event::Connect) => {
                    let request = drv.request().expect("complete").clone();
                    if wsdriver::is_websocket(&request) {
                        drv.add_extension(deflate()).expect("before start");
                        if drv.start().is_ok() {
                            stats.websockets.add(false);
                        } else {
                            stats.refused.add(false);
                        }
                        continue;
                    }
                    if request.path() == "/" {
                        stats.pages.add(false);
                    }
                    let (status, ctype, body) = route(request.path(), &stats);
                    let head = format!(
                        "HTTP/1.1 {status} {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        if status == 200 { "OK" } else { "Not Found" },
                        body.len()
                    );
                    let _ = tls.write_all(head.as_bytes()).await;
                    if request.method != "HEAD" {
                        let _ = tls.write_all(&body).await;
                    }
                    let _ = tls.shutdown().await;
                    return;
                }
                Action::Event(e) => {
                    if e == Event::Open && deflate_offered(&drv) {
                        stats.deflate.add(false);
                    }
                    closed |= react(&mut drv, e);
                }
            }
        }
        if closed {
            let _ = tls.shutdown().await;
            return;
        }
        match tls.read(&mut buf).await {
            Ok(0) | Err(_) => {
                drv.transport_closed();
                return;
            }
            Ok(n) => drv.parse(&buf[..n]),
        }
    }
}

/// Whether the request offered permessage-deflate (registered here, so
/// the 101 accepted it).
fn deflate_offered(drv: &Driver) -> bool {
    drv.request()
        .and_then(|r| r.headers.get("Sec-WebSocket-Extensions"))
        .is_some_and(|e| e.contains("permessage-deflate"))
}
