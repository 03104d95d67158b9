# frozen_string_literal: true

require_relative 'spec_helper'

RSpec.describe 'binding semantics' do
  describe 'exceptions from listeners' do
    it 'escape parse, and the next parse continues without losing buffered input', :gc do
      d = open_server
      seen = []
      d.on(:message) do |e|
        seen << e.data
        raise ArgumentError, 'listener failed' if e.data == 'two'
      end
      bytes = frame(1, 'one') + frame(1, 'two') + frame(1, 'three') + frame(1, 'fo')
      expect { d.parse(bytes) }.to raise_error(ArgumentError, 'listener failed')
      expect(seen).to eq(%w[one two])
      d.parse(frame(1, 'ur')[0, 0] + "\x81\x82\0\0\0\0ur".b)
      expect(seen).to eq(%w[one two three fo ur])
    end

    it 'leave queued writes to be delivered by the next call', :gc do
      d = open_server
      raised = false
      d.on(:ping) do
        next if raised

        raised = true
        raise 'boom'
      end
      expect { d.parse(frame(9, 'a') + frame(9, 'b')) }.to raise_error('boom')
      expect(take_log).to eq([[:write, "\x8A\x01a".b], [:ping, ['a']]])
      d.parse('')
      expect(take_log).to eq([[:write, "\x8A\x01b".b], [:ping, ['b']]])
    end

    it 'propagate from socket.write too' do
      socket = FakeSocket.new(log)
      def socket.write(_data) = raise(IOError, 'broken pipe')
      d = WebSocket::Driver.server(socket)
      d.on(:connect) { d.start }
      expect { d.parse(REQUEST) }.to raise_error(IOError, 'broken pipe')
    end
  end

  describe 'reentrancy' do
    it 'writes sends made from listeners before they return, in order, one write each (as the gem)', :gc do
      d = open_server
      d.on(:message) do |e|
        d.text("echo #{e.data}")
        d.ping('p') if e.data == 'a'
        log << [:after_send, e.data]
      end
      d.parse(frame(1, 'a') + frame(1, 'b'))
      expect(take_log).to eq([
        [:message, ['a']], [:write, "\x81\x06echo a".b], [:write, "\x89\x01p".b], [:after_send, 'a'],
        [:message, ['b']], [:write, "\x81\x06echo b".b], [:after_send, 'b']
      ])
    end

    it 'handles close and parse called from inside listeners' do
      d = open_server
      d.on(:message) { |e| e.data == 'bye' ? d.close('done', 4000) : d.parse(frame(1, 'bye')) }
      d.parse(frame(1, 'first'))
      expect(take_log).to eq([[:message, ['first']], [:message, ['bye']], [:write, "\x88\x06\x0F\xA0done".b]])
      expect(d.state).to eq(:closing)
    end

    it 'writes synchronously when commands come from outside a listener' do
      d = open_server
      d.text('now')
      expect(d.socket.writes.last).to eq("\x81\x03now".b)
    end
  end

  describe 'data types' do
    it 'sends binary from Arrays and Strings, and text as UTF-8' do
      d = open_server
      d.binary([0, 255])
      d.binary("\x00\xFF".b)
      d.binary('ab')
      d.text('é'.encode('ISO-8859-1'))
      expect(take_log.map(&:last)).to eq(["\x82\x02\x00\xFF".b, "\x82\x02\x00\xFF".b, "\x82\x02ab".b, "\x81\x02\xC3\xA9".b])
    end

    it 'gives ping and pong payloads as BINARY strings and close reasons as UTF-8', :gc do
      d = open_server
      got = {}
      d.on(:ping) { |e| got[:ping] = e.data }
      d.on(:close) { |e| got[:close] = e.reason }
      d.parse(frame(9, "\xFF".b) + frame(8, [1000].pack('n') + 'é'.b))
      expect(got[:ping].encoding).to eq(Encoding::BINARY)
      expect(got[:close]).to eq('é')
      expect(got[:close].encoding).to eq(Encoding::UTF_8)
    end
  end

  describe 'lifetime' do
    it 'frees drivers through AutoPointer with a Method releaser', :gc do
      d = open_server
      handle = d.native_handle
      expect(handle).to be_a(FFI::AutoPointer)
      releaser = handle.instance_variable_get(:@releaser)
      proc_or_method = releaser.instance_variable_get(:@proc)
      expect(proc_or_method).to be_a(Method) if proc_or_method
      expect(proc_or_method.name).to eq(:ws_driver_free) if proc_or_method
      d.free
      expect { d.text('x') }.to raise_error(StandardError)
      expect(d.free).to be_nil
    end

    it 'survives many short-lived drivers' do
      50.times do
        d = WebSocket::Driver.server(FakeSocket.new([]))
        d.on(:connect) { d.start }
        d.parse(REQUEST + frame(1, 'x'))
        d.text('y')
      end
      GC.start
      expect(true).to be true
    end

    it 'keeps ping callbacks until the pong arrives', :gc do
      d = open_server
      called = 0
      d.ping('gc') { called += 1 }
      GC.start
      d.parse(frame(10, 'gc'))
      expect(called).to eq(1)
    end
  end
end
