#!/usr/bin/env python3
"""Sans-I/O throughput: wsdriver against websockets and wsproto, interleaved.

    python bench_sansio.py [--rounds 9] [--sizes 16,125,1024,16384,65536,1048576]
                           [--bytes 4194304] [--max-count 20000] [--clock cpu|wall]

Two directions, binary messages, in one process:

- encode: a server sends messages (unmasked frames); every byte the library
  hands out is copied into a host buffer (the sink).
- parse: a server receives a client's masked frames, fed in 64 KiB reads;
  every message's payload is copied into the sink.

Each library gets its own server object, opened by a real handshake
(websockets' ServerProtocol, wsproto's Connection, wsdriver's Driver). In
each round every (direction, size) cell runs every library once, in an
order that rotates from round to round; each run handles the same fixed
message count (about --bytes per run, at most --max-count messages). The
table has the medians of the rounds in messages per second and wsdriver's
ratio to each. Times are the process's CPU time by default (--clock cpu:
on a shared machine, time spent waiting for a core is not counted; page
faults are), or wall-clock time (--clock wall). Bounded: counts are fixed,
nothing touches the network.
"""

import argparse
import os
import statistics
import sys
import time

import websockets
import wsproto
from websockets.frames import Opcode
from websockets.server import ServerProtocol
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage

import wsdriver
from wsdriver import Driver

#: The clock every cell reads (set from --clock in main()).
clock = time.process_time

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
REQUEST = (
    "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % KEY
).encode()
READ = 1 << 16


class Sink:
    """The host's buffer: every chunk a library hands out is copied into
    it (warm memory, reused, so no contender pays page faults). Through a
    memoryview: one copy, as a socket's send makes (a bytearray slice
    assignment would first copy a bytes chunk into a temporary bytearray)."""

    __slots__ = ("buf", "view", "pos")

    def __init__(self, size=16 << 20):
        self.buf = bytearray(size)
        self.view = memoryview(self.buf)
        self.pos = 0

    def __iadd__(self, chunk):
        n = len(chunk)
        p = self.pos
        if p + n > len(self.buf):
            p = 0
        self.view[p : p + n] = chunk
        self.pos = p + n
        return self

    extend = __iadd__


def masked_frame(payload, mask=b"\x12\x34\x56\x78"):
    """A client's binary frame (what the parse cells feed)."""
    n = len(payload)
    if n < 126:
        head = bytes([0x82, 0x80 | n])
    elif n < 1 << 16:
        head = bytes([0x82, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x82, 0x80 | 127]) + n.to_bytes(8, "big")
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    body = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big") if n else b""
    return head + mask + body


# -- opened servers, one per library -------------------------------------------


def open_websockets():
    p = ServerProtocol(max_size=None)
    p.receive_data(REQUEST)
    (request,) = p.events_received()
    p.send_response(p.accept(request))
    p.data_to_send()
    return p


def open_wsproto():
    return Connection(ConnectionType.SERVER)


def open_wsdriver(sink):
    d = Driver.server()
    d.on("connect", lambda ev: d.start())
    d.parse(REQUEST)
    d.take_output()
    d.on("write", sink.extend)
    return d


# -- the cells -------------------------------------------------------------------


def encode_websockets(payload, count, sink):
    p = open_websockets()
    t = clock()
    for _ in range(count):
        p.send_binary(payload)
        for chunk in p.data_to_send():
            sink += chunk
    return clock() - t


def encode_wsproto(payload, count, sink):
    c = open_wsproto()
    t = clock()
    for _ in range(count):
        sink += c.send(BytesMessage(data=payload))
    return clock() - t


def encode_wsdriver(payload, count, sink):
    d = open_wsdriver(sink)
    binary = d.binary
    t = clock()
    for _ in range(count):
        binary(payload)
    return clock() - t


def parse_websockets(reads, count, sink):
    p = open_websockets()
    got = 0
    t = clock()
    for chunk in reads:
        p.receive_data(chunk)
        for frame in p.events_received():
            sink += frame.data
            got += frame.opcode is Opcode.BINARY
    elapsed = clock() - t
    assert got == count, (got, count)
    return elapsed


