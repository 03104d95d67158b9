#!/usr/bin/env ruby
# frozen_string_literal: true

# Compares the libwsdriver-backed WebSocket::Driver with the pure-Ruby
# websocket-driver gem (Debian's ruby-websocket-driver). Both define
# WebSocket::Driver, so each runs in its own subprocess; this process
# prints one markdown table.
#
#   ruby bindings/ruby/bench/bench.rb [--time SECONDS] [--sizes 16,1024,...]
#
# Each cell is the best of --repeat runs (default 3) of --time seconds, to
# damp noise from other load on the machine. Seconds are the worker's CPU
# time by default (--clock cpu), so that time the scheduler gives to other
# jobs on a shared machine is not counted; --clock wall measures elapsed
# time instead.
#
# WSDRIVER_BENCH_GEM_LIB=dir[:dir] puts another copy of the gem first on
# the load path of the pure-Ruby worker (e.g. the 0.8.2 sources).
#
# Workloads, per message size (text messages of 'x'):
#   parse  - a server driver parses masked client frames fed in 64 KiB reads
#   send   - a server driver sends unmasked frames (socket.write is a no-op)
#   send-m - a client driver sends masked frames

require 'json'
require 'rbconfig'
require 'optparse'

LIB = File.expand_path('../lib', __dir__)

options = { time: 1.0, repeat: 3, rounds: 2, sizes: [16, 1024, 65_536, 1_048_576], worker: nil, clock: 'cpu' }
OptionParser.new do |o|
  o.on('--time SECONDS', Float) { |v| options[:time] = v }
  o.on('--sizes LIST', String) { |v| options[:sizes] = v.split(',').map { |s| Integer(s) } }
  o.on('--repeat N', Integer) { |v| options[:repeat] = v }
  o.on('--rounds N', Integer) { |v| options[:rounds] = v }
  o.on('--worker KIND', String) { |v| options[:worker] = v }
  o.on('--clock KIND', %w[cpu wall]) { |v| options[:clock] = v }
end.parse!
CLOCK = options[:clock] == 'cpu' ? Process::CLOCK_PROCESS_CPUTIME_ID : Process::CLOCK_MONOTONIC

module Bench
  REQUEST = "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
  CHUNK = 65_536

  class NullSocket
    attr_reader :bytes, :url

    def initialize(url = nil)
      @bytes = 0
      @url = url
    end

    def write(data)
      @bytes += data.bytesize
    end
  end

  module_function

  def now = Process.clock_gettime(CLOCK)

  def masked_frame(payload, rng)
    len = payload.bytesize
    head = if len <= 125 then [0x81, 0x80 | len].pack('C2')
           elsif len <= 65_535 then [0x81, 0xFE, len].pack('C2n')
           else [0x81, 0xFF, len].pack('C2Q>')
           end
    key = rng.bytes(4)
    k = key.unpack1('N')
    words = payload.bytesize / 4
    body = payload.unpack("N#{words}a*")
    tail = body.pop
    masked = body.map { |w| w ^ k }.pack('N*')
    kb = key.bytes
    masked << tail.bytes.each_with_index.map { |b, i| b ^ kb[i] }.pack('C*')
    head + key + masked
  end

  def server
    socket = NullSocket.new
    driver = WebSocket::Driver.server(socket)
    driver.on(:connect) { driver.start }
    driver.parse(REQUEST)
    [driver, socket]
  end

  def client
    socket = NullSocket.new('ws://example.com/')
    driver = WebSocket::Driver.client(socket)
    driver.start
    accept = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
    key = driver.instance_variable_get(:@key)
    accept = WebSocket::Driver::Hybi.generate_accept(key) if key
    driver.parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
                 "Sec-WebSocket-Accept: #{accept}\r\n\r\n")
    [driver, socket]
  end

  def parse(size, min_time)
    rng = Random.new(42)
    payload = 'x' * size
    frames = [(4 << 20) / (size + 14), 4].max
    stream = String.new(capacity: frames * (size + 14), encoding: Encoding::BINARY)
    frames.times { stream << masked_frame(payload, rng) }
    chunks = (0...stream.bytesize).step(CHUNK).map { |off| stream.byteslice(off, CHUNK) }

    driver, = server
    count = 0
    driver.on(:message) { |_e| count += 1 }
    chunks.each { |c| driver.parse(c) } # warm-up
    count = 0
    bytes = 0
    start = now
    loop do
      chunks.each { |c| driver.parse(c) }
      bytes += stream.bytesize
      break if now - start >= min_time
    end
    elapsed = now - start
    raise "parsed #{count} messages, expected #{frames}" unless count % frames == 0 && count.positive?

    { msgs: count / elapsed, mbps: bytes / elapsed / 1e6 }
  end

  def send(size, min_time, masked)
    driver, socket = masked ? client : server
    payload = 'x' * size
    batch = [(1 << 22) / size, 1].max.clamp(1, 10_000)
    batch.times { driver.text(payload) } # warm-up
    count = 0
    before = socket.bytes
    start = now
    loop do
      batch.times { driver.text(payload) }
      count += batch
      break if now - start >= min_time
    end
    elapsed = now - start
    { msgs: count / elapsed, mbps: (socket.bytes - before) / elapsed / 1e6 }
  end
