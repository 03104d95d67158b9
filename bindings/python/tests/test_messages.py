"""Messages and control frames through the driver, and how its writes
and events come out (no network)."""

import os

import pytest

import wsdriver
from wsdriver import Driver, Event, State

from helpers import Recorder, frame, open_server, pair


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


# -- sending with one native call, pulling one event --------------------------


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


def test_take_output_without_sink_and_buffered_amount():
    c = Driver.client("ws://example.com/")
    c.start()
    assert c.buffered_amount > 0
    out = c.take_output()
    assert out.startswith(b"GET / HTTP/1.1\r\n")
    assert c.take_output() == b""
