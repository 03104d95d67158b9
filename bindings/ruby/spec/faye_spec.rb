# frozen_string_literal: true

require_relative 'spec_helper'
require 'wsdriver/tcp_client'

# Debian's faye-websocket, unmodified, served by puma, with this binding
# first on the load path: faye's `require 'websocket/driver'` gets the
# libwsdriver-backed driver.
RSpec.describe 'faye-websocket on wsdriver', :examples do
  around do |example|
    @port = free_port
    ru = File.join(ROOT, 'examples/ruby/faye_echo.ru')
    @pid, @log_path = spawn_puma(ru, @port)
    example.run
  ensure
    stop_server(@pid)
  end

  let(:url) { "ws://127.0.0.1:#{@port}/" }

  it 'uses our native driver, not /usr/lib/ruby/vendor_ruby/websocket/driver.rb' do
    ws = WSDriver::TCPClient.new(url)
    ws.text('whoami')
    answer = ws.receive
    ours = File.join(LIB, 'websocket/driver.rb')
    expect(answer).to include('native=true')
    expect(answer).to include("driver=#{ours} ")
    expect(answer).not_to include('vendor_ruby/websocket/driver.rb')
    expect(answer).to include("parse=#{File.join(LIB, 'websocket/driver/dispatch.rb')}")
    expect(answer).to match(/lib=\S*libwsdriver/)
    ws.close
  end

  it 'exchanges text, binary, pings both ways, and closes' do
    ws = WSDriver::TCPClient.new(url)
    ws.text('hello faye')
    expect(ws.receive).to eq('hello faye')
    ws.text('ünïcödé')
    expect(ws.receive).to eq('ünïcödé')
    ws.binary([0, 1, 2, 254, 255])
    expect(ws.receive).to eq("\x00\x01\x02\xFE\xFF".b)
    answered = false
    ws.ping('client ping') { answered = true }
    ws.wait_for { answered }
    ws.text('ping-me')
    ws.wait_for { ws.pings.include?('faye') }
    expect(ws.receive).to eq('pong received')
    big = 'y' * 100_000
    ws.text(big)
    expect(ws.receive).to eq(big)
    event = ws.close(1000, 'bye')
    expect(event.code).to eq(1000)
  end

  it 'serves plain HTTP requests through to the app' do
    s = TCPSocket.new('127.0.0.1', @port)
    s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    expect(s.read).to include('faye-websocket on wsdriver')
    s.close
  end
end
