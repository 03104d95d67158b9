#!/usr/bin/env bash
# Installs the pure-Ruby websocket-driver 0.8.2 gem (the oracle of the Ruby
# drop-in's differential test) into a private cache, without touching the
# system's gems, apt sources or dpkg database: Debian sid's
# ruby-websocket-driver and ruby-websocket-extensions .debs are fetched with a
# private apt config (as scripts/install-wstest.sh does) and unpacked with
# `dpkg -x`. The .deb's C masking extension is built for Ruby 3.3 and is not
# on the load path: the gem loads the system's `websocket_mask` (Debian's
# older ruby-websocket-driver, the same XOR) or falls back to its pure-Ruby
# WebSocket::Mask.
# Idempotent: a fast no-op once installed. The last stdout line is the
# load path to put first (`ruby -I "$(scripts/install-gem08.sh)"`), which
# holds both gems' lib directories joined by ':'.
set -euo pipefail

VERSION=0.8.2
STAMP_TEXT="websocket-driver $VERSION + websocket-extensions from Debian sid v1"
CACHE=${WSDRIVER_CACHE:-$HOME/.cache/wsdriver}
DIR=$CACHE/gem08
log() { echo "install-gem08: $*" >&2; }

libpath() {
  local driver ext
  driver=$(dirname "$(find "$DIR/prefix" -path "*/websocket-driver-$VERSION/lib/websocket/driver.rb" | head -1)")
  ext=$(dirname "$(find "$DIR/prefix" -path '*/lib/websocket/extensions.rb' | head -1)")
  echo "$(dirname "$driver"):$(dirname "$ext")"
}

if [ "$(cat "$DIR/.installed" 2>/dev/null)" = "$STAMP_TEXT" ]; then
  libpath
  exit 0
fi
mkdir -p "$CACHE"
exec 9>"$CACHE/gem08.lock"
flock 9
if [ "$(cat "$DIR/.installed" 2>/dev/null)" = "$STAMP_TEXT" ]; then
  libpath
  exit 0
fi

rm -rf "$DIR"
mkdir -p "$DIR/prefix"
log "fetching ruby-websocket-driver $VERSION from Debian sid"
"$(dirname "$0")/debian-fetch.sh" sid "$DIR/prefix" "ruby-websocket-driver=$VERSION-*" ruby-websocket-extensions

# The gem must load from here, in pure Ruby, and be 0.8's (Driver#version of a
# hybi driver, Server#url, and the 0.8-only :binary_data_format option).
path=$(libpath)
ruby -I "$path" -e '
  require "websocket/driver"
  abort "not the cache copy" unless $LOADED_FEATURES.grep(%r{/websocket/driver\.rb\z}).first.start_with?(ARGV[0])
  WebSocket::Driver.validate_options({ binary_data_format: :string }, [:binary_data_format])
  abort "no Mask.mask" unless WebSocket::Mask.mask("ab".b, "\x01\x02\x03\x04".b) == "`\`".b
' "$DIR/prefix" >&2
echo "$STAMP_TEXT" >"$DIR/.installed"
log "installed in $DIR"
libpath
