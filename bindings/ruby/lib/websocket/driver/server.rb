# frozen_string_literal: true

module WebSocket
  class Driver
    # A server that reads the raw HTTP request itself (Driver.server): it
    # emits :connect when the request head is complete, after which `env`
    # is a Rack env for it; call `start` to answer. The native core picks
    # the protocol (hybi or hixie) from the request.
    #
    # Unlike the gem, where Server stays :connecting and only its delegate
    # changes state, `state` follows the connection.
    class Server < Driver
      EVENTS = %w[open message error close ping pong].freeze
      RESERVED_HEADERS = %w[content-length content-type].freeze

      def initialize(socket, options = {})
        super
        @protocols = options[:protocols] || []
        @protocols = @protocols.strip.split(/ *, */) if @protocols.is_a?(String)
        @env = nil

        create_native(masking: !!options[:masking], require_masking: !!options[:require_masking],
                      protocols: @protocols) do |opts, out|
          N.check!(N.ws_driver_new_server(opts, out), nil, 'ws_driver_new_server')
        end
      end

      def env
        @env ||= build_env
      end

      def url
        return nil unless (e = env)

        url = +"ws://#{e['HTTP_HOST']}"
        url << e['PATH_INFO']
        url << "?#{e['QUERY_STRING']}" unless e['QUERY_STRING'] == ''
        url
      end

      # Checked as WebSocket::Extensions#add does, and registered at once;
      # used when the request turns out to be hybi.
      def add_extension(extension)
        validate_extension(extension)
        register_extension(extension, client: false)
        true
      end

      def write(buffer)
        @socket.write(buffer)
      end

      private

      def on_connect
        @env = build_env
      end

      def build_env
        locked { build_env_locked }
      end

      def build_env_locked
        method = N.ws_request_method(@handle)
        return nil unless method

        query = N.ws_request_query(@handle) || ''
        env = {
          'REQUEST_METHOD' => method,
          'SCRIPT_NAME' => '',
          'PATH_INFO' => N.ws_request_path(@handle).to_s,
          'QUERY_STRING' => query
        }
        N.each_header(@handle) do |name, value|
          name = HTTP.normalize_header(name)
          rack_name = name.upcase.tr('-', '_')
          rack_name = "HTTP_#{rack_name}" unless RESERVED_HEADERS.include?(name)
          env[rack_name] = env.key?(rack_name) ? "#{env[rack_name]}, #{value}" : value
        end
        if (host = env['HTTP_HOST'])
          begin
            uri = URI.parse("http://#{host}")
            env['SERVER_NAME'] = uri.host
            env['SERVER_PORT'] = uri.port.to_s
          rescue URI::InvalidURIError
            nil
          end
        end
        env['rack.input'] = LazyInput.new { request_body }
        env
      end

      # rack.input for the server env. Bytes that came with the request head
      # are in ws_request_body from the :connect action on; the body is read
      # on first use (not when the env is built) so that bytes arriving in
      # a later chunk, before the handshake is answered, are seen too.
      class LazyInput
        def initialize(&fetch)
          @fetch = fetch
          @io = nil
        end

        %i[read gets each rewind string size eof? getc].each do |name|
          define_method(name) { |*args, &block| io.__send__(name, *args, &block) }
        end

        def close; end

        private

        def io
          return @io if @io

          body = @fetch.call
          # Stay lazy while nothing has arrived yet.
          body.empty? ? StringIO.new(body) : (@io = StringIO.new(body))
        end
      end

      def request_body
        data_ptr = FFI::MemoryPointer.new(:pointer)
        len_ptr  = FFI::MemoryPointer.new(:size_t)
        return +'' unless locked { N.ws_request_body(@handle, data_ptr, len_ptr) } == N::OK

        len = len_ptr.get_ulong(0)
        len.zero? ? +'' : data_ptr.read_pointer.read_bytes(len)
      end
    end
  end
end
