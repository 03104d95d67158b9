# frozen_string_literal: true

module WSDriver
  # permessage-deflate (RFC 7692) done by libwsdriver, configured like the
  # permessage_deflate gem:
  #
  #   driver.add_extension(WSDriver::PermessageDeflate)            # defaults
  #   driver.add_extension(WSDriver::PermessageDeflate.configure(
  #     level: 9, min_size: 64, no_context_takeover: true, max_window_bits: 12,
  #     request_no_context_takeover: true, request_max_window_bits: 10))
  #
  #   Faye::WebSocket.new(env, nil, extensions: [WSDriver::PermessageDeflate])
  #
  # The object passes websocket-extensions' checks (name, type, rsv1..3), but
  # the driver maps it to the native extension (ws_add_deflate) instead of
  # running sessions in Ruby. Options, as in the gem (own = this end's
  # compressor, peer = the other end's):
  #
  # - level: zlib level 0-9 (default 6)
  # - min_size: messages shorter than this are sent uncompressed (wsdriver's own)
  # - no_context_takeover: own compressor resets after each message
  # - max_window_bits: own compressor's window, 8-15
  # - request_no_context_takeover: ask the peer to reset after each message
  # - request_max_window_bits: ask the peer for at most this window, 8-15
  #
  # mem_level and strategy (permessage_deflate gem options for Ruby's zlib)
  # are accepted and ignored.
  module PermessageDeflate
    ConfigurationError = Class.new(ArgumentError)

    VALID_OPTIONS = %i[level min_size no_context_takeover max_window_bits request_no_context_takeover
                       request_max_window_bits mem_level strategy].freeze
    VALID_WINDOW_BITS = (8..15).freeze

    # The websocket-extensions side, shared by the module and every
    # configured copy.
    module Extension
      def name = 'permessage-deflate'
      def type = 'permessage'
      def rsv1 = true
      def rsv2 = false
      def rsv3 = false

      def options
        @options || {}
      end

      # A new extension object with these options merged over this one's.
      def configure(options = {}, **keywords)
        merged = options.merge(keywords).transform_keys(&:to_sym)
        PermessageDeflate.validate_options(merged)
        merged = self.options.merge(merged).freeze
        Module.new.tap do |ext|
          ext.extend(Extension)
          ext.instance_variable_set(:@options, merged)
        end
      end

      # Marker for WebSocket::Driver#add_extension.
      def wsdriver_native_deflate? = true
    end
    extend Extension

    module_function

    def validate_options(options)
      options.each_key do |key|
        raise ConfigurationError, "Unrecognized option: #{key.inspect}" unless VALID_OPTIONS.include?(key)
      end
      if options.key?(:level) && !(options[:level].is_a?(Integer) && (-1..9).cover?(options[:level]))
        raise ConfigurationError, "Invalid :level: #{options[:level].inspect}"
      end
      if options.key?(:min_size) && !(options[:min_size].is_a?(Integer) && options[:min_size] >= 0)
        raise ConfigurationError, "Invalid :min_size: #{options[:min_size].inspect}"
      end
      %i[max_window_bits request_max_window_bits].each do |key|
        next unless options.key?(key)
        next if VALID_WINDOW_BITS.cover?(options[key]) && options[key].is_a?(Integer)

        raise ConfigurationError, "Invalid #{key.inspect}: #{options[key].inspect}"
      end
    end

    # The permessage_deflate gem's extension objects (name
    # 'permessage-deflate', a `configure` method, options in @options).
    def gem_like?(ext)
      ext.respond_to?(:name) && ext.name == 'permessage-deflate' && ext.respond_to?(:configure)
    end

    def options_of(ext)
      return ext.options if ext.respond_to?(:wsdriver_native_deflate?)

      opts = ext.instance_variable_defined?(:@options) ? ext.instance_variable_get(:@options) : nil
      (opts || {}).to_h.transform_keys(&:to_sym)
    end

    # Enables the native extension on `handle` with `options` mapped for
    # this end (`client` true for a client driver). Returns the ws_result.
    def add_native(handle, options, client:)
      n = Native
      d = n.ws_deflate_new
      raise ::WebSocket::Driver::NativeError, 'wsdriver: ws_deflate_new returned NULL' if d.null?

      begin
        level = options[:level]
        n.check!(n.ws_deflate_set_level(d, level.negative? ? 6 : level), nil, 'ws_deflate_set_level') if level
        n.check!(n.ws_deflate_set_min_size(d, options[:min_size]), nil, 'ws_deflate_set_min_size') if options[:min_size]
        own, peer = client ? %w[client server] : %w[server client]
        if options[:no_context_takeover]
          n.check!(n.public_send("ws_deflate_set_#{own}_no_context_takeover", d, 1), nil, 'ws_deflate_set_*')
        end
        if options[:request_no_context_takeover]
          n.check!(n.public_send("ws_deflate_set_#{peer}_no_context_takeover", d, 1), nil, 'ws_deflate_set_*')
        end
        if (bits = options[:max_window_bits])
          n.check!(n.public_send("ws_deflate_set_#{own}_max_window_bits", d, bits), nil, 'ws_deflate_set_*')
        end
        if (bits = options[:request_max_window_bits])
          n.check!(n.public_send("ws_deflate_set_#{peer}_max_window_bits", d, bits), nil, 'ws_deflate_set_*')
        end
        n.ws_add_deflate(handle, d)
      ensure
        n.ws_deflate_free(d)
      end
    end
  end
end
