//! Ordered, case-insensitive HTTP header lists.
//!
//! Outgoing headers follow the gem's `Headers` class: the first value set for
//! a name wins (so a caller's `set_header` cannot be overridden by ours, and
//! vice versa), except for the few headers HTTP allows to repeat.
//! Received headers keep their order; repeated names are joined with ", "
//! (RFC 9110 §5.3), so a lookup always yields one value.

use crate::error::CommandError;

/// Header names that may legitimately appear more than once in a response.
const ALLOWED_DUPLICATES: [&str; 4] = ["set-cookie", "set-cookie2", "warning", "www-authenticate"];

/// Stored compactly (a connection keeps its request's headers for queries):
/// all names and values in one string, and where each ends.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    /// Each entry's name, then its value, back to back.
    text: String,
    /// Where each entry's name and value end in `text`.
    ends: Vec<(u32, u32)>,
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Headers {
    pub const fn new() -> Self {
        Headers {
            text: String::new(),
            ends: Vec::new(),
        }
    }

    /// Room for `count` entries of `bytes` bytes of names and values.
    pub(crate) fn with_capacity(count: usize, bytes: usize) -> Self {
        Headers {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(count),
        }
    }

    /// Gives back unused capacity (received headers are kept for queries).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Entry `i` as (name, value).
    fn entry(&self, i: usize) -> (&str, &str) {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1].1 as usize
        };
        let (name_end, value_end) = (self.ends[i].0 as usize, self.ends[i].1 as usize);
        (&self.text[start..name_end], &self.text[name_end..value_end])
    }

    fn position(&self, name: &str) -> Option<usize> {
        (0..self.ends.len()).find(|&i| self.entry(i).0.eq_ignore_ascii_case(name))
    }

    /// Adds an entry; false (nothing added) if the text would pass 4 GiB,
    /// which no head within the limits reaches.
    fn push(&mut self, name: &str, value: &str) -> bool {
        let Ok(value_end) = u32::try_from(self.text.len() + name.len() + value.len()) else {
            return false;
        };
        self.text.push_str(name);
        let name_end = self.text.len() as u32;
        self.text.push_str(value);
        self.ends.push((name_end, value_end));
        true
    }

    /// The value for `name` (case-insensitive), if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.position(name).map(|i| self.entry(i).1)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Headers in the order they were first seen or set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.ends.len()).map(|i| self.entry(i))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Sets an outgoing header; returns false when [`try_set`](Self::try_set)
    /// refuses it.
    pub fn set(&mut self, name: &str, value: &str) -> bool {
        self.try_set(name, value).is_ok()
    }

    /// Sets an outgoing header, or says why not: the name was already set
    /// (the first value wins), or name or value could break the message
    /// (see [`check`]).
    pub fn try_set(&mut self, name: &str, value: &str) -> Result<(), CommandError> {
        let (name, value) = (name.trim(), value.trim());
        check(name, value).map_err(CommandError::InvalidHeader)?;
        let repeatable = ALLOWED_DUPLICATES
            .iter()
            .any(|d| d.eq_ignore_ascii_case(name));
        if !repeatable && self.contains(name) {
            return Err(CommandError::DuplicateHeader);
        }
        if !self.push(name, value) {
            return Err(CommandError::InvalidHeader(BadHeader::Value(
                name.to_owned(),
            )));
        }
        Ok(())
    }

    /// Records a received header, joining repeated names with ", ".
    pub fn append(&mut self, name: &str, value: &str) {
        let value = value.trim();
        let Some(i) = self.position(name) else {
            self.push(name, value);
            return;
        };
        let added = 2 + value.len();
        if u32::try_from(self.text.len() + added).is_err() {
            return;
        }
        let at = self.ends[i].1 as usize;
        self.text.insert_str(at, value);
        self.text.insert_str(at, ", ");
        for e in &mut self.ends[i..] {
            if e.0 as usize > at {
                e.0 += added as u32;
            }
            e.1 += added as u32;
        }
    }

    /// Serialises as `Name: value\r\n` lines.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        for (k, v) in self.iter() {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Headers the opening handshake writes itself: a custom one would
/// replace or contradict them.
pub const HANDSHAKE_HEADERS: [&str; 7] = [
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
];

