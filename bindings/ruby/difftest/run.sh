#!/usr/bin/env bash
# The Ruby drop-in against the pure-Ruby websocket-driver 0.8.2 gem: installs
# the gem privately (scripts/install-gem08.sh), builds the library if it is
# missing, and runs difftest.rb (extra arguments go to it: --cases N,
# --seed S, --show K, --examples).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
gem="$("$root/scripts/install-gem08.sh" | tail -1)"
# WSDRIVER_LIB as given, or this tree's release build brought up to date.
[ -n "${WSDRIVER_LIB:-}" ] || (cd "$root" && cargo build --release --quiet)
exec ruby "$here/difftest.rb" --gem "$gem" "$@"
