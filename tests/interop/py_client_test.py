"""Python `websockets` client against an echo server (our C echo server).

usage: py_client_test.py ws://127.0.0.1:PORT/

Runs the size matrix (text with multi-byte UTF-8, binary) twice: once
offering permessage-deflate (websockets' default) and once without, then
ping/pong and a close with 4000 "bye", which our server echoes.
"""

import asyncio
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from interop_common import SIZES, Results, binary_of, first_diff, size_name, text_of

STEP_TIMEOUT = 30  # seconds for any one exchange


async def run(url: str, compression, label: str, res: Results) -> None:
    try:
        ws = await connect(
            url,
            compression=compression,
            max_size=64 << 20,
            open_timeout=10,
            close_timeout=10,
            ping_interval=None,
        )
    except Exception as e:  # noqa: BLE001
        res.fail(f"{label} connect", f"{type(e).__name__}: {e}")
        return
    ext = ws.response.headers.get("Sec-WebSocket-Extensions", "")
    res.ok(f"{label} connect", f"extensions: {ext or 'none'}")
    if compression is None:
        res.check(f"{label} no extension unless offered", not ext, f"server sent {ext!r}")

    async def echo(name: str, payload) -> bool:
        try:
            await asyncio.wait_for(ws.send(payload), STEP_TIMEOUT)
            reply = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        except ConnectionClosed as e:
            res.fail(name, f"connection closed: {e}")
            return False
        except TimeoutError:
            res.fail(name, f"no echo within {STEP_TIMEOUT}s")
            return False
        if type(reply) is not type(payload):
            res.fail(name, f"echo is {type(reply).__name__}, sent {type(payload).__name__}")
            return True
        res.check(name, reply == payload, first_diff(payload, reply))
        return True

    alive = True
    for n in SIZES:
        for kind, make in (("text", text_of), ("binary", binary_of)):
            if alive:
                alive = await echo(f"{label} {kind} {size_name(n)}", make(n))
            else:
                res.fail(f"{label} {kind} {size_name(n)}", "skipped after an earlier failure")

    if alive:
        # Fragmented messages (websockets sends one frame per item) come
        # back whole, as one message.
        for kind, parts in (
            ("text", ["é€", "😀" * 1000, "", "end"]),
            ("binary", [b"\x00" * 10, binary_of(70000), b"", b"\xff"]),
        ):
            name = f"{label} fragmented {kind}"
            whole = "".join(parts) if kind == "text" else b"".join(parts)
            try:
                await asyncio.wait_for(ws.send(parts), STEP_TIMEOUT)
                reply = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
                res.check(name, reply == whole, first_diff(whole, reply))
            except Exception as e:  # noqa: BLE001
                res.fail(name, f"{type(e).__name__}: {e}")
                alive = False

    if alive:
        # Many messages in flight at once: all echoed, in order.
        name = f"{label} 1000 pipelined messages in order"
        msgs = [f"{i} {text_of(i % 300)}" if i % 2 else binary_of(i % 3000) for i in range(1000)]
        try:
            async def sender():
                for m in msgs:
                    await ws.send(m)

            async def receiver():
                return [await ws.recv() for _ in msgs]

            _, got = await asyncio.wait_for(asyncio.gather(sender(), receiver()), STEP_TIMEOUT)
            bad = next((i for i, (a, b) in enumerate(zip(msgs, got)) if a != b), None)
            res.check(name, bad is None, f"message {bad} differs")
        except Exception as e:  # noqa: BLE001
            res.fail(name, f"{type(e).__name__}: {e}")
            alive = False

    if alive:
        try:
            waiter = await ws.ping(b"p" * 125)
            await asyncio.wait_for(waiter, STEP_TIMEOUT)
            res.ok(f"{label} 125-byte ping/pong")
        except Exception as e:  # noqa: BLE001
            res.fail(f"{label} 125-byte ping/pong", f"{type(e).__name__}: {e}")
        try:
            waiter = await ws.ping(b"interop-ping")
            latency = await asyncio.wait_for(waiter, STEP_TIMEOUT)
            res.ok(f"{label} ping/pong", f"{latency * 1000:.1f} ms")
        except Exception as e:  # noqa: BLE001
            res.fail(f"{label} ping/pong", f"{type(e).__name__}: {e}")
        try:
            waiter = await ws.ping(b"")
            await asyncio.wait_for(waiter, STEP_TIMEOUT)
            res.ok(f"{label} empty ping/pong")
        except Exception as e:  # noqa: BLE001
            res.fail(f"{label} empty ping/pong", f"{type(e).__name__}: {e}")

    try:
        await asyncio.wait_for(ws.close(code=4000, reason="bye"), STEP_TIMEOUT)
    except Exception as e:  # noqa: BLE001
        res.fail(f"{label} close", f"{type(e).__name__}: {e}")
        return
    rcvd = ws.protocol.close_rcvd
    if rcvd is None:
        res.fail(f"{label} close", "no close frame received from the server")
    else:
        res.check(
            f"{label} close 4000 'bye' echoed",
            rcvd.code == 4000 and rcvd.reason == "bye",
            f"server closed with {rcvd.code} {rcvd.reason!r}",
        )
        res.check(
            f"{label} close handshake order",
            ws.protocol.close_rcvd_then_sent is False,
            "server sent its close before ours",
        )


async def concurrent(url: str, res: Results, clients: int = 16, rounds: int = 8) -> None:
    """Many connections at once, each echoing 256 KiB messages."""
    name = f"{clients} concurrent connections x {rounds} x 256KiB"

    async def one(i: int) -> int:
        async with connect(url, max_size=64 << 20, open_timeout=10, close_timeout=10,
                           ping_interval=None, compression=None if i % 2 else "deflate") as ws:
            bad = 0
            for r in range(rounds):
                m = binary_of(256 << 10) if (i + r) % 2 else text_of(256 << 10)
                await ws.send(m)
                bad += (await ws.recv()) != m
            return bad

    try:
        bad = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(clients))), 60)
        res.check(name, sum(bad) == 0, f"{sum(bad)} wrong echoes")
    except Exception as e:  # noqa: BLE001
        res.fail(name, f"{type(e).__name__}: {e}")


async def main() -> None:
    url = sys.argv[1]
    res = Results("python-websockets")
    await run(url, "deflate", "[deflate offered]", res)
    await run(url, None, "[no deflate]", res)
    await concurrent(url, res)
    res.exit()


if __name__ == "__main__":
    asyncio.run(main())
