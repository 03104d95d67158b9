#!/usr/bin/env ruby
# frozen_string_literal: true

# Seed 001 (client): a blocking client over TCPSocket. It sends each
# argument as a text message and prints what comes back.
#
#   ruby examples/ruby/tcp_client.rb ws://127.0.0.1:8080/ hello world

require_relative '_setup'
require 'wsdriver/tcp_client'

class SimpleWebSocket
  def initialize(url, params = {})
    @client = WSDriver::TCPClient.new(url, protocols: params[:protocols])
    raise "handshake failed: #{@client.errors.map(&:message).join(', ')}" unless @client.open?
  end

  def send(data)
    data.is_a?(Array) ? @client.binary(data) : @client.text(data)
  end

  # Messages received so far (waits for at least one).
  def receive(timeout = 5)
    messages = [@client.receive(timeout)]
    messages << @client.messages.shift until @client.messages.empty?
    messages
  end

  def close
    @client.close
  end
end

if $PROGRAM_NAME == __FILE__
  $stdout.sync = true
  url, *words = ARGV
  url ||= 'ws://127.0.0.1:8080/'
  words = ['hello'] if words.empty?
  ws = SimpleWebSocket.new(url)
  words.each do |word|
    ws.send(word)
    ws.receive.each { |m| puts m }
  end
  ws.close
end
