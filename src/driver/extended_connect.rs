//! The extended CONNECT mode (RFC 8441 over HTTP/2, RFC 9220 over HTTP/3)
//! as `Driver` methods: creating a server for an already parsed stream
//! request or a client, answering or building the request as header
//! fields, and taking the client's response. After the handshake the
//! driver frames the stream's DATA exactly as it frames a TCP connection.

use super::{ClientSide, Driver, Proto, Req, ServerSide, Side};
use crate::error::{CommandError, Error};
use crate::event::ReadyState;
use crate::extended_connect::{self as xc, AsField, Field, Pseudo};
use crate::headers::Headers;
use crate::http::{Request, Response};
use crate::hybi::Hybi;
use crate::options::Options;
use crate::server;
use crate::url::Url;

/// What a driver in this mode keeps, boxed in its side.
#[derive(Default)]
pub(crate) struct Mode {
    /// Server: the request's pseudo-header fields.
    pseudo: Pseudo,
    /// The fields for the host to send, once `start` made them: a server's
    /// answer (`:status` first), a client's request.
    fields: Option<Vec<Field>>,
}

impl Mode {
    /// Server: the URL the request was made to, from its pseudo-headers.
    pub(super) fn request_url(&self) -> String {
        xc::request_url(&self.pseudo)
    }
}

impl Driver {
    /// A server for one h2/h3 stream whose request the host's HTTP stack
    /// has parsed: `fields` are its header fields in order, pseudo-headers
    /// first (`:method`, `:protocol`, `:scheme`, `:authority`, `:path`).
    /// Nothing is checked yet: register extensions and headers, then
    /// [`start`](Self::start) validates the request and makes the answer
    /// ([`handshake_fields`](Self::handshake_fields)). Stream DATA goes to
    /// [`parse`](Self::parse); `Write` actions are DATA to send on the stream.
    pub fn extended_connect_server(
        fields: impl IntoIterator<Item = impl AsField>,
        opts: Options,
    ) -> Driver {
        let (pseudo, headers) = xc::split_request(fields, opts.max_headers, opts.max_head_size);
        let request = Request {
            method: pseudo.method.clone().unwrap_or_default(),
            target: pseudo.path.clone().unwrap_or_default(),
            headers,
        };
        let side = ServerSide {
            req: Req::Parsed(request),
            early: None,
            url: None,
            connect: Some(Box::new(Mode {
                pseudo,
                fields: None,
            })),
        };
        let max = opts.max_length;
        let masking = opts.masking.unwrap_or(false);
        let require = opts.require_masking.unwrap_or(true);
        let mut d = Driver::new(opts, Side::Server(Box::new(side)), None);
        d.version = Some("hybi-13");
        d.proto = Proto::Hybi(Box::new(Hybi::new(masking, require, max)));
        d
    }

    /// A client that opens `url` (`wss://` maps to `:scheme https`) as an
    /// extended CONNECT stream on the host's h2/h3 connection (whose server
    /// must have sent `SETTINGS_ENABLE_CONNECT_PROTOCOL`). After
    /// [`start`](Self::start), [`handshake_fields`](Self::handshake_fields)
    /// holds the request's fields; give the response's fields to
    /// [`receive_response`](Self::receive_response).
    pub fn extended_connect_client(url: &str, opts: Options) -> Result<Driver, Error> {
        let mut d = Driver::client(url, opts)?;
        if let Side::Client(c) = &mut d.side {
            c.connect = Some(Box::default());
        }
        Ok(d)
    }

    /// Whether this driver was created for an extended CONNECT stream.
    pub fn is_extended_connect(&self) -> bool {
        match &self.side {
            Side::Server(s) => s.connect.is_some(),
            Side::Client(c) => c.connect.is_some(),
        }
    }

    /// Extended CONNECT mode, after [`start`](Self::start): the header
    /// fields for the host to send. A server's answer starts with
    /// `:status` (200, or the 4xx of a refused request); a client's request
    /// with its pseudo-headers. `None` before `start` and in other modes.
    pub fn handshake_fields(&self) -> Option<&[Field]> {
        let mode = match &self.side {
            Side::Server(s) => s.connect.as_deref(),
            Side::Client(c) => c.connect.as_deref(),
        };
        mode?.fields.as_deref()
    }

