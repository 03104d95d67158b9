//! The driver's output side: the ordered queue of writes and events, the
//! ready state, and a small pool of byte buffers reused between messages.

use std::collections::VecDeque;

use crate::event::{Action, Event, ReadyState};
use crate::rand::{OsRandom, RandomSource};

/// How many spare buffers the pool keeps.
const POOL_SIZE: usize = 4;

/// The ordered queue of actions. Most of the time it holds at most one
/// action (an event is taken before parsing goes on), so the oldest action
/// sits in `front` and only the ones queued behind it go to `rest`: a push
/// and a pop are then a store and a load, without the ring arithmetic.
///
/// Invariant: when `front` is empty, `rest` holds the oldest actions; when
/// it is full, it holds the oldest one and `rest` the ones after it.
#[derive(Default)]
pub(crate) struct Queue {
    front: Option<Action>,
    /// Boxed (one pointer in the driver, which must stay small): only
    /// needed when actions pile up, and kept once created.
    #[allow(clippy::box_collection)]
    rest: Option<Box<VecDeque<Action>>>,
}

impl Queue {
    #[inline]
    pub fn push(&mut self, action: Action) {
        if self.front.is_none() && self.rest_is_empty() {
            self.front = Some(action);
        } else {
            self.push_back(action);
        }
    }

    #[inline(never)]
    fn push_back(&mut self, action: Action) {
        self.rest.get_or_insert_default().push_back(action);
    }

    #[inline]
    pub fn pop(&mut self) -> Option<Action> {
        if self.front.is_some() {
            self.front.take()
        } else {
            self.pop_rest()
        }
    }

    #[inline]
    fn pop_rest(&mut self) -> Option<Action> {
        match &mut self.rest {
            Some(rest) => rest.pop_front(),
            None => None,
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.front.is_none() && self.rest_is_empty()
    }

    #[inline]
    fn rest_is_empty(&self) -> bool {
        self.rest.as_ref().is_none_or(|r| r.is_empty())
    }

    /// Drops the overflow storage when empty.
    fn release_rest(&mut self) {
        if self.rest_is_empty() {
            self.rest = None;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Action> {
        self.front
            .iter()
            .chain(self.rest.iter().flat_map(|r| r.iter()))
    }
}

pub(crate) struct Io {
    pub state: ReadyState,
    pub queue: Queue,
    pool: Vec<Vec<u8>>,
    /// Largest capacity a recycled buffer may keep.
    /// (`u32`, beside `state`: the driver must stay small.)
    pub retained: u32,
    /// `None` until randomness is first needed: then the operating
    /// system's generator, so drivers that never mask hold no pool.
    pub rng: Option<Box<dyn RandomSource>>,
    /// The spare buffers, the queue's overflow and the driver's emptied
    /// input buffer go back when the driver is next idle: set once open
    /// (after the handshake's burst of actions) and once closed (after the
    /// closing one), so neither an idle nor a closed connection keeps them.
    pub release_when_idle: bool,
}

impl Io {
    pub fn new(rng: Option<Box<dyn RandomSource>>, retained: usize) -> Self {
        Io {
            state: ReadyState::Connecting,
            queue: Queue::default(),
            pool: Vec::new(),
            retained: u32::try_from(retained).unwrap_or(u32::MAX),
            rng,
            release_when_idle: false,
        }
    }

    /// The source of masking keys, created on first use.
    pub fn random(&mut self) -> &mut dyn RandomSource {
        self.rng
            .get_or_insert_with(|| Box::new(OsRandom::new()))
            .as_mut()
    }

    #[inline]
    pub fn write(&mut self, bytes: Vec<u8>) {
        self.queue.push(Action::Write(bytes));
    }

    #[inline]
    pub fn emit(&mut self, event: Event) {
        self.queue.push(Action::Event(event));
    }

    #[inline]
    pub fn retained(&self) -> usize {
        self.retained as usize
    }

    /// An empty buffer, reused from the pool when one is there.
    #[inline]
    pub fn buffer(&mut self) -> Vec<u8> {
        self.pool.pop().unwrap_or_default()
    }

    /// An empty buffer for `len` bytes: a pooled one that already has room
    /// when there is one (the pool is small), else as [`buffer`](Self::buffer).
    /// The most recently recycled buffer is tried first.
    #[inline]
    pub fn buffer_for(&mut self, len: usize) -> Vec<u8> {
        match self.pool.last() {
            Some(b) if b.capacity() >= len => self.pool.pop().unwrap_or_default(),
            _ => self.buffer_search(len),
        }
    }

    #[inline(never)]
    fn buffer_search(&mut self, len: usize) -> Vec<u8> {
        match self.pool.iter().position(|b| b.capacity() >= len) {
            Some(i) => self.pool.swap_remove(i),
            None => self.buffer(),
        }
    }

    /// Gives a buffer back for reuse; big ones are dropped so memory returns
    /// to the allocator after a large message.
    #[inline]
    pub fn recycle(&mut self, mut buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > self.retained() || self.pool.len() >= POOL_SIZE {
            return;
        }
        buf.clear();
        self.pool.push(buf);
    }

    /// The connection is closed; what it kept for sending goes back when
    /// next idle (see `release_when_idle`).
    pub fn set_closed(&mut self) {
        self.state = ReadyState::Closed;
        self.release_when_idle = true;
    }

    /// Releases the spare buffers and the queue's empty overflow storage
    /// (once the handshake's or the close's burst of actions is over).
    pub fn release_spares(&mut self) {
        self.pool = Vec::new();
        self.queue.release_rest();
    }

    /// Shrinks a long-lived buffer back to the retained size once it is empty.
    #[inline]
    pub fn trim(&self, buf: &mut Vec<u8>) {
        if buf.is_empty() && buf.capacity() > self.retained() {
            *buf = Vec::new();
        }
    }

    /// Bytes waiting in queued writes.
    pub fn pending_write_bytes(&self) -> usize {
        self.queue
            .iter()
            .map(|a| match a {
                Action::Write(b) => b.len(),
                Action::Event(_) => 0,
            })
            .sum()
    }
}
