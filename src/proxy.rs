//! HTTP CONNECT through a proxy, for clients (the gem's `Driver#proxy`).
//!
//! The proxy object writes the CONNECT request, reads the proxy's response,
//! and emits `Connect` on 200 or `Error` otherwise; the caller then starts
//! the WebSocket driver on the same transport.

use std::collections::VecDeque;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{CommandError, Error, ErrorKind};
use crate::event::{Action, Event};
use crate::headers::{self, Headers};
use crate::http::{Head, HeadLimits, HeadReader};
use crate::url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    Sent,
    Done,
}

pub struct Proxy {
    origin: Url,
    origin_text: String,
    request_headers: Headers,
    state: State,
    reader: HeadReader,
    limits: HeadLimits,
    status: Option<u16>,
    response_headers: Headers,
    queue: VecDeque<Action>,
}

impl Proxy {
    /// A proxy for connecting to `origin` (the WebSocket URL) via `proxy_url`.
    pub fn new(origin: &str, proxy_url: &str, limits: HeadLimits) -> Result<Proxy, Error> {
        let origin_url = Url::parse(origin, &["ws", "wss"])?;
        let proxy = Url::parse(proxy_url, &["http", "https"]).map_err(|_| {
            Error::new(
                ErrorKind::Url,
                format!("{proxy_url} is not a valid proxy URL"),
            )
        })?;
        let mut headers = Headers::new();
        headers.set("Host", &origin_url.host_header());
        headers.set("Connection", "keep-alive");
        headers.set("Proxy-Connection", "keep-alive");
        if let Some(auth) = proxy.basic_credentials() {
            headers.set(
                "Proxy-Authorization",
                &format!("Basic {}", STANDARD.encode(auth)),
            );
        }
        Ok(Proxy {
            origin: origin_url,
            origin_text: origin.to_owned(),
            request_headers: headers,
            state: State::Idle,
            reader: HeadReader::default(),
            limits,
            status: None,
            response_headers: Headers::new(),
            queue: VecDeque::new(),
        })
    }

    /// Adds a header to the CONNECT request; only before `start`. A header
    /// that could never be sent is refused as such, even after `start`.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), CommandError> {
        headers::check(name.trim(), value.trim()).map_err(CommandError::InvalidHeader)?;
        if self.state != State::Idle {
            return Err(CommandError::AlreadyStarted);
        }
        self.request_headers.try_set(name, value)
    }

    /// Queues the CONNECT request.
    pub fn start(&mut self) -> Result<(), CommandError> {
        if self.state != State::Idle {
            return Err(CommandError::AlreadyStarted);
        }
        self.state = State::Sent;
        let mut out = format!(
            "CONNECT {}:{} HTTP/1.1\r\n",
            self.origin.host,
            self.origin.effective_port()
        )
        .into_bytes();
        self.request_headers.write_to(&mut out);
        out.extend_from_slice(b"\r\n");
        self.queue.push_back(Action::Write(out));
        Ok(())
    }

    /// Feeds the proxy's response. Returns how many bytes belonged to it;
    /// anything after is the start of the WebSocket handshake response.
    pub fn parse(&mut self, data: &[u8]) -> usize {
        if self.state == State::Done {
            return 0;
        }
        match self.reader.read_response(data, self.limits) {
            Ok(Head::Partial) => data.len(),
            Ok(Head::Complete { head, consumed }) => {
                self.state = State::Done;
                self.status = Some(head.status);
                self.response_headers = head.headers;
                if head.status == 200 {
                    self.queue.push_back(Action::Event(Event::Connect));
                } else {
                    let message = format!(
                        "Can't establish a connection to the server at {}",
                        self.origin_text
                    );
                    self.queue
                        .push_back(Action::Event(Event::Error(Error::protocol(message))));
                }
                consumed
            }
            Err(_) => {
                self.state = State::Done;
                let message = format!(
                    "Can't establish a connection to the server at {}",
                    self.origin_text
                );
                self.queue
                    .push_back(Action::Event(Event::Error(Error::protocol(message))));
                data.len()
            }
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.queue.pop_front()
    }

    /// The proxy's status code, once its response has arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The proxy's response headers (empty until it has answered).
    pub fn headers(&self) -> &Headers {
        &self.response_headers
    }
}
