# frozen_string_literal: true

require_relative 'spec_helper'

# A websocket-extensions permessage extension that reverses message bytes
# and marks them with rsv1: what add_extension must run, in either driver.
class ReverseExtension
  attr_reader :log

  def initialize
    @log = []
  end

  def name = 'x-reverse'
  def type = 'permessage'
  def rsv1 = true
  def rsv2 = false
  def rsv3 = false

  def create_server_session(offers)
    @log << [:offers, offers]
    Session.new(self)
  end

  def create_client_session
    Session.new(self)
  end

  # The session: reverses data of messages with rsv1 coming in, sets rsv1
  # and reverses going out.
  class Session
    def initialize(ext)
      @ext = ext
    end

    def generate_offer = { 'level' => 2 }

    def activate(params)
      @ext.log << [:activate, params]
      true
    end

    def generate_response
      { 'level' => 1 }
    end

    def process_incoming_message(message)
      return message unless message.rsv1

      message.rsv1 = false
      message.data = message.data.reverse
      message
    end

    def process_outgoing_message(message)
      message.rsv1 = true
      message.data = message.data.reverse
      message
    end

    def close
      @ext.log << [:close]
    end
  end
end

RSpec.describe 'WebSocket::Driver extensions' do
  let(:ext) { ReverseExtension.new }

  before do
    @message = +''
    @close = false
  end

  describe 'on a server' do
    let :env do
      {
        'REQUEST_METHOD' => 'GET',
        'HTTP_CONNECTION' => 'Upgrade',
        'HTTP_UPGRADE' => 'websocket',
        'HTTP_SEC_WEBSOCKET_KEY' => 'JFBCWHksyIpXV+6Wlq/9pw==',
        'HTTP_SEC_WEBSOCKET_VERSION' => '13',
        'HTTP_SEC_WEBSOCKET_EXTENSIONS' => 'x-reverse; level=3, x-other'
      }
    end

    let :socket do
      socket = double(WebSocket)
      allow(socket).to receive(:env).and_return(env)
      allow(socket).to receive(:write) { |message| @bytes = bytes(message) }
      socket
    end

    let :driver do
      driver = WebSocket::Driver::Hybi.new(socket, masking: false)
      driver.on(:message) { |e| @message += e.data }
      driver.on(:close)   { |e| @close = [e.code, e.reason] }
      driver
    end

    it 'returns true from add_extension' do
      expect(driver.add_extension(ext)).to eq true
    end

    it 'answers the offer in the handshake' do
      driver.add_extension(ext)
      expect(socket).to receive(:write).with(
        "HTTP/1.1 101 Switching Protocols\r\n" \
        "Upgrade: websocket\r\n" \
        "Connection: Upgrade\r\n" \
        "Sec-WebSocket-Accept: JdiiuafpBKRqD7eol0y4vJDTsTs=\r\n" \
        "Sec-WebSocket-Extensions: x-reverse; level=1\r\n" \
        "\r\n"
      )
      driver.start
      expect(ext.log).to eq [[:offers, [{ 'level' => 3 }]]]
    end

    it 'runs incoming messages with rsv1 through the session' do
      driver.add_extension(ext)
      driver.start
      driver.parse [0xc1, 0x03, 0x63, 0x62, 0x61].pack('C*')
      expect(@message).to eq 'abc'
    end

    it 'runs outgoing messages through the session' do
      driver.add_extension(ext)
      driver.start
      driver.text('abc')
      expect(@bytes).to eq [0xc1, 0x03, 0x63, 0x62, 0x61]
    end

    it 'does not run control frames through the session' do
      driver.add_extension(ext)
      driver.start
      driver.ping('abc')
      expect(@bytes).to eq [0x89, 0x03, 0x61, 0x62, 0x63]
    end

    it 'refuses rsv1 when no extension uses it' do
      driver.start
      driver.parse [0xc1, 0x03, 0x63, 0x62, 0x61].pack('C*')
      expect(@close).to eq [1002, 'One or more reserved bits are on: reserved1 = 1, reserved2 = 0, reserved3 = 0']
    end

    it 'closes the session when the connection closes' do
      driver.add_extension(ext)
      driver.start
      driver.parse [0x88, 0x00].pack('C*')
      expect(ext.log.last).to eq [:close]
    end

    it 'rejects an extension of another type' do
      other = ReverseExtension.new
      def other.type = 'perframe'
      expect { driver.add_extension(other) }.to raise_error(TypeError)
    end
  end

  describe 'on a client' do
    let :socket do
      socket = double(WebSocket)
      allow(socket).to receive(:url).and_return('ws://www.example.com/')
      allow(socket).to receive(:write) { |message| @bytes = bytes(message) }
      socket
    end

    let :driver do
      allow(WebSocket::Driver::Client).to receive(:generate_key).and_return('2vBVWg4Qyk3ZoM/5d3QD9Q==')
      driver = WebSocket::Driver.client(socket)
      driver.on(:message) { |e| @message += e.data }
      driver.on(:error)   { |e| @error = e }
      driver
    end

    let :response do
      "HTTP/1.1 101 Switching Protocols\r\n" \
        "Upgrade: websocket\r\n" \
        "Connection: Upgrade\r\n" \
        "Sec-WebSocket-Accept: QV3I5XUXU2CdhtjixE7QCkCcMZM=\r\n" \
        "Sec-WebSocket-Extensions: x-reverse; level=1\r\n" \
        "\r\n"
    end

    it 'sends the offer in the request' do
      driver.add_extension(ext)
      driver.start
      expect(@bytes.pack('C*')).to include "Sec-WebSocket-Extensions: x-reverse; level=2\r\n"
    end

    it 'activates the session from the response' do
      driver.add_extension(ext)
      driver.start
      driver.parse(response)
      expect(ext.log).to eq [[:activate, { 'level' => 1 }]]
      driver.parse [0xc1, 0x03, 0x63, 0x62, 0x61].pack('C*')
      expect(@message).to eq 'abc'
    end

    it 'masks what the session produced' do
      driver.add_extension(ext)
      driver.start
      driver.parse(response)
      driver.text('abc')
      key = @bytes[2, 4]
      expect(@bytes[0, 2]).to eq [0xc1, 0x83]
      expect(@bytes[6..].each_with_index.map { |b, i| b ^ key[i % 4] }).to eq [0x63, 0x62, 0x61]
    end
  end
end
