# frozen_string_literal: true

require 'fileutils'
require_relative 'lib/wsdriver/version'

# `gem build bindings/ruby/wsdriver.gemspec` makes the source gem: it
# carries the crate (copied from the repository root into
# ext/wsdriver/crate when this file is evaluated in a checkout) and
# `gem install` builds libwsdriver with cargo (ext/wsdriver/extconf.rb).
#
# `WSDRIVER_PREBUILT=target/release/libwsdriver.so gem build ...` makes the
# platform gem for this machine (x86_64-linux): the library is copied to
# lib/wsdriver/libwsdriver.so and nothing is compiled at install time.
here = __dir__
root = File.expand_path('../..', here)
crate = File.join(here, 'ext', 'wsdriver', 'crate')
if File.exist?(File.join(root, 'Cargo.toml')) && File.exist?(File.join(root, 'src', 'lib.rs'))
  FileUtils.rm_rf(crate)
  FileUtils.mkdir_p(crate)
  %w[Cargo.lock build.rs cbindgen.toml src include].each do |entry|
    FileUtils.cp_r(File.join(root, entry), crate)
  end
  # The repository's benchmark target is not shipped: drop its [[bench]]
  # table (the dev-dependencies stay so Cargo.lock still matches).
  manifest = File.read(File.join(root, 'Cargo.toml'))
                 .sub(/^\[\[bench\]\]\n(?:[^\[\n].*\n)*/, '')
                 .sub(/^build = "build.rs"\n/, "build = \"build.rs\"\nautobenches = false\n")
  File.write(File.join(crate, 'Cargo.toml'), manifest)
end

prebuilt = ENV['WSDRIVER_PREBUILT'].to_s
staged_lib = File.join(here, 'lib', 'wsdriver', 'libwsdriver.so')

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
  s.require_paths = ['lib']
  s.files = Dir.chdir(here) { Dir['lib/**/*.rb'] } + %w[wsdriver.gemspec README.md]

  if prebuilt.empty?
    s.files += Dir.chdir(here) { Dir['ext/wsdriver/extconf.rb', 'ext/wsdriver/crate/**/*'].select { |f| File.file?(f) } }
    s.extensions = ['ext/wsdriver/extconf.rb']
    s.metadata['wsdriver.native_library'] = 'built with cargo at install time (ext/wsdriver/extconf.rb)'
  else
    FileUtils.cp(File.expand_path(prebuilt, Dir.pwd), staged_lib) unless File.identical?(prebuilt, staged_lib)
    s.platform = Gem::Platform.new('x86_64-linux')
    s.files += ['lib/wsdriver/libwsdriver.so']
    s.metadata['wsdriver.native_library'] = 'prebuilt: lib/wsdriver/libwsdriver.so'
  end

  s.add_dependency 'ffi', '~> 1.15'
  s.add_dependency 'websocket-extensions', '~> 0.1'
  s.add_development_dependency 'rspec', '~> 3.12'
  s.add_development_dependency 'eventmachine', '~> 1.2'
  s.add_development_dependency 'rack', '~> 2.2'
  s.add_development_dependency 'puma', '~> 5'
  s.add_development_dependency 'thin', '~> 1.8'
end
