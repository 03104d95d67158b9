//! Line-by-line checks of a head as it arrives, with the grammar of the
//! websocket-driver gem's `HTTP::Headers`: a request or status line, then
//! `token: value` lines whose values are printable ASCII. A head fails at
//! its first bad line (a client that sends `"7\n"` gets its error at once),
//! not when its blank line or the size limit is reached; httparse still
//! parses the whole head once it is complete.

use crate::headers::is_tchar;

/// What the first non-empty line must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StartLine {
    Request,
    Status,
}

/// How far a head's lines have been checked.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LineCheck {
    /// Start of the first line not yet checked.
    at: usize,
    /// Bytes from `at` on already searched for a line feed (so a line fed
    /// byte by byte is searched once).
    searched: usize,
    start_seen: bool,
}

impl LineCheck {
    /// Checks every complete line of `buf[..end]` not checked yet; returns
    /// false at the first bad one. Empty lines before the start line are
    /// skipped (as the gem does); the empty line after it ends the head.
    pub fn check(&mut self, buf: &[u8], end: usize, start: StartLine) -> bool {
        loop {
            let from = self.searched.max(self.at).min(end);
            let Some(lf) = buf[from..end].iter().position(|&b| b == b'\n') else {
                self.searched = end;
                return true;
            };
            let line = &buf[self.at..from + lf];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            self.at = from + lf + 1;
            let ok = match (line.is_empty(), self.start_seen) {
                (true, _) => true,
                (false, false) => {
                    self.start_seen = true;
                    match start {
                        StartLine::Request => request_line(line),
                        StartLine::Status => status_line(line),
                    }
                }
                (false, true) => header_line(line),
            };
            if !ok {
                return false;
            }
        }
    }
}

/// The request methods the gem's grammar accepts.
pub(crate) const METHODS: [&[u8]; 8] = [
    b"OPTIONS", b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"TRACE", b"CONNECT",
];

/// `METHOD target HTTP/d.d`, the target being visible ASCII.
fn request_line(line: &[u8]) -> bool {
    let mut parts = line.splitn(3, |&b| b == b' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    METHODS.contains(&method)
        && !target.is_empty()
        && target.iter().all(|&b| (0x21..=0x7E).contains(&b))
        && http_version(version)
}

/// `HTTP/d.d ddd reason`, the reason being printable ASCII.
fn status_line(line: &[u8]) -> bool {
    let mut parts = line.splitn(3, |&b| b == b' ');
    let (Some(version), Some(code), Some(reason)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    http_version(version)
        && code.len() == 3
        && code.iter().all(u8::is_ascii_digit)
        && reason.iter().all(|&b| (0x20..=0x7E).contains(&b))
}

/// `HTTP/` then digits, a dot, digits.
fn http_version(v: &[u8]) -> bool {
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let Some(rest) = v.strip_prefix(b"HTTP/") else {
        return false;
    };
    match rest.iter().position(|&b| b == b'.') {
        Some(dot) => digits(&rest[..dot]) && digits(&rest[dot + 1..]),
        None => false,
    }
}

/// `name: value`: a token name, then printable ASCII between optional
/// whitespace (the gem's `/^([tchar]+):\s*([\x20-\x7e]*?)\s*$/`).
fn header_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\x0B' | b'\x0C');
    let value = &value[value.iter().position(|b| !space(b)).unwrap_or(value.len())..];
    let value = &value[..value.iter().rposition(|b| !space(b)).map_or(0, |i| i + 1)];
    !name.is_empty()
        && name.iter().all(|&b| is_tchar(b))
        && value.iter().all(|&b| (0x20..=0x7E).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_as_the_gem_reads_them() {
        for ok in [
            &b"GET / HTTP/1.1"[..],
            b"POST /a?b=c HTTP/1.0",
            b"CONNECT h:1 HTTP/10.22",
        ] {
            assert!(request_line(ok), "{ok:?}");
        }
        for bad in [
            &b"7"[..],
            b"GET /",
            b"GET / HTTP/1.1 x",
            b"get / HTTP/1.1",
            b"PATCH / HTTP/1.1",
            b"GET  HTTP/1.1",
            b"GET /\x7f HTTP/1.1",
            b"GET / HTTP/1",
            b"GET / HTTP/1.",
            b"\x01junk",
        ] {
            assert!(!request_line(bad), "{bad:?}");
        }
    }

    #[test]
    fn status_lines_as_the_gem_reads_them() {
        assert!(status_line(b"HTTP/1.1 101 Switching Protocols"));
        assert!(status_line(b"HTTP/1.1 200 "));
        for bad in [
            &b"junk"[..],
            b"HTTP/1.1 abc",
            b"HTTP/1.1",
            b"HTTP/1.1 101",
            b"HTTP/1.1 1010 x",
        ] {
            assert!(!status_line(bad), "{bad:?}");
        }
    }

    #[test]
    fn header_lines_as_the_gem_reads_them() {
        for ok in [&b"Host: a"[..], b"X:", b"X:\t y \t", b"A-b_c: =,;\"x\""] {
            assert!(header_line(ok), "{ok:?}");
        }
        for bad in [
            &b"Bad Header"[..],
            b": empty",
            b"X y: z",
            b"X: caf\xc3\xa9",
            b"X: a\rb",
            b" X: y",
        ] {
            assert!(!header_line(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_first_bad_line_fails_before_the_head_ends() {
        let mut c = LineCheck::default();
        let partial = b"\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Partial: \xff";
        assert!(c.check(partial, partial.len(), StartLine::Request));
        let mut c = LineCheck::default();
        assert!(!c.check(b"7\n", 2, StartLine::Request));
        let mut c = LineCheck::default();
        let head = b"GET / HTTP/1.1\r\nBad Header\r\n";
        assert!(c.check(head, 16, StartLine::Request));
        assert!(!c.check(head, head.len(), StartLine::Request));
    }
}
