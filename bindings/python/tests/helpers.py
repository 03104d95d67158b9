"""Shared by the driver tests: a handshake request, client frames, an
event recorder, and drivers opened in memory (no network)."""

import wsdriver
from wsdriver import Driver, State

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
REQUEST = (
    "GET /chat?room=1 HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: %s\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Origin: http://example.com\r\n"
    "\r\n" % KEY
).encode()


def frame(opcode, payload=b"", fin=True, mask=b"\x37\xfa\x21\x3d"):
    """A client-to-server (masked) frame."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        head = bytes([b0, 0x80 | n])
    elif n < 1 << 16:
        head = bytes([b0, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, 0x80 | 127]) + n.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Recorder:
    """Collects events and writes of a driver."""

    def __init__(self, driver):
        self.events = []
        self.out = bytearray()
        driver.on("write", self.out.extend)
        for t in wsdriver.EVENT_TYPES:
            driver.on(t, self.events.append)

    def take(self):
        out = bytes(self.out)
        self.out.clear()
        return out

    def types(self):
        return [e.type for e in self.events]


def open_server(**opts):
    d = Driver.server(**opts)
    rec = Recorder(d)
    d.on("connect", lambda ev: d.start())
    d.parse(REQUEST)
    assert d.state is State.OPEN
    rec.take()
    rec.events.clear()
    return d, rec


def pair(**client_opts):
    """An open client/server pair wired through memory."""
    s = Driver.server()
    c = Driver.client("ws://example.com/x", **client_opts)
    s.on("connect", lambda ev: s.start())
    c.on("write", s.parse)
    s.on("write", c.parse)
    c.start()
    assert c.state is State.OPEN and s.state is State.OPEN
    return c, s
