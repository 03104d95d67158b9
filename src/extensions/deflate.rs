//! permessage-deflate (RFC 7692), negotiated and run natively.
//!
//! Both directions are stateful zlib streams in raw-deflate form; each
//! message is compressed with a sync flush and sent without its trailing
//! `00 00 FF FF`. Compression state exists only while the extension is
//! active and is dropped after every message when context takeover is off,
//! so an idle no-context-takeover connection holds no zlib memory.
//! Inflation never produces more than `max_length + 1` bytes: a deflate bomb
//! costs `max_length` of memory at most and ends the connection with 1009.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::params::{ExtensionSpec, ParamValue};
use super::{ExtMessage, Extension};
use crate::error::{Error, ErrorKind};
use crate::frame::RSV1;

const NAME: &str = "permessage-deflate";
/// What a sync flush appends and RFC 7692 §7.2.1 strips.
const TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];
/// zlib cannot compress with a 256-byte window (it silently uses 512), so a
/// peer that asks us for 8 bits is declined rather than lied to.
const MIN_COMPRESS_BITS: u8 = 9;

/// Settings for permessage-deflate, the same for servers and clients; each
/// side reads the parameters that concern it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    /// zlib level, 0 (store) to 9 (best).
    pub level: u32,
    /// Messages shorter than this are sent uncompressed (RSV1 clear).
    pub min_size: usize,
    /// Server: always reset our compressor after each message and say so.
    /// Client: ask the server to do that.
    pub server_no_context_takeover: bool,
    /// Server: ask the client to reset its compressor after each message.
    /// Client: promise (and do) that.
    pub client_no_context_takeover: bool,
    /// Server: the largest window we compress with (8–15).
    /// Client: ask the server to use at most this window.
    pub server_max_window_bits: Option<u8>,
    /// Server: limit the client's window, when the client allows it.
    /// Client: offer `client_max_window_bits` with this value.
    pub client_max_window_bits: Option<u8>,
    /// Client: offer `client_max_window_bits` (without a value when the
    /// option above is unset), letting the server limit our window.
    pub offer_client_max_window_bits: bool,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            level: 6,
            min_size: 0,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: None,
            offer_client_max_window_bits: true,
        }
    }
}

impl DeflateConfig {
    /// Checks the ranges; `Err` names the offending setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.level > 9 {
            return Err(format!("invalid deflate level: {}", self.level));
        }
        for bits in [self.server_max_window_bits, self.client_max_window_bits]
            .into_iter()
            .flatten()
        {
            if !(8..=15).contains(&bits) {
                return Err(format!("invalid window bits: {bits}"));
            }
        }
        Ok(())
    }
}

/// The parameters of one offer or response, checked for the RFC's rules:
/// known names, no duplicates, flags without values, window bits 8–15.
#[derive(Default)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: the flag without a value.
    client_max_window_bits: Option<Option<u8>>,
}

impl Params {
    fn parse(spec: &ExtensionSpec) -> Option<Params> {
        let mut p = Params::default();
        let mut seen = Vec::new();
        for (key, value) in &spec.params {
            if seen.contains(&key.as_str()) {
                return None;
            }
            seen.push(key.as_str());
            match (key.as_str(), value) {
                ("server_no_context_takeover", ParamValue::Flag) => {
                    p.server_no_context_takeover = true
                }
                ("client_no_context_takeover", ParamValue::Flag) => {
                    p.client_no_context_takeover = true
                }
                ("server_max_window_bits", ParamValue::Value(v)) => {
                    p.server_max_window_bits = Some(window_bits(v)?)
                }
                ("client_max_window_bits", ParamValue::Flag) => {
                    p.client_max_window_bits = Some(None)
                }
                ("client_max_window_bits", ParamValue::Value(v)) => {
                    p.client_max_window_bits = Some(Some(window_bits(v)?));
                }
                _ => return None,
            }
        }
        Some(p)
    }
}

fn window_bits(v: &str) -> Option<u8> {
    if v.len() > 2 || v.starts_with('0') || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok().filter(|b| (8..=15).contains(b))
}

fn flag(name: &str) -> (String, ParamValue) {
    (name.to_owned(), ParamValue::Flag)
}

fn value(name: &str, v: u8) -> (String, ParamValue) {
    (name.to_owned(), ParamValue::Value(v.to_string()))
}

/// The permessage-deflate extension for one connection.
pub struct PerMessageDeflate {
    config: DeflateConfig,
    /// Reset our compressor after each message.
    own_reset: bool,
    /// The peer resets its compressor after each message, so ours can too.
    peer_reset: bool,
    /// Window our compressor uses.
    own_bits: u8,
    deflater: Option<Box<Compress>>,
    inflater: Option<Box<Decompress>>,
}

