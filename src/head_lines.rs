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
    /// Start of the first line not yet checked (a head is at most
    /// `HEAD_SIZE_CEILING` bytes).
    at: u32,
    start_seen: bool,
}

impl LineCheck {
    /// Checks every complete line of `buf[..end]` not checked yet; returns
    /// false at the first bad one. `searched` is how much of `buf` earlier
    /// calls looked at (no line feed after `at` there), so a line fed byte
    /// by byte is searched once. Empty lines before the start line are
    /// skipped (as the gem does); the empty line after it ends the head.
    /// A request line still arriving must already start with one of the
    /// gem's methods: bytes that cannot start a request (a TLS ClientHello,
    /// an SSH banner) fail at once instead of being held until a line feed.
    pub fn check(&mut self, buf: &[u8], searched: usize, end: usize, start: StartLine) -> bool {
        let mut at = self.at as usize;
        let mut from = searched.max(at).min(end);
        loop {
            let Some(lf) = buf[from..end].iter().position(|&b| b == b'\n') else {
                return self.start_seen
                    || start == StartLine::Status
                    || method_prefix(&buf[at..end]);
            };
            let line = &buf[at..from + lf];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            at = from + lf + 1;
            self.at = at as u32;
            from = at;
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

/// Whether a request line's first bytes can still become one of the gem's
/// methods followed by a space (looks at no more than a method's length).
fn method_prefix(partial: &[u8]) -> bool {
    let partial = partial.strip_prefix(b"\r").unwrap_or(partial);
    let word = &partial[..partial.len().min(METHODS[0].len() + 1)];
    match word.iter().position(|&b| b == b' ') {
        Some(space) => METHODS.contains(&&word[..space]),
        None => METHODS.iter().any(|m| m.starts_with(word)),
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
        assert!(c.check(partial, 0, partial.len(), StartLine::Request));
        let mut c = LineCheck::default();
        assert!(!c.check(b"7\n", 0, 2, StartLine::Request));
        let mut c = LineCheck::default();
        let head = b"GET / HTTP/1.1\r\nBad Header\r\n";
        assert!(c.check(head, 0, 16, StartLine::Request));
        assert!(!c.check(head, 16, head.len(), StartLine::Request));
    }

    #[test]
    fn a_request_line_fails_once_its_first_bytes_cannot_be_a_method() {
        let hello = b"\x16\x03\x01\x02\x00";
        assert!(!LineCheck::default().check(hello, 0, 1, StartLine::Request));
        assert!(!LineCheck::default().check(b"SSH-2.0-x", 0, 9, StartLine::Request));
        assert!(!LineCheck::default().check(b"GETX ", 0, 5, StartLine::Request));
        assert!(LineCheck::default().check(b"\r\nCONN", 0, 6, StartLine::Request));
        assert!(LineCheck::default().check(b"HTTP/1.", 0, 7, StartLine::Status));
    }
}
