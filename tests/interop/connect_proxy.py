"""A small HTTP CONNECT proxy with Basic auth, on 127.0.0.1, for the client tests.

usage: connect_proxy.py USER PASS PORT_FILE

Listens on a free port and writes it to PORT_FILE. Each CONNECT request must
carry `Proxy-Authorization: Basic base64(USER:PASS)`: without it or with the
wrong one it answers 407; it tunnels only to loopback (127.0.0.1, localhost,
::1) and answers 403 otherwise. One line per request on stdout:
  CONNECT 127.0.0.1:PORT auth=ok status=200
  CONNECT 127.0.0.1:PORT auth=missing status=407
  tunnel 127.0.0.1:PORT closed up=N down=M
"""

import asyncio
import base64
import os
import sys

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
HEAD_LIMIT = 16384
HEAD_TIMEOUT = 10


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: list) -> None:
    try:
        while data := await reader.read(65536):
            count[0] += len(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except (OSError, RuntimeError):
            pass


def reply(writer: asyncio.StreamWriter, status: str, extra: str = "") -> None:
    writer.write(f"HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n".encode())


async def handle(reader, writer, expected: str) -> None:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
        print("bad request: no complete head", flush=True)
        writer.close()
        return
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if len(parts) != 3 or parts[0] != "CONNECT" or not parts[2].startswith("HTTP/1."):
        print(f"bad request line: {lines[0]!r} status=405", flush=True)
        reply(writer, "405 Method Not Allowed")
        await writer.drain()
        writer.close()
        return
    target = parts[1]
    host, _, port = target.rpartition(":")
    auth = headers.get("proxy-authorization")
    if auth is None:
        verdict = "missing"
    elif auth == expected:
        verdict = "ok"
    else:
        verdict = "bad"
    if verdict != "ok":
        print(f"CONNECT {target} auth={verdict} status=407", flush=True)
        reply(writer, "407 Proxy Authentication Required", 'Proxy-Authenticate: Basic realm="interop"\r\n')
        await writer.drain()
        writer.close()
        return
    if host not in LOOPBACK or not port.isdigit():
        print(f"CONNECT {target} auth=ok status=403 (only loopback)", flush=True)
        reply(writer, "403 Forbidden")
        await writer.drain()
        writer.close()
        return
    try:
        up_reader, up_writer = await asyncio.wait_for(
            asyncio.open_connection(host.strip("[]"), int(port)), HEAD_TIMEOUT
        )
    except (OSError, TimeoutError) as e:
        print(f"CONNECT {target} auth=ok status=502 ({e})", flush=True)
        reply(writer, "502 Bad Gateway")
        await writer.drain()
        writer.close()
        return
    print(f"CONNECT {target} auth=ok status=200", flush=True)
    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await writer.drain()
    up, down = [0], [0]
    await asyncio.gather(pipe(reader, up_writer, up), pipe(up_reader, writer, down))
    print(f"tunnel {target} closed up={up[0]} down={down[0]}", flush=True)
    for w in (writer, up_writer):
        w.close()


async def main() -> None:
    user, password, port_file = sys.argv[1:4]
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, expected), "127.0.0.1", 0, limit=HEAD_LIMIT
    )
    port = server.sockets[0].getsockname()[1]
    with open(port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.rename(port_file + ".tmp", port_file)
    print(f"CONNECT proxy on 127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
