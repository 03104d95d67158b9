"""Shared by the Python interop programs: the size matrix, payloads, and the
result lines that scripts/test-interop.sh counts ("PASS name" / "FAIL name: why")."""

import os
import sys

# Frame-length boundaries (7-bit, 16-bit, 64-bit lengths) and big messages.
SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20]

# 1 + 2 + 3 + 4 bytes of UTF-8: every encoded length.
_UNIT = "aé€😀"
_UNIT_BYTES = len(_UNIT.encode())


def text_of(n: int) -> str:
    """A str whose UTF-8 encoding is exactly n bytes, mostly multi-byte."""
    k, r = divmod(n, _UNIT_BYTES)
    s = "x" * r + _UNIT * k
    assert len(s.encode()) == n
    return s


def binary_of(n: int) -> bytes:
    return os.urandom(n)


def size_name(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20}MiB"
    return str(n)


def first_diff(a, b) -> str:
    if len(a) != len(b):
        return f"length {len(b)}, expected {len(a)}"
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"differs at index {i}: {y!r} instead of {x!r}"
    return "equal"


class Results:
    def __init__(self, prefix: str):
        self.prefix = prefix
        self.passed = 0
        self.failed = 0

    def ok(self, name: str, note: str = "") -> None:
        self.passed += 1
        print(f"PASS {self.prefix} {name}" + (f" ({note})" if note else ""), flush=True)

    def fail(self, name: str, why: str) -> None:
        self.failed += 1
        print(f"FAIL {self.prefix} {name}: {why}", flush=True)

    def check(self, name: str, cond: bool, why: str = "", note: str = "") -> bool:
        if cond:
            self.ok(name, note)
        else:
            self.fail(name, why or "check failed")
        return cond

    def info(self, msg: str) -> None:
        print(f"  {self.prefix}: {msg}", flush=True)

    def exit(self) -> None:
        sys.exit(1 if self.failed or not self.passed else 0)
