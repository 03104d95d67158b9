#!/usr/bin/env bash
# Smoke test of the C examples: echo_server on a free port, client against
# it (arguments, stdin, through an authenticating CONNECT proxy), the demo
# page and a 404, abrupt disconnects without fd leaks, clean SIGTERM exit.
# Usage: examples/c/smoke.sh [BUILD_DIR]   (default examples/c/build)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$HERE/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
TMP=$(mktemp -d)
SERVER_PID= PROXY_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { # check NAME CMD...
  local name=$1; shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}

# wait_line FILE: until FILE has a first line (5 s).
wait_line() {
  local i
  for i in $(seq 50); do
    [ -s "$1" ] && head -n1 "$1" | grep -q . && return 0
    sleep 0.1
  done
  return 1
}

"$BUILD/echo_server" 0 >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
wait_line "$TMP/server.out" || { echo "echo_server did not start"; cat "$TMP/server.err"; exit 1; }
BANNER=$(head -n1 "$TMP/server.out")
PORT=$(sed -n 's#^wsdriver echo server on http://127\.0\.0\.1:\([0-9]*\)/$#\1#p' <<<"$BANNER")
[ -n "$PORT" ] || { echo "unexpected banner: $BANNER"; exit 1; }
echo "# $BANNER"
URL=ws://127.0.0.1:$PORT/
fds() { ls "/proc/$SERVER_PID/fd" | wc -l; }
FDS0=$(fds)

# Arguments.
"$BUILD/client" "$URL" hello "wsdriver ü" '' >"$TMP/out1"
check "client echoes arguments" diff <(printf 'hello\nwsdriver ü\n\n') "$TMP/out1"

# stdin lines.
printf 'one\ntwo\nthree\n' | "$BUILD/client" "${URL}path?q=1" >"$TMP/out2"
check "client echoes stdin lines" diff <(printf 'one\ntwo\nthree\n') "$TMP/out2"

# A large message (1 MiB line).
python3 -c 'print("x" * (1 << 20))' >"$TMP/big"
"$BUILD/client" "$URL" <"$TMP/big" >"$TMP/out3"
check "client echoes a 1 MiB message" cmp -s "$TMP/big" "$TMP/out3"

# Through a CONNECT proxy with Basic auth.
python3 "$HERE/connect_proxy.py" >"$TMP/proxy.out" 2>"$TMP/proxy.err" &
PROXY_PID=$!
wait_line "$TMP/proxy.out" || { echo "proxy did not start"; cat "$TMP/proxy.err"; exit 1; }
PPORT=$(head -n1 "$TMP/proxy.out")
"$BUILD/client" --proxy "http://user:pass@127.0.0.1:$PPORT" "$URL" via-proxy >"$TMP/out4"
check "client through proxy" diff <(printf 'via-proxy\n') "$TMP/out4"
if "$BUILD/client" --proxy "http://user:wrong@127.0.0.1:$PPORT" "$URL" x >/dev/null 2>"$TMP/err5"; then
  bad "proxy refusal is an error"
else
  check "proxy refusal is an error" grep -q "407" "$TMP/err5"
fi

# Errors: nothing listening, bad URL.
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if "$BUILD/client" "ws://127.0.0.1:$DEAD/" x >/dev/null 2>"$TMP/err6"; then bad "connect failure exits non-zero"
else check "connect failure exits non-zero" test -s "$TMP/err6"; fi
if "$BUILD/client" "http://127.0.0.1:$PORT/" x >/dev/null 2>"$TMP/err7"; then bad "bad URL exits non-zero"
else check "bad URL exits non-zero" test -s "$TMP/err7"; fi

# The demo page, HEAD, and a 404 (python3's http.client: no curl needed).
python3 - "$PORT" >"$TMP/http" <<'PY'
import http.client, sys
port = int(sys.argv[1])
def get(method, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path)
    r = c.getresponse()
    body = r.read()
    print(method, path, r.status, r.getheader("Content-Length"), len(body), r.getheader("Content-Type"))
    return body
page = get("GET", "/")
print("has-websocket" if b"new WebSocket('ws://' + location.host + '/')" in page else "no-websocket")
print("has-binary" if b"Uint8Array" in page else "no-binary")
get("HEAD", "/")
get("GET", "/missing")
PY
check "GET / serves the demo page" grep -q '^GET / 200 \([0-9]*\) \1 text/html' "$TMP/http"
check "demo page opens a WebSocket" grep -qx 'has-websocket' "$TMP/http"
check "demo page sends binary" grep -qx 'has-binary' "$TMP/http"
check "HEAD / has no body" grep -q '^HEAD / 200 [0-9]* 0 ' "$TMP/http"
check "other paths are 404" grep -q '^GET /missing 404 ' "$TMP/http"

# Abrupt disconnects (mid-handshake, mid-frame, after open) leave no fds.
python3 - "$PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
req = (b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
for i in range(60):
    s = socket.create_connection(("127.0.0.1", port))
    if i % 3 == 0:
        s.sendall(req[:20])
    elif i % 3 == 1:
        s.sendall(req + b"\x81\xfe\x10\x00abcd" + b"x" * 100)  # a 4 KiB frame, cut short
    else:
        s.sendall(req)
        s.recv(4096)
    if i % 2:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
    s.close()
time.sleep(0.5)
PY
check "no fd leak after abrupt disconnects ($(fds) fds, $FDS0 at start)" test "$(fds)" -le "$FDS0"

# Many connections at once.
for i in $(seq 20); do "$BUILD/client" "$URL" "c$i" >"$TMP/par$i" & done
wait_ok=1
for job in $(jobs -p); do
  [ "$job" = "$SERVER_PID" ] || [ "$job" = "$PROXY_PID" ] || wait "$job" || wait_ok=0
done
for i in $(seq 20); do [ "$(cat "$TMP/par$i")" = "c$i" ] || wait_ok=0; done
check "20 concurrent clients" test $wait_ok = 1

# SIGTERM: clean exit 0.
kill -TERM "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=
check "SIGTERM exits cleanly" test "$rc" = 0

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
