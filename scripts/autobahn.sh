#!/usr/bin/env bash
# Runs the Autobahn|Testsuite conformance suite against wsdriver's C testees.
#
# Usage: scripts/autobahn.sh [--quick] server|client|both|python
#   server  wstest -m fuzzingclient drives our echo server
#   client  our client drives wstest -m fuzzingserver (getCaseCount, runCase, updateReports)
#   both    both at once (one core each)
#   python  wstest -m fuzzingclient drives the Python echo server
#           (examples/python/asyncio_echo_server.py on wsdriver.asyncio), run from
#           the wheel in target/python-wheel/ (scripts/test-python.sh builds it)
#   --quick cases 1-10, 12.1, 13.1 instead of all 517
# Env:
#   AUTOBAHN_SERVER_CMD  testee server, {port} replaced (default examples/c/build/echo_server {port})
#   AUTOBAHN_CLIENT_CMD  testee client, {url} and {agent} replaced
#                        (default examples/c/build/autobahn_client {url} {agent})
#   AUTOBAHN_TIMEOUT     seconds allowed for each mode's run (default 600 quick, 2400 full;
#                        a full run with permessage-deflate takes ~20 min)
# Reports: target/autobahn/{server,client}/ (index.html, index.json, logs, run.json).
# A full `both` run also regenerates docs/CONFORMANCE.md.
set -euo pipefail
# The braces make bash read the whole file before running any of it, so
# editing this script does not break runs already in progress.
{

ROOT=$(cd "$(dirname "$0")/.." && pwd)
AGENT=wsdriver

usage() { echo "usage: $0 [--quick] server|client|both|python" >&2; exit 2; }
QUICK=0
if [ "${1:-}" = --quick ]; then QUICK=1; shift; fi
[ $# -eq 1 ] || usage
MODE=$1
case $MODE in server | client | both | python) ;; *) usage ;; esac

if ((QUICK)); then
  CASES='["1.*","2.*","3.*","4.*","5.*","6.*","7.*","8.*","9.*","10.*","12.1.*","13.1.*"]'
  TIMEOUT=${AUTOBAHN_TIMEOUT:-600}
else
  CASES='["*"]'
  TIMEOUT=${AUTOBAHN_TIMEOUT:-2400}
fi
SERVER_CMD=${AUTOBAHN_SERVER_CMD:-"$ROOT/examples/c/build/echo_server {port}"}
CLIENT_CMD=${AUTOBAHN_CLIENT_CMD:-"$ROOT/examples/c/build/autobahn_client {url} {agent}"}
OUT=$ROOT/target/autobahn

