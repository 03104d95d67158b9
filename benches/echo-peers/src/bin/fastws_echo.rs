//! Echo server on fastwebsockets (no permessage-deflate). The opening
//! handshake is read by hand so no HTTP server crate is needed.

use fastwebsockets::{FragmentCollector, OpCode, Role, WebSocket};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Reads the request head and answers 101; `None` if it is not an upgrade.
async fn handshake(stream: &mut TcpStream) -> Option<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 16 << 10 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let key = text.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("sec-websocket-key")
            .then(|| value.trim().to_owned())
    })?;
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    stream.write_all(answer.as_bytes()).await.ok()
}

fn main() {
    echo_peers::run(|mut stream| async move {
        if handshake(&mut stream).await.is_none() {
            return;
        }
        let mut ws = FragmentCollector::new(WebSocket::after_handshake(stream, Role::Server));
        while let Ok(frame) = ws.read_frame().await {
            let done = match frame.opcode {
                OpCode::Close => true,
                OpCode::Text | OpCode::Binary => ws.write_frame(frame).await.is_err(),
                _ => false,
            };
            if done {
                return;
            }
        }
    });
}
