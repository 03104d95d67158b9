#!/usr/bin/env bash
# The whole test suite: the README's test command, and what CI runs.
#
#   scripts/test.sh          everything (Autobahn in full, server and client in parallel)
#   scripts/test.sh --quick  the same steps with Autobahn groups 1-10 + 12.1/13.1 and
#                            shorter fuzz runs: for iterating
#
# Installs what is missing (apt packages, the Autobahn suite in ~/.cache) first.
# Prints a timing line per step and fails on the first failing step.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

QUICK=0
[ "${1:-}" = --quick ] && QUICK=1
export WSDRIVER_QUICK=$QUICK

TIMES=()
step() {
  local name=$1
  shift
  local t0=$SECONDS
  echo "==> $name"
  "$@"
  TIMES+=("$(printf '%-28s %4ss' "$name" $((SECONDS - t0)))")
}

# The crates with a workspace of their own (the load client, the fuzz
# targets, the benchmark's echo peers) are outside `--all`; each is checked
# in a target directory of its own (for the load client and the peers, the
# one test-load.sh and echo-shootout.sh build in). examples/h2: test-h2.sh.
SIDE_CRATES=(tests/load:target/load fuzz:target/fuzz benches/echo-peers:target/echo-peers)
rustfmt_all() {
  cargo fmt --all -- --check
  for c in "${SIDE_CRATES[@]}"; do
    cargo fmt --check --manifest-path "${c%%:*}/Cargo.toml"
  done
}
clippy_all() {
  cargo clippy --all-targets -- -D warnings
  for c in "${SIDE_CRATES[@]}"; do
    cargo clippy --all-targets --manifest-path "${c%%:*}/Cargo.toml" --target-dir "${c#*:}" -- -D warnings
  done
}

step "dependencies" scripts/deps.sh
step "rustfmt" rustfmt_all
step "clippy" clippy_all
step "cargo build --release" cargo build --release
step "cargo test" cargo test --release
step "exported symbols" scripts/check-symbols.sh
step "benchmark (one quick run)" cargo bench --bench throughput -- --quick
step "C tests and examples" scripts/test-c.sh
step "Ruby specs" bindings/ruby/run-specs.sh
step "Ruby conformance specs (gem 0.8.2 and drop-in)" bindings/ruby/conformance/run.sh
step "Ruby vs gem 0.8 (differential, 5,000 cases)" bindings/ruby/difftest/run.sh --cases 5000
step "Ruby gem install, Bundler" scripts/test-gem.sh
step "Python wheel and tests" scripts/test-python.sh
step "interop (Chromium, websockets, ws)" scripts/test-interop.sh
step "WebSockets over HTTP/2" scripts/test-h2.sh
if ((QUICK)); then
  step "fuzzing (10 s per target)" scripts/fuzz.sh 10
else
  step "fuzzing (30 s per target)" scripts/fuzz.sh 30
fi
step "load and slow clients" scripts/test-load.sh
step "echo shootout (wsdriver only, short)" scripts/echo-shootout.sh --quick
if ((QUICK)); then
  step "Autobahn (quick)" scripts/autobahn.sh --quick both
else
  step "Autobahn (full)" scripts/autobahn.sh both
fi
# The Python server (wsdriver.asyncio, from the wheel test-python.sh built).
step "Autobahn, Python server (quick)" scripts/autobahn.sh --quick python

echo
echo "All steps passed:"
printf '  %s\n' "${TIMES[@]}"
echo "  total: ${SECONDS}s"
