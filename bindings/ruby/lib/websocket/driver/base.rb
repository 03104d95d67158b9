# frozen_string_literal: true

module WebSocket
  class Driver
    include EventEmitter

    include Dispatch

    N = ::WSDriver::Native
    private_constant :N

    attr_reader :socket

    def initialize(socket, options = {})
      super()
      Driver.validate_options(options, VALID_OPTIONS)

      @socket             = socket
      @options            = options
      @max_length         = options[:max_length] || MAX_LENGTH
      @binary_data_format = options[:binary_data_format] || :string
      @headers            = Headers.new
      @header_keys        = Set.new
      @ping_callbacks     = {}
      @ping_token         = 0
      @extension_fatal    = nil
      @extension_bridges  = nil
      @handle             = nil
      init_dispatch
    end

    # -- queries ---------------------------------------------------------

    def ready_state
      locked { N.ws_state(@handle) }
    end

    def state
      rs = ready_state
      rs >= 0 ? STATES[rs] : nil
    end

    def version
      locked { N.ws_driver_version(@handle) }
    end

    def protocol
      locked { N.ws_protocol(@handle) }
    end

    # Bytes the native driver holds: queued output, unparsed input and a
    # partly received message.
    def buffered_amount
      locked { N.ws_buffered_amount(@handle) }
    end

    attr_reader :max_length, :binary_data_format

    # -- commands --------------------------------------------------------

    # Hixie drivers have no extensions (as in the gem); Hybi, Client and
    # Server override this.
    def add_extension(_extension)
      false
    end

    # ExtensionBridge hands over an exception that is not a StandardError
    # (it cannot unwind through C); the driver raises it once the native
    # call returned.
    def extension_fatal(error)
      @extension_fatal ||= error
    end

    def set_header(name, value)
      return false unless ready_state <= 0
      return true if value.nil?

      name  = name.to_s.strip
      value = value.to_s.strip
      return false if name =~ /[\r\n]/ || value =~ /[\r\n]/

      # Mirror the gem's de-duplication so a repeated name stays a no-op
      # that still answers true.
      key = HTTP.normalize_header(name)
      return true unless @header_keys.add?(key) || Headers::ALLOWED_DUPLICATES.include?(key)

      @headers[name] = value
      result = locked { N.ws_set_header(@handle, name, value) }
      result == N::OK || result == N::INVALID_STATE || result == N::INVALID_ARGUMENT
    end

    def start
      ok?(command(parse: true) { N.ws_start(@handle) })
    end

    def text(message)
      message = Driver.encode(message, Encoding::UTF_8) unless message.is_a?(String) && message.encoding == UTF_8
      result = send_message(N::MESSAGE_TEXT, message)
      result == N::OK || ok?(result)
    end

    def binary(message)
      message = Driver.encode(message, Encoding::BINARY)
      ok?(send_message(N::MESSAGE_BINARY, message))
    end

    # A pending ping's callback and payload (the pong answers its token).
    PingCallback = Struct.new(:payload, :block) do
      def call = block.call
    end
    private_constant :PingCallback

    # A ping with a callback waits for its pong (and counts against the
    # core's max_pending_pings); one without is only sent, as in the gem,
    # where nothing limits them. The gem keeps one callback per payload: a
    # ping with the payload of a pending one replaces that callback (and is
    # sent untracked), so one pong runs only the latest.
    def ping(message = '', &callback)
      message = payload(message)
      result = command do
        next N.ws_ping_untracked(@handle, message, message.bytesize, nil, nil) unless callback

        bytes = message.b
        pending = @ping_callbacks.each_value.find { |cb| cb.payload == bytes }
        if pending
          pending.block = callback # even if the send is refused, as in the gem
          next N.ws_ping_untracked(@handle, message, message.bytesize, nil, nil)
        end
        token = (@ping_token += 1)
        @ping_callbacks[token] = PingCallback.new(bytes, callback)
        sent = N.ws_ping_token(@handle, message, message.bytesize, token)
        @ping_callbacks.delete(token) unless sent == N::OK
        sent
      end
      ok?(result)
    end

    def pong(message = '')
      message = payload(message)
      ok?(command { N.ws_pong(@handle, message, message.bytesize) })
    end

    # Note the order: reason first, then code, as in the gem.
    def close(reason = nil, code = nil)
      reason = Driver.encode(reason || '', Encoding::UTF_8)
      code ||= 1000
      ok?(command { N.ws_close(@handle, code, reason, reason.bytesize) })
    end

    # The gem's low-level send: `type` is :text, :binary, :ping, :pong or
    # :close; a `code` is prefixed to the payload as in the gem.
    def frame(buffer, type = nil, code = nil)
      is_binary = buffer.is_a?(Array) || buffer.encoding == Encoding::BINARY
      type ||= is_binary ? :binary : :text
      return close(buffer, code) if type == :close

      data = payload(buffer)
      data = [code, data].pack('S>a*') if code
      case type
      when :text   then text(data.dup.force_encoding(Encoding::UTF_8))
      when :binary then binary(data)
      when :ping   then ping(data)
      when :pong   then pong(data)
      else false
      end
    end

    # The transport reached EOF or failed: the driver emits close (1006)
    # unless the connection already closed.
    def transport_closed
      ok?(command { N.ws_transport_closed(@handle) })
    end

    # The native ws_driver (an FFI::AutoPointer); for sibling objects such
    # as Proxy.
    def native_handle
      @handle
    end

    # Frees the native driver now instead of waiting for GC. Later calls
    # raise.
    def free
      locked do
        next if @handle.nil? || @handle.null?

        @handle.free
        @handle = FFI::Pointer::NULL
      end
      nil
    end

    private

    # -- plumbing ----------------------------------------------------------

    # The one constructor path: native options from the Ruby ones, then the
    # block's ws_driver_new_* call with them and an out-pointer.
    def create_native(**native_options)
      out = FFI::MemoryPointer.new(:pointer)
      with_native_options(**native_options) { |opts| yield opts, out }
      @handle = N.adopt(out, :ws_driver_free, 'ws_driver_new')
    end

    # A driver for a request the host already parsed (socket.env): Hybi,
    # Draft75 and Draft76.
    def create_rack_handle(body = nil, **native_options)
      create_native(**native_options) do |opts, out|
        url = @socket.respond_to?(:url) ? @socket.url : nil
        N.check!(RackRequest.create(N, opts, @socket.env, url, body, out), nil, 'ws_driver_new_rack')
      end
    end

    # Builds a ws_options from the Ruby options, hands it to the block and
    # frees it afterwards (drivers copy what they need).
    def with_native_options(masking: nil, require_masking: nil, protocols: [], client_key: nil)
      opts = N.ws_options_new
      raise NativeError, 'wsdriver: ws_options_new returned NULL' if opts.null?

      begin
        max = @max_length.to_i
        max = 0 if max.negative?
        max = 0xffff_ffff_ffff_ffff if max > 0xffff_ffff_ffff_ffff
        N.check!(N.ws_options_set_max_length(opts, max), nil, 'ws_options_set_max_length')
        protocols.each do |proto|
          N.check!(N.ws_options_add_protocol(opts, proto.to_s), nil, "ws_options_add_protocol(#{proto.inspect})")
        end
        N.check!(N.ws_options_set_masking(opts, masking ? 1 : 0), nil, 'ws_options_set_masking') unless masking.nil?
        unless require_masking.nil?
          N.check!(N.ws_options_set_require_masking(opts, require_masking ? 1 : 0), nil,
                   'ws_options_set_require_masking')
        end
        N.check!(N.ws_options_set_client_key(opts, client_key), nil, 'ws_options_set_client_key') if client_key
        # The gem answers Sec-WebSocket-Version 13 only, not the drafts' 7 and 8.
        N.check!(N.ws_options_set_hybi_drafts(opts, 0), nil, 'ws_options_set_hybi_drafts')
        if (retained = ::WSDriver.retained_buffer)
          N.check!(N.ws_options_set_retained_buffer(opts, retained), nil, 'ws_options_set_retained_buffer')
        end
        yield opts
      ensure
        N.ws_options_free(opts)
      end
    end

    # -- extensions --------------------------------------------------------

    # websocket-extensions' checks (TypeErrors with its texts), then the
    # extension is kept in registration order.
    def validate_extension(extension)
      (@extension_registry ||= ::WebSocket::Extensions.new).add(extension)
      (@extension_list ||= []) << extension
    end

    # Registers `extension` on the native driver: permessage-deflate
    # configurations (WSDriver::PermessageDeflate, or the permessage_deflate
    # gem's objects) become the native extension; anything else runs through
    # an ExtensionBridge. Returns true when the core took it.
    def register_extension(extension, client:, session: nil, offer: nil)
      if extension.respond_to?(:wsdriver_native_deflate?) || ::WSDriver::PermessageDeflate.gem_like?(extension)
        options = ::WSDriver::PermessageDeflate.options_of(extension)
        return ::WSDriver::PermessageDeflate.add_native(@handle, options, client: client) == N::OK
      end

      bridge = ::WSDriver::ExtensionBridge.new(self, extension, client: client, session: session, offer: offer)
      return false unless bridge.register(@handle) == N::OK

      (@extension_bridges ||= []) << bridge
      true
    end

    def ok?(result)
      case result
      when N::OK then true
      when N::PANIC, N::NULL_PARAMETER then N.check!(result, @handle)
      else false
      end
    end

    def payload(buffer)
      return buffer.pack('C*') if buffer.is_a?(Array)

      buffer = buffer.to_s
      buffer.encoding == Encoding::BINARY ? buffer : Driver.encode(buffer, Encoding::UTF_8)
    end

    def on_connect; end
  end
end
