"""A server's own answer: reject(status, headers, body) and a subprotocol
chosen per request, on the driver and through wsdriver.asyncio.serve()."""

import asyncio

import pytest
import websockets
from websockets.asyncio.client import connect as ws_connect

import wsdriver
import wsdriver.asyncio as wsa
from wsdriver import Driver, State

from helpers import REQUEST, Recorder


def server_at_connect(**opts):
    d = Driver.server(**opts)
    rec = Recorder(d)
    d.parse(REQUEST)
    assert rec.types() == ["connect"]
    rec.events.clear()
    return d, rec


def test_reject_writes_the_response_and_closes():
    d, rec = server_at_connect()
    d.reject(401, {"WWW-Authenticate": 'Basic realm="x"'}, "who are you?")
    assert rec.take() == (
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n"
        b"Content-Length: 12\r\n\r\nwho are you?"
    )
    assert rec.types() == ["close"] and rec.events[0].code is None
    assert d.state is State.CLOSED
    with pytest.raises(wsdriver.InvalidStateError):
        d.reject(403)


def test_reject_refuses_bad_arguments_and_states():
    d, _ = server_at_connect()
    with pytest.raises(wsdriver.InvalidArgumentError):
        d.reject(101)
    with pytest.raises(wsdriver.InvalidArgumentError):
        d.reject(403, [("X", "a"), ("X", "b")])
    with pytest.raises(ValueError):
        d.reject(403, {"X": "a\r\nInjected: 1"})
    with pytest.raises(TypeError):
        d.reject("403")
    assert d.state is State.CONNECTING
    with pytest.raises(wsdriver.InvalidStateError):
        Driver.server().reject(403)  # no request yet
    with pytest.raises(wsdriver.InvalidStateError):
        Driver.client("ws://example.com/").reject(403)


def test_select_protocol_per_request():
    d, rec = server_at_connect(protocols=["chat"])
    assert d.offered_protocols == ["chat", "superchat"]
    d.select_protocol("superchat")
    d.start()
    assert b"Sec-WebSocket-Protocol: superchat\r\n" in rec.take()
    assert d.protocol == "superchat"

    d, rec = server_at_connect(protocols=["chat"])
    d.select_protocol(None)
    d.start()
    assert b"Sec-WebSocket-Protocol" not in rec.take()

    d, _ = server_at_connect()
    with pytest.raises(wsdriver.InvalidArgumentError):
        d.select_protocol("other")


def url_of(server):
    return "ws://127.0.0.1:%d/" % server.sockets[0].getsockname()[1]


async def echo(ws):
    async for m in ws:
        await ws.send(m)


def test_serve_process_request_rejects_and_accepts():
    def check(request):
        if request.query != "token=good":
            return 403, {"Content-Type": "text/plain"}, "forbidden\n"
        return None

    async def main():
        server = await wsa.serve(echo, "127.0.0.1", 0, process_request=check)
        async with server:
            with pytest.raises(websockets.InvalidStatus) as e:
                async with ws_connect(url_of(server) + "?token=bad"):
                    pass
            assert e.value.response.status_code == 403
            assert e.value.response.body == b"forbidden\n"
            async with ws_connect(url_of(server) + "?token=good") as c:
                await c.send("in")
                assert await c.recv() == "in"

    asyncio.run(asyncio.wait_for(main(), 30))


def test_serve_select_subprotocol_sees_the_request():
    def pick(request, offered):
        return "v2" if request.path == "/new" and "v2" in offered else offered[-1]

    async def main():
        server = await wsa.serve(echo, "127.0.0.1", 0, select_subprotocol=pick)
        async with server:
            base = url_of(server)
            async with ws_connect(base + "new", subprotocols=["v1", "v2"]) as c:
                assert c.subprotocol == "v2"
            async with ws_connect(base + "old", subprotocols=["v1", "v2"]) as c:
                assert c.subprotocol == "v2"
            async with ws_connect(base + "old", subprotocols=["v2", "v1"]) as c:
                assert c.subprotocol == "v1"
            async with wsa.connect(base + "new", protocols=["v1", "v2"]) as ws:
                assert ws.protocol == "v2"

    asyncio.run(asyncio.wait_for(main(), 30))


def test_serve_hook_error_answers_500():
    def broken(request):
        raise RuntimeError("bug in hook")

    async def main():
        server = await wsa.serve(echo, "127.0.0.1", 0, process_request=broken)
        async with server:
            with pytest.raises(websockets.InvalidStatus) as e:
                async with ws_connect(url_of(server)):
                    pass
            assert e.value.response.status_code == 500

    asyncio.run(asyncio.wait_for(main(), 30))
