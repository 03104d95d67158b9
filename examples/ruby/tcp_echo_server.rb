#!/usr/bin/env ruby
# frozen_string_literal: true

# Seed 000: a threaded echo server on plain TCP. Each accepted socket gets
# a thread and a WebSocket::Driver.server; the driver writes straight to
# the TCPSocket.
#
#   ruby examples/ruby/tcp_echo_server.rb [port]     (default 54398)

require_relative '_setup'
require 'socket'
require 'websocket/driver'

class EchoServer
  RECV_SIZE = 16 * 1024
  TIMEOUT   = 30

  attr_reader :port

  def initialize(host: '127.0.0.1', port: 54_398, log: $stdout)
    @server = TCPServer.new(host, port)
    @port   = @server.addr[1]
    @log    = log
  end

  # Blocks, accepting clients; one thread each.
  def listen
    loop do
      socket = @server.accept
      Thread.new(socket) { |s| handle(s) }
    end
  rescue IOError
    nil # stop was called
  end

  def stop
    @server.close
  end

  private

  def handle(socket)
    peer   = socket.peeraddr[2]
    driver = ::WebSocket::Driver.server(socket, binary_data_format: :string)
    driver.on(:connect) do
      if ::WebSocket::Driver.websocket?(driver.env)
        driver.start
      else
        socket.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        socket.close
      end
    end
    driver.on(:message) do |e|
      e.data.encoding == Encoding::BINARY ? driver.binary(e.data) : driver.text(e.data)
    end
    driver.on(:close) { @log.puts "Connection with #{peer} closed." }

    loop do
      IO.select([socket], [], [], TIMEOUT) or raise Errno::EWOULDBLOCK
      data = socket.recv(RECV_SIZE)
      break if data.empty?

      driver.parse(data)
      break if driver.state == :closed
    end
  rescue IOError, SystemCallError
    nil
  ensure
    driver&.transport_closed
    socket.close unless socket.closed?
  end
end

if $PROGRAM_NAME == __FILE__
  $stdout.sync = true
  server = EchoServer.new(port: Integer(ARGV[0] || ENV['PORT'] || 54_398))
  puts "listening on 127.0.0.1:#{server.port}"
  trap('INT') { server.stop }
  trap('TERM') { server.stop }
  server.listen
end
