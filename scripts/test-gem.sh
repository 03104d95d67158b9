#!/usr/bin/env bash
# The Ruby gem as users install it, in temporary GEM_HOMEs (no network):
#   1. `gem build bindings/ruby/wsdriver.gemspec` -> the source gem;
#      `gem install --local` builds libwsdriver with cargo from the crate
#      sources inside the gem; a spec file then runs on the installed copy.
#   2. the x86_64-linux platform gem (prebuilt .so, no cargo at install).
#   3. Bundler in a fresh directory, `bundle install --local`: a Gemfile
#      with `gem 'wsdriver', require: 'wsdriver/drop_in'` before
#      faye-websocket and actioncable puts both on the Rust core, and no
#      file of the pure-Ruby websocket-driver gem is loaded.
# Dependencies (ffi, websocket-extensions, faye-websocket, actioncable,
# rspec) are Debian's system gems: with GEM_HOME set, RubyGems still
# searches the system gem directories, so `ffi` resolves without network.
# CARGO_TARGET_DIR is the checkout's target/ so the dependency builds are
# shared; the crate itself is compiled from the gem's copy of src/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
unset WSDRIVER_LIB
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; rm -f "$ROOT/bindings/ruby/lib/wsdriver/libwsdriver.so"' EXIT

secs() { local t0=$1; echo $((SECONDS - t0)); }

echo "== source gem"
(cd bindings/ruby && gem build wsdriver.gemspec -o "$tmp/wsdriver.gem" >/dev/null)
mkdir -p "$tmp/home-src"
t0=$SECONDS
GEM_HOME="$tmp/home-src" CARGO_TARGET_DIR="$ROOT/target" \
  gem install --local --no-document "$tmp/wsdriver.gem"
echo "test-gem: source gem installed (cargo build included) in $(secs $t0) s"
installed_lib=$(GEM_HOME="$tmp/home-src" ruby -e 'require "wsdriver"; print WSDriver::LIBRARY')
case "$installed_lib" in
  "$tmp/home-src/"*) echo "test-gem: loads $installed_lib" ;;
  *) echo "test-gem: source gem loaded $installed_lib, not its own library" >&2; exit 1 ;;
esac
(cd bindings/ruby && GEM_HOME="$tmp/home-src" WSDRIVER_SPEC_INSTALLED=1 \
  rspec --format progress spec/server_spec.rb)

echo "== platform gem (x86_64-linux, prebuilt)"
cargo build --release --quiet
(cd bindings/ruby && WSDRIVER_PREBUILT="$ROOT/target/release/libwsdriver.so" \
  gem build wsdriver.gemspec -o "$tmp/wsdriver-x86_64-linux.gem" >/dev/null)
rm -f bindings/ruby/lib/wsdriver/libwsdriver.so
mkdir -p "$tmp/home-bin"
t0=$SECONDS
# No cargo on PATH: nothing may be compiled.
GEM_HOME="$tmp/home-bin" PATH=/usr/bin:/bin CARGO=/bin/false \
  gem install --local --no-document "$tmp/wsdriver-x86_64-linux.gem"
echo "test-gem: platform gem installed in $(secs $t0) s"
(cd bindings/ruby && GEM_HOME="$tmp/home-bin" WSDRIVER_SPEC_INSTALLED=1 \
  rspec --format progress spec/client_spec.rb)

echo "== Bundler: gem 'wsdriver', require: 'wsdriver/drop_in'"
app="$tmp/app"
mkdir -p "$app"
cp bindings/ruby/spec/adoption/Gemfile bindings/ruby/spec/adoption/app.rb "$app/"
(cd "$app" && export BUNDLE_SILENCE_ROOT_WARNING=1 && GEM_HOME="$tmp/home-src" bundle install --local --quiet &&
  GEM_HOME="$tmp/home-src" bundle exec ruby app.rb)
echo "test-gem: all passed"
