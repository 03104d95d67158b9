//! The driver: one WebSocket connection's protocol state, from the opening
//! handshake to the close, for servers and clients of every protocol version.
//!
//! Input goes in through [`Driver::parse`] (or [`Driver::read`]); commands
//! (`text`, `close`, ...) only change state; everything the driver has to
//! say comes out of [`Driver::poll_action`] as one ordered stream of writes
//! and events. Input is parsed lazily: parsing stops after each event until
//! that event has been taken, so a reaction to it (sending, closing) is
//! ordered before anything that follows it on the wire.

mod answer;
mod commands;
mod direct;
mod extended_connect;
mod handshake;
mod in_place;
mod input;
mod queries;
mod send_into;

pub use answer::AnswerError;

use std::borrow::Cow;

use crate::client::ClientHandshake;
use crate::error::{CommandError, Error, ErrorKind};
use crate::event::{Action, Event, ReadyState};
use crate::extensions::{Extension, Extensions};
use crate::frame::{self, close::is_valid_on_wire, opcode};
use crate::headers::Headers;
use crate::hixie::Hixie;
use crate::http::{Head, HeadLimits, HeadReader, Request, Response};
use crate::hybi::Hybi;
use crate::io::Io;
use crate::options::{Kept, Options};
use crate::proxy::Proxy;
use crate::rand::{OsRandom, RandomSource};
use crate::server;
use crate::url::Url;

pub use direct::{FrameError, frame_len};
pub use in_place::InPlace;

/// The framing protocol, once known.
enum Proto {
    /// A raw server that has not seen the whole request yet.
    Undecided,
    Hybi(Box<Hybi>),
    Hixie(Box<Hixie>),
}

/// What each side of the connection needs to remember about the handshake.
enum Side {
    Server(Box<ServerSide>),
    Client(Box<ClientSide>),
}

struct ServerSide {
    /// The request head being read, or the request: in one place, as a
    /// server holds one or the other.
    req: Req,
    /// Between the request and the answer: the body so far, hixie-76's keys.
    early: Option<Box<Early>>,
    /// The URL a `rack` host gave; `None` rebuilds it from the request (or
    /// an extended CONNECT's pseudo-headers) when asked. A `String` behind
    /// one pointer: few servers are given one, every server has the field.
    #[allow(clippy::box_collection)]
    url: Option<Box<String>>,
    /// Extended CONNECT (h2/h3) mode: the request's pseudo-headers and the answer.
    connect: Option<Box<extended_connect::Mode>>,
}

/// What a server holds only until it answers: boxed when there is any.
#[derive(Default)]
struct Early {
    /// Request bytes after the head, received before the handshake answered.
    body: Vec<u8>,
    /// Hixie-76: the key values, while waiting for the 8-byte body.
    hixie_keys: Option<(u32, u32)>,
}

impl ServerSide {
    /// The body received so far (taken when the connection opens).
    fn take_body(&mut self) -> Vec<u8> {
        self.early.take().map(|e| e.body).unwrap_or_default()
    }
}

enum Req {
    /// A raw server still reading the request head.
    Reading(HeadReader),
    Parsed(Request),
    /// A `rack` server until its request is handed over.
    Missing,
}

impl Req {
    fn request(&self) -> Option<&Request> {
        match self {
            Req::Parsed(r) => Some(r),
            _ => None,
        }
    }

    fn is_reading(&self) -> bool {
        matches!(self, Req::Reading(_))
    }
}

/// Small at creation: the reader and the response are boxed when they come.
struct ClientSide {
    /// Holds the URL as the caller gave it (the gem's `socket.url`).
    handshake: ClientHandshake,
    reader: Option<Box<HeadReader>>,
    response: Option<Box<Response>>,
    /// Extended CONNECT (h2/h3) mode: the request fields.
    connect: Option<Box<extended_connect::Mode>>,
}

/// A message sent before the connection opened; `token` for a ping whose
/// pong is awaited.
struct Pending {
    op: u8,
    data: Vec<u8>,
    token: Option<u64>,
}

pub struct Driver {
    io: Io,
    opts: Kept,
    side: Side,
    proto: Proto,
    /// The protocol spoken, as `version()` reports it.
    version: Option<&'static str>,
    /// Server: headers added with `set_header`, boxed when there are any.
    custom: Option<Box<Headers>>,
    protocol: Option<Box<str>>,
    ext: Extensions,
    /// Boxed when there are any: most connections send after opening.
    #[allow(clippy::box_collection)]
    pending: Option<Box<Vec<Pending>>>,
    /// Input received but not parsed yet (parsing waits for events to be
    /// taken): the one place unread input waits (see [`input`]).
    inbox: Vec<u8>,
    inbox_pos: usize,
    /// All of `inbox[inbox_pos..]` was deferred behind input a caller of
    /// `read` holds.
    held: bool,
    started: bool,
    /// Server: `start` was called before the request was complete.
    deferred_start: bool,
}