WSTEST=$("$ROOT/scripts/install-wstest.sh" | tail -n1)
PY2=$(dirname "$WSTEST")/python2.7
WSTEST_VERSION=$("$WSTEST" -a | tr '\n' ' ' | sed 's/ *$//')
# Expected case count, from wstest's own case table (wstest writes a short or
# empty report and still exits 0 when the testee misbehaves).
EXPECTED=$("$PY2" -c '
import json, sys
from autobahntestsuite.caseset import CaseSet
from autobahntestsuite.case import Cases, CaseCategories, CaseSubCategories, CaseSetname, CaseBasename
cs = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
print(len(cs.parseSpecCases({"cases": json.loads(sys.argv[1])})))' "$CASES")

mkdir -p "$OUT"
# Runs share target/autobahn: serialize them rather than clobber reports.
exec 9>"$OUT/.lock"
if ! flock -n 9; then
  echo "autobahn: another run holds $OUT/.lock, waiting" >&2
  flock 9
fi
# Every background process runs under `timeout`, which leads its own process
# group; their ids go here so cleanup can kill whole groups, from any subshell.
PIDS=$OUT/.pids.$$
: >"$PIDS"
SUBSHELLS=()
cleanup() {
  local p
  for p in "${SUBSHELLS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -f "$PIDS" ]; then
    for p in $(cat "$PIDS"); do kill -TERM -- "-$p" 2>/dev/null || true; done
    sleep 0.5
    for p in $(cat "$PIDS"); do kill -KILL -- "-$p" 2>/dev/null || true; done
    rm -f "$PIDS"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bg SECS LOG CMD...: start CMD in the background under a timeout; sets BG_PID.
bg() {
  local secs=$1 log=$2; shift 2
  timeout -k 10 "$secs" "$@" </dev/null >"$log" 2>&1 9>&- &
  BG_PID=$!
  echo "$BG_PID" >>"$PIDS"
}
stop() { kill -TERM -- "-$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT PID: until something listens on PORT (no connection is made,
# so testees do not see a stray connect); fails if PID dies or after 30 s.
wait_port() {
  local i
  for i in $(seq 300); do
    ss -Hltn "sport = :$1" | grep -q . && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# write_run_json DIR MODE TESTEE SECONDS STATUS: metadata for autobahn_check.py.
write_run_json() {
  python3 - "$@" "$CASES" "$EXPECTED" "$WSTEST_VERSION" "$QUICK" <<'EOF'
import json, sys, datetime
d, mode, testee, secs, status, cases, expected, version, quick = sys.argv[1:]
json.dump({"mode": mode, "testee": testee, "seconds": int(secs), "status": status,
           "cases": json.loads(cases), "expected": int(expected), "wstest": version,
           "quick": quick == "1",
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")},
          open(d + "/run.json", "w"), indent=2)
EOF
}

say() { echo "autobahn[$1]: $2" >&2; }

# run_server [NAME [CMD]]: report in $OUT/NAME (default server, SERVER_CMD).
run_server() {
  local name=${1:-server} testee=${2:-$SERVER_CMD}
  local dir=$OUT/$name port cmd tpid wpid rc=0 start status=ok
  rm -rf "$dir" && mkdir -p "$dir"
  port=$(free_port)
  cmd=${testee//\{port\}/$port}
  cat >"$dir/spec.json" <<EOF
{
  "outdir": "$dir",
  "servers": [{"agent": "$AGENT", "url": "ws://127.0.0.1:$port"}],
  "cases": $CASES,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
EOF
  say "$name" "testee: $cmd"
  # Outlives wstest's own timeout, so a hang is reported as a wstest timeout.
  bg $((TIMEOUT + 60)) "$dir/testee.log" bash -c "exec $cmd"
  tpid=$BG_PID
  start=$(date +%s)
  if ! wait_port "$port" "$tpid"; then
    say "$name" "FAIL: testee server did not listen on port $port (see $dir/testee.log)"
    tail -n 20 "$dir/testee.log" >&2 || true
    stop "$tpid"
    write_run_json "$dir" "$name" "${testee#"$ROOT/"}" 0 "testee did not start"
    return 1
  fi
  say "$name" "running $EXPECTED cases (timeout ${TIMEOUT}s), log: $dir/wstest.log"
  # cwd = report dir: wstest drops stray files in its cwd.
  bg "$TIMEOUT" "$dir/wstest.log" bash -c 'cd "$1" && exec "$2" -m fuzzingclient -s spec.json' _ "$dir" "$WSTEST"
  wpid=$BG_PID
  wait "$wpid" || rc=$?
  if ((rc == 124 || rc == 137)); then
    status="wstest timed out after ${TIMEOUT}s"
  elif ((rc != 0)); then
    status="wstest exited with $rc"
  elif ! kill -0 "$tpid" 2>/dev/null; then
    rc=0; wait "$tpid" || rc=$?
    status="testee server exited early (status $rc)"
  fi
  stop "$tpid"
  write_run_json "$dir" "$name" "${testee#"$ROOT/"}" $(($(date +%s) - start)) "$status"
  say "$name" "done in $(($(date +%s) - start)) s: $status"
  [ "$status" = ok ]
}

run_client() {
  local dir=$OUT/client port url cmd spid cpid rc=0 start status=ok
  rm -rf "$dir" && mkdir -p "$dir"
  port=$(free_port)
  url=ws://127.0.0.1:$port
  cmd=${CLIENT_CMD//\{url\}/$url}
  cmd=${cmd//\{agent\}/$AGENT}
  cat >"$dir/spec.json" <<EOF
{
  "url": "$url",
  "outdir": "$dir",
  "cases": $CASES,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
EOF
  # -u 0: no embedded web server (25.10.1 ignores "webport" in the spec and
  # would otherwise bind 8080).
  bg $((TIMEOUT + 60)) "$dir/wstest.log" bash -c 'cd "$1" && exec "$2" -m fuzzingserver -u 0 -s spec.json' _ "$dir" "$WSTEST"
  spid=$BG_PID
  start=$(date +%s)
  if ! wait_port "$port" "$spid"; then
    say client "FAIL: wstest fuzzingserver did not listen on port $port (see $dir/wstest.log)"
    tail -n 20 "$dir/wstest.log" >&2 || true
    stop "$spid"
    write_run_json "$dir" client "${CLIENT_CMD#"$ROOT/"}" 0 "fuzzingserver did not start"
    return 1
  fi
  say client "testee: $cmd"
  say client "running $EXPECTED cases (timeout ${TIMEOUT}s), log: $dir/testee.log"
  bg "$TIMEOUT" "$dir/testee.log" bash -c "exec $cmd"
  cpid=$BG_PID
  wait "$cpid" || rc=$?
  if ((rc == 124 || rc == 137)); then
    status="testee client timed out after ${TIMEOUT}s"
  elif ((rc != 0)); then
    status="testee client exited with $rc"
  elif ! kill -0 "$spid" 2>/dev/null; then
    status="wstest fuzzingserver exited early"
  fi
  # The report is written before updateReports' close, so it is complete now.
  stop "$spid"
  write_run_json "$dir" client "${CLIENT_CMD#"$ROOT/"}" $(($(date +%s) - start)) "$status"
  say client "done in $(($(date +%s) - start)) s: $status"
  [ "$status" = ok ]
}

# The Python testee runs from the wheel's files, unpacked (no venv needed).
python_testee() {
  local wheel pkg=$OUT/python-pkg
  wheel=$(ls "$ROOT"/target/python-wheel/wsdriver-*.whl 2>/dev/null | head -1)
  if [ -z "$wheel" ]; then
    echo "autobahn: no wheel in target/python-wheel/; run scripts/test-python.sh first" >&2
    return 1
  fi
  rm -rf "$pkg" && python3 -m zipfile -e "$wheel" "$pkg"
  echo "env PYTHONPATH=$pkg python3 $ROOT/examples/python/asyncio_echo_server.py {port}"
}

rc=0
dirs=()
case $MODE in
  python)
    PY_CMD=$(python_testee) || exit 1
    run_server python-server "$PY_CMD" || rc=1
    dirs=("$OUT/python-server")
    ;;
  server) run_server || rc=1; dirs=("$OUT/server") ;;
  client) run_client || rc=1; dirs=("$OUT/client") ;;
  both)
    run_server & SUBSHELLS+=($!)
    run_client & SUBSHELLS+=($!)
    for p in "${SUBSHELLS[@]}"; do wait "$p" || rc=1; done
    SUBSHELLS=()
    dirs=("$OUT/server" "$OUT/client")
    ;;
esac

check=(python3 "$ROOT/scripts/autobahn_check.py" --agent "$AGENT")
if ((!QUICK)) && [ "$MODE" = both ]; then
  check+=(--write-doc "$ROOT/docs/CONFORMANCE.md")
elif ((!QUICK)) && [ "$MODE" = python ]; then
  check+=(--write-doc "$ROOT/docs/CONFORMANCE.md" --section python)
fi
"${check[@]}" "${dirs[@]}" || rc=1
exit $rc
}
