# frozen_string_literal: true

require_relative 'spec_helper'

# The gem's constants and class-level helpers that callers use.
RSpec.describe 'the WebSocket::Driver surface' do
  it 'has the gem constants' do
    expect(WebSocket::Driver::MAX_LENGTH).to eq 0x3ffffff
    expect(WebSocket::Driver::STATES).to eq %i[connecting open closing closed]
    expect(WebSocket::Driver::PORTS).to eq('ws' => 80, 'wss' => 443)
    expect(WebSocket::Driver::Hybi::GUID).to eq '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
    expect(WebSocket::Driver::Hybi::VERSION).to eq '13'
    expect(WebSocket::Driver::Hybi::ERRORS[:too_large]).to eq 1009
    expect(WebSocket::Driver::Hybi::OPCODES[:pong]).to eq 10
    expect(WebSocket::Driver::Client::VALID_SCHEMES).to eq %w[ws wss]
  end

  it 'has the gem error classes' do
    expect(WebSocket::Driver::ProtocolError.superclass).to eq StandardError
    expect(WebSocket::Driver::URIError.superclass).to eq ArgumentError
    expect(WebSocket::Driver::ConfigurationError.superclass).to eq ArgumentError
  end

  it 'computes Sec-WebSocket-Accept' do
    expect(WebSocket::Driver::Hybi.generate_accept('dGhlIHNhbXBsZSBub25jZQ==')).to eq 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
  end

  it 'generates 16-byte base64 client keys' do
    key = WebSocket::Driver::Client.generate_key
    expect(key.unpack1('m0').bytesize).to eq 16
  end

  it 'builds Host headers' do
    expect(WebSocket::Driver.host_header(URI.parse('ws://a.example:80/'))).to eq 'a.example'
    expect(WebSocket::Driver.host_header(URI.parse('wss://a.example:8443/'))).to eq 'a.example:8443'
  end

  it 'normalizes header names' do
    expect(WebSocket::HTTP.normalize_header('HTTP_SEC_WEBSOCKET_KEY')).to eq 'sec-websocket-key'
    expect(WebSocket::HTTP.normalize_header(' Content-Type ')).to eq 'content-type'
  end

  it 'masks with WebSocket::Mask' do
    masked = WebSocket::Mask.mask((+'abcde').b, "\x01\x02\x03\x04".b)
    expect(masked).to eq "\x60\x60\x60\x60\x64".b
    expect(masked.encoding).to eq Encoding::BINARY
  end

  it 'returns the payload when there is no mask or nothing to mask' do
    expect(WebSocket::Mask.mask(+'abc', nil)).to eq 'abc'
    expect(WebSocket::Mask.mask(+'', "\x01\x02\x03\x04".b)).to eq ''
  end

  it 'validates options' do
    expect(WebSocket::Driver.validate_options({ max_length: 1 }, [:max_length])).to eq nil
    expect { WebSocket::Driver.validate_options({ x: 1 }, [:max_length]) }
      .to raise_error(WebSocket::Driver::ConfigurationError, 'Unrecognized option: :x')
  end

  describe 'a driver as an event emitter' do
    let :socket do
      socket = double(WebSocket)
      allow(socket).to receive(:url).and_return('ws://www.example.com/')
      allow(socket).to receive(:write)
      socket
    end

    let(:driver) { WebSocket::Driver.client(socket) }

    it 'emits to listeners when asked' do
      seen = []
      driver.on(:custom) { |a, b| seen << [a, b] }
      driver.emit(:custom, 1, 2)
      expect(seen).to eq [[1, 2]]
    end

    it 'removes the listeners of one event' do
      driver.on(:open) { raise 'not removed' }
      driver.on(:close) { nil }
      driver.remove_all_listeners(:open)
      expect(driver.listener_count(:open)).to eq 0
      expect(driver.listener_count(:close)).to eq 1
    end

    it 'returns the listener from on with a block' do
      listener = driver.on(:open) { nil }
      expect(listener).to be_a Proc
      expect(driver.listeners(:open)).to eq [listener]
    end
  end
end
