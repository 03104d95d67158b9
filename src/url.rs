//! The small part of URL parsing a WebSocket client and proxy need.

use crate::error::Error;

/// A parsed `ws://`, `wss://`, `http://` or `https://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    /// `user:password` as written (percent-decoded), if present.
    pub userinfo: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// Path and query, e.g. `/chat?room=1`; `/` when the URL has no path.
    pub resource: String,
}

impl Url {
    /// Parses `url`, accepting only the given schemes.
    pub fn parse(url: &str, schemes: &[&str]) -> Result<Url, Error> {
        let invalid = || Error::url(url);
        let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
        let scheme = scheme.to_ascii_lowercase();
        if !schemes.contains(&scheme.as_str()) {
            return Err(invalid());
        }
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(split);
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(percent_decode(u).ok_or_else(invalid)?), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(invalid)?;
        if host.is_empty()
            || host
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(invalid());
        }
        if resource
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(invalid());
        }
        let resource = match resource.strip_prefix('?') {
            Some(q) => format!("/?{q}"),
            None if resource.is_empty() => "/".to_owned(),
            None => resource.to_owned(),
        };
        Ok(Url {
            scheme,
            userinfo,
            host: host.to_owned(),
            port,
            resource,
        })
    }

    /// `user:password` for HTTP Basic authentication, if the URL has a user;
    /// a user without a password gives `user:` (RFC 7617, and the gem).
    pub fn basic_credentials(&self) -> Option<String> {
        let u = self.userinfo.as_ref()?;
        Some(if u.contains(':') {
            u.clone()
        } else {
            format!("{u}:")
        })
    }

    /// The port the scheme implies when none is given.
    pub fn default_port(&self) -> u16 {
        match self.scheme.as_str() {
            "wss" | "https" => 443,
            _ => 80,
        }
    }

    /// The port to connect to.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.default_port())
    }

    /// The `Host` header value: the port is omitted when it is the default.
    pub fn host_header(&self) -> String {
        match self.port {
            Some(p) if p != self.default_port() => format!("{}:{p}", self.host),
            _ => self.host.clone(),
        }
    }
}

fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if let Some(v6) = s.strip_prefix('[') {
        let (inner, after) = v6.split_once(']')?;
        let host = &s[..inner.len() + 2];
        return match after {
            "" => Some((host, None)),
            p => Some((host, Some(parse_port(p.strip_prefix(':')?)?))),
        };
    }
    match s.rsplit_once(':') {
        Some((h, "")) => Some((h, None)),
        Some((h, p)) => Some((h, Some(parse_port(p)?))),
        None => Some((s, None)),
    }
}

fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &[&str] = &["ws", "wss"];

    #[test]
    fn parses_the_usual_forms() {
        let u = Url::parse("ws://www.example.com/socket?a=b", WS).unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.resource.as_str()),
            ("www.example.com", None, "/socket?a=b")
        );
        assert_eq!(u.host_header(), "www.example.com");
        let u = Url::parse("wss://user:p%40ss@example.com:443", WS).unwrap();
        assert_eq!(u.userinfo.as_deref(), Some("user:p@ss"));
        assert_eq!(u.host_header(), "example.com");
        assert_eq!(u.resource, "/");
        let u = Url::parse("ws://example.com:8080?x", WS).unwrap();
        assert_eq!(u.host_header(), "example.com:8080");
        assert_eq!(u.resource, "/?x");
        let u = Url::parse("ws://[::1]:9000/", WS).unwrap();
        assert_eq!((u.host.as_str(), u.port), ("[::1]", Some(9000)));
    }

    #[test]
    fn rejects_bad_urls() {
        for bad in [
            "http://example.com/",
            "example.com",
            "ws://",
            "ws://a:99999/",
            "ws://a b/",
            "ws://a:x/",
        ] {
            assert!(Url::parse(bad, WS).is_err(), "{bad}");
        }
    }
}
