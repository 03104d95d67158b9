# frozen_string_literal: true

require_relative 'spec_helper'

RSpec.describe WebSocket::Driver::Server do
  let :socket do
    socket = double(WebSocket)
    allow(socket).to receive(:write) { |message| (@writes ||= []) << bytes(message) }
    socket
  end

  let :options do
    {}
  end

  let :driver do
    driver = WebSocket::Driver.server(socket, options)
    driver.on(:connect) { |_e| @connect = true }
    driver.on(:open)    { |_e| @open = true }
    driver.on(:message) { |e| @message += e.data }
    driver.on(:error)   { |e| @error = e }
    driver.on(:close)   { |e| @close = [e.code, e.reason] }
    driver
  end

  let :request do
    "GET /chat?room=1 HTTP/1.1\r\n" \
      "Host: www.example.com\r\n" \
      "Upgrade: websocket\r\n" \
      "Connection: Upgrade\r\n" \
      "Origin: http://www.example.com\r\n" \
      "Sec-WebSocket-Key: JFBCWHksyIpXV+6Wlq/9pw==\r\n" \
      "Sec-WebSocket-Version: 13\r\n" \
      "\r\n"
  end

  let :handshake do
    "HTTP/1.1 101 Switching Protocols\r\n" \
      "Upgrade: websocket\r\n" \
      "Connection: Upgrade\r\n" \
      "Sec-WebSocket-Accept: JdiiuafpBKRqD7eol0y4vJDTsTs=\r\n" \
      "\r\n"
  end

  def masked(opcode, payload)
    key = [1, 2, 3, 4]
    data = payload.bytes.each_with_index.map { |b, i| b ^ key[i % 4] }
    ([0x80 | opcode, 0x80 | payload.bytesize] + key + data).pack('C*')
  end

  before do
    @connect = @open = @error = @close = false
    @message = +''
  end

  describe 'before the request' do
    it 'has no env, url, protocol or version' do
      expect(driver.env).to eq nil
      expect(driver.url).to eq nil
      expect(driver.protocol).to eq nil
      expect(driver.version).to eq nil
    end

    it 'queues text and returns true' do
      expect(driver.text('early')).to eq true
    end
  end

  describe 'receiving the request' do
    it 'emits connect once the head is complete' do
      driver.parse(request[0, 30])
      expect(@connect).to eq false
      driver.parse(request[30..])
      expect(@connect).to eq true
      expect(@open).to eq false
    end

    it 'makes the request env and url available' do
      driver.parse(request)
      expect(driver.env['REQUEST_METHOD']).to eq 'GET'
      expect(driver.env['PATH_INFO']).to eq '/chat'
      expect(driver.env['QUERY_STRING']).to eq 'room=1'
      expect(driver.env['HTTP_ORIGIN']).to eq 'http://www.example.com'
      expect(driver.url).to eq 'ws://www.example.com/chat?room=1'
    end

    it 'reports the version' do
      driver.parse(request)
      expect(driver.version).to eq 'hybi-13'
    end

    it 'answers the handshake on start' do
      driver.parse(request)
      expect(socket).to receive(:write).with(handshake)
      expect(driver.start).to eq true
      expect(@open).to eq true
    end

    it 'keeps its own state, :connecting, after the handshake' do
      driver.parse(request)
      driver.start
      expect(driver.state).to eq :connecting
    end

    it 'answers the handshake from the connect listener' do
      driver.on(:connect) { driver.start }
      driver.parse(request)
      expect(@writes).to eq [bytes(handshake)]
      expect(@open).to eq true
    end

    it 'sends text queued before the request after the handshake' do
      driver.text('early')
      driver.parse(request)
      driver.start
      expect(@writes).to eq [bytes(handshake), [0x81, 0x05] + bytes('early')]
    end

    it 'applies headers set before the request' do
      driver.set_header('X-Server', 'test')
      driver.parse(request)
      driver.start
      expect(@writes.first.pack('C*')).to include "X-Server: test\r\n"
    end

    it 'selects a subprotocol' do
      options[:protocols] = %w[b a]
      driver.parse(request.sub("\r\n\r\n", "\r\nSec-WebSocket-Protocol: a, b\r\n\r\n"))
      driver.start
      expect(driver.protocol).to eq 'a'
      expect(@writes.first.pack('C*')).to include "Sec-WebSocket-Protocol: a\r\n"
    end

    it 'fails an invalid request' do
      driver.parse("GET / HTTP/1.1\r\nHost: www.example.com\r\nBad header\r\n\r\n")
      expect(@error.message).to eq 'Invalid HTTP request'
      expect(@close).to eq [1002, 'Invalid HTTP request']
      expect(@connect).to eq false
    end
  end

  describe 'in the :open state' do
    before do
      driver.on(:connect) { driver.start }
      driver.parse(request)
      @writes.clear
    end

    it 'parses masked frames' do
      driver.parse(masked(0x1, 'Hello'))
      expect(@message).to eq 'Hello'
    end

    it 'fails unmasked frames' do
      driver.parse([0x81, 0x02, 0x48, 0x69].pack('C*'))
      expect(@message).to eq ''
      expect(@close).to eq [1003, 'Received unmasked frame but masking is required']
    end

    it 'writes unmasked frames' do
      driver.text('Hi')
      expect(@writes).to eq [[0x81, 0x02, 0x48, 0x69]]
    end

    it 'answers pings' do
      pings = []
      driver.on(:ping) { |e| pings << e.data }
      driver.parse(masked(0x9, 'ok'))
      expect(@writes).to eq [[0x8a, 0x02, 0x6f, 0x6b]]
      expect(pings).to eq ['ok']
    end

    it 'completes the closing handshake it started' do
      expect(driver.close('done', 1000)).to eq true
      expect(@writes).to eq [[0x88, 0x06, 0x03, 0xe8] + bytes('done')]
      expect(@close).to eq false
      driver.parse(masked(0x8, "\x03\xe8".b))
      expect(@close).to eq [1000, '']
      expect(@writes.size).to eq 1
    end

    it 'answers the closing handshake of the peer' do
      driver.parse(masked(0x8, "\x03\xe9bye".b))
      expect(@writes).to eq [[0x88, 0x05, 0x03, 0xe9] + bytes('bye')]
      expect(@close).to eq [1001, 'bye']
    end
  end

  describe 'with a hixie-76 request' do
    let :request do
      "GET /demo HTTP/1.1\r\n" \
        "Host: www.example.com\r\n" \
        "Connection: Upgrade\r\n" \
        "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n" \
        "Upgrade: WebSocket\r\n" \
        "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n" \
        "Origin: http://www.example.com\r\n" \
        "\r\n"
    end

    it 'answers with the key digest and opens' do
      driver.on(:connect) { driver.start }
      driver.parse(request)
      driver.parse(+'^n:ds[4U')
      expect(driver.version).to eq 'hixie-76'
      expect(@writes.last).to eq bytes("8jKS'y:G*Co,Wxa-")
      expect(@open).to eq true
      driver.parse([0x00, 0x48, 0x69, 0xff].pack('C*'))
      expect(@message).to eq 'Hi'
    end
  end

  describe 'with a hixie-75 request' do
    let :request do
      "GET /demo HTTP/1.1\r\n" \
        "Upgrade: WebSocket\r\n" \
        "Connection: Upgrade\r\n" \
        "Host: www.example.com\r\n" \
        "Origin: http://www.example.com\r\n" \
        "\r\n"
    end

    it 'answers and opens' do
      driver.on(:connect) { driver.start }
      driver.parse(request)
      expect(driver.version).to eq 'hixie-75'
      expect(@writes.first.pack('C*')).to start_with "HTTP/1.1 101 Web Socket Protocol Handshake\r\n"
      expect(@writes.first.pack('C*')).to include "WebSocket-Location: ws://www.example.com/demo\r\n"
      expect(@open).to eq true
    end
  end
