//! The hixie-75 and hixie-76 drafts: text frames `0x00 … 0xFF`,
//! length-prefixed frames (skipped), hixie-76's `0xFF 0x00` closing frame,
//! and hixie-76's MD5 key challenge.

use md5::{Digest, Md5};

use crate::error::{Error, ErrorKind};
use crate::event::{Event, MessageKind, ReadyState};
use crate::io::Io;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Expecting the first byte of a frame.
    Lead,
    /// Reading a length (7 bits per byte, high bit = more).
    Length,
    /// Reading text up to 0xFF.
    Text,
    /// Skipping the body of a length-prefixed frame.
    Skip,
    Done,
}

pub(crate) struct Hixie {
    pub v76: bool,
    stage: Stage,
    length: u64,
    /// Seen `0xFF` as a lead byte (hixie-76 closing frame candidate).
    closing: bool,
    buffer: Vec<u8>,
    max_length: u64,
}

impl Hixie {
    pub fn new(v76: bool, max_length: u64) -> Self {
        Hixie {
            v76,
            stage: Stage::Lead,
            length: 0,
            closing: false,
            buffer: Vec::new(),
            max_length,
        }
    }

    /// Parses until an event is queued or input runs out; returns bytes consumed.
    pub fn parse(&mut self, input: &[u8], io: &mut Io) -> usize {
        let mut pos = 0;
        while pos < input.len() && io.queue.is_empty() {
            let octet = input[pos];
            match self.stage {
                Stage::Done => return input.len(),
                Stage::Lead => {
                    pos += 1;
                    if octet & 0x80 == 0 {
                        self.stage = Stage::Text;
                    } else {
                        self.closing = self.v76 && octet == 0xFF;
                        self.length = 0;
                        self.stage = Stage::Length;
                    }
                }
                Stage::Length => {
                    pos += 1;
                    self.length = self
                        .length
                        .saturating_mul(128)
                        .saturating_add((octet & 0x7F) as u64);
                    // The gem checks the length after every byte, the
                    // last one included.
                    if self.length > self.max_length {
                        self.fail_too_large(io);
                        return input.len();
                    }
                    if self.closing && self.length == 0 {
                        self.close(io);
                        return input.len();
                    }
                    if octet & 0x80 == 0 {
                        self.stage = if self.length == 0 {
                            Stage::Lead
                        } else {
                            Stage::Skip
                        };
                    }
                }
                Stage::Skip => {
                    let take =
                        (input.len() - pos).min(usize::try_from(self.length).unwrap_or(usize::MAX));
                    pos += take;
                    self.length -= take as u64;
                    if self.length == 0 {
                        self.stage = Stage::Lead;
                    }
                }
                Stage::Text => {
                    let rest = &input[pos..];
                    let end = rest.iter().position(|&b| b == 0xFF);
                    let chunk = &rest[..end.unwrap_or(rest.len())];
                    if (self.buffer.len() + chunk.len()) as u64 > self.max_length {
                        self.fail_too_large(io);
                        return input.len();
                    }
                    self.buffer.extend_from_slice(chunk);
                    pos += chunk.len();
                    if end.is_some() {
                        pos += 1;
                        self.stage = Stage::Lead;
                        let fresh = io.buffer();
                        let data = std::mem::replace(&mut self.buffer, fresh);
                        io.emit(Event::Message {
                            kind: MessageKind::Text,
                            data,
                        });
                    }
                }
            }
        }
        pos
    }

    /// Encodes a text frame.
    pub fn send_text(&self, io: &mut Io, text: &[u8]) {
        let mut out = io.buffer();
        out.reserve(text.len() + 2);
        out.push(0x00);
        out.extend_from_slice(text);
        out.push(0xFF);
        io.write(out);
    }

    /// Closes at once (there is no closing handshake to wait for); hixie-76
    /// sends its closing frame first when open.
    pub fn close(&mut self, io: &mut Io) {
        if self.v76 && io.state == ReadyState::Open {
            io.write(vec![0xFF, 0x00]);
        }
        self.stop();
        io.set_closed();
        io.emit(Event::Close {
            code: None,
            reason: String::new(),
        });
    }

    /// A frame over `max_length` closes the connection, with its reason
    /// (the gem closes silently; every close the peer causes is reported).
    fn fail_too_large(&mut self, io: &mut Io) {
        io.emit(Event::Error(Error::new(
            ErrorKind::TooLarge,
            "WebSocket frame length too large",
        )));
        self.close(io);
    }

    pub fn stop(&mut self) {
        self.stage = Stage::Done;
        self.buffer = Vec::new();
    }

    pub fn trim(&mut self, io: &Io) {
        io.trim(&mut self.buffer);
    }

    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

/// The hixie-76 challenge: the number in each key divided by its spaces.
pub(crate) fn key_value(key: &str) -> Result<u32, Error> {
    let invalid = || Error::protocol("Client sent invalid Sec-WebSocket-Key headers");
    let digits: String = key.chars().filter(char::is_ascii_digit).collect();
    let spaces = key.chars().filter(|&c| c == ' ').count() as u64;
    if digits.is_empty() || spaces == 0 || digits.len() > 20 {
        return Err(invalid());
    }
    let number: u64 = digits.parse().map_err(|_| invalid())?;
    if number % spaces != 0 {
        return Err(invalid());
    }
    u32::try_from(number / spaces).map_err(|_| invalid())
}

/// The 16-byte answer to the hixie-76 challenge.
pub(crate) fn challenge_answer(key1: u32, key2: u32, body: &[u8; 8]) -> [u8; 16] {
    let mut md5 = Md5::new();
    md5.update(key1.to_be_bytes());
    md5.update(key2.to_be_bytes());
    md5.update(body);
    md5.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_the_draft_76_example() {
        // draft-hixie-thewebsocketprotocol-76, section 1.3.
        let k1 = key_value("4 @1  46546xW%0l 1 5").unwrap();
        let k2 = key_value("12998 5 Y3 1  .P00").unwrap();
        assert_eq!((k1, k2), (829309203, 259970620));
        assert_eq!(&challenge_answer(k1, k2, b"^n:ds[4U"), b"8jKS'y:G*Co,Wxa-");
    }

    #[test]
    fn rejects_bad_keys() {
        for bad in ["12345", "12 3 ", "", "99999999999999999999999 "] {
            assert!(key_value(bad).is_err(), "{bad}");
        }
    }
}
