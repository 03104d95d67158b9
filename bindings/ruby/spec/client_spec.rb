# frozen_string_literal: true

require_relative 'spec_helper'

RSpec.describe 'WebSocket::Driver.client' do
  KEY = 'dGhlIHNhbXBsZSBub25jZQ=='

  around do |example|
    # Client.generate_key is the documented hook for fixing the key.
    original = WebSocket::Driver::Client.method(:generate_key)
    WebSocket::Driver::Client.define_singleton_method(:generate_key) { KEY }
    example.run
  ensure
    WebSocket::Driver::Client.define_singleton_method(:generate_key, original)
  end

  def client(url = 'ws://example.com/', options = {})
    socket = ClientSocket.new(log, url)
    wire(WebSocket::Driver.client(socket, options))
  end

  def response(extra = '', accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
      "Sec-WebSocket-Accept: #{accept}\r\n#{extra}\r\n"
  end

  # The gem sends the percent-encoded userinfo ("pa%20ss"); the core decodes
  # it first ("pa ss"), as node's driver does.
  it 'writes the request with userinfo, protocols and custom headers, once started' do
    d = client('ws://user:pa%20ss@example.com:80/a/b?q=1#frag', protocols: %w[p1 p2])
    expect(d.set_header('Origin', 'http://o.com')).to be true
    d.set_header('X-Custom', ' v ')
    expect(d.text('early')).to be true
    expect(d.state).to be_nil
    expect(d.ready_state).to eq(-1)
    expect(take_log).to eq([])
    expect(d.start).to be true
    expect(d.start).to be false
    expect(d.state).to eq(:connecting)
    expect(take_log).to eq([[:write, "GET /a/b?q=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n" \
                                     "Connection: Upgrade\r\nSec-WebSocket-Key: #{KEY}\r\nSec-WebSocket-Version: 13\r\n" \
                                     "Sec-WebSocket-Protocol: p1, p2\r\nAuthorization: Basic dXNlcjpwYSBzcw==\r\n" \
                                     "Origin: http://o.com\r\nX-Custom: v\r\n\r\n".b]])
  end

  {
    'wss://h:443/' => 'h', 'wss://h:8443' => 'h:8443', 'ws://h:443' => 'h:443', 'ws://[::1]:81/' => '[::1]:81',
    'ws://h' => 'h'
  }.each do |url, host|
    it "sends Host: #{host} for #{url}" do
      d = client(url)
      d.start
      expect(take_log[0][1]).to start_with("GET / HTTP/1.1\r\nHost: #{host}\r\n".b)
    end
  end

  it 'rejects URLs that are not ws/wss, and unparseable ones' do
    expect { client('http://h/') }.to raise_error(WebSocket::Driver::URIError, 'http://h/ is not a valid WebSocket URL')
    expect { client('not a url') }.to raise_error(URI::InvalidURIError)
  end

  it 'opens on a valid response, flushes the queue before :open, parses frames in the same chunk', :gc do
    d = client('ws://example.com/', protocols: %w[p1 p2])
    d.text('early')
    d.start
    take_log
    d.parse(response("Sec-WebSocket-Protocol: p2\r\nX-A: 1\r\nx-a: 2\r\n") + "\x81\x02hi".b)
    events = take_log
    seen = [d.status, d.protocol, d.state, d.headers['X-A'], d.headers['x_a'], d.headers.to_h]
    unstressed do # the checks themselves need no GC.stress
      expect(events.map(&:first)).to eq(%i[write open message])
      expect(unmask(events[0][1])).to eq('early')
      expect(events[0][1].getbyte(1) & 0x80).to eq(0x80) # masked
      expect(events[2]).to eq([:message, ['hi']])
      expect(seen[0, 3]).to eq([101, 'p2', :open])
      expect(seen[3, 2]).to eq(['1, 2', '1, 2'])
      expect(seen[5]).to include('upgrade' => 'websocket', 'sec-websocket-protocol' => 'p2')
    end
  end

  it 'masks every frame with a fresh key' do
    d = client
    d.start
    d.parse(response)
    take_log
    d.text('same')
    d.text('same')
    a, b = take_log.map(&:last)
    expect(unmask(a)).to eq('same')
    expect(unmask(b)).to eq('same')
    expect(a).not_to eq(b)
  end

  {
    'status' => ["HTTP/1.1 200 OK\r\nUpgrade: websocket\r\n\r\n", 'Unexpected response code: 200', 200],
    'no upgrade' => ["HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n", "'Upgrade' header is missing", 101],
    'bad upgrade' => ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n",
                      "'Upgrade' header value is not 'WebSocket'", 101],
    'no connection' => ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n\r\n", "'Connection' header is missing", 101],
    'bad connection' => ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: close\r\n\r\n",
                         "'Connection' header value is not 'Upgrade'", 101],
    'bad accept' => ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n" \
                     "Sec-WebSocket-Accept: x\r\n\r\n", 'Sec-WebSocket-Accept mismatch', 101],
    'bad protocol' => ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n" \
                       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: zz\r\n\r\n",
                       'Sec-WebSocket-Protocol mismatch', 101],
    'bad header line' => ["HTTP/1.1 101 OK\r\nUpgrade WebSocket\r\n\r\n", 'Invalid HTTP response', nil]
  }.each do |name, (resp, message, status)|
    it "fails the handshake on #{name}: error then close 1002, nothing written" do
      d = client
      d.start
      take_log
      d.parse(resp)
      text = "Error during WebSocket handshake: #{message}"
      expect(take_log).to eq([[:error, text], [:close, [1002, text]]])
      expect([d.state, d.status]).to eq([:closed, status])
      expect(d.close).to be false
    end
  end

  it 'accepts a Connection token list (the gem wants exactly "Upgrade")' do
    d = client
    d.start
    take_log
    d.parse(response.sub("Connection: Upgrade", "Connection: keep-alive, Upgrade"))
    expect(take_log).to eq([[:open, []]])
  end

  it 'accepts an empty reason phrase and bare LF line ends' do
    %W[HTTP/1.1\s101\s\r\n HTTP/1.1\s101\sOK\n].each do |status_line|
      d = client
      d.start
      take_log
      sep = status_line.end_with?("\r\n") ? "\r\n" : "\n"
      d.parse(status_line + %W[Upgrade:\sWebSocket Connection:\sUpgrade
                               Sec-WebSocket-Accept:\ss3pPLMBiTxaQ9kYGzzhZRbK+xOo=].join(sep) + sep + sep)
      expect(take_log).to eq([[:open, []]])
    end
  end

  it 'closes before start with the given code and reason, without writing' do
    d = client
    expect(d.close('early', 4000)).to be true
    expect(take_log).to eq([[:close, [4000, 'early']]])
    expect(d.state).to eq(:closed)
  end

  it 'closes while connecting with 1000 and ignores the response' do
    d = client
    d.start
    take_log
    expect(d.close).to be true
    expect(take_log).to eq([[:close, [1000, '']]])
    d.parse(response)
    expect(take_log).to eq([])
    expect(d.state).to eq(:closed)
  end

  it 'runs the closing handshake from the client side' do
    d = client
    d.start
    d.parse(response)
    take_log
    d.close('bye', 3001)
    w = take_log
    expect(unmask(w[0][1])).to eq([3001].pack('n') + 'bye')
    d.parse("\x88\x02\x03\xE8".b)
    expect(take_log).to eq([[:close, [1000, '']]])
  end

  it 'accepts masked frames from the server' do
    d = client
    d.start
    d.parse(response)
    take_log
    d.parse(frame(1, 'hi', key: 'abcd'))
    expect(take_log).to eq([[:message, ['hi']]])
  end

  it 'exposes request headers before the response' do
    d = client
    d.set_header('X-Y', 'z')
    expect(d.headers.to_s).to include("X-Y: z\r\n")
    expect(d.status).to be_nil
  end
end
