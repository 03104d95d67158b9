# frozen_string_literal: true

module WebSocket
  class Driver
    # RFC 6455 client: `socket.url` names the endpoint; `start` writes the
    # request; the response is validated by the native core.
    class Client < Hybi
      VALID_SCHEMES = %w[ws wss].freeze

      # Sec-WebSocket-Key for new clients. Override (e.g. in tests) to fix
      # the handshake bytes; the value is handed to the native driver.
      def self.generate_key
        Base64.strict_encode64(SecureRandom.random_bytes(16))
      end

      def initialize(socket, options = {})
        @started = false
        super
      end

      def version
        "hybi-#{VERSION}"
      end

      # -1 until `start`, as in the gem (so `state` is nil).
      def ready_state
        rs = super
        !@started && rs.zero? ? -1 : rs
      end

      # Extensions are registered with the core at start, in order, as
      # websocket-extensions' generate_offer does: a session per extension
      # (create_client_session; none, or no offer, leaves it out).
      def add_extension(extension)
        validate_extension(extension)
        true
      end

      def start
        return false if @started || ready_state != -1

        register_client_extensions
        result = command do
          started = N.ws_start(@handle)
          @started = true if started == N::OK
          started
        end
        ok?(result)
      end

      def status
        code = locked { N.ws_status(@handle) }
        code.zero? ? nil : code
      end

      # The request headers (lines to send) until the response arrived;
      # then the response headers.
      def headers
        return @response_headers if @response_headers
        return @headers unless status

        @response_headers = Headers.new(response_header_hash)
      end

      def proxy(origin, options = {})
        Proxy.new(self, origin, options)
      end

      private

      def register_client_extensions
        (@extension_list || []).each do |ext|
          if ext.respond_to?(:wsdriver_native_deflate?) || ::WSDriver::PermessageDeflate.gem_like?(ext)
            register_extension(ext, client: true)
            next
          end
          session = ext.create_client_session
          next unless session

          offers = session.generate_offer
          offers = offers ? [offers].flatten : []
          # The core sends one offer per extension: the first.
          next if offers.empty?

          register_extension(ext, client: true, session: session,
                                  offer: ::WSDriver::ExtensionBridge.serialize(ext.name, offers.first))
        end
      end

      def response_header_hash
        hash = {}
        locked do
          N.each_header(@handle) do |name, value|
            name = HTTP.normalize_header(name)
            value = value.force_encoding(Encoding::UTF_8)
            hash[name] = hash.key?(name) ? "#{hash[name]}, #{value}" : value
          end
        end
        hash
      end

      def create_handle
        url = @socket.url
        uri = URI.parse(url)
        raise URIError, "#{url} is not a valid WebSocket URL" unless VALID_SCHEMES.include?(uri.scheme)

        @key    = Client.generate_key
        @accept = Hybi.generate_accept(@key)

        create_native(masking: !!@masking, require_masking: !!@require_masking,
                      protocols: @protocols, client_key: @key) do |opts, out|
          result = N.ws_driver_new_client(opts, url, out)
          raise URIError, "#{url} is not a valid WebSocket URL" if result == N::INVALID_URL

          N.check!(result, nil, 'ws_driver_new_client')
        end
      end
    end
  end
end
