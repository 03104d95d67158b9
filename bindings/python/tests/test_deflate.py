"""permessage-deflate through the binding: negotiation, compressed frames,
settings checked by the library."""

import pytest

import wsdriver
from wsdriver import Deflate, Driver, State


def deflate_pair(server_deflate, client_deflate):
    s = Driver.server(deflate=server_deflate)
    c = Driver.client("ws://example.com/x", deflate=client_deflate)
    wire = []
    s.on("connect", lambda ev: s.start())
    c.on("write", lambda b: (wire.append(("c", b)), s.parse(b)))
    s.on("write", lambda b: (wire.append(("s", b)), c.parse(b)))
    c.start()
    assert c.state is State.OPEN and s.state is State.OPEN
    wire.clear()
    return c, s, wire


def test_deflate_is_negotiated_and_messages_are_compressed():
    c, s, wire = deflate_pair(True, True)
    assert c.header("Sec-WebSocket-Extensions").startswith("permessage-deflate")
    got = []
    s.on("message", lambda ev: got.append(ev.data))
    text = "compress me " * 1000
    c.text(text)
    assert got == [text]
    (side, frame), = wire
    assert side == "c"
    assert frame[0] & 0x40, "RSV1 marks a compressed message"
    assert len(frame) < len(text) // 10


def test_settings_reach_the_handshake():
    c, s, _ = deflate_pair(
        Deflate(server_max_window_bits=10, client_no_context_takeover=True),
        Deflate(offer_client_max_window_bits=False, server_no_context_takeover=True),
    )
    offer = s.header("Sec-WebSocket-Extensions")
    assert "server_no_context_takeover" in offer and "client_max_window_bits" not in offer
    answer = c.header("Sec-WebSocket-Extensions")
    assert "server_no_context_takeover" in answer and "client_no_context_takeover" in answer


def test_min_size_leaves_small_messages_uncompressed():
    c, s, wire = deflate_pair(True, Deflate(min_size=100))
    c.text("short")
    assert not wire[0][1][0] & 0x40


def test_only_one_side_offering_means_no_extension():
    c, s, wire = deflate_pair(False, True)
    assert c.header("Sec-WebSocket-Extensions") is None
    c.text("plain " * 100)
    assert not wire[0][1][0] & 0x40


def test_bad_settings_are_refused():
    with pytest.raises(wsdriver.InvalidArgumentError):
        Driver.server(deflate=Deflate(level=10))
    with pytest.raises(wsdriver.InvalidArgumentError):
        Driver.server(deflate=Deflate(server_max_window_bits=7))
    with pytest.raises(TypeError):
        Driver.server(deflate="yes")


def test_deflate_after_start_is_refused():
    c = Driver.client("ws://example.com/x")
    c.start()
    with pytest.raises(wsdriver.InvalidStateError):
        c.add_deflate()
