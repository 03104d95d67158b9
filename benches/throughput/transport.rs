//! In-memory transport: the host buffer every contender writes into and a stream for the stream-based peers.

use std::hint::black_box;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The shared state of an in-memory stream: the input being read (copied
/// out, like a socket read) and a count of bytes written into the sink.
#[derive(Default)]
struct Feed {
    pub input: std::cell::Cell<(*const u8, usize)>,
    pub pos: std::cell::Cell<usize>,
    pub written: std::cell::Cell<usize>,
    pub host: std::cell::RefCell<Host>,
}

/// Where every contender's output lands: a reused buffer the bytes are
/// copied into, as a socket write copies them into the kernel's buffer.
/// It starts over when the next write would not fit, so it never grows
/// past its first size or the largest single write.
pub struct Host {
    pub buf: Vec<u8>,
    used: usize,
}

impl Default for Host {
    /// Empty until first written, so the memory table counts no host buffer.
    fn default() -> Host {
        Host {
            buf: Vec::new(),
            used: 0,
        }
    }
}

impl Host {
    /// Room for `n` more bytes.
    #[inline]
    fn room(&mut self, n: usize) -> &mut [u8] {
        if self.buf.len() - self.used < n.max(1) {
            self.used = 0;
            if self.buf.len() < n.max(256 << 10) {
                self.buf.resize(n.max(256 << 10), 0);
            }
        }
        &mut self.buf[self.used..]
    }

    #[inline]
    pub fn put(&mut self, data: &[u8]) {
        self.room(data.len())[..data.len()].copy_from_slice(data);
        self.used += data.len();
        black_box(&self.buf[self.used - data.len()..self.used]);
    }

    /// Lets `f` write straight into the buffer (`Err(needed)` when the room
    /// it got was too small); returns the bytes written.
    #[inline]
    pub fn write_with(&mut self, mut f: impl FnMut(&mut [u8]) -> Result<usize, usize>) -> usize {
        let n = match f(self.room(0)) {
            Ok(n) => n,
            Err(need) => f(self.room(need)).expect("room for what was asked"),
        };
        self.used += n;
        black_box(&self.buf[self.used - n..self.used]);
        n
    }
}

/// A stream over a [`Feed`]; the bench keeps another handle to the feed.
#[derive(Clone, Default)]
pub struct MemIo(std::rc::Rc<Feed>);

impl MemIo {
    /// The caller keeps `input` alive and unchanged while it is read.
    pub fn reset(&self, input: &[u8]) {
        self.0.input.set((input.as_ptr(), input.len()));
        self.0.pos.set(0);
    }
    pub fn written(&self) -> usize {
        self.0.written.get()
    }
    #[inline]
    pub fn fill(&self, dst: &mut [u8]) -> usize {
        let (p, len) = self.0.input.get();
        let pos = self.0.pos.get();
        let n = dst.len().min(len - pos);
        if n > 0 {
            // SAFETY: `p..p+len` is alive and unchanged while set (see `reset`).
            let src = unsafe { std::slice::from_raw_parts(p.add(pos), n) };
            dst[..n].copy_from_slice(src);
            self.0.pos.set(pos + n);
        }
        n
    }
    #[inline]
    pub fn sink(&self, data: &[u8]) -> usize {
        self.0.host.borrow_mut().put(data);
        self.0.written.set(self.0.written.get() + data.len());
        data.len()
    }
}

impl Read for MemIo {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.fill(buf) {
            0 => Err(io::ErrorKind::WouldBlock.into()),
            n => Ok(n),
        }
    }
}

impl Write for MemIo {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(self.sink(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for MemIo {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.fill(buf.initialize_unfilled());
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for MemIo {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(self.sink(b)))
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(bufs.iter().map(|b| self.sink(b)).sum()))
    }
    fn is_write_vectored(&self) -> bool {
        true
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
