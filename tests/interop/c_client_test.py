"""examples/c/build/client against third-party echo servers, directly and
through an HTTP CONNECT proxy with Basic auth.

usage: c_client_test.py --client BIN --server NAME URL LOG [--server ...]
                        --proxy PORT USER PASS LOG

The servers (py_echo_server.py, node_echo_server.js) and the proxy
(connect_proxy.py) are already running; their logs tell what they saw, so
the test also checks the path the client asked for, that it closed with
1000 and that the tunnel really went through the proxy.
"""

import argparse
import subprocess
import time

from interop_common import Results

RUN_TIMEOUT = 30  # seconds for one client run

# Multi-byte UTF-8 of every length, an empty message and one past 64 KiB.
ARGV_MESSAGES = [
    "hello",
    "héllo wörld",
    "日本語のテキスト",
    "emoji 😀🎉👍🏽",
    "mixed aé€😀 end",
    "tab\there",
    "",
    "é" * 40000,
]
STDIN_MESSAGES = [
    "first line",
    "ünïcödé ∑ ≠ ∞",
    "中文 한국어 русский",
    "🚀" * 50000,
    "last line",
]


def expected_output(msgs) -> bytes:
    return "".join(m + "\n" for m in msgs).encode()


def short(b: bytes, n: int = 200) -> str:
    s = b.decode("utf-8", "replace")
    return s if len(s) <= n else s[:n] + f"... ({len(b)} bytes)"


def log_lines(path: str) -> list:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def wait_for_line(path: str, pred, start: int, secs: float = 5.0):
    deadline = time.monotonic() + secs
    while True:
        for line in log_lines(path)[start:]:
            if pred(line):
                return line
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def run_client(args, cmd_tail, stdin_data=None):
    cmd = [args.client] + cmd_tail
    t0 = time.monotonic()
    try:
        p = subprocess.run(
            cmd,
            input=stdin_data if stdin_data is not None else b"",
            capture_output=True,
            timeout=RUN_TIMEOUT,
        )
        return p.returncode, p.stdout, p.stderr, time.monotonic() - t0
    except subprocess.TimeoutExpired as e:
        return "timeout", e.stdout or b"", e.stderr or b"", time.monotonic() - t0


def echo_case(res, args, name, server_url, server_log, path, msgs, use_stdin, proxy=None):
    start = len(log_lines(server_log))
    url = server_url.rstrip("/") + path
    tail = (["--proxy", proxy] if proxy else []) + [url]
    if use_stdin:
        rc, out, err, secs = run_client(args, tail, expected_output(msgs))
    else:
        rc, out, err, secs = run_client(args, tail + msgs)
    ok = res.check(
        f"{name} replies",
        rc == 0 and out == expected_output(msgs),
        f"exit {rc}, stdout {short(out)!r}, stderr {short(err)!r}",
        f"{len(msgs)} messages, {secs:.2f}s",
    )
    if not ok and rc == 0:
        got = out.decode("utf-8", "replace").split("\n")
        for i, m in enumerate(msgs):
            if i >= len(got) or got[i] != m:
                res.info(f"{name}: first wrong reply #{i}: {short(got[i].encode()) if i < len(got) else 'missing'!r} for {short(m.encode())!r}")
                break
    path_q = path
    opened = wait_for_line(server_log, lambda l: l.startswith(f"open path={path_q} "), start)
    res.check(f"{name} server saw path {path}", opened is not None, f"no 'open path={path}' in {server_log}")
    closed = wait_for_line(server_log, lambda l: l.startswith(f"close path={path_q} "), start)
    res.check(
        f"{name} closed with 1000",
        closed is not None and " code=1000 " in closed and "clean=True" in closed.replace("true", "True"),
        f"server log: {closed!r}",
    )
    if opened:
        res.info(f"{name}: {opened}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", required=True)
    ap.add_argument("--server", nargs=3, action="append", metavar=("NAME", "URL", "LOG"), required=True)
    ap.add_argument("--proxy", nargs=4, metavar=("PORT", "USER", "PASS", "LOG"), required=True)
    args = ap.parse_args()
    res = Results("c-client")

    for name, url, log in args.server:
        echo_case(res, args, f"-> {name} argv", url, log, f"/c-client/{name}/argv?x=1&y=%C3%A9", ARGV_MESSAGES, False)
        echo_case(res, args, f"-> {name} stdin", url, log, f"/c-client/{name}/stdin", STDIN_MESSAGES, True)

    pport, user, password, plog = args.proxy
    good = f"http://{user}:{password}@127.0.0.1:{pport}"
    for name, url, log in args.server:
        target = url.split("//", 1)[1].split("/", 1)[0]
        pstart = len(log_lines(plog))
        echo_case(res, args, f"-> proxy -> {name}", url, log, f"/c-client/{name}/proxy", ARGV_MESSAGES[:6], False, good)
        line = wait_for_line(plog, lambda l: l.startswith(f"CONNECT {target} "), pstart)
        res.check(
            f"-> proxy -> {name} tunnelled with Basic auth",
            line is not None and "auth=ok status=200" in line,
            f"proxy log: {line!r}",
        )
        closed = wait_for_line(plog, lambda l: l.startswith(f"tunnel {target} closed"), pstart)
        if closed:
            res.info(f"-> proxy -> {name}: {closed}")

    # Wrong and missing credentials: the proxy answers 407 and the client
    # must fail (non-zero, no replies) rather than hang or talk WebSocket.
    name, url, log = args.server[0]
    target = url.split("//", 1)[1].split("/", 1)[0]
    for label, purl, verdict in (
        ("wrong password", f"http://{user}:not-{password}@127.0.0.1:{pport}", "bad"),
        ("no credentials", f"http://127.0.0.1:{pport}", "missing"),
    ):
        pstart = len(log_lines(plog))
        rc, out, err, secs = run_client(args, ["--proxy", purl, url.rstrip("/") + "/c-client/denied", "never sent"])
        res.check(
            f"-> proxy ({label}) fails",
            rc not in (0, "timeout") and out == b"",
            f"exit {rc} after {secs:.1f}s, stdout {short(out)!r}",
            f"exit {rc}, {secs:.2f}s, stderr {short(err).strip()!r}",
        )
        line = wait_for_line(plog, lambda l: l.startswith("CONNECT "), pstart)
        res.check(
            f"-> proxy ({label}) answered 407",
            line is not None and f"auth={verdict} status=407" in line,
            f"proxy log: {line!r}",
        )

    res.exit()


if __name__ == "__main__":
    main()
