//! The invariants ([`Checker`]), the reactions to events ([`React`]), and
//! feeding one input whole, in chunks, through `read` and in place.

use wsdriver::{Action, Driver, Event, MessageKind, Options, ReadyState};

use super::fixtures::*;
use super::in_place::feed_in_place;

/// Watches one driver's action stream and state.
pub struct Checker {
    pub max_length: u64,
    /// Hybi drivers promise UTF-8 text.
    pub utf8_text: bool,
    pub(crate) state: ReadyState,
    opened: bool,
    pub(crate) closed: bool,
    error_pending: bool,
    pub actions: Vec<Action>,
}

impl Checker {
    pub fn new(max_length: u64, utf8_text: bool) -> Self {
        Checker {
            max_length,
            utf8_text,
            state: ReadyState::Connecting,
            opened: false,
            closed: false,
            error_pending: false,
            actions: Vec::new(),
        }
    }

    pub fn state(&mut self, d: &Driver) {
        let now = d.state();
        assert!(
            now >= self.state,
            "ready state went back from {:?} to {:?}",
            self.state,
            now
        );
        self.state = now;
    }

    pub fn action(&mut self, a: &Action) {
        if let Action::Event(e) = a {
            assert!(!self.closed, "event after close: {e:?}");
            match e {
                Event::Open => {
                    assert!(!self.opened, "open twice");
                    self.opened = true;
                }
                Event::Message { kind, data } => {
                    assert!(self.opened, "message before open");
                    assert!(
                        data.len() as u64 <= self.max_length,
                        "message of {} bytes over max_length {}",
                        data.len(),
                        self.max_length
                    );
                    if *kind == MessageKind::Text && self.utf8_text {
                        assert!(std::str::from_utf8(data).is_ok(), "text is not UTF-8");
                    }
                }
                Event::Ping(p) | Event::Pong(p) => {
                    assert!(self.opened, "ping/pong before open");
                    assert!(p.len() <= 125, "control payload of {} bytes", p.len());
                }
                Event::Close { code, .. } => {
                    if let Some(c) = code {
                        assert!((1000..=4999).contains(c), "close code {c}");
                    }
                    self.closed = true;
                    self.error_pending = false;
                }
                Event::Error(_) => self.error_pending = true,
                Event::Connect | Event::PingAnswered(_) => {}
            }
        } else {
            // Nothing is written once the close event has been emitted.
            assert!(!self.closed, "write after close");
        }
        self.actions.push(a.clone());
    }

    /// After a complete drain: nothing held beyond one message.
    pub fn drained(&mut self, d: &Driver) {
        self.state(d);
        // While connecting, a partial head (at most the harnesses' largest
        // max_head_size, 32 KiB, plus the byte that shows it is too long)
        // is held too.
        let head = if d.state() == ReadyState::Connecting {
            32 * 1024 + 1
        } else {
            0
        };
        assert!(
            d.buffered_amount() as u64 <= self.max_length.max(1) + 8 + head,
            "buffered_amount {} over max_length {} after drain",
            d.buffered_amount(),
            self.max_length
        );
    }

    pub fn finish(&self) {
        assert!(!self.error_pending, "error without close");
    }

    pub fn closed(&self) -> bool {
        self.closed
    }
}

/// What a harness does when it sees an event (deterministic, so every way
/// of feeding the same input gives the same actions).
#[derive(Clone, Copy)]
pub struct React {
    pub start_on_connect: bool,
    pub echo: bool,
    pub close_on_message: bool,
    pub ping_on_open: bool,
}

impl React {
    pub(crate) fn from_flags(f: u8) -> React {
        React {
            start_on_connect: f & 1 == 0,
            echo: f & 2 != 0,
            close_on_message: f & 4 != 0,
            ping_on_open: f & 8 != 0,
        }
    }