end

RSpec.describe WebSocket::Driver do
  let :env do
    {
      'REQUEST_METHOD' => 'GET',
      'HTTP_CONNECTION' => 'keep-alive, Upgrade',
      'HTTP_UPGRADE' => 'WebSocket',
      'HTTP_SEC_WEBSOCKET_KEY' => 'JFBCWHksyIpXV+6Wlq/9pw==',
      'HTTP_SEC_WEBSOCKET_VERSION' => '13'
    }
  end

  let :socket do
    socket = double(WebSocket)
    allow(socket).to receive(:env).and_return(env)
    allow(socket).to receive(:url).and_return('ws://www.example.com/')
    allow(socket).to receive(:write)
    socket
  end

  describe :websocket? do
    it 'is true for an upgrade request' do
      expect(WebSocket::Driver.websocket?(env)).to eq true
    end

    it 'is false for a POST' do
      env['REQUEST_METHOD'] = 'POST'
      expect(WebSocket::Driver.websocket?(env)).to eq false
    end

    it 'is false without Upgrade' do
      env.delete('HTTP_UPGRADE')
      expect(WebSocket::Driver.websocket?(env)).to eq false
    end
  end

  describe :rack do
    it 'picks hybi when there is a key' do
      expect(WebSocket::Driver.rack(socket)).to be_a WebSocket::Driver::Hybi
    end

    it 'picks hixie-76 when there are Key1/Key2' do
      env.delete('HTTP_SEC_WEBSOCKET_KEY')
      env.delete('HTTP_SEC_WEBSOCKET_VERSION')
      env['HTTP_SEC_WEBSOCKET_KEY1'] = '1   38 wZ3f9 23O0 3l 0r'
      env['HTTP_SEC_WEBSOCKET_KEY2'] = '27   0E 6 2  1665:< ;U 1H'
      expect(WebSocket::Driver.rack(socket)).to be_a WebSocket::Driver::Draft76
    end

    it 'picks hixie-75 otherwise' do
      env.delete('HTTP_SEC_WEBSOCKET_KEY')
      env.delete('HTTP_SEC_WEBSOCKET_VERSION')
      expect(WebSocket::Driver.rack(socket)).to be_a WebSocket::Driver::Draft75
    end

    it 'requires masking on hybi' do
      driver = WebSocket::Driver.rack(socket)
      driver.on(:close) { |e| @close = [e.code, e.reason] }
      driver.start
      driver.parse([0x81, 0x00].pack('C*'))
      expect(@close).to eq [1003, 'Received unmasked frame but masking is required']
    end

    it 'rejects unknown options' do
      expect { WebSocket::Driver.rack(socket, foo: 1) }
        .to raise_error(WebSocket::Driver::ConfigurationError, 'Unrecognized option: :foo')
    end

    it 'rejects an unknown binary_data_format' do
      expect { WebSocket::Driver.rack(socket, binary_data_format: :hex) }
        .to raise_error(WebSocket::Driver::ConfigurationError, 'Invalid :binary_data_format: :hex')
    end
  end

  describe :encode do
    it 'packs arrays as binary strings' do
      out = WebSocket::Driver.encode([0x48, 0xff])
      expect(out).to eq "H\xff".b
      expect(out.encoding).to eq Encoding::BINARY
    end

    it 'converts strings to the given encoding' do
      out = WebSocket::Driver.encode("caf\u00e9".b, Encoding::UTF_8)
      expect(out).to eq "caf\u00e9"
    end
  end

  describe 'the event emitter' do
    let(:driver) { WebSocket::Driver.rack(socket) }

    it 'counts, lists and removes listeners' do
      listener = proc {}
      expect(driver.listener_count(:message)).to eq 0
      expect(driver.on(:message, listener)).to eq listener
      expect(driver.listener_count('message')).to eq 1
      expect(driver.listeners(:message)).to eq [listener]
      expect(driver.remove_listener(:message, listener)).to eq listener
      expect(driver.listener_count(:message)).to eq 0
    end

    it 'emits to every listener in order' do
      order = []
      driver.on(:open) { order << 1 }
      driver.add_listener(:open) { order << 2 }
      driver.start
      expect(order).to eq [1, 2]
    end

    it 'removes all listeners' do
      driver.on(:open) { raise 'not removed' }
      driver.remove_all_listeners
      expect { driver.start }.not_to raise_error
    end
  end

  describe 'Headers' do
    it 'keeps the first value of a header unless duplicates are allowed' do
      headers = WebSocket::Driver::Headers.new
      headers['X-One'] = 'a'
      headers['x-one'] = 'b'
      headers['Set-Cookie'] = 'c=1'
      headers['Set-Cookie'] = 'd=2'
      headers['X-Nil'] = nil
      expect(headers.to_s).to eq "X-One: a\r\nSet-Cookie: c=1\r\nSet-Cookie: d=2\r\n"
    end

    it 'reads received headers case-insensitively' do
      headers = WebSocket::Driver::Headers.new('content-type' => 'text/plain')
      expect(headers['Content-Type']).to eq 'text/plain'
      expect(headers.to_h).to eq('content-type' => 'text/plain')
    end
  end
end
