"""A Python `websockets` echo server on 127.0.0.1, for examples/c/build/client.

usage: py_echo_server.py PORT_FILE

Listens on a free port, writes it to PORT_FILE, echoes every message, and
prints one line per connection:
  open path=/p extensions=...
  close path=/p code=1000 reason='' clean=True
Offers nothing itself; accepts permessage-deflate when the client offers it
(websockets' default).
"""

import asyncio
import os
import sys

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


async def echo(ws) -> None:
    path = ws.request.path
    ext = ws.response.headers.get("Sec-WebSocket-Extensions", "") if ws.response else ""
    print(f"open path={path} extensions={ext or 'none'}", flush=True)
    try:
        async for msg in ws:
            await ws.send(msg)
    except ConnectionClosed:
        pass
    # Let the closing handshake finish so close_rcvd is known.
    await ws.wait_closed()
    rcvd = ws.protocol.close_rcvd
    code = rcvd.code if rcvd else "none"
    reason = rcvd.reason if rcvd else ""
    print(f"close path={path} code={code} reason={reason!r} clean={rcvd is not None}", flush=True)


async def main() -> None:
    port_file = sys.argv[1]
    async with serve(echo, "127.0.0.1", 0, max_size=64 << 20, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.rename(tmp, port_file)
        print(f"python websockets echo server on ws://127.0.0.1:{port}/", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
