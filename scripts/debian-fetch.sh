#!/usr/bin/env bash
# Fetches Debian packages from another release and unpacks them into a
# folder, without touching the system's apt state or installing anything:
#
#   scripts/debian-fetch.sh RELEASE DEST PACKAGE...
#
# A private apt (its own sources, state and cache under DEST/.apt) runs
# `apt-get download`; every .deb is unpacked into DEST with `dpkg -x`.
# Used by install-wstest.sh (python2.7 from bullseye) and install-gem08.sh
# (websocket-driver 0.8 from sid).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 RELEASE DEST PACKAGE..." >&2; exit 2; }
RELEASE=$1 DEST=$2
shift 2
APT=$DEST/.apt
rm -rf "$APT"
mkdir -p "$APT"/{conf.d,prefs.d,state/lists/partial,cache/archives/partial,debs}
touch "$APT/state/status"
# APT_CONFIG is read before apt.conf.d, so pointing Dir::Etc::parts at an
# empty dir also keeps the image's hooks (e.g. docker-clean) out.
cat >"$APT/sources.list" <<EOS
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $RELEASE main
EOS
cat >"$APT/apt.conf" <<EOS
Dir::Etc::parts "$APT/conf.d";
Dir::Etc::main "/dev/null";
Dir::Etc::sourcelist "$APT/sources.list";
Dir::Etc::sourceparts "-";
Dir::Etc::preferences "/dev/null";
Dir::Etc::preferencesparts "$APT/prefs.d";
Dir::State "$APT/state";
Dir::State::status "$APT/state/status";
Dir::Cache "$APT/cache";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
APT::Sandbox::User "$(id -un)";
EOS
(
  export APT_CONFIG=$APT/apt.conf
  apt-get -q update >&2
  cd "$APT/debs"
  apt-get -q download "$@" >&2
)
for deb in "$APT"/debs/*.deb; do dpkg -x "$deb" "$DEST"; done
rm -rf "$APT"
