//! Echo server on tokio-tungstenite (no permessage-deflate: tungstenite
//! 0.30 has none).

use futures_util::{SinkExt, StreamExt};

fn main() {
    echo_peers::run(|stream| async move {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        while let Some(Ok(msg)) = ws.next().await {
            if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                return;
            }
        }
    });
}
