#!/usr/bin/env bash
# The echo shootout: examples/c/echo_server (wsdriver's C API) against echo
# servers on tokio-tungstenite, fastwebsockets (benches/echo-peers) and
# Node's ws, under the same offered load from tests/load's client:
# 1,000 connections, one message in flight each, 16 B / 1 KiB / 64 KiB text
# messages, permessage-deflate off, then on where the server supports it.
# Reports messages/s, the server's CPU seconds per million messages
# (/proc/PID/stat) and round-trip p50/p99.
#
#   scripts/echo-shootout.sh                       full run (~5 min + builds)
#   scripts/echo-shootout.sh --quick               wsdriver only, 16 B, 200 conns, 3 s
#   scripts/echo-shootout.sh --markdown FILE       also put the table in FILE
#                                                  (between the echo-shootout markers)
# Env: SHOOTOUT_CONNS, SHOOTOUT_SECONDS, SHOOTOUT_SIZES override the defaults.
#
# Debian's libwebsockets 4.1 test apps ship no echo server (test-echo was
# dropped in v4; test-server's lws-mirror broadcasts to every connection), so
# no C peer from Debian is run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

QUICK=0
MARKDOWN=
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --markdown) MARKDOWN=$2; shift ;;
    *) echo "usage: $0 [--quick] [--markdown FILE]" >&2; exit 2 ;;
  esac
  shift
done
CACHE=${WSDRIVER_CACHE:-$HOME/.cache/wsdriver}
NODE_DIR=$CACHE/node-echo-peers
PEERS=benches/echo-peers
if ((QUICK)); then
  CONNS=${SHOOTOUT_CONNS:-200}; SECONDS_EACH=${SHOOTOUT_SECONDS:-3}; SIZES=${SHOOTOUT_SIZES:-16}
else
  CONNS=${SHOOTOUT_CONNS:-1000}; SECONDS_EACH=${SHOOTOUT_SECONDS:-10}; SIZES=${SHOOTOUT_SIZES:-"16 1024 65536"}
fi

echo "== build"
cargo build --release --quiet
make -s -C examples/c >/dev/null
cargo build --release --quiet --manifest-path tests/load/Cargo.toml --target-dir target/load
CLIENT=target/load/release/load_client
SERVERS=(wsdriver)
if ((!QUICK)); then
  cargo build --release --quiet --manifest-path $PEERS/Cargo.toml --target-dir target/echo-peers
  SERVERS+=(tokio-tungstenite fastwebsockets)
  stamp=$NODE_DIR/.wsdriver-package.json
  if ! cmp -s $PEERS/package.json "$stamp" || [ ! -f "$NODE_DIR/node_modules/ws/package.json" ]; then
    if command -v npm >/dev/null; then
      rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
      cp $PEERS/package.json "$NODE_DIR/package.json"
      (cd "$NODE_DIR" && timeout 300 npm install --no-audit --no-fund --loglevel=error)
      cp $PEERS/package.json "$stamp"
    fi
  fi
  [ -f "$NODE_DIR/node_modules/ws/package.json" ] && SERVERS+=(node-ws) || echo "== node ws not installed: skipped"
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

server_cmd() {
  case $1 in
    wsdriver) echo "examples/c/build/echo_server 0" ;;
    tokio-tungstenite) echo "target/echo-peers/release/tungstenite_echo 0" ;;
    fastwebsockets) echo "target/echo-peers/release/fastws_echo 0" ;;
    node-ws) echo "env NODE_PATH=$NODE_DIR/node_modules node $PEERS/ws_echo.js 0" ;;
  esac
}
deflates() {
  case $1 in
    wsdriver | node-ws) echo "0 1" ;;
    *) echo "0" ;; # tungstenite 0.30 and fastwebsockets have no permessage-deflate
  esac
}

LOG=$(mktemp)
RESULTS=$(mktemp)
SERVER=
cleanup() {
  if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  rm -f "$LOG" "$RESULTS"
}
trap cleanup EXIT

