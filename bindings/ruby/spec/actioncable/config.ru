# frozen_string_literal: true

# The smallest ActionCable server (Debian's ruby-actioncable 6.1, async
# adapter) on the drop-in driver, for spec/actioncable_spec.rb:
#
#   RUBYLIB=bindings/ruby/lib puma -b tcp://127.0.0.1:PORT bindings/ruby/spec/actioncable/config.ru
#
# An echo channel, a broadcast channel, and two actions for the spec: whoami
# (which driver runs this connection) and bye (a server-side disconnect).
require 'wsdriver/drop_in'
require 'logger'
require 'action_cable'

ActionCable.server.config.cable = { 'adapter' => 'async' }
ActionCable.server.config.logger = Logger.new(ENV['CABLE_LOG'] || $stderr, level: :warn)
ActionCable.server.config.disable_request_forgery_protection = true
ActionCable.server.config.worker_pool_size = 4

class EchoChannel < ActionCable::Channel::Base
  def receive(data)
    transmit(data)
  end

  def whoami(_data)
    parse = WebSocket::Driver::Hybi.instance_method(:parse).source_location.first
    ours = File.expand_path('../../..', parse) # lib/websocket/driver/dispatch.rb
    pure = $LOADED_FEATURES.grep(%r{/websocket/driver(/[^/]+)?\.rb\z}).reject { |f| f.start_with?(ours) }
    transmit({ 'native' => defined?(WSDriver::NATIVE) && WSDriver::NATIVE, 'parse' => parse,
               'library' => WSDriver::LIBRARY, 'pure_ruby_files' => pure })
  end

  def bye(_data)
    connection.close(reason: 'bye')
  end
end

class BroadcastChannel < ActionCable::Channel::Base
  def subscribed
    stream_from 'everyone'
  end

  def shout(data)
    ActionCable.server.broadcast('everyone', { 'text' => data['text'] })
  end
end

run ActionCable.server
