"""wsdriver.asyncio as a library: serve() and connect() against the
`websockets` library, permessage-deflate, and flow control both ways."""

import asyncio
import os

import pytest
import websockets
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import serve as ws_serve

import wsdriver
import wsdriver.asyncio as wsa

TIMEOUT = 30


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


def url_of(server):
    return "ws://127.0.0.1:%d/" % server.sockets[0].getsockname()[1]


async def echo(ws):
    async for message in ws:
        await ws.send(message)


def test_serve_echoes_to_websockets_client_with_deflate():
    blob = os.urandom(1 << 20)
    text = "wsdriver " * 100000

    async def main():
        server = await wsa.serve(echo, "127.0.0.1", 0, deflate=True, max_length=4 << 20)
        async with server:
            async with ws_connect(url_of(server), max_size=4 << 20) as c:
                assert c.response.headers["Sec-WebSocket-Extensions"].startswith(
                    "permessage-deflate"
                )
                for m in ("hello", "", b"\x00\xff", blob, text):
                    await c.send(m)
                    assert await c.recv() == m

    run(main())


def test_serve_without_deflate_negotiates_no_extension():
    async def main():
        server = await wsa.serve(echo, "127.0.0.1", 0)
        async with server:
            async with ws_connect(url_of(server)) as c:
                assert "Sec-WebSocket-Extensions" not in c.response.headers
                await c.send("x")
                assert await c.recv() == "x"

    run(main())


def test_connect_to_websockets_server_with_deflate_settings():
    seen = []

    async def handler(ws):
        seen.append(ws.request.headers.get("Sec-WebSocket-Extensions"))
        await echo(ws)

    async def main():
        async with ws_serve(handler, "127.0.0.1", 0, max_size=2 << 20) as server:
            settings = wsdriver.Deflate(level=1, client_no_context_takeover=True)
            async with wsa.connect(url_of(server), deflate=settings) as ws:
                assert "permessage-deflate" in ws.driver.header("Sec-WebSocket-Extensions")
                big = "abc" * 300000
                for m in ("one", b"two", big):
                    await ws.send(m)
                    assert await ws.recv() == m
                await (await ws.ping(b"hi"))
            assert ws.close_code == 1000

    run(main())
    assert "client_no_context_takeover" in seen[0]


def test_subprotocol_is_agreed():
    async def main():
        server = await wsa.serve(echo, "127.0.0.1", 0, protocols=["chat", "other"])
        async with server:
            async with ws_connect(url_of(server), subprotocols=["other"]) as c:
                assert c.subprotocol == "other"
            async with wsa.connect(url_of(server), protocols=["chat"]) as ws:
                assert ws.protocol == "chat"

    run(main())


def test_handler_error_closes_with_1011():
    async def boom(ws):
        await ws.recv()
        raise RuntimeError("handler bug")

    async def main():
        server = await wsa.serve(boom, "127.0.0.1", 0)
        async with server:
            async with ws_connect(url_of(server)) as c:
                await c.send("go")
                with pytest.raises(websockets.ConnectionClosedError) as e:
                    await c.recv()
                assert e.value.rcvd.code == 1011

    run(main())


def test_connect_raises_when_the_handshake_is_refused():
    async def main():
        async with ws_serve(
            echo, "127.0.0.1", 0, process_request=lambda conn, req: conn.respond(403, "no\n")
        ) as server:
            with pytest.raises(wsa.ConnectionClosed):
                await wsa.connect(url_of(server))

    run(main())


def test_reading_pauses_while_messages_wait_for_recv():
    # The handler does not read until told to: the server must stop reading
    # the socket (the rest waits in the kernel's buffers and the sender's),
    # and nothing is lost. Without the pause all 200 would be queued.
    go = None
    conns = []
    count, size, max_queue = 200, 16 << 10, 4

    async def slow(ws):
        conns.append(ws)
        await go.wait()
        got = [await ws.recv() for _ in range(count)]
        await ws.send("%d %d" % (len(got), sum(len(m) for m in got)))

    async def main():
        nonlocal go
        go = asyncio.Event()
        server = await wsa.serve(slow, "127.0.0.1", 0, max_queue=max_queue)
        async with server:
            async with ws_connect(url_of(server), write_limit=size) as c:
                sender = asyncio.ensure_future(
                    asyncio.gather(*[c.send(os.urandom(size)) for _ in range(count)])
                )
                await asyncio.sleep(1.0)
                # At most one read's worth beyond max_queue waits in memory.
                assert len(conns[0]._messages) <= max_queue + (1 << 16) // size + 1
                assert conns[0]._read_paused
                go.set()
                await sender
                assert await c.recv() == "%d %d" % (count, count * size)

    run(main())


def test_send_waits_while_the_peer_does_not_read():
    sent = []
    count, size, limit = 100, 64 << 10, 1 << 16
    conns = []

    async def producer(ws):
        conns.append(ws)
        for i in range(count):
            await ws.send(b"%d" % i + bytes(size))
            sent.append(i)
            t = ws.transport.get_write_buffer_size()
            assert t <= limit + size + 16, t

    async def main():
        server = await wsa.serve(producer, "127.0.0.1", 0, write_limit=limit)
        async with server:
            async with ws_connect(url_of(server), max_queue=1, max_size=1 << 20) as c:
                await asyncio.sleep(1.0)
                assert len(sent) < count, "send() never waited"
                got = [await c.recv() for _ in range(count)]
                assert [int(m[: len(m) - size]) for m in got] == list(range(count))
        assert sent == list(range(count))

    run(main())


def masked(opcode, payload, rsv=0):
    mask = b"\x01\x02\x03\x04"
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | rsv | opcode, 0x80 | len(payload)]) + mask + body


def test_reply_to_a_message_goes_out_before_the_close_a_later_frame_causes():
    # One write: a text message, then a frame with a reserved bit set. A
    # synchronous server echoes the message before failing the connection;
    # wsdriver.asyncio parses one message ahead only, so it does the same.
    async def main():
        server = await wsa.serve(echo, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            await reader.readuntil(b"\r\n\r\n")
            writer.write(masked(1, b"first") + masked(1, b"bad", rsv=0x20))
            reply = await reader.read(7)
            assert reply == b"\x81\x05first"
            close = await reader.read(2)
            assert close[0] == 0x88
            writer.close()

    run(main())
