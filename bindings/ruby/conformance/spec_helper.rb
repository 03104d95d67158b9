# frozen_string_literal: true

# The conformance specs run twice (see run.sh): against the pure-Ruby
# websocket-driver 0.8.2 gem, their oracle, and against the drop-in.
# WSDRIVER_CONFORMANCE names the implementation run.sh put on the load
# path; the check below keeps either run from silently testing the other.
require 'stringio'
require 'websocket/driver'

case ENV.fetch('WSDRIVER_CONFORMANCE', nil)
when 'gem'
  abort 'conformance: the drop-in is loaded, not the gem' if defined?(::WSDriver::NATIVE)
when 'drop-in'
  abort 'conformance: the pure-Ruby gem is loaded, not the drop-in' unless defined?(::WSDriver::NATIVE)
else
  abort 'conformance: run through run.sh (WSDRIVER_CONFORMANCE=gem|drop-in)'
end

# As upstream's spec_helper: byte arrays to strings and back.
module EncodingHelper
  def encode(message)
    message.respond_to?(:force_encoding) ? message.dup.force_encoding('UTF-8') : message.pack('C*')
  end

  def bytes(string)
    string.bytes.to_a
  end
end

# Examples the drop-in is known to fail (full description => why). They run
# as pending on the drop-in: a listed example that passes fails the run, so
# the list cannot go stale. Two kinds:
# - what only the pure-Ruby implementation can have (its internals);
# - the deliberate differences listed in bindings/ruby/README.md "Where it
#   differs from the 0.8.2 gem" (the item is named).
CMDS = 'WebSocket::Driver commands the gem sends as given '
KNOWN_DIFFERENT = {
  'WebSocket::Driver::Hybi in the :connecting state start with an unsupported version writes a handshake error response' =>
    'README "Sec-WebSocket-Key must be 16 bytes of base64": hybi versions 7-13 are accepted',
  'WebSocket::Driver::Hybi in the :connecting state parse parses frames before start' =>
    'README "Frames before start are held" until the handshake is answered',
  'WebSocket::Driver::Server receiving the request keeps its own state, :connecting, after the handshake' =>
    'README "Server#state follows the connection"',
  'WebSocket::Driver details hybi events frames text that is not valid UTF-8 as text' =>
    'README "text refuses a String that is not UTF-8"',
  "#{CMDS}once open sends a close code reserved by RFC 6455 (1005)" => 'README "close codes that may not be sent"',
  "#{CMDS}once open sends a close code below 1000" => 'README "close codes that may not be sent"',
  "#{CMDS}once open sends a close reason longer than 123 bytes" => 'README "control frames over 125 bytes"',
  "#{CMDS}once open sends a ping longer than 125 bytes" => 'README "control frames over 125 bytes"',
  "#{CMDS}before the handshake queues any number of messages" => 'README "at most max_queued messages"',
  "#{CMDS}before the handshake sends a header value with a line break as two lines" =>
    'README "set_header refuses line breaks"',
  "#{CMDS}before the handshake lets a header set first replace the handshake header" =>
    'README "the handshake headers are the driver\'s"',
  "#{CMDS}before the handshake sends a header name that is not an HTTP token" =>
    'README "the handshake headers are the driver\'s"'
}.freeze

RSpec.configure do |config|
  config.include EncodingHelper
  config.order = :defined
  config.expect_with(:rspec) { |c| c.syntax = :expect }
  if ENV['WSDRIVER_CONFORMANCE'] == 'drop-in'
    config.before(:each) do |example|
      reason = KNOWN_DIFFERENT[example.full_description]
      pending(reason) if reason
    end
  end
end
