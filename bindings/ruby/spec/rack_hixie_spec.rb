# frozen_string_literal: true

require_relative 'spec_helper'

RSpec.describe 'Driver.rack and the hixie drafts' do
  class RackSocket
    attr_reader :env, :url

    def initialize(log, env, url)
      @log = log
      @env = env
      @url = url
    end

    def write(data)
      @log << [:write, data.b]
    end
  end

  def hybi_env(extra = {})
    rack_env({ 'Host' => 'example.com', 'Upgrade' => 'websocket', 'Connection' => 'Upgrade',
               'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version' => '13' }.merge(extra))
  end

  def h76_env(body: H76_BODY, extra: {})
    rack_env({ 'Host' => 'example.com', 'Connection' => 'Upgrade', 'Upgrade' => 'WebSocket',
               'Sec-WebSocket-Key1' => '4 @1  46546xW%0l 1 5', 'Sec-WebSocket-Key2' => '12998 5 Y3 1  .P00',
               'Origin' => 'http://example.com' }.merge(extra), path: '/demo', query: 'a=b', body: body)
  end

  def h75_env
    rack_env({ 'Host' => 'example.com:8080', 'Upgrade' => 'WebSocket', 'Connection' => 'Upgrade',
               'Origin' => 'http://example.com' }, path: '/demo')
  end

  def rack_driver(env, url, options = {})
    wire(WebSocket::Driver.rack(RackSocket.new(log, env, url), options))
  end

  describe 'selection' do
    it 'picks Hybi, Draft76 or Draft75 from the env like the gem' do
      expect(rack_driver(hybi_env, 'ws://example.com/chat')).to be_a(WebSocket::Driver::Hybi)
      expect(rack_driver(h76_env, 'ws://example.com/demo?a=b')).to be_a(WebSocket::Driver::Draft76)
      expect(rack_driver(h75_env, 'ws://example.com:8080/demo')).to be_a(WebSocket::Driver::Draft75)
      expect(rack_driver(h75_env, 'ws://x/')).not_to be_a(WebSocket::Driver::Draft76)
    end

    it 'picks Hybi for a draft version and refuses it at start, as the gem does' do
      d = rack_driver(hybi_env('Sec-WebSocket-Version' => '8'), 'ws://example.com/chat')
      expect(d).to be_a(WebSocket::Driver::Hybi)
      message = 'Unsupported WebSocket version: 13'
      expect([d.start, d.version, d.state]).to eq([false, 'hybi-13', :closed])
      expect(take_log).to eq([
        [:write, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 33\r\n\r\n#{message}".b],
        [:error, message],
        [:close, [1002, message]]
      ])
    end

    it 'constructs drivers directly with (socket, options)', :gc do
      d = wire(WebSocket::Driver::Hybi.new(RackSocket.new(log, hybi_env('Sec-WebSocket-Protocol' => 'a, b'), nil),
                                           protocols: %w[b], require_masking: true))
      expect(d.start).to be true
      events = take_log
      expect(events[0]).to eq([:write, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
                                       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" \
                                       "Sec-WebSocket-Protocol: b\r\n\r\n".b])
      expect(events[1]).to eq([:open, []])
      expect([d.protocol, d.version, d.state]).to eq(['b', 'hybi-13', :open])
    end
  end

  describe 'hybi via rack' do
    it 'fails a non-WebSocket request with 400' do
      d = rack_driver(hybi_env.merge('REQUEST_METHOD' => 'POST'), 'ws://example.com/chat')
      expect(d.start).to be false
      expect(take_log).to eq([
        [:write, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 23\r\n\r\nNot a WebSocket request".b],
        [:error, 'Not a WebSocket request'], [:close, [1002, 'Not a WebSocket request']]
      ])
    end

    it 'requires masking and echoes messages', :gc do
      d = rack_driver(hybi_env, 'ws://example.com/chat')
      d.on(:message) { |e| d.text(e.data) }
      d.start
      take_log
      d.parse(frame(1, 'echo'))
      expect(take_log).to eq([[:message, ['echo']], [:write, "\x81\x04echo".b]])
      d.parse(frame(1, 'x', mask: false))
      expect(take_log.last).to eq([:close, [1003, 'Received unmasked frame but masking is required']])
    end

    it 'accepts add_extension (stored, not negotiated yet)' do
      ext = Struct.new(:name, :type, :rsv1, :rsv2, :rsv3).new('x-test', 'permessage', true, false, false)
      d = rack_driver(hybi_env, 'ws://example.com/chat')
      expect(d.add_extension(ext)).to be true
      expect(d.start).to be true
    end
  end

  describe 'hixie-76' do
    let(:head) do
      "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n" \
        "Sec-WebSocket-Origin: http://example.com\r\nSec-WebSocket-Location: ws://example.com/demo?a=b\r\n\r\n".b
    end

    it 'answers the key challenge in a second write and opens', :gc do
      d = rack_driver(h76_env, 'ws://example.com/demo?a=b')
      expect(d.start).to be true
      expect(take_log).to eq([[:write, head], [:write, H76_ANSWER.b], [:open, []]])
      expect([d.version, d.protocol]).to eq(['hixie-76', nil])
      d.parse("\x00hi\xFF".b)
      expect(take_log).to eq([[:message, ['hi']]])
      expect([d.ping, d.binary('q'), d.pong]).to eq([false, false, false])
      d.text('yo')
      expect(d.close('a', 1000)).to be true
      expect(take_log).to eq([[:write, "\x00yo\xFF".b], [:write, "\xFF\x00".b], [:close, [nil, nil]]])
    end

    it 'waits for the 8-byte body when it comes later, flushing queued text before :open' do
      d = rack_driver(h76_env(body: '^n:d'), 'ws://example.com/demo?a=b')
      d.start
      d.text('queued')
      expect(take_log).to eq([[:write, head]])
      expect(d.state).to eq(:connecting)
      d.parse("s[4U\x00abc".b)
      expect(take_log).to eq([[:write, H76_ANSWER.b], [:write, "\x00queued\xFF".b], [:open, []]])
      d.parse("\xFFzz\xFF".b)
      expect(take_log).to eq([[:message, ['abc']], [:message, ['z']]])
    end

    it 'answers a peer 0xFF 0x00 and closes' do
      d = rack_driver(h76_env, 'ws://example.com/demo?a=b')
      d.start
      take_log
      d.parse("\x00a\xFF\xFF\x00\x00b\xFF".b)
      expect(take_log).to eq([[:message, ['a']], [:write, "\xFF\x00".b], [:close, [nil, nil]]])
    end

    it 'fails bad keys with 400 and a code-less close' do
      d = rack_driver(h76_env(extra: { 'Sec-WebSocket-Key1' => '4 @1  46546xW%0l 1 6' }), 'ws://example.com/demo?a=b')
      expect(d.start).to be false
      events = take_log
      expect(events[0][1]).to start_with("HTTP/1.1 400 Bad Request\r\n".b)
      expect(events[1..]).to eq([[:error, 'Client sent invalid Sec-WebSocket-Key headers'], [:close, [nil, nil]]])
    end
  end

  describe 'hixie-75' do
    it 'handshakes, frames text, skips length-prefixed frames, and closes without bytes' do
      d = rack_driver(h75_env, 'ws://example.com:8080/demo')
      d.start
      expect(take_log).to eq([
        [:write, "HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n" \
                 "WebSocket-Origin: http://example.com\r\nWebSocket-Location: ws://example.com:8080/demo\r\n\r\n".b],
        [:open, []]
      ])
      d.parse("\x00one\xFF\x00tw".b)
      d.parse("o\xFF".b)
      d.parse("\x80\x03abc\x00x\xFF".b)
      expect(take_log).to eq([[:message, ['one']], [:message, ['two']], [:message, ['x']]])
      d.text('é')
      d.text([104, 105])
      expect(take_log).to eq([[:write, "\x00\xC3\xA9\xFF".b], [:write, "\x00hi\xFF".b]])
      expect([d.binary('x'), d.ping, d.version]).to eq([false, false, 'hixie-75'])
      expect(d.close).to be true
      expect(d.close).to be false
      expect(take_log).to eq([[:close, [nil, nil]]])
      expect(d.text('after')).to be false # the gem writes anyway; the core refuses (node behaviour)
    end

    it 'closes when a text frame exceeds max_length, with the error (issue 18 item 5; the gem closes silently)' do
      d = rack_driver(h75_env, 'ws://example.com:8080/demo', max_length: 3)
      d.start
      take_log
      d.parse("\x00abcd\xFF".b)
      expect(take_log).to eq([[:error, 'WebSocket frame length too large'], [:close, [nil, nil]]])
    end
  end

  describe 'Driver.server picking hixie' do
    it 'serves hixie-76 with the body in the same chunk as the request' do
      d = open_server({}, H76 + H76_BODY + "\x00hi\xFF".b)
      expect(d.version).to eq('hixie-76')
      d.parse("\x00more\xFF".b)
      expect(take_log).to eq([[:message, ['more']]])
    end

    it 'serves hixie-75' do
      d = wire(WebSocket::Driver.server(FakeSocket.new(log)))
      d.on(:connect) { d.start }
      d.parse(H75)
      expect(take_log.map(&:first)).to eq(%i[connect write open])
      expect(d.version).to eq('hixie-75')
    end
  end
end
