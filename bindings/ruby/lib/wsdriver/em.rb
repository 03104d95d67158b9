# frozen_string_literal: true

require 'eventmachine'
require 'uri'
require_relative '../websocket/driver'

module WSDriver
  # An em-websocket-style server on WebSocket::Driver:
  #
  #   WSDriver::EM.run(host: '0.0.0.0', port: 8080) do |ws|
  #     ws.onopen    { |handshake| ws.send "Hello #{handshake.path}" }
  #     ws.onmessage { |msg| ws.send "Pong: #{msg}" }
  #     ws.onclose   { |info| puts "closed #{info[:code]}" }
  #   end
  module EM
    DEFAULT_MAX_FRAME_SIZE = 10 * 1024 * 1024

    # Protocol errors handed to onerror descend from this; exceptions raised
    # by application callbacks are handed over as they are.
    class WebSocketError < StandardError; end
    class HandshakeError < WebSocketError; end
    class InvalidDataError < WebSocketError; end

    class << self
      attr_writer :max_frame_size

      def max_frame_size
        @max_frame_size || DEFAULT_MAX_FRAME_SIZE
      end

      # Starts the server inside a running reactor, or runs the reactor.
      def run(host: '0.0.0.0', port: 8080, **options, &block)
        if ::EM.reactor_running?
          start(host: host, port: port, **options, &block)
        else
          ::EM.run { start(host: host, port: port, **options, &block) }
        end
      end

      # Returns the EventMachine server signature (for EM.stop_server).
      def start(host: '0.0.0.0', port: 8080, **options, &block)
        ::EM.start_server(host, port, Connection, options) do |connection|
          block&.call(connection)
        end
      end

      def stop
        ::EM.stop
      end
    end

    # What onopen gets: the request as the client sent it.
    class Handshake
      attr_reader :env

      def initialize(env, secure: false)
        @env    = env
        @secure = secure
      end

      def path         = @env['PATH_INFO']
      def query_string = @env['QUERY_STRING'].to_s
      def origin       = @env['HTTP_ORIGIN'] || @env['HTTP_SEC_WEBSOCKET_ORIGIN']
      def secure?      = @secure

      def query
        URI.decode_www_form(query_string).to_h
      rescue ArgumentError
        {}
      end

      # Request headers with their usual capitalisation ("Sec-Websocket-Key").
      def headers
        @env.each_with_object({}) do |(key, value), out|
          name = if key.start_with?('HTTP_') then key[5..]
                 elsif %w[CONTENT_TYPE CONTENT_LENGTH].include?(key) then key
                 end
          out[name.split('_').map(&:capitalize).join('-')] = value if name
        end
      end

      def headers_downcased
        headers.transform_keys(&:downcase)
      end
    end

    class Connection < ::EM::Connection
      attr_writer :max_frame_size
      attr_reader :driver, :handshake

      def initialize(options = {})
        super()
        @options = options
        @driver  = nil
        @close_info = nil
        @closed_called = false
      end

      %w[open message close error ping pong].each do |name|
        define_method("on#{name}") { |&block| instance_variable_set("@on#{name}", block) }
      end

      def max_frame_size
        @max_frame_size || EM.max_frame_size
      end

      # Sends a text message (a BINARY String or an Array goes as binary).
      def send(data)
        return false unless @driver

        data.is_a?(Array) || data.encoding == Encoding::BINARY ? @driver.binary(data) : @driver.text(data.to_s)
      end
      alias send_text send

      def send_binary(data)
        @driver&.binary(data)
      end

      def ping(body = '')
        pingable? && @driver.ping(body)
      end

      def pong(body = '')
        pingable? && @driver.pong(body)
      end

      def pingable?
        !!@driver&.version&.start_with?('hybi')
      end

      def supports_close_codes?
        pingable?
      end

      def state
        @driver ? @driver.state : :connecting
      end

      # Closes with `code` (1000, or 3000-4999; nil means 1000).
      def close(code = nil, reason = nil)
        unless code.nil? || code == 1000 || (3000..4999).cover?(code)
          raise WebSocketError, 'Application code may only use codes from 1000, 3000-4999'
        end

        return close_connection_after_writing unless @driver

        @driver.close(reason || '', code || 1000)
        close_connection_after_writing unless supports_close_codes?
        true
      end
      alias close_websocket close

      # -- EventMachine ------------------------------------------------------

      def receive_data(data)
        setup_driver unless @driver
        guard { @driver.parse(data) }
      end

      def write(data)
        send_data(data)
      end

      def unbind
        @driver&.transport_closed
        return if @closed_called

        @closed_called = true
        info = @close_info || { was_clean: false, code: 1006, reason: '' }
        call_app(@onclose, info)
      end

      private

      def setup_driver
        opts = { max_length: max_frame_size, binary_data_format: :string }
        opts[:protocols] = @options[:protocols] if @options[:protocols]
        @driver = WebSocket::Driver.server(self, opts)

        @driver.on(:connect) do
          if WebSocket::Driver.websocket?(@driver.env)
            @driver.start
          else
            send_data("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            close_connection_after_writing
          end
        end
        @driver.on(:open) do
          @handshake = Handshake.new(@driver.env, secure: !!@options[:secure])
          @onopen&.call(@handshake)
        end
        @driver.on(:message) do |event|
          type = event.data.encoding == Encoding::BINARY ? :binary : :text
          @onmessage&.call(event.data, type)
        end
        @driver.on(:ping)  { |event| @onping&.call(event.data) }
        @driver.on(:pong)  { |event| @onpong&.call(event.data) }
        @driver.on(:error) { |error| @onerror&.call(InvalidDataError.new(error.message)) }
        @driver.on(:close) do |event|
          code = event.code
          @close_info = {
            was_clean: !code.nil? && code != 1006,
            code: code || 1005,
            reason: event.reason || ''
          }
          close_connection_after_writing
        end
      end

      # Exceptions from application callbacks go to onerror when there is
      # one (and the remaining input is processed); otherwise they reach
      # the reactor, as in em-websocket.
      def guard
        yield
      rescue StandardError => e
        raise unless @onerror

        @onerror.call(e)
        retry_drain
      end

      def retry_drain
        @driver.parse('')
      rescue StandardError => e
        @onerror.call(e)
        retry
      end

      def call_app(callback, *args)
        callback&.call(*args)
      rescue StandardError => e
        raise unless @onerror

        @onerror.call(e)
      end
    end
  end
end