impl ServerSide {
    /// The URL the request was made to: the host's, or rebuilt from the
    /// pseudo-headers (extended CONNECT) or from `Host` and the target.
    fn url(&self) -> Option<Cow<'_, str>> {
        match (&self.url, &self.connect, self.req.request()) {
            (Some(url), _, _) => Some(Cow::Borrowed(url)),
            (None, Some(mode), Some(_)) => Some(Cow::Owned(mode.request_url())),
            (None, None, Some(r)) => Some(Cow::Owned(server::request_url(r))),
            (None, _, None) => None,
        }
    }
}

impl Driver {
    /// A server that reads the raw HTTP request (the gem's `Driver.server`).
    /// It emits `Connect` once the request head is complete.
    pub fn server(opts: Options) -> Driver {
        let side = ServerSide {
            req: Req::Reading(HeadReader::default()),
            early: None,
            url: None,
            connect: None,
        };
        Driver::new(opts, Side::Server(Box::new(side)), None)
    }

    /// A server for a request the host already parsed (the gem's
    /// `Driver.rack`). `url` is the URL the request was made to (hixie
    /// handshakes echo it); `None` rebuilds it from `Host` and the target.
    /// `body` holds request bytes received after the head (hixie-76's key).
    pub fn rack(request: Request, url: Option<&str>, body: &[u8], opts: Options) -> Driver {
        let side = ServerSide {
            req: Req::Missing,
            url: url.map(|u| Box::new(u.to_owned())),
            early: (!body.is_empty()).then(|| {
                Box::new(Early {
                    body: body.to_vec(),
                    hixie_keys: None,
                })
            }),
            connect: None,
        };
        let mut d = Driver::new(opts, Side::Server(Box::new(side)), None);
        d.choose_protocol(request);
        d
    }

    /// A client for `url` (`ws://` or `wss://`; the gem's `Driver.client`).
    pub fn client(url: &str, opts: Options) -> Result<Driver, Error> {
        Driver::new_client(url, opts, None)
    }

    /// A client whose key and masks come from `rng` (tests fix them).
    pub fn client_with_random(
        url: &str,
        opts: Options,
        rng: Box<dyn RandomSource>,
    ) -> Result<Driver, Error> {
        Driver::new_client(url, opts, Some(rng))
    }

    /// A client; `rng: None` uses the operating system's generator (for the
    /// key now, and a pooled one created when masking starts).
    fn new_client(
        url: &str,
        opts: Options,
        mut rng: Option<Box<dyn RandomSource>>,
    ) -> Result<Driver, Error> {
        Url::parse(url, &["ws", "wss"])?;
        let mut os = OsRandom::new();
        let key_source: &mut dyn RandomSource = match &mut rng {
            Some(r) => r.as_mut(),
            None => &mut os,
        };
        let handshake = ClientHandshake::new(url, opts.client_key.as_deref(), key_source);
        let side = ClientSide {
            handshake,
            reader: None,
            response: None,
            connect: None,
        };
        // The framing protocol (hybi-13) is set up when the connection opens.
        Ok(Driver::new(opts, Side::Client(Box::new(side)), rng))
    }

    fn new(opts: Options, side: Side, rng: Option<Box<dyn RandomSource>>) -> Driver {
        Driver {
            io: Io::new(rng, opts.retained_buffer),
            opts: Kept::new(opts),
            side,
            proto: Proto::Undecided,
            version: None,
            custom: None,
            protocol: None,
            ext: Extensions::default(),
            pending: None,
            inbox: Vec::new(),
            inbox_pos: 0,
            held: false,
            started: false,
            deferred_start: false,
        }
    }

    /// Replaces the source of masking keys (servers that mask, tests).
    pub fn set_random(&mut self, rng: Box<dyn RandomSource>) {
        self.io.rng = Some(rng);
    }

    // ---- configuration -------------------------------------------------

