"""The compiled extension (wsdriver._speedups) and the ctypes path it
replaces: the wheel carries it, both paths put the same bytes on the wire
and hand out the same events, and the package works without it."""

import json
import os
import subprocess
import sys

import wsdriver
from wsdriver import _native

# Runs in a subprocess (with or without WSDRIVER_NO_EXTENSION): a server
# and a client driver talk to each other; prints what went on the wire
# from the server and the events each side saw, as JSON.
SCENARIO = r"""
import json, sys
import wsdriver
from wsdriver import Driver

wire = []
server = Driver.server()
client = Driver.client("ws://localhost/", client_key="dGhlIHNhbXBsZSBub25jZQ==")
server.on("connect", lambda ev: server.start())
seen = {"server": [], "client": []}
for name, d in (("server", server), ("client", client)):
    for t in ("open", "message", "ping", "pong", "close", "error"):
        d.on(t, lambda ev, name=name: seen[name].append(
            [ev.type, ev.data.hex() if isinstance(ev.data, bytes) else ev.data, ev.code, ev.reason]))
server.on("write", lambda b: (wire.append(b.hex()), client.parse(b)))
client.on("write", lambda b: server.parse(b))
client.start()
assert server.state is server.state.OPEN and client.state is client.state.OPEN
sizes = (0, 1, 125, 126, 1000, 16383, 16384, 65535, 65536, 1 << 20)
for n in sizes:
    server.binary(bytes(i % 251 for i in range(n)))
    server.text(("é€😀x" * (n // 10 + 1))[: n // 4])
    client.binary(bytes(i % 241 for i in range(n)))
    client.text("ascii" * (n // 5))
server.binary(bytearray(b"ba"))
server.binary(memoryview(b"mv"))
server.ping(b"p")
client.ping("q")
try:
    server.text("\ud800")
except UnicodeEncodeError:
    seen["server"].append(["refused lone surrogate"])
client.close(4000, "bye")
print(json.dumps({"extension": wsdriver.has_extension, "wire": wire, "seen": seen}))
"""


def run_scenario(**env):
    e = dict(os.environ)
    e.pop("WSDRIVER_NO_EXTENSION", None)
    e.update(env)
    r = subprocess.run(
        [sys.executable, "-c", SCENARIO], capture_output=True, text=True, env=e, timeout=120
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_installed_package_uses_the_compiled_extension():
    assert _native.fast is not None, _native.fast_missing
    assert wsdriver.has_extension
    assert os.path.dirname(_native.fast.__file__) == os.path.dirname(wsdriver.__file__)


def test_extension_and_ctypes_put_the_same_bytes_on_the_wire_and_the_same_events_out():
    fast = run_scenario()
    slow = run_scenario(WSDRIVER_NO_EXTENSION="1")
    assert fast["extension"] is True and slow["extension"] is False
    assert len(fast["wire"]) > 25
    # (A large message may go out as one chunk or as header + payload.)
    assert "".join(fast["wire"]) == "".join(slow["wire"])
    assert fast["seen"] == slow["seen"]
    # Every message arrived, the close handshake completed.
    assert len([e for e in fast["seen"]["client"] if e[0] == "message"]) == 22
    assert len([e for e in fast["seen"]["server"] if e[0] == "message"]) == 20
    assert fast["seen"]["server"][-1][:3] == ["close", None, 4000]
    assert ["refused lone surrogate"] in fast["seen"]["server"]


def test_without_the_extension_the_package_says_why_and_runs_on_ctypes():
    code = (
        "import wsdriver, wsdriver._native as N; "
        "print(wsdriver.has_extension, N.fast_missing)"
    )
    e = dict(os.environ, WSDRIVER_NO_EXTENSION="1")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False WSDRIVER_NO_EXTENSION is set"


def test_send_refused_by_the_driver_raises_the_same_error_through_the_extension():
    d = wsdriver.Driver.server()
    d.close_handle()
    try:
        d.binary(b"x")
    except wsdriver.HandleClosedError:
        pass
    else:
        raise AssertionError("no error")
    d = wsdriver.Driver.server(max_queued=1)
    d.binary(b"queued before open")
    try:
        d.text("one too many")
    except wsdriver.LimitExceededError:
        pass
    else:
        raise AssertionError("no error")
