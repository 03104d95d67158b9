# frozen_string_literal: true

module WebSocket
  class Driver
    # hixie-76: like hixie-75 plus a key challenge answered once the 8-byte
    # request body has arrived (in rack.input or through later `parse`
    # calls), and a 0xFF 0x00 closing frame.
    class Draft76 < Draft75
      BODY_SIZE = 8

      def version
        'hixie-76'
      end

      private

      def request_body
        input = @socket.env['rack.input']
        body = input ? input.read.to_s : ''
        body = body.dup if body.frozen?
        body.force_encoding(Encoding::BINARY)
      end
    end
  end
end
