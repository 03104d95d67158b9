# frozen_string_literal: true

# The one-line adoption: in a Gemfile, before faye-websocket or actioncable,
#
#   gem 'wsdriver', require: 'wsdriver/drop_in'
#
# From then on `require 'websocket/driver'` anywhere (faye-websocket,
# ActionCable, the app) resolves to this library's WebSocket::Driver on the
# Rust core, although the pure-Ruby websocket-driver gem is installed as
# their dependency: this file loads ours and puts its directory first on the
# load path, so the feature 'websocket/driver' (and 'websocket/driver/*') is
# already satisfied by our files and no file of the other gem is read.

lib = File.expand_path('..', __dir__)
$LOAD_PATH.delete(lib)
$LOAD_PATH.unshift(lib)

require 'websocket/driver'

unless defined?(::WSDriver::NATIVE)
  raise LoadError, "wsdriver/drop_in: 'websocket/driver' was already loaded from the pure-Ruby gem " \
                   "(#{$LOADED_FEATURES.grep(%r{websocket/driver\.rb\z}).join(', ')}); " \
                   "list `gem 'wsdriver', require: 'wsdriver/drop_in'` before the gems that use it"
end

require 'wsdriver'