/// Why a header cannot be added to a handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadHeader {
    /// The name is not an HTTP token (RFC 9110 §5.1).
    Name(String),
    /// The value holds a control character other than tab (CR and LF
    /// would let a caller inject headers).
    Value(String),
    /// One of [`HANDSHAKE_HEADERS`], which the handshake owns.
    Handshake(&'static str),
}

impl std::fmt::Display for BadHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadHeader::Name(n) => write!(f, "The header name {n:?} is not an HTTP token."),
            BadHeader::Value(n) => write!(
                f,
                "The value of the header {n:?} holds a control character."
            ),
            BadHeader::Handshake(n) => write!(
                f,
                "The header {n} is written by the WebSocket handshake and cannot be set."
            ),
        }
    }
}

/// Checks a header a host adds to the handshake (`set_header`); the name
/// and value as they will be written (trimmed).
pub fn check_custom(name: &str, value: &str) -> Result<(), BadHeader> {
    let name = name.trim();
    check(name, value.trim())?;
    match HANDSHAKE_HEADERS
        .iter()
        .find(|h| h.eq_ignore_ascii_case(name))
    {
        Some(h) => Err(BadHeader::Handshake(h)),
        None => Ok(()),
    }
}

/// Name and value syntax: a token, and a value without control characters
/// but tab.
pub(crate) fn check(name: &str, value: &str) -> Result<(), BadHeader> {
    if !is_token(name) {
        return Err(BadHeader::Name(name.to_owned()));
    }
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7F) {
        return Err(BadHeader::Value(name.to_owned()));
    }
    Ok(())
}

/// An HTTP token character (RFC 9110 §5.6.2 `tchar`).
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A non-empty run of token characters: header names, methods, extension
/// and subprotocol names.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// True when a comma-separated header value lists `token` (case-insensitive).
pub(crate) fn lists_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_set_wins_and_lookup_ignores_case() {
        let mut h = Headers::new();
        assert!(h.set("Host", "a"));
        assert!(!h.set("host", "b"));
        assert_eq!(h.get("HOST"), Some("a"));
        assert!(h.set("Set-Cookie", "x=1"));
        assert!(h.set("set-cookie", "y=2"));
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn rejects_header_injection() {
        let mut h = Headers::new();
        assert!(!h.set("X-A", "1\r\nEvil: yes"));
        assert!(!h.set("X\nB", "1"));
        assert!(!h.set("", "1"));
        assert!(h.is_empty());
    }

    #[test]
    fn custom_headers_must_be_tokens_without_control_characters() {
        let mut h = Headers::new();
        assert!(!h.set("X Space", "1"));
        assert!(!h.set("X(a)", "1"));
        assert!(!h.set("X-A", "a\x01b"));
        assert!(!h.set("X-A", "a\x7Fb"));
        assert!(h.set("X-A", "tab\tok"));
        assert_eq!(
            check_custom("X Space", "1"),
            Err(BadHeader::Name("X Space".into()))
        );
        assert_eq!(
            check_custom("sec-websocket-accept", "x"),
            Err(BadHeader::Handshake("Sec-WebSocket-Accept"))
        );
        for name in HANDSHAKE_HEADERS {
            assert!(check_custom(&name.to_uppercase(), "x").is_err());
        }
        assert_eq!(check_custom("X-Ok", "v"), Ok(()));
    }

    #[test]
    fn received_duplicates_are_joined() {
        let mut h = Headers::new();
        h.append("Connection", "keep-alive");
        h.append("connection", "Upgrade");
        assert_eq!(h.get("Connection"), Some("keep-alive, Upgrade"));
        assert!(lists_token(h.get("connection").unwrap(), "upgrade"));
    }

    #[test]
    fn joining_a_repeated_name_keeps_the_entries_after_it() {
        let mut h = Headers::new();
        h.append("A", "1");
        h.append("Empty", "");
        h.append("B", "2");
        h.append("a", "3");
        h.append("empty", "x");
        let all: Vec<_> = h.iter().collect();
        assert_eq!(all, [("A", "1, 3"), ("Empty", ", x"), ("B", "2")]);
        assert_eq!(
            format!("{h:?}"),
            r#"[("A", "1, 3"), ("Empty", ", x"), ("B", "2")]"#
        );
    }

    #[test]
    fn serialises_in_order() {
        let mut h = Headers::new();
        h.set("A", "1");
        h.set("B", " 2 ");
        let mut out = Vec::new();
        h.write_to(&mut out);
        assert_eq!(out, b"A: 1\r\nB: 2\r\n");
    }
}
