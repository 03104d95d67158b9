# frozen_string_literal: true

module WSDriver
  VERSION = '0.1.0'
  # The websocket-driver release whose Ruby API this library reproduces.
  DRIVER_API_VERSION = '0.8.2'
  # Marker: WebSocket::Driver is backed by libwsdriver (native Rust core),
  # not the pure-Ruby gem.
  NATIVE = true

  class << self
    # Bytes of buffer capacity a driver keeps between messages (input,
    # message assembly, output); nil leaves the library default (8 KiB).
    # Larger values avoid reallocating for every large message at the cost
    # of memory per connection. Applies to drivers created afterwards.
    attr_accessor :retained_buffer
  end
end
