# frozen_string_literal: true

require_relative 'spec_helper'

# The order of writes and events around opening and closing.
RSpec.describe 'WebSocket::Driver event order' do
  let(:order) { [] }

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

  let :socket do
    socket = double(WebSocket)
    allow(socket).to receive(:env).and_return(env)
    allow(socket).to receive(:url).and_return('ws://www.example.com/socket')
    allow(socket).to receive(:write) { |message| order << [:write, bytes(message).first(2)] }
    socket
  end

  def record(driver)
    %i[open message error close ping pong].each { |name| driver.on(name) { |_e| order << name } }
    driver
  end

  it 'hybi: writes the handshake, then the queued frames, then emits open' do
    driver = record(WebSocket::Driver::Hybi.new(socket, masking: false))
    driver.text('a')
    driver.ping('b')
    driver.start
    expect(order).to eq [[:write, [72, 84]], [:write, [0x81, 0x01]], [:write, [0x89, 0x01]], :open]
  end

  it 'hybi: a failed handshake writes the 400, then emits error and close' do
    env['HTTP_SEC_WEBSOCKET_VERSION'] = '5'
    driver = record(WebSocket::Driver::Hybi.new(socket, masking: false))
    driver.start
    expect(order).to eq [[:write, [72, 84]], :error, :close]
  end

  it 'hybi: a protocol error writes the close frame, then emits error and close' do
    driver = record(WebSocket::Driver::Hybi.new(socket, masking: false))
    driver.start
    order.clear
    driver.parse [0x83, 0x00].pack('C*')
    expect(order).to eq [[:write, [0x88, 0x1e]], :error, :close]
  end

  it 'hixie-75: writes the handshake, then the queued frames, then emits open' do
    env.delete('HTTP_SEC_WEBSOCKET_KEY')
    env.delete('HTTP_SEC_WEBSOCKET_VERSION')
    driver = record(WebSocket::Driver::Draft75.new(socket))
    driver.text('a')
    driver.start
    expect(order).to eq [[:write, [72, 84]], [:write, [0x00, 0x61]], :open]
  end

  it 'hixie-76: writes the handshake and the answer, then the queued frames, then emits open' do
    env.delete('HTTP_SEC_WEBSOCKET_KEY')
    env.delete('HTTP_SEC_WEBSOCKET_VERSION')
    env['HTTP_SEC_WEBSOCKET_KEY1'] = '1   38 wZ3f9 23O0 3l 0r'
    env['HTTP_SEC_WEBSOCKET_KEY2'] = '27   0E 6 2  1665:< ;U 1H'
    env['rack.input'] = StringIO.new([0x91, 0x25, 0x3e, 0xd3, 0xa9, 0xe7, 0x6a, 0x88].pack('C*'))
    driver = record(WebSocket::Driver::Draft76.new(socket))
    driver.text('a')
    driver.start
    expect(order).to eq [[:write, [72, 84]], [:write, [0xb4, 0x9c]], [:write, [0x00, 0x61]], :open]
  end

  it 'client: writes the queued frames, then emits open, then parses the frames after the response' do
    allow(WebSocket::Driver::Client).to receive(:generate_key).and_return('2vBVWg4Qyk3ZoM/5d3QD9Q==')
    driver = record(WebSocket::Driver.client(socket))
    driver.text('a')
    driver.start
    driver.parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
                 "Sec-WebSocket-Accept: QV3I5XUXU2CdhtjixE7QCkCcMZM=\r\n\r\n" + [0x81, 0x01, 0x62].pack('C*'))
    expect(order).to eq [[:write, [71, 69]], [:write, [0x81, 0x81]], :open, :message]
  end

  it 'client: a failed handshake emits error, then close, and writes nothing' do
    allow(WebSocket::Driver::Client).to receive(:generate_key).and_return('2vBVWg4Qyk3ZoM/5d3QD9Q==')
    driver = record(WebSocket::Driver.client(socket))
    driver.start
    order.clear
    driver.parse("HTTP/1.1 500 Oops\r\n\r\n")
    expect(order).to eq %i[error close]
  end

  it 'server: emits connect, then the open of start inside it' do
    driver = WebSocket::Driver.server(socket)
    driver.on(:connect) do
      order << :connect
      driver.start
      order << :started
    end
    record(driver)
    driver.parse("GET / HTTP/1.1\r\nHost: www.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
                 "Sec-WebSocket-Key: JFBCWHksyIpXV+6Wlq/9pw==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    expect(order).to eq [:connect, [:write, [72, 84]], :open, :started]
  end
end
