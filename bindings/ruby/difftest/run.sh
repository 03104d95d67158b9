#!/usr/bin/env bash
# The Ruby drop-in against the pure-Ruby websocket-driver 0.8.2 gem: installs
# the gem privately (scripts/install-gem08.sh), builds the library if it is
# missing, and runs difftest.rb (extra arguments go to it: --cases N,
# --seed S, --show K, --examples).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
gem="$("$root/scripts/install-gem08.sh" | tail -1)"
[ -f "${WSDRIVER_LIB:-$root/target/release/libwsdriver.so}" ] || (cd "$root" && cargo build --release)
exec ruby "$here/difftest.rb" --gem "$gem" "$@"
