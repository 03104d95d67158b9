#!/usr/bin/env ruby
# frozen_string_literal: true

# Seed 002: the em-websocket README server on WSDriver::EM.
#
#   ruby examples/ruby/em_websocket_server.rb [port]  (default 8080)

require_relative '_setup'
require 'wsdriver/em'

if $PROGRAM_NAME == __FILE__
  $stdout.sync = true
  port = Integer(ARGV[0] || ENV['PORT'] || 8080)
  EM.run do
    trap('INT') { EM.stop }
    trap('TERM') { EM.stop }
    WSDriver::EM.run(host: '127.0.0.1', port: port) do |ws|
      ws.onopen do |handshake|
        puts 'WebSocket connection open'
        ws.send "Hello Client, you connected to #{handshake.path}"
      end
      ws.onclose { |info| puts "Connection closed (#{info[:code]}, clean: #{info[:was_clean]})" }
      ws.onmessage do |msg, type|
        puts "Received message: #{msg.inspect}"
        case msg
        when 'close-4001' then ws.close(4001, 'asked to')
        when 'ping-me' then ws.ping('hi')
        when 'info' then ws.send("pingable=#{ws.pingable?} close_codes=#{ws.supports_close_codes?}")
        when 'boom' then raise 'application error'
        else type == :binary ? ws.send_binary(msg) : ws.send("Pong: #{msg}")
        end
      end
      ws.onpong { |data| ws.send("got pong #{data}") }
      ws.onerror { |error| puts "Error: #{error.class}: #{error.message}"; ws.send("error: #{error.message}") }
    end
    puts "listening on 127.0.0.1:#{port}"
  end
end
