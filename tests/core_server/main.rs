//! Servers and their error texts: a server fed raw bytes, a server for an
//! already parsed request, and the server handshakes (RFC 6455, hixie-75,
//! hixie-76). Expected bytes are the websocket-driver gem's.

#[path = "../common/mod.rs"]
mod common;

mod handshakes;
mod hybi_drafts;
mod parsed;
mod requests;

use wsdriver::{Driver, Options};

fn server() -> Driver {
    Driver::server(Options::default())
}