    /// Extended CONNECT client: the response's header fields (`:status`
    /// included) arrived. Opens the connection on a 2xx with an acceptable
    /// subprotocol and extensions, and returns true; otherwise emits
    /// `error` and `close` and returns false. False without events when
    /// not waiting for a response (not this mode, not started, answered).
    pub fn receive_response(&mut self, fields: impl IntoIterator<Item = impl AsField>) -> bool {
        let Side::Client(c) = &mut self.side else {
            return false;
        };
        if c.connect.is_none()
            || !self.started
            || c.response.is_some()
            || self.io.state != ReadyState::Connecting
        {
            return false;
        }
        let (status, headers) = xc::split_response(fields);
        let verdict = xc::check_response(status, &headers, &self.opts.protocols, &mut self.ext);
        c.response = Some(Box::new(Response {
            status: status.unwrap_or(0),
            reason: String::new(),
            headers,
        }));
        match verdict {
            Ok(protocol) => {
                self.protocol = protocol.map(Into::into);
                self.open();
                true
            }
            Err(message) => {
                self.fail_client(&message);
                false
            }
        }
    }

    /// `start` in this mode; `started` is already set.
    pub(super) fn start_extended(&mut self) -> Result<(), CommandError> {
        match &mut self.side {
            Side::Client(c) => {
                let url =
                    Url::parse(&c.handshake.url, &["ws", "wss"]).expect("checked at creation");
                let headers = c
                    .handshake
                    .headers(&self.opts.protocols, self.opts.client_key.as_deref())
                    .clone();
                let fields = xc::request_fields(&url, &headers, self.ext.generate_offer());
                if let Some(mode) = &mut c.connect {
                    mode.fields = Some(fields);
                }
                Ok(())
            }
            Side::Server(s) => {
                let (Some(mode), Some(req)) = (s.connect.as_deref_mut(), s.req.request()) else {
                    return Err(CommandError::AlreadyStarted);
                };
                let verdict = xc::check_request(&mode.pseudo, &req.headers).and_then(|()| {
                    self.ext
                        .generate_response(req.headers.get("sec-websocket-extensions"))
                        .map_err(|m| xc::Refusal {
                            status: 400,
                            message: m,
                        })
                });
                match verdict {
                    Ok(extensions) => {
                        self.protocol =
                            server::select_protocol(req, &self.opts.protocols).map(Into::into);
                        let custom = super::handshake::custom_headers(&self.custom);
                        mode.fields = Some(xc::accept_fields(
                            custom,
                            self.protocol.as_deref(),
                            extensions.as_deref(),
                        ));
                        // DATA that arrived before the answer is the first frames.
                        let early = s.take_body();
                        self.open();
                        self.put_front(early);
                        Ok(())
                    }
                    Err(refusal) => {
                        mode.fields = Some(refusal.fields());
                        self.fail_handshake(Error::protocol(refusal.message));
                        Err(CommandError::RequestRefused)
                    }
                }
            }
        }
    }

    /// `reject` in this mode: the answer becomes `:status` and `headers`
    /// as fields. False in other modes.
    pub(super) fn extended_reject(&mut self, status: u16, headers: &Headers) -> bool {
        let Side::Server(s) = &mut self.side else {
            return false;
        };
        let Some(mode) = s.connect.as_deref_mut() else {
            return false;
        };
        mode.fields = Some(xc::answer_fields(status, headers));
        true
    }

    /// Extended CONNECT client before its response: stream DATA cannot
    /// come before the response HEADERS, so bytes here are a failure.
    pub(super) fn data_before_response(&mut self, input: &[u8]) -> usize {
        self.fail_client("Stream data before the response");
        input.len()
    }
}

impl ClientSide {
    pub(super) fn is_extended(&self) -> bool {
        self.connect.is_some()
    }
}
