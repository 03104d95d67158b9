# frozen_string_literal: true

require_relative 'spec_helper'

# WSDriver::Native's constants and functions are copies of include/wsdriver.h;
# this fails when they disagree with it (as tests/header.rs does for the
# header itself).
RSpec.describe 'WSDriver::Native against include/wsdriver.h' do
  header = File.read(File.expand_path('../../../include/wsdriver.h', __dir__))

  values = {}
  header.scan(/^#define (WS_[A-Z0-9_]+) (\d+)\s*$/) { |name, value| values[name] = Integer(value) }
  header.scan(/^\s+(WS_RESULT_[A-Z0-9_]+) = (\d+),?\s*$/) { |name, value| values[name] = Integer(value) }

  # Ruby name => header name: the ws_result codes drop their prefix.
  expected = {}
  values.each_key do |name|
    case name
    when /\AWS_RESULT_(.+)\z/ then expected[Regexp.last_match(1)] = name
    when /\AWS_(ACTION|MESSAGE|STATE)_/, /\AWS_RSV\d\z/ then expected[name.delete_prefix('WS_')] = name
    end
  end

  it 'has every ws_result, action, message kind, state and RSV constant of the header, with its value' do
    expect(expected.size).to be > 30
    expected.each do |ruby_name, c_name|
      expect(WSDriver::Native.const_defined?(ruby_name, false)).to be(true), "WSDriver::Native::#{ruby_name} missing (#{c_name})"
      expect(WSDriver::Native.const_get(ruby_name)).to eq(values[c_name]), "#{ruby_name} differs from #{c_name}"
    end
  end

  it 'attaches only functions the header declares' do
    declared = header.scan(/\b(ws_[a-z0-9_]+)\(/).flatten.uniq
    attached = WSDriver::Native.singleton_methods.map(&:to_s).grep(/\Aws_/)
    # Aliases bind a header function under another Ruby name.
    aliases = { 'ws_lend_at' => 'ws_lend', 'ws_ping_untracked' => 'ws_ping' }
    expect(attached.map { |f| aliases.fetch(f, f) } - declared).to eq([])
  end

  it 'lays out ws_action as the header does' do
    body = header[/struct ws_action \{(.*?)\}/m, 1]
    fields = body.lines.grep(/\A\s+[a-z].*;\s*\z/).map { |line| line[/([a-z_]+);/, 1] }
    expect(WSDriver::Native::Action.members.map(&:to_s)).to eq(fields)
  end
end
