# frozen_string_literal: true

require_relative 'rack_request'

module WebSocket
  class Driver
    # hixie-75: 0x00 <utf-8> 0xFF framing, no closing handshake, no binary
    # or ping/pong (those answer false).
    class Draft75 < Driver
      def initialize(socket, options = {})
        super
        create_handle
      end

      def version
        'hixie-75'
      end

      private

      def request_body
        nil
      end

      def create_handle
        create_rack_handle(request_body)
      end
    end
  end
end
