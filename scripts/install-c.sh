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
# The SONAME is set by build.rs at link time (target/release/libwsdriver.so
# carries it too); this script checks it. A hand-made script rather than
# cargo-c's `cargo cinstall`: cargo-c would do the same (SONAME, symlinks,
# .pc) but `cargo install cargo-c` compiles cargo itself, minutes of CI on
# 2 cores for ~60 lines of shell (README, "The C API").
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

GOT=$(readelf -d "$LIB/libwsdriver.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$GOT" = "$SONAME" ] || { log "$LIB/libwsdriver.so has SONAME '$GOT', expected $SONAME"; exit 1; }

# What a static link needs besides the archive, as rustc reports it.
if [ -n "${WSDRIVER_NATIVE_STATIC_LIBS:-}" ]; then
  PRIVATE=$WSDRIVER_NATIVE_STATIC_LIBS
else
  # A separate target dir (debug: the list does not depend on the profile),
  # so target/release's artifacts and fingerprints stay as they are.
  PRIVATE=$(cd "$ROOT" && cargo rustc --quiet --lib --crate-type staticlib \
    --target-dir "$ROOT/target/native-static-libs" -- --print native-static-libs 2>&1 |
    sed -n 's/.*native-static-libs: //p' | tail -n1)
  [ -n "$PRIVATE" ] || PRIVATE="-lutil -lrt -lpthread -lm -ldl -lc"
fi
# -lgcc_s (the unwinder) has no static archive, so it breaks `cc -static`;
# the compiler driver links the unwinder it needs (libgcc_eh or libgcc_s)
# by itself, in both kinds of link.
PRIVATE=$(printf '%s\n' $PRIVATE | grep -vx -- -lgcc_s | tr '\n' ' ' | sed 's/ *$//')

install -d "$DEST/lib/pkgconfig" "$DEST/include"
install -m 0755 "$LIB/libwsdriver.so" "$DEST/lib/$REAL"
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
