# frozen_string_literal: true

require_relative 'spec_helper'

RSpec.describe WebSocket::Driver::Proxy do
  def client(url)
    wire(WebSocket::Driver.client(ClientSocket.new(log, url)))
  end

  it 'writes CONNECT with auth and custom headers, once', :gc do
    c = client('wss://user:pw@example.com/x')
    pr = wire(c.proxy('http://puser:ppw@proxy.local:3128'))
    expect(pr.set_header('User-Agent', 'ua')).to be true
    pr.set_header('Host', 'ignored')
    expect([pr.start, pr.start, pr.set_header('a', 'b')]).to eq([true, false, false])
    expect(take_log).to eq([[:write, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\n" \
                                     "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic cHVzZXI6cHB3\r\n" \
                                     "User-Agent: ua\r\n\r\n".b]])
    pr.parse("HTTP/1.1 200 Connection established\r\nX: y\r\n\r\n")
    expect(take_log).to eq([[:connect, []]])
    expect(pr.status).to eq(200)
    expect(pr.headers['x']).to eq('y')
  end

  it 'emits an error for a non-200 answer' do
    pr = wire(client('ws://e.com:8080/').proxy('http://p'))
    pr.start
    take_log
    pr.parse("HTTP/1.1 407 Proxy Auth\r\n\r\n")
    expect(take_log).to eq([[:error, "Can't establish a connection to the server at ws://e.com:8080/"]])
    expect(pr.status).to eq(407)
  end

  it 'keeps bytes after the response for the client' do
    c = client('ws://e.com/')
    pr = wire(c.proxy('http://p'))
    pr.start
    pr.parse("HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 101")
    expect(pr.leftover).to eq('HTTP/1.1 101')
  end
end
