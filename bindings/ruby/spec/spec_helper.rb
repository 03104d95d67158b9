# frozen_string_literal: true

lib = File.expand_path('../lib', __dir__)
$LOAD_PATH.unshift(lib) unless $LOAD_PATH.include?(lib)

require 'websocket/driver'
require_relative 'support/helpers'

RSpec.configure do |config|
  config.include SpecHelpers
  config.order = :defined
  config.expect_with(:rspec) { |c| c.syntax = :expect }

  # WSDRIVER_GC_STRESS=1 runs only the examples tagged :gc, each under
  # GC.stress (a collection at every allocation opportunity), to shake out
  # lifetime bugs at the FFI boundary: AutoPointer releasers, borrowed
  # action data, strings handed to C.
  if ENV['WSDRIVER_GC_STRESS'] && ENV['WSDRIVER_GC_STRESS'] != '0'
    config.filter_run_including :gc
    config.around(:each) do |example|
      GC.stress = true
      begin
        example.run
      ensure
        GC.stress = false
      end
    end
  end
end
