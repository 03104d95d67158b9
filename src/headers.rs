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

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, String)>,
}

impl Headers {
    pub const fn new() -> Self {
        Headers {
            entries: Vec::new(),
        }
    }

    /// The value for `name` (case-insensitive), if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Headers in the order they were first seen or set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
        self.entries.push((name.to_owned(), value.to_owned()));
        Ok(())
    }

    /// Records a received header, joining repeated names with ", ".
    pub fn append(&mut self, name: &str, value: &str) {
        let value = value.trim();
        match self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            Some((_, v)) => {
                v.push_str(", ");
                v.push_str(value);
            }
            None => self.entries.push((name.to_owned(), value.to_owned())),
        }
    }

    /// Serialises as `Name: value\r\n` lines.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        for (k, v) in &self.entries {
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
    fn serialises_in_order() {
        let mut h = Headers::new();
        h.set("A", "1");
        h.set("B", " 2 ");
        let mut out = Vec::new();
        h.write_to(&mut out);
        assert_eq!(out, b"A: 1\r\nB: 2\r\n");
    }
}
