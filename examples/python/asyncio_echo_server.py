#!/usr/bin/env python3
"""A WebSocket echo server on wsdriver.asyncio.

    python3 examples/python/asyncio_echo_server.py [PORT]   (default 8080; 0 picks one)

Listens on 127.0.0.1, echoes every text and binary message back (with
permessage-deflate when the client offers it), answers pings (the driver
does that), and serves any number of connections. Prints
"listening on ws://127.0.0.1:PORT/" once it is ready. SIGINT/SIGTERM stop
it. This is the Python testee of scripts/autobahn.sh.
"""

import asyncio
import signal
import sys

import wsdriver
import wsdriver.asyncio as wsa


async def echo(ws):
    async for message in ws:
        await ws.send(message)  # waits while the peer is not reading


async def main(port):
    server = await wsa.serve(echo, "127.0.0.1", port, deflate=True, max_length=64 << 20)
    port = server.sockets[0].getsockname()[1]
    print("listening on ws://127.0.0.1:%d/ (wsdriver %s)" % (port, wsdriver.library_version), flush=True)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with server:
        await stop
    print("stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8080))
