# frozen_string_literal: true

# Run by scripts/test-gem.sh with `bundle exec` next to the Gemfile in this
# directory: after Bundler.require, faye-websocket and ActionCable must drive
# their connections with the Rust core, and no file of the pure-Ruby
# websocket-driver gem may have been loaded.
require 'bundler/setup'
Bundler.require

require 'faye/websocket'
require 'action_cable'
require 'websocket/driver'

def check(what, ok)
  raise "adoption: #{what}" unless ok

  puts "adoption: ok: #{what}"
end

ours = Gem.loaded_specs.fetch('wsdriver').full_gem_path
pure = Gem::Specification.find_all_by_name('websocket-driver').map(&:full_gem_path)
check 'the websocket-driver gem is installed too (as their dependency)', !pure.empty?

# The classes faye-websocket and ActionCable build their drivers from.
ActionCable::Connection::ClientSocket # autoload: requires websocket/driver
check 'WebSocket::Driver is the native one', defined?(WSDriver::NATIVE) && WSDriver::NATIVE
check "the library is the installed gem's (#{WSDriver::LIBRARY})", WSDriver::LIBRARY.start_with?(ours)

# A real exchange through what faye-websocket and ActionCable call:
# WebSocket::Driver.rack for the server side, .client for the other end.
class Pipe
  attr_reader :env, :url, :out

  def initialize(env: nil, url: nil) = (@env, @url, @out = env, url, [])
  def write(data) = @out << data
end
client_io = Pipe.new(url: 'ws://localhost/cable')
client = WebSocket::Driver.client(client_io)
client.start
head, = client_io.out.shift.split("\r\n\r\n", 2)
lines = head.split("\r\n")
env = { 'REQUEST_METHOD' => 'GET', 'PATH_INFO' => '/cable', 'QUERY_STRING' => '',
        'SERVER_NAME' => 'localhost', 'SERVER_PORT' => '80', 'rack.url_scheme' => 'http',
        'rack.input' => StringIO.new }
lines.drop(1).each do |line|
  name, value = line.split(': ', 2)
  env["HTTP_#{name.upcase.tr('-', '_')}"] = value
end
server_io = Pipe.new(env: env)
server = WebSocket::Driver.rack(server_io)
got = []
server.on(:message) { |e| server.text(e.data.upcase) }
client.on(:message) { |e| got << e.data }
server.start
client.parse(server_io.out.shift) until server_io.out.empty?
client.text('hello')
server.parse(client_io.out.shift) until client_io.out.empty?
client.parse(server_io.out.shift) until server_io.out.empty?
check 'a message goes through server and client drivers', got == ['HELLO']

loaded = $LOADED_FEATURES.select { |f| pure.any? { |dir| f.start_with?(dir) } }
vendor = $LOADED_FEATURES.grep(%r{/websocket/driver(/[^/]+)?\.rb\z}).reject { |f| f.start_with?(ours) }
check "no file of the pure-Ruby gem is loaded (#{(loaded + vendor).uniq.inspect})", loaded.empty? && vendor.empty?
check 'faye-websocket and ActionCable are loaded', defined?(Faye::WebSocket) && defined?(ActionCable::Server::Base)
