#!/usr/bin/env bash
# WebSockets over HTTP/2 (RFC 8441) with real peers, on 127.0.0.1:
#   - examples/h2 (h2_server: the `h2` crate, rustls, a self-signed
#     certificate from rcgen) serves the demo page and WebSockets over h2
#     and over HTTP/1.1 on one TLS port (ALPN);
#   - headless Chromium loads the page over h2, its WebSocket and the size
#     matrix travel as extended CONNECT streams on the same connection
#     (the server's per-protocol counts say so), permessage-deflate; against
#     a server without SETTINGS_ENABLE_CONNECT_PROTOCOL it falls back to
#     HTTP/1.1 (tests/interop/chromium_h2_test.js);
#   - Python `h2` + `wsproto` exchange the matrix over h2, and send bad
#     extended CONNECT requests (tests/interop/h2_client_test.py).
#
# Usage: scripts/test-h2.sh   (WSDRIVER_CACHE as in scripts/test-interop.sh)
# Installs what is missing (chromium via apt, node-interop, venv-h2), builds
# the example (its own Cargo.lock, target/h2), prints `h2: N passed, M failed`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HERE=$ROOT/tests/interop
CACHE=${WSDRIVER_CACHE:-$HOME/.cache/wsdriver}
VENV=$CACHE/venv-h2
NODE_DIR=$CACHE/node-interop
OUT=$ROOT/target/h2-test
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.json

SERVERS=()
cleanup() {
  local p
  for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$OUT"/chromium-profile-*
}
trap cleanup EXIT

# ---- installs
[ -x /usr/bin/chromium ] || scripts/deps.sh
if ! cmp -s "$HERE/requirements-h2.txt" "$VENV/.wsdriver-requirements" 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  timeout 300 "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements-h2.txt"
  cp "$HERE/requirements-h2.txt" "$VENV/.wsdriver-requirements"
fi
if ! cmp -s "$HERE/package.json" "$NODE_DIR/.wsdriver-package.json" 2>/dev/null ||
  [ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$HERE/package.json" "$NODE_DIR/package.json"
  (cd "$NODE_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 300 npm install --no-audit --no-fund --loglevel=error)
  cp "$HERE/package.json" "$NODE_DIR/.wsdriver-package.json"
fi

# ---- build (the example is its own workspace: test.sh's rustfmt step misses it)
cargo fmt --check --manifest-path examples/h2/Cargo.toml
timeout 1200 cargo build --release --quiet --manifest-path examples/h2/Cargo.toml --target-dir target/h2
SERVER=target/h2/release/h2_server

# start NAME ARGS...: a server on a free port; sets PORT.
start() {
  local log=$OUT/$1.log i
  shift
  timeout -k 5 600 "$SERVER" 0 "$@" >"$log" 2>&1 &
  SERVERS+=($!)
  for i in $(seq 100); do
    PORT=$(sed -nE 's#.*https://127\.0\.0\.1:([0-9]+)/.*#\1#p' "$log")
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  echo "h2: $SERVER did not start: $(cat "$log")" >&2
  exit 1
}

PASSED=0
FAILED=0
# run NAME SECS CMD...: counts PASS/FAIL lines; a crash or timeout fails.
run() {
  local name=$1 secs=$2 log=$OUT/$1.log rc=0
  shift 2
  echo "==> $name"
  timeout -k 5 "$secs" "$@" >"$log" 2>&1 || rc=$?
  cat "$log"
  PASSED=$((PASSED + $(grep -c '^PASS ' "$log" || true)))
  FAILED=$((FAILED + $(grep -c '^FAIL ' "$log" || true)))
  if ((rc != 0)) && ! grep -q '^FAIL ' "$log"; then
    FAILED=$((FAILED + 1))
    echo "FAIL $name: exited with status $rc"
  fi
}

start server
MAIN=$PORT
start server-no-setting --no-connect-protocol
NO_SETTING=$PORT

NODE_PATH=$NODE_DIR/node_modules PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
  run chromium-h2 180 node "$HERE/chromium_h2_test.js" \
  "https://127.0.0.1:$MAIN/" "$OUT" "https://127.0.0.1:$NO_SETTING/"
run h2-python 180 "$VENV/bin/python" "$HERE/h2_client_test.py" "$MAIN" "$NO_SETTING"

echo "h2: $PASSED passed, $FAILED failed"
((FAILED == 0 && PASSED > 0))
