#!/usr/bin/env python3
"""A WebSocket client on asyncio streams and the wsdriver binding.

    python3 examples/python/asyncio_client.py ws://127.0.0.1:8080/ hello world

Connects, sends each argument as a text message once the connection is open,
prints every message received ("< ..."), and after as many replies as it sent
messages closes the connection cleanly (close handshake, then EOF). Exit
status 0 on a clean close (code 1000), 1 otherwise.
"""

import argparse
import asyncio
import ssl
import sys
import urllib.parse


from wsdriver import Driver, State  # pip install ./bindings/python


async def run(url, messages, protocols=None, timeout=10.0, binary=False, out=sys.stdout):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise SystemExit("not a ws:// or wss:// URL: %s" % url)
    tls = parts.scheme == "wss"
    port = parts.port or (443 if tls else 80)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(
            parts.hostname, port, ssl=ssl.create_default_context() if tls else None
        ),
        timeout,
    )
    driver = Driver.client(url, protocols=protocols, write=writer.write)
    replies = 0
    result = {"code": None}

    @driver.on("open")
    def _(ev):
        out.write("open %s%s\n" % (driver.version, " protocol=%s" % driver.protocol if driver.protocol else ""))
        for m in messages:
            driver.send(m.encode() if binary else m)  # sent in order, right away
        if not messages:
            driver.close()

    @driver.on("message")
    def _(ev):
        nonlocal replies
        replies += 1
        out.write("< %s\n" % (ev.data if isinstance(ev.data, str) else "binary %r" % ev.data))
        if replies == len(messages):
            driver.close(1000, "done")

    @driver.on("error")
    def _(ev):
        out.write("error %s: %s\n" % (ev.code, ev.reason))

    @driver.on("close")
    def _(ev):
        result["code"] = ev.code
        out.write("close %s %s\n" % (ev.code, ev.reason))

    with driver:
        try:
            driver.start()
            await writer.drain()

            async def pump():
                while driver.state is not State.CLOSED:
                    data = await reader.read(1 << 16)
                    if not data:
                        driver.transport_closed()
                        break
                    driver.parse(data)
                    await writer.drain()

            await asyncio.wait_for(pump(), timeout)
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass
    out.flush()
    return result["code"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url")
    p.add_argument("messages", nargs="*")
    p.add_argument("--protocol", action="append", help="offer a subprotocol (repeatable)")
    p.add_argument("--binary", action="store_true", help="send the messages as binary")
    p.add_argument("--timeout", type=float, default=10.0)
    a = p.parse_intermixed_args(argv)
    code = asyncio.run(run(a.url, a.messages, a.protocol, a.timeout, a.binary))
    return 0 if code == 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
