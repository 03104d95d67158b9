#!/usr/bin/env bash
# Builds libwsdriver and runs everything C:
#   1. tests/c against the .so, against the .a, under ASan+UBSan (the
#      debug library built with -Zsanitizer=address too, so a use after free
#      inside it is caught), and once under valgrind (leak-check=full,
#      errors fail), and its threaded tests under helgrind (races fail);
#   1b. the heap one idle server connection holds (tests/c/footprint.c,
#      glibc's mallinfo2 with the tcache off; fails above issue 15's limits);
#   2. the header compiled as C89 -pedantic, under clang -Weverything and
#      from a C++11 program (tests/c/header_*);
#   3. examples/c built with -Werror and their smoke test;
#   4. scripts/install-c.sh into a temp prefix, then an outside program
#      built with `pkg-config --cflags --libs wsdriver`, and fully static
#      with `cc -static ... $(pkg-config --static --libs wsdriver)`.
# Usage: scripts/test-c.sh [--no-valgrind] [--no-asan]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VALGRIND=1 ASAN=1
for a in "$@"; do
  case $a in
    --no-valgrind) VALGRIND=0 ;;
    --no-asan) ASAN=0 ;;
    *) echo "usage: $0 [--no-valgrind] [--no-asan]" >&2; exit 2 ;;
  esac
done

passed=0 failed=0
FAILED=()
step() { # step NAME CMD...
  local name=$1; shift
  echo "==> $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    FAILED+=("$name")
    echo "==> FAILED: $name"
  fi
}

need() { # need CMD PACKAGE: install with apt-get when missing and possible
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test-c: installing $2" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null; } || true
  fi
  command -v "$1" >/dev/null || { echo "test-c: $1 is missing (apt-get install $2)" >&2; return 1; }
}
need cc gcc
need make make
need pkg-config pkg-config
need g++ g++
need clang clang || true   # the header's -Weverything check is skipped without it
((VALGRIND)) && need valgrind valgrind

echo "==> cargo build --release"
cargo build --release --quiet
if ((ASAN)); then
  # Stable Rust with RUSTC_BOOTSTRAP=1 for -Zsanitizer (as scripts/fuzz.sh);
  # --target keeps build scripts uninstrumented.
  echo "==> cargo build (debug, ASan-instrumented, for the sanitizer run)"
  host=$(rustc -vV | sed -n 's/^host: //p')
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=address" \
    cargo build --quiet --lib --target "$host" --target-dir target/asan
fi

step "tests/c (shared)" make -s -C tests/c MODE=shared run
step "tests/c (static)" make -s -C tests/c MODE=static run
((ASAN)) && step "tests/c (ASan+UBSan)" make -s -C tests/c MODE=asan run
((VALGRIND)) && step "tests/c (valgrind)" make -s -C tests/c MODE=shared valgrind
((VALGRIND)) && step "tests/c threads (helgrind)" make -s -C tests/c MODE=shared helgrind
step "footprint (heap per connection, mallinfo2)" make -s -C tests/c MODE=shared footprint
step "header (C89 -pedantic, clang -Weverything, C++11)" make -s -C tests/c MODE=shared header
step "examples/c (build + smoke)" make -s -C examples/c test

# Install into a temp prefix and build a program outside the tree.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
outside() {
  local mode=$1 flags deps
  WSDRIVER_NO_BUILD=1 "$ROOT/scripts/install-c.sh" "$TMP/prefix" || return 1
  export PKG_CONFIG_PATH=$TMP/prefix/lib/pkgconfig
  mkdir -p "$TMP/app"
  cat >"$TMP/app/app.c" <<'C'
/* An outside program: an in-memory client/server exchange on the installed
 * library, found through pkg-config. */
#include <stdio.h>
#include <string.h>
#include <wsdriver.h>

typedef struct { unsigned char buf[4096]; size_t len; } sink;
static char got[64];

static int to_sink(void *user, ws_driver *drv, const uint8_t *data, size_t len) {
    sink *s = user;
    (void)drv;
    if (s->len + len > sizeof s->buf) return 1;
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return 0;
}
static int start(void *user, ws_driver *drv) { (void)user; return ws_start(drv) != WS_RESULT_OK; }
static int echo(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    (void)user; (void)kind;
    return ws_text(drv, (const char *)data, len) != WS_RESULT_OK;
}
static int keep(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    (void)user; (void)drv; (void)kind;
    snprintf(got, sizeof got, "%.*s", (int)len, (const char *)data);
    return 0;
}
static int pump(ws_driver *c, sink *cs, ws_driver *s, sink *ss) {
    int i;
    for (i = 0; i < 10 && (cs->len || ss->len); i++) {
        sink t = *cs; cs->len = 0;
        if (t.len && ws_parse(s, t.buf, t.len) != WS_RESULT_OK) return -1;
        t = *ss; ss->len = 0;
        if (t.len && ws_parse(c, t.buf, t.len) != WS_RESULT_OK) return -1;
    }
    return 0;
}
int main(void) {
    ws_driver *c = NULL, *s = NULL;
    sink cs = {{0}, 0}, ss = {{0}, 0};
    if (ws_driver_new_client(NULL, "ws://example.com/", &c) || ws_driver_new_server(NULL, &s)) return 1;
    ws_on_write(c, to_sink, &cs); ws_on_write(s, to_sink, &ss);
    ws_on_connect(s, start, NULL); ws_on_message(s, echo, NULL); ws_on_message(c, keep, NULL);
    if (ws_start(c) || pump(c, &cs, s, &ss)) return 1;
    if (ws_text(c, "installed", 9) || pump(c, &cs, s, &ss)) return 1;
    printf("wsdriver %s (%s): %s\n", ws_version(), WS_VERSION_STRING, got);
    ws_driver_free(c); ws_driver_free(s);
    return strcmp(got, "installed") != 0;
}
C
  if [ "$mode" = static ]; then
    # A fully static program, linked as C users do (issue 12 item 8).
    flags="-static $(pkg-config --cflags --static --libs wsdriver)"
  else
    flags="$(pkg-config --cflags --libs wsdriver) -Wl,-rpath,$TMP/prefix/lib"
  fi
  (cd "$TMP/app" && cc -std=c11 -Wall -Wextra -Werror -pedantic -o "app-$mode" app.c $flags) || return 1
  "$TMP/app/app-$mode" || return 1
  if [ "$mode" = shared ]; then
    # Loaded through the SONAME symlink, from the prefix.

    deps=$(ldd "$TMP/app/app-shared")
    grep -qF "libwsdriver.so.0.1 => $TMP/prefix/lib/libwsdriver.so.0.1" <<<"$deps" || {
      echo "$deps"; return 1; }
  else
    deps=$(ldd "$TMP/app/app-static" 2>&1 || true)
    grep -q "not a dynamic executable" <<<"$deps" || { echo "$deps"; return 1; }
  fi
}
step "install + pkg-config (shared)" outside shared
step "install + pkg-config (static)" outside static

if ((failed)); then printf 'failed: %s\n' "${FAILED[@]}"; fi
echo "test-c: $passed passed, $failed failed"
[ "$failed" = 0 ]