run_one() { # server size deflate
  local name=$1 size=$2 deflate=$3 port= line
  : >"$LOG" # before the server starts: no stale port from the last run
  # exec: the PID is the server's own, for /proc/PID/stat.
  bash -c "exec $(server_cmd "$name")" >"$LOG" 2>&1 &
  SERVER=$!
  for _ in $(seq 200); do
    port=$(sed -nE 's#.*http://127\.0\.0\.1:([0-9]+)/.*#\1#p' "$LOG" | head -1)
    [ -n "$port" ] && break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "!! $name did not start:"; cat "$LOG"; return 1
  fi
  line=$(timeout --kill-after=5 $((SECONDS_EACH + 90)) "$CLIENT" --port "$port" --server-pid "$SERVER" \
    --conns "$CONNS" --slow 0 --slowloris 0 --size "$size" --seconds "$SECONDS_EACH" \
    --deflate "$deflate" --deadline 120 | grep '^shootout:') || {
    echo "!! load client failed against $name"; kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=; return 1
  }
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  SERVER=
  echo "$name $line" | tee -a "$RESULTS"
}

echo "== $CONNS connections, ${SECONDS_EACH}s per run; servers: ${SERVERS[*]}"
for size in $SIZES; do
  for deflate in 0 1; do
    for s in "${SERVERS[@]}"; do
      [[ " $(deflates "$s") " == *" $deflate "* ]] || continue
      run_one "$s" "$size" "$deflate"
    done
  done
done

# The table: one row per run.
field() { sed -nE "s/.* $1=([^ ]+).*/\1/p" <<<"$2"; }
table() {
  echo "| size | deflate | server | messages/s | server CPU s per 1M messages | p50 ms | p99 ms |"
  echo "| ---: | --- | --- | ---: | ---: | ---: | ---: |"
  while read -r name line; do
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(field size "$line")" \
      "$([ "$(field deflate "$line")" = 1 ] && echo on || echo off)" "$name" \
      "$(field msgs_per_s "$line")" "$(field cpu_s_per_million "$line")" \
      "$(field p50_ms "$line")" "$(field p99_ms "$line")"
  done <"$RESULTS"
}
echo
table
if [ -n "$MARKDOWN" ]; then
  section=$(mktemp)
  {
    echo "<!-- echo-shootout: generated by scripts/echo-shootout.sh; kept by the benchmark's --markdown -->"
    echo "## Echo shootout"
    echo
    echo "\`scripts/echo-shootout.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, shared): the load client of tests/load"
    echo "(one thread, wsdriver's Rust client) keeps one text message in flight on each of $CONNS connections"
    echo "for ${SECONDS_EACH} s per run against each echo server, all single-threaded: examples/c/echo_server"
    echo "(epoll + the C API), tokio-tungstenite 0.30 and fastwebsockets 0.10 on a current-thread tokio"
    echo "runtime (benches/echo-peers), Node $(node --version 2>/dev/null || echo '?') with ws 8. permessage-deflate"
    echo "\"on\" only where the server supports it. CPU is the server's utime + stime from /proc/PID/stat;"
    echo "latency is send-to-echo at the client. The client is the bottleneck at small sizes (both share"
    echo "the 2 cores), so messages/s compares the servers less than CPU per message does."
    echo
    table
    echo "<!-- /echo-shootout -->"
  } >"$section"
  python3 - "$MARKDOWN" "$section" <<'PY'
import sys, re
path, sec = sys.argv[1], open(sys.argv[2]).read()
try:
    doc = open(path).read()
except FileNotFoundError:
    doc = ""
pat = re.compile(r"<!-- echo-shootout.*?<!-- /echo-shootout -->\n?", re.S)
doc = pat.sub(lambda m: sec, doc) if pat.search(doc) else doc.rstrip("\n") + "\n\n" + sec
open(path, "w").write(doc)
PY
  rm -f "$section"
  echo "wrote the table into $MARKDOWN"
fi
