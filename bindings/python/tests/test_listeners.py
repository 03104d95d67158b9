"""Listeners: exceptions they raise, commands they give (reentrancy),
registering and removing them (no network)."""

import pytest

from wsdriver import Driver, Event, State

from helpers import REQUEST, frame, open_server, pair


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


# -- registering --------------------------------------------------------------


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


def test_event_repr():
    assert repr(Event("message", "x" * 50)).endswith("...)")
    assert "code=1000" in repr(Event("close", code=1000, reason=""))
