#!/usr/bin/env bash
# The main job: builds the library and the C echo server, then serves the demo
# page and echoes WebSocket messages on http://127.0.0.1:PORT/ (default 8080).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release
make -s -C examples/c
exec examples/c/build/echo_server "${1:-8080}"
