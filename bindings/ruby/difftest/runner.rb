# frozen_string_literal: true

# One side of the differential test: replays a case stream on whichever
# `websocket/driver` is first on the load path (the 0.8 gem or the drop-in)
# and writes one trace per case: every write, event, return value and
# exception, in order.
#   ruby -I LIB runner.rb CASES_FILE TRACES_FILE
require 'stringio'
require 'websocket/driver'
require_relative 'cases'

module DiffRunner
  # Client keys are fixed so both sides write the same handshake.
  WebSocket::Driver::Client.define_singleton_method(:generate_key) { DiffCases::KEY }

  # A client's socket has no `env` (the gem's Hybi reads it if it exists).
  ClientSocket = Struct.new(:trace, :url) do
    def write(data)
      trace << [:write, data.b]
    end
  end
  Socket = Struct.new(:trace, :url, :env) do
    def write(data)
      trace << [:write, data.b]
    end
  end

  module_function

  # Client frames carry random masks: the trace keeps them unmasked, with a
  # zero key, so both sides compare equal.
  def unmask(data)
    return data if data.bytesize < 2 || data.getbyte(1) & 0x80 == 0 || data.start_with?('GET ')

    n = data.getbyte(1) & 0x7f
    at = 2 + { 126 => 2, 127 => 8 }.fetch(n, 0)
    return data if data.bytesize < at + 4

    key = data.byteslice(at, 4).bytes
    body = data.byteslice(at + 4..).bytes.each_with_index.map { |c, i| c ^ key[i % 4] }
    (data.byteslice(0, at) + "\0\0\0\0" + body.pack('C*')).b
  end

  def str(s)
    s.is_a?(String) ? [s.b, s.encoding.name] : s
  end

  def run_case(c)
    trace = []
    sock = (c[:kind] == :client ? ClientSocket : Socket).new(trace, c[:url])
    if c[:env]
      env = c[:env].dup
      env['rack.input'] = StringIO.new(env['rack.input'].dup)
      sock.env = env
    end
    driver = begin
      case c[:kind]
      when :server then WebSocket::Driver.server(sock, c[:opts])
      when :rack then WebSocket::Driver.rack(sock, c[:opts])
      when :client then WebSocket::Driver.client(sock, c[:opts])
      end
    rescue StandardError => e
      return trace << [:raise, e.class.name, e.message]
    end
    listen(driver, c, trace)
    c[:steps].each { |step| call(driver, step, trace) }
    trace << [:state, driver.state]
    trace.each { |t| t[1] = unmask(t[1]) if t[0] == :write } if c[:kind] == :client
    trace
  end

  def listen(driver, c, trace)
    driver.on(:connect) do
      trace << [:connect]
      trace << [:start_in_connect, driver.start] if c[:on_connect] == :start
    end
    driver.on(:open) do
      trace << [:open]
      case c[:on_open]
      when :text then driver.text('hello')
      when :close then driver.close('from open', 4001)
      end
    end
    driver.on(:message) do |e|
      trace << [:message, str(e.data)]
      case c[:on_message]
      when :echo then e.data.is_a?(String) && e.data.encoding == Encoding::UTF_8 ? driver.text(e.data) : driver.binary(e.data)
      when :close then driver.close
      when :ping then driver.ping('x')
      end
    end
    driver.on(:error) { |e| trace << [:error, e.class.name, e.message.b] }
    driver.on(:close) { |e| trace << [:close, e.code, str(e.reason)] }
    driver.on(:ping) { |e| trace << [:ping, str(e.data)] }
    driver.on(:pong) { |e| trace << [:pong, str(e.data)] }
  end

  def call(driver, step, trace)
    name, *args = step
    result = case name
             when :parse then driver.parse(args[0].dup)
             when :state then driver.state
             when :ping_cb then driver.ping(args[0]) { trace << [:ping_callback] }
             when :text then driver.text(args[0].dup.force_encoding(Encoding::UTF_8))
             else driver.public_send(name, *args)
             end
    trace << [name, result] unless name == :parse
  rescue StandardError => e
    trace << [:raise, name, e.class.name, e.message]
  end
end

if $PROGRAM_NAME == __FILE__
  cases = Marshal.load(File.binread(ARGV[0]))
  traces = cases.map { |c| DiffRunner.run_case(c) }
  File.binwrite(ARGV[1], Marshal.dump(traces))
end
