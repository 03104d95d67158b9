# frozen_string_literal: true

require_relative 'spec_helper'

# The gem's behaviour under threads (ActionCable transmits from its worker
# pool while its event loop thread parses): a send from any thread is on the
# socket before it returns; listeners run one at a time, in wire order, on
# the parsing thread; frames never interleave; nothing stays queued.
RSpec.describe 'threads' do
  # Records every write with the time and thread it happened on.
  class TimedSocket
    attr_reader :writes

    def initialize
      @writes = []
    end

    def write(data)
      @writes << [Process.clock_gettime(Process::CLOCK_MONOTONIC), Thread.current, data.b]
    end

    def bytes
      @writes.map { |w| w[2] }.join
    end
  end

  # A server driver that answered a client driver's handshake; `sink` gets
  # the server's writes from then on, and `client` can decode them.
  def open_pair(sink)
    client_out = []
    client = WebSocket::Driver.client(Struct.new(:url, :out) { def write(d) = out << d }
                                           .new('ws://example.com/chat', client_out))
    server_out = []
    socket = Struct.new(:out) { def write(d) = out << d }.new(server_out)
    server = WebSocket::Driver.server(socket)
    server.on(:connect) { server.start }
    client.start
    server.parse(client_out.join)
    client.parse(server_out.join)
    expect(client.state).to eq(:open)
    server.instance_variable_set(:@socket, sink)
    [server, client]
  end

  def client_frames(messages)
    messages.map { |m| frame(1, m) }.join
  end

  it "writes another thread's send at once while a listener sleeps 2 s on the parsing thread" do
    sink = TimedSocket.new
    server, = open_pair(sink)
    listener_thread = nil
    server.on(:message) do
      listener_thread = Thread.current
      sleep 2
    end
    parser = Thread.new { server.parse(frame(1, 'slow')) }
    sleep 0.5
    called = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    expect(server.text('from another thread')).to be(true)
    returned = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    expect(sink.writes.size).to eq(1)
    at, thread, bytes = sink.writes.first
    expect(bytes).to eq("\x81\x13from another thread".b)
    expect(thread).to be(Thread.current)
    expect(at - called).to be < 0.1
    expect(returned - called).to be < 0.1
    expect(parser.alive?).to be(true) # the listener still sleeps
    parser.join
    expect(listener_thread).to be(parser)
  end

  it '8 threads x 10,000 sends while another thread parses 100,000 messages: whole frames, all messages, ' \
     'each thread in order, listeners on the parsing thread, nothing left queued' do
    sink = TimedSocket.new
    server, client = open_pair(sink)
    received = 0
    wrong_thread = 0
    parser_thread = nil
    server.on(:message) do |e|
      received += 1 if e.data.start_with?('in ')
      wrong_thread += 1 unless Thread.current.equal?(parser_thread)
    end
    stream = client_frames((0...100_000).map { |i| "in #{i}" })
    parser_thread = Thread.new do
      Thread.stop
      off = 0
      while off < stream.bytesize
        server.parse(stream.byteslice(off, 8192))
        off += 8192
      end
    end
    Thread.pass until parser_thread.stop?
    senders = (0...8).map do |t|
      Thread.new do
        Thread.current.name = "t#{t}"
        Thread.stop
        10_000.times { |n| raise "send #{t}/#{n} refused" unless server.text("t#{t} #{n}") }
      end
    end
    Thread.pass until senders.all?(&:stop?)
    (senders + [parser_thread]).each(&:run)
    (senders + [parser_thread]).each(&:join)

    expect(received).to eq(100_000)
    expect(wrong_thread).to eq(0)
    expect(server.buffered_amount).to eq(0)
    got = Hash.new { |h, k| h[k] = [] }
    client.on(:message) do |e|
      t, n = e.data.split
      got[t] << n.to_i
    end
    errors = []
    client.on(:error) { |e| errors << e.message }
    client.parse(sink.bytes)
    expect(errors).to eq([])
    expect(got.keys.sort).to eq((0...8).map { |t| "t#{t}" })
    got.each_value { |list| expect(list).to eq((0...10_000).to_a) }
    expect(sink.writes.size).to eq(80_000) # one write per frame
    # ... made by the sending thread itself (short frames: 2-byte header).
    misplaced = sink.writes.count { |_, thread, bytes| !bytes.byteslice(2..).start_with?("#{thread.name} ") }
    expect(misplaced).to eq(0)
  end

  it 'the same under GC.stress, shorter (4 threads x 30 sends, 300 messages parsed)', :gc do
    sink = TimedSocket.new
    server, client = nil
    unstressed { server, client = open_pair(sink) }
    received = 0
    server.on(:message) { received += 1 }
    stream = unstressed { client_frames((0...300).map { |i| "in #{i}" }) }
    parser = Thread.new { stream.bytes.each_slice(700) { |s| server.parse(s.pack('C*')) } }
    senders = (0...4).map { |t| Thread.new { 30.times { |n| server.text("t#{t} #{n}") } } }
    (senders + [parser]).each(&:join)
    unstressed do
      expect(received).to eq(300)
      got = Hash.new { |h, k| h[k] = [] }
      client.on(:message) { |e| t, n = e.data.split; got[t] << n.to_i }
      client.parse(sink.bytes)
      expect(got.size).to eq(4)
      got.each_value { |list| expect(list).to eq((0...30).to_a) }
    end
  end

  it 'start inside :connect writes the 101 and emits :open before it returns (as the gem)' do
    order = []
    socket = Struct.new(:order) { def write(_) = order << :write }.new(order)
    server = WebSocket::Driver.server(socket)
    server.on(:open) { order << :open }
    server.on(:connect) do
      order << :connect
      server.start
      order << :start_returned
    end
    server.parse(REQUEST)
    expect(order).to eq(%i[connect write open start_returned])
  end

  it 'input parsed from a listener of an event a command caused is delivered before the command returns' do
    order = []
    socket = Struct.new(:order) { def write(_) = nil }.new(order)
    server = WebSocket::Driver.server(socket)
    server.parse(REQUEST) # :connect, not answered yet
    server.on(:open) do
      order << :open
      server.parse(frame(1, 'hi'))
    end
    server.on(:message) { |e| order << e.data }
    server.start
    order << :start_returned
    expect(order).to eq([:open, 'hi', :start_returned])
    expect(server.buffered_amount).to eq(0)
  end

  it 'a ping without a callback is never refused for pending pongs (1,100 in a row)' do
    d = open_server
    results = Array.new(1100) { d.ping('x') }
    expect(results.count(false)).to eq(0)
    expect(d.ping('cb') {}).to be(true)
  end
end
