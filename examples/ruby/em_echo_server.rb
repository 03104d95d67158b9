#!/usr/bin/env ruby
# frozen_string_literal: true

# Seed 001 (server): an EventMachine echo server. The connection is the
# driver's socket (it answers `write` with send_data); the driver parses
# the HTTP request itself.
#
#   ruby examples/ruby/em_echo_server.rb [port]      (default 8080)

require_relative '_setup'
require 'eventmachine'
require 'websocket/driver'

module EchoServer
  def post_init
    @driver = ::WebSocket::Driver.server(self, binary_data_format: :string)
    @driver.on(:connect) do
      if ::WebSocket::Driver.websocket?(@driver.env)
        @driver.start
      else
        send_data("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        close_connection_after_writing
      end
    end
    @driver.on(:message) do |e|
      e.data.encoding == Encoding::BINARY ? @driver.binary(e.data) : @driver.text(e.data)
    end
    @driver.on(:close) { close_connection_after_writing }
  end

  def receive_data(data)
    @driver.parse(data)
  end

  def write(data)
    send_data(data)
  end

  def unbind
    @driver.transport_closed
  end
end

if $PROGRAM_NAME == __FILE__
  $stdout.sync = true
  host = '127.0.0.1'
  port = Integer(ARGV[0] || ENV['PORT'] || 8080)
  EventMachine.run do
    trap('INT') { EventMachine.stop }
    trap('TERM') { EventMachine.stop }
    EventMachine.start_server(host, port, EchoServer)
    puts "Started EchoServer on #{host}:#{port}..."
  end
end
