#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time each.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default 30 s, all targets)
#
# Installs cargo-fuzz if missing. Only stable Rust is on the machines, so
# nightly features (-Zsanitizer=address) are enabled with RUSTC_BOOTSTRAP=1.
# New inputs go to fuzz/work/<target>/ (not committed); the committed seeds in
# fuzz/corpus/<target>/ are read only. A crash leaves its input in
# fuzz/artifacts/<target>/ and makes this script exit non-zero: turn it into
# a test in tests/robust_regressions.rs. Prints executions per target.
set -u
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-30}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(server client proxy inflate ffi)

export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked || cargo install cargo-fuzz || exit 2
fi
# Sanitizer: ASan unless FUZZ_SANITIZER says otherwise (e.g. none).
SAN=${FUZZ_SANITIZER:-address}
cargo fuzz build -O --sanitizer "$SAN" || exit 2

status=0
summary=()
for t in "${TARGETS[@]}"; do
    mkdir -p "fuzz/work/$t" "fuzz/artifacts/$t"
    log="fuzz/work/$t.log"
    echo "== $t: ${SECONDS_EACH}s"
    cargo fuzz run -O --sanitizer "$SAN" "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 \
        -max_len=65536 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1)
    speed=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' | tail -1)
    cov=$(grep -E '#[0-9]+.*(cov|ft):' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*ft: ([0-9]+).*/cov \1 ft \2/')
    if [ $rc -ne 0 ]; then
        status=1
        echo "!! $t crashed (exit $rc); see $log and fuzz/artifacts/$t/"
        grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -5
    fi
    summary+=("$(printf '%-8s %12s execs %8s/s  %s  exit %d' "$t" "${execs:-?}" "${speed:-?}" "${cov:-}" "$rc")")
done
echo "== fuzz summary (${SECONDS_EACH}s each)"
printf '%s\n' "${summary[@]}"
exit $status
