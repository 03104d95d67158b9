#!/usr/bin/env bash
# Checks that the shared library exports exactly the functions declared in
# include/wsdriver.h, and nothing that is not ws_* (STYLE §5, §6).
# cbindgen silently skipped `#[unsafe(export_name)]` before 0.29, and a
# function cbindgen cannot parse is left out of the header without an error;
# this comparison catches both directions.
set -euo pipefail
cd "$(dirname "$0")/.."

header=include/wsdriver.h
lib=target/release/libwsdriver.so

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --lib --quiet
fi
[ -f "$lib" ] || { echo "check-symbols: $lib not found" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Exported functions (T = text) defined by the library itself.
nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "W" || $2 == "i" { print $3 }' \
  | sed 's/@.*//' | sort -u > "$tmp/exported"

# Every defined dynamic symbol, whatever its kind, must be ws_*.
nm -D --defined-only "$lib" | awk '{ print $NF }' | sed 's/@.*//' \
  | grep -v '^ws_' | sort -u > "$tmp/foreign" || true

# Function declarations in the header: an identifier followed by '(' at the
# start of a declaration, outside typedefs and comments.
sed -e 's://.*$::' "$header" \
  | awk '/\/\*/ { c = 1 } !c { print } /\*\// { c = 0 }' \
  | tr '\n' ' ' | tr ';' '\n' \
  | grep -v 'typedef' \
  | grep -oE '\b(ws_[A-Za-z0-9_]+)[[:space:]]*\(' \
  | sed -E 's/[[:space:]]*\($//' | sort -u > "$tmp/declared"

status=0
if [ -s "$tmp/foreign" ]; then
  echo "check-symbols: exported symbols without the ws_ prefix:" >&2
  sed 's/^/  /' "$tmp/foreign" >&2
  status=1
fi
missing=$(comm -13 "$tmp/exported" "$tmp/declared")
extra=$(comm -23 "$tmp/exported" "$tmp/declared")
if [ -n "$missing" ]; then
  echo "check-symbols: declared in $header but not exported by $lib:" >&2
  echo "$missing" | sed 's/^/  /' >&2
  status=1
fi
if [ -n "$extra" ]; then
  echo "check-symbols: exported by $lib but not declared in $header:" >&2
  echo "$extra" | sed 's/^/  /' >&2
  status=1
fi
if [ "$status" = 0 ]; then
  echo "check-symbols: $(wc -l < "$tmp/declared") functions, header and library agree"
fi
exit "$status"
