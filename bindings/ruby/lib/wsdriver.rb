# frozen_string_literal: true

# Entry point: loads the native-backed WebSocket::Driver. The EventMachine
# server (wsdriver/em) and the Rack application base class
# (wsdriver/rack_app) are required separately.
require_relative 'websocket/driver'

module WSDriver
  LIBRARY = Native.library_path

  def self.native_version
    Native.ws_version
  end
end