end

if options[:worker]
  if options[:worker] == 'native'
    $LOAD_PATH.unshift(LIB)
  elsif ENV['WSDRIVER_BENCH_GEM_LIB']
    ENV['WSDRIVER_BENCH_GEM_LIB'].split(':').reverse_each { |d| $LOAD_PATH.unshift(d) }
  end
  require 'websocket/driver'
  path = $LOADED_FEATURES.grep(%r{websocket/driver\.rb\z}).first
  version = if defined?(WSDriver::VERSION) then "wsdriver #{WSDriver::VERSION} (#{WSDriver::Native.library_path})"
            else
              spec = Gem.loaded_specs['websocket-driver']
              "websocket-driver #{spec ? spec.version : '?'} (#{path})"
            end
  results = { 'impl' => version }
  best = ->(runs) { runs.max_by { |r| r[:msgs] } }
  options[:sizes].each do |size|
    results[size.to_s] = {
      'parse' => best.(Array.new(options[:repeat]) { Bench.parse(size, options[:time]) }),
      'send' => best.(Array.new(options[:repeat]) { Bench.send(size, options[:time], false) }),
      'send_masked' => best.(Array.new(options[:repeat]) { Bench.send(size, options[:time], true) })
    }
  end
  puts JSON.generate(results)
  exit
end

def run_worker(kind, options)
  cmd = [RbConfig.ruby, __FILE__, '--worker', kind, '--time', options[:time].to_s, '--repeat', options[:repeat].to_s,
         '--sizes', options[:sizes].join(','), '--clock', options[:clock]]
  out = IO.popen(cmd, &:read)
  raise "#{kind} worker failed" unless $?.success?

  JSON.parse(out.lines.last)
end

def human(n)
  if n >= 1e6 then format('%.2fM', n / 1e6)
  elsif n >= 1e3 then format('%.1fk', n / 1e3)
  else format('%.1f', n)
  end
end

def size_label(size)
  if size >= 1 << 20 then "#{size >> 20} MiB"
  elsif size >= 1 << 10 then "#{size >> 10} KiB"
  else "#{size} B"
  end
end

# Alternate the two workers (gem, native, gem, native ...) and keep each
# cell's best, so a change in machine load does not favour either side.
def merge_best(a, b)
  return b unless a

  a.merge(b) do |key, x, y|
    next x if key == 'impl'

    x.merge(y) { |_, r1, r2| r1['msgs'] >= r2['msgs'] ? r1 : r2 }
  end
end

gem = native = nil
options[:rounds].times do
  gem = merge_best(gem, run_worker('gem', options))
  native = merge_best(native, run_worker('native', options))
end

puts "pure Ruby: #{gem['impl']}"
puts "native:    #{native['impl']}"
puts "ruby #{RUBY_VERSION}; #{options[:rounds]} alternating rounds, best of #{options[:repeat]} runs of #{options[:time]}s " \
     "(#{options[:clock]} time) per cell; msg/s (MB/s of payload+framing)"
puts
puts '| size | workload | pure-Ruby gem | wsdriver | ratio |'
puts '|---:|---|---:|---:|---:|'
options[:sizes].each do |size|
  { 'parse' => 'parse (masked client frames)', 'send' => 'send (server, unmasked)',
    'send_masked' => 'send (client, masked)' }.each do |key, label|
    g = gem[size.to_s][key]
    n = native[size.to_s][key]
    puts format('| %s | %s | %s msg/s (%.1f MB/s) | %s msg/s (%.1f MB/s) | %.1f× |',
                size_label(size), label, human(g['msgs']), g['mbps'], human(n['msgs']), n['mbps'],
                n['msgs'] / g['msgs'])
  end
end
