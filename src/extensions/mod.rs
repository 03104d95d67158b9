//! Extension negotiation, modelled on the websocket-extensions gem: a client
//! offers its extensions in registration order, a server answers for the
//! ones it supports, a client activates what the server accepted. Each
//! active extension owns RSV bits; a frame using bits nobody owns is a
//! protocol error. Outgoing messages pass through extensions in order,
//! incoming ones in reverse.

pub mod deflate;
pub mod params;

use crate::error::{Error, ErrorKind};
use params::{ExtensionSpec, ParamValue, parse_header};

/// A message as extensions see it: the RSV bits of its first frame, whether
/// it is text, and its payload.
#[derive(Debug)]
pub struct ExtMessage {
    pub rsv: u8,
    pub text: bool,
    pub data: Vec<u8>,
}

/// A negotiable extension (permessage-deflate, or one a host plugs in).
pub trait Extension: Send {
    /// The registered name, e.g. `permessage-deflate`.
    fn name(&self) -> &str;
    /// The RSV bits (`frame::RSV1` ...) this extension may set.
    fn rsv_bits(&self) -> u8;
    /// Client: the offers to make, each a list of parameters, in order of
    /// preference (usually one); empty to offer nothing.
    fn offer(&mut self) -> Vec<Vec<(String, ParamValue)>>;
    /// Client: the server accepted with these parameters; `Err` rejects them.
    fn activate(&mut self, response: &ExtensionSpec) -> Result<(), String>;
    /// Server: pick one of the client's offers for this extension and return
    /// the response parameters, or `None` to decline.
    fn respond(&mut self, offers: &[&ExtensionSpec]) -> Option<Vec<(String, ParamValue)>>;
    /// Transforms an incoming message (after reassembly).
    fn incoming(&mut self, msg: &mut ExtMessage, max_length: u64) -> Result<(), Error>;
    /// Transforms an outgoing message (before framing).
    fn outgoing(&mut self, msg: &mut ExtMessage) -> Result<(), Error>;
}

/// The registered extensions of one driver and which of them are active.
/// Two words and a pointer that stays NULL without extensions: every
/// connection carries this.
#[derive(Default)]
pub struct Extensions {
    list: Option<Box<Registry>>,
    /// RSV bits owned by active extensions.
    owned_rsv: u8,
    /// Whether any extension is active (checked for every message).
    any_active: bool,
}

#[derive(Default)]
struct Registry {
    registered: Vec<Box<dyn Extension>>,
    /// Indices into `registered`, in negotiated order.
    active: Vec<usize>,
    /// Client: which registered extensions made an offer (bit per index;
    /// indices past 63 count as offered).
    offered: u64,
}

impl Extensions {
    pub fn add(&mut self, ext: Box<dyn Extension>) {
        self.list.get_or_insert_default().registered.push(ext);
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_none()
    }

    /// True when every set RSV bit belongs to an active extension.
    #[inline]
    pub fn valid_rsv(&self, rsv: u8) -> bool {
        rsv & !self.owned_rsv == 0
    }

    #[inline]
    pub fn any_active(&self) -> bool {
        self.any_active
    }

    /// Client: the `Sec-WebSocket-Extensions` offer, if any extension is registered.
    pub fn generate_offer(&mut self) -> Option<String> {
        let r = self.list.as_deref_mut()?;
        let mut offers = Vec::new();
        for (i, e) in r.registered.iter_mut().enumerate() {
            let made = e.offer();
            if !made.is_empty() {
                r.offered |= 1u64.checked_shl(i as u32).unwrap_or(0);
            }
            let name = e.name().to_owned();
            offers.extend(made.into_iter().map(|params| {
                ExtensionSpec {
                    name: name.clone(),
                    params,
                }
                .to_header()
            }));
        }
        (!offers.is_empty()).then(|| offers.join(", "))
    }

