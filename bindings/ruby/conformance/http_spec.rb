# frozen_string_literal: true

require_relative 'spec_helper'

# What the gem's HTTP parsers give the driver's callers: a server's env and
# url, a client's status and response headers.
RSpec.describe 'WebSocket::Driver HTTP heads' do
  let(:writes) { [] }

  let :socket do
    socket = double(WebSocket)
    allow(socket).to receive(:url).and_return('ws://www.example.com/socket')
    allow(socket).to receive(:write) { |message| writes << message }
    socket
  end

  describe 'a server' do
    let(:driver) { WebSocket::Driver.server(socket) }

    def request(target: '/chat?a=1&b=2', host: 'www.example.com:8080', extra: '')
      "GET #{target} HTTP/1.1\r\n" \
        "Host: #{host}\r\n" \
        "Upgrade: websocket\r\n" \
        "Connection: Upgrade\r\n" \
        "Sec-WebSocket-Key: JFBCWHksyIpXV+6Wlq/9pw==\r\n" \
        "Sec-WebSocket-Version: 13\r\n" \
        "#{extra}\r\n"
    end

    it 'builds a rack env' do
      driver.parse(request(extra: "Content-Type: text/plain\r\nX-Forwarded-For: 10.0.0.1\r\n"))
      env = driver.env
      expect(env.values_at('REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING'))
        .to eq ['GET', '', '/chat', 'a=1&b=2']
      expect(env.values_at('SERVER_NAME', 'SERVER_PORT')).to eq ['www.example.com', '8080']
      expect(env.values_at('HTTP_HOST', 'HTTP_UPGRADE', 'HTTP_X_FORWARDED_FOR'))
        .to eq ['www.example.com:8080', 'websocket', '10.0.0.1']
      expect(env['CONTENT_TYPE']).to eq 'text/plain'
      expect(env['HTTP_CONTENT_TYPE']).to eq nil
    end

    it 'defaults SERVER_PORT to 80' do
      driver.parse(request(host: 'www.example.com'))
      expect(driver.env['SERVER_PORT']).to eq '80'
    end

    it 'joins repeated headers with commas' do
      driver.parse(request(extra: "X-Dup: a\r\nX-Dup: b\r\n"))
      expect(driver.env['HTTP_X_DUP']).to eq 'a, b'
    end

    it 'strips header values' do
      driver.parse(request(extra: "X-Pad:   padded   \r\n"))
      expect(driver.env['HTTP_X_PAD']).to eq 'padded'
    end

    it 'gives an empty query string and a url without ?' do
      driver.parse(request(target: '/chat'))
      expect(driver.env['QUERY_STRING']).to eq ''
      expect(driver.url).to eq 'ws://www.example.com:8080/chat'
    end

    it 'gives the url with the query' do
      driver.parse(request)
      expect(driver.url).to eq 'ws://www.example.com:8080/chat?a=1&b=2'
    end

    it 'accepts a head with bare line feeds' do
      driver.parse(request.gsub("\r\n", "\n"))
      expect(driver.env['HTTP_SEC_WEBSOCKET_VERSION']).to eq '13'
    end

    it 'fails a request line with an unknown method' do
      errors = []
      driver.on(:error) { |e| errors << e.message }
      driver.parse(request.sub('GET', 'BREW'))
      expect(errors).to eq ['Invalid HTTP request']
      expect(driver.env).to eq nil
    end

    it 'fails a head over 32 KiB' do
      errors = []
      driver.on(:error) { |e| errors << e.message }
      driver.parse(request(extra: "X-Big: #{'a' * 33_000}\r\n"))
      expect(errors).to eq ['Invalid HTTP request']
    end
  end

  describe 'a client' do
    let :driver do
      allow(WebSocket::Driver::Client).to receive(:generate_key).and_return('2vBVWg4Qyk3ZoM/5d3QD9Q==')
      driver = WebSocket::Driver.client(socket, protocols: ['chat'])
      driver.on(:error) { |e| (@errors ||= []) << e.message }
      driver.start
      driver
    end

    def response(extra = '', status = '101 Switching Protocols')
      "HTTP/1.1 #{status}\r\n" \
        "Upgrade: websocket\r\n" \
        "Connection: Upgrade\r\n" \
        "Sec-WebSocket-Accept: QV3I5XUXU2CdhtjixE7QCkCcMZM=\r\n" \
        "#{extra}\r\n"
    end

    it 'gives response headers case-insensitively' do
      driver.parse(response("X-Server: test\r\n"))
      expect(driver.headers['x-server']).to eq 'test'
      expect(driver.headers['X-SERVER']).to eq 'test'
    end

    it 'joins repeated response headers with commas' do
      driver.parse(response("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"))
      expect(driver.headers['Set-Cookie']).to eq 'a=1, b=2'
    end

    it 'fails a protocol it did not offer' do
      driver.parse(response("Sec-WebSocket-Protocol: other\r\n"))
      expect(@errors).to eq ['Error during WebSocket handshake: Sec-WebSocket-Protocol mismatch']
    end

    it 'opens without a protocol in the response' do
      driver.parse(response)
      expect(driver.state).to eq :open
      expect(driver.protocol).to eq nil
    end

    it 'accepts an HTTP/1.0 status line' do
      driver.parse(response.sub('HTTP/1.1', 'HTTP/1.0'))
      expect(driver.state).to eq :open
    end

    it 'gives the status of a refusal' do
      driver.parse("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
      expect(driver.status).to eq 403
      expect(driver.headers['Content-Length']).to eq '0'
      expect(@errors).to eq ['Error during WebSocket handshake: Unexpected response code: 403']
    end

    it 'fails a status line without a reason phrase separator' do
      driver.parse("HTTP/1.1 101\r\n\r\n")
      expect(@errors).to eq ['Error during WebSocket handshake: Invalid HTTP response']
    end
  end
end
