//! The connections (normal, slow, slowloris) and the level-triggered epoll
//! loop that drives them.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::Instant;

use wsdriver::extensions::deflate::{DeflateConfig, PerMessageDeflate};
use wsdriver::{Action, CommandError, Driver, Event, MessageKind, Options};

use crate::config::Config;
use crate::messages::{message, verify};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    /// Exchanges messages and checks echoes.
    Normal,
    /// Sends big messages, never reads.
    Slow,
    /// A partial request head, trickled.
    Slowloris,
}

pub(crate) struct Conn {
    id: u32,
    pub(crate) role: Role,
    sock: TcpStream,
    pub(crate) driver: Option<Driver>,
    pub(crate) out: Vec<u8>,
    out_pos: usize,
    /// Events registered with epoll.
    registered: u32,
    reading: bool,
    pub(crate) open: bool,
    pub(crate) closed: bool,
    pub(crate) closing: bool,
    /// Next message to send / the one waiting for its echo.
    pub(crate) next: u32,
    pub(crate) waiting: Option<(u32, Instant)>,
    /// Messages to exchange in the current phase.
    pub(crate) quota: u32,
    pub(crate) sent_bytes: u64,
    pub(crate) trickle: usize,
}

const LORIS_HEAD: &[u8] = b"GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Slow: ";

pub(crate) struct Load {
    pub(crate) cfg: Config,
    pub(crate) epfd: i32,
    pub(crate) conns: HashMap<u32, Conn>,
    pub(crate) next_id: u32,
    pub(crate) handshaking: usize,
    pub(crate) open_normal: usize,
    /// Failures: lost (closed before echo), corrupted, unexpected closes.
    pub(crate) lost: u64,
    pub(crate) corrupted: u64,
    pub(crate) unexpected_closes: u64,
    pub(crate) errors: Vec<String>,
    pub(crate) exchanged: u64,
    pub(crate) bytes: u64,
    pub(crate) latencies: Vec<u32>,
    pub(crate) buf: Vec<u8>,
}

fn epoll_ctl(epfd: i32, op: i32, fd: i32, events: u32, id: u32) {
    let mut ev = libc::epoll_event {
        events,
        u64: id as u64,
    };
    // SAFETY: a valid epoll fd and socket fd; ev lives across the call.
    let rc = unsafe { libc::epoll_ctl(epfd, op, fd, &mut ev) };
    if rc != 0 && op != libc::EPOLL_CTL_DEL {
        panic!("epoll_ctl: {}", std::io::Error::last_os_error());
    }
}

impl Load {
    pub(crate) fn connect(&mut self, role: Role) -> std::io::Result<u32> {
        let sock = TcpStream::connect(("127.0.0.1", self.cfg.port))?;
        sock.set_nonblocking(true)?;
        sock.set_nodelay(true)?;
        let id = self.next_id;
        self.next_id += 1;
        let mut c = Conn {
            id,
            role,
            sock,
            driver: None,
            out: Vec::new(),
            out_pos: 0,
            registered: libc::EPOLLIN as u32,
            reading: true,
            open: false,
            closed: false,
            closing: false,
            next: 0,
            waiting: None,
            quota: 0,
            sent_bytes: 0,
            trickle: 0,
        };
        if role == Role::Slowloris {
            c.out.extend_from_slice(LORIS_HEAD);
        } else {
            let url = format!("ws://127.0.0.1:{}/chat", self.cfg.port);
            let opts = Options {
                max_length: 1 << 20,
                ..Options::default()
            };
            let mut d = Driver::client(&url, opts).expect("valid url");
            if self.cfg.deflate {
                let ext = PerMessageDeflate::new(DeflateConfig::default());
                d.add_extension(Box::new(ext)).unwrap();
            }
            d.start().unwrap();
            c.driver = Some(d);
            self.handshaking += 1;
        }
        // Slow clients are registered without EPOLLIN: they never read.
        epoll_ctl(
            self.epfd,
            libc::EPOLL_CTL_ADD,
            c.sock.as_raw_fd(),
            libc::EPOLLIN as u32,
            id,
        );
        self.conns.insert(id, c);
        self.pump(id);
        Ok(id)
    }

    /// Moves the driver's output to the socket and events to the checks.
    pub(crate) fn pump(&mut self, id: u32) {
        let Some(mut c) = self.conns.remove(&id) else {
            return;
        };
        self.drive(&mut c);
        self.flush(&mut c);
        self.update_interest(&mut c);
        if c.closed && c.out_pos >= c.out.len() {
            epoll_ctl(self.epfd, libc::EPOLL_CTL_DEL, c.sock.as_raw_fd(), 0, id);
            // dropped: socket closed
        } else {
            self.conns.insert(id, c);
        }
    }