impl PerMessageDeflate {
    pub fn new(config: DeflateConfig) -> Self {
        PerMessageDeflate {
            config,
            own_reset: false,
            peer_reset: false,
            own_bits: 15,
            deflater: None,
            inflater: None,
        }
    }

    /// Whether zlib state is allocated right now (none between messages
    /// without context takeover).
    pub fn state_allocated(&self) -> bool {
        self.deflater.is_some() || self.inflater.is_some()
    }

    fn compress(&mut self, data: &[u8]) -> Result<Vec<u8>, Error> {
        let (level, bits) = (self.config.level, self.own_bits);
        let deflater = self.deflater.get_or_insert_with(|| {
            Box::new(Compress::new_with_window_bits(
                Compression::new(level),
                false,
                bits,
            ))
        });
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let mut pos = 0;
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(64));
            }
            let before = deflater.total_in();
            deflater
                .compress_vec(&data[pos..], &mut out, FlushCompress::Sync)
                .map_err(|e| Error::new(ErrorKind::UnexpectedCondition, format!("{NAME}: {e}")))?;
            pos += (deflater.total_in() - before) as usize;
            // A sync flush is complete once all input is in and zlib stopped
            // short of filling the buffer.
            if pos == data.len() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        // zlib emits nothing for an empty flush; RFC 7692 §7.2.3.6 spells the
        // empty message as a single 0x00 (an empty stored block, minus tail).
        if out.is_empty() {
            out.push(0x00);
        }
        if self.own_reset {
            self.deflater = None;
        }
        Ok(out)
    }

    fn decompress(&mut self, data: &[u8], max_length: u64) -> Result<Vec<u8>, Error> {
        // A 15-bit window inflates anything a smaller window produced.
        let inflater = self
            .inflater
            .get_or_insert_with(|| Box::new(Decompress::new_with_window_bits(false, 15)));
        let limit = usize::try_from(max_length)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let too_large = || Error::new(ErrorKind::TooLarge, "WebSocket frame length too large");
        let corrupt =
            |e: &dyn std::fmt::Display| Error::new(ErrorKind::Extension, format!("{NAME}: {e}"));
        let mut out: Vec<u8> =
            Vec::with_capacity(data.len().saturating_mul(2).clamp(64, 64 * 1024).min(limit));
        let mut ended = false;
        for part in [data, &TAIL[..]] {
            let mut pos = 0;
            while !ended {
                if out.len() == out.capacity() {
                    if out.len() >= limit {
                        return Err(too_large());
                    }
                    // Exact: amortized growth would double past the limit.
                    out.reserve_exact((out.capacity().max(4096)).min(limit - out.len()));
                }
                let (in_before, out_before) = (inflater.total_in(), out.len());
                let status = inflater
                    .decompress_vec(&part[pos..], &mut out, FlushDecompress::Sync)
                    .map_err(|e| corrupt(&e))?;
                pos += (inflater.total_in() - in_before) as usize;
                if out.len() > limit - 1 {
                    return Err(too_large());
                }
                ended = status == Status::StreamEnd;
                let progressed = inflater.total_in() > in_before || out.len() > out_before;
                if pos == part.len() && out.len() < out.capacity() {
                    break;
                }
                if !progressed {
                    return Err(corrupt(&"inflation made no progress"));
                }
            }
        }
        // A final block or a peer without context takeover: the next
        // message starts a fresh stream, and the memory can go now.
        if ended || self.peer_reset {
            self.inflater = None;
        }
        Ok(out)
    }
}

impl Extension for PerMessageDeflate {
    fn name(&self) -> &str {
        NAME
    }

    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn offer(&mut self) -> Vec<Vec<(String, ParamValue)>> {
        let c = &self.config;
        let mut params = Vec::new();
        if c.client_no_context_takeover {
            params.push(flag("client_no_context_takeover"));
        }
        if c.server_no_context_takeover {
            params.push(flag("server_no_context_takeover"));
        }
        if let Some(bits) = c.server_max_window_bits {
            params.push(value("server_max_window_bits", bits));
        }
        match c.client_max_window_bits {
            Some(bits) => params.push(value("client_max_window_bits", bits)),
            None if c.offer_client_max_window_bits => params.push(flag("client_max_window_bits")),
            None => {}
        }
        vec![params]
    }

