"""A frame-inspecting TCP relay on 127.0.0.1, for the Chromium interop test.

usage: ws_wire_tap.py [--max-seconds N] UPSTREAM_PORT OUT_JSON PORT_FILE

Listens on a free port on 127.0.0.1 (written to PORT_FILE) and relays every
connection to 127.0.0.1:UPSTREAM_PORT, forwarding the bytes both ways
unchanged (plain HTTP too, so that a browser can load the page through it and
open its WebSocket on the same origin). Beside the forwarding it reads what
goes by:
  - the HTTP head each way: request line, `Upgrade`, `Sec-WebSocket-Extensions`
    offered and accepted, the response status;
  - after a 101, the WebSocket frames each way: FIN/RSV bits, opcode, masking,
    7/16/64-bit lengths, across any split of the TCP reads. Per direction it
    counts frames per opcode, frames with RSV1 set per opcode, payload bytes
    on the wire, and per message the wire bytes and the message bytes. When
    permessage-deflate was accepted, messages with RSV1 are unmasked and
    inflated (honouring *_no_context_takeover) to learn their real size, which
    also proves the compressed stream is valid; close frames are decoded.
  - anything unexpected (an unmasked client frame, RSV1 on a control frame or
    a continuation, RSV1 without the extension, an inflate error, ...) is an
    "anomaly".
Writes a JSON summary to OUT_JSON (atomically) whenever a connection ends, and
on SIGTERM/SIGINT or after --max-seconds (default 600), then exits. One line per
connection on stdout.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time
import zlib

READ_SIZE = 256 * 1024
HEAD_LIMIT = 64 * 1024
MESSAGE_RECORDS = 256  # per direction and connection; counts go on past it
HALF_CLOSE_GRACE = 10.0  # seconds the other direction may go on after one ended

OPCODES = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}
DEFLATE_TAIL = b"\x00\x00\xff\xff"


def unmask(chunk: bytes, key: bytes, offset: int) -> bytes:
    """XOR chunk with the mask key, the chunk starting `offset` bytes into the payload."""
    n = len(chunk)
    if n == 0:
        return b""
    r = offset % 4
    k = key[r:] + key[:r]
    m = (k * ((n + 3) // 4))[:n]
    return (int.from_bytes(chunk, "little") ^ int.from_bytes(m, "little")).to_bytes(n, "little")


def parse_head(raw: bytes):
    lines = raw.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            k = k.strip().lower()
            headers[k] = f"{headers[k]}, {v.strip()}" if k in headers else v.strip()
    return lines[0], headers


def parse_deflate(header):
    """The parameters of the first permessage-deflate in an extensions header, or None."""
    if not header:
        return None
    for ext in header.split(","):
        parts = [p.strip() for p in ext.split(";")]
        if parts[0].lower() == "permessage-deflate":
            params = {}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                params[k.strip().lower()] = v.strip().strip('"') if v else True
            return params
    return None


class Direction:
    """One direction of one connection: HTTP head, then WebSocket frames."""

    def __init__(self, conn, name: str, from_client: bool):
        self.conn = conn
        self.name = name
        self.from_client = from_client
        self.state = "head"  # head | wait (for the 101) | frames | opaque
        self.buf = bytearray()  # head bytes, or bytes waiting for the 101
        self.tcp_bytes = 0
        self.frames = 0
        self.by_opcode = {}
        self.masked_frames = 0
        self.messages = 0
        self.compressed_messages = 0
        self.data_wire_bytes = 0  # payload bytes of data frames
        self.message_bytes = 0  # bytes of the messages they carried (inflated)
        self.records = []
        self.close = None
        # the frame being read
        self.hdr = bytearray()
        self.in_payload = False
        self.remaining = 0
        self.consumed = 0
        self.fin = self.rsv1 = self.masked = False
        self.opcode = 0
        self.key = b""
        self.control = bytearray()
        # the message being read
        self.msg = None
        self.inflater = None

    # -- feeding
    def feed(self, data: bytes) -> None:
        self.tcp_bytes += len(data)
        try:
            if self.state == "head":
                self.buf += data
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.buf) > HEAD_LIMIT:
                        self.anomaly(f"no end of the HTTP head within {HEAD_LIMIT} bytes")
                        self.state = "opaque"
                        self.buf.clear()
                    return
                head, rest = bytes(self.buf[: end + 4]), bytes(self.buf[end + 4 :])
                self.buf.clear()
                if self.from_client:
                    self.conn.request_head(head)
                    self.state = "wait" if self.conn.upgrade_requested else "opaque"
                    if self.state == "wait":
                        self.buf += rest
                else:
                    self.conn.response_head(head)
                    if self.conn.upgraded:
                        self.state = "frames"
                        self.frames_feed(rest)
                    else:
                        self.state = "opaque"
            elif self.state == "wait":
                self.buf += data
                if len(self.buf) > HEAD_LIMIT:
                    self.anomaly(f"client sent more than {HEAD_LIMIT} bytes before the response head")
                    self.state = "opaque"
                    self.buf.clear()
            elif self.state == "frames":
                self.frames_feed(data)
        except Exception as e:  # never let the inspection break the relay
            self.anomaly(f"parser error: {type(e).__name__}: {e}")
            self.state = "opaque"

    def start_frames(self) -> None:
        """The 101 came: what the client sent after its head are frames."""
        if self.state == "wait":
            rest = bytes(self.buf)
            self.buf.clear()
            self.state = "frames"
            self.frames_feed(rest)

    def stop_waiting(self) -> None:
        if self.state == "wait":
            self.state = "opaque"
            self.buf.clear()

    def frames_feed(self, data: bytes) -> None:
        mv = memoryview(data)
        i, n = 0, len(mv)
        while i < n:
            if not self.in_payload:
                # the header: 2 bytes, then 0/2/8 length bytes, then 0/4 mask bytes
                self.hdr.append(mv[i])
                i += 1
                h = self.hdr
                if len(h) < 2:
                    continue
                ext = {126: 2, 127: 8}.get(h[1] & 0x7F, 0)
                want = 2 + ext + (4 if h[1] & 0x80 else 0)
                if len(h) < want:
                    # take the rest of the header in one go when it is there
                    take = min(want - len(h), n - i)
                    h += mv[i : i + take]
                    i += take
                    if len(h) < want:
                        continue
                self.frame_start()
                if self.remaining == 0:
                    self.frame_end()
                continue
            take = min(self.remaining, n - i)
            self.payload(mv[i : i + take])
            i += take
            self.remaining -= take
            self.consumed += take
            if self.remaining == 0:
                self.frame_end()

    # -- frames
    def frame_start(self) -> None:
        h = self.hdr
        b0, b1 = h[0], h[1]
        self.fin = bool(b0 & 0x80)
        self.rsv1 = bool(b0 & 0x40)
        self.opcode = b0 & 0x0F
        self.masked = bool(b1 & 0x80)
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            n = int.from_bytes(h[2:4], "big")
            pos = 4
        elif n == 127:
            n = int.from_bytes(h[2:10], "big")
            pos = 10
            if n >> 63:
                self.anomaly("64-bit length with the top bit set")
        self.key = bytes(h[pos : pos + 4]) if self.masked else b""
        self.hdr = bytearray()
        self.in_payload = True
        self.remaining = n
        self.consumed = 0
        self.control = bytearray()

        name = OPCODES.get(self.opcode, f"opcode{self.opcode}")
        st = self.by_opcode.setdefault(name, {"frames": 0, "rsv1": 0, "payload_bytes": 0})
        st["frames"] += 1
        st["payload_bytes"] += n
        if self.rsv1:
            st["rsv1"] += 1
        self.frames += 1
        if self.masked:
            self.masked_frames += 1
        if self.masked != self.from_client:
            self.anomaly(f"{name} frame {'masked' if self.masked else 'unmasked'}")
        if b0 & 0x30:
            self.anomaly(f"{name} frame with RSV2/RSV3 set")
        if self.opcode not in OPCODES:
            self.anomaly(f"unknown opcode {self.opcode}")
        deflate = self.conn.deflate is not None
        if self.opcode >= 8:
            if self.rsv1:
                self.anomaly(f"RSV1 on a {name} frame")
            if not self.fin or n > 125:
                self.anomaly(f"{name} frame fragmented or longer than 125 bytes")
            return
        if self.opcode == 0:
            if self.msg is None:
                self.anomaly("continuation frame outside a message")
                self.msg = {"opcode": "?", "compressed": False, "frames": 0, "wire_bytes": 0, "message_bytes": 0}
            if self.rsv1:
                self.anomaly("RSV1 on a continuation frame")
        else:
            if self.msg is not None:
                self.anomaly(f"new {name} message before the last one ended")
            if self.rsv1 and not deflate:
                self.anomaly("RSV1 set but permessage-deflate was not negotiated")
            self.msg = {
                "opcode": name,
                "compressed": self.rsv1 and deflate,
                "frames": 0,
                "wire_bytes": 0,
                "message_bytes": 0,
            }
            if self.msg["compressed"]:
                no_takeover = self.conn.deflate.get(
                    "client_no_context_takeover" if self.from_client else "server_no_context_takeover"
                )
                if self.inflater is None or no_takeover:
                    self.inflater = zlib.decompressobj(-15)
        self.msg["frames"] += 1
        self.msg["wire_bytes"] += n

    def payload(self, chunk: memoryview) -> None:
        if self.opcode >= 8:
            self.control += chunk
            return
        if self.msg is None:
            return
        if not self.msg["compressed"]:
            self.msg["message_bytes"] += len(chunk)
            return
        if self.msg.get("inflate_error"):
            return
        data = unmask(bytes(chunk), self.key, self.consumed) if self.masked else bytes(chunk)
        self.inflate(data)

    def inflate(self, data: bytes) -> None:
        try:
            out = self.inflater.decompress(data)
            self.msg["message_bytes"] += len(out)
        except zlib.error as e:
            self.msg["inflate_error"] = str(e)
            self.anomaly(f"inflate error in a {self.msg['opcode']} message: {e}")

    def frame_end(self) -> None:
        self.in_payload = False
        if self.opcode >= 8:
            if self.opcode == 8:
                data = unmask(bytes(self.control), self.key, 0) if self.masked else bytes(self.control)
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                self.close = {"code": code, "reason": data[2:].decode("utf-8", "replace")}
            return
        if not self.fin or self.msg is None:
            return
        m = self.msg
        self.msg = None
        if m["compressed"] and not m.get("inflate_error"):
            self.msg = m
            self.inflate(DEFLATE_TAIL)
            self.msg = None
        self.messages += 1
        self.compressed_messages += 1 if m["compressed"] else 0
        self.data_wire_bytes += m["wire_bytes"]
        self.message_bytes += m["message_bytes"]
        if len(self.records) < MESSAGE_RECORDS:
            self.records.append(m)

    def anomaly(self, what: str) -> None:
        self.conn.anomalies.append(f"{self.name}: {what}")

    def summary(self) -> dict:
        return {
            "tcp_bytes": self.tcp_bytes,
            "frames": self.frames,
            "masked_frames": self.masked_frames,
            "by_opcode": self.by_opcode,
            "rsv1_data_frames": sum(self.by_opcode.get(k, {}).get("rsv1", 0) for k in ("text", "binary")),
            "messages": self.messages,
            "compressed_messages": self.compressed_messages,
            "data_wire_bytes": self.data_wire_bytes,
            "message_bytes": self.message_bytes,
            "close": self.close,
            "message_list": self.records,
            "unfinished_message": self.msg is not None,
        }


class Conn:
    def __init__(self, cid: int):
        self.id = cid
        self.started = time.time()
        self.ended = None
        self.request = None
        self.response = None
        self.upgrade_requested = False
        self.upgraded = False
        self.deflate = None  # the accepted permessage-deflate parameters
        self.anomalies = []
        self.c2s = Direction(self, "client_to_server", True)
        self.s2c = Direction(self, "server_to_client", False)

    def request_head(self, head: bytes) -> None:
        line, h = parse_head(head)
        parts = line.split(" ")
        self.upgrade_requested = h.get("upgrade", "").lower() == "websocket"
        self.request = {
            "line": line,
            "method": parts[0] if parts else "",
            "path": parts[1] if len(parts) > 1 else "",
            "upgrade": self.upgrade_requested,
            "extensions": h.get("sec-websocket-extensions"),
        }

    def response_head(self, head: bytes) -> None:
        line, h = parse_head(head)
        parts = line.split(" ")
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        ext = h.get("sec-websocket-extensions")
        self.response = {"line": line, "status": status, "extensions": ext}
        self.upgraded = self.upgrade_requested and status == 101
        if self.upgraded:
            self.deflate = parse_deflate(ext)
            self.c2s.start_frames()
        else:
            self.c2s.stop_waiting()

    def kind(self) -> str:
        if self.upgraded:
            return "websocket"
        if self.request:
            return "http"
        return "empty" if self.c2s.tcp_bytes == 0 else "other"

    def summary(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind(),
            "seconds": round((self.ended or time.time()) - self.started, 3),
            "open": self.ended is None,
            "request": self.request,
            "response": self.response,
            "deflate": self.deflate,
            "client_to_server": self.c2s.summary(),
            "server_to_client": self.s2c.summary(),
            "anomalies": self.anomalies,
        }


class Tap:
    def __init__(self, upstream_port: int, out_json: str):
        self.upstream_port = upstream_port
        self.out_json = out_json
        self.conns = []
        self.port = None
        self.started = time.time()
        self.finished_by = None

    async def handle(self, reader, writer) -> None:
        conn = Conn(len(self.conns) + 1)
        self.conns.append(conn)
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.upstream_port), 10
            )
        except (OSError, asyncio.TimeoutError) as e:
            conn.anomalies.append(f"cannot connect upstream: {e}")
            conn.ended = time.time()
            writer.close()
            self.write("connection close")
            return
        pumps = [
            asyncio.ensure_future(self.pump(reader, up_writer, conn.c2s)),
            asyncio.ensure_future(self.pump(up_reader, writer, conn.s2c)),
        ]
        try:
            _, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            if pending:
                _, pending = await asyncio.wait(pending, timeout=HALF_CLOSE_GRACE)
            for p in pending:
                conn.anomalies.append("one direction still open 10s after the other ended")
                p.cancel()
        finally:
            for w in (writer, up_writer):
                w.close()
            conn.ended = time.time()
            s = conn.summary()
            req = conn.request["line"] if conn.request else "-"
            resp = conn.response["line"] if conn.response else "-"
            print(
                f"conn {conn.id} {s['kind']}: {req!r} -> {resp!r} deflate={conn.deflate is not None} "
                f"c2s frames={s['client_to_server']['frames']} rsv1={s['client_to_server']['rsv1_data_frames']} "
                f"s2c frames={s['server_to_client']['frames']} rsv1={s['server_to_client']['rsv1_data_frames']} "
                f"anomalies={len(conn.anomalies)}",
                flush=True,
            )
            self.write("connection close")

    async def pump(self, reader, writer, direction: Direction) -> None:
        try:
            while data := await reader.read(READ_SIZE):
                writer.write(data)  # forward first, unchanged
                direction.feed(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                if writer.can_write_eof():
                    writer.write_eof()
            except (OSError, RuntimeError):
                pass

    def summary(self, finished_by: str) -> dict:
        totals = {}
        ws = [c for c in self.conns if c.upgraded]
        for d in ("client_to_server", "server_to_client"):
            t = {"frames": 0, "rsv1_data_frames": 0, "messages": 0, "compressed_messages": 0,
                 "data_wire_bytes": 0, "message_bytes": 0}
            for c in ws:
                s = getattr(c, "c2s" if d == "client_to_server" else "s2c").summary()
                for k in t:
                    t[k] += s[k]
            totals[d] = t
        return {
            "upstream": f"127.0.0.1:{self.upstream_port}",
            "listen": f"127.0.0.1:{self.port}",
            "written_at": time.time(),
            "uptime_seconds": round(time.time() - self.started, 3),
            "finished_by": self.finished_by or finished_by,
            "active": sum(1 for c in self.conns if c.ended is None),
            "websocket_connections": len(ws),
            "deflate_connections": sum(1 for c in ws if c.deflate is not None),
            "totals": totals,
            "anomalies": [f"conn {c.id} {a}" for c in self.conns for a in c.anomalies],
            "connections": [c.summary() for c in self.conns],
        }

    def write(self, finished_by: str) -> None:
        tmp = f"{self.out_json}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(self.summary(finished_by), f, indent=1)
            f.write("\n")
        os.replace(tmp, self.out_json)


async def main() -> None:
    ap = argparse.ArgumentParser(description="WebSocket wire tap: a relay that counts frames")
    ap.add_argument("--max-seconds", type=float, default=600.0)
    ap.add_argument("upstream_port", type=int)
    ap.add_argument("out_json")
    ap.add_argument("port_file")
    args = ap.parse_args()
    upstream_port, out_json, port_file, max_seconds = args.upstream_port, args.out_json, args.port_file, args.max_seconds
    tap = Tap(upstream_port, out_json)
    server = await asyncio.start_server(tap.handle, "127.0.0.1", 0)
    tap.port = server.sockets[0].getsockname()[1]
    tap.write("start")
    with open(port_file + ".tmp", "w") as f:
        f.write(f"{tap.port}\n")
    os.rename(port_file + ".tmp", port_file)
    print(f"ws wire tap on 127.0.0.1:{tap.port} -> 127.0.0.1:{upstream_port}", flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    why = ["max-seconds"]
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda s=sig: (why.__setitem__(0, signal.Signals(s).name), stop.set()))
    try:
        await asyncio.wait_for(stop.wait(), max_seconds)
    except asyncio.TimeoutError:
        pass
    server.close()
    tap.finished_by = why[0]  # connections still open end as the loop stops
    tap.write(why[0])
    print(f"ws wire tap stopped ({why[0]}), {len(tap.conns)} connections", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