def parse_wsproto(reads, count, sink):
    c = open_wsproto()
    got = 0
    t = clock()
    for chunk in reads:
        c.receive_data(chunk)
        for ev in c.events():
            if ev.__class__ is BytesMessage:
                sink += ev.data
                got += ev.message_finished
    elapsed = clock() - t
    assert got == count, (got, count)
    return elapsed


def parse_wsdriver(reads, count, sink):
    d = open_wsdriver(Sink(1 << 16))
    got = [0]

    def on_message(ev):
        sink.extend(ev.data)
        got[0] += 1

    d.on("message", on_message)
    parse = d.parse
    t = clock()
    for chunk in reads:
        parse(chunk)
    elapsed = clock() - t
    assert got[0] == count, (got[0], count)
    return elapsed


LIBS = ("wsdriver", "websockets", "wsproto")
CELLS = {
    "encode": {"wsdriver": encode_wsdriver, "websockets": encode_websockets, "wsproto": encode_wsproto},
    "parse": {"wsdriver": parse_wsdriver, "websockets": parse_websockets, "wsproto": parse_wsproto},
}


def human(n):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return "%d %s" % (n // scale, unit)
    return "%d B" % n


def rate(x):
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    if x >= 1e3:
        return "%.1fk" % (x / 1e3)
    return "%.0f" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--sizes", default="16,125,1024,16384,65536,1048576")
    ap.add_argument("--bytes", type=int, default=4 << 20, help="payload bytes per run (about)")
    ap.add_argument("--max-count", type=int, default=20000, help="messages per run at most")
    ap.add_argument("--directions", default="encode,parse")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    args = ap.parse_args()
    global clock
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    sizes = [int(s) for s in args.sizes.split(",")]
    directions = args.directions.split(",")

    inputs = {}
    for size in sizes:
        count = max(4, min(args.max_count, args.bytes // size))
        payload = os.urandom(size)
        wire = masked_frame(payload) * count
        reads = [wire[i : i + READ] for i in range(0, len(wire), READ)]
        inputs[size] = (count, payload, reads)

    times = {(d, s, lib): [] for d in directions for s in sizes for lib in LIBS}
    sink = Sink()
    t0 = time.time()
    for r in range(args.rounds):
        order = LIBS[r % 3 :] + LIBS[: r % 3]
        for direction in directions:
            for size in sizes:
                count, payload, reads = inputs[size]
                for lib in order:
                    sink.pos = 0
                    arg = payload if direction == "encode" else reads
                    elapsed = CELLS[direction][lib](arg, count, sink)
                    times[(direction, size, lib)].append(count / elapsed)
        print("round %d/%d done (%.0f s)" % (r + 1, args.rounds, time.time() - t0), file=sys.stderr)

    print(
        "wsdriver %s (library %s, %s), websockets %s, wsproto %s, Python %s; %d rounds, medians, %s time"
        % (
            wsdriver.__version__,
            wsdriver.library_version,
            "C extension" if wsdriver.has_extension else "ctypes only",
            websockets.__version__,
            wsproto.__version__,
            sys.version.split()[0],
            args.rounds,
            "CPU" if args.clock == "cpu" else "wall-clock",
        )
    )
    print()
    print("| direction | size | wsdriver msg/s | websockets msg/s | wsproto msg/s | vs websockets | vs wsproto |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for direction in directions:
        for size in sizes:
            med = {lib: statistics.median(times[(direction, size, lib)]) for lib in LIBS}
            print(
                "| %s | %s | %s | %s | %s | %.2f× | %.2f× |"
                % (
                    direction,
                    human(size),
                    rate(med["wsdriver"]),
                    rate(med["websockets"]),
                    rate(med["wsproto"]),
                    med["wsdriver"] / med["websockets"],
                    med["wsdriver"] / med["wsproto"],
                )
            )


if __name__ == "__main__":
    main()
