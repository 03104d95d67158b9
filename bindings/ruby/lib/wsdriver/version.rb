# frozen_string_literal: true

module WSDriver
  VERSION = '0.1.0'
  # The websocket-driver release whose Ruby API this library reproduces.
  DRIVER_API_VERSION = '0.8.2'
  # Marker: WebSocket::Driver is backed by libwsdriver (native Rust core),
  # not the pure-Ruby gem.
  NATIVE = true
end
