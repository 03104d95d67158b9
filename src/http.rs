//! Incremental HTTP/1.1 head parsing on `httparse`, with hard limits.
//!
//! Bytes are accumulated until the blank line that ends the head; only then
//! is the head parsed, so feeding one byte at a time stays linear. Whatever
//! follows the head in the same input is handed back as the body so far.

use crate::head_lines::{LineCheck, StartLine};
use crate::headers::Headers;

/// Hard ceiling on the number of headers, whatever the options say: it sizes
/// the on-stack array that httparse fills.
pub const HEADER_COUNT_CEILING: usize = 256;

/// Hard ceiling on a head's size, whatever the options say: positions in a
/// head being read fit in 32 bits (a new server stays small).
pub(crate) const HEAD_SIZE_CEILING: usize = 1 << 30;

/// Limits applied while a head is accumulated.
#[derive(Clone, Copy, Debug)]
pub struct HeadLimits {
    pub max_head_size: usize,
    pub max_headers: usize,
}

/// A parsed request line and headers.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    /// The request target as sent (path plus `?query`).
    pub target: String,
    pub headers: Headers,
}

impl Request {
    /// The path part of the target, before any `?`.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(p, _)| p)
    }

    /// The query part of the target, after the first `?` (empty if none).
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
}

/// A parsed status line and headers.
#[derive(Clone, Debug, Default)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Headers,
}

/// Why a head could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadError {
    Malformed,
    TooLarge,
    TooManyHeaders,
}

/// Outcome of feeding bytes to a [`HeadReader`].
#[derive(Debug)]
pub enum Head<T> {
    /// More bytes are needed; all input was consumed.
    Partial,
    /// The head is complete; `consumed` bytes of this input belonged to it.
    Complete { head: T, consumed: usize },
}

/// Accumulates a head across chunks.
#[derive(Debug, Default)]
pub struct HeadReader {
    buf: Vec<u8>,
    /// Lines checked so far (a bad line fails before the head is complete).
    lines: LineCheck,
}

impl HeadReader {
    pub fn read_request(
        &mut self,
        input: &[u8],
        limits: HeadLimits,
    ) -> Result<Head<Request>, HeadError> {
        let previously = self.buf.len();
        let Some(end) = self.accumulate(input, limits, StartLine::Request)? else {
            return Ok(Head::Partial);
        };
        let mut storage = [httparse::EMPTY_HEADER; HEADER_COUNT_CEILING];
        let mut req =
            httparse::Request::new(&mut storage[..limits.max_headers.min(HEADER_COUNT_CEILING)]);
        let n = complete(req.parse(&self.buf[..end]))?;
        let head = Request {
            method: req.method.unwrap_or_default().to_owned(),
            target: req.path.unwrap_or_default().to_owned(),
            headers: collect(req.headers)?,
        };
        Ok(Head::Complete {
            head,
            consumed: self.finish(n, previously),
        })
    }

    pub fn read_response(
        &mut self,
        input: &[u8],
        limits: HeadLimits,
    ) -> Result<Head<Response>, HeadError> {
        let previously = self.buf.len();
        let Some(end) = self.accumulate(input, limits, StartLine::Status)? else {
            return Ok(Head::Partial);
        };
        let mut storage = [httparse::EMPTY_HEADER; HEADER_COUNT_CEILING];
        let mut res =
            httparse::Response::new(&mut storage[..limits.max_headers.min(HEADER_COUNT_CEILING)]);
        let n = complete(res.parse(&self.buf[..end]))?;
        let head = Response {
            status: res.code.unwrap_or_default(),
            reason: res.reason.unwrap_or_default().to_owned(),
            headers: collect(res.headers)?,
        };
        Ok(Head::Complete {
            head,
            consumed: self.finish(n, previously),
        })
    }

    /// Appends input (never more than the limit allows) and returns where
    /// the head ends, once it does; fails at the first bad line.
    fn accumulate(
        &mut self,
        input: &[u8],
        limits: HeadLimits,
        start_line: StartLine,
    ) -> Result<Option<usize>, HeadError> {
        // Look for the end of the head in the new bytes only (with three bytes
        // of overlap for a terminator split across chunks).
        let start = self.buf.len().saturating_sub(3);
        let max_head_size = limits.max_head_size.min(HEAD_SIZE_CEILING);
        let room = max_head_size.saturating_sub(self.buf.len());
        let searched = self.buf.len();
        self.buf
            .extend_from_slice(&input[..input.len().min(room.saturating_add(1))]);
        let end = find_head_end(&self.buf[start..]).map(|e| start + e);
        let checked_to = end.unwrap_or(self.buf.len());
        if !self
            .lines
            .check(&self.buf, searched, checked_to, start_line)
        {
            return Err(HeadError::Malformed);
        }
        match end {
            Some(end) if end <= max_head_size => Ok(Some(end)),
            Some(_) => Err(HeadError::TooLarge),
            None if self.buf.len() > max_head_size => Err(HeadError::TooLarge),
            None => Ok(None),
        }
    }

