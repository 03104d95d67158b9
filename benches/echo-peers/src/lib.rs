//! What the echo peers share: a single-threaded tokio runtime (the C echo
//! server is one epoll thread too) and the listening socket.

use std::future::Future;

use tokio::net::{TcpListener, TcpStream};

/// Listens on 127.0.0.1:PORT (argv[1], 0 = any), prints the address the
/// way examples/c/echo_server does, and serves each connection with `serve`
/// on one thread.
pub fn run<F, Fut>(serve: F)
where
    F: Fn(TcpStream) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let addr = listener.local_addr().expect("address");
        println!("listening on http://127.0.0.1:{}/", addr.port());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::task::spawn_local(serve(stream));
        }
    });
}
