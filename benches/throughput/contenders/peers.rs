//! Rust peers: tungstenite and fastwebsockets over the in-memory stream.

use std::hint::black_box;

use crate::contenders::{Contender, Work};
use crate::transport::MemIo;
use crate::workload::Op;

pub struct Tungstenite(pub tungstenite::WebSocket<MemIo>, pub MemIo);

impl Tungstenite {
    pub fn new(client: bool) -> Tungstenite {
        let config = tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None);
        let role = if client {
            tungstenite::protocol::Role::Client
        } else {
            tungstenite::protocol::Role::Server
        };
        let io = MemIo::default();
        Tungstenite(
            tungstenite::WebSocket::from_raw_socket(io.clone(), role, Some(config)),
            io,
        )
    }
}

impl Contender for Tungstenite {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let ws = &mut self.0;
        let mut seen = (0, 0);
        match w.op {
            Op::Decode(_) => {
                self.1.reset(&w.input.bytes);
                for _ in 0..w.input.frames.len() {
                    let len = match ws.read().expect("tungstenite read") {
                        tungstenite::Message::Text(t) => t.len(),
                        tungstenite::Message::Binary(b) => b.len(),
                        _ => continue,
                    };
                    seen.0 += 1;
                    seen.1 += len;
                }
            }
            Op::Encode(_) => {
                let payload = tungstenite::Bytes::copy_from_slice(&w.payload);
                let before = self.1.written();
                for _ in 0..w.count {
                    ws.send(tungstenite::Message::Binary(payload.clone()))
                        .expect("tungstenite send");
                    seen.0 += 1;
                }
                seen.1 = self.1.written() - before;
            }
        }
        seen
    }
}

pub struct FastWs {
    pub rt: tokio::runtime::Runtime,
    pub ws: fastwebsockets::WebSocket<MemIo>,
    pub io: MemIo,
}

impl FastWs {
    pub fn new(client: bool) -> FastWs {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let role = if client {
            fastwebsockets::Role::Client
        } else {
            fastwebsockets::Role::Server
        };
        let io = MemIo::default();
        let mut ws = fastwebsockets::WebSocket::after_handshake(io.clone(), role);
        ws.set_max_message_size(usize::MAX);
        FastWs { rt, ws, io }
    }
}

impl Contender for FastWs {
    fn run(&mut self, w: &Work) -> (usize, usize) {
        let (ws, io) = (&mut self.ws, &self.io);
        self.rt.block_on(async {
            let mut seen = (0, 0);
            match w.op {
                Op::Decode(_) => {
                    io.reset(&w.input.bytes);
                    for _ in 0..w.input.frames.len() {
                        let frame = ws.read_frame().await.expect("fastwebsockets read");
                        seen.0 += 1;
                        seen.1 += frame.payload.len();
                        black_box(&frame.payload[..]);
                    }
                }
                Op::Encode(_) => {
                    let before = io.written();
                    for _ in 0..w.count {
                        let frame = fastwebsockets::Frame::binary(
                            fastwebsockets::Payload::Borrowed(&w.payload),
                        );
                        ws.write_frame(frame).await.expect("fastwebsockets write");
                        seen.0 += 1;
                    }
                    seen.1 = io.written() - before;
                }
            }
            seen
        })
    }
}
