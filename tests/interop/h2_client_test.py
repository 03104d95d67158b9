"""A second, independent peer for WebSockets over HTTP/2 (RFC 8441).

HTTP/2 from the `h2` package, WebSocket framing and permessage-deflate from
`wsproto` (both python-hyper; neither written here), TLS from the standard
library. Against examples/h2 (h2_server):

  python h2_client_test.py PORT NO_SETTING_PORT

1. the server's SETTINGS carry ENABLE_CONNECT_PROTOCOL = 1;
2. an extended CONNECT stream (permessage-deflate offered) gets 200 and
   permessage-deflate, then echoes the size matrix (text with multi-byte
   UTF-8 and binary, 0 B .. 16 MiB) byte for byte, then close 4000 "bye"
   is echoed and the server ends the stream;
3. on the same connection, a second WebSocket stream and a GET /stats run
   side by side: /stats counts this client's streams as h2 WebSockets;
4. bad requests get what the RFCs name: a plain CONNECT (no :protocol)
   400 from the driver, sec-websocket-version 8 426 with
   `sec-websocket-version: 13`, CONNECT with :scheme/:path but no
   :protocol RST_STREAM PROTOCOL_ERROR (RFC 9113 §8.5), and, on the server
   started without the setting, :protocol RST_STREAM PROTOCOL_ERROR
   (RFC 8441 §3).

Prints "PASS name" / "FAIL name: why" lines; exits non-zero on failure.
"""

import json
import os
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.settings
from h2.errors import ErrorCodes
from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, TextMessage
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import CloseReason

SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20]
UNIT = "aé€😀"  # 1 + 2 + 3 + 4 bytes of UTF-8
DEADLINE = time.monotonic() + 150

passed = failed = 0


def check(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"PASS h2-python {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL h2-python {name}: {why}", flush=True)
    return cond


def text_of(n):
    s = "x" * (n % 10) + UNIT * (n // 10)
    assert len(s.encode()) == n
    return s


def size_name(n):
    return f"{n >> 20}MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else str(n)


class H2:
    """One TLS + HTTP/2 client connection; events are kept per stream."""

    def __init__(self, port, validate=True):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the example's self-signed certificate
        ctx.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.alpn = self.sock.selected_alpn_protocol()
        config = h2.config.H2Configuration(
            client_side=True,
            validate_outbound_headers=validate,
            normalize_outbound_headers=validate,
        )
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.local_settings = h2.settings.Settings(
            client=True,
            initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 24},
        )
        self.conn.initiate_connection()
        self.conn.increment_flow_control_window(1 << 24)
        self.remote_settings = {}
        self.streams = {}  # id -> list of events
        self.closed = False
        self.settings_seen = False
        self.flush()
        while not self.settings_seen and not self.closed:
            self.pump()

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def pump(self):
        """Reads once and dispatches the events."""
        if time.monotonic() > DEADLINE:
            raise TimeoutError("deadline")
        data = self.sock.recv(1 << 20)
        if not data:
            self.closed = True
            return
        for e in self.conn.receive_data(data):
            if isinstance(e, h2.events.RemoteSettingsChanged):
                self.settings_seen = True
                for code, change in e.changed_settings.items():
                    self.remote_settings[code] = change.new_value
            elif isinstance(e, h2.events.DataReceived):
                self.conn.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
            elif isinstance(e, h2.events.ConnectionTerminated):
                self.closed = True
            sid = getattr(e, "stream_id", None)
            if sid:
                self.streams.setdefault(sid, []).append(e)
        self.flush()

    def request(self, headers, end_stream=False):
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, headers, end_stream=end_stream)
        self.flush()
        return sid

    def next_event(self, sid):
        while not self.streams.get(sid):
            if self.closed:
                return None
            self.pump()
        return self.streams[sid].pop(0)

    def send_data(self, sid, data):
        """Sends all of `data`, within the flow-control windows."""
        view = memoryview(data)
        while view:
            window = min(self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
            if window <= 0:
                self.pump()
                continue
            self.conn.send_data(sid, bytes(view[:window]))
            view = view[window:]
            self.flush()

    def response(self, sid):
        """Waits for the response HEADERS (or a reset): (status, headers) or ("reset", code)."""
        while True:
            e = self.next_event(sid)
            if e is None:
                return ("closed", None)
            if isinstance(e, h2.events.ResponseReceived):
                headers = {k.decode(): v.decode() for k, v in e.headers}
                return (int(headers.pop(":status")), headers)
            if isinstance(e, h2.events.StreamReset):
                return ("reset", e.error_code)


def ws_request(path, extra=(), version="13"):
    return [
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "https"),
        (":authority", "127.0.0.1"),
        (":path", path),
        ("sec-websocket-version", version),
        *extra,
    ]


