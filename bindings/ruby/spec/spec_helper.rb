# frozen_string_literal: true

# WSDRIVER_SPEC_INSTALLED=1 runs the specs against the installed gem (as
# scripts/test-gem.sh does) instead of this checkout's lib/.
if ENV['WSDRIVER_SPEC_INSTALLED'] == '1'
  $LOAD_PATH.delete(File.expand_path('../lib', __dir__)) # rspec puts ./lib there
  gem 'wsdriver'
  require 'wsdriver/drop_in'
  installed = Gem.loaded_specs.fetch('wsdriver').full_gem_path
  unless WSDriver::Native.library_path.start_with?(installed) &&
         $LOADED_FEATURES.grep(%r{/websocket/driver\.rb\z}).all? { |f| f.start_with?(installed) }
    abort "spec_helper: not running on the installed gem in #{installed} (library: #{WSDriver::Native.library_path}; " \
          "#{$LOADED_FEATURES.grep(%r{/websocket/driver\.rb\z})})"
  end
else
  lib = File.expand_path('../lib', __dir__)
  $LOAD_PATH.unshift(lib) unless $LOAD_PATH.include?(lib)
end

require 'websocket/driver'
require_relative 'support/helpers'

RSpec.configure do |config|
  config.include SpecHelpers
  config.order = :defined
  config.expect_with(:rspec) { |c| c.syntax = :expect }

  # WSDRIVER_GC_STRESS=1 runs only the examples tagged :gc, each under
  # GC.stress (a collection at every allocation opportunity), to shake out
  # lifetime bugs at the FFI boundary: AutoPointer releasers, borrowed
  # action data, strings handed to C.
  if ENV['WSDRIVER_GC_STRESS'] && ENV['WSDRIVER_GC_STRESS'] != '0'
    config.filter_run_including :gc
    # Warm-up without stress: what Ruby initializes lazily on first use
    # (constants, method caches, URI, SecureRandom, the extension parser)
    # would otherwise make the first stressed example take minutes.
    config.before(:suite) do
      client = Class.new do
        attr_reader :out, :url

        def initialize = (@out = [], @url = 'ws://example.com/')
        def write(data) = @out << data
      end
      c_sock = client.new
      s_sock = client.new
      c = WebSocket::Driver.client(c_sock)
      s = WebSocket::Driver.server(s_sock)
      [c, s].each { |d| d.add_extension(WSDriver::PermessageDeflate) }
      s.on(:connect) { s.start }
      s.on(:message) { |e| s.text(e.data) }
      c.start
      3.times do
        c_sock.out.shift(c_sock.out.size).each { |d| s.parse(d) }
        s_sock.out.shift(s_sock.out.size).each { |d| c.parse(d) }
      end
      c.text('warm-up' * 1000)
      c.close
      3.times do
        c_sock.out.shift(c_sock.out.size).each { |d| s.parse(d) }
        s_sock.out.shift(s_sock.out.size).each { |d| c.parse(d) }
      end
      WebSocket::Extensions::Parser.parse_header('x; a=1, y')
    end
    config.around(:each) do |example|
      GC.stress = true
      begin
        example.run
      ensure
        GC.stress = false
      end
    end
  end
end
