#!/usr/bin/env python3
"""A WebSocket echo server on asyncio streams and the wsdriver binding.

    python3 examples/python/asyncio_echo_server.py [PORT]   (default 8080; 0 picks one)

Listens on 127.0.0.1, echoes every text and binary message back, answers
pings (the driver does that), and serves any number of connections. Prints
"listening on ws://127.0.0.1:PORT/" once it is ready. Ctrl-C stops it.
"""

import asyncio
import os
import signal
import sys

try:
    import wsdriver
except ImportError:  # run from a checkout: use the repository's binding
    sys.path.insert(
        0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "python")
    )
    import wsdriver

from wsdriver import Driver, State

READ_SIZE = 1 << 16
# Stop reading while this much output waits for the peer (backpressure).
HIGH_WATER = 1 << 20


async def handle(reader, writer):
    driver = Driver.server(write=writer.write, max_length=64 << 20)

    @driver.on("connect")
    def _(ev):
        driver.start()  # answers the handshake (a 400 for non-WebSocket requests)

    @driver.on("message")
    def _(ev):
        driver.send(ev.data)  # str -> text frame, bytes -> binary frame

    with driver:
        try:
            while driver.state is not State.CLOSED:
                data = await reader.read(READ_SIZE)
                if not data:
                    driver.transport_closed()
                    break
                driver.parse(data)
                if writer.transport.get_write_buffer_size() > HIGH_WATER:
                    await writer.drain()
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass


async def main(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print("listening on ws://127.0.0.1:%d/ (wsdriver %s)" % (port, wsdriver.library_version), flush=True)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
        except (NotImplementedError, RuntimeError):
            pass
    async with server:
        await stop
    print("stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8080))
