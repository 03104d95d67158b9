# frozen_string_literal: true

require_relative 'spec_helper'

RSpec.describe WebSocket::Driver::Client do
  let :socket do
    socket = double(WebSocket)
    allow(socket).to receive(:write) { |message| @bytes = bytes(message) }
    allow(socket).to receive(:url).and_return(url)
    socket
  end

  let :options do
    { protocols: protocols }
  end

  let :protocols do
    nil
  end

  let :url do
    'ws://www.example.com/socket'
  end

  let :driver do
    driver = WebSocket::Driver.client(socket, options)
    driver.on(:open)    { |_e| @open = true }
    driver.on(:message) { |e| @message += e.data }
    driver.on(:error)   { |e| @error = e }
    driver.on(:close)   { |e| @close = [e.code, e.reason] }
    driver
  end

  let :key do
    '2vBVWg4Qyk3ZoM/5d3QD9Q=='
  end

  let :response do
    "HTTP/1.1 101 Switching Protocols\r\n" \
      "Upgrade: websocket\r\n" \
      "Connection: Upgrade\r\n" \
      "Sec-WebSocket-Accept: QV3I5XUXU2CdhtjixE7QCkCcMZM=\r\n" \
      "\r\n"
  end

  def request(path = '/socket', host = 'www.example.com', extra = '')
    "GET #{path} HTTP/1.1\r\n" \
      "Host: #{host}\r\n" \
      "Upgrade: websocket\r\n" \
      "Connection: Upgrade\r\n" \
      "Sec-WebSocket-Key: 2vBVWg4Qyk3ZoM/5d3QD9Q==\r\n" \
      "Sec-WebSocket-Version: 13\r\n" \
      "#{extra}\r\n"
  end

  # Unmasks a client frame of up to 125 bytes: [header byte, payload bytes].
  def unmask(frame)
    expect(frame[1] & 0x80).to eq 0x80
    key = frame[2, 4]
    [frame[0], frame[6..].each_with_index.map { |b, i| b ^ key[i % 4] }]
  end

  before do
    allow(WebSocket::Driver::Client).to receive(:generate_key).and_return(key)
    @open = @error = @close = false
    @message = +''
  end

  describe 'in the beginning state' do
    it 'starts in no state' do
      expect(driver.state).to eq nil
    end

    it 'reports its version' do
      expect(driver.version).to eq 'hybi-13'
    end

    describe :close do
      it 'changes the state to :closed' do
        driver.close
        expect(driver.state).to eq :closed
        expect(@close).to eq [1000, '']
      end
    end

    describe :text do
      it 'queues the message and returns true' do
        expect(socket).not_to receive(:write)
        expect(driver.text('Hi')).to eq true
      end
    end

    describe :start do
      it 'writes the handshake request to the socket' do
        expect(socket).to receive(:write).with(request)
        driver.start
      end

      it 'returns true' do
        expect(driver.start).to eq true
      end

      it 'returns false when called again' do
        driver.start
        expect(driver.start).to eq false
      end

      describe 'with subprotocols' do
        let(:protocols) { %w[foo bar xmpp] }

        it 'writes the handshake with Sec-WebSocket-Protocol' do
          expect(socket).to receive(:write).with(request('/socket', 'www.example.com',
                                                         "Sec-WebSocket-Protocol: foo, bar, xmpp\r\n"))
          driver.start
        end
      end

      describe 'with basic auth' do
        let(:url) { 'ws://user:pass@www.example.com/socket' }

        it 'writes the handshake with Authorization' do
          expect(socket).to receive(:write).with(request('/socket', 'www.example.com',
                                                         "Authorization: Basic dXNlcjpwYXNz\r\n"))
          driver.start
        end
      end

      describe 'with an invalid URL' do
        let(:url) { 'stream.wikimedia.org/rc' }

        it 'throws an URIError error' do
          expect { driver }.to raise_error(WebSocket::Driver::URIError)
        end
      end

      describe 'with an http: URL' do
        let(:url) { 'http://www.example.com/socket' }

        it 'throws an URIError error naming the URL' do
          expect { driver }.to raise_error(WebSocket::Driver::URIError,
                                           'http://www.example.com/socket is not a valid WebSocket URL')
        end
      end

      describe 'with custom headers' do
        before do
          driver.set_header 'User-Agent', 'Chrome'
        end

        it 'writes the handshake with custom headers' do
          expect(socket).to receive(:write).with(request('/socket', 'www.example.com', "User-Agent: Chrome\r\n"))
          driver.start
        end
      end

      it 'changes the state to :connecting' do
        driver.start
        expect(driver.state).to eq :connecting
      end
    end

    describe 'with a URL with no path' do
      let(:url) { 'ws://www.example.com' }

      it 'writes the handshake with path /' do
        expect(socket).to receive(:write).with(request('/'))
        driver.start
      end
    end

    describe 'with a URL with a query string' do
      let(:url) { 'ws://www.example.com/socket?a=b' }

      it 'writes the handshake with the query string' do
        expect(socket).to receive(:write).with(request('/socket?a=b'))
        driver.start
      end
    end

    describe 'with an explicit port' do
      let(:url) { 'ws://www.example.com:3000/socket' }

      it 'includes the port in the Host header' do
        expect(socket).to receive(:write).with(request('/socket', 'www.example.com:3000'))
        driver.start
      end
    end

    describe 'with a wss: URL' do
      let(:url) { 'wss://www.example.com/socket' }

      it 'does not include the port in the Host header' do
        expect(socket).to receive(:write).with(request)
        driver.start
      end
    end

    describe 'with a wss: URL and port 443' do
      let(:url) { 'wss://www.example.com:443/socket' }

      it 'does not include the port in the Host header' do
        expect(socket).to receive(:write).with(request)
        driver.start
      end
    end

    describe 'with a wss: URL and a non-default port' do
      let(:url) { 'wss://www.example.com:3000/socket' }

      it 'includes the port in the Host header' do
        expect(socket).to receive(:write).with(request('/socket', 'www.example.com:3000'))
        driver.start
      end
    end
  end

  describe 'using a proxy' do
    it 'sends a CONNECT request' do
      proxy = driver.proxy('http://proxy.example.com')
      expect(socket).to receive(:write).with(
        "CONNECT www.example.com:80 HTTP/1.1\r\n" \
        "Host: www.example.com\r\n" \
        "Connection: keep-alive\r\n" \
        "Proxy-Connection: keep-alive\r\n" \
        "\r\n"
      )
      expect(proxy.start).to eq true
    end

    it 'sends an authenticated CONNECT request' do
      proxy = driver.proxy('http://user:pass@proxy.example.com')
      expect(socket).to receive(:write).with(
        "CONNECT www.example.com:80 HTTP/1.1\r\n" \
        "Host: www.example.com\r\n" \
        "Connection: keep-alive\r\n" \
        "Proxy-Connection: keep-alive\r\n" \
        "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n" \
        "\r\n"
      )
      proxy.start
    end

    it 'sends the userinfo of the proxy URL as given, percent-encoded' do
      proxy = driver.proxy('http://user:p%40ss@proxy.example.com')
      expect(socket).to receive(:write).with(
        "CONNECT www.example.com:80 HTTP/1.1\r\n" \
        "Host: www.example.com\r\n" \
        "Connection: keep-alive\r\n" \
        "Proxy-Connection: keep-alive\r\n" \
        "Proxy-Authorization: Basic dXNlcjpwJTQwc3M=\r\n" \
        "\r\n"
      )
      proxy.start
    end

    it 'sends a CONNECT request with custom headers' do
      proxy = driver.proxy('http://proxy.example.com')
      expect(proxy.set_header('User-Agent', 'Chrome')).to eq true
      expect(socket).to receive(:write).with(
        "CONNECT www.example.com:80 HTTP/1.1\r\n" \
        "Host: www.example.com\r\n" \
        "Connection: keep-alive\r\n" \
        "Proxy-Connection: keep-alive\r\n" \
        "User-Agent: Chrome\r\n" \
        "\r\n"
      )
      proxy.start
    end

    it 'refuses headers and a second start once started' do
      proxy = driver.proxy('http://proxy.example.com')
      proxy.start
      expect(proxy.set_header('User-Agent', 'Chrome')).to eq false
      expect(proxy.start).to eq false
    end

    describe 'with a wss: URL' do
      let(:url) { 'wss://www.example.com/socket' }

      it 'connects to port 443' do
        proxy = driver.proxy('http://proxy.example.com')
        expect(socket).to receive(:write).with(
          "CONNECT www.example.com:443 HTTP/1.1\r\n" \
          "Host: www.example.com\r\n" \
          "Connection: keep-alive\r\n" \
          "Proxy-Connection: keep-alive\r\n" \
          "\r\n"
        )
        proxy.start
      end
    end

    describe 'receiving a response' do
      let(:proxy) { driver.proxy('http://proxy.example.com') }

      before do
        @connect = nil
        proxy.on(:connect) { @connect = true }
        proxy.on(:error)   { |e| @error = e }
        proxy.start
      end

      it "emits a 'connect' event when the proxy connects" do
        proxy.parse("HTTP/1.1 200 OK\r\n\r\n")
        expect(@connect).to eq true
        expect(@error).to eq false
      end

      it 'makes the status and headers available' do
        proxy.parse("HTTP/1.1 200 OK\r\nProxy-Agent: test\r\n\r\n")
        expect(proxy.status).to eq 200
        expect(proxy.headers['Proxy-Agent']).to eq 'test'
      end

      it 'waits for the whole response' do
        proxy.parse("HTTP/1.1 200 OK\r\n")
        expect(@connect).to eq nil
        proxy.parse("\r\n")
        expect(@connect).to eq true
      end

      it 'emits nothing for a response that is not HTTP' do
        proxy.parse("garbage\r\n\r\n")
        expect(@connect).to eq nil
        expect(@error).to eq false
      end

      it "emits 'connect' again on a later parse" do
        count = 0
        proxy.on(:connect) { count += 1 }
        proxy.parse("HTTP/1.1 200 OK\r\n\r\n")
        proxy.parse("HTTP/1.1 200 OK\r\n\r\n")
        expect(count).to eq 2
      end

      it "emits an 'error' event if the proxy does not connect" do
        proxy.parse("HTTP/1.1 403 Forbidden\r\n\r\n")
        expect(@connect).to eq nil
        expect(@error.message).to eq "Can't establish a connection to the server at ws://www.example.com/socket"
        expect(proxy.status).to eq 403
      end
    end
  end

  describe 'in the :connecting state' do
    before { driver.start }

    describe 'with a valid response' do
      before { driver.parse(response) }

      it 'changes the state to :open' do
        expect(@open).to eq true
        expect(@close).to eq false
        expect(driver.state).to eq :open
      end

      it 'makes the response status available' do
        expect(driver.status).to eq 101
      end

      it 'makes the response headers available' do
        expect(driver.headers['Upgrade']).to eq 'websocket'
      end
    end

    describe 'with a valid response in pieces' do
      it 'opens once the head is complete' do
        driver.parse(response[0, 20])
        expect(@open).to eq false
        expect(driver.status).to eq nil
        driver.parse(response[20..])
        expect(@open).to eq true
      end
    end

    describe 'with a valid response followed by a frame' do
      before do
        resp = response + WebSocket::Driver.encode([0x81, 0x02, 72, 105])
        driver.parse(resp)
      end

      it 'changes the state to :open' do
        expect(@open).to eq true
        expect(@close).to eq false
        expect(driver.state).to eq :open
      end

      it 'parses the frame' do
        expect(@message).to eq 'Hi'
      end
    end

    describe 'with a bad status code' do
      before do
        resp = response.gsub(/101/) { '4' }
        driver.parse(resp)
      end

      it 'changes the state to :closed' do
        expect(@open).to eq false
        expect(@error.message).to eq 'Error during WebSocket handshake: Invalid HTTP response'
        expect(@close).to eq [1002, 'Error during WebSocket handshake: Invalid HTTP response']
        expect(driver.state).to eq :closed
      end
    end

    describe 'with a non-101 status code' do
      before do
        driver.parse("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
      end

      it 'changes the state to :closed' do
        expect(@error.message).to eq 'Error during WebSocket handshake: Unexpected response code: 404'
        expect(@close).to eq [1002, 'Error during WebSocket handshake: Unexpected response code: 404']
        expect(driver.state).to eq :closed
        expect(driver.status).to eq 404
      end
    end

    describe 'with a bad Upgrade header' do
      before do
        resp = response.gsub(/websocket/) { 'wrong' }
        driver.parse(resp)
      end

      it 'changes the state to :closed' do
        expect(@open).to eq false
        expect(@error.message).to eq "Error during WebSocket handshake: 'Upgrade' header value is not 'WebSocket'"
        expect(@close).to eq [1002, "Error during WebSocket handshake: 'Upgrade' header value is not 'WebSocket'"]
        expect(driver.state).to eq :closed
      end
    end

    describe 'with a missing Upgrade header' do
      before do
        driver.parse(response.sub("Upgrade: websocket\r\n", ''))
      end

      it 'changes the state to :closed' do
        expect(@close).to eq [1002, "Error during WebSocket handshake: 'Upgrade' header is missing"]
      end
    end

    describe 'with a bad Connection header' do
      before do
        driver.parse(response.sub('Connection: Upgrade', 'Connection: close'))
      end

      it 'changes the state to :closed' do
        expect(@close).to eq [1002, "Error during WebSocket handshake: 'Connection' header value is not 'Upgrade'"]
      end
    end

    describe 'with a missing Connection header' do
      before do
        driver.parse(response.sub("Connection: Upgrade\r\n", ''))
      end

      it 'changes the state to :closed' do
        expect(@close).to eq [1002, "Error during WebSocket handshake: 'Connection' header is missing"]
      end
    end

    describe 'with a bad Accept header' do
      before do
        resp = response.gsub(/QV3/) { 'wrong' }
        driver.parse(resp)
      end

      it 'changes the state to :closed' do
        expect(@open).to eq false
        expect(@error.message).to eq 'Error during WebSocket handshake: Sec-WebSocket-Accept mismatch'
        expect(@close).to eq [1002, 'Error during WebSocket handshake: Sec-WebSocket-Accept mismatch']
        expect(driver.state).to eq :closed
      end
    end

    describe 'with valid subprotocols' do
      let(:protocols) { %w[foo xmpp] }

      before do
        resp = response.gsub("\r\n\r\n") { "\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n" }
        driver.parse(resp)
      end

      it 'selects the subprotocol' do
        expect(@open).to eq true
        expect(@close).to eq false
        expect(driver.state).to eq :open
        expect(driver.protocol).to eq 'xmpp'
      end
    end

    describe 'with invalid subprotocols' do
      let(:protocols) { %w[foo xmpp] }

      before do
        resp = response.gsub("\r\n\r\n") { "\r\nSec-WebSocket-Protocol: irc\r\n\r\n" }
        driver.parse(resp)
      end

      it 'changes the state to :closed' do
        expect(@open).to eq false
        expect(@error.message).to eq 'Error during WebSocket handshake: Sec-WebSocket-Protocol mismatch'
        expect(@close).to eq [1002, 'Error during WebSocket handshake: Sec-WebSocket-Protocol mismatch']
        expect(driver.state).to eq :closed
        expect(driver.protocol).to eq nil
      end
    end

    describe 'with an extension the client did not offer' do
      before do
        driver.parse(response.gsub("\r\n\r\n") { "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n" })
      end

      it 'changes the state to :closed' do
        expect(@open).to eq false
        expect(@close[0]).to eq 1002
        expect(@error.message).to start_with 'Error during WebSocket handshake: Server sent a'
        expect(driver.state).to eq :closed
      end
    end

    describe 'with frames queued before the response' do
      it 'sends them masked after the handshake' do
        driver.text('Hi')
        driver.parse(response)
        expect(unmask(@bytes)).to eq [0x81, [72, 105]]
      end
    end
  end

  describe 'in the :open state' do
    before do
      driver.start
      driver.parse(response)
    end

    it 'masks text frames' do
      driver.text('Hello')
      expect(unmask(@bytes)).to eq [0x81, [0x48, 0x65, 0x6c, 0x6c, 0x6f]]
    end

    it 'masks binary frames' do
      driver.binary([1, 2, 3])
      expect(unmask(@bytes)).to eq [0x82, [1, 2, 3]]
    end

    it 'masks close frames' do
      driver.close('bye', 1001)
      expect(unmask(@bytes)).to eq [0x88, [0x03, 0xe9, 0x62, 0x79, 0x65]]
      expect(driver.state).to eq :closing
    end

    it 'parses unmasked frames from the server' do
      driver.parse [0x81, 0x02, 0x48, 0x69].pack('C*')
      expect(@message).to eq 'Hi'
    end

    it 'answers a ping with a masked pong' do
      driver.parse [0x89, 0x02, 0x48, 0x69].pack('C*')
      expect(unmask(@bytes)).to eq [0x8a, [0x48, 0x69]]
    end

    it 'closes when the server closes' do
      driver.parse [0x88, 0x02, 0x03, 0xe8].pack('C*')
      expect(unmask(@bytes)).to eq [0x88, [0x03, 0xe8]]
      expect(@close).to eq [1000, '']
      expect(driver.state).to eq :closed
    end

    it 'completes a closing handshake it started' do
      driver.close
      expect(unmask(@bytes)).to eq [0x88, [0x03, 0xe8]]
      expect(@close).to eq false
      driver.parse [0x88, 0x02, 0x03, 0xe9].pack('C*')
      expect(@close).to eq [1001, '']
      expect(driver.state).to eq :closed
    end

    it 'accepts masked frames from the server, as the gem does' do
      driver.parse [0x81, 0x82, 0, 0, 0, 0, 0x48, 0x69].pack('C*')
      expect(@message).to eq 'Hi'
    end

    it 'ignores input once closed' do
      driver.parse [0x88, 0x00].pack('C*')
      driver.parse [0x81, 0x02, 0x48, 0x69].pack('C*')
      expect(@message).to eq ''
    end
  end
end
