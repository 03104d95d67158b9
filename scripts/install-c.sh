#!/usr/bin/env bash
# Installs libwsdriver like a C library:
#   PREFIX/lib/libwsdriver.so.X.Y.Z  (SONAME libwsdriver.so.0.MINOR for 0.x,
#                                     libwsdriver.so.MAJOR from 1.0, as cargo-c)
#   PREFIX/lib/libwsdriver.so.<soname version> -> libwsdriver.so.X.Y.Z
#   PREFIX/lib/libwsdriver.so                  -> libwsdriver.so.<soname version>
#   PREFIX/lib/libwsdriver.a
#   PREFIX/include/wsdriver.h        (the committed header)
#   PREFIX/lib/pkgconfig/wsdriver.pc (Libs.private: the staticlib's native libs)
# Usage: scripts/install-c.sh PREFIX
# Env: WSDRIVER_NO_BUILD=1 skips `cargo build --release`;
#      DESTDIR is prepended to every installed path (packaging).
# The SONAME is set on the installed copy with patchelf (installed with
# apt-get when missing and possible); build.rs is not involved.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=$1
case $PREFIX in /*) ;; *) PREFIX=$PWD/$PREFIX ;; esac
DEST=${DESTDIR:-}$PREFIX
log() { echo "install-c: $*" >&2; }

VERSION=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$ROOT/Cargo.toml" | head -n1)
[ -n "$VERSION" ] || { log "no version in Cargo.toml"; exit 1; }
IFS=. read -r MAJOR MINOR PATCH <<<"$VERSION"
PATCH=${PATCH%%[-+]*}
if [ "$MAJOR" = 0 ]; then SOVER=0.$MINOR; else SOVER=$MAJOR; fi
REAL=libwsdriver.so.$MAJOR.$MINOR.$PATCH
SONAME=libwsdriver.so.$SOVER

if [ "${WSDRIVER_NO_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && cargo build --release --quiet)
fi
LIB=$ROOT/target/release
for f in libwsdriver.so libwsdriver.a; do
  [ -f "$LIB/$f" ] || { log "missing $LIB/$f (run cargo build --release)"; exit 1; }
done

if ! command -v patchelf >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing patchelf"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q patchelf >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q patchelf >/dev/null; }
  fi
  command -v patchelf >/dev/null || { log "patchelf is required (apt-get install patchelf)"; exit 1; }
fi

# What a static link needs besides the archive, as rustc reports it.
if [ -n "${WSDRIVER_NATIVE_STATIC_LIBS:-}" ]; then
  PRIVATE=$WSDRIVER_NATIVE_STATIC_LIBS
else
  # A separate target dir (debug: the list does not depend on the profile),
  # so target/release's artifacts and fingerprints stay as they are.
  PRIVATE=$(cd "$ROOT" && cargo rustc --quiet --lib --crate-type staticlib \
    --target-dir "$ROOT/target/native-static-libs" -- --print native-static-libs 2>&1 |
    sed -n 's/.*native-static-libs: //p' | tail -n1)
  [ -n "$PRIVATE" ] || PRIVATE="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
fi

install -d "$DEST/lib/pkgconfig" "$DEST/include"
install -m 0755 "$LIB/libwsdriver.so" "$DEST/lib/$REAL"
patchelf --set-soname "$SONAME" "$DEST/lib/$REAL"
ln -sfn "$REAL" "$DEST/lib/$SONAME"
ln -sfn "$SONAME" "$DEST/lib/libwsdriver.so"
install -m 0644 "$LIB/libwsdriver.a" "$DEST/lib/libwsdriver.a"
install -m 0644 "$ROOT/include/wsdriver.h" "$DEST/include/wsdriver.h"
cat >"$DEST/lib/pkgconfig/wsdriver.pc" <<PC
prefix=$PREFIX
exec_prefix=\${prefix}
libdir=\${exec_prefix}/lib
includedir=\${prefix}/include

Name: wsdriver
Description: A sans-I/O WebSocket protocol driver (RFC 6455, hybi, hixie-75/76) with a C ABI
Version: $VERSION
Libs: -L\${libdir} -lwsdriver
Libs.private: $PRIVATE
Cflags: -I\${includedir}
PC
log "installed wsdriver $VERSION into $DEST (SONAME $SONAME)"
