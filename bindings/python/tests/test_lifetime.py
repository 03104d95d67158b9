"""The native handle's lifetime: freed by close_handle, the context
manager or the garbage collector, exactly once (no network)."""

import gc
import weakref

import pytest

import wsdriver
from wsdriver import Driver, State

from helpers import frame, open_server, pair


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
