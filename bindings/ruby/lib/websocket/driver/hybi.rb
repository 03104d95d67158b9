# frozen_string_literal: true

require_relative 'rack_request'

module WebSocket
  class Driver
    # RFC 6455 (hybi-13) on the server side, for a request the host already
    # parsed (`socket.env`). Client inherits from it, as in the gem.
    class Hybi < Driver
      VERSION = '13'
      GUID    = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

      OPCODES = {
        continuation: 0,
        text: 1,
        binary: 2,
        close: 8,
        ping: 9,
        pong: 10
      }.freeze

      ERRORS = {
        normal_closure: 1000,
        going_away: 1001,
        protocol_error: 1002,
        unacceptable: 1003,
        encoding_error: 1007,
        policy_violation: 1008,
        too_large: 1009,
        extension_error: 1010,
        unexpected_condition: 1011
      }.freeze

      ERROR_CODES        = ERRORS.values.freeze
      DEFAULT_ERROR_CODE = 1000
      MIN_RESERVED_ERROR = 3000
      MAX_RESERVED_ERROR = 4999

      def self.generate_accept(key)
        Base64.strict_encode64(Digest::SHA1.digest(key + GUID))
      end

      def initialize(socket, options = {})
        super

        @masking         = options[:masking]
        @require_masking = options[:require_masking]
        @protocols       = options[:protocols] || []
        @protocols       = @protocols.strip.split(/ *, */) if @protocols.is_a?(String)

        create_handle
      end

      def version
        "hybi-#{VERSION}"
      end

      # The gem's message object, handed to extension sessions
      # (process_incoming_message / process_outgoing_message).
      class Message
        attr_accessor :rsv1, :rsv2, :rsv3, :opcode, :data

        def initialize
          @rsv1   = false
          @rsv2   = false
          @rsv3   = false
          @opcode = nil
          @data   = String.new('', encoding: Encoding::BINARY)
        end
      end

      # Registers a websocket-extensions extension (checked as
      # WebSocket::Extensions#add does). This server answers the client's
      # offers through it; see Driver#register_extension.
      def add_extension(extension)
        validate_extension(extension)
        register_extension(extension, client: false)
      end

      def extensions
        (@extension_list || []).dup
      end

      private

      def create_handle
        create_rack_handle(masking: !!@masking, require_masking: !!@require_masking, protocols: @protocols)
      end
    end
  end
end
