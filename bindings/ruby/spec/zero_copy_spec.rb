# frozen_string_literal: true

require_relative 'spec_helper'

# parse of chunks of 4 KiB and more goes through ws_lend: the driver parses
# in place out of the chunk as the binding polls, and stores what it has not
# read when the binding stops (a listener raised, or input from a listener).
RSpec.describe 'zero-copy parse (large chunks)' do
  def frames(count, size = 100)
    (0...count).map { |i| frame(1, format('%04d', i).ljust(size, '.')) }.join
  end

  def texts(range, size = 100)
    range.map { |i| format('%04d', i).ljust(size, '.') }
  end

  it 'delivers every message of a chunk in order; partial frames carry over to the next chunk' do
    d = open_server
    got = []
    d.on(:message) { |e| got << e.data }
    stream = frames(300) + frame(2, 'b' * 70_000)
    cut = [4096, 20_001, 29_999, stream.bytesize]
    start = 0
    cut.each do |stop|
      d.parse(stream.byteslice(start...stop))
      start = stop
    end
    expect(got.size).to eq(301)
    expect(got.first(300)).to eq(texts(0...300))
    expect(got.last).to eq(('b' * 70_000).b)
  end

  it 'keeps the unread part of the chunk when a listener raises, for the next call', :gc do
    d = open_server
    got = []
    d.on(:message) do |e|
      got << e.data
      raise ArgumentError, 'listener failed' if got.size == 2
    end
    chunk, small, first, all = unstressed do
      [frames(5, 20_000), frames(1), texts(0...2, 20_000), texts(0...5, 20_000) + texts(0...1)]
    end
    # Large messages: read in place, one by one.
    expect { d.parse(chunk) }.to raise_error(ArgumentError, 'listener failed')
    expect(got == first).to be true
    d.parse(small) # a small chunk: stored after what is pending
    expect(got == all).to be true
  end

  it 'keeps the unread part when a listener raises among small messages' do
    d = open_server
    got = []
    d.on(:message) do |e|
      got << e.data
      raise ArgumentError, 'listener failed' if got.size == 10
    end
    chunk = frames(50)
    expect(chunk.bytesize).to be >= 4096
    expect { d.parse(chunk) }.to raise_error(ArgumentError, 'listener failed')
    expect(got).to eq(texts(0...10))
    d.parse(frames(1))
    expect(got).to eq(texts(0...50) + texts(0...1))
  end

  it "is not disturbed by a listener that modifies the caller's String", :gc do
    d = open_server
    got = []
    chunk = unstressed { frames(3, 20_000) }
    d.on(:message) do |e|
      got << e.data.bytesize
      chunk.replace('x' * 100_000) if got.size == 1
      chunk.clear if got.size == 2
    end
    d.parse(chunk)
    expect(got).to eq([20_000] * 3)
  end

  it "is not disturbed by a listener that modifies the caller's String (small messages)" do
    d = open_server
    got = []
    chunk = frames(60)
    d.on(:message) do |e|
      got << e.data
      chunk.replace('x' * 100_000) if got.size == 1
      chunk.clear if got.size == 2
    end
    d.parse(chunk)
    expect(got).to eq(texts(0...60))
  end

  it 'delivers writes made by listeners in order between messages' do
    d = open_server
    d.on(:message) { |e| d.text("echo #{e.data[0, 4]}") if e.data.start_with?('000') }
    d.parse(frames(50) + frame(9, 'p') + frames(2))
    writes = take_log.select { |kind, _| kind == :write }.map(&:last)
    expect(writes).to eq((0...10).map { |i| "\x81\x09echo 000#{i}".b } + ["\x8A\x01p".b, "\x81\x09echo 0000".b,
                                                                           "\x81\x09echo 0001".b])
  end

  it 'parses the request head and the first frames from one chunk' do
    socket = FakeSocket.new(log)
    d = wire(WebSocket::Driver.server(socket))
    d.on(:connect) { d.start }
    d.parse(REQUEST + frames(60))
    kinds = take_log.map(&:first)
    expect(kinds.first(3)).to eq(%i[connect write open])
    expect(kinds.count(:message)).to eq(60)
  end

  it 'delivers input parsed from a listener after the rest of the lent chunk', :gc do
    d = open_server
    got = []
    chunk, extra = unstressed { [frames(3, 20_000) + frames(40), frames(2, 9000)] }
    d.on(:message) do |e|
      got << e.data
      d.parse(extra) if got.size == 1
    end
    d.parse(chunk)
    expect(got == texts(0...3, 20_000) + texts(0...40) + texts(0...2, 9000)).to be true
  end

  it 'accepts frozen chunks and parse called from a listener' do
    d = open_server
    got = []
    d.on(:message) do |e|
      got << e.data
      d.parse(frames(45).freeze) if got.size == 1
    end
    d.parse(frames(45).freeze)
    expect(got.size).to eq(90)
    expect(got.first(2)).to eq(texts(0...2))
  end
end
