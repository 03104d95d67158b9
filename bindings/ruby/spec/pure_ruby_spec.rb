# frozen_string_literal: true

require_relative 'spec_helper'

RSpec.describe 'pure-Ruby surface' do
  describe WebSocket::Driver::EventEmitter do
    let(:emitter) { Class.new { include WebSocket::Driver::EventEmitter }.new }

    it 'treats symbols and strings as the same event and keeps insertion order' do
      calls = []
      emitter.on(:x) { |a| calls << [:first, a] }
      emitter.on('x') { |a| calls << [:second, a] }
      emitter.emit('x', 1)
      emitter.emit(:x, 2)
      expect(calls).to eq([[:first, 1], [:second, 1], [:first, 2], [:second, 2]])
    end

    it 'returns the listener and accepts a callable' do
      callable = ->(e) { e }
      expect(emitter.on(:a, callable)).to equal(callable)
      expect(emitter.listeners(:a)).to eq([callable])
      expect(emitter.listener_count('a')).to eq(1)
    end

    it 'emits over a copy: listeners added while emitting wait for the next emit' do
      calls = []
      emitter.on(:e) do
        calls << :outer
        emitter.on(:e) { calls << :inner }
      end
      emitter.emit(:e)
      expect(calls).to eq([:outer])
      emitter.emit(:e)
      expect(calls).to eq(%i[outer outer inner])
    end

    it 'removes all equal listeners, one event or everything' do
      l = proc {}
      emitter.on(:a, l)
      emitter.on(:a, l)
      emitter.on(:b, l)
      emitter.remove_listener(:a, l)
      expect(emitter.listener_count(:a)).to eq(0)
      emitter.remove_all_listeners(:b)
      expect(emitter.listener_count(:b)).to eq(0)
      emitter.on(:c, l)
      emitter.remove_all_listeners
      expect(emitter.listener_count(:c)).to eq(0)
    end

    it 'drops an error event with no listener' do
      expect { emitter.emit(:error, StandardError.new('x')) }.not_to raise_error
    end
  end

  describe WebSocket::Driver::Headers do
    it 'looks up received headers through normalisation' do
      h = WebSocket::Driver::Headers.new('HTTP_FOO_BAR' => 'x', 'Content-Type' => 'y')
      expect([h['foo-bar'], h['CONTENT_TYPE'], h['Foo_Bar']]).to eq(%w[x y x])
      expect(h.to_h).to eq('HTTP_FOO_BAR' => 'x', 'Content-Type' => 'y')
      expect(h.inspect).to eq({ 'HTTP_FOO_BAR' => 'x', 'Content-Type' => 'y' }.inspect)
    end

    it 'serialises sent headers, dropping repeats except the allowed ones' do
      h = WebSocket::Driver::Headers.new
      h['Set-Cookie'] = 'a'
      h['set-cookie'] = 'b'
      h['X'] = nil
      h['X'] = 1
      h['x'] = 2
      h[' Y '] = ' v '
      expect(h.to_s).to eq("Set-Cookie: a\r\nset-cookie: b\r\nX: 1\r\nY: v\r\n")
      h.clear
      expect(h.to_s).to eq('')
    end
  end

  describe 'Driver class methods' do
    it 'encodes arrays as binary and transcodes strings' do
      expect(WebSocket::Driver.encode([104, 105])).to eq('hi')
      expect(WebSocket::Driver.encode([104, 105]).encoding).to eq(Encoding::BINARY)
      expect(WebSocket::Driver.encode('hi'.b, Encoding::UTF_8).encoding).to eq(Encoding::UTF_8)
      expect { WebSocket::Driver.encode('hé', Encoding::BINARY) }.to raise_error(Encoding::UndefinedConversionError)
      s = 'same'
      expect(WebSocket::Driver.encode(s)).to equal(s)
      frozen = 'x'.b.freeze
      expect(WebSocket::Driver.encode(frozen, Encoding::UTF_8).encoding).to eq(Encoding::UTF_8)
    end

    it 'recognises WebSocket requests as the gem does' do
      ok = { 'REQUEST_METHOD' => 'GET', 'HTTP_CONNECTION' => 'keep-alive,  Upgrade', 'HTTP_UPGRADE' => 'WebSocket' }
      expect(WebSocket::Driver.websocket?(ok)).to be true
      expect(WebSocket::Driver.websocket?(ok.merge('HTTP_CONNECTION' => 'keep-alive;Upgrade'))).to be false
      expect(WebSocket::Driver.websocket?(ok.merge('REQUEST_METHOD' => 'POST'))).to be false
      expect(WebSocket::Driver.websocket?(ok.merge('HTTP_UPGRADE' => 'websocket, h2c'))).to be false
      expect(WebSocket::Driver.websocket?({})).to be false
    end

    it 'validates options' do
      expect { WebSocket::Driver.validate_options({ foo: 1 }, [:bar]) }
        .to raise_error(WebSocket::Driver::ConfigurationError, 'Unrecognized option: :foo')
      expect { WebSocket::Driver.client(ClientSocket.new([], 'ws://e.com/'), 'max_length' => 1) }
        .to raise_error(WebSocket::Driver::ConfigurationError, 'Unrecognized option: "max_length"')
      expect { WebSocket::Driver.server(FakeSocket.new([]), binary_data_format: :hex) }
        .to raise_error(WebSocket::Driver::ConfigurationError, 'Invalid :binary_data_format: :hex')
      expect(WebSocket::Driver.validate_options({ binary_data_format: nil }, [:binary_data_format])).to be_nil
    end

    it 'builds Host headers' do
      expect(WebSocket::Driver.host_header(URI.parse('wss://h:443/'))).to eq('h')
      expect(WebSocket::Driver.host_header(URI.parse('ws://h:443/'))).to eq('h:443')
      expect(WebSocket::Driver.host_header(URI.parse('ws://[::1]:81/'))).to eq('[::1]:81')
    end

    it 'computes the accept key and random client keys' do
      expect(WebSocket::Driver::Hybi.generate_accept('dGhlIHNhbXBsZSBub25jZQ=='))
        .to eq('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
      key = WebSocket::Driver::Client.generate_key
      expect(Base64.strict_decode64(key).bytesize).to eq(16)
      expect(WebSocket::Driver::Client.generate_key).not_to eq(key)
    end
  end

  describe 'events and errors' do
    it 'has the gem event structs and error hierarchy' do
      d = WebSocket::Driver
      expect(d::ConnectEvent.new.to_a).to eq([])
      expect(d::OpenEvent.new.to_a).to eq([])
      expect(d::MessageEvent.new('x').data).to eq('x')
      expect(d::PingEvent.new('p').data).to eq('p')
      expect(d::PongEvent.new('q').data).to eq('q')
      close = d::CloseEvent.new(1000, 'bye')
      expect([close.code, close.reason]).to eq([1000, 'bye'])
      expect(d::ProtocolError.superclass).to eq(StandardError)
      expect(d::URIError.superclass).to eq(ArgumentError)
      expect(d::ConfigurationError.superclass).to eq(ArgumentError)
      expect(d::MAX_LENGTH).to eq(0x3ffffff)
      expect(d::STATES).to eq(%i[connecting open closing closed])
      expect(d::Hybi::ERRORS[:too_large]).to eq(1009)
      expect([d::Hybi, d::Draft75, d::Server].map(&:superclass)).to eq([d, d, d])
      expect(d::Draft76.superclass).to eq(d::Draft75)
      expect(d::Client.superclass).to eq(d::Hybi)
    end
  end

  describe 'native library' do
    it 'is loaded and marked' do
      expect(WSDriver::NATIVE).to be true
      expect(WSDriver::Native.ws_version).to eq('0.1.0')
      expect(WSDriver::Native.library_path).to be_a(String)
      expect(WSDriver::Native.ws_result_text(WSDriver::Native::EMPTY)).to be_a(String)
    end

    it 'loads this driver.rb, not the pure-Ruby gem' do
      ours = File.expand_path('../lib/websocket/driver.rb', __dir__)
      expect($LOADED_FEATURES).to include(ours)
      expect($LOADED_FEATURES.grep(%r{vendor_ruby/websocket/driver\.rb})).to be_empty
    end

    it 'fails with a LoadError naming every place it tried' do
      script = <<~RUBY
        ENV['WSDRIVER_LIB'] = '/nonexistent/libwsdriver.so'
        module FFI; end
        require 'ffi'
        class << FFI::Library; end
        module FFI::Library
          alias real_ffi_lib ffi_lib
          def ffi_lib(*names)
            raise LoadError, 'simulated' unless names.first.to_s.include?('/nonexistent')
            real_ffi_lib(*names)
          end
        end
        begin
          require #{File.expand_path('../lib/wsdriver/native.rb', __dir__).inspect}
          puts 'loaded'
        rescue LoadError => e
          puts e.message
        end
      RUBY
      out = IO.popen([RbConfig.ruby, '-e', script], err: %i[child out], &:read)
      expect(out).to include('could not load libwsdriver')
      expect(out).to include('/nonexistent/libwsdriver.so')
      expect(out).to include('target/release/libwsdriver.so')
      expect(out).to include('WSDRIVER_LIB')
    end
  end
end
