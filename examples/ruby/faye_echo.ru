# frozen_string_literal: true

# faye-websocket, unmodified, running on the libwsdriver-backed
# WebSocket::Driver (this repository's binding comes first on the load
# path). Serve with puma:
#
#   puma -b tcp://127.0.0.1:9292 examples/ruby/faye_echo.ru
require_relative '_setup'
require 'websocket/driver'
require 'faye/websocket'

App = lambda do |env|
  if Faye::WebSocket.websocket?(env)
    # permessage-deflate is done natively when the client offers it.
    ws = Faye::WebSocket.new(env, nil, ping: nil, extensions: [WSDriver::PermessageDeflate])
    ws.on(:message) do |event|
      case event.data
      when 'whoami'
        ws.send("native=#{defined?(WSDriver::NATIVE) ? WSDriver::NATIVE : false} " \
                "driver=#{$LOADED_FEATURES.grep(%r{websocket/driver\.rb\z}).join(',')} " \
                "parse=#{WebSocket::Driver::Hybi.instance_method(:parse).source_location.first} " \
                "lib=#{WSDriver::Native.library_path}")
      when 'ping-me'
        ws.ping('faye') { ws.send('pong received') }
      else
        # Binary messages are BINARY Strings (websocket-driver 0.8's
        # default); faye 0.11.0 sends Strings as text, Arrays as binary.
        data = event.data
        ws.send(data.encoding == Encoding::BINARY ? data.bytes : data)
      end
    end
    ws.on(:close) { ws = nil }
    ws.rack_response
  else
    [200, { 'Content-Type' => 'text/plain' }, ["faye-websocket on wsdriver #{WSDriver::VERSION}\n"]]
  end
end

run App
