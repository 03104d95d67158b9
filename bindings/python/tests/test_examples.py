"""The asyncio examples against the `websockets` library, and the bench."""

import asyncio
import os
import socket
import subprocess
import sys
import urllib.parse

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from conftest import EXAMPLES, example_env

TIMEOUT = 20


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


# -- the example echo server, driven by the websockets client -------------------


def test_server_echoes_text_and_binary(echo_server):
    async def main():
        async with connect(echo_server) as ws:
            await ws.send("hello")
            assert await ws.recv() == "hello"
            await ws.send("héllo wörld ✓")
            assert await ws.recv() == "héllo wörld ✓"
            await ws.send(b"\x00\x01\xff")
            assert await ws.recv() == b"\x00\x01\xff"
            await ws.send("")
            assert await ws.recv() == ""

    run(main())


def test_server_echoes_one_mebibyte_binary(echo_server):
    blob = os.urandom(1 << 20)

    async def main():
        async with connect(echo_server, max_size=2 << 20) as ws:
            await ws.send(blob)
            assert await ws.recv() == blob
            text = "x" * (1 << 20)
            await ws.send(text)
            assert await ws.recv() == text

    run(main())


def test_server_reassembles_fragmented_messages(echo_server):
    async def main():
        async with connect(echo_server) as ws:
            await ws.send(["frag", "ment", "ed"])
            assert await ws.recv() == "fragmented"
            await ws.send([b"\x01", b"\x02"])
            assert await ws.recv() == b"\x01\x02"

    run(main())


def test_server_answers_pings(echo_server):
    async def main():
        async with connect(echo_server) as ws:
            waiter = await ws.ping(b"are you there")
            latency = await waiter
            assert latency >= 0
            waiter = await ws.ping()
            await waiter

    run(main())


def test_server_close_handshake(echo_server):
    async def main():
        ws = await connect(echo_server)
        await ws.send("bye")
        assert await ws.recv() == "bye"
        await ws.close(4001, "done here")
        assert ws.close_code == 4001
        assert ws.close_reason == "done here"
        # the server echoed the code; its close frame was received
        assert ws.protocol.close_rcvd is not None and ws.protocol.close_rcvd.code == 4001
        with pytest.raises(ConnectionClosed):
            await ws.send("after close")

    run(main())


def test_server_handles_many_connections(echo_server):
    async def one(i):
        async with connect(echo_server) as ws:
            for j in range(10):
                await ws.send("%d-%d" % (i, j))
            got = [await ws.recv() for _ in range(10)]
            assert got == ["%d-%d" % (i, j) for j in range(10)]

    async def main():
        await asyncio.gather(*(one(i) for i in range(50)))

    run(main())


def test_server_refuses_plain_http(echo_server):
    # a non-WebSocket request gets a 400
    u = urllib.parse.urlsplit(echo_server)
    with socket.create_connection((u.hostname, u.port), timeout=TIMEOUT) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400 ")


def test_server_survives_abrupt_disconnects(echo_server):
    u = urllib.parse.urlsplit(echo_server)
    for _ in range(5):
        with socket.create_connection((u.hostname, u.port), timeout=TIMEOUT) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
    test_server_echoes_text_and_binary(echo_server)


# -- the example client against a websockets server -------------------------------


async def echo_handler(ws):
    async for message in ws:
        await ws.send(message)


async def run_client(url, *args):
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        os.path.join(EXAMPLES, "asyncio_client.py"),
        url,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=example_env(),
    )
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


def test_client_against_websockets_server():
    closes = []

    async def handler(ws):
        await echo_handler(ws)
        closes.append((ws.close_code, ws.close_reason))

    async def main():
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            return await run_client("ws://127.0.0.1:%d/path?q=1" % port, "hello", "wörld", "third")

    rc, out, err = run(main())
    assert rc == 0, err
    assert out.splitlines() == [
        "open hybi-13",
        "< hello",
        "< wörld",
        "< third",
        "close 1000 done",
    ]
    assert closes == [(1000, "done")]


def test_client_binary_and_subprotocol():
    async def main():
        async with serve(echo_handler, "127.0.0.1", 0, subprotocols=["chat"]) as server:
            port = server.sockets[0].getsockname()[1]
            return await run_client(
                "ws://127.0.0.1:%d/" % port, "--binary", "--protocol", "other", "--protocol", "chat", "abc"
            )

    rc, out, err = run(main())
    assert rc == 0, err
    assert out.splitlines() == ["open hybi-13 protocol=chat", "< binary b'abc'", "close 1000 done"]


def test_client_sees_server_close():
    async def handler(ws):
        await ws.recv()
        await ws.close(1001, "going away")

    async def main():
        async with serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            return await run_client("ws://127.0.0.1:%d/" % port, "hi", "--timeout", "5")

    rc, out, err = run(main())
    assert rc == 1, err
    assert out.splitlines() == ["open hybi-13", "close 1001 going away"]


def test_example_client_against_example_server(echo_server):
    rc, out, err = run(run_client(echo_server, "ping", "pong"))
    assert rc == 0, err
    assert out.splitlines()[1:] == ["< ping", "< pong", "close 1000 done"]


# -- the bench, tiny and bounded ----------------------------------------------


def test_bench_echo_runs_bounded():
    r = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, "bench_echo.py"), "-c", "3", "-m", "100", "--time-limit", "20"],
        capture_output=True,
        text=True,
        env=example_env(),
        timeout=40,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "300 echoed" in r.stdout and "messages/s" in r.stdout