    /// Bytes held while the head is incomplete.
    pub fn held(&self) -> usize {
        self.buf.len()
    }

    /// How many bytes of the last input belonged to a head of `n` bytes,
    /// `previously` being what the reader held before that input.
    fn finish(&mut self, n: usize, previously: usize) -> usize {
        self.buf = Vec::new();
        self.lines = LineCheck::default();
        n - previously
    }
}

fn complete(status: httparse::Result<usize>) -> Result<usize, HeadError> {
    match status {
        Ok(httparse::Status::Complete(n)) => Ok(n),
        Ok(httparse::Status::Partial) => Err(HeadError::Malformed),
        Err(e) => Err(map_error(e)),
    }
}

fn collect(raw: &[httparse::Header<'_>]) -> Result<Headers, HeadError> {
    let bytes = raw.iter().map(|h| h.name.len() + h.value.len()).sum();
    let mut headers = Headers::with_capacity(raw.len(), bytes);
    for h in raw {
        let value = std::str::from_utf8(h.value).map_err(|_| HeadError::Malformed)?;
        headers.append(h.name, value);
    }
    headers.shrink_to_fit();
    Ok(headers)
}

fn map_error(e: httparse::Error) -> HeadError {
    match e {
        httparse::Error::TooManyHeaders => HeadError::TooManyHeaders,
        _ => HeadError::Malformed,
    }
}

/// Index just past the blank line that ends a head (`\r\n\r\n` or `\n\n`).
fn find_head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            if buf.get(i + 1) == Some(&b'\n') {
                return Some(i + 2);
            }
            if buf.get(i + 1) == Some(&b'\r') && buf.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: HeadLimits = HeadLimits {
        max_head_size: 1024,
        max_headers: 8,
    };

    #[test]
    fn request_split_anywhere_gives_same_result() {
        let raw = b"GET /chat?x=1 HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n\r\nBODY";
        for split in 0..raw.len() {
            let mut r = HeadReader::default();
            let first = r.read_request(&raw[..split], LIMITS).unwrap();
            let (req, rest) = match first {
                Head::Complete { head, consumed } => (head, &raw[consumed..]),
                Head::Partial => match r.read_request(&raw[split..], LIMITS).unwrap() {
                    Head::Complete { head, consumed } => (head, &raw[split + consumed..]),
                    Head::Partial => panic!("incomplete at split {split}"),
                },
            };
            assert_eq!(req.method, "GET");
            assert_eq!(req.path(), "/chat");
            assert_eq!(req.query(), "x=1");
            assert_eq!(req.headers.get("connection"), Some("Upgrade"));
            assert_eq!(rest, b"BODY");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let mut r = HeadReader::default();
        let mut big = b"GET /".to_vec();
        big.resize(2000, b'a');
        assert_eq!(
            r.read_request(&big, LIMITS).unwrap_err(),
            HeadError::TooLarge
        );
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..9 {
            many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        let mut r = HeadReader::default();
        assert_eq!(
            r.read_request(&many, LIMITS).unwrap_err(),
            HeadError::TooManyHeaders
        );
        let mut r = HeadReader::default();
        assert_eq!(
            r.read_request(b"\x01\x02 nonsense\r\n\r\n", LIMITS)
                .unwrap_err(),
            HeadError::Malformed
        );
    }

    #[test]
    fn bytes_that_cannot_start_a_request_fail_at_once() {
        // A TLS ClientHello, an SSH banner, a NUL: refused from the first
        // bad byte on, whatever the chunking, long before the head limit.
        for junk in [
            &b"\x16\x03\x01\x02\x00"[..],
            b"SSH-2.0-OpenSSH_9.6\r\n",
            b"\x00",
            b"GE\x00T / HTTP/1.1",
            b"\r\n:",
        ] {
            let mut r = HeadReader::default();
            let mut failed = false;
            for &b in junk {
                if r.read_request(&[b], LIMITS).is_err() {
                    failed = true;
                    break;
                }
            }
            assert!(failed, "{junk:?} was held");
            let mut r = HeadReader::default();
            assert_eq!(
                r.read_request(junk, LIMITS).unwrap_err(),
                HeadError::Malformed
            );
        }
        // A request's beginning is held, byte by byte or whole, empty lines
        // before it included.
        let mut r = HeadReader::default();
        for &b in b"\r\nGET /chat?x=1 HTTP/1.1\r\nHost: a" {
            assert!(matches!(r.read_request(&[b], LIMITS), Ok(Head::Partial)));
        }
    }

    #[test]
    fn response_parses() {
        let mut r = HeadReader::default();
        let Head::Complete { head, consumed } = r
            .read_response(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00",
                LIMITS,
            )
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(head.status, 101);
        assert_eq!(head.headers.get("upgrade"), Some("websocket"));
        assert_eq!(consumed, 56);
    }
}
