# frozen_string_literal: true

require_relative 'spec_helper'
require 'wsdriver/tcp_client'

# The seed servers in examples/ruby, each run as its own process and driven
# over 127.0.0.1 by WSDriver::TCPClient (our Client driver on a TCPSocket).
RSpec.describe 'examples/ruby servers', :examples do
  EXAMPLES = File.join(ROOT, 'examples/ruby')

  def with_server(cmd, env: {})
    port = free_port
    pid, log_path = spawn_server(cmd.map { |c| c.to_s.gsub('%PORT%', port.to_s) }, port: port, env: env)
    yield port, log_path
  ensure
    stop_server(pid)
  end

  def echo_checks(port, path = '/')
    ws = WSDriver::TCPClient.new("ws://127.0.0.1:#{port}#{path}")
    expect(ws).to be_open
    yield ws if block_given?
    ws.text('hello')
    expect(ws.receive).to eq('hello')
    ws.text('héllo wörld')
    msg = ws.receive
    expect(msg).to eq('héllo wörld')
    expect(msg.encoding).to eq(Encoding::UTF_8)
    ws.binary([1, 2, 255])
    bin = ws.receive
    expect(bin).to eq("\x01\x02\xFF".b)
    big = 'x' * 200_000
    ws.text(big)
    expect(ws.receive).to eq(big)
    pinged = false
    ws.ping('are you there') { pinged = true }
    ws.wait_for { pinged }
    expect(ws.pongs).to include('are you there')
    close = ws.close(1000, 'done')
    expect(close.code).to eq(1000)
    ws
  end

  it 'seed 000: threaded TCP echo server' do
    with_server([RbConfig.ruby, File.join(EXAMPLES, 'tcp_echo_server.rb'), '%PORT%']) do |port, log_path|
      echo_checks(port)
      # several clients at once
      clients = 3.times.map { WSDriver::TCPClient.new("ws://127.0.0.1:#{port}/") }
      clients.each_with_index { |c, i| c.text("client #{i}") }
      expect(clients.map(&:receive)).to eq(['client 0', 'client 1', 'client 2'])
      clients.each(&:close)
      sleep 0.2
      expect(File.read(log_path)).to include('Connection with 127.0.0.1 closed.')
    end
  end

  it 'seed 001: EventMachine echo server and the TCP client script' do
    with_server([RbConfig.ruby, File.join(EXAMPLES, 'em_echo_server.rb'), '%PORT%']) do |port, _log|
      echo_checks(port)
      out = IO.popen([RbConfig.ruby, File.join(EXAMPLES, 'tcp_client.rb'), "ws://127.0.0.1:#{port}/", 'hello', 'world'],
                     err: %i[child out], &:read)
      expect(out.lines.map(&:chomp)).to eq(%w[hello world])
    end
  end

  it 'seed 001: a non-WebSocket request gets a 400' do
    with_server([RbConfig.ruby, File.join(EXAMPLES, 'em_echo_server.rb'), '%PORT%']) do |port, _log|
      s = TCPSocket.new('127.0.0.1', port)
      s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
      expect(s.read).to start_with('HTTP/1.1 400')
      s.close
    end
  end

  it 'seed 002: em-websocket style API (onopen handshake, onmessage, ping/pong, close codes, errors)' do
    with_server([RbConfig.ruby, File.join(EXAMPLES, 'em_websocket_server.rb'), '%PORT%']) do |port, log_path|
      ws = WSDriver::TCPClient.new("ws://127.0.0.1:#{port}/room?x=1")
      expect(ws.receive).to eq('Hello Client, you connected to /room')
      ws.text('hi')
      expect(ws.receive).to eq('Pong: hi')
      ws.text('info')
      expect(ws.receive).to eq('pingable=true close_codes=true')
      ws.text('ping-me')
      ws.wait_for { ws.pings.include?('hi') }
      expect(ws.receive).to eq('got pong hi')
      ws.text('boom')
      expect(ws.receive).to eq('error: application error')
      ws.binary([7, 8])
      expect(ws.receive).to eq("\x07\x08".b)
      ws.text('close-4001')
      ws.wait_for { ws.closed? }
      expect([ws.close_event.code, ws.close_event.reason]).to eq([4001, 'asked to'])
      sleep 0.2
      out = File.read(log_path)
      expect(out).to include('WebSocket connection open')
      expect(out).to include('Received message: "hi"')
      expect(out).to include('Connection closed (4001, clean: true)')
    end
  end

  it 'seed 002: max_frame_size closes with 1009' do
    script = <<~RUBY
      require #{File.join(EXAMPLES, '_setup').inspect}
      require 'wsdriver/em'
      $stdout.sync = true
      EM.run do
        trap('TERM') { EM.stop }
        WSDriver::EM.max_frame_size = 1000
        WSDriver::EM.run(host: '127.0.0.1', port: Integer(ENV['PORT'])) do |ws|
          ws.onmessage { |m| ws.send(m) }
          ws.onerror { |e| puts "onerror \#{e.class}: \#{e.message}" }
          ws.onclose { |i| puts "onclose \#{i.inspect}" }
          ws.onopen do
            begin
              ws.close(1001)
            rescue WSDriver::EM::WebSocketError => e
              puts "refused \#{e.message}"
            end
          end
        end
      end
    RUBY
    with_server([RbConfig.ruby, '-e', script]) do |port, log_path|
      ws = WSDriver::TCPClient.new("ws://127.0.0.1:#{port}/")
      ws.text('small')
      expect(ws.receive).to eq('small')
      ws.text('x' * 1001)
      ws.wait_for { ws.closed? }
      expect(ws.close_event.code).to eq(1009)
      sleep 0.2
      out = File.read(log_path)
      expect(out).to include('refused Application code may only use codes from 1000, 3000-4999')
      expect(out).to include('onerror WSDriver::EM::InvalidDataError: WebSocket frame length too large')
      expect(out).to include('onclose {:was_clean=>true, :code=>1009')
    end
  end

  %w[puma thin].each do |server|
    it "seed 003: Rack application on #{server}" do
      ru = File.join(EXAMPLES, 'rack_echo.ru')
      cmd = if server == 'puma'
              ['puma', '-b', 'tcp://127.0.0.1:%PORT%', '-t', '2:4', ru]
            else
              ['thin', '-a', '127.0.0.1', '-p', '%PORT%', '-R', ru, 'start']
            end
      with_server(cmd) do |port, log_path|
        ws = nil
        echo_checks(port, '/room') do |c|
          ws = c
          expect(c.receive).to eq('Hello to you! (/room)')
          c.text('boom')
          expect(c.receive).to eq('error: boom!')
        end
        forbidden = WSDriver::TCPClient.new("ws://127.0.0.1:#{port}/forbidden")
        forbidden.wait_for { forbidden.closed? }
        expect([forbidden.close_event.code, forbidden.close_event.reason]).to eq([4000, 'wrong path'])
        bye = WSDriver::TCPClient.new("ws://127.0.0.1:#{port}/bye")
        bye.receive
        bye.text('bye')
        bye.wait_for { bye.closed? }
        expect(bye.close_event.code).to eq(1000)
        plain = TCPSocket.new('127.0.0.1', port)
        plain.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        expect(plain.read).to include('400').and include('WebSocket connection expected')
        sleep 0.3
        expect(File.read(log_path)).to include('Client disconnected from /room')
      end
    end
  end
end
