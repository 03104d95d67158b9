#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (bindings, sanitizers,
# browser tests, reference peers). Idempotent: only missing packages are
# installed and `apt-get update` runs at most once, and only if needed.
set -euo pipefail

required=(
  pkg-config valgrind clang jq gcc libc6-dev iproute2 python3-dev
  ruby ruby-dev ruby-ffi ruby-rspec ruby-eventmachine ruby-rack puma thin
  ruby-faye-websocket ruby-websocket-driver ruby-websocket-extensions
  ruby-bundler ruby-actioncable
  chromium libwslay-dev
)
# Not present in every Debian release (split out of clang in bookworm);
# needed for clang's -fsanitize runtimes where it exists.
optional=(libclang-rt-14-dev)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
available() { apt-cache show "$1" >/dev/null 2>&1; }

missing=()
for p in "${required[@]}"; do installed "$p" || missing+=("$p"); done
opt_missing=()
for p in "${optional[@]}"; do installed "$p" || opt_missing+=("$p"); done

# Nothing to do: required all there, optional ones there or unknown to apt.
need_update=0
if ((${#missing[@]})); then need_update=1; fi
for p in "${opt_missing[@]}"; do available "$p" && need_update=1; done
if ((!need_update)); then
  echo "deps.sh: all packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

$SUDO apt-get update -q

for p in "${opt_missing[@]}"; do
  if available "$p"; then missing+=("$p"); else echo "deps.sh: skipping $p (not in this release)"; fi
done

if ((${#missing[@]})); then
  echo "deps.sh: installing ${missing[*]}"
  # Recommends are not needed (fonts, docs, llvm-dev for clang, ...).
  # One retry: a concurrent `apt-get update` elsewhere runs the image's
  # docker-clean hook, which deletes downloaded .debs mid-install.
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "deps.sh: done"
