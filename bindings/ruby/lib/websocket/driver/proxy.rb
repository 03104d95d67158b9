# frozen_string_literal: true

module WebSocket
  class Driver
    # HTTP CONNECT through a proxy for a client driver. Writes go to the
    # client's socket; emits :connect on a 200 answer, else :error.
    class Proxy
      include EventEmitter

      N = ::WSDriver::Native
      private_constant :N

      attr_reader :status, :headers

      # Bytes the proxy sent after its response (the gem drops them).
      attr_reader :leftover

      def initialize(client, origin, options = {})
        super()
        @client  = client
        @socket  = client.socket
        @options = options
        @url     = URI.parse(origin)
        @state   = 0
        @headers = Headers.new
        @leftover = nil
        @draining = false
        @action  = N.new_action
        @action_ptr = @action.to_ptr

        out = FFI::MemoryPointer.new(:pointer)
        result = N.ws_proxy_new(client.native_handle, origin, out)
        raise URIError, "#{origin} is not a valid proxy URL" if result == N::INVALID_URL

        N.check!(result, nil, 'ws_proxy_new')
        @handle = N.adopt(out, :ws_proxy_free, 'ws_proxy_new')
      end

      def set_header(name, value)
        return false unless @state.zero?
        return true if value.nil?

        @headers[name] = value
        N.ws_proxy_set_header(@handle, name.to_s.strip, value.to_s.strip)
        true
      end

      def start
        return false unless @state.zero?

        @state = 1
        N.check!(N.ws_proxy_start(@handle), nil, 'ws_proxy_start')
        drain
        true
      end

      def parse(chunk)
        consumed = FFI::MemoryPointer.new(:size_t)
        result = N.ws_proxy_parse(@handle, chunk, chunk.bytesize, consumed)
        used = consumed.get_ulong(0)
        @leftover = chunk.byteslice(used..) if result == N::OK && used < chunk.bytesize
        drain
        nil
      end

      private

      def drain
        return if @draining

        @draining = true
        begin
          while N.ws_proxy_poll(@handle, @action_ptr) == N::OK
            ptr = @action_ptr
            case ptr.get_uint32(N::KIND_OFFSET)
            when N::ACTION_WRITE
              @socket.write(read_data(ptr))
            when N::ACTION_CONNECT
              load_response
              emit(:connect, ConnectEvent.new)
            when N::ACTION_ERROR
              load_response
              emit(:error, ProtocolError.new(read_data(ptr).force_encoding(Encoding::UTF_8)))
            end
          end
        ensure
          @draining = false
        end
      end

      def read_data(ptr)
        len = ptr.get_ulong(N::LEN_OFFSET)
        len.zero? ? String.new(encoding: Encoding::BINARY) : ptr.get_pointer(N::DATA_OFFSET).read_bytes(len)
      end

      def load_response
        code = N.ws_proxy_status(@handle)
        @status = code.zero? ? nil : code
        hash = {}
        N.each_header(@handle, 'ws_proxy') do |name, value|
          name = HTTP.normalize_header(name)
          hash[name] = hash.key?(name) ? "#{hash[name]}, #{value}" : value
        end
        @headers = Headers.new(hash)
      end
    end
  end
end
