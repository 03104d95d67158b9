#!/usr/bin/env bash
# Tests of the Python binding (bindings/python) and the asyncio examples
# (examples/python), in a private venv.
#
#   scripts/test-python.sh [PYTEST ARGS...]
#
# Builds target/release/libwsdriver.so if it is missing (set WSDRIVER_LIB to
# test another build), creates/reuses the venv
# ${WSDRIVER_CACHE:-$HOME/.cache/wsdriver}/venv-python with pinned pytest and
# websockets, runs pytest, and prints the test count. About 10 s once the
# library and the venv exist.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

PYTEST_VERSION=9.2.0
WEBSOCKETS_VERSION=17.4
CACHE=${WSDRIVER_CACHE:-$HOME/.cache/wsdriver}
VENV=$CACHE/venv-python
STAMP="pytest==$PYTEST_VERSION websockets==$WEBSOCKETS_VERSION"

if [ -z "${WSDRIVER_LIB:-}" ] && [ ! -f target/release/libwsdriver.so ]; then
  echo "==> building libwsdriver (cargo build --release)"
  cargo build --release
fi

PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.wsdriver-stamp" 2>/dev/null)" != "$STAMP" ] \
  || ! "$VENV/bin/python" -c 'import pytest, websockets' 2>/dev/null; then
  echo "==> creating $VENV ($STAMP)"
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pytest==$PYTEST_VERSION" "websockets==$WEBSOCKETS_VERSION"
  echo "$STAMP" >"$VENV/.wsdriver-stamp"
fi

cd bindings/python
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
set +e
PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/python" -m pytest -p no:cacheprovider "$@" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed|error)' "$LOG" | tail -1 || true)
passed=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
failed=$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
echo "python-binding: $passed passed, $failed failed"
exit "$rc"
