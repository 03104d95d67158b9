//! Ordered, case-insensitive HTTP header lists.
//!
//! Outgoing headers follow the gem's `Headers` class: the first value set for
//! a name wins (so a caller's `set_header` cannot be overridden by ours, and
//! vice versa), except for the few headers HTTP allows to repeat.
//! Received headers keep their order; repeated names are joined with ", "
//! (RFC 9110 §5.3), so a lookup always yields one value.

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

    /// Sets an outgoing header; returns false when the name was already set
    /// (the first value wins) or when name or value could break the message
    /// (CR, LF or NUL would let a caller inject headers).
    pub fn set(&mut self, name: &str, value: &str) -> bool {
        let name = name.trim();
        let value = value.trim();
        if name.is_empty() || !is_safe(name) || !is_safe(value) || name.contains(':') {
            return false;
        }
        let repeatable = ALLOWED_DUPLICATES
            .iter()
            .any(|d| d.eq_ignore_ascii_case(name));
        if !repeatable && self.contains(name) {
            return false;
        }
        self.entries.push((name.to_owned(), value.to_owned()));
        true
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

fn is_safe(s: &str) -> bool {
    !s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
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