class WsStream:
    """A WebSocket on one extended CONNECT stream: wsproto over h2 DATA."""

    def __init__(self, h, path, deflate=True):
        self.h = h
        extra = [("sec-websocket-extensions", "permessage-deflate; client_max_window_bits")] if deflate else []
        self.sid = h.request(ws_request(path, extra))
        self.status, self.headers = h.response(self.sid)
        self.pmd = PerMessageDeflate()
        ext = self.headers.get("sec-websocket-extensions", "") if isinstance(self.headers, dict) else ""
        extensions = []
        if "permessage-deflate" in ext:
            self.pmd.finalize(ext)
            extensions = [self.pmd]
        self.ws = Connection(ConnectionType.CLIENT, extensions=extensions)
        self.ended = False

    def send(self, event):
        self.h.send_data(self.sid, self.ws.send(event))

    def next(self):
        """The next wsproto event, reading DATA as needed; None at stream end."""
        while True:
            for e in self.ws.events():
                return e
            if self.ended:
                return None
            e = self.h.next_event(self.sid)
            open_ = self.ws.state != ConnectionState.CLOSED
            if isinstance(e, h2.events.DataReceived) and e.data and open_:
                self.ws.receive_data(e.data)
            elif e is None or isinstance(e, (h2.events.StreamReset, h2.events.StreamEnded)):
                self.ended = True
                if open_:
                    self.ws.receive_data(None)  # the stream ended: like a TCP FIN

    def message(self):
        """One whole message (str or bytes), or the close event."""
        parts, kind = [], None
        while True:
            e = self.next()
            if e is None or isinstance(e, CloseConnection):
                return e
            if isinstance(e, (TextMessage, BytesMessage)):
                parts.append(e.data)
                kind = type(e)
                if e.message_finished:
                    return "".join(parts) if kind is TextMessage else b"".join(parts)


def main():
    port, no_setting_port = int(sys.argv[1]), int(sys.argv[2])
    h = H2(port)
    check("ALPN h2", h.alpn == "h2", f"ALPN {h.alpn!r}")
    enabled = h.remote_settings.get(h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL)
    check("server SETTINGS_ENABLE_CONNECT_PROTOCOL = 1", enabled == 1, f"settings {h.remote_settings}")

    ws = WsStream(h, "/matrix")
    check("extended CONNECT answered 200", ws.status == 200, f"{ws.status} {ws.headers}")
    ext = ws.headers.get("sec-websocket-extensions") if isinstance(ws.headers, dict) else None
    check("permessage-deflate negotiated", ext and ext.startswith("permessage-deflate"), f"extensions {ext!r}")
    check("no Sec-WebSocket-Accept or Upgrade in the answer",
          isinstance(ws.headers, dict) and not {"sec-websocket-accept", "upgrade", "connection"} & set(ws.headers),
          f"{ws.headers}")

    t0 = time.monotonic()
    for n in SIZES:
        for kind in ("text", "binary"):
            name = f"{kind} {size_name(n)}"
            payload = text_of(n) if kind == "text" else os.urandom(n)
            ws.send(TextMessage(payload) if kind == "text" else BytesMessage(payload))
            got = ws.message()
            check(name, got == payload, f"got {type(got).__name__} of length {len(got) if got else 0}")
    print(f"  h2-python: matrix took {time.monotonic() - t0:.1f}s", flush=True)

    # A second WebSocket and a plain GET share the connection meanwhile.
    other = WsStream(h, "/second", deflate=False)
    other.send(TextMessage("side by side"))
    stats_sid = h.request([(":method", "GET"), (":scheme", "https"), (":authority", "127.0.0.1"),
                           (":path", "/stats")], end_stream=True)
    check("second stream echoes on the same connection", other.message() == "side by side")
    status, _ = h.response(stats_sid)
    body = b""
    while True:
        e = h.next_event(stats_sid)
        if e is None or isinstance(e, h2.events.StreamEnded):
            break
        if isinstance(e, h2.events.DataReceived):
            body += e.data
    stats = json.loads(body or b"{}")
    print(f"  h2-python: /stats {json.dumps(stats.get('websockets'))}", flush=True)
    check("/stats counts these streams as h2 WebSockets",
          status == 200 and stats.get("websockets", {}).get("h2", 0) >= 2, f"{status} {stats}")
    other.send(CloseConnection(1000))
    check("second stream closes 1000", isinstance(other.message(), CloseConnection))

    ws.send(CloseConnection(4000, "bye"))
    e = ws.message()
    check("close 4000 'bye' echoed", isinstance(e, CloseConnection) and e.code == 4000 and e.reason == "bye", f"{e}")
    while not ws.ended:
        ws.next()
    check("server ends the stream after the closing handshake", ws.ended)

    # ---- bad requests
    bad = H2(port, validate=False)
    status, headers = bad.response(bad.request([(":method", "CONNECT"), (":authority", "127.0.0.1:1")]))
    check("plain CONNECT (no :protocol) gets 400 from the driver", status == 400, f"{status} {headers}")
    status, headers = bad.response(bad.request(ws_request("/", version="8")))
    check("sec-websocket-version 8 gets 426 naming 13",
          status == 426 and headers.get("sec-websocket-version") == "13", f"{status} {headers}")
    no_proto = [f for f in ws_request("/") if f[0] != ":protocol"]
    status, code = bad.response(bad.request(no_proto))
    check("CONNECT with :scheme and :path but no :protocol is reset PROTOCOL_ERROR",
          status == "reset" and code == ErrorCodes.PROTOCOL_ERROR, f"{status} {code}")

    off = H2(no_setting_port, validate=False)
    enabled = off.remote_settings.get(h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL)
    check("server without the setting does not advertise it", not enabled, f"settings {off.remote_settings}")
    status, code = off.response(off.request(ws_request("/")))
    check(":protocol without the setting is reset PROTOCOL_ERROR (RFC 8441 §3)",
          status == "reset" and code == ErrorCodes.PROTOCOL_ERROR, f"{status} {code}")

    print(f"h2-python: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a crash is one failure, with its reason
        import traceback

        traceback.print_exc()
        print(f"FAIL h2-python run: {e!r}", flush=True)
        sys.exit(1)
