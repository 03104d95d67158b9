#!/usr/bin/env bash
# Interop with real peers, all on 127.0.0.1:
#   - headless Chromium (Debian's /usr/bin/chromium via playwright-core) loads
#     the C echo server's demo page, uses its UI, and echoes the size matrix
#     (0 B .. 16 MiB, text with multi-byte UTF-8 and binary) from page JS,
#     all through tests/interop/ws_wire_tap.py, a relay that forwards the
#     bytes unchanged and records the frames; permessage-deflate must be
#     negotiated (ws.extensions and the 101's Sec-WebSocket-Extensions) and
#     compressed (RSV1) frames must cross the wire both ways, the 1 MiB text
#     in under a tenth of its size;
#   - Python `websockets` and Node `ws` clients against the C echo server
#     (size matrix with and without permessage-deflate offered, ping/pong,
#     close 4000 "bye");
#   - examples/c/build/client against Python `websockets` and Node `ws` echo
#     servers, directly and through an HTTP CONNECT proxy with Basic auth;
#   - the same `websockets` and `ws` client tests, and Chromium's size
#     matrix (from the C server's page, tests/interop/chromium_python_server.js),
#     against the Python echo server (examples/python/asyncio_echo_server.py
#     on wsdriver.asyncio), run from the wheel in target/python-wheel/
#     (scripts/test-python.sh builds it; skipped with a failure when it is
#     missing).
#
# Usage: scripts/test-interop.sh
# Env:
#   WSDRIVER_CACHE           where the venv and node modules live
#                            (default ~/.cache/wsdriver)
#   WSDRIVER_EXPECT_DEFLATE  0: only report whether Chromium negotiated
#                            permessage-deflate and compressed frames crossed
#                            the wire (default 1: fail unless they did)
#   INTEROP_BIN_DIR          where echo_server and client are (default
#                            examples/c/build, built by this script)
#   INTEROP_SKIP_BUILD       1: do not build (use INTEROP_BIN_DIR as it is)
# Installs what is missing (venv-interop, node-interop, chromium), builds
# (cargo build --release, make -C examples/c), runs every program under a
# timeout, kills everything it started on exit, prints
# `interop: N passed, M failed` and exits non-zero on any failure.
# Logs and results: target/interop/ (chromium.json records whether
# permessage-deflate was negotiated and the wire figures; wire.json is the
# relay's frame-by-frame summary; demo.png is the page after the UI test).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HERE=$ROOT/tests/interop
CACHE=${WSDRIVER_CACHE:-$HOME/.cache/wsdriver}
VENV=$CACHE/venv-interop
NODE_DIR=$CACHE/node-interop
OUT=$ROOT/target/interop
CHROMIUM=/usr/bin/chromium
PROXY_USER=interop
PROXY_PASS=s3cret

say() { echo "interop: $*" >&2; }

