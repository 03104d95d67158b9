# frozen_string_literal: true

require 'socket'
require_relative '../websocket/driver'

module WSDriver
  # A small blocking WebSocket client over a TCPSocket, built on
  # WebSocket::Driver.client. Meant for scripts and tests: `receive` pumps
  # the socket until a message arrives.
  #
  #   client = WSDriver::TCPClient.new('ws://127.0.0.1:9000/chat')
  #   client.text('hello')
  #   client.receive # => "hello"
  #   client.close
  class TCPClient
    TimeoutError = Class.new(StandardError)

    attr_reader :driver, :url, :errors, :close_event, :pongs, :pings

    def initialize(url, protocols: nil, headers: {}, extensions: [], timeout: 5, binary_data_format: :string,
                   open: true)
      @url     = url
      @timeout = timeout
      uri      = URI.parse(url)
      @tcp     = Socket.tcp(uri.host, uri.port || 80, connect_timeout: timeout)
      @tcp.setsockopt(Socket::IPPROTO_TCP, Socket::TCP_NODELAY, 1)

      options = { binary_data_format: binary_data_format }
      options[:protocols] = protocols if protocols
      @driver = WebSocket::Driver.client(self, options)

      @inbox  = []
      @errors = []
      @pongs  = []
      @pings  = []
      @opened = false
      @close_event = nil
      @driver.on(:open)    { @opened = true }
      @driver.on(:message) { |e| @inbox << e.data }
      @driver.on(:ping)    { |e| @pings << e.data }
      @driver.on(:pong)    { |e| @pongs << e.data }
      @driver.on(:error)   { |e| @errors << e }
      @driver.on(:close)   { |e| @close_event = e }
      headers.each { |name, value| @driver.set_header(name, value) }
      extensions.each { |ext| @driver.add_extension(ext) }
      @driver.start
      wait_for { @opened || @close_event } if open
    end

    def open?
      @opened && !@close_event
    end

    def closed?
      !@close_event.nil?
    end

    # socket interface for the driver
    def write(data)
      @tcp.write(data)
    rescue IOError, SystemCallError
      nil
    end

    def text(message)      = @driver.text(message)
    def binary(message)    = @driver.binary(message)
    def pong(message = '') = @driver.pong(message)

    def ping(message = '', &block)
      @driver.ping(message, &block)
    end

    # The next message (String, or whatever binary_data_format says).
    def receive(timeout = @timeout)
      wait_for(timeout) { !@inbox.empty? || @close_event }
      raise TimeoutError, 'connection closed before a message arrived' if @inbox.empty?

      @inbox.shift
    end

    def messages
      @inbox
    end

    # Starts the closing handshake and waits for the close event.
    def close(code = 1000, reason = '')
      @driver.close(reason, code)
      wait_for { @close_event }
      @tcp.close unless @tcp.closed?
      @close_event
    end

    # Drops the TCP connection without a closing handshake.
    def abort
      @tcp.close unless @tcp.closed?
    end

    # Raw bytes, bypassing the driver (tests of malformed input).
    def write_raw(bytes)
      @tcp.write(bytes)
    end

    # Reads from the socket until the block is true; raises on timeout.
    def wait_for(timeout = @timeout)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
      until yield
        left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
        raise TimeoutError, "timed out after #{timeout}s" if left <= 0

        pump(left)
      end
      true
    end

    def pump(wait = 0.05)
      return false if @tcp.closed?
      return false unless @tcp.wait_readable(wait)

      data = @tcp.read_nonblock(65_536, exception: false)
      case data
      when :wait_readable then false
      when nil
        @tcp.close
        @driver.transport_closed
        false
      else
        @driver.parse(data)
        true
      end
    rescue IOError, SystemCallError
      @tcp.close unless @tcp.closed?
      @driver.transport_closed
      false
    end
  end
end
