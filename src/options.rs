//! Driver options, with the gem's defaults.

/// The gem's default `max_length`: 2^26 - 1, one byte short of 64 MiB.
pub const DEFAULT_MAX_LENGTH: u64 = (1 << 26) - 1;

/// Options shared by every kind of driver. Copied into the driver at creation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Largest accepted frame or message (after extensions), in bytes.
    pub max_length: u64,
    /// Subprotocols this end accepts (server) or offers (client), in order.
    pub protocols: Vec<String>,
    /// Mask outgoing frames. `None`: clients mask, servers do not.
    pub masking: Option<bool>,
    /// Reject unmasked incoming frames. `None`: servers require masking and
    /// clients reject masked frames (1002, RFC 6455 §5.1); `Some(false)`:
    /// both are accepted (the gem's client).
    pub require_masking: Option<bool>,
    /// Largest HTTP request or response head accepted, in bytes (at most
    /// 1 GiB, whatever is set).
    pub max_head_size: usize,
    /// Most header lines accepted in an HTTP head (at most 256).
    pub max_headers: usize,
    /// Most messages queued by `text`/`binary`/`ping` before the connection opens.
    pub max_queued: usize,
    /// Most pings awaiting a pong with a callback.
    pub max_pending_pings: usize,
    /// Client: the `Sec-WebSocket-Key` to send instead of a random one
    /// (hosts that generate keys themselves, such as the Ruby wrapper).
    pub client_key: Option<String>,
    /// Largest buffer capacity kept between messages; larger buffers are
    /// released after use so an idle connection stays small.
    pub retained_buffer: usize,
    /// Server: also answer the hybi drafts' `Sec-WebSocket-Version` 7 and 8
    /// (same framing as RFC 6455's 13, shipped by early browsers). Off, as
    /// in the websocket-driver gem, only 13 is answered.
    pub hybi_drafts: bool,
}

/// The defaults, in one place (the driver points here rather than keeping
/// a copy).
static DEFAULT: Options = Options {
    max_length: DEFAULT_MAX_LENGTH,
    protocols: Vec::new(),
    masking: None,
    require_masking: None,
    max_head_size: 32 * 1024,
    max_headers: 64,
    max_queued: 1024,
    max_pending_pings: 1024,
    client_key: None,
    retained_buffer: 8 * 1024,
    hybi_drafts: true,
};

impl Default for Options {
    fn default() -> Self {
        DEFAULT.clone()
    }
}

/// A driver's options: one pointer, NULL for the defaults (most
/// connections), so an idle connection does not carry a copy of them.
pub(crate) struct Kept(Option<Box<Options>>);

impl Kept {
    pub fn new(opts: Options) -> Kept {
        Kept((opts != DEFAULT).then(|| Box::new(opts)))
    }
}

impl std::ops::Deref for Kept {
    type Target = Options;

    #[inline]
    fn deref(&self) -> &Options {
        self.0.as_deref().unwrap_or(&DEFAULT)
    }
}

impl std::ops::DerefMut for Kept {
    /// A copy of the defaults is made on the first change.
    fn deref_mut(&mut self) -> &mut Options {
        self.0.get_or_insert_with(|| Box::new(DEFAULT.clone()))
    }
}