    fn drive(&mut self, c: &mut Conn) {
        loop {
            // Send the next message when idle and within quota.
            if let Some(d) = c.driver.as_mut() {
                if c.open
                    && !c.closing
                    && c.role == Role::Normal
                    && c.waiting.is_none()
                    && c.next < c.quota
                {
                    let (kind, m) = message(c.id, c.next);
                    let _ = match kind {
                        MessageKind::Text => d.text_bytes(&m),
                        MessageKind::Binary => d.binary(&m),
                    };
                    c.waiting = Some((c.next, Instant::now()));
                    c.next += 1;
                }
                if c.open
                    && c.role == Role::Slow
                    && !c.closing
                    && c.out.len() - c.out_pos < 256 * 1024
                    && c.sent_bytes < (256 << 20)
                {
                    let _ = d.binary(&vec![0x5A; 65_536]);
                }
            }
            let Some(d) = c.driver.as_mut() else { return };
            let mut progressed = false;
            while let Some(a) = d.poll_action() {
                progressed = true;
                match a {
                    Action::Write(w) => {
                        if c.out_pos == c.out.len() {
                            c.out.clear();
                            c.out_pos = 0;
                        }
                        c.out.extend_from_slice(&w);
                        d.recycle(w);
                    }
                    Action::Event(Event::Open) => {
                        c.open = true;
                        self.handshaking -= 1;
                        match c.role {
                            Role::Normal => self.open_normal += 1,
                            // From now on it never reads.
                            Role::Slow => c.reading = false,
                            Role::Slowloris => {}
                        }
                    }
                    Action::Event(Event::Message { kind, data }) => match c.waiting.take() {
                        Some((idx, at)) => {
                            match verify(c.id, idx, kind, &data) {
                                Ok(()) => {
                                    self.exchanged += 1;
                                    self.bytes += data.len() as u64;
                                    self.latencies.push(at.elapsed().as_micros().min(u32::MAX as u128) as u32);
                                }
                                Err(e) => {
                                    self.corrupted += 1;
                                    if self.errors.len() < 10 {
                                        self.errors.push(e);
                                    }
                                }
                            }
                            d.recycle(data);
                        }
                        None => {
                            self.corrupted += 1;
                            if self.errors.len() < 10 {
                                self.errors
                                    .push(format!("conn {}: unexpected message", c.id));
                            }
                        }
                    },
                    Action::Event(Event::Close { code, reason }) => {
                        c.closed = true;
                        let expected = c.closing && code == Some(1000);
                        if !expected {
                            if c.role == Role::Normal {
                                self.unexpected_closes += 1;
                                if c.waiting.is_some() {
                                    self.lost += 1;
                                }
                                if self.errors.len() < 10 {
                                    self.errors
                                        .push(format!("conn {}: close {code:?} {reason}", c.id));
                                }
                            }
                            if !c.open {
                                self.handshaking -= 1;
                            }
                        }
                    }
                    Action::Event(Event::Error(e)) => {
                        if self.errors.len() < 10 {
                            self.errors.push(format!("conn {}: {}", c.id, e.message));
                        }
                    }
                    Action::Event(_) => {}
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn flush(&mut self, c: &mut Conn) {
        while c.out_pos < c.out.len() {
            match c.sock.write(&c.out[c.out_pos..]) {
                Ok(0) => break,
                Ok(n) => {
                    c.out_pos += n;
                    c.sent_bytes += n as u64;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.transport_closed(c);
                    break;
                }
            }
        }
        if c.out_pos == c.out.len() && c.out.capacity() > 1 << 20 {
            c.out = Vec::new();
            c.out_pos = 0;
        }
    }

    fn transport_closed(&mut self, c: &mut Conn) {
        if let Some(d) = c.driver.as_mut() {
            d.transport_closed();
        } else if !c.closed {
            c.closed = true;
        }
        c.out_pos = c.out.len();
        self.drive(c);
    }

    fn update_interest(&mut self, c: &mut Conn) {
        let mut ev = if c.reading { libc::EPOLLIN as u32 } else { 0 };
        if c.out_pos < c.out.len() {
            ev |= libc::EPOLLOUT as u32;
        }
        if ev != c.registered {
            c.registered = ev;
            epoll_ctl(self.epfd, libc::EPOLL_CTL_MOD, c.sock.as_raw_fd(), ev, c.id);
        }
    }

    fn on_ready(&mut self, id: u32, events: u32) {
        let Some(mut c) = self.conns.remove(&id) else {
            return;
        };
        if events & (libc::EPOLLIN | libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0 && c.reading {
            loop {
                match c.sock.read(&mut self.buf) {
                    Ok(0) => {
                        if c.role == Role::Slowloris {
                            c.closed = true;
                        }
                        self.transport_closed(&mut c);
                        break;
                    }
                    Ok(n) => {
                        if let Some(d) = c.driver.as_mut() {
                            d.parse(&self.buf[..n]);
                        }
                        self.drive(&mut c);
                        if n < self.buf.len() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => {
                        self.transport_closed(&mut c);
                        break;
                    }
                }
            }
        }
        self.conns.insert(id, c);
        self.pump(id);
    }

    /// One round of epoll; returns after at most `timeout_ms`.
    pub(crate) fn poll(&mut self, timeout_ms: i32) {
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
        // SAFETY: events has room for 1024 entries.
        let n = unsafe {
            libc::epoll_wait(
                self.epfd,
                events.as_mut_ptr(),
                events.len() as i32,
                timeout_ms,
            )
        };
        if n < 0 {
            return;
        }
        for ev in &events[..n as usize] {
            let (id, e) = (ev.u64 as u32, ev.events);
            self.on_ready(id, e);
        }
    }

    pub(crate) fn ids(&self, role: Role) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .conns
            .values()
            .filter(|c| c.role == role)
            .map(|c| c.id)
            .collect();
        v.sort();
        v
    }

    /// Starts the closing handshake (1000, "done") on each of `ids`. A
    /// connection the server already closed refuses it (`Closed`): that
    /// close was counted when its event arrived. Any other refusal fails.
    pub(crate) fn close_all(&mut self, ids: &[u32]) {
        for &id in ids {
            if let Some(c) = self.conns.get_mut(&id) {
                c.closing = true;
                if let Some(d) = c.driver.as_mut() {
                    match d.close(Some(1000), "done") {
                        Ok(()) | Err(CommandError::Closed) => {}
                        Err(e) => self.fail(&format!("conn {id}: close refused: {e}")),
                    }
                }
            }
            self.pump(id);
        }
    }

    pub(crate) fn fail(&self, msg: &str) -> ! {
        eprintln!("load: FAILED: {msg}");
        for e in &self.errors {
            eprintln!("  {e}");
        }
        std::process::exit(1);
    }
}
