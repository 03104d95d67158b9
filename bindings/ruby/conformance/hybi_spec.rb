# frozen_string_literal: true

require_relative 'spec_helper'

RSpec.describe WebSocket::Driver::Hybi do
  let :env do
    {
      'REQUEST_METHOD' => 'GET',
      'HTTP_CONNECTION' => 'Upgrade',
      'HTTP_UPGRADE' => 'websocket',
      'HTTP_ORIGIN' => 'http://www.example.com',
      'HTTP_SEC_WEBSOCKET_KEY' => 'JFBCWHksyIpXV+6Wlq/9pw==',
      'HTTP_SEC_WEBSOCKET_VERSION' => '13'
    }
  end

  let :options do
    { masking: false }
  end

  let :socket do
    socket = double(WebSocket)
    allow(socket).to receive(:env).and_return(env)
    allow(socket).to receive(:write) { |message| @bytes = bytes(message) }
    socket
  end

  let :driver do
    driver = WebSocket::Driver::Hybi.new(socket, options)
    driver.on(:open)    { |_e| @open = true }
    driver.on(:message) { |e| @message += e.data }
    driver.on(:error)   { |e| @error = e }
    driver.on(:close)   { |e| @close = [e.code, e.reason] }
    driver
  end

  let :handshake do
    "HTTP/1.1 101 Switching Protocols\r\n" \
      "Upgrade: websocket\r\n" \
      "Connection: Upgrade\r\n" \
      "Sec-WebSocket-Accept: JdiiuafpBKRqD7eol0y4vJDTsTs=\r\n" \
      "\r\n"
  end

  before do
    @open = @error = @close = false
    @message = +''
  end

  describe 'in the :connecting state' do
    it 'starts in the :connecting state' do
      expect(driver.state).to eq :connecting
    end

    it 'reports its version' do
      expect(driver.version).to eq 'hybi-13'
    end

    describe :start do
      it 'writes the handshake response to the socket' do
        expect(socket).to receive(:write).with(handshake)
        driver.start
      end

      it 'returns true' do
        expect(driver.start).to eq true
      end

      it 'triggers the onopen event' do
        driver.start
        expect(@open).to eq true
      end

      it 'changes the state to :open' do
        driver.start
        expect(driver.state).to eq :open
      end

      it 'sets the protocol version' do
        driver.start
        expect(driver.version).to eq 'hybi-13'
      end

      describe 'with subprotocols' do
        before do
          env['HTTP_SEC_WEBSOCKET_PROTOCOL'] = 'foo, bar, xmpp'
          options[:protocols] = ['xmpp']
        end

        it 'writes the handshake with Sec-WebSocket-Protocol' do
          expect(socket).to receive(:write).with(
            "HTTP/1.1 101 Switching Protocols\r\n" \
            "Upgrade: websocket\r\n" \
            "Connection: Upgrade\r\n" \
            "Sec-WebSocket-Accept: JdiiuafpBKRqD7eol0y4vJDTsTs=\r\n" \
            "Sec-WebSocket-Protocol: xmpp\r\n" \
            "\r\n"
          )
          driver.start
        end

        it 'sets the subprotocol' do
          driver.start
          expect(driver.protocol).to eq 'xmpp'
        end
      end

      describe 'with subprotocols given as a string' do
        before do
          env['HTTP_SEC_WEBSOCKET_PROTOCOL'] = 'foo, bar'
          options[:protocols] = ' bar , foo '
        end

        it 'picks the first of the client' do
          driver.start
          expect(driver.protocol).to eq 'foo'
        end
      end

      describe 'with no matching subprotocol' do
        before do
          env['HTTP_SEC_WEBSOCKET_PROTOCOL'] = 'foo'
          options[:protocols] = ['xmpp']
        end

        it 'omits the Sec-WebSocket-Protocol header' do
          expect(socket).to receive(:write).with(handshake)
          driver.start
          expect(driver.protocol).to eq nil
        end
      end

      describe 'with custom headers' do
        before do
          driver.set_header 'Authentication', 'Basic - word'
        end

        it 'writes the handshake with the custom headers' do
          expect(socket).to receive(:write).with(
            "HTTP/1.1 101 Switching Protocols\r\n" \
            "Authentication: Basic - word\r\n" \
            "Upgrade: websocket\r\n" \
            "Connection: Upgrade\r\n" \
            "Sec-WebSocket-Accept: JdiiuafpBKRqD7eol0y4vJDTsTs=\r\n" \
            "\r\n"
          )
          driver.start
        end
      end

      describe 'with invalid extensions' do
        before do
          env['HTTP_SEC_WEBSOCKET_EXTENSIONS'] = 'x-webkit- -frame'
        end

        it 'writes a handshake error response' do
          expect(socket).to receive(:write).with(
            "HTTP/1.1 400 Bad Request\r\n" \
            "Content-Type: text/plain\r\n" \
            "Content-Length: 57\r\n" \
            "\r\n" \
            'Invalid Sec-WebSocket-Extensions header: x-webkit- -frame'
          )
          driver.start
        end

        it 'returns false' do
          expect(driver.start).to eq false
        end

        it 'does not trigger the onopen event' do
          driver.start
          expect(@open).to eq false
        end

        it 'triggers the onerror event' do
          driver.start
          expect(@error.message).to eq 'Invalid Sec-WebSocket-Extensions header: x-webkit- -frame'
        end

        it 'triggers the onclose event' do
          driver.start
          expect(@close).to eq [1002, 'Invalid Sec-WebSocket-Extensions header: x-webkit- -frame']
        end

        it 'changes the state to :closed' do
          driver.start
          expect(driver.state).to eq :closed
        end
      end

      describe 'with an unsupported version' do
        before { env['HTTP_SEC_WEBSOCKET_VERSION'] = '7' }

        it 'writes a handshake error response' do
          expect(socket).to receive(:write).with(
            "HTTP/1.1 400 Bad Request\r\n" \
            "Content-Type: text/plain\r\n" \
            "Content-Length: 33\r\n" \
            "\r\n" \
            'Unsupported WebSocket version: 13'
          )
          expect(driver.start).to eq false
          expect(@close).to eq [1002, 'Unsupported WebSocket version: 13']
        end
      end

      describe 'with a version before hybi-7' do
        before { env['HTTP_SEC_WEBSOCKET_VERSION'] = '6' }

        it 'fails the handshake naming version 13' do
          expect(driver.start).to eq false
          expect(@error.message).to eq 'Unsupported WebSocket version: 13'
          expect(driver.state).to eq :closed
        end
      end

      describe 'with no key' do
        before { env.delete('HTTP_SEC_WEBSOCKET_KEY') }

        it 'fails the handshake' do
          expect(driver.start).to eq false
          expect(@error.message).to eq 'Missing handshake request header: Sec-WebSocket-Key'
          expect(driver.state).to eq :closed
        end
      end
    end

    describe :set_header do
      it 'returns true' do
        expect(driver.set_header('X-Test', '1')).to eq true
      end

      it 'returns false once the handshake was sent' do
        driver.start
        expect(driver.set_header('X-Test', '1')).to eq false
      end
    end

    describe :parse do
      # The gem's Hybi has no state check in parse: a server that parses
      # before start delivers the frames.
      it 'parses frames before start' do
        driver.parse [0x81, 0x02, 0x48, 0x69].pack('C*')
        expect(@message).to eq 'Hi'
        expect(driver.state).to eq :connecting
      end
    end

    describe :frame do
      it 'does not write to the socket' do
        expect(socket).not_to receive(:write)
        driver.frame('Hello, world')
      end

      it 'returns true' do
        expect(driver.frame('whatever')).to eq true
      end

      it 'queues the frames until the handshake has been sent' do
        expect(socket).to receive(:write).with(handshake).ordered
        expect(socket).to receive(:write).with(WebSocket::Driver.encode([0x81, 0x02, 72, 105])).ordered

        driver.frame('Hi')
        driver.start

        expect(@bytes).to eq [0x81, 0x02, 72, 105]
      end
    end

    describe :ping do
      it 'does not write to the socket' do
        expect(socket).not_to receive(:write)
        driver.ping
      end

      it 'returns true' do
        expect(driver.ping).to eq true
      end

      it 'queues the ping until the handshake has been sent' do
        expect(socket).to receive(:write).with(handshake).ordered
        expect(socket).to receive(:write).with(WebSocket::Driver.encode([0x89, 0])).ordered

        driver.ping
        driver.start

        expect(@bytes).to eq [0x89, 0]
      end
    end

    describe :close do
      it 'does not write anything to the socket' do
        expect(socket).not_to receive(:write)
        driver.close
      end

      it 'returns true' do
        expect(driver.close).to eq true
      end

      it 'triggers the onclose event' do
        driver.close
        expect(@close).to eq [1000, '']
      end

      it 'changes the state to :closed' do
        driver.close
        expect(driver.state).to eq :closed
      end
    end
  end

  describe 'in the :open state' do
    before { driver.start }

    describe :parse do
      let(:mask) { [0x12, 0x9a, 0x7f, 0xe4] }

      def mask_message(*bytes)
        bytes.each_with_index.map { |byte, i| byte ^ mask[i % 4] }
      end

      it 'parses unmasked text frames' do
        driver.parse [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f].pack('C*')
        expect(@message).to eq 'Hello'
      end

      it 'parses multiple frames from the same packet' do
        driver.parse [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f].pack('C*')
        expect(@message).to eq 'HelloHello'
      end

      it 'parses empty text frames' do
        driver.parse [0x81, 0x00].pack('C*')
        expect(@message).to eq ''
      end

      it 'parses fragmented text frames' do
        driver.parse [0x01, 0x03, 0x48, 0x65, 0x6c].pack('C*')
        driver.parse [0x80, 0x02, 0x6c, 0x6f].pack('C*')
        expect(@message).to eq 'Hello'
      end

      it 'parses masked text frames' do
        driver.parse ([0x81, 0x85] + mask + mask_message(0x48, 0x65, 0x6c, 0x6c, 0x6f)).pack('C*')
        expect(@message).to eq 'Hello'
      end

      it 'parses masked empty text frames' do
        driver.parse ([0x81, 0x80] + mask + mask_message).pack('C*')
        expect(@message).to eq ''
      end

      it 'parses masked fragmented text frames' do
        driver.parse ([0x01, 0x81] + mask + mask_message(0x48)).pack('C*')
        driver.parse ([0x80, 0x84] + mask + mask_message(0x65, 0x6c, 0x6c, 0x6f)).pack('C*')
        expect(@message).to eq 'Hello'
      end

      it 'closes the socket if the frame has an unrecognized opcode' do
        driver.parse [0x83, 0x00].pack('C*')
        expect(@bytes[0..3]).to eq [0x88, 0x1e, 0x03, 0xea]
        expect(@error.message).to eq 'Unrecognized frame opcode: 3'
        expect(@close).to eq [1002, 'Unrecognized frame opcode: 3']
        expect(driver.state).to eq :closed
      end

      it 'closes the socket if a reserved bit is set' do
        driver.parse [0xc1, 0x00].pack('C*')
        expect(@error.message).to eq 'One or more reserved bits are on: reserved1 = 1, reserved2 = 0, reserved3 = 0'
        expect(@close).to eq [1002, 'One or more reserved bits are on: reserved1 = 1, reserved2 = 0, reserved3 = 0']
        expect(driver.state).to eq :closed
      end

      it 'closes the socket on a fragmented control frame' do
        driver.parse [0x09, 0x00].pack('C*')
        expect(@close).to eq [1002, 'Received fragmented control frame: opcode = 9']
      end

      it 'closes the socket on a too long control frame' do
        driver.parse [0x89, 0x7e, 0x00, 0x7e].pack('C*')
        expect(@close).to eq [1002, 'Received control frame having too long payload: 126']
      end

      it 'closes the socket on an unexpected continuation frame' do
        driver.parse [0x80, 0x01, 0x48].pack('C*')
        expect(@close).to eq [1002, 'Received unexpected continuation frame']
      end

      it 'closes the socket on a new data frame inside a fragmented message' do
        driver.parse [0x01, 0x01, 0x48, 0x81, 0x01, 0x48].pack('C*')
        expect(@close).to eq [1002, 'Received new data frame but previous continuous frame is unfinished']
      end

      it 'closes the socket on text that is not UTF-8' do
        driver.parse [0x81, 0x02, 0xc3, 0x28].pack('C*')
        expect(@message).to eq ''
        expect(@bytes[0..3]).to eq [0x88, 0x28, 0x03, 0xef]
        expect(@close).to eq [1007, 'Could not decode a text frame as UTF-8']
      end

      it 'closes the socket if a close frame is received' do
        driver.parse [0x88, 0x07, 0x03, 0xe8, 0x48, 0x65, 0x6c, 0x6c, 0x6f].pack('C*')
        expect(@bytes).to eq [0x88, 0x07, 0x03, 0xe8, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        expect(@close).to eq [1000, 'Hello']
        expect(driver.state).to eq :closed
      end

      it 'echoes an empty close frame with code 1000' do
        driver.parse [0x88, 0x00].pack('C*')
        expect(@bytes).to eq [0x88, 0x02, 0x03, 0xe8]
        expect(@close).to eq [1000, '']
      end

      it 'answers a close frame with an invalid code with a protocol error' do
        driver.parse [0x88, 0x02, 0x03, 0xec].pack('C*')
        expect(@bytes).to eq [0x88, 0x02, 0x03, 0xea]
        expect(@close).to eq [1002, '']
      end

      it 'accepts close codes in the reserved range 3000-4999' do
        driver.parse [0x88, 0x02, 0x0f, 0xa0].pack('C*')
        expect(@close).to eq [4000, '']
      end

      it 'parses unmasked multibyte text frames' do
        driver.parse [0x81, 0x0b, 0x41, 0x70, 0x70, 0x6c, 0x65, 0x20, 0x3d, 0x20, 0xef, 0xa3, 0xbf].pack('C*')
        expect(@message).to eq encode("Apple = \uf8ff")
      end

      it 'parses frames received in several packets' do
        driver.parse [0x81, 0x0b, 0x41, 0x70, 0x70, 0x6c].pack('C*')
        driver.parse [0x65, 0x20, 0x3d, 0x20, 0xef, 0xa3, 0xbf].pack('C*')
        expect(@message).to eq encode("Apple = \uf8ff")
      end

      it 'parses fragmented multibyte text frames' do
        driver.parse [0x01, 0x0a, 0x41, 0x70, 0x70, 0x6c, 0x65, 0x20, 0x3d, 0x20, 0xef, 0xa3].pack('C*')
        driver.parse [0x80, 0x01, 0xbf].pack('C*')
        expect(@message).to eq encode("Apple = \uf8ff")
      end

      it 'parses masked multibyte text frames' do
        driver.parse ([0x81, 0x8b] + mask + mask_message(0x41, 0x70, 0x70, 0x6c, 0x65, 0x20, 0x3d, 0x20, 0xef, 0xa3, 0xbf)).pack('C*')
        expect(@message).to eq encode("Apple = \uf8ff")
      end

      it 'parses masked fragmented multibyte text frames' do
        driver.parse ([0x01, 0x8a] + mask + mask_message(0x41, 0x70, 0x70, 0x6c, 0x65, 0x20, 0x3d, 0x20, 0xef, 0xa3)).pack('C*')
        driver.parse ([0x80, 0x81] + mask + mask_message(0xbf)).pack('C*')
        expect(@message).to eq encode("Apple = \uf8ff")
      end

      it 'parses unmasked medium-length text frames' do
        driver.parse ([0x81, 0x7e, 0x00, 0xc8] + ([0x48, 0x65, 0x6c, 0x6c, 0x6f] * 40)).pack('C*')
        expect(@message).to eq 'Hello' * 40
      end

      it 'parses masked medium-length text frames' do
        driver.parse ([0x81, 0xfe, 0x00, 0xc8] + mask + mask_message(*([0x48, 0x65, 0x6c, 0x6c, 0x6f] * 40))).pack('C*')
        expect(@message).to eq 'Hello' * 40
      end

      it 'parses binary frames as strings by default' do
        messages = []
        driver.on(:message) { |e| messages << e.data }
        driver.parse [0x82, 0x03, 0x01, 0xff, 0x00].pack('C*')
        expect(messages).to eq [[0x01, 0xff, 0x00].pack('C*')]
        expect(messages.first.encoding).to eq Encoding::BINARY
      end

      it 'parses a frame fed one byte at a time' do
        [0x81, 0x85, *mask, *mask_message(0x48, 0x65, 0x6c, 0x6c, 0x6f)].each { |b| driver.parse [b].pack('C') }
        expect(@message).to eq 'Hello'
      end

      it 'parses frames with a 64-bit length' do
        driver.parse ([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0x11, 0x70] + [0x61] * 70_000).pack('C*')
        expect(@message).to eq 'a' * 70_000
      end

      it 'returns an error for too-large frames' do
        driver.parse [0x81, 0x7f, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00].pack('C*')
        expect(@error.message).to eq 'WebSocket frame length too large'
        expect(@close).to eq [1009, 'WebSocket frame length too large']
        expect(driver.state).to eq :closed
      end

      it 'replies to pings with a pong' do
        driver.parse [0x89, 0x04, 0x4f, 0x48, 0x41, 0x49].pack('C*')
        expect(@bytes).to eq [0x8a, 0x04, 0x4f, 0x48, 0x41, 0x49]
      end

      it 'triggers the onping event when a ping arrives' do
        driver.on(:ping) { |e| @ping = e.data }
        driver.parse [0x89, 0x04, 0x4f, 0x48, 0x41, 0x49].pack('C*')
        expect(@ping).to eq 'OHAI'
      end

      it 'triggers the onpong event when a pong arrives' do
        driver.on(:pong) { |e| @pong = e.data }
        driver.parse [0x8a, 0x02, 0x48, 0x69].pack('C*')
        expect(@pong).to eq 'Hi'
      end

      describe 'when a message listener raises an error' do
        before do
          @messages = []
          driver.on :message do |msg|
            @messages << msg.data
            raise 'an error'
          end
        end

        it 'is not trapped by the parser' do
          buffer = [0x81, 0x02, 0x48, 0x65].pack('C*')
          expect { driver.parse buffer }.to raise_error(RuntimeError, 'an error')
        end

        it 'parses text frames without dropping input' do
          begin
            driver.parse [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x81, 0x02, 0x48].pack('C*')
          rescue RuntimeError
            nil
          end
          begin
            driver.parse [0x65].pack('C*')
          rescue RuntimeError
            nil
          end
          expect(@messages).to eq %w[Hello He]
        end
      end
    end

    describe :frame do
      it 'formats the given string as a WebSocket frame' do
        driver.frame 'Hello'
        expect(@bytes).to eq [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
      end

      it 'formats a byte array as a binary WebSocket frame' do
        driver.frame [0x48, 0x65, 0x6c]
        expect(@bytes).to eq [0x82, 0x03, 0x48, 0x65, 0x6c]
      end

      it 'formats a binary string as a binary WebSocket frame' do
        driver.frame (+'Hel').force_encoding(Encoding::BINARY)
        expect(@bytes).to eq [0x82, 0x03, 0x48, 0x65, 0x6c]
      end

      it 'encodes multibyte characters correctly' do
        message = encode "Apple = \uf8ff"
        driver.frame message
        expect(@bytes).to eq [0x81, 0x0b, 0x41, 0x70, 0x70, 0x6c, 0x65, 0x20, 0x3d, 0x20, 0xef, 0xa3, 0xbf]
      end

      it 'encodes medium-length strings using extra length bytes' do
        driver.frame 'Hello' * 40
        expect(@bytes).to eq [0x81, 0x7e, 0x00, 0xc8] + ([0x48, 0x65, 0x6c, 0x6c, 0x6f] * 40)
      end

      it 'encodes long strings using 64-bit length bytes' do
        driver.frame 'a' * 70_000
        expect(@bytes[0, 10]).to eq [0x81, 0x7f, 0, 0, 0, 0, 0, 1, 0x11, 0x70]
        expect(@bytes.size).to eq 70_010
      end

      it 'encodes close frames with an error code' do
        driver.frame 'Hello', :close, 1002
        expect(@bytes).to eq [0x88, 0x07, 0x03, 0xea, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
      end

      it 'encodes pong frames' do
        driver.frame '', :pong
        expect(@bytes).to eq [0x8a, 0x00]
      end

      it 'writes BINARY strings to the socket' do
        expect(socket).to receive(:write) { |data| expect(data.encoding).to eq Encoding::BINARY }
        driver.frame "caf\u00e9"
      end
    end

    describe :text do
      it 'writes a text frame and returns true' do
        expect(driver.text('Hi')).to eq true
        expect(@bytes).to eq [0x81, 0x02, 0x48, 0x69]
      end
    end

    describe :binary do
      it 'writes a binary frame and returns true' do
        expect(driver.binary([0x48, 0x69])).to eq true
        expect(@bytes).to eq [0x82, 0x02, 0x48, 0x69]
      end

      it 'writes a binary frame for a UTF-8 string' do
        driver.binary('Hi')
        expect(@bytes).to eq [0x82, 0x02, 0x48, 0x69]
      end
    end

    describe :ping do
      it 'writes a ping frame to the socket' do
        driver.ping('mic check')
        expect(@bytes).to eq [0x89, 0x09, 0x6d, 0x69, 0x63, 0x20, 0x63, 0x68, 0x65, 0x63, 0x6b]
      end

      it 'returns true' do
        expect(driver.ping).to eq true
      end

      it 'runs the given callback on matching pong' do
        driver.ping('Hi') { @reply = true }
        driver.parse [0x8a, 0x02, 72, 105].pack('C*')
        expect(@reply).to eq true
      end

      it 'does not run the callback on non-matching pong' do
        driver.ping('Hi') { @reply = true }
        driver.parse [0x8a, 0x03, 119, 97, 116].pack('C*')
        expect(@reply).to eq nil
      end

      it 'runs the callback before the onpong event' do
        order = []
        driver.on(:pong) { order << :event }
        driver.ping('Hi') { order << :callback }
        driver.parse [0x8a, 0x02, 72, 105].pack('C*')
        expect(order).to eq %i[callback event]
      end
    end

    describe :pong do
      it 'writes a pong frame to the socket' do
        driver.pong('mic check')
        expect(@bytes).to eq [0x8a, 0x09, 0x6d, 0x69, 0x63, 0x20, 0x63, 0x68, 0x65, 0x63, 0x6b]
      end

      it 'returns true' do
        expect(driver.pong).to eq true
      end
    end

    describe :close do
      it 'writes a close frame to the socket' do
        driver.close('<%= reasons %>', 1003)
        expect(@bytes).to eq [0x88, 0x10, 0x03, 0xeb, 0x3c, 0x25, 0x3d, 0x20, 0x72, 0x65, 0x61, 0x73, 0x6f, 0x6e, 0x73, 0x20, 0x25, 0x3e]
      end

      it 'writes code 1000 with no arguments' do
        driver.close
        expect(@bytes).to eq [0x88, 0x02, 0x03, 0xe8]
      end

      it 'returns true' do
        expect(driver.close).to eq true
      end

      it 'does not trigger the onclose event' do
        driver.close
        expect(@close).to eq false
      end

      it 'does not trigger the onerror event' do
        driver.close
        expect(@error).to eq false
      end

      it 'changes the state to :closing' do
        driver.close
        expect(driver.state).to eq :closing
      end
    end
  end

  describe 'when masking is required' do
    before do
      options[:require_masking] = true
      driver.start
    end

    it 'does not emit a message' do
      driver.parse [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f].pack('C*')
      expect(@message).to eq ''
    end

    it 'returns an error' do
      driver.parse [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f].pack('C*')
      expect(@close).to eq [1003, 'Received unmasked frame but masking is required']
    end
  end

  describe 'with max_length' do
    before do
      options[:max_length] = 4
      driver.start
    end

    it 'accepts a message of that length' do
      driver.parse [0x81, 0x04, 0x48, 0x65, 0x6c, 0x6c].pack('C*')
      expect(@message).to eq 'Hell'
    end

    it 'fails a longer frame' do
      driver.parse [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f].pack('C*')
      expect(@close).to eq [1009, 'WebSocket frame length too large']
    end

    it 'fails a longer fragmented message' do
      driver.parse [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f].pack('C*')
      expect(@message).to eq ''
      expect(@close).to eq [1009, 'WebSocket frame length too large']
    end
  end

  describe 'with binary_data_format: :array' do
    it 'delivers binary messages as arrays of bytes' do
      options[:binary_data_format] = :array
      plain = WebSocket::Driver::Hybi.new(socket, options)
      messages = []
      plain.on(:message) { |e| messages << e.data }
      plain.start
      plain.parse [0x82, 0x02, 0x01, 0xff, 0x81, 0x01, 0x48].pack('C*')
      expect(messages).to eq [[0x01, 0xff], 'H']
    end
  end

  describe 'with an unknown option' do
    it 'raises a ConfigurationError' do
      options[:nonsense] = true
      expect { driver }.to raise_error(WebSocket::Driver::ConfigurationError, 'Unrecognized option: :nonsense')
    end
  end

  describe 'in the :closing state' do
    before do
      driver.start
      driver.close
    end

    describe :frame do
      it 'does not write to the socket' do
        expect(socket).not_to receive(:write)
        driver.frame('dropped')
      end

      it 'returns false' do
        expect(driver.frame('wut')).to eq false
      end
    end

    describe :ping do
      it 'does not write to the socket' do
        expect(socket).not_to receive(:write)
        driver.ping
      end

      it 'returns false' do
        expect(driver.ping).to eq false
      end
    end

    describe :close do
      it 'does not write to the socket' do
        expect(socket).not_to receive(:write)
        driver.close
      end

      it 'returns false' do
        expect(driver.close).to eq false
      end
    end

    describe 'receiving a close frame' do
      before do
        driver.parse [0x88, 0x04, 0x03, 0xe9, 0x4f, 0x4b].pack('C*')
      end

      it 'triggers the onclose event' do
        expect(@close).to eq [1001, 'OK']
      end

      it 'changes the state to :closed' do
        expect(driver.state).to eq :closed
      end
    end

    describe 'receiving a close frame' do
      it 'does not write another close frame' do
        expect(socket).not_to receive(:write)
        driver.parse [0x88, 0x04, 0x03, 0xe9, 0x4f, 0x4b].pack('C*')
      end
    end

    describe 'receiving a close frame with a too-short payload' do
      before do
        driver.parse [0x88, 0x01, 0x03].pack('C*')
      end

      it 'triggers the onclose event with a protocol error' do
        expect(@close).to eq [1002, '']
      end

      it 'changes the state to :closed' do
        expect(driver.state).to eq :closed
      end
    end

    describe 'receiving a close frame with no code' do
      before do
        driver.parse [0x88, 0x00].pack('C*')
      end

      it 'triggers the onclose event with code 1000' do
        expect(@close).to eq [1000, '']
      end
    end

    describe 'receiving a close frame with an invalid code' do
      before do
        driver.parse [0x88, 0x02, 0x03, 0xec].pack('C*')
      end

      it 'triggers the onclose event with a protocol error' do
        expect(@close).to eq [1002, '']
      end
    end

    describe 'receiving a text frame' do
      it 'still delivers it' do
        driver.parse [0x81, 0x02, 0x48, 0x69].pack('C*')
        expect(@message).to eq 'Hi'
      end
    end
  end

  describe 'in the :closed state' do
    before do
      driver.start
      driver.close
      driver.parse [0x88, 0x02, 0x03, 0xea].pack('C*')
    end

    describe :close do
      it 'does not write to the socket' do
        expect(socket).not_to receive(:write)
        driver.close
      end

      it 'returns false' do
        expect(driver.close).to eq false
      end

      it 'leaves the state as :closed' do
        driver.close
        expect(driver.state).to eq :closed
      end
    end

    describe :text do
      it 'returns false' do
        expect(driver.text('late')).to eq false
      end
    end

    describe :parse do
      it 'ignores further frames' do
        driver.parse [0x81, 0x02, 0x48, 0x69].pack('C*')
        expect(@message).to eq ''
      end
    end
  end
end