    /// Adds a header to the handshake; only before `start`.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), CommandError> {
        if self.started || self.io.state != ReadyState::Connecting {
            return Err(CommandError::AlreadyStarted);
        }
        crate::headers::check_custom(name, value).map_err(CommandError::InvalidHeader)?;
        match &mut self.side {
            Side::Client(c) => c
                .handshake
                .headers(&self.opts.protocols, self.opts.client_key.as_deref())
                .try_set(name, value),
            Side::Server(_) => self.custom.get_or_insert_default().try_set(name, value),
        }
    }

    /// Whether [`add_extension`](Self::add_extension) would take an
    /// extension now: only before `start`, and only for hybi drivers.
    pub fn can_add_extension(&self) -> Result<(), CommandError> {
        if matches!(self.proto, Proto::Hixie(_)) {
            return Err(CommandError::NotSupported);
        }
        if self.started || self.io.state != ReadyState::Connecting {
            return Err(CommandError::AlreadyStarted);
        }
        Ok(())
    }

    /// Registers an extension for negotiation (see
    /// [`can_add_extension`](Self::can_add_extension)).
    pub fn add_extension(&mut self, ext: Box<dyn Extension>) -> Result<(), CommandError> {
        self.can_add_extension()?;
        self.ext.add(ext);
        Ok(())
    }

    // ---- commands -------------------------------------------------------

    /// Sends the handshake: a client's request, or a server's response
    /// (deferred until a raw server's request is complete). A server whose
    /// handshake failed writes a 400; `error` and `close` follow.
    pub fn start(&mut self) -> Result<(), CommandError> {
        if self.started || self.io.state != ReadyState::Connecting {
            return Err(CommandError::AlreadyStarted);
        }
        if let (Proto::Undecided, Side::Server(_)) = (&self.proto, &self.side) {
            self.deferred_start = true;
            return Ok(());
        }
        self.started = true;
        if self.is_extended_connect() {
            return self.start_extended();
        }
        if let Side::Client(c) = &mut self.side {
            let request = c.handshake.request(
                &self.opts.protocols,
                self.opts.client_key.as_deref(),
                &mut self.ext,
            );
            self.io.write(request);
            return Ok(());
        }
        self.start_server()
    }

    /// The next write or event, in order; `None` when there is nothing to do
    /// until more input arrives or a command is given.
    #[inline]
    pub fn poll_action(&mut self) -> Option<Action> {
        match self.io.queue.pop() {
            Some(action) => Some(action),
            None if self.inbox_pos >= self.inbox.len() && !self.io.release_when_idle => {
                self.idle();
                None
            }
            None => self.poll_parse(),
        }
    }

    /// The next action for a batch taken after [`poll_action`](Self::poll_action):
    /// a queued action, or the next stored message when parsing it can do
    /// nothing else (no error, close, ping, partial frame or extension).
    /// `None` ends the batch; `poll_action` then goes on from there. Taking a
    /// batch this way orders writes and events exactly as taking the actions
    /// one at a time and reacting to each would (the gem's order).
    #[inline(always)]
    pub fn poll_ahead(&mut self) -> Option<Action> {
        if let Some(action) = self.io.queue.pop() {
            return Some(action);
        }
        if !self.has_ready_input()
            || !matches!(self.io.state, ReadyState::Open | ReadyState::Closing)
        {
            return None;
        }
        let Proto::Hybi(h) = &mut self.proto else {
            return None;
        };
        let used = h.parse_ahead(&self.inbox[self.inbox_pos..], &mut self.io, &self.ext)?;
        self.inbox_pos += used;
        self.io.queue.pop()
    }

    /// The next action already queued (output of commands, actions of input
    /// already parsed) without parsing stored input: for a thread that sends
    /// while another one parses.
    #[inline]
    pub fn poll_queued(&mut self) -> Option<Action> {
        self.io.queue.pop()
    }

    /// Returns a buffer taken from an action so its memory is reused.
    #[inline]
    pub fn recycle(&mut self, buf: Vec<u8>) {
        self.io.recycle(buf);
    }

    /// Opens the connection: flushes queued messages, then emits `open`.
    fn open(&mut self) {
        if matches!(self.proto, Proto::Undecided) {
            // A client: its protocol is known from the start, set up now.
            let masking = self.opts.masking.unwrap_or(true);
            let require = self.opts.require_masking.unwrap_or(false);
            let mut hybi = Hybi::new(masking, require, self.opts.max_length);
            if self.opts.require_masking.is_none() {
                hybi = hybi.rejecting_masked();
            }
            self.proto = Proto::Hybi(Box::new(hybi));
        }
        self.io.state = ReadyState::Open;
        for p in self.pending.take().map(|p| *p).unwrap_or_default() {
            // What fails now (too many pings, a failed extension) is
            // dropped: the caller was told `Ok` when it was queued.
            let _ = self.send_now(p.op, &p.data, p.token);
        }
        self.io.emit(Event::Open);
        self.io.release_when_idle = true;
    }

    fn limits(&self) -> HeadLimits {
        HeadLimits {
            max_head_size: self.opts.max_head_size,
            max_headers: self.opts.max_headers,
        }
    }

    /// Parses from `input` until an action is queued; returns bytes used.
    fn step(&mut self, input: &[u8]) -> usize {
        match self.io.state {
            ReadyState::Closed => return input.len(),
            // Past the handshake only the framing protocol reads input.
            ReadyState::Open | ReadyState::Closing => return self.parse_frames(input),
            ReadyState::Connecting => {}
        }
        let limits = self.limits();
        match &mut self.side {
            Side::Server(s) if s.req.is_reading() => {
                let Req::Reading(reader) = &mut s.req else {
                    unreachable!("checked above")
                };
                match reader.read_request(input, limits) {
                    Ok(Head::Partial) => input.len(),
                    Ok(Head::Complete { head, consumed }) => {
                        s.req = Req::Missing;
                        let deferred = self.deferred_start;
                        self.choose_protocol(head);
                        self.io.emit(Event::Connect);
                        if deferred {
                            // A failed handshake reports itself in events.
                            let _ = self.start();
                        }
                        consumed
                    }
                    Err(_) => {
                        self.fail_handshake(Error::protocol("Invalid HTTP request"));
                        input.len()
                    }
                }
            }
            Side::Server(_) if self.io.state == ReadyState::Connecting => self.read_body(input),
            Side::Client(c) if c.is_extended() => self.data_before_response(input),
            Side::Client(c) if self.io.state == ReadyState::Connecting => {
                match c
                    .reader
                    .get_or_insert_default()
                    .read_response(input, limits)
                {
                    Ok(Head::Partial) => input.len(),
                    Ok(Head::Complete { head, consumed }) => {
                        let verdict = c.handshake.validate(
                            self.opts.client_key.as_deref(),
                            &head,
                            &self.opts.protocols,
                            &mut self.ext,
                        );
                        c.response = Some(Box::new(head));
                        match verdict {
                            Ok(protocol) => {
                                self.protocol = protocol.map(Into::into);
                                self.open();
                                consumed
                            }
                            Err(message) => {
                                self.fail_client(&message);
                                input.len()
                            }
                        }
                    }
                    Err(_) => {
                        self.fail_client("Invalid HTTP response");
                        input.len()
                    }
                }
            }
            _ => self.parse_frames(input),
        }
    }

    /// Parses frames of the chosen protocol until an action is queued.
    #[inline]
    fn parse_frames(&mut self, input: &[u8]) -> usize {
        match &mut self.proto {
            Proto::Hybi(h) => h.parse(input, &mut self.io, &mut self.ext),
            Proto::Hixie(h) => h.parse(input, &mut self.io),
            Proto::Undecided => input.len(),
        }
    }

    /// A failure before the connection opened: `error`, then `close`
    /// (1002; hixie drivers have no codes).
    fn fail_handshake(&mut self, e: Error) {
        let code = match self.proto {
            Proto::Hixie(_) => None,
            _ => Some(e.close_code()),
        };
        let reason = e.message.clone();
        if let Proto::Hybi(h) = &mut self.proto {
            h.stop();
        }
        self.pending = None;
        self.io.set_closed();
        self.io.emit(Event::Error(e));
        self.io.emit(Event::Close {
            code,
            reason: if code.is_some() {
                reason
            } else {
                String::new()
            },
        });
    }

    fn fail_client(&mut self, message: &str) {
        self.fail_handshake(Error::protocol(format!(
            "Error during WebSocket handshake: {message}"
        )));
    }

    fn trim(&mut self) {
        match &mut self.proto {
            Proto::Hybi(h) => h.trim(&self.io),
            Proto::Hixie(h) => h.trim(&self.io),
            Proto::Undecided => {}
        }
    }

    /// A proxy object for connecting this client through `proxy_url` with
    /// HTTP CONNECT.
    pub fn proxy(&self, proxy_url: &str) -> Result<Proxy, Error> {
        let Side::Client(c) = &self.side else {
            return Err(Error::new(
                ErrorKind::Configuration,
                "Only clients can connect through a proxy",
            ));
        };
        Proxy::new(&c.handshake.url, proxy_url, self.limits())
    }
}