    fn activate(&mut self, response: &ExtensionSpec) -> Result<(), String> {
        let reject = || "unacceptable parameters".to_owned();
        let p = Params::parse(response).ok_or_else(reject)?;
        let c = &self.config;
        if let (Some(got), Some(asked)) = (p.server_max_window_bits, c.server_max_window_bits) {
            if got > asked {
                return Err(reject());
            }
        }
        if c.server_no_context_takeover && !p.server_no_context_takeover {
            return Err(reject());
        }
        self.own_bits = match p.client_max_window_bits {
            None => c.client_max_window_bits.unwrap_or(15),
            Some(None) => return Err(reject()),
            Some(Some(bits)) => {
                let offered = c.client_max_window_bits.is_some() || c.offer_client_max_window_bits;
                if !offered
                    || bits > c.client_max_window_bits.unwrap_or(15)
                    || bits < MIN_COMPRESS_BITS
                {
                    return Err(reject());
                }
                bits
            }
        }
        .max(MIN_COMPRESS_BITS);
        self.own_reset = c.client_no_context_takeover || p.client_no_context_takeover;
        self.peer_reset = p.server_no_context_takeover;
        Ok(())
    }

    fn respond(&mut self, offers: &[&ExtensionSpec]) -> Option<Vec<(String, ParamValue)>> {
        let c = self.config.clone();
        for offer in offers {
            let Some(p) = Params::parse(offer) else {
                continue;
            };
            let ours = c.server_max_window_bits.unwrap_or(15);
            let own_bits = match p.server_max_window_bits {
                Some(asked) if asked < MIN_COMPRESS_BITS => continue,
                Some(asked) => asked.min(ours),
                None => ours,
            }
            .max(MIN_COMPRESS_BITS);
            let mut response = Vec::new();
            let own_reset = c.server_no_context_takeover || p.server_no_context_takeover;
            if own_reset {
                response.push(flag("server_no_context_takeover"));
            }
            if c.client_no_context_takeover {
                response.push(flag("client_no_context_takeover"));
            }
            // Only answer a window size the client asked about: sending
            // server_max_window_bits unasked breaks some browsers.
            if p.server_max_window_bits.is_some() {
                response.push(value("server_max_window_bits", own_bits));
            }
            if let (Some(offered), Some(limit)) =
                (p.client_max_window_bits, c.client_max_window_bits)
            {
                response.push(value(
                    "client_max_window_bits",
                    offered.map_or(limit, |o| o.min(limit)),
                ));
            }
            self.own_bits = own_bits;
            self.own_reset = own_reset;
            // The client's own client_no_context_takeover is only a hint
            // (RFC 7692 §7.1.1.2), and some clients offer it without
            // honouring it: keep our inflater unless we asked for resets.
            self.peer_reset = c.client_no_context_takeover;
            return Some(response);
        }
        None
    }

    fn incoming(&mut self, msg: &mut ExtMessage, max_length: u64) -> Result<(), Error> {
        if msg.rsv & RSV1 == 0 {
            return Ok(());
        }
        msg.data = self.decompress(&msg.data, max_length)?;
        msg.rsv &= !RSV1;
        Ok(())
    }

