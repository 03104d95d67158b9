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
        out = FFI::MemoryPointer.new(:pointer)
        with_native_options do |opts|
          url = @socket.respond_to?(:url) ? @socket.url : nil
          result = RackRequest.create(N, opts, @socket.env, url, request_body, out)
          N.check!(result, nil, 'ws_driver_new_rack')
        end
        adopt_handle(out)
      end
    end
  end
end
