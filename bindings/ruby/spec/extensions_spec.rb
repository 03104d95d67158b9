# frozen_string_literal: true

require_relative 'spec_helper'
require 'zlib'
require 'wsdriver/tcp_client'

# Extensions: websocket-extensions-style Ruby objects run through the
# native callback extension, and permessage-deflate configurations mapped to
# the native deflate.
RSpec.describe 'extensions' do
  # An in-memory connection between a Driver.client and a Driver.server;
  # `wire` records every chunk written, per direction.
  class Link
    attr_reader :client, :server, :wire

    class End
      attr_accessor :url

      def initialize(link, dir, url = nil)
        @link = link
        @dir = dir
        @url = url
      end

      def write(data) = @link.queue << [@dir, data.b]
    end

    def queue = @queue

    def initialize(client_options: {}, server_options: {})
      @queue = []
      @wire = []
      @client = WebSocket::Driver.client(End.new(self, :c2s, 'ws://example.com/'), client_options)
      @server = WebSocket::Driver.server(End.new(self, :s2c), server_options)
      @server.on(:connect) { @server.start }
    end

    def pump
      until @queue.empty?
        dir, data = @queue.shift
        @wire << [dir, data]
        (dir == :c2s ? @server : @client).parse(data)
      end
    end

    def open
      @client.start
      pump
      self
    end

    def frames(dir) = @wire.select { |d, _| d == dir }.map(&:last)
  end

  # A websocket-extensions extension that records what it is asked and
  # transforms payloads: it appends its tag on the way out (setting its
  # RSV bit) and strips it on the way in.
  class TagExtension
    attr_reader :name, :log
    attr_accessor :offer, :response, :accept, :server_session, :raise_in, :raise_out

    def initialize(name, log, rsv: 2, tag: nil)
      @name = name
      @log = log
      @rsv = rsv
      @tag = tag || "[#{name}]"
      @offer = { 'mode' => 'tag', 'n' => 3 }
      @response = { 'mode' => 'tag' }
      @accept = true
      @server_session = true
    end

    def type = 'permessage'
    def rsv1 = @rsv == 1
    def rsv2 = @rsv == 2
    def rsv3 = @rsv == 3

    def create_client_session = Session.new(self, :client)

    def create_server_session(offers)
      log << [name, :server, :offers, offers]
      @server_session ? Session.new(self, :server) : nil
    end

    def bit(msg) = msg.public_send(:"rsv#{@rsv}")
    def set_bit(msg, value) = msg.public_send(:"rsv#{@rsv}=", value)
    def tag = @tag

    class Session
      def initialize(ext, side)
        @ext = ext
        @side = side
      end

      def log(*entry) = @ext.log << [@ext.name, @side, *entry]

      def generate_offer = @ext.offer

      def activate(params)
        log(:activate, params)
        @ext.accept
      end

      def generate_response = @ext.response

      def process_outgoing_message(msg)
        log(:out, msg.data, msg.data.encoding, msg.opcode, @ext.bit(msg))
        raise(@ext.raise_out, 'outgoing failed') if @ext.raise_out && msg.data.include?('fail-out')

        msg.data = msg.data + @ext.tag
        @ext.set_bit(msg, true)
        msg
      end

      def process_incoming_message(msg)
        log(:in, msg.data, msg.data.encoding, msg.opcode, @ext.bit(msg))
        raise(@ext.raise_in, 'incoming failed') if @ext.raise_in && msg.data.include?('fail-in')

        out = ::WebSocket::Driver::Hybi::Message.new
        out.opcode = msg.opcode
        out.data = msg.data.delete_suffix(@ext.tag.b)
        out
      end

      def close = log(:close)
    end
  end

  FatalError = Class.new(Exception) # rubocop:disable Lint/InheritException

  def events(driver, into)
    %i[open message error close].each do |name|
      driver.on(name) do |e|
        into << [name, e.is_a?(Exception) ? e.message : e.to_a]
      end
    end
  end

  let(:xlog) { [] }

  describe 'add_extension' do
    let(:valid) { TagExtension.new('x-tag', xlog) }

    it 'checks extensions as websocket-extensions does (TypeErrors with its texts)' do
      d = WebSocket::Driver.server(FakeSocket.new(log))
      bad = Struct.new(:name, :type, :rsv1, :rsv2, :rsv3)
      expect { d.add_extension(Object.new) }.to raise_error(TypeError, 'extension.name must be a string')
      expect { d.add_extension(bad.new('x', 'frame', false, false, false)) }
        .to raise_error(TypeError, 'extension.type must be "permessage"')
      expect { d.add_extension(bad.new('x', 'permessage', nil, false, false)) }
        .to raise_error(TypeError, 'extension.rsv1 must be true or false')
      expect { d.add_extension(bad.new('x', 'permessage', false, 1, false)) }
        .to raise_error(TypeError, 'extension.rsv2 must be true or false')
      expect { d.add_extension(bad.new('x', 'permessage', false, false, 'no')) }
        .to raise_error(TypeError, 'extension.rsv3 must be true or false')
      expect(d.add_extension(valid)).to be true
      expect { d.add_extension(TagExtension.new('x-tag', xlog)) }
        .to raise_error(TypeError, 'An extension with name "x-tag" is already registered')
      c = WebSocket::Driver.client(ClientSocket.new(log, 'ws://example.com/'))
      expect { c.add_extension(Object.new) }.to raise_error(TypeError, 'extension.name must be a string')
    end

    it 'is refused by hixie drivers, as in the gem' do
      d = WebSocket::Driver.rack(FakeSocket.new(log, env: rack_env({ 'Upgrade' => 'WebSocket', 'Host' => 'h' })))
      expect(d.add_extension(valid)).to be false
    end

    it 'leaves a hixie request on Driver.server unaffected' do
      d = wire(WebSocket::Driver.server(FakeSocket.new(log)))
      d.add_extension(valid)
      d.add_extension(WSDriver::PermessageDeflate)
      d.on(:connect) { d.start }
      d.parse(H76 + H76_BODY)
      expect(take_log.map(&:first)).to eq(%i[connect write write open])
    end
  end

  describe 'a Ruby extension between our client and server' do
    it 'negotiates and transforms both ways (lean, for the GC.stress run)', :gc do
      link = Link.new
      link.client.add_extension(TagExtension.new('x-tag', []))
      link.server.add_extension(TagExtension.new('x-tag', []))
      got = []
      link.server.on(:message) { |e| link.server.text("echo #{e.data}") }
      link.client.on(:message) { |e| got << e.data }
      link.open
      link.client.text('hi')
      link.pump
      link.client.close
      link.pump
      expect(got).to eq(['echo hi'])
      expect(link.frames(:c2s)[1].getbyte(0)).to eq(0xA1)
    end

    it 'offers, responds and activates with exact parameters; RSV2 frames both ways' do
      link = Link.new(server_options: { binary_data_format: :string })
      link.client.add_extension(TagExtension.new('x-tag', xlog))
      link.server.add_extension(TagExtension.new('x-tag', xlog))
      seen = []
      events(link.client, seen)
      link.server.on(:message) { |e| link.server.text("echo #{e.data}") }
      link.open

      request = link.frames(:c2s).first
      expect(request).to include("\r\nSec-WebSocket-Extensions: x-tag; mode=tag; n=3\r\n")
      expect(link.frames(:s2c).first).to include("\r\nSec-WebSocket-Extensions: x-tag; mode=tag\r\n")
      expect(link.server.env['HTTP_SEC_WEBSOCKET_EXTENSIONS']).to eq('x-tag; mode=tag; n=3')
      expect(xlog).to eq([['x-tag', :server, :offers, [{ 'mode' => 'tag', 'n' => 3 }]],
                          ['x-tag', :client, :activate, { 'mode' => 'tag' }]])
      xlog.clear
      link.wire.clear

      link.client.text('héllo')
      link.client.binary([1, 2, 3])
      link.pump
      # FIN | RSV2 | opcode on the wire, both directions.
      expect(link.frames(:c2s).map { |f| f.getbyte(0) }).to eq([0xA1, 0xA2])
      expect(link.frames(:s2c).map { |f| f.getbyte(0) }).to eq([0xA1, 0xA1])
      expect(seen).to eq([[:open, []], [:message, ['echo héllo']], [:message, ["echo \x01\x02\x03"]]])
      expect(xlog).to eq([
        ['x-tag', :client, :out, 'héllo', Encoding::UTF_8, 1, false],
        ['x-tag', :client, :out, "\x01\x02\x03".b, Encoding::BINARY, 2, false],
        ['x-tag', :server, :in, 'héllo[x-tag]'.b, Encoding::BINARY, 1, true],
        ['x-tag', :server, :out, 'echo héllo', Encoding::UTF_8, 1, false],
        ['x-tag', :server, :in, "\x01\x02\x03[x-tag]".b, Encoding::BINARY, 2, true],
        ['x-tag', :server, :out, "echo \x01\x02\x03", Encoding::UTF_8, 1, false],
        ['x-tag', :client, :in, 'echo héllo[x-tag]'.b, Encoding::BINARY, 1, true],
        ['x-tag', :client, :in, "echo \x01\x02\x03[x-tag]".b, Encoding::BINARY, 1, true]
      ])
      xlog.clear
      link.client.close
      link.pump
      expect(xlog).to contain_exactly(['x-tag', :client, :close], ['x-tag', :server, :close])
      expect(seen.last).to eq([:close, [1000, '']])
    end

    it 'runs outgoing transforms in registration order and incoming ones in reverse' do
      link = Link.new
      [link.client, link.server].each do |d|
        d.add_extension(TagExtension.new('x-a', xlog, rsv: 2, tag: '<a>'))
        d.add_extension(TagExtension.new('x-b', xlog, rsv: 3, tag: '<b>'))
      end
      got = []
      link.server.on(:message) { |e| got << e.data }
      link.open
      expect(link.frames(:c2s).first).to include("Sec-WebSocket-Extensions: x-a; mode=tag; n=3, x-b; mode=tag; n=3\r\n")
      xlog.clear
      link.wire.clear
      link.client.text('m')
      link.pump
      expect(link.frames(:c2s).first.getbyte(0)).to eq(0xB1) # RSV2 | RSV3
      expect(got).to eq(['m'])
      expect(xlog.map { |name, side, dir, data| [name, side, dir, data] }).to eq([
        ['x-a', :client, :out, 'm'], ['x-b', :client, :out, 'm<a>'],
        ['x-b', :server, :in, 'm<a><b>'], ['x-a', :server, :in, 'm<a>']
      ])
    end

    it 'fails the connection with 1010 "<name>: <message>" when a session raises', :gc do
      link = Link.new
      ext = TagExtension.new('x-tag', xlog)
      ext.raise_in = ArgumentError
      link.client.add_extension(TagExtension.new('x-tag', xlog))
      link.server.add_extension(ext)
      server_events = []
      client_events = []
      events(link.server, server_events)
      events(link.client, client_events)
      link.open
      link.client.text('please fail-in')
      link.pump
      expect(server_events).to eq([[:open, []], [:error, 'x-tag: incoming failed'],
                                   [:close, [1010, 'x-tag: incoming failed']]])
      expect(client_events.last).to eq([:close, [1010, 'x-tag: incoming failed']])
    end

    it 'fails with 1010 when an outgoing transform raises, on the sending side' do
      link = Link.new
      ext = TagExtension.new('x-tag', xlog)
      ext.raise_out = RuntimeError
      link.client.add_extension(ext)
      link.server.add_extension(TagExtension.new('x-tag', xlog))
      client_events = []
      events(link.client, client_events)
      link.open
      link.client.text('fail-out')
      link.pump
      expect(client_events).to include([:close, [1010, 'x-tag: outgoing failed']])
    end

    it 're-raises exceptions that are not StandardErrors after the native call returned' do
      link = Link.new
      ext = TagExtension.new('x-tag', xlog)
      ext.raise_in = FatalError
      link.client.add_extension(TagExtension.new('x-tag', xlog))
      link.server.add_extension(ext)
      server_events = []
      events(link.server, server_events)
      link.open
      link.client.text('fail-in')
      expect { link.pump }.to raise_error(FatalError, 'incoming failed')
      expect(server_events.last).to eq([:close, [1010, 'x-tag: incoming failed']])
    end

    it 'fails the handshake when activate does not return true' do
      link = Link.new
      ext = TagExtension.new('x-tag', xlog)
      ext.accept = nil
      link.client.add_extension(ext)
      link.server.add_extension(TagExtension.new('x-tag', xlog))
      seen = []
      events(link.client, seen)
      link.open
      expect(seen.first).to eq([:error, 'Error during WebSocket handshake: Server sent unacceptable extension parameters: x-tag; mode=tag'])
      expect(link.client.state).to eq(:closed)
    end

    it 'leaves out what the server declines, and RSV bits are then protocol errors' do
      link = Link.new
      ext = TagExtension.new('x-tag', xlog)
      ext.server_session = nil
      link.client.add_extension(TagExtension.new('x-tag', xlog))
      link.server.add_extension(ext)
      link.open
      expect(link.frames(:s2c).first).not_to include('Sec-WebSocket-Extensions')
      expect(link.client.state).to eq(:open)
      seen = []
      events(link.server, seen)
      link.server.parse(frame(1, 'x', rsv: 0x20))
      expect(seen.first[0]).to eq(:error)
      expect(seen.last[1][0]).to eq(1002)
    end

    it 'offers nothing for a client session that is nil or has no offer, and only the first of several' do
      none = TagExtension.new('x-none', xlog)
      def none.create_client_session = nil
      empty = TagExtension.new('x-empty', xlog, rsv: 3)
      empty.offer = nil
      many = TagExtension.new('x-many', xlog, rsv: 1)
      many.offer = [{ 'a' => 1 }, { 'b' => 'two words' }]
      socket = ClientSocket.new(log, 'ws://example.com/')
      c = WebSocket::Driver.client(socket)
      [none, empty, many].each { |e| c.add_extension(e) }
      c.start
      expect(socket.writes.join).to include("\r\nSec-WebSocket-Extensions: x-many; a=1\r\n")
    end
  end

  describe 'permessage-deflate (native)' do
    def inflate(payload)
      z = Zlib::Inflate.new(-Zlib::MAX_WBITS)
      out = z.inflate(payload + "\x00\x00\xff\xff".b)
      z.close
      out
    end

    it 'negotiates between our client and server and compresses with RSV1', :gc do
      big = unstressed { 'compressible ' * 10_000 }
      link = Link.new(server_options: { binary_data_format: :string })
      link.client.add_extension(WSDriver::PermessageDeflate)
      link.server.add_extension(WSDriver::PermessageDeflate)
      got = []
      link.server.on(:message) do |e|
        got << e.data
        link.server.text(e.data) if e.data.encoding == Encoding::UTF_8
      end
      back = []
      link.client.on(:message) { |e| back << e.data }
      link.open
      expect(link.frames(:c2s).first).to include("\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")
      expect(link.frames(:s2c).first).to include("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n")
      link.wire.clear
      link.client.text(big)
      link.client.binary("\x00\xFF".b * 10)
      link.pump
      unstressed do
        expect(got).to eq([big, "\x00\xFF".b * 10])
        expect(back).to eq([big])
        frames = link.frames(:c2s)
        expect(frames.map { |f| f.getbyte(0) }).to eq([0xC1, 0xC2])
        expect(frames[0].bytesize).to be < big.bytesize / 50
        server_frame = link.frames(:s2c).first
        expect(server_frame.getbyte(0)).to eq(0xC1)
        expect(inflate(unmask(server_frame))).to eq(big.b)
      end
    end

    it 'maps configure options to the offer and the response, per side' do
      link = Link.new
      link.client.add_extension(WSDriver::PermessageDeflate.configure(
                                  level: 9, no_context_takeover: true, max_window_bits: 12,
                                  request_no_context_takeover: true, request_max_window_bits: 10
                                ))
      link.server.add_extension(WSDriver::PermessageDeflate.configure(min_size: 100, request_max_window_bits: 11))
      got = []
      link.server.on(:message) { |e| got << e.data }
      link.open
      expect(link.frames(:c2s).first).to include(
        "\r\nSec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; " \
        "server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12\r\n"
      )
      expect(link.frames(:s2c).first).to include(
        "\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; " \
        "server_max_window_bits=10; client_max_window_bits=11\r\n"
      )
      link.wire.clear
      link.client.text('a' * 5000)
      link.server.text('short')
      link.pump
      expect(got).to eq(['a' * 5000])
      expect(link.frames(:c2s).first.getbyte(0)).to eq(0xC1)
      expect(link.frames(:s2c).first.getbyte(0)).to eq(0x81) # under min_size: plain
      expect { WSDriver::PermessageDeflate.configure(level: 10) }
        .to raise_error(WSDriver::PermessageDeflate::ConfigurationError)
      expect { WSDriver::PermessageDeflate.configure(max_window_bits: 16) }
        .to raise_error(WSDriver::PermessageDeflate::ConfigurationError)
      expect { WSDriver::PermessageDeflate.configure(bogus: 1) }
        .to raise_error(WSDriver::PermessageDeflate::ConfigurationError, 'Unrecognized option: :bogus')
    end

    it "maps the permessage_deflate gem's extension objects to the native one" do
      gem_like = Module.new do
        def self.name = 'permessage-deflate'
        def self.type = 'permessage'
        def self.rsv1 = true
        def self.rsv2 = false
        def self.rsv3 = false
        def self.configure(_options) = raise('not used')
        def self.create_client_session = raise('Ruby sessions must not run')
      end
      gem_like.instance_variable_set(:@options, { no_context_takeover: true, max_window_bits: 9 })
      socket = ClientSocket.new(log, 'ws://example.com/')
      c = WebSocket::Driver.client(socket)
      c.add_extension(gem_like)
      c.start
      expect(socket.writes.join).to include(
        "\r\nSec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits=9\r\n"
      )
    end

    it 'answers a raw handshake offering permessage-deflate through faye-websocket (puma), RSV1 both ways',
       :examples do
      port = free_port
      ru = File.join(ROOT, 'examples/ruby/faye_echo.ru')
      pid, = spawn_puma(ru, port)
      begin
        s = TCPSocket.new('127.0.0.1', port)
        s.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" \
                "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
        head = +''
        head << s.readpartial(4096) until head.include?("\r\n\r\n")
        response, rest = head.split("\r\n\r\n", 2)
        expect(response).to start_with('HTTP/1.1 101')
        expect(response).to include("\r\nSec-WebSocket-Extensions: permessage-deflate")
        text = 'deflate me ' * 1000
        z = Zlib::Deflate.new(Zlib::DEFAULT_COMPRESSION, -Zlib::MAX_WBITS)
        payload = z.deflate(text, Zlib::SYNC_FLUSH).byteslice(0...-4)
        s.write(frame(1, payload, rsv: 0x40, key: "\x01\x02\x03\x04"))
        data = rest.b
        data << s.readpartial(65_536) while data.bytesize < 2 || data.bytesize < 2 + (data.getbyte(1) & 0x7f)
        expect(data.getbyte(0)).to eq(0xC1)
        expect(data.getbyte(1) & 0x80).to eq(0)
        expect(inflate(unmask(data))).to eq(text)
        s.close
      ensure
        stop_server(pid)
      end
    end

    it 'works end to end over TCP: TCPClient with deflate against faye-websocket', :examples do
      port = free_port
      ru = File.join(ROOT, 'examples/ruby/faye_echo.ru')
      pid, = spawn_puma(ru, port)
      begin
        ws = WSDriver::TCPClient.new("ws://127.0.0.1:#{port}/", extensions: [WSDriver::PermessageDeflate])
        expect(ws.driver.headers['Sec-WebSocket-Extensions']).to eq('permessage-deflate')
        big = 'z' * 200_000
        ws.text(big)
        expect(ws.receive).to eq(big)
        ws.text('ünïcödé')
        expect(ws.receive).to eq('ünïcödé')
        expect(ws.close.code).to eq(1000)
      ensure
        stop_server(pid)
      end
    end
  end
end
