"""Invalid arguments, commands in the wrong state and exceeded limits
raise a clear error; a refused command sends nothing (no network)."""

import pytest

import wsdriver
from wsdriver import Driver, State

from helpers import open_server


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
