//! The driver's output side: the ordered queue of writes and events, the
//! ready state, and a small pool of byte buffers reused between messages.

use std::collections::VecDeque;

use crate::event::{Action, Event, ReadyState};
use crate::rand::{OsRandom, RandomSource};

/// How many spare buffers the pool keeps.
const POOL_SIZE: usize = 4;

pub(crate) struct Io {
    pub state: ReadyState,
    pub queue: VecDeque<Action>,
    pool: Vec<Vec<u8>>,
    /// Largest capacity a recycled buffer may keep.
    pub retained: usize,
    /// `None` until randomness is first needed: then the operating
    /// system's generator, so drivers that never mask hold no pool.
    pub rng: Option<Box<dyn RandomSource>>,
}

impl Io {
    pub fn new(rng: Option<Box<dyn RandomSource>>, retained: usize) -> Self {
        Io {
            state: ReadyState::Connecting,
            queue: VecDeque::new(),
            pool: Vec::new(),
            retained,
            rng,
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
        self.queue.push_back(Action::Write(bytes));
    }

    #[inline]
    pub fn emit(&mut self, event: Event) {
        self.queue.push_back(Action::Event(event));
    }

    /// An empty buffer, reused from the pool when one is there.
    #[inline]
    pub fn buffer(&mut self) -> Vec<u8> {
        self.pool.pop().unwrap_or_default()
    }

    /// An empty buffer for `len` bytes: a pooled one that already has room
    /// when there is one (the pool is small), else as [`buffer`](Self::buffer).
    #[inline]
    pub fn buffer_for(&mut self, len: usize) -> Vec<u8> {
        match self.pool.iter().position(|b| b.capacity() >= len) {
            Some(i) => self.pool.swap_remove(i),
            None => self.buffer(),
        }
    }

    /// Gives a buffer back for reuse; big ones are dropped so memory returns
    /// to the allocator after a large message.
    #[inline]
    pub fn recycle(&mut self, mut buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > self.retained || self.pool.len() >= POOL_SIZE {
            return;
        }
        buf.clear();
        self.pool.push(buf);
    }

    /// Shrinks a long-lived buffer back to the retained size once it is empty.
    pub fn trim(&self, buf: &mut Vec<u8>) {
        if buf.is_empty() && buf.capacity() > self.retained {
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
