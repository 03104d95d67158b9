# frozen_string_literal: true

# A drop-in replacement for the websocket-driver gem (0.8) whose protocol
# work (HTTP handshakes, framing, masking, UTF-8 checks, closing) is done by
# libwsdriver, a Rust library, through the ffi gem. The Ruby side keeps the
# gem's pure-Ruby surface: the event emitter, event structs, errors, option
# checks, Headers and Driver.encode.
#
# Protocol references:
# * https://tools.ietf.org/html/rfc6455
# * https://tools.ietf.org/html/draft-hixie-thewebsocketprotocol-75
# * https://tools.ietf.org/html/draft-hixie-thewebsocketprotocol-76

require 'base64'
require 'digest/sha1'
require 'securerandom'
require 'stringio'
require 'uri'

require 'websocket/extensions'

require_relative 'mask'
require_relative '../wsdriver/version'
require_relative '../wsdriver/native'
require_relative '../wsdriver/permessage_deflate'
require_relative '../wsdriver/extension_bridge'

module WebSocket
  class Driver
    MAX_LENGTH = 0x3ffffff
    PORTS      = { 'ws' => 80, 'wss' => 443 }.freeze
    STATES     = %i[connecting open closing closed].freeze

    VALID_OPTIONS = %i[max_length masking require_masking protocols binary_data_format].freeze

    ConnectEvent = Struct.new(nil)
    OpenEvent    = Struct.new(nil)
    MessageEvent = Struct.new(:data)
    PingEvent    = Struct.new(:data)
    PongEvent    = Struct.new(:data)
    CloseEvent   = Struct.new(:code, :reason)

    ProtocolError      = Class.new(StandardError)
    URIError           = Class.new(ArgumentError)
    ConfigurationError = Class.new(ArgumentError)

    # The native library refused a call in a way that means a bug (in this
    # binding or the library), not a protocol condition.
    class NativeError < StandardError
      attr_reader :result

      def initialize(message, result = nil)
        super(message)
        @result = result
      end
    end
  end
end

require_relative 'driver/event_emitter'
require_relative 'driver/headers'
require_relative 'driver/dispatch'
require_relative 'driver/base'
require_relative 'driver/hybi'
require_relative 'driver/draft75'
require_relative 'driver/draft76'
require_relative 'driver/client'
require_relative 'driver/server'
require_relative 'driver/proxy'

module WebSocket
  class Driver
    class << self
      def client(socket, options = {})
        Client.new(socket, options.merge(masking: true))
      end

      def server(socket, options = {})
        Server.new(socket, options.merge(require_masking: true))
      end

      # Picks the protocol from the request headers, as the gem does: any
      # hybi header means RFC 6455, a Key1/Key2 means hixie-76, anything
      # else hixie-75.
      def rack(socket, options = {})
        env     = socket.env
        version = env['HTTP_SEC_WEBSOCKET_VERSION']
        key     = env['HTTP_SEC_WEBSOCKET_KEY']
        key1    = env['HTTP_SEC_WEBSOCKET_KEY1']
        key2    = env['HTTP_SEC_WEBSOCKET_KEY2']

        if version || key
          Hybi.new(socket, options.merge(require_masking: true))
        elsif key1 || key2
          Draft76.new(socket, options)
        else
          Draft75.new(socket, options)
        end
      end

      def encode(data, encoding = nil)
        if data.is_a?(Array)
          data = data.pack('C*')
          encoding ||= Encoding::BINARY
        end

        return data if encoding.nil? || data.encoding == encoding

        if data.encoding == Encoding::BINARY
          data = data.dup if data.frozen?
          data.force_encoding(encoding)
        else
          data.encode(encoding)
        end
      end

      def host_header(uri)
        host = uri.host
        host += ":#{uri.port}" if uri.port && uri.port != PORTS[uri.scheme]
        host
      end

      def validate_options(options, valid_keys)
        options.each_key do |key|
          raise ConfigurationError, "Unrecognized option: #{key.inspect}" unless valid_keys.include?(key)
        end

        format = options[:binary_data_format]
        return unless format
        return if %i[array string].include?(format)

        raise ConfigurationError, "Invalid :binary_data_format: #{format.inspect}"
      end

      def websocket?(env)
        connection = env['HTTP_CONNECTION'] || ''
        upgrade    = env['HTTP_UPGRADE']    || ''

        env['REQUEST_METHOD'] == 'GET' &&
          connection.downcase.split(/ *, */).include?('upgrade') &&
          upgrade.downcase == 'websocket'
      end
    end
  end
end
