# frozen_string_literal: true

require_relative 'spec_helper'

# What the gem does with commands whose frames or headers break RFC 6455 or
# HTTP: it sends them. The drop-in's core refuses them (KNOWN_DIFFERENT).
RSpec.describe 'WebSocket::Driver commands the gem sends as given' do
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
    allow(socket).to receive(:write) { |message| @bytes = bytes(message) }
    socket
  end

  let(:driver) { WebSocket::Driver::Hybi.new(socket, masking: false) }

  describe 'once open' do
    before { driver.start }

    it 'sends a close code reserved by RFC 6455 (1005)' do
      expect(driver.close('', 1005)).to eq true
      expect(@bytes).to eq [0x88, 0x02, 0x03, 0xed]
    end

    it 'sends a close code below 1000' do
      expect(driver.close('', 999)).to eq true
      expect(@bytes).to eq [0x88, 0x02, 0x03, 0xe7]
    end

    it 'sends a close reason longer than 123 bytes' do
      expect(driver.close('x' * 124)).to eq true
      expect(@bytes.first(4)).to eq [0x88, 0x7e, 0x00, 0x7e]
    end

    it 'sends a ping longer than 125 bytes' do
      expect(driver.ping('x' * 126)).to eq true
      expect(@bytes.first(4)).to eq [0x89, 0x7e, 0x00, 0x7e]
    end
  end

  describe 'before the handshake' do
    it 'queues any number of messages' do
      expect(Array.new(1100) { driver.text('x') }.uniq).to eq [true]
    end

    it 'sends a header value with a line break as two lines' do
      expect(driver.set_header('X-A', "1\r\nX-B: 2")).to eq true
      driver.start
      expect(bytes_to_s(@bytes)).to include "X-A: 1\r\nX-B: 2\r\n"
    end

    it 'lets a header set first replace the handshake header' do
      driver.set_header('Upgrade', 'other')
      driver.start
      expect(bytes_to_s(@bytes)).to include "Upgrade: other\r\n"
    end

    it 'sends a header name that is not an HTTP token' do
      driver.set_header('Bad Name', 'v')
      driver.start
      expect(bytes_to_s(@bytes)).to include "Bad Name: v\r\n"
    end
  end

  def bytes_to_s(bytes)
    bytes.pack('C*')
  end
end
