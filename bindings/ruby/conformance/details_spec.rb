# frozen_string_literal: true

require_relative 'spec_helper'

# Return values, event objects and encodings the gem's callers see.
RSpec.describe 'WebSocket::Driver details' do
  let :env do
    {
      'REQUEST_METHOD' => 'GET',
      'HTTP_CONNECTION' => 'Upgrade',
      'HTTP_UPGRADE' => 'websocket',
      'HTTP_SEC_WEBSOCKET_KEY' => 'JFBCWHksyIpXV+6Wlq/9pw==',
      'HTTP_SEC_WEBSOCKET_VERSION' => '13'
    }
  end

  let :socket do
    socket = double(WebSocket)
    allow(socket).to receive(:env).and_return(env)
    allow(socket).to receive(:url).and_return('ws://www.example.com/socket')
    allow(socket).to receive(:write) { |message| (@writes ||= []) << message }
    socket
  end

  let(:events) { [] }

  def record(driver)
    %i[open message error close ping pong].each { |name| driver.on(name) { |e| events << [name, e] } }
    driver
  end

  let(:driver) { record(WebSocket::Driver::Hybi.new(socket, masking: false)) }

  describe 'hybi events' do
    before { driver.start }

    it 'passes event structs' do
      driver.parse [0x81, 0x02, 0x48, 0x69, 0x89, 0x01, 0x70, 0x8a, 0x01, 0x71, 0x88, 0x00].pack('C*')
      expect(events.map { |name, e| [name, e.class] }).to eq [
        [:open, WebSocket::Driver::OpenEvent],
        [:message, WebSocket::Driver::MessageEvent],
        [:ping, WebSocket::Driver::PingEvent],
        [:pong, WebSocket::Driver::PongEvent],
        [:close, WebSocket::Driver::CloseEvent]
      ]
    end

    it 'gives text messages as UTF-8' do
      driver.parse [0x81, 0x02, 0xc3, 0xa9].pack('C*')
      data = events.last[1].data
      expect(data).to eq "\u00e9"
      expect(data.encoding).to eq Encoding::UTF_8
    end

    it 'gives ping data as the gem does' do
      driver.parse [0x89, 0x02, 0xc3, 0xa9].pack('C*')
      data = events.last[1].data
      expect([data.b, data.encoding]).to eq [(+"\xc3\xa9").b, Encoding::BINARY]
    end

    it 'gives pong data as UTF-8' do
      driver.parse [0x8a, 0x02, 0xc3, 0xa9].pack('C*')
      data = events.last[1].data
      expect([data, data.encoding]).to eq ["\u00e9", Encoding::UTF_8]
    end

    it 'gives the close reason as UTF-8' do
      driver.parse [0x88, 0x04, 0x03, 0xe8, 0xc3, 0xa9].pack('C*')
      close = events.last[1]
      expect([close.code, close.reason, close.reason.encoding]).to eq [1000, "\u00e9", Encoding::UTF_8]
    end

    it 'passes ProtocolError objects to error listeners' do
      driver.parse [0x83, 0x00].pack('C*')
      error = events.find { |name, _| name == :error }[1]
      expect(error).to be_a WebSocket::Driver::ProtocolError
      expect(error.message).to eq 'Unrecognized frame opcode: 3'
    end

    it 'emits error before close' do
      driver.parse [0x83, 0x00].pack('C*')
      expect(events.map(&:first)).to eq %i[open error close]
    end

    it 'emits ping after writing the pong' do
      order = []
      allow(socket).to receive(:write) { |_m| order << :write }
      driver.on(:ping) { order << :ping }
      driver.parse [0x89, 0x00].pack('C*')
      expect(order).to eq %i[write ping]
    end

    it 'emits close after writing the close reply' do
      order = []
      allow(socket).to receive(:write) { |_m| order << :write }
      driver.on(:close) { order << :close }
      driver.parse [0x88, 0x00].pack('C*')
      expect(order).to eq %i[write close]
    end

    it 'frames text that is not valid UTF-8 as text' do
      expect(driver.text((+"\xff").b)).to eq true
      expect(bytes(@writes.last)).to eq [0x81, 0x01, 0xff]
    end

    it 'frames a BINARY string given as :text as text' do
      driver.frame('Hi'.b, :text)
      expect(bytes(@writes.last)).to eq [0x81, 0x02, 0x48, 0x69]
    end

    it 'closes with a reason only, code 1000' do
      driver.close('bye')
      expect(bytes(@writes.last)).to eq [0x88, 0x05, 0x03, 0xe8, 0x62, 0x79, 0x65]
    end

    it 'closes with a code only' do
      driver.close(nil, 4000)
      expect(bytes(@writes.last)).to eq [0x88, 0x02, 0x0f, 0xa0]
    end

    it 'keeps the last callback of pings with the same payload' do
      calls = []
      driver.ping('x') { calls << 1 }
      driver.ping('x') { calls << 2 }
      driver.parse [0x8a, 0x01, 0x78, 0x8a, 0x01, 0x78].pack('C*')
      expect(calls).to eq [2]
    end

    it 'replaces the callback of a pending ping even when the ping is refused' do
      calls = []
      driver.ping('x') { calls << 1 }
      driver.close
      expect(driver.ping('x') { calls << 2 }).to eq false
      driver.parse [0x8a, 0x01, 0x78].pack('C*')
      expect(calls).to eq [2]
    end

    it 'runs the callback of a ping queued before open' do
      fresh = record(WebSocket::Driver::Hybi.new(socket, masking: false))
      called = false
      fresh.ping('q') { called = true }
      fresh.start
      fresh.parse [0x8a, 0x01, 0x71].pack('C*')
      expect(called).to eq true
    end

    it 'lets a listener close while a chunk is parsed' do
      driver.on(:message) { driver.close }
      driver.parse [0x81, 0x01, 0x61, 0x81, 0x01, 0x62].pack('C*')
      expect(events.select { |n, _| n == :message }.map { |_, e| e.data }).to eq %w[a b]
      expect(driver.state).to eq :closing
    end

    it 'lets a listener send while a chunk is parsed' do
      driver.on(:message) { |e| driver.text(e.data.upcase) }
      driver.parse [0x81, 0x01, 0x61, 0x81, 0x01, 0x62].pack('C*')
      expect(@writes.last(2).map { |w| bytes(w) }).to eq [[0x81, 0x01, 0x41], [0x81, 0x01, 0x42]]
    end
  end

  describe 'a client before the response' do
    let :client do
      allow(WebSocket::Driver::Client).to receive(:generate_key).and_return('2vBVWg4Qyk3ZoM/5d3QD9Q==')
      record(WebSocket::Driver.client(socket, protocols: 'a, b', max_length: 10))
    end

    it 'offers protocols given as a string' do
      client.start
      expect(@writes.first).to include "Sec-WebSocket-Protocol: a, b\r\n"
    end

    it 'closes at once while connecting' do
      client.start
      expect(client.close).to eq true
      expect(events.map { |n, e| [n, e.to_a] }).to eq [[:close, [1000, '']]]
      expect(client.state).to eq :closed
      expect(@writes.size).to eq 1
    end

    # The gem's set_header checks ready_state <= 0, and a started client
    # is at 0 until the response.
    it 'accepts headers after start until the response' do
      client.start
      expect(client.set_header('X-A', '1')).to eq true
    end

    it 'has no status and no received headers' do
      expect(client.status).to eq nil
      expect(client.headers['Upgrade']).to eq nil
    end

    it 'applies max_length to messages from the server' do
      client.start
      client.parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
                   "Sec-WebSocket-Accept: QV3I5XUXU2CdhtjixE7QCkCcMZM=\r\nSec-WebSocket-Protocol: b\r\n\r\n")
      expect(client.protocol).to eq 'b'
      client.parse(([0x81, 0x0b] + [0x61] * 11).pack('C*'))
      expect(events.last[1].to_a).to eq [1009, 'WebSocket frame length too large']
    end

    it 'fails on garbage' do
      client.start
      client.parse("garbage\r\n\r\n")
      expect(events.map { |n, e| [n, n == :error ? e.message : e.to_a] }).to eq [
        [:error, 'Error during WebSocket handshake: Invalid HTTP response'],
        [:close, [1002, 'Error during WebSocket handshake: Invalid HTTP response']]
      ]
    end
  end

  describe 'hixie-75' do
    let(:hixie) do
      env.delete('HTTP_SEC_WEBSOCKET_KEY')
      env.delete('HTTP_SEC_WEBSOCKET_VERSION')
      record(WebSocket::Driver::Draft75.new(socket))
    end

    it 'has no protocol' do
      hixie.start
      expect(hixie.protocol).to eq nil
    end

    it 'passes a close event without code or reason' do
      hixie.start
      hixie.close
      expect(events.last[1].to_a).to eq [nil, nil]
    end

    it 'returns false from add_extension' do
      expect(hixie.add_extension(Object.new)).to eq false
    end
  end
end
