#!/usr/bin/env bash
# Runs the Ruby binding's specs: builds the release library if it is
# missing, runs the whole suite, then the :gc-tagged driver specs again
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

lib="${WSDRIVER_LIB:-$root/target/release/libwsdriver.so}"
if [ ! -f "$lib" ]; then
  echo "run-specs: $lib missing; building it (cargo build --release)"
  (cd "$root" && cargo build --release)
elif ! ruby -rffi -e 'exit(FFI::DynamicLibrary.open(ARGV[0], 0).find_function("ws_lend") ? 0 : 1)' "$lib"; then
  # Built before ws_lend (zero-copy input) existed: the binding needs it.
  echo "run-specs: $lib is older than the binding; rebuilding it (cargo build --release)"
  (cd "$root" && cargo build --release)
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
