# frozen_string_literal: true

require_relative 'spec_helper'

RSpec.describe 'WebSocket::Driver.server (hybi)' do
  let(:socket) { FakeSocket.new(log) }

  describe 'handshake' do
    it 'emits connect with a Rack env, answers 101, flushes queued messages, then opens', :gc do
      d = wire(WebSocket::Driver.server(socket, protocols: %w[superchat chat]))
      env = nil
      d.on(:connect) { env = d.env; d.start }
      expect(d.text('queued-before')).to be true
      d.parse(REQUEST.sub("Sec-WebSocket-Version", "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version"))
      log_now = take_log
      seen = [d.url, d.protocol, d.version, d.state]
      GC.stress = false if ENV['WSDRIVER_GC_STRESS'] # the checks need no GC.stress
      expect(log_now).to eq([
        [:connect, []],
        [:write, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n".b],
        [:write, "\x81\rqueued-before".b],
        [:open, []]
      ])
      expect(env).to include('REQUEST_METHOD' => 'GET', 'PATH_INFO' => '/chat', 'QUERY_STRING' => 'x=1',
                             'HTTP_HOST' => 'example.com', 'HTTP_UPGRADE' => 'websocket',
                             'HTTP_SEC_WEBSOCKET_KEY' => 'dGhlIHNhbXBsZSBub25jZQ==',
                             'HTTP_ORIGIN' => 'http://example.com', 'SERVER_NAME' => 'example.com',
                             'SERVER_PORT' => '80', 'SCRIPT_NAME' => '')
      expect(env['rack.input']).to respond_to(:read)
      expect(seen).to eq(['ws://example.com/chat?x=1', 'chat', 'hybi-13', :open])
    end

    it 'has no env, url, version or protocol before the request' do
      d = WebSocket::Driver.server(socket)
      expect([d.env, d.url, d.version, d.protocol]).to eq([nil, nil, nil, nil])
      expect(d.state).to eq(:connecting)
    end

    it 'puts custom headers first, drops the handshake\'s own, and refuses them after start' do
      d = wire(WebSocket::Driver.server(socket, protocols: 'b , a'))
      expect(d.set_header('X-Powered', 'me')).to be true
      d.set_header('Upgrade', 'nope') # the C API refuses it (issue 12); true as in the gem
      late = nil
      d.on(:connect) do
        d.set_header('Set-Cookie', 'c=1')
        d.start
        late = d.set_header('Late', '1')
      end
      d.parse(REQUEST.sub("Sec-WebSocket-Version", "Sec-WebSocket-Protocol: a\r\nSec-WebSocket-Version"))
      expect(late).to be false
      expect(take_log[1]).to eq([:write, "HTTP/1.1 101 Switching Protocols\r\nX-Powered: me\r\n" \
                                         "Set-Cookie: c=1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
                                         "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" \
                                         "Sec-WebSocket-Protocol: a\r\n\r\n".b])
    end

    base = "Host: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    {
      'no version' => ["GET / HTTP/1.1\r\n#{base}Sec-WebSocket-Key: k\r\n\r\n", 'Unsupported WebSocket version: 13'],
      'version 99' => ["GET / HTTP/1.1\r\n#{base}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
                       "Sec-WebSocket-Version: 99\r\n\r\n", 'Unsupported WebSocket version: 13'],
      # The gem accepts any key; the core requires 16 bytes of base64 (RFC 6455 4.2.1).
      'key not base64' => ["GET / HTTP/1.1\r\n#{base}Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n",
                           'Invalid handshake request header: Sec-WebSocket-Key: x'],
      'no key' => ["GET / HTTP/1.1\r\n#{base}Sec-WebSocket-Version: 13\r\n\r\n",
                   'Missing handshake request header: Sec-WebSocket-Key'],
      'POST' => ["POST / HTTP/1.1\r\n#{base}Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n",
                 'Not a WebSocket request'],
      'h2c' => ["GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\n" \
                "Sec-WebSocket-Version: 13\r\n\r\n", 'Not a WebSocket request']
    }.each do |name, (request, message)|
      it "fails the handshake (#{name}): 400, error, close" do
        d = wire(WebSocket::Driver.server(socket))
        started = :unset
        d.on(:connect) { started = d.start }
        d.parse(request)
        expect(started).to be false
        expect(take_log).to eq([
          [:connect, []],
          [:write, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: #{message.bytesize}" \
                   "\r\n\r\n#{message}".b],
          [:error, message],
          [:close, [1002, message]]
        ])
      end
    end

    %w[7 8].each do |version|
      it "refuses hybi-#{version} clients at start, naming version 13, as the gem does" do
        d = wire(WebSocket::Driver.server(socket))
        started = :unset
        d.on(:connect) { started = d.start }
        d.parse("GET / HTTP/1.1\r\n#{base}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
                "Sec-WebSocket-Version: #{version}\r\n\r\n")
        message = 'Unsupported WebSocket version: 13'
        expect([started, d.version, d.state]).to eq([false, 'hybi-13', :closed])
        expect(take_log).to eq([
          [:connect, []],
          [:write, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 33\r\n\r\n#{message}".b],
          [:error, message],
          [:close, [1002, message]]
        ])
      end
    end

    it 'rejects methods the gem does not know at the request line, as the gem does' do
      ["get / HTTP/1.1\r\n", "PATCH / HTTP/1.1\r\n"].each do |req|
        d = wire(WebSocket::Driver.server(FakeSocket.new(log)))
        d.on(:connect) { d.start }
        d.parse(req)
        expect(take_log).to eq([[:error, 'Invalid HTTP request'], [:close, [1002, 'Invalid HTTP request']]])
      end
    end

    it 'takes a Host with a space (the gem fails its URI.parse)' do
      d = wire(WebSocket::Driver.server(FakeSocket.new(log)))
      d.on(:connect) { d.start }
      d.parse("GET / HTTP/1.1\r\nHost: exa mple.com\r\n\r\n")
      events = take_log
      expect(events.map(&:first)).to eq(%i[connect write error close])
      expect(events[2]).to eq([:error, 'Not a WebSocket request'])
    end

    ["GET /\r\n\r\n", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"].each do |request|
      it "rejects an invalid request #{request[0, 24].inspect} without writing" do
        d = wire(WebSocket::Driver.server(socket))
        d.parse(request.gsub('\r\n', "\r\n"))
        expect(take_log).to eq([[:error, 'Invalid HTTP request'], [:close, [1002, 'Invalid HTTP request']]])
      end
    end

    it 'builds the env like the gem (duplicates joined, CONTENT_* unprefixed, body in rack.input)', :gc do
      d = wire(WebSocket::Driver.server(socket))
      env = nil
      d.on(:connect) { env = d.env }
      d.parse("GET /p%20q?a=1?b HTTP/1.0\r\nhost:   h:99  \r\nX-Dup: a\r\nx-dup:b\r\nContent-Length: 5\r\n" \
              "Content-Type: text/x\r\n\r\nbody")
      expect(env.reject { |k, _| k == 'rack.input' }).to eq(
        'REQUEST_METHOD' => 'GET', 'SCRIPT_NAME' => '', 'PATH_INFO' => '/p%20q', 'QUERY_STRING' => 'a=1?b',
        'HTTP_HOST' => 'h:99', 'HTTP_X_DUP' => 'a, b', 'CONTENT_LENGTH' => '5', 'CONTENT_TYPE' => 'text/x',
        'SERVER_NAME' => 'h', 'SERVER_PORT' => '99'
      )
      expect(env['rack.input'].read).to eq('body') # read after the connect event: see Server::LazyInput
      expect(d.url).to eq('ws://h:99/p%20q?a=1?b')
    end

    it 'handles a request split at every byte' do
      d = wire(WebSocket::Driver.server(socket))
      d.on(:connect) { d.start }
      REQUEST.each_char { |c| d.parse(c) }
      expect(take_log.map(&:first)).to eq(%i[connect write open])
    end
  end

  describe 'frames' do
    def run_frames(bytes, options = {})
      d = open_server(options)
      d.parse(bytes)
      take_log
    end

    def failure(code, message)
      payload = [code].pack('n') + message
      [[:write, [0x88, payload.bytesize].pack('C2').b + payload.b], [:error, message], [:close, [code, message]]]
    end

    it 'delivers text as UTF-8 and binary as a BINARY String by default (0.8), an Array with :array' do
      d = open_server
      d.parse(frame(1, 'héllo') + frame(2, "\xFF\x00"))
      events = take_log
      expect(events).to eq([[:message, ['héllo']], [:message, ["\xFF\x00".b]]])
      expect(events[0][1][0].encoding).to eq(Encoding::UTF_8)
      expect(events[1][1][0].encoding).to eq(Encoding::BINARY)
      expect(d.binary_data_format).to eq(:string)
      d = open_server(binary_data_format: :array)
      d.parse(frame(2, "\xFF\x00"))
      expect(take_log).to eq([[:message, [[255, 0]]]])
    end

    it 'delivers binary as a BINARY String with binary_data_format: :string' do
      d = open_server(binary_data_format: :string)
      data = nil
      d.on(:message) { |e| data = e.data }
      d.parse(frame(2, "\xFF\x00"))
      expect(data).to eq("\xFF\x00".b)
      expect(data.encoding).to eq(Encoding::BINARY)
    end

    it 'reassembles fragments and allows interleaved control frames', :gc do
      expect(run_frames(frame(1, 'ab', fin: false) + frame(9, 'p') + frame(0, 'cd')))
        .to eq([[:write, "\x8A\x01p".b], [:ping, ['p']], [:message, ['abcd']]])
    end

    it 'checks UTF-8 over the whole message, not per fragment' do
      expect(run_frames(frame(1, "\xC3", fin: false) + frame(0, "\xA9"))).to eq([[:message, ['é']]])
    end

    it 'emits empty text messages' do
      expect(run_frames(frame(1, ''))).to eq([[:message, ['']]])
    end

    it 'parses 16- and 64-bit lengths', :gc do
      events = run_frames(frame(2, 'x' * 70_000), binary_data_format: :string)
      expect(events.size).to eq(1)
      expect(events[0][1][0].bytesize).to eq(70_000)
    end

    it 'answers pings before emitting them' do
      expect(run_frames(frame(9, ''))).to eq([[:write, "\x8A\x00".b], [:ping, ['']]])
    end

    it 'emits unsolicited pongs' do
      expect(run_frames(frame(10, 'zz'))).to eq([[:pong, ['zz']]])
    end

    {
      'rsv1' => [[1, 'hi', { rsv: 0x40 }], 1002,
                 'One or more reserved bits are on: reserved1 = 1, reserved2 = 0, reserved3 = 0'],
      'rsv2+3' => [[1, 'hi', { rsv: 0x30 }], 1002,
                   'One or more reserved bits are on: reserved1 = 0, reserved2 = 1, reserved3 = 1'],
      'opcode 3' => [[3, 'hi', {}], 1002, 'Unrecognized frame opcode: 3'],
      'opcode 11' => [[11, 'hi', {}], 1002, 'Unrecognized frame opcode: 11'],
      'fragmented ping' => [[9, 'hi', { fin: false }], 1002, 'Received fragmented control frame: opcode = 9'],
      'continuation without start' => [[0, 'a', {}], 1002, 'Received unexpected continuation frame'],
      'unmasked' => [[1, 'hi', { mask: false }], 1003, 'Received unmasked frame but masking is required'],
      'long ping' => [[9, 'x' * 126, {}], 1002, 'Received control frame having too long payload: 126'],
      'invalid UTF-8' => [[1, "\xC3\x28", {}], 1007, 'Could not decode a text frame as UTF-8']
    }.each do |name, ((op, payload, opts), code, message)|
      it "fails on #{name}: close frame, then error, then close (#{code})" do
        expect(run_frames(frame(op, payload, **opts))).to eq(failure(code, message))
      end
    end

    it 'fails on a new data frame inside a fragmented message' do
      expect(run_frames(frame(1, 'a', fin: false) + frame(1, 'b')))
        .to eq(failure(1002, 'Received new data frame but previous continuous frame is unfinished'))
    end

    it 'enforces max_length on frames and on fragmented messages (exact length is fine)' do
      expect(run_frames(frame(1, 'x' * 10), max_length: 9)).to eq(failure(1009, 'WebSocket frame length too large'))
      expect(run_frames([0x81, 0xFE, 0x01, 0x00].pack('C*'), max_length: 255))
        .to eq(failure(1009, 'WebSocket frame length too large'))
      expect(run_frames(frame(1, 'x' * 5, fin: false) + frame(0, 'x' * 5), max_length: 9))
        .to eq(failure(1009, 'WebSocket frame length too large'))
      expect(run_frames(frame(1, 'x' * 5, fin: false) + frame(0, 'x' * 4), max_length: 9))
        .to eq([[:message, ['xxxxxxxxx']]])
    end

    it 'ignores input after a failure' do
      expect(run_frames(frame(3, '') + frame(1, 'after')).map(&:first)).to eq(%i[write error close])
    end
  end

  describe 'closing' do
    {
      '' => [1000, ''], "\x03" => [1002, ''], [1005].pack('n') => [1002, ''], [1004].pack('n') => [1002, ''],
      [2999].pack('n') => [1002, ''], [3000].pack('n') + 'r' => [3000, 'r'], [4999].pack('n') => [4999, ''],
      [5000].pack('n') => [1002, ''], [1011].pack('n') => [1011, ''],
      # The gem maps 1012 to 1002; the core accepts the IANA-registered 1012-1014.
      [1012].pack('n') => [1012, ''], [1015].pack('n') => [1002, '']
    }.each do |payload, (code, reason)|
      it "echoes a peer close #{payload.unpack1('H*')} as #{code}" do
        d = open_server
        d.parse(frame(8, payload))
        echo = [code].pack('n') + reason
        expect(take_log).to eq([[:write, [0x88, echo.bytesize].pack('C2').b + echo.b], [:close, [code, reason]]])
        expect(d.state).to eq(:closed)
      end
    end

    it 'closes with reason first, then code; waits for the peer; later sends fail', :gc do
      d = open_server
      expect(d.close('bye', 1001)).to be true
      expect(take_log).to eq([[:write, "\x88\x05\x03\xE9bye".b]])
      expect(d.state).to eq(:closing)
      expect([d.text('x'), d.ping, d.close]).to eq([false, false, false])
      d.parse(frame(8, [1000].pack('n') + 'ok!'))
      expect(take_log).to eq([[:close, [1000, 'ok!']]])
      expect(d.state).to eq(:closed)
    end

    it 'still delivers messages while closing, without answering pings' do
      d = open_server
      d.close(nil, 4001)
      take_log
      d.parse(frame(1, 'x') + frame(9, '') + frame(8, ''))
      expect(take_log).to eq([[:message, ['x']], [:ping, ['']], [:close, [1000, '']]])
    end

    it 'emits close 1006 when the transport closes' do
      d = open_server
      d.transport_closed
      expect(take_log.last).to eq([:close, [1006, '']])
      expect(d.state).to eq(:closed)
    end
  end

  describe 'sending' do
    it 'writes one frame per call' do
      d = open_server
      d.text('t')
      d.text('b'.b)
      d.binary('u')
      d.binary([1, 2])
      d.frame([1, 2])
      d.frame('f')
      d.frame('p', :ping)
      d.ping
      d.pong('po')
      expect(take_log).to eq([
        [:write, "\x81\x01t".b], [:write, "\x81\x01b".b], [:write, "\x82\x01u".b], [:write, "\x82\x02\x01\x02".b],
        [:write, "\x82\x02\x01\x02".b], [:write, "\x81\x01f".b], [:write, "\x89\x01p".b],
        [:write, "\x89\x00".b], [:write, "\x8A\x02po".b]
      ])
    end

    it 'uses 16- and 64-bit lengths' do
      d = open_server
      d.binary('x' * 126)
      d.binary('x' * 65_536)
      writes = take_log.map { |_, s| s[0, 12] }
      expect(writes).to eq(["\x82~\x00~xxxxxxxx".b, "\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00xx".b])
    end

    it 'hands socket.write BINARY strings' do
      d = open_server
      d.text('é')
      expect(d.socket.writes.last.encoding).to eq(Encoding::BINARY)
    end

    it 'refuses text that is not UTF-8' do
      d = open_server
      expect(d.text("\xFF".b)).to be false
      expect(take_log).to eq([])
    end

    it 'runs ping callbacks when the matching pong arrives, before the pong event', :gc do
      d = open_server
      calls = []
      d.ping('abc') { calls << :cb; log << [:pingcb] }
      expect(take_log).to eq([[:write, "\x89\x03abc".b]])
      d.parse(frame(10, 'abc'))
      expect(take_log).to eq([[:pingcb], [:pong, ['abc']]])
      d.parse(frame(10, 'abc'))
      expect(calls).to eq([:cb])
    end
  end
end
