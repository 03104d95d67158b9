#!/usr/bin/env bash
# Runs the Ruby binding's specs: brings the release library up to date,
# runs the whole suite, then the :gc-tagged driver specs again
# under GC.stress.
#   bindings/ruby/run-specs.sh            # both runs
#   bindings/ruby/run-specs.sh --no-gc    # skip the GC.stress run
#   extra arguments go to rspec (e.g. a spec file)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

gc=1
args=()
for a in "$@"; do
  case "$a" in
    --no-gc) gc=0 ;;
    *) args+=("$a") ;;
  esac
done

# The library the specs load: WSDRIVER_LIB as given, or this tree's release
# build brought up to date (a no-op when it is; a library older than the
# binding would fail to load the functions it attaches).
if [ -z "${WSDRIVER_LIB:-}" ]; then
  (cd "$root" && cargo build --release --quiet)
fi

# Node's ws for the ActionCable spec's client.
node_dir="${WSDRIVER_CACHE:-$HOME/.cache/wsdriver}/node-ruby"
if [ ! -f "$node_dir/node_modules/ws/package.json" ]; then
  echo "run-specs: installing ws into $node_dir (npm)"
  mkdir -p "$node_dir"
  (cd "$node_dir" && timeout 300 npm install --no-audit --no-fund --loglevel=error ws@8.23.0 >/dev/null)
fi
export WSDRIVER_NODE_PATH="$node_dir/node_modules"

cd "$here"
echo "== rspec (normal run)"
rspec --format progress "${args[@]}"

if [ "$gc" = 1 ]; then
  echo "== rspec (GC.stress run: examples tagged :gc)"
  WSDRIVER_GC_STRESS=1 rspec --format progress "${args[@]}"
fi
