//! wsdriver: a sans-I/O WebSocket protocol driver.
//!
//! A [`Driver`] turns bytes received from a transport into events and bytes
//! to send back, for RFC 6455 (hybi-7 … 13) and the older hixie-75/76 drafts,
//! as a server (from raw bytes or an already parsed request) or a client
//! (optionally through an HTTP CONNECT [`Proxy`]). It does no I/O, reads no
//! clock, and keeps no global state; randomness is injected
//! ([`rand::RandomSource`]).
//!
//! ```
//! use wsdriver::{Action, Driver, Event, Options};
//!
//! let mut server = Driver::server(Options::default());
//! server.parse(b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
//!     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
//!     Sec-WebSocket-Version: 13\r\n\r\n");
//! assert_eq!(server.poll_action(), Some(Action::Event(Event::Connect)));
//! server.start().unwrap();
//! let Some(Action::Write(response)) = server.poll_action() else { panic!() };
//! assert!(response.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
//! assert_eq!(server.poll_action(), Some(Action::Event(Event::Open)));
//! ```
#![deny(unsafe_code)]

mod client;
mod driver;
pub mod error;
pub mod event;
pub mod extended_connect;
pub mod extensions;
#[allow(unsafe_code)]
pub mod ffi;
pub mod frame;
mod head_lines;
pub mod headers;
mod hixie;
pub mod http;
mod hybi;
mod io;
mod message;
pub mod options;
pub mod proxy;
pub mod rand;
mod server;
pub mod url;

pub use driver::{AnswerError, Driver, FrameError, InPlace, frame_len};
pub use error::{CommandError, Error, ErrorKind};
pub use event::{Action, Event, MessageKind, ReadyState};
pub use headers::Headers;
pub use http::Request;
pub use options::Options;
pub use proxy::Proxy;
pub use server::{accept_key, is_websocket};
