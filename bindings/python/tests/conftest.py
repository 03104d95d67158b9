import os
import re
import subprocess
import sys

import pytest

# scripts/test-python.sh runs a copy of these tests against the installed
# wheel and says where the repository (examples, header) is.
ROOT = os.environ.get("WSDRIVER_REPO") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "..")
)
EXAMPLES = os.path.join(ROOT, "examples", "python")


def example_env():
    """The examples run on the same (installed) package as the tests."""
    return dict(os.environ)


@pytest.fixture(scope="session")
def echo_server():
    """The asyncio echo server example on a free port; yields its ws:// URL."""
    proc = subprocess.Popen(
        [sys.executable, os.path.join(EXAMPLES, "asyncio_echo_server.py"), "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=example_env(),
    )
    try:
        line = proc.stdout.readline()
        m = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
        assert m, "echo server did not start: %r" % line
        yield "ws://127.0.0.1:%s/" % m.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
