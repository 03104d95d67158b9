#!/usr/bin/env bash
# Load test: 10,000 concurrent WebSocket connections against the C epoll echo
# server (examples/c/build/echo_server) on 127.0.0.1, with slow clients and
# slowloris heads; see tests/load/load_client.rs for the phases and checks.
#
#   scripts/test-load.sh [--conns N] [--messages N] [--slow N] [--slowloris N]
#
# Builds what it needs (release library, C examples, the load client), then
# runs bounded in time (the run itself < 3 minutes) and prints the figures.
# Exits non-zero when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

echo "== build"
cargo build --release --quiet
make -s -C examples/c >/dev/null
cargo build --release --quiet --manifest-path tests/load/Cargo.toml --target-dir target/load
CLIENT=target/load/release/load_client

# The server needs one descriptor per connection: raise the limit as far as
# this machine allows (echo_server also raises its soft limit to the hard one).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "== fd limit $(ulimit -n)"

LOG=$(mktemp)
cleanup() {
    if [ -n "${SERVER:-}" ] && kill -0 "$SERVER" 2>/dev/null; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -f "$LOG"
}
trap cleanup EXIT

examples/c/build/echo_server 0 >"$LOG" 2>&1 &
SERVER=$!
PORT=
for _ in $(seq 100); do
    PORT=$(sed -nE 's#.*http://127\.0\.0\.1:([0-9]+)/.*#\1#p' "$LOG" | head -1)
    [ -n "$PORT" ] && break
    sleep 0.05
done
if [ -z "$PORT" ]; then
    echo "echo_server did not start:"; cat "$LOG"; exit 1
fi
echo "== echo_server pid $SERVER on port $PORT"

set +e
timeout --kill-after=5 175 "$CLIENT" --port "$PORT" --server-pid "$SERVER" --deadline 140 "$@"
rc=$?
set -e
if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "!! echo_server died during the load test:"; cat "$LOG"; exit 1
fi
[ $rc -eq 124 ] && echo "!! load client timed out"
exit $rc
