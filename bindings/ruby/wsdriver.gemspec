# frozen_string_literal: true

require_relative 'lib/wsdriver/version'

Gem::Specification.new do |s|
  s.name        = 'wsdriver'
  s.version     = WSDriver::VERSION
  s.summary     = 'websocket-driver API on libwsdriver, a sans-I/O WebSocket core in Rust'
  s.description = 'A drop-in WebSocket::Driver (websocket-driver 0.8 API: hybi-13, hixie-75/76, ' \
                  'client, server, proxy) whose protocol work is done by libwsdriver through the ffi gem; ' \
                  'plus an EventMachine server and a Rack application base class built on it.'
  s.authors     = ['wsdriver contributors']
  s.license     = 'MIT'
  s.homepage    = 'https://example.invalid/wsdriver'

  s.required_ruby_version = '>= 3.0'
  s.files = Dir['lib/**/*.rb'] + %w[wsdriver.gemspec]
  s.require_paths = ['lib']

  s.add_dependency 'ffi', '>= 1.15'
  s.add_dependency 'websocket-extensions', '>= 0.1.0'
  s.add_development_dependency 'rspec', '~> 3.12'
  s.add_development_dependency 'eventmachine', '>= 1.2'
  s.add_development_dependency 'rack', '>= 2.2'
  s.add_development_dependency 'puma', '>= 5'
  s.add_development_dependency 'thin', '>= 1.8'

  s.metadata['wsdriver.native_library'] =
    'libwsdriver (cargo build --release in the repository root, or WSDRIVER_LIB=/path/to/libwsdriver.so)'
end
