# frozen_string_literal: true

require_relative 'spec_helper'
require_relative 'draft75_examples'

RSpec.describe WebSocket::Driver::Draft75 do
  let :env do
    {
      'REQUEST_METHOD' => 'GET',
      'HTTP_CONNECTION' => 'Upgrade',
      'HTTP_UPGRADE' => 'WebSocket',
      'HTTP_ORIGIN' => 'http://www.example.com'
    }
  end

  let :socket do
    socket = double(WebSocket)
    allow(socket).to receive(:env).and_return(env)
    allow(socket).to receive(:url).and_return('ws://www.example.com/socket')
    allow(socket).to receive(:write) { |message| @bytes = bytes(message) }
    socket
  end

  let :options do
    {}
  end

  let :driver do
    driver = WebSocket::Driver::Draft75.new(socket, options)
    driver.on(:open)    { |_e| @open = true }
    driver.on(:message) { |e| @message += e.data }
    driver.on(:close)   { |_e| @close = true }
    driver
  end

  let :handshake do
    "HTTP/1.1 101 Web Socket Protocol Handshake\r\n" \
      "Upgrade: WebSocket\r\n" \
      "Connection: Upgrade\r\n" \
      "WebSocket-Origin: http://www.example.com\r\n" \
      "WebSocket-Location: ws://www.example.com/socket\r\n" \
      "\r\n"
  end

  before do
    @open = @close = false
    @message = +''
  end

  describe 'in the :connecting state' do
    it 'starts in the :connecting state' do
      expect(driver.state).to eq :connecting
    end

    it 'has no protocol' do
      expect(driver.protocol).to eq nil
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
        expect(driver.version).to eq 'hixie-75'
      end

      it 'returns false when called again' do
        driver.start
        expect(driver.start).to eq false
      end
    end

    describe :set_header do
      it 'adds the header to the handshake response' do
        expect(driver.set_header('X-Custom', 'yes')).to eq true
        expect(socket).to receive(:write).with(handshake.sub("\r\n\r\n", "\r\nX-Custom: yes\r\n\r\n"))
        driver.start
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
        expect(socket).to receive(:write).with(WebSocket::Driver.encode([0x00, 72, 105, 0xff])).ordered

        driver.frame('Hi')
        driver.start

        expect(@bytes).to eq [0x00, 72, 105, 0xff]
      end
    end

    describe :close do
      it 'triggers the onclose event and closes' do
        expect(driver.close).to eq true
        expect(@close).to eq true
        expect(driver.state).to eq :closed
      end
    end

    describe 'with a request that is not a WebSocket upgrade' do
      before { env['HTTP_UPGRADE'] = 'h2c' }

      it 'writes a 400 response and closes' do
        expect(socket).to receive(:write).with(
          "HTTP/1.1 400 Bad Request\r\n" \
          "Content-Type: text/plain\r\n" \
          "Content-Length: 23\r\n" \
          "\r\n" \
          'Not a WebSocket request'
        )
        expect(driver.start).to eq false
        expect(@open).to eq false
        expect(@close).to eq true
        expect(driver.state).to eq :closed
      end
    end
  end

  describe 'with max_length' do
    let(:options) { { max_length: 4 } }

    before { driver.start }

    it 'delivers messages up to the limit' do
      driver.parse [0x00, 0x48, 0x65, 0x6c, 0x6c, 0xff].pack('C*')
      expect(@message).to eq 'Hell'
    end

    it 'closes on a longer message' do
      driver.parse [0x00, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0xff].pack('C*')
      expect(@message).to eq ''
      expect(@close).to eq true
      expect(driver.state).to eq :closed
    end
  end

  it_should_behave_like 'draft-75 protocol'
end
