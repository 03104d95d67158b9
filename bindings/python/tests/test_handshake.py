"""Opening handshakes: client, server, rack, through an HTTP proxy (no
network)."""

import pytest

import wsdriver
from wsdriver import Driver, Event, State

from helpers import ACCEPT, KEY, REQUEST, Recorder, frame


# -- handshakes ---------------------------------------------------------------


def test_client_handshake_bytes():
    c = Driver.client("ws://example.com:8000/chat?x=1", protocols=["chat", "superchat"], client_key=KEY)
    assert c.state is State.CONNECTING
    assert c.take_output() == b""
    c.start()
    assert c.take_output() == (
        "GET /chat?x=1 HTTP/1.1\r\n"
        "Host: example.com:8000\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Key: %s\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: chat, superchat\r\n"
        "\r\n" % KEY
    ).encode()
    events = list(
        c.events(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
                "Sec-WebSocket-Protocol: chat\r\n\r\n" % ACCEPT
            ).encode()
        )
    )
    assert events == [Event("open")]
    assert c.state is State.OPEN
    assert c.status == 101
    assert c.protocol == "chat"
    assert c.version == "hybi-13"
    assert c.headers["Sec-WebSocket-Accept"] == ACCEPT
    assert c.header("sec-websocket-accept") == ACCEPT
    assert c.url == "ws://example.com:8000/chat?x=1"


def test_client_rejects_bad_accept():
    c = Driver.client("ws://example.com/", client_key=KEY)
    c.start()
    c.take_output()
    evs = list(c.events(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n"))
    assert [e.type for e in evs] == ["error", "close"]
    assert "Sec-WebSocket-Accept" in evs[0].message
    assert c.state is State.CLOSED


def test_server_handshake_bytes_and_request_info():
    d = Driver.server(protocols=["superchat", "chat"], headers={"X-Served-By": "py"})
    rec = Recorder(d)
    assert d.version is None and d.request is None
    # byte by byte: nothing happens until the head is complete
    for i in range(len(REQUEST) - 1):
        d.parse(REQUEST[i : i + 1])
    assert rec.events == []
    d.parse(REQUEST[-1:])
    assert rec.types() == ["connect"]
    r = d.request
    assert (r.method, r.path, r.query, r.body) == ("GET", "/chat", "room=1", b"")
    assert r.headers["Origin"] == "http://example.com"
    assert r.url == "ws://server.example.com/chat?room=1"
    assert d.is_websocket and d.version == "hybi-13"
    assert d.start() is True
    assert rec.take() == (
        "HTTP/1.1 101 Switching Protocols\r\n"
        "X-Served-By: py\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: %s\r\n"
        "Sec-WebSocket-Protocol: chat\r\n"
        "\r\n" % ACCEPT
    ).encode()
    assert rec.types() == ["connect", "open"]
    assert d.protocol == "chat"  # the client's first choice the server supports


def test_server_start_before_request_waits_for_it():
    d = Driver.server()
    rec = Recorder(d)
    assert d.start() is True
    assert rec.take() == b""
    d.parse(REQUEST)
    assert rec.take().startswith(b"HTTP/1.1 101 ")
    assert rec.types() == ["connect", "open"]


def test_server_handshake_failure_returns_false():
    d = Driver.server()
    rec = Recorder(d)
    d.parse(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert not d.is_websocket
    assert d.start() is False
    assert rec.take().startswith(b"HTTP/1.1 400 ")
    assert rec.types() == ["connect", "error", "close"]
    assert d.state is State.CLOSED


def test_rack_driver():
    headers = [
        ("Host", "server.example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", KEY),
        ("Sec-WebSocket-Version", "13"),
    ]
    d = Driver.rack("GET", "/chat?a=b", headers)
    assert d.request_path == "/chat" and d.request_query == "a=b"
    d.start()
    out = d.take_output()
    assert out.startswith(b"HTTP/1.1 101 ") and ACCEPT.encode() in out
    assert d.state is State.OPEN
    d.parse(frame(1, "hi"))
    assert d.take_output() == b""  # no listener: the event is dropped
    with pytest.raises(TypeError):
        Driver.rack("GET", "/", [("only-a-name",)])


# -- proxy --------------------------------------------------------------------


def test_proxy_connect():
    c = Driver.client("ws://example.com/", client_key=KEY)
    with wsdriver.Proxy(c, "http://user:pw@proxy.example:3128", headers={"User-Agent": "t"}) as p:
        events = []
        p.on("connect", events.append)
        p.start()
        req = p.take_output()
        assert req.startswith(b"CONNECT example.com:80 HTTP/1.1\r\n")
        assert b"Proxy-Authorization: Basic dXNlcjpwdw==\r\n" in req
        assert b"User-Agent: t\r\n" in req
        rest = p.parse(b"HTTP/1.1 200 OK\r\nVia: x\r\n\r\nHTTP/1.1 101")
        assert rest == b"HTTP/1.1 101"
        assert [e.type for e in events] == ["connect"]
        assert p.status == 200 and p.headers == {"Via": "x"}
