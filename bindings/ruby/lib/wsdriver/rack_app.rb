# frozen_string_literal: true

require 'monitor'
require_relative '../websocket/driver'

module WSDriver
  # A Rack application base class in the style of websocket-rack's
  # Rack::WebSocket::Application:
  #
  #   class Echo < WSDriver::RackApp
  #     def on_open(env)         = send_data('hello')
  #     def on_message(env, msg) = send_data(msg)
  #   end
  #   run Echo.new(some: :option)   # @options == { some: :option }
  #
  # Each WebSocket request is served by a copy (`dup`) of the application,
  # so instance variables set in `initialize` are shared configuration and
  # `send_data` / `close_websocket` talk to that request's connection.
  #
  # Transports: `rack.hijack` (puma and other hijacking servers: a reader
  # thread per connection) and thin's EventMachine connection (thin has no
  # hijack; see ThinHook).
  class RackApp
    # Options understood by the application itself (the rest is yours):
    # :max_length, :protocols, :binary_data_format.
    def initialize(options = {})
      @options = options
    end

    def call(env)
      return not_websocket(env) unless WebSocket::Driver.websocket?(env)

      dup.__send__(:serve, env)
    end

    # -- callbacks to override --------------------------------------------

    def on_open(env); end
    def on_message(env, message); end
    def on_close(env); end
    def on_error(env, error); end

    # -- commands ----------------------------------------------------------

    # Text for Strings, binary for BINARY Strings and byte Arrays.
    def send_data(data)
      conn = @connection or raise 'send_data outside of a WebSocket connection'
      conn.send_data(data)
    end

    def close_websocket(code = 1000, reason = '')
      @connection&.close(code, reason)
    end

    def websocket_driver
      @connection&.driver
    end

    protected

    def not_websocket(_env)
      [400, { 'Content-Type' => 'text/plain' }, ["WebSocket connection expected\n"]]
    end

    private

    def serve(env)
      transport =
        if (thin = env['wsdriver.thin_connection'])
          ThinTransport.new(thin)
        elsif env['rack.hijack']
          env['rack.hijack'].call
          HijackTransport.new(env['rack.hijack_io'])
        end
      return [501, { 'Content-Type' => 'text/plain' }, ["No way to take over the connection\n"]] unless transport

      @connection = Connection.new(self, env, transport, @options)
      @connection.run
      [-1, {}, []]
    end

    # One WebSocket connection: the driver, its transport and the app copy.
    class Connection
      attr_reader :driver, :env, :url

      def initialize(app, env, transport, options)
        @app       = app
        @env       = env
        @url       = "#{secure?(env) ? 'wss' : 'ws'}://#{env['HTTP_HOST']}#{env['SCRIPT_NAME']}#{env['PATH_INFO']}" \
                     "#{env['QUERY_STRING'].to_s.empty? ? '' : "?#{env['QUERY_STRING']}"}"
        @transport = transport
        @lock      = Monitor.new
        @closed    = false

        driver_options = { binary_data_format: options.fetch(:binary_data_format, :string) }
        driver_options[:max_length] = options[:max_length] if options[:max_length]
        driver_options[:protocols]  = options[:protocols] if options[:protocols]
        @driver = WebSocket::Driver.rack(self, driver_options)
        @driver.on(:open)    { app.on_open(env) }
        @driver.on(:message) { |e| app.on_message(env, e.data) }
        @driver.on(:error)   { |e| app.on_error(env, e) }
        @driver.on(:close) do
          finish
          @transport.close
        end
      end

      def run
        @lock.synchronize { guard { @driver.start } }
        @transport.start(self)
      end

      # socket interface for the driver
      def write(data)
        @transport.write(data)
      end

      # From the transport.
      def receive(data)
        @lock.synchronize { guard { @driver.parse(data) } }
      end

      def transport_closed
        @lock.synchronize { guard { @driver.transport_closed } }
        finish
      end

      def send_data(data)
        @lock.synchronize do
          if data.is_a?(Array) || data.encoding == Encoding::BINARY
            @driver.binary(data)
          else
            @driver.text(data)
          end
        end
      end

      def close(code, reason)
        @lock.synchronize { @driver.close(reason, code) }
      end

      private

      def finish
        return if @closed

        @closed = true
        @app.on_close(@env)
      rescue StandardError => e
        @app.on_error(@env, e)
      end

      # An exception from an application callback goes to on_error and the
      # rest of the input is still processed.
      def guard
        yield
      rescue StandardError => e
        @app.on_error(@env, e)
        begin
          @driver.parse('')
        rescue StandardError => e
          @app.on_error(@env, e)
          retry
        end
      end

      def secure?(env)
        env['HTTPS'] == 'on' || env['rack.url_scheme'] == 'https'
      end
    end

    # rack.hijack: blocking IO, one reader thread per connection.
    class HijackTransport
      def initialize(io)
        @io    = io
        @wlock = Mutex.new
      end

      def start(connection)
        @thread = Thread.new do
          loop { connection.receive(@io.readpartial(16_384)) }
        rescue EOFError, IOError, SystemCallError
          nil
        ensure
          connection.transport_closed
          close
        end
      end

      def write(data)
        @wlock.synchronize { @io.write(data) }
      rescue IOError, SystemCallError
        nil
      end

      def close
        @wlock.synchronize { @io.close unless @io.closed? }
      rescue IOError, SystemCallError
        nil
      end
    end

    # thin: the EventMachine connection that served the request.
    class ThinTransport
      def initialize(connection)
        @connection = connection
      end

      def start(conn)
        @connection.wsdriver_stream = conn
      end

      def write(data)
        ::EM.schedule { @connection.send_data(data) }
      end

      def close
        ::EM.schedule { @connection.close_connection_after_writing }
      end
    end

    # Lets RackApp take over thin connections: thin has no rack.hijack, so
    # the connection puts itself in the env and, once a WebSocket took it
    # over, hands incoming data to it instead of thin's HTTP parser.
    module ThinHook
      attr_accessor :wsdriver_stream

      def pre_process
        @request.env['wsdriver.thin_connection'] = self
        super
      end

      def receive_data(data)
        return @wsdriver_stream.receive(data) if @wsdriver_stream

        super
      end

      def unbind
        @wsdriver_stream&.transport_closed
        super
      end

      def self.install
        return false unless defined?(::Thin::Connection)
        return true if ::Thin::Connection.ancestors.include?(self)

        ::Thin::Connection.prepend(self)
        true
      end
    end

    ThinHook.install
  end
end