    pub(crate) fn on(&self, d: &mut Driver, e: &Event) {
        match e {
            // Refusals are fine here: the input decides what is possible.
            Event::Connect if self.start_on_connect => {
                let _ = d.start();
            }
            Event::Open if self.ping_on_open => {
                let _ = d.ping_with_token(b"p", 7);
            }
            Event::Message { kind, data } => {
                if self.echo {
                    let _ = match kind {
                        MessageKind::Text => d.text_bytes(data),
                        MessageKind::Binary => d.binary(data),
                    };
                }
                if self.close_on_message {
                    let _ = d.close(Some(4000), "bye");
                }
            }
            _ => {}
        }
    }
}

pub(crate) fn drain(d: &mut Driver, c: &mut Checker, react: React) {
    let mut n = 0usize;
    while let Some(a) = d.poll_action() {
        c.action(&a);
        if let Action::Event(e) = &a {
            react.on(d, e);
        }
        c.state(d);
        n += 1;
        assert!(n < 10_000_000, "poll_action never ends");
    }
    c.drained(d);
}

/// Feeds `chunks` with `parse` (or `read` when `use_read`), draining after
/// each; then optionally reports the transport closed.
pub(crate) fn feed(
    d: &mut Driver,
    c: &mut Checker,
    react: React,
    chunks: &[&[u8]],
    use_read: bool,
    eof: bool,
) {
    drain(d, c, react);
    for chunk in chunks {
        if use_read {
            let mut rest: &[u8] = chunk;
            let mut spins = 0;
            while !rest.is_empty() {
                let n = d.read(rest);
                assert!(n <= rest.len(), "read used more than given");
                rest = &rest[n..];
                drain(d, c, react);
                spins += 1;
                assert!(spins < 10_000_000, "read makes no progress");
            }
        } else {
            d.parse(chunk);
            drain(d, c, react);
        }
    }
    if eof {
        d.transport_closed();
        drain(d, c, react);
        assert_eq!(
            d.state(),
            ReadyState::Closed,
            "not closed after transport_closed"
        );
        assert!(c.closed(), "no close event after transport_closed");
    }
    c.finish();
    if std::env::var_os("WSFUZZ_DEBUG").is_some() {
        for a in &c.actions {
            match a {
                Action::Write(w) => eprintln!(
                    "  write {:?}",
                    String::from_utf8_lossy(&w[..w.len().min(60)])
                ),
                Action::Event(e) => eprintln!("  {e:?}"),
            }
        }
        eprintln!("--");
    }
}

/// Runs `make()` over `input` whole, split at seeded points, through `read`
/// and decoded in place, checking invariants each time and that all agree.
pub(crate) fn all_ways(
    make: &dyn Fn() -> (Driver, Checker),
    input: &[u8],
    react: React,
    seed: u8,
    eof: bool,
) {
    let (mut d, mut whole) = make();
    feed(&mut d, &mut whole, react, &[input], false, eof);
    let max = 1 + (seed as usize % 64);
    let split_input = chunks(input, seed, max);
    let (mut d, mut split) = make();
    feed(&mut d, &mut split, react, &split_input, false, eof);
    assert_eq!(
        split.actions, whole.actions,
        "split input (max {max}) differs from whole"
    );
    let (mut d, mut read) = make();
    feed(&mut d, &mut read, react, &split_input, true, eof);
    assert_eq!(read.actions, whole.actions, "read() differs from parse()");
    let cap = [0, 16, 200, 1 << 20][(seed >> 6) as usize];
    let (mut d, mut in_place) = make();
    feed_in_place(&mut d, &mut in_place, react, &split_input, cap, eof);
    assert_eq!(
        in_place.actions, whole.actions,
        "in-place decoding (cap {cap}) differs from parse()"
    );
}

pub(crate) fn options(cfg: u8) -> Options {
    Options {
        max_length: MAX_LENGTHS[(cfg & 7) as usize],
        max_head_size: if cfg & 8 != 0 { 256 } else { 32 * 1024 },
        max_headers: if cfg & 16 != 0 { 4 } else { 64 },
        max_queued: 4,
        max_pending_pings: 2,
        require_masking: (cfg & 32 != 0).then_some(false),
        ..Options::default()
    }
}
