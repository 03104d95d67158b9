//! The `Sec-WebSocket-Extensions` header grammar (RFC 6455 §9.1), parsed the
//! way the websocket-extensions gem does: `name; key=value; flag, name2`.

use crate::headers::is_tchar;

/// A parameter value: a bare flag or a (possibly quoted) value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamValue {
    Flag,
    Value(String),
}

/// One offered or accepted extension with its parameters, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionSpec {
    pub name: String,
    pub params: Vec<(String, ParamValue)>,
}

impl ExtensionSpec {
    pub fn param(&self, key: &str) -> Option<&ParamValue> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Serialises as `name; key=value; flag`.
    pub fn to_header(&self) -> String {
        let mut s = self.name.clone();
        for (k, v) in &self.params {
            s.push_str("; ");
            s.push_str(k);
            if let ParamValue::Value(v) = v {
                s.push('=');
                if v.bytes().all(is_tchar) && !v.is_empty() {
                    s.push_str(v);
                } else {
                    s.push('"');
                    s.push_str(&v.replace('\\', "\\\\").replace('"', "\\\""));
                    s.push('"');
                }
            }
        }
        s
    }
}

/// Parses a header value; `Err` carries the gem's message.
pub fn parse_header(header: &str) -> Result<Vec<ExtensionSpec>, String> {
    let invalid = || format!("Invalid Sec-WebSocket-Extensions header: {header}");
    let mut p = Parser {
        s: header.as_bytes(),
        i: 0,
    };
    let mut specs = Vec::new();
    if header.trim().is_empty() {
        return Ok(specs);
    }
    loop {
        p.spaces();
        let name = p.token().ok_or_else(invalid)?;
        let mut spec = ExtensionSpec {
            name,
            params: Vec::new(),
        };
        loop {
            p.spaces();
            if !p.eat(b';') {
                break;
            }
            p.spaces();
            let key = p.token().ok_or_else(invalid)?;
            p.spaces();
            let value = if p.eat(b'=') {
                p.spaces();
                ParamValue::Value(p.token().or_else(|| p.quoted()).ok_or_else(invalid)?)
            } else {
                ParamValue::Flag
            };
            spec.params.push((key, value));
        }
        specs.push(spec);
        p.spaces();
        if p.i == p.s.len() {
            return Ok(specs);
        }
        if !p.eat(b',') {
            return Err(invalid());
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn spaces(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] == b' ' || self.s[self.i] == b'\t') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn token(&mut self) -> Option<String> {
        let start = self.i;
        while self.i < self.s.len() && is_tchar(self.s[self.i]) {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn quoted(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let mut out = Vec::new();
        while let Some(&c) = self.s.get(self.i) {
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let &escaped = self.s.get(self.i)?;
                    if escaped > 0x7f {
                        return None;
                    }
                    out.push(escaped);
                    self.i += 1;
                }
                0x00..=0x08 | 0x0a..=0x1f | 0x7f => return None,
                c => out.push(c),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offers_and_params() {
        let specs = parse_header(
            "permessage-deflate; client_max_window_bits, x-foo;a=1 ; b=\"q\\\"x\", bar",
        )
        .unwrap();
        assert_eq!(specs.len(), 3);
        assert_eq!(
            specs[0].param("client_max_window_bits"),
            Some(&ParamValue::Flag)
        );
        assert_eq!(specs[1].param("a"), Some(&ParamValue::Value("1".into())));
        assert_eq!(specs[1].param("b"), Some(&ParamValue::Value("q\"x".into())));
        assert_eq!(specs[2].name, "bar");
    }

    #[test]
    fn rejects_malformed_headers() {
        for bad in [
            ",",
            "a,",
            "a;",
            "a;=1",
            "a b",
            "a;b=",
            "a;b=\"x",
            "a;b=c d",
            "@",
            "a;b=\"\x01\"",
        ] {
            assert_eq!(
                parse_header(bad),
                Err(format!("Invalid Sec-WebSocket-Extensions header: {bad}")),
                "{bad}"
            );
        }
        assert_eq!(parse_header(""), Ok(vec![]));
    }

    #[test]
    fn serialises_back() {
        let spec = &parse_header("x; a=1; b; c=\"two words\"; d=\"tok\"").unwrap()[0];
        assert_eq!(spec.to_header(), "x; a=1; b; c=\"two words\"; d=tok");
    }
}
