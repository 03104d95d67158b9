# frozen_string_literal: true

require_relative 'spec_helper'
require_relative 'hybi_context'

RSpec.describe WebSocket::Driver::Hybi do
  include_context 'hybi driver'

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
