#!/usr/bin/env bash
# The conformance specs (specs in the layout and style of websocket-driver-ruby's
# own spec/ directory: socket doubles, byte-level expectations, one
# describe per state) run twice: against the pure-Ruby websocket-driver
# 0.8.2 gem (scripts/install-gem08.sh), which must pass them all (it is the
# oracle: a failure there is a wrong spec), then against the drop-in, which
# must too, except the examples listed in spec_helper.rb's KNOWN_DIFFERENT
# (run as pending there). Upstream's own spec files are not in the gem's
# .deb, and Debian's archive does not serve its source package here.
#   bindings/ruby/conformance/run.sh [rspec arguments, e.g. a spec file]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
gem="$("$root/scripts/install-gem08.sh" | tail -1)"
# WSDRIVER_LIB as given, or this tree's release build brought up to date.
[ -n "${WSDRIVER_LIB:-}" ] || (cd "$root" && cargo build --release --quiet)

cd "$here"
[ $# -gt 0 ] || set -- *_spec.rb
echo "== conformance specs on the pure-Ruby gem 0.8.2"
WSDRIVER_CONFORMANCE=gem RUBYLIB="$gem" rspec --format progress "$@"
echo "== conformance specs on the drop-in"
WSDRIVER_CONFORMANCE=drop-in RUBYLIB="$root/bindings/ruby/lib" rspec -r wsdriver/drop_in --format progress "$@"
