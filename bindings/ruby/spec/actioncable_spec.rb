# frozen_string_literal: true

require_relative 'spec_helper'
require 'json'

# Rails' ActionCable (Debian's ruby-actioncable 6.1, async adapter) on puma,
# unmodified, on the drop-in driver (spec/actioncable/config.ru requires
# wsdriver/drop_in), driven by a real client: Node's `ws` speaking
# actioncable-v1-json (spec/actioncable/client.js; run-specs.sh installs
# `ws` into ~/.cache/wsdriver/node-ruby when it is missing).
RSpec.describe 'ActionCable on wsdriver', :examples do
  node_path = ENV['WSDRIVER_NODE_PATH'] || File.join(Dir.home, '.cache/wsdriver/node-ruby/node_modules')

  around do |example|
    @port = free_port
    ru = File.join(__dir__, 'actioncable/config.ru')
    @pid, @log_path = spawn_puma(ru, @port)
    example.run
  ensure
    stop_server(@pid)
  end

  it 'welcomes, subscribes (also by a binary frame), echoes 0 B to 1 MB, pings, broadcasts to 20 clients, ' \
     'closes cleanly and from the server, on the Rust core' do
    expect(File.exist?(File.join(node_path, 'ws/package.json'))).to be(true), "node ws missing in #{node_path}"
    out = IO.popen({ 'NODE_PATH' => node_path },
                   ['timeout', '120', 'node', File.join(__dir__, 'actioncable/client.js'), "ws://127.0.0.1:#{@port}/"],
                   err: %i[child out], &:read)
    report = begin
      JSON.parse(out.lines.last || '{}')
    rescue JSON::ParserError
      {}
    end
    expect(report).not_to be_empty, "client failed:\n#{out}\nserver log:\n#{File.read(@log_path)}"

    expect(report['protocol']).to eq('actioncable-v1-json')
    expect(report['welcome']).to eq('welcome')
    expect(report['subscribed'].size).to eq(2)
    who = report['whoami']
    expect(who['native']).to be(true)
    expect(who['parse']).to eq(File.join(LIB, 'websocket/driver/dispatch.rb'))
    expect(who['library']).to match(/libwsdriver/)
    expect(who['pure_ruby_files']).to eq([])
    expect(report['echoes']['checked']).to eq(210)
    expect(report['echoes']['largest']).to eq(1 << 20)
    expect(report['pings']).to be >= 1
    expect(report['broadcast']).to include('clients' => 20, 'rounds' => 50)
    expect(report['clean_close']).to eq([1000] * 19)
    expect(report['disconnect']).to eq('type' => 'disconnect', 'reason' => 'bye', 'reconnect' => true)
    expect(report['server_close']['code']).to eq(1000)
    log = File.read(@log_path)
    expect(log).not_to include("Couldn't handle non-string message")
    expect(log).not_to match(/ERROR|Exception/)
  end
end
