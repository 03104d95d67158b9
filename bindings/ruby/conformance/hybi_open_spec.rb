# frozen_string_literal: true

# The :open state of upstream's hybi_spec.rb (the other states: hybi_spec.rb).
require_relative 'spec_helper'
require_relative 'hybi_context'

RSpec.describe WebSocket::Driver::Hybi do
  include_context 'hybi driver'

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
end
