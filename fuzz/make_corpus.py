#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from the test vectors
of tests/common and tests/core_*.rs, in each harness's input layout (see
fuzz/src/harness/). Run from anywhere; rewrites only seed-* files."""
import os, struct, base64, hashlib

HERE = os.path.dirname(os.path.abspath(__file__))
MASK = bytes([0x37, 0xFA, 0x21, 0x3D])

def frame(b0, payload, mask=MASK):
    n = len(payload)
    m = 0x80 if mask is not None else 0
    if n < 126: h = bytes([b0, m | n])
    elif n < 65536: h = bytes([b0, m | 126]) + struct.pack(">H", n)
    else: h = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask is None: return h + payload
    return h + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

def close(code, reason=b"", mask=MASK):
    return frame(0x88, struct.pack(">H", code) + reason, mask)

def zero(b0, payload):  # mask key 00000000: payload readable by the fuzzer
    return frame(b0, payload, bytes(4))

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
REQ = ("GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % KEY).encode()
H75 = b"GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: example.com:8080\r\nOrigin: http://example.com\r\n\r\n"
def accept(k):
    return base64.b64encode(hashlib.sha1((k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
RESP = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: %s\r\n\r\n" % accept("AQIDBAUGBwgJCgsMDQ4PEA==")).encode()
DEFLATED_HELLO = bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])  # RFC 7692 7.2.3.1

seeds = {
 "server": {
  "hybi-text": bytes([0, 0, 0, 1]) + frame(0x81, b"Hello"),
  "hybi-fragments": bytes([0, 0, 0, 2]) + frame(0x01, b"Hel") + frame(0x89, b"ping") + frame(0x80, b"lo"),
  "hybi-binary-126": bytes([0, 0, 2, 3]) + zero(0x82, bytes(range(256)) * 2),
  "hybi-len127": bytes([0, 6, 0, 4]) + bytes([0x82, 0xFF]) + struct.pack(">Q", 65536) + bytes(4) + b"x" * 64,
  "hybi-close": bytes([0, 0, 0, 5]) + close(1000, b"bye"),
  "hybi-close-bad-code": bytes([0, 0, 0, 6]) + close(999),
  "hybi-bad-utf8": bytes([0, 0, 0, 7]) + zero(0x81, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"),
  "hybi-unmasked": bytes([0, 0, 0, 8]) + frame(0x81, b"Hello", None),
  "hybi-rsv": bytes([0, 0, 0, 9]) + zero(0xF1, b"x"),
  "hybi-bad-opcode": bytes([0, 0, 0, 10]) + zero(0x83, b"x"),
  "hybi-long-ping": bytes([0, 0, 0, 11]) + zero(0x89, b"p" * 126),
  "hybi-too-long": bytes([0, 2, 0, 12]) + zero(0x82, b"z" * 17),
  "hybi-deflate": bytes([0x81, 0, 2, 13]) + zero(0xC1, DEFLATED_HELLO),
  "hybi-echo-close": bytes([0, 0, 6, 14]) + zero(0x81, b"echo") + close(1001),
  "hixie75": bytes([2, 0, 0, 15]) + b"\x00Hello\xff\x80\x05abcde\x00\xce\xba\xff",
  "hixie76": bytes([3, 0, 0, 16]) + b"\x00Hello\xff\xff\x00",
  "hixie76-long-len": bytes([3, 3, 0, 17]) + b"\x80\x81\x82\x83\x84\x85\x86\x87\x88\x09",
  "raw-request": bytes([4, 0, 0, 18]) + REQ + frame(0x81, b"x"),
  "raw-bad-request": bytes([4, 0, 0, 19]) + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
  "raw-version8": bytes([4, 0, 0, 20]) + REQ.replace(b"Version: 13", b"Version: 8"),
  "raw-garbage": bytes([4, 8, 0, 21]) + b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
  "eof-mid-frame": bytes([0, 0, 0x10, 22]) + frame(0x81, b"Hello")[:4],
 },
 "client": {
  "text": bytes([0, 0, 0, 1]) + frame(0x81, b"Hello", None),
  "ping-close": bytes([0, 0, 0, 2]) + frame(0x89, b"hi", None) + close(1000, b"", None),
  "masked-from-server": bytes([0, 0x20, 0, 3]) + frame(0x81, b"Hello"),
  "protocol": bytes([0x11, 0, 0, 4]) + frame(0x82, b"\x00\x01", None),
  "deflate": bytes([0x82, 0, 0, 5]) + frame(0xC1, DEFLATED_HELLO, None),
  "raw-400": bytes([3, 0, 0, 6]) + b"HTTP/1.1 400 Bad Request\r\n\r\n",
  "raw-bad-accept": bytes([3, 0, 0, 7]) + RESP.replace(b"Accept: ", b"Accept: x"),
  "raw-ok": bytes([3, 0, 0, 8]) + RESP + frame(0x81, b"a", None),
  "fragmented": bytes([0, 0, 2, 9]) + frame(0x01, b"a", None) + frame(0x80, b"b", None),
  "queued": bytes([0x20, 0, 0, 10]) + frame(0x8A, b"p", None),
 },
 "proxy": {
  "ok": bytes([0, 1]) + b"HTTP/1.1 200 Connection established\r\n\r\n" + RESP + frame(0x81, b"hi", None),
  "auth": bytes([0x80, 2]) + b"HTTP/1.1 200 OK\r\nProxy-Agent: x\r\n\r\n",
  "refused": bytes([0, 3]) + b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n",
  "garbage": bytes([0, 4]) + b"SSH-2.0-OpenSSH\r\n\r\n",
  "big-head": bytes([8, 5]) + b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 60 + b"\r\n",
 },
 "inflate": {
  # cfg, server cfg, client cfg, seed, then ops [head, len, payload]
  "hello": bytes([0, 6, 6, 1]) + bytes([0x10, 5]) + b"Hello",
  "fragmented": bytes([0, 6, 6, 2]) + bytes([0x90, 3]) + b"Hel" + bytes([0x01, 2]) + b"lo",
  "raw-rsv1": bytes([0, 6, 6, 3]) + bytes([0x11, 7]) + DEFLATED_HELLO,
  "uncompressed": bytes([0, 6, 6, 4]) + bytes([0x12, 5]) + b"plain",
  "e2e": bytes([0, 6, 6, 5]) + bytes([0x04, 11]) + b"hello hello" + bytes([0x05, 4]) + b"\x00\x01\x02\x03",
  "e2e-no-takeover": bytes([0, 0x36, 0x36, 6]) + bytes([0x04, 5]) + b"aaaaa" + bytes([0x04, 5]) + b"aaaaa",
  "bomb-small-max": bytes([2, 6, 6, 7]) + bytes([0x18, 8]) + b"\x00" * 512,
  "windows": bytes([5, 0xC9, 0xC9, 8]) + bytes([0x10, 20]) + b"abcabcabcabcabcabcab",
  "ping-compressed": bytes([0, 6, 6, 9]) + bytes([0x40, 1]) + b"p",
 },
 "ffi": {
  # kind, callbacks, ops
  "server-all-cbs": bytes([0, 0x7F]) + bytes([0, 255, 0, 255, 6, 2]) + b"hi" + bytes([11, 3, 232, 0]),
  "server-pull": bytes([0, 0]) + bytes([0, 255, 0, 255, 19, 6, 1]) + b"x" + bytes([19, 12, 19]),
  "hixie76": bytes([1, 0x7F]) + bytes([0, 255, 0, 255, 0, 20]) + b"\x00Hello\xff\xff\x00",
  "client": bytes([2, 0x7F]) + bytes([13, 0, 255, 0, 255, 0, 8]) + frame(0x81, b"Hello", None)[:9] + bytes([8, 1]) + b"x",
  "rack": bytes([3, 0x7F]) + bytes([13, 6, 2]) + b"yo" + bytes([5, 100, 15, 18]),
  "reentrant-free": bytes([0, 0x7F]) + bytes([0, 255, 0, 255]) + bytes([8] * 8),
  "reentrant-parse": bytes([0, 0x7F]) + bytes([0, 255, 0, 255, 0, 10]) + frame(0x81, b"abc")[:11] + bytes([7, 9, 7, 4]),
  "proxy": bytes([2, 0]) + bytes([17, 40]) + b"HTTP/1.1 200 OK\r\n\r\n" + b"\x00" * 21,
  # 0x80: a callback extension whose callbacks make random calls (frees included).
  "ext-server": bytes([0, 0xFF]) + bytes([13, 0, 255, 0, 255, 0, 10]) + frame(0x81, b"abc")[:11] + bytes([6, 2]) + b"hi" + bytes([4, 7, 3, 6, 10, 5]),
  "ext-client": bytes([2, 0xFF]) + bytes([13, 0, 255, 0, 255, 0, 8]) + frame(0x81, b"Hello", None)[:9] + bytes([6, 1]) + b"x" + bytes([3, 4, 6]),
  "ext-free": bytes([0, 0xFF]) + bytes([0, 255, 0, 255, 0, 10]) + frame(0x81, b"abc")[:11] + bytes([18, 4, 6, 4]),
  "ext-hixie": bytes([1, 0xFF]) + bytes([0, 255, 18]) + bytes([6, 7, 4]),
 },
}

for target, files in seeds.items():
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)
print("wrote", sum(len(v) for v in seeds.values()), "seeds")