    /// Client: activates what the server's response header accepted.
    /// Errors carry the websocket-extensions texts (node's spelling).
    pub fn activate(&mut self, header: Option<&str>) -> Result<(), String> {
        let Some(header) = header else { return Ok(()) };
        let specs = parse_header(header)?;
        let mut none = Registry::default();
        let r = self.list.as_deref_mut().unwrap_or(&mut none);
        // Which active extension owns each RSV bit, by bit index (RSV1..3).
        let mut owners: [Option<usize>; 3] = [None; 3];
        for spec in &specs {
            let offered = |i: &usize| i >= &64 || r.offered & (1 << i) != 0;
            let named = |i: &usize| r.registered[*i].name() == spec.name;
            let Some(i) = (0..r.registered.len()).find(|i| named(i) && offered(i)) else {
                return Err(format!(
                    "Server sent an extension response for unknown extension \"{}\"",
                    spec.name
                ));
            };
            let bits = r.registered[i].rsv_bits();
            for (n, owner) in owners.iter().enumerate() {
                let bit = crate::frame::RSV1 >> n;
                if let (true, Some(prev)) = (bits & bit != 0, owner) {
                    return Err(format!(
                        "Server sent two extension responses that use the RSV{} bit: \"{}\" and \"{}\"",
                        n + 1,
                        r.registered[*prev].name(),
                        spec.name
                    ));
                }
            }
            r.registered[i].activate(spec).map_err(|_| {
                format!(
                    "Server sent unacceptable extension parameters: {}",
                    spec.to_header()
                )
            })?;
            for (n, owner) in owners.iter_mut().enumerate() {
                if bits & (crate::frame::RSV1 >> n) != 0 {
                    *owner = Some(i);
                }
            }
            self.owned_rsv |= bits;
            r.active.push(i);
            self.any_active = true;
        }
        Ok(())
    }

    /// Server: parses the client's offers and returns the response header
    /// for the extensions we accept. `Err` for a malformed header.
    pub fn generate_response(&mut self, header: Option<&str>) -> Result<Option<String>, String> {
        let specs = match header {
            Some(h) => parse_header(h)?,
            None => return Ok(None),
        };
        let Some(r) = self.list.as_deref_mut() else {
            return Ok(None);
        };
        let mut accepted = Vec::new();
        let mut used_rsv = 0u8;
        for (i, ext) in r.registered.iter_mut().enumerate() {
            let offers: Vec<&ExtensionSpec> =
                specs.iter().filter(|s| s.name == ext.name()).collect();
            if offers.is_empty() || used_rsv & ext.rsv_bits() != 0 {
                continue;
            }
            if let Some(params) = ext.respond(&offers) {
                used_rsv |= ext.rsv_bits();
                r.active.push(i);
                accepted.push(
                    ExtensionSpec {
                        name: ext.name().to_owned(),
                        params,
                    }
                    .to_header(),
                );
            }
        }
        self.owned_rsv = used_rsv;
        self.any_active = !r.active.is_empty();
        Ok((!accepted.is_empty()).then(|| accepted.join(", ")))
    }

    /// Runs an incoming message through the active extensions, last first.
    /// No extension's output may be longer than `max_length` (the limit
    /// holds after extensions, whatever they are), and each may change
    /// only its own RSV bits.
    pub fn incoming(&mut self, msg: &mut ExtMessage, max_length: u64) -> Result<(), Error> {
        if let Some(r) = self.list.as_deref_mut() {
            for &i in r.active.iter().rev() {
                let ext = &mut r.registered[i];
                let rsv = msg.rsv;
                ext.incoming(msg, max_length)?;
                msg.rsv = own_bits_only(rsv, msg.rsv, ext.rsv_bits());
                if msg.data.len() as u64 > max_length {
                    return Err(Error::new(
                        ErrorKind::TooLarge,
                        "WebSocket message length too large after extensions",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Runs an outgoing message through the active extensions, first first;
    /// each may change only its own RSV bits.
    pub fn outgoing(&mut self, msg: &mut ExtMessage) -> Result<(), Error> {
        if let Some(r) = self.list.as_deref_mut() {
            for &i in &r.active {
                let ext = &mut r.registered[i];
                let rsv = msg.rsv;
                ext.outgoing(msg)?;
                msg.rsv = own_bits_only(rsv, msg.rsv, ext.rsv_bits());
            }
        }
        Ok(())
    }
}

/// RSV bits after an extension ran: its own bits as it left them, the
/// others as they were (an extension setting a bit it does not own would
/// put frames on the wire that the peer must fail).
fn own_bits_only(before: u8, after: u8, own: u8) -> u8 {
    (before & !own) | (after & own)
}