# ---------------------------------------------------------------- processes
mkdir -p "$OUT"
# Results of an earlier run must not be reported as this one's.
rm -f "$OUT/chromium.json" "$OUT/wire.json" "$OUT/demo.png"
PIDS=$OUT/.pids.$$
: >"$PIDS"
cleanup() {
  local p
  if [ -f "$PIDS" ]; then
    # `timeout` leads its own process group: kill the groups we started.
    for p in $(cat "$PIDS"); do kill -TERM -- "-$p" 2>/dev/null || true; done
    sleep 0.3
    for p in $(cat "$PIDS"); do kill -KILL -- "-$p" 2>/dev/null || true; done
    rm -f "$PIDS"
  fi
  rm -rf "$OUT"/chromium-profile-*
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bg SECS LOG CMD...: CMD in the background under a timeout; sets BG_PID.
bg() {
  local secs=$1 log=$2
  shift 2
  timeout -k 5 "$secs" "$@" </dev/null >"$log" 2>&1 &
  BG_PID=$!
  echo "$BG_PID" >>"$PIDS"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_file FILE PID: until FILE exists (a server wrote its port); 0 or 1.
wait_file() {
  local i
  for i in $(seq 150); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# wait_line FILE PATTERN PID: until FILE has a line matching PATTERN.
wait_line() {
  local i
  for i in $(seq 150); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- results
PASSED=0
FAILED=0
TIMES=()
pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }

# finish: timings, the summary line, and the exit status.
finish() {
  echo
  echo "timings:"
  printf '  %s\n' "${TIMES[@]}"
  echo "  total                    ${SECONDS}s"
  if [ -f "$OUT/chromium.json" ]; then
    echo "  permessage-deflate with Chromium: $(grep -o '"deflate": [a-z]*' "$OUT/chromium.json" | head -n 1 | cut -d' ' -f2) (target/interop/chromium.json)"
    python3 - "$OUT/chromium.json" <<'PYEOF' || true
import json, sys
w = json.load(open(sys.argv[1])).get("wire") or {}
for key, arrow in (("client_to_server", "client->server"), ("server_to_client", "server->client")):
    d = w.get(key)
    if not d:
        continue
    t = d.get("text1MiB") or {}
    print(f"  wire {arrow}: {d['rsv1DataFrames']} RSV1 data frames of {d['messages']} messages; "
          f"1 MiB text took {t.get('wireBytes', '?')} B ({t.get('ratio', '?')}:1) (target/interop/wire.json)")
PYEOF
  fi
  echo "interop: $PASSED passed, $FAILED failed"
  if ((FAILED == 0)); then exit 0; else exit 1; fi
}

# run_test NAME SECS CMD...: runs CMD under a timeout, shows its output,
# counts its PASS/FAIL lines; a non-zero exit without a FAIL line (a crash
# or a timeout) counts as one failure.
run_test() {
  local name=$1 secs=$2 log=$OUT/$1.log rc=0 p f t0=$SECONDS
  shift 2
  echo "==> $name"
  # In the background so that the traps (and cleanup) run on INT/TERM.
  bg "$secs" "$log" "$@"
  wait "$BG_PID" || rc=$?
  cat "$log"
  p=$(grep -c '^PASS ' "$log" || true)
  f=$(grep -c '^FAIL ' "$log" || true)
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if ((rc == 124 || rc == 137)); then
    fail "$name: timed out after ${secs}s"
  elif ((rc != 0 && f == 0)); then
    fail "$name: exited with status $rc"
  elif ((rc == 0 && p == 0)); then
    fail "$name: ran no check"
  fi
  TIMES+=("$(printf '%-24s %4ss  %3s passed, %s failed' "$name" $((SECONDS - t0)) "$p" "$f")")
}

# ---------------------------------------------------------------- installs
STEP_T0=$SECONDS
step_done() { TIMES+=("$(printf '%-24s %4ss' "$1" $((SECONDS - STEP_T0)))"); STEP_T0=$SECONDS; }

install_chromium() {
  [ -x "$CHROMIUM" ] && return 0
  say "installing chromium (Debian package)"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 $sudo apt-get update -q
  timeout 600 $sudo apt-get install -y -q --no-install-recommends chromium
}

install_python() {
  local stamp=$VENV/.wsdriver-requirements
  if [ -x "$VENV/bin/python" ] && cmp -s "$HERE/requirements.txt" "$stamp" &&
    "$VENV/bin/python" -c 'import websockets' 2>/dev/null; then
    return 0
  fi
  say "creating $VENV"
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  if ! python3 -m venv "$VENV"; then
    # Debian's python3 needs python3-venv for ensurepip.
    rm -rf "$VENV"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    timeout 300 $sudo apt-get update -q
    timeout 300 $sudo apt-get install -y -q --no-install-recommends python3-venv
    python3 -m venv "$VENV"
  fi
  timeout 300 "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$stamp"
}

install_node() {
  local stamp=$NODE_DIR/.wsdriver-package.json
  if cmp -s "$HERE/package.json" "$stamp" && [ -f "$NODE_DIR/node_modules/ws/package.json" ] &&
    [ -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
    return 0
  fi
  command -v npm >/dev/null || { say "npm not found"; return 1; }
  say "installing node packages into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$HERE/package.json" "$NODE_DIR/package.json"
  # playwright-core never downloads a browser; the variable makes sure.
  (cd "$NODE_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 300 npm install --no-audit --no-fund --loglevel=error)
  cp "$HERE/package.json" "$stamp"
}

install_chromium || { fail "installing chromium"; finish; }
install_python || { fail "installing the Python venv ($VENV)"; finish; }
install_node || { fail "installing the Node packages ($NODE_DIR)"; finish; }
step_done "installs"

PY=$VENV/bin/python
export NODE_PATH=$NODE_DIR/node_modules
export PYTHONPATH=$HERE
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1

# ---------------------------------------------------------------- build
BIN=${INTEROP_BIN_DIR:-$ROOT/examples/c/build}
if [ "${INTEROP_SKIP_BUILD:-0}" != 1 ]; then
  timeout 900 cargo build --release || { fail "cargo build --release"; finish; }
  timeout 300 make -s -C examples/c || { fail "make -C examples/c"; finish; }
fi
for b in echo_server client; do
  [ -x "$BIN/$b" ] || { fail "$BIN/$b was not built"; finish; }
done
step_done "build"

# ---------------------------------------------------------------- servers
# Our echo server: takes its port on the command line (a free one; retried
# once should another process take it first).
ECHO_LOG=$OUT/echo_server.log
ECHO_PORT=
for attempt in 1 2 3; do
  port=$(free_port)
  bg 240 "$ECHO_LOG" "$BIN/echo_server" "$port"
  ECHO_PID=$BG_PID
  if wait_line "$ECHO_LOG" "127.0.0.1:$port" "$ECHO_PID"; then
    ECHO_PORT=$port
    break
  fi
  kill -TERM -- "-$ECHO_PID" 2>/dev/null || true
  wait "$ECHO_PID" 2>/dev/null || true
done
if [ -z "$ECHO_PORT" ]; then
  fail "C echo server did not start; its output:"
  cat "$ECHO_LOG"
  finish
fi
banner="wsdriver echo server on http://127.0.0.1:$ECHO_PORT/"
if grep -qxF "$banner" "$ECHO_LOG"; then
  pass "echo server banner: $banner"
else
  fail "echo server banner: expected '$banner', got: $(head -c 300 "$ECHO_LOG")"
fi

# Third-party echo servers and the proxy bind port 0 and write the port to
# the file named by their last argument.
start_server() { # NAME CMD...: sets SERVER_PORT
  local name=$1 pf=$OUT/$1.port
  shift
  rm -f "$pf"
  bg 240 "$OUT/$name.log" "$@" "$pf"
  if ! wait_file "$pf" "$BG_PID"; then
    fail "$name did not start; its output:"
    cat "$OUT/$name.log"
    finish
  fi
  SERVER_PORT=$(cat "$pf")
}
start_server py_echo_server "$PY" "$HERE/py_echo_server.py"
PY_PORT=$SERVER_PORT
start_server node_echo_server node "$HERE/node_echo_server.js"
NODE_PORT=$SERVER_PORT
start_server connect_proxy "$PY" "$HERE/connect_proxy.py" "$PROXY_USER" "$PROXY_PASS"
PROXY_PORT=$SERVER_PORT
# The wire tap in front of the echo server, for Chromium: the page and the
# WebSockets go through it; it writes wire.json whenever a connection ends.
start_server ws_wire_tap "$PY" "$HERE/ws_wire_tap.py" --max-seconds 230 "$ECHO_PORT" "$OUT/wire.json"
TAP_PORT=$SERVER_PORT
TAP_PID=$BG_PID
step_done "start servers"

# ---------------------------------------------------------------- tests
run_test chromium 150 node "$HERE/chromium_test.js" "http://127.0.0.1:$TAP_PORT/" "$OUT" "$OUT/wire.json"
# Done with the tap: SIGTERM makes it write its last summary and exit.
kill -TERM -- "-$TAP_PID" 2>/dev/null || true
wait "$TAP_PID" 2>/dev/null || true
run_test python-websockets 90 "$PY" "$HERE/py_client_test.py" "ws://127.0.0.1:$ECHO_PORT/"
run_test node-ws 90 node "$HERE/node_client_test.js" "ws://127.0.0.1:$ECHO_PORT/"
run_test c-client 120 "$PY" "$HERE/c_client_test.py" \
  --client "$BIN/client" \
  --server python "ws://127.0.0.1:$PY_PORT/" "$OUT/py_echo_server.log" \
  --server node "ws://127.0.0.1:$NODE_PORT/" "$OUT/node_echo_server.log" \
  --proxy "$PROXY_PORT" "$PROXY_USER" "$PROXY_PASS" "$OUT/connect_proxy.log"

# The Python echo server, from the wheel's files unpacked (no venv needed).
WHEEL=$(ls "$ROOT"/target/python-wheel/wsdriver-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$WHEEL" ]; then
  fail "Python echo server: no wheel in target/python-wheel/ (run scripts/test-python.sh)"
else
  rm -rf "$OUT/python-pkg" && python3 -m zipfile -e "$WHEEL" "$OUT/python-pkg"
  PYECHO_LOG=$OUT/python_echo_server.log
  bg 240 "$PYECHO_LOG" env PYTHONPATH="$OUT/python-pkg" python3 "$ROOT/examples/python/asyncio_echo_server.py" 0
  PYECHO_PID=$BG_PID
  if wait_line "$PYECHO_LOG" "listening on ws://127.0.0.1:" "$PYECHO_PID"; then
    PYECHO_URL=$(grep -o 'ws://127.0.0.1:[0-9]*/' "$PYECHO_LOG" | head -n 1)
    run_test python-server-websockets 90 "$PY" "$HERE/py_client_test.py" "$PYECHO_URL"
    run_test python-server-node-ws 90 node "$HERE/node_client_test.js" "$PYECHO_URL"
    run_test python-server-chromium 150 node "$HERE/chromium_python_server.js" \
      "http://127.0.0.1:$ECHO_PORT/" "$PYECHO_URL" "$OUT"
  else
    fail "Python echo server did not start; its output:"
    cat "$PYECHO_LOG"
  fi
fi

if kill -0 "$ECHO_PID" 2>/dev/null; then
  pass "echo server still running after all clients"
else
  rc=0
  wait "$ECHO_PID" || rc=$?
  fail "echo server exited during the tests (status $rc); tail of its output:"
  tail -n 20 "$ECHO_LOG"
fi

finish
