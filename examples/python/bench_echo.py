#!/usr/bin/env python3
"""Throughput of the asyncio echo server: N clients x M messages.

    python3 examples/python/bench_echo.py [-c CLIENTS] [-m MESSAGES] [-s SIZE]
                                          [-w WINDOW] [--time-limit SECONDS] [--url URL]

Starts examples/python/asyncio_echo_server.py on a free port of 127.0.0.1
(unless --url names a running server), opens CLIENTS connections (wsdriver
clients on asyncio), and on each sends MESSAGES text messages of SIZE bytes,
keeping at most WINDOW unanswered, then closes. Prints the round trips per
second (every message is sent and echoed back once). Bounded: the counts are
fixed and the whole run stops after --time-limit seconds (exit status 1).
Only ever talks to 127.0.0.1 (or the --url you give).
"""

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))

from wsdriver import Driver, State  # pip install ./bindings/python


async def client(url, messages, size, window, counts):
    parts = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    d = Driver.client(url, write=writer.write)
    payload = "x" * size
    state = {"sent": 0, "got": 0}
    can_send = asyncio.Event()

    @d.on("open")
    def _(ev):
        can_send.set()

    @d.on("message")
    def _(ev):
        state["got"] += 1
        if state["got"] == messages:
            d.close()
        elif state["sent"] - state["got"] < window:
            can_send.set()

    async def send_loop():
        while state["sent"] < messages:
            await can_send.wait()
            can_send.clear()
            if d.state is not State.OPEN:
                return
            while state["sent"] < messages and state["sent"] - state["got"] < window:
                d.text(payload)
                state["sent"] += 1
            await writer.drain()

    async def read_loop():
        while d.state is not State.CLOSED:
            data = await reader.read(1 << 16)
            if not data:
                d.transport_closed()
                break
            d.parse(data)
        can_send.set()

    with d:
        d.start()
        sender = asyncio.ensure_future(send_loop())
        try:
            await read_loop()
        finally:
            sender.cancel()
            writer.close()
    counts.append(state["got"])


async def bench(url, clients, messages, size, window):
    counts = []
    t0 = time.perf_counter()
    await asyncio.gather(*(client(url, messages, size, window, counts) for _ in range(clients)))
    return sum(counts), time.perf_counter() - t0


def start_server():
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "asyncio_echo_server.py"), "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    m = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit("the echo server did not start: %r" % line)
    return proc, "ws://127.0.0.1:%s/" % m.group(1)


def main(argv=None):
    p = argparse.ArgumentParser(description="asyncio echo server throughput")
    p.add_argument("-c", "--clients", type=int, default=10)
    p.add_argument("-m", "--messages", type=int, default=2000, help="per client")
    p.add_argument("-s", "--size", type=int, default=64, help="message size in bytes")
    p.add_argument("-w", "--window", type=int, default=32, help="unanswered messages per client")
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--url", help="a running echo server (default: start one on 127.0.0.1)")
    a = p.parse_args(argv)
    if not (1 <= a.clients <= 1000 and 1 <= a.messages <= 1_000_000 and a.window >= 1):
        raise SystemExit("counts out of range")

    proc = None
    url = a.url
    if url is None:
        proc, url = start_server()
    try:
        try:
            total, secs = asyncio.run(
                asyncio.wait_for(bench(url, a.clients, a.messages, a.size, a.window), a.time_limit)
            )
        except asyncio.TimeoutError:
            print("time limit of %.0fs reached" % a.time_limit)
            return 1
    finally:
        if proc:
            proc.terminate()
            proc.wait(5)
    expected = a.clients * a.messages
    print(
        "%d clients x %d messages of %d bytes (window %d): %d echoed in %.2fs = %.0f messages/s"
        % (a.clients, a.messages, a.size, a.window, total, secs, total / secs)
    )
    return 0 if total == expected else 1


if __name__ == "__main__":
    sys.exit(main())