    fn outgoing(&mut self, msg: &mut ExtMessage) -> Result<(), Error> {
        if msg.data.len() < self.config.min_size {
            return Ok(());
        }
        msg.data = self.compress(&msg.data)?;
        msg.rsv |= RSV1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extensions::params::parse_header;

    fn spec(header: &str) -> ExtensionSpec {
        parse_header(header).unwrap().remove(0)
    }

    fn pair(
        server: DeflateConfig,
        client: DeflateConfig,
    ) -> (PerMessageDeflate, PerMessageDeflate) {
        let mut c = PerMessageDeflate::new(client);
        let mut s = PerMessageDeflate::new(server);
        let offer = ExtensionSpec {
            name: NAME.into(),
            params: c.offer().remove(0),
        };
        let response = s.respond(&[&offer]).expect("server accepts");
        c.activate(&ExtensionSpec {
            name: NAME.into(),
            params: response,
        })
        .expect("client activates");
        (s, c)
    }

    #[test]
    fn round_trips_with_and_without_context_takeover() {
        for reset in [false, true] {
            let cfg = DeflateConfig {
                server_no_context_takeover: reset,
                client_no_context_takeover: reset,
                ..Default::default()
            };
            let (mut s, mut c) = pair(cfg.clone(), cfg);
            for text in ["hello hello hello", "", "hello again hello again"] {
                let mut m = ExtMessage {
                    rsv: 0,
                    text: true,
                    data: text.as_bytes().to_vec(),
                };
                c.outgoing(&mut m).unwrap();
                assert_eq!(m.rsv, RSV1);
                s.incoming(&mut m, 1 << 20).unwrap();
                assert_eq!(m.data, text.as_bytes());
            }
            assert_eq!(
                c.state_allocated(),
                !reset,
                "compressor kept only with context takeover"
            );
        }
    }

    #[test]
    fn empty_message_is_one_zero_byte() {
        let (_, mut c) = pair(DeflateConfig::default(), DeflateConfig::default());
        let mut m = ExtMessage {
            rsv: 0,
            text: false,
            data: vec![],
        };
        c.outgoing(&mut m).unwrap();
        assert_eq!(m.data, [0x00]);
    }

    #[test]
    fn bomb_stops_at_max_length() {
        let (mut s, mut c) = pair(DeflateConfig::default(), DeflateConfig::default());
        let mut m = ExtMessage {
            rsv: 0,
            text: false,
            data: vec![0u8; 10 << 20],
        };
        c.outgoing(&mut m).unwrap();
        assert!(m.data.len() < 20_000);
        let e = s.incoming(&mut m, 1 << 20).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::TooLarge, "WebSocket frame length too large")
        );
    }

    #[test]
    fn server_negotiation_follows_rfc_7692() {
        let mut s = PerMessageDeflate::new(DeflateConfig::default());
        assert_eq!(s.respond(&[&spec("permessage-deflate")]), Some(vec![]));
        let r = s
            .respond(&[&spec(
                "permessage-deflate; server_max_window_bits=10; client_max_window_bits",
            )])
            .unwrap();
        assert_eq!(
            ExtensionSpec {
                name: NAME.into(),
                params: r
            }
            .to_header(),
            "permessage-deflate; server_max_window_bits=10"
        );
        // Invalid offers are skipped, the next acceptable one is taken.
        for bad in [
            "x=1",
            "server_max_window_bits",
            "server_max_window_bits=16",
            "server_max_window_bits=08",
            "client_no_context_takeover=1",
            "server_no_context_takeover; server_no_context_takeover",
            "server_max_window_bits=8",
        ] {
            let first = spec(&format!("permessage-deflate; {bad}"));
            let second = spec("permessage-deflate; server_no_context_takeover");
            let r = s.respond(&[&first, &second]).unwrap();
            assert_eq!(r, vec![flag("server_no_context_takeover")], "{bad}");
        }
        let limited = DeflateConfig {
            client_max_window_bits: Some(10),
            client_no_context_takeover: true,
            ..Default::default()
        };
        let mut s = PerMessageDeflate::new(limited);
        let r = s
            .respond(&[&spec("permessage-deflate; client_max_window_bits=12")])
            .unwrap();
        assert_eq!(
            r,
            vec![
                flag("client_no_context_takeover"),
                value("client_max_window_bits", 10)
            ]
        );
        let r = s.respond(&[&spec("permessage-deflate")]).unwrap();
        assert_eq!(
            r,
            vec![flag("client_no_context_takeover")],
            "no client_max_window_bits unless offered"
        );
    }

    #[test]
    fn client_rejects_what_it_did_not_allow() {
        let mut c = PerMessageDeflate::new(DeflateConfig {
            offer_client_max_window_bits: false,
            server_max_window_bits: Some(10),
            ..Default::default()
        });
        assert!(
            c.activate(&spec("permessage-deflate; client_max_window_bits=10"))
                .is_err()
        );
        assert!(
            c.activate(&spec("permessage-deflate; server_max_window_bits=12"))
                .is_err()
        );
        assert!(
            c.activate(&spec("permessage-deflate; server_max_window_bits=9"))
                .is_ok()
        );
        let mut c = PerMessageDeflate::new(DeflateConfig::default());
        assert!(
            c.activate(&spec("permessage-deflate; client_max_window_bits=8"))
                .is_err(),
            "zlib cannot compress with 8 bits"
        );
        assert!(
            c.activate(&spec("permessage-deflate; client_max_window_bits=9"))
                .is_ok()
        );
        assert!(c.activate(&spec("permessage-deflate; foo")).is_err());
    }

    #[test]
    fn uncompressed_messages_pass_through() {
        let (mut s, _) = pair(DeflateConfig::default(), DeflateConfig::default());
        let mut m = ExtMessage {
            rsv: 0,
            text: true,
            data: b"plain".to_vec(),
        };
        s.incoming(&mut m, 100).unwrap();
        assert_eq!(m.data, b"plain");
        let mut small = PerMessageDeflate::new(DeflateConfig {
            min_size: 10,
            ..Default::default()
        });
        let mut m = ExtMessage {
            rsv: 0,
            text: true,
            data: b"short".to_vec(),
        };
        small.outgoing(&mut m).unwrap();
        assert_eq!((m.rsv, m.data.as_slice()), (0, &b"short"[..]));
    }
}
