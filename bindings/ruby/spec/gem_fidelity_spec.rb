# frozen_string_literal: true

require_relative 'spec_helper'

# Divergences from the 0.8 gem that the differential test found (issue 18)
# and that the binding now matches.
RSpec.describe 'fidelity to the websocket-driver 0.8 gem' do
  def masked(byte0, payload)
    key = "\x01\x02\x03\x04".b
    data = payload.b.bytes.each_with_index.map { |c, i| c ^ key.getbyte(i % 4) }.pack('C*')
    [byte0, 0x80 | payload.bytesize].pack('CC') + key + data
  end

  def open_server(options = {})
    sock = FakeSocket.new(log)
    driver = WebSocket::Driver.server(sock, options)
    driver.on(:connect) { driver.start }
    %i[open message error close ping pong].each { |ev| driver.on(ev) { |e| log << [ev, e] } }
    driver.parse(REQUEST)
    [driver, sock]
  end

  it 'accepts max_length: 0, where only empty frames pass' do
    driver, sock = open_server(max_length: 0, binary_data_format: :string)
    driver.parse(masked(0x81, ''))
    expect(log.select { |e| e[0] == :message }.map { |e| e[1].data }).to eq([''])
    driver.parse(masked(0x81, 'x'))
    expect(log.find { |e| e[0] == :error }[1].message).to eq('WebSocket frame length too large')
    expect(sock.writes.last.b).to eq("\x88\x22\x03\xf1".b + 'WebSocket frame length too large')
  end

  it 'completes a hixie-76 handshake whose 8-byte key is longer than max_length' do
    sock = FakeSocket.new(log)
    driver = WebSocket::Driver.server(sock, max_length: 5)
    driver.on(:connect) { driver.start }
    opened = false
    driver.on(:open) { opened = true }
    driver.on(:error) { |e| log << [:error, e.message] }
    driver.parse(H76 + H76_BODY)
    expect(opened).to be(true)
    expect(sock.writes.last.b).to eq(H76_ANSWER.b)
    expect(log.select { |e| e[0] == :error }).to eq([])
  end

  it 'gives :pong data as a UTF-8 String, as the gem does' do
    driver, = open_server
    driver.parse(masked(0x8a, 'pong é'))
    data = log.find { |e| e[0] == :pong }[1].data
    expect(data.encoding).to eq(Encoding::UTF_8)
    expect(data).to eq('pong é')
  end

  # Issue 18 item 6, decided for RFC 6455 §7.1.6 (and Autobahn 7.5.1): the
  # gem echoes the bytes; the binding fails the connection.
  it 'fails the connection on a close reason that is not UTF-8' do
    driver, sock = open_server
    driver.parse(masked(0x88, "\x03\xea\xf4\x90\x80\x80".b))
    close = log.find { |e| e[0] == :close }[1]
    expect(sock.writes.last.b).to eq("\x88\x02\x03\xea".b)
    expect([close.code, close.reason]).to eq([1002, ''])
    expect(driver.state).to eq(:closed)
  end

  # A server that answers later (not from its :connect listener): the frames
  # that came with the request head are delivered by `start`, before it
  # returns (the gem had delivered them already), not at the next `parse`.
  it 'delivers the frames held before a later start from start itself' do
    sock = FakeSocket.new(log)
    driver = WebSocket::Driver.server(sock)
    %i[open message].each { |ev| driver.on(ev) { |e| log << [ev, e.respond_to?(:data) ? e.data : nil] } }
    driver.parse(REQUEST + masked(0x81, 'early'))
    expect(log.map(&:first)).to eq([])
    expect(driver.start).to be(true)
    log << [:start_returned, nil]
    expect(log.map(&:first)).to eq(%i[write open message start_returned])
    expect(log[2][1]).to eq('early')
  end

  # Issue 18 item 3: a malformed request line fails at once (the gem's
  # HTTP parser checks each line as it ends).
  it 'fails a bad request line at once, before the head is complete' do
    sock = FakeSocket.new(log)
    driver = WebSocket::Driver.server(sock)
    driver.on(:error) { |e| log << [:error, e.message] }
    driver.on(:close) { |e| log << [:close, e.code] }
    driver.parse("7\n")
    expect(log).to eq([[:error, 'Invalid HTTP request'], [:close, 1002]])
  end

  # Issue 18 item 5: an oversized hixie frame closes with its error.
  it 'reports a hixie frame over max_length with an error before the close' do
    sock = FakeSocket.new(log)
    driver = WebSocket::Driver.server(sock, max_length: 40)
    driver.on(:connect) { driver.start }
    %i[error close].each { |ev| driver.on(ev) { |e| log << [ev, e.respond_to?(:message) ? e.message : nil] } }
    driver.parse(H75)
    driver.parse("\x80\xe6\xd7\x8c".b)
    expect(log.reject { |e| e[0] == :write }).to eq([[:error, 'WebSocket frame length too large'], [:close, nil]])
    expect(driver.state).to eq(:closed)
  end
end
