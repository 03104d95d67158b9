"""Unit tests of the wsdriver Python binding (no network)."""

import gc
import os
import weakref

import pytest

import wsdriver
from wsdriver import Driver, Event, State

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
REQUEST = (
    "GET /chat?room=1 HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: %s\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Origin: http://example.com\r\n"
    "\r\n" % KEY
).encode()


def frame(opcode, payload=b"", fin=True, mask=b"\x37\xfa\x21\x3d"):
    """A client-to-server (masked) frame."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        head = bytes([b0, 0x80 | n])
    elif n < 1 << 16:
        head = bytes([b0, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, 0x80 | 127]) + n.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Recorder:
    """Collects events and writes of a driver."""

    def __init__(self, driver):
        self.events = []
        self.out = bytearray()
        driver.on("write", self.out.extend)
        for t in wsdriver.EVENT_TYPES:
            driver.on(t, self.events.append)

    def take(self):
        out = bytes(self.out)
        self.out.clear()
        return out

    def types(self):
        return [e.type for e in self.events]


def open_server(**opts):
    d = Driver.server(**opts)
    rec = Recorder(d)
    d.on("connect", lambda ev: d.start())
    d.parse(REQUEST)
    assert d.state is State.OPEN
    rec.take()
    rec.events.clear()
    return d, rec


def pair(**client_opts):
    """An open client/server pair wired through memory."""
    s = Driver.server()
    c = Driver.client("ws://example.com/x", **client_opts)
    s.on("connect", lambda ev: s.start())
    c.on("write", s.parse)
    s.on("write", c.parse)
    c.start()
    assert c.state is State.OPEN and s.state is State.OPEN
    return c, s


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


# -- messages -----------------------------------------------------------------


def test_text_binary_and_server_frames():
    d, rec = open_server()
    d.parse(frame(1, "héllo") + frame(2, b"\x00\xff"))
    assert rec.events == [Event("message", "héllo"), Event("message", b"\x00\xff")]
    assert not rec.events[0].binary and rec.events[1].binary
    d.text("hi")
    d.binary(bytearray(b"\x01\x02"))
    d.send(memoryview(b"\x03"))
    assert rec.take() == b"\x81\x02hi" + b"\x82\x02\x01\x02" + b"\x82\x01\x03"


def test_fragmentation_with_interleaved_ping_fed_byte_by_byte():
    d, rec = open_server()
    data = (
        frame(1, "Hel", fin=False)
        + frame(0, "lo, ", fin=False)
        + frame(9, b"mid")
        + frame(0, "wörld", fin=True)
    )
    for i in range(len(data)):
        d.parse(data[i : i + 1])
    assert rec.events == [Event("ping", b"mid"), Event("message", "Hello, wörld")]
    assert rec.take() == b"\x8a\x03mid"  # the pong


def test_large_binary_message_through_a_pair():
    c, s = pair()
    got = []
    s.on("message", lambda ev: got.append(ev.data))
    blob = os.urandom(1 << 20)
    c.binary(blob)
    assert got == [blob]


def test_max_length_fails_with_1009():
    d, rec = open_server(max_length=10)
    d.parse(frame(2, b"x" * 11))
    assert rec.types() == ["error", "close"]
    assert rec.events[0].code == 1009
    assert rec.events[1].code == 1009
    assert d.state is State.CLOSED


def test_ping_callback_and_pong():
    c, s = pair()
    answered = []
    pongs = []
    c.on("pong", lambda ev: pongs.append(ev.data))
    c.ping(b"abc", callback=lambda: answered.append("abc"))
    c.ping("txt")
    assert answered == ["abc"]
    assert pongs == [b"abc", b"txt"]
    s.pong(b"free")
    assert pongs[-1] == b"free"


def test_close_handshake_and_transport_closed():
    c, s = pair()
    closes = []
    c.on("close", lambda ev: closes.append(("c", ev.code, ev.reason)))
    s.on("close", lambda ev: closes.append(("s", ev.code, ev.reason)))
    assert c.close(4000, "bye") is True
    assert sorted(closes) == [("c", 4000, "bye"), ("s", 4000, "bye")]
    assert c.close() is False  # already closed
    d, rec = open_server()
    d.transport_closed()
    assert rec.events == [Event("close", code=1006, reason="")]


def test_hixie75_server():
    d = Driver.server()
    rec = Recorder(d)
    d.on("connect", lambda ev: d.start())
    d.parse(
        b"GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
        b"Host: example.com\r\nOrigin: http://example.com\r\n\r\n"
    )
    assert d.version == "hixie-75"
    assert d.state is State.OPEN
    rec.take()
    d.parse(b"\x00hi\xff")
    assert rec.events[-1] == Event("message", "hi")
    with pytest.raises(wsdriver.NotSupportedError):
        d.binary(b"x")
    with pytest.raises(wsdriver.NotSupportedError):
        d.ping()
    d.text("yo")
    assert rec.take() == b"\x00yo\xff"


# -- exceptions in callbacks --------------------------------------------------


class Boom(Exception):
    pass


def test_exception_in_listener_propagates_and_parse_resumes():
    d, rec = open_server()
    seen = []

    def on_message(ev):
        seen.append(ev.data)
        if ev.data == "two":
            raise Boom(ev.data)

    d.on("message", on_message)
    data = frame(1, "one") + frame(1, "two") + frame(1, "three") + frame(9, b"p")
    with pytest.raises(Boom):
        d.parse(data)
    assert seen == ["one", "two"]
    assert rec.out == b""  # the ping after it is not parsed yet
    d.parse(frame(1, "four"))  # new input goes after the kept input
    assert seen == ["one", "two", "three", "four"]
    assert rec.take() == b"\x8a\x01p"
    assert [e.data for e in rec.events if e.type == "message"] == ["one", "two", "three", "four"]


def test_exception_in_listener_then_empty_parse_resumes():
    d, rec = open_server()
    calls = []

    def on_message(ev):
        calls.append(ev.data)
        if len(calls) == 1:
            raise Boom()

    d.on("message", on_message)
    with pytest.raises(Boom):
        d.parse(frame(1, "a") + frame(1, "b"))
    assert calls == ["a"]
    d.parse(b"")
    assert calls == ["a", "b"]


def test_exception_in_write_sink_propagates():
    d = Driver.server()
    writes = []

    def sink(data):
        writes.append(data)
        raise Boom()

    d.on("write", sink)
    d.on("connect", lambda ev: d.start())
    with pytest.raises(Boom):
        d.parse(REQUEST)
    assert writes and writes[0].startswith(b"HTTP/1.1 101")
    d.off("write")
    opened = []
    d.on("open", opened.append)
    d.flush()
    assert opened and d.state is State.OPEN


def test_exception_inside_events_iteration_resumes():
    d, rec = open_server()
    data = frame(1, "a") + frame(1, "b") + frame(1, "c")
    got = []
    with pytest.raises(Boom):
        for ev in d.events(data):
            got.append(ev.data)
            if ev.data == "a":
                raise Boom()
    got.extend(ev.data for ev in d.events())
    assert got == ["a", "b", "c"]


# -- reentrancy ---------------------------------------------------------------


def test_sending_from_inside_on_message_is_ordered():
    d, rec = open_server()
    d.on("message", lambda ev: d.text("re:" + ev.data))
    d.parse(frame(1, "a") + frame(9, b"p") + frame(1, "b"))
    # reply to a, then the pong, then the reply to b: the wire order
    assert rec.take() == b"\x81\x04re:a" + b"\x8a\x01p" + b"\x81\x04re:b"


def test_commands_in_events_loop_body_are_ordered():
    d, rec = open_server()
    for ev in d.events(frame(1, "a") + frame(9, b"p") + frame(1, "b")):
        if ev.type == "message":
            d.text(ev.data.upper())
    assert rec.take() == b"\x81\x01A" + b"\x8a\x01p" + b"\x81\x01B"
    # leaving the loop early keeps the rest for later
    for ev in d.events(frame(1, "c") + frame(1, "d")):
        d.text(ev.data.upper())
        break
    d.flush()
    assert rec.take() == b"\x81\x01C"
    assert rec.events[-1] == Event("message", "d")


def test_parse_from_inside_listener_only_stores():
    d, rec = open_server()
    seen = []

    def on_message(ev):
        seen.append(ev.data)
        if ev.data == "a":
            d.parse(frame(1, "inner"))
            seen.append("after inner parse")

    d.on("message", on_message)
    d.parse(frame(1, "a") + frame(1, "b"))
    assert seen == ["a", "after inner parse", "b", "inner"]


def test_close_from_inside_listener_and_free_inside_listener():
    d, rec = open_server()
    d.on("message", lambda ev: d.close(1000, "enough"))
    d.parse(frame(1, "a") + frame(1, "b"))
    assert rec.take() == b"\x88\x08\x03\xe8enough"
    assert d.state is State.CLOSING
    e, rec2 = open_server()
    seen = []

    def free_me(ev):
        seen.append(ev.data)
        e.close_handle()

    e.on("message", free_me)
    e.parse(frame(1, "a") + frame(1, "b"))
    assert seen == ["a"]
    assert e.closed_handle and e.state is State.CLOSED


def test_ping_from_inside_pong_reply_callback():
    c, s = pair()
    order = []

    def again():
        order.append("answered")
        if len(order) < 3:
            c.ping(b"x", callback=again)

    c.ping(b"x", callback=again)
    assert order == ["answered"] * 3


# -- lifetime -----------------------------------------------------------------


def test_context_manager_frees_and_later_use_raises():
    with Driver.server() as d:
        fin = d._finalizer
        assert fin.alive
    assert not fin.alive
    assert d.closed_handle
    assert d.state is State.CLOSED and d.version is None and d.headers == {}
    with pytest.raises(wsdriver.HandleClosedError):
        d.parse(b"x")
    with pytest.raises(wsdriver.HandleClosedError):
        d.text("x")
    d.close_handle()  # idempotent, no double free
    assert "freed" in repr(d)


def test_gc_frees_the_driver_even_in_a_cycle():
    d = Driver.server()
    d.on("message", lambda ev: d.text(ev.data))  # listener -> driver cycle
    ref = weakref.ref(d)
    fin = d._finalizer
    del d
    gc.collect()
    assert ref() is None
    assert not fin.alive


def test_close_handle_then_gc_does_not_double_free():
    d = Driver.client("ws://example.com/")
    fin = d._finalizer
    d.close_handle()
    assert not fin.alive
    ref = weakref.ref(d)
    del d
    gc.collect()
    assert ref() is None


def test_listeners_kept_alive_by_the_driver():
    d, rec = open_server()
    got = []

    def make():
        local = []

        def cb(ev):
            local.append(ev.data)
            got.append(ev.data)

        return cb

    d.on("message", make())
    gc.collect()
    d.parse(frame(1, "alive"))
    assert got == ["alive"]


def test_many_drivers_are_freed():
    fins = []
    for _ in range(200):
        c, s = pair()
        c.text("x")
        fins += [c._finalizer, s._finalizer]
    del c, s
    gc.collect()
    assert not any(f.alive for f in fins)


# -- invalid arguments --------------------------------------------------------


def test_invalid_constructor_arguments():
    with pytest.raises(TypeError):
        Driver()
    with pytest.raises(TypeError):
        Driver.server(bogus=1)
    with pytest.raises(TypeError):
        Driver.server(max_length="10")
    with pytest.raises(ValueError):
        Driver.server(max_length=-1)
    Driver.server(max_length=0).close_handle()  # allowed, as in the gem: only empty messages
    with pytest.raises(ValueError):
        Driver.server(max_length=1 << 64)
    with pytest.raises(ValueError):
        Driver.server(max_headers=1000)
    with pytest.raises(TypeError):
        Driver.server(masking=2)
    with pytest.raises(ValueError):
        Driver.server(protocols=["bad proto"])
    with pytest.raises(TypeError):
        Driver.server(protocols=[1])
    with pytest.raises(TypeError):
        Driver.server(write=5)
    with pytest.raises(ValueError):
        Driver.client("http://example.com/")
    with pytest.raises(wsdriver.InvalidURLError):
        Driver.client("not a url")
    with pytest.raises(ValueError):
        Driver.client("ws://example.com/\0x")
    with pytest.raises(TypeError):
        Driver.client(None)
    with pytest.raises(ValueError):
        Driver.client("ws://example.com/", client_key="short")
    assert Driver.server(masking=True, require_masking=False, max_queued=0).state is State.CONNECTING


def test_invalid_command_arguments():
    d, rec = open_server()
    with pytest.raises(TypeError):
        d.text(b"bytes")
    with pytest.raises(TypeError):
        d.binary("str")
    with pytest.raises(TypeError):
        d.parse("str")
    with pytest.raises(TypeError):
        d.parse(None)
    with pytest.raises(ValueError):
        d.ping(b"x" * 126)
    with pytest.raises(ValueError):
        d.pong(b"x" * 126)
    with pytest.raises(TypeError):
        d.ping(b"", callback="nope")
    with pytest.raises(ValueError):
        d.close(999)
    with pytest.raises(ValueError):
        d.close(1005)
    with pytest.raises(ValueError):
        d.close(-1)
    with pytest.raises(TypeError):
        d.close("1000")
    with pytest.raises(ValueError):
        d.close(1000, "r" * 124)
    with pytest.raises(TypeError):
        d.close(1000, b"bytes")
    with pytest.raises(ValueError):
        d.on("bogus", print)
    with pytest.raises(TypeError):
        d.on("message", 5)
    with pytest.raises(ValueError):
        d.text("\ud800")  # lone surrogate: not encodable as UTF-8
    assert rec.take() == b""  # nothing was sent
    assert d.state is State.OPEN


def test_invalid_state():
    c = Driver.client("ws://example.com/")
    c.set_header("X-Ok", "1")
    with pytest.raises(ValueError):
        c.set_header("X-Bad", "a\r\nb")
    with pytest.raises(ValueError):
        c.set_header("X-Ok", "again")
    c.start()
    with pytest.raises(wsdriver.InvalidStateError) as e:
        c.start()
    assert e.value.result == 4
    with pytest.raises(wsdriver.InvalidStateError):
        c.set_header("X-Late", "1")
    c.close()
    with pytest.raises(wsdriver.InvalidStateError):
        c.text("after close")


def test_limit_exceeded_before_open():
    c = Driver.client("ws://example.com/", max_queued=1)
    c.text("one")
    with pytest.raises(wsdriver.LimitExceededError):
        c.text("two")


# -- misc -------------------------------------------------------------------------


def test_decorator_and_off():
    d, rec = open_server()
    got = []

    @d.on("message")
    def on_message(ev):
        got.append(ev.data)

    d.parse(frame(1, "a"))
    d.off("message", on_message)
    d.parse(frame(1, "b"))
    assert got == ["a"]


def test_take_output_without_sink_and_buffered_amount():
    c = Driver.client("ws://example.com/")
    c.start()
    assert c.buffered_amount > 0
    out = c.take_output()
    assert out.startswith(b"GET / HTTP/1.1\r\n")
    assert c.take_output() == b""


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


def test_event_repr():
    assert repr(Event("message", "x" * 50)).endswith("...)")
    assert "code=1000" in repr(Event("close", code=1000, reason=""))


# -- sending with one native call, pulling one event ---------------------------


def test_sent_frames_are_the_same_bytes_whichever_path_they_take():
    d, rec = open_server()
    d.binary(b"direct")  # framed straight into the send buffer
    direct = rec.take()
    d.parse(frame(0x9, b"p"))  # the pong reply is delivered at once...
    rec.take()
    d.feed(frame(0x9, b"q"))  # ...but here a pong waits in the driver:
    d.binary(b"direct")  # so this message is queued behind it
    assert rec.take() == b"\x8a\x01q" + direct
    assert direct == b"\x82\x06direct"
    big = os.urandom(3 << 20)  # larger than the send buffer grows
    d.binary(big)
    assert rec.take() == b"\x82\x7f" + len(big).to_bytes(8, "big") + big


def test_next_event_parses_one_event_at_a_time():
    d, rec = open_server()
    d.feed(frame(0x1, "one") + frame(0x1, "two") + frame(0x8, b"\x03\xe8"))
    assert d.next_event() == Event("message", "one")
    assert d.buffered_amount > 0, "the rest waits unparsed"
    d.text("reply")
    assert d.next_event() == Event("message", "two")
    assert d.next_event().type == "close"
    assert d.next_event() is None
    out = rec.take()
    assert out.index(b"reply") < out.index(b"\x88")
