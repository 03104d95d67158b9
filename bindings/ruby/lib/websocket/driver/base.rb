# frozen_string_literal: true

module WebSocket
  class Driver
    include EventEmitter

    N = ::WSDriver::Native
    private_constant :N

    # size_t reader for the ws_action struct.
    if FFI.type_size(:size_t) == 8
      def self.read_size(ptr, offset) = ptr.get_uint64(offset)
      def self.read_address(ptr, offset) = ptr.get_uint64(offset)
    else
      def self.read_size(ptr, offset) = ptr.get_uint32(offset)
      def self.read_address(ptr, offset) = ptr.get_uint32(offset)
    end

    EMPTY_BINARY = String.new('', encoding: Encoding::BINARY).freeze
    UTF_8 = Encoding::UTF_8
    # Chunks at least this long are parsed in place (ws_read) instead of
    # being copied into the driver (ws_feed).
    ZERO_COPY_MIN = 4096
    # Reads native memory at an address without allocating a Pointer per
    # read: MEMORY.get_bytes(address - 1, len).
    MEMORY = FFI::Pointer.new(1)
    # ws_read goes on in place while messages are at least this long.
    ZERO_COPY_MESSAGE_MIN = 16_384
    OK                  = N::OK
    KIND_OFFSET         = N::KIND_OFFSET
    MESSAGE_KIND_OFFSET = N::MESSAGE_KIND_OFFSET
    DATA_OFFSET         = N::DATA_OFFSET
    LEN_OFFSET          = N::LEN_OFFSET
    ACTION_MESSAGE      = N::ACTION_MESSAGE
    ACTION_WRITE        = N::ACTION_WRITE
    MESSAGE_TEXT        = N::MESSAGE_TEXT
    private_constant :EMPTY_BINARY, :UTF_8, :ZERO_COPY_MIN, :MEMORY, :ZERO_COPY_MESSAGE_MIN, :OK, :KIND_OFFSET,
                     :MESSAGE_KIND_OFFSET, :DATA_OFFSET, :LEN_OFFSET, :ACTION_MESSAGE, :ACTION_WRITE, :MESSAGE_TEXT

    attr_reader :socket

    def initialize(socket, options = {})
      super()
      Driver.validate_options(options, VALID_OPTIONS)

      @socket             = socket
      @options            = options
      @max_length         = options[:max_length] || MAX_LENGTH
      @binary_data_format = options[:binary_data_format] || :array
      @headers            = Headers.new
      @header_keys        = Set.new
      @ping_callbacks     = {}
      @ping_token         = 0
      @draining           = false
      @action             = N.new_action
      @action_ptr         = @action.to_ptr
      @consumed_ptr       = FFI::MemoryPointer.new(:size_t)
      @read_base          = 0   # the chunk read in place: address,
      @read_len           = nil # length (nil when none),
      @read_off           = 0   # and how much of it the core has seen
      @more               = false
      @extension_fatal    = nil
      @extension_bridges  = nil
      @handle             = nil
    end

    # -- queries ---------------------------------------------------------

    def ready_state
      N.ws_state(@handle)
    end

    def state
      rs = ready_state
      rs >= 0 ? STATES[rs] : nil
    end

    def version
      N.ws_driver_version(@handle)
    end

    def protocol
      N.ws_protocol(@handle)
    end

    # Bytes the native driver holds: queued output, unparsed input and a
    # partly received message.
    def buffered_amount
      N.ws_buffered_amount(@handle)
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
      result = N.ws_set_header(@handle, name, value)
      result == N::OK || result == N::INVALID_STATE || result == N::INVALID_ARGUMENT
    end

    def start
      result = N.ws_start(@handle)
      drain
      ok?(result)
    end

    def parse(chunk)
      chunk = chunk.pack('C*') if chunk.is_a?(Array)
      len = chunk.bytesize
      if len >= ZERO_COPY_MIN && !@draining
        read_and_drain(chunk, len)
      else
        # From a listener while a chunk is being read in place: its unread
        # rest goes first, so input keeps its order.
        store_unread if @read_len
        result = N.ws_feed(@handle, chunk, len)
        N.check!(result, @handle, 'ws_feed') unless result == N::OK
        drain
      end
      nil
    end

    def text(message)
      message = Driver.encode(message, Encoding::UTF_8) unless message.is_a?(String) && message.encoding == UTF_8
      result = N.ws_text(@handle, message, message.bytesize)
      drain
      result == N::OK || ok?(result)
    end

    def binary(message)
      message = Driver.encode(message, Encoding::BINARY)
      result = N.ws_binary(@handle, message, message.bytesize)
      drain
      ok?(result)
    end

    def ping(message = '', &callback)
      message = payload(message)
      if callback
        token = (@ping_token += 1)
        @ping_callbacks[token] = callback
        result = N.ws_ping_token(@handle, message, message.bytesize, token)
        @ping_callbacks.delete(token) unless result == N::OK
      else
        result = N.ws_ping_token(@handle, message, message.bytesize, 0)
      end
      drain
      ok?(result)
    end

    def pong(message = '')
      message = payload(message)
      result = N.ws_pong(@handle, message, message.bytesize)
      drain
      ok?(result)
    end

    # Note the order: reason first, then code, as in the gem.
    def close(reason = nil, code = nil)
      reason = Driver.encode(reason || '', Encoding::UTF_8)
      code ||= 1000
      result = N.ws_close(@handle, code, reason, reason.bytesize)
      drain
      ok?(result)
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
      result = N.ws_transport_closed(@handle)
      drain
      ok?(result)
    end

    # Frees the native driver now instead of waiting for GC. Later calls
    # raise.
    # The native ws_driver (an FFI::AutoPointer); for sibling objects such
    # as Proxy.
    def native_handle
      @handle
    end

    def free
      return if @handle.nil? || @handle.null?

      @handle.free
      @handle = FFI::Pointer::NULL
      nil
    end

    private

    # -- plumbing ----------------------------------------------------------

    def adopt_handle(out)
      ptr = out.read_pointer
      raise NativeError, 'wsdriver: constructor returned NULL' if ptr.null?

      @handle = FFI::AutoPointer.new(ptr, N.method(:ws_driver_free))
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

    # Hands out every pending action, one at a time: writes go to
    # socket.write, events to listeners. A command issued from a listener
    # only queues in the core; this loop (the outermost one) delivers what
    # it produced, in order. An exception from a listener leaves the loop;
    # the actions not yet taken stay queued in the core for the next call.
    def drain
      if @draining
        @more = true
        return
      end

      @draining = true
      begin
        drain_actions
      ensure
        @draining = false
        raise_extension_fatal if @extension_fatal
      end
    end

    # size_t fields are read with get_uint64 or get_uint32, fixed when the
    # class is loaded, so the hot loops below make no extra call for it.
    SIZE_GET = FFI.type_size(:size_t) == 8 ? 'get_uint64' : 'get_uint32'
    private_constant :SIZE_GET

    class_eval <<~RUBY, __FILE__, __LINE__ + 1
      # The hot loop: ws_poll until EMPTY. Messages are handled inline (one
      # String read straight from the action's address, the MessageEvent, the
      # listener call); writes go to the socket; the rest to dispatch.
      def drain_actions
        handle = @handle
        ptr    = @action_ptr
        while (result = N.ws_poll(handle, ptr)) == OK
          case ptr.get_uint32(KIND_OFFSET)
          when ACTION_MESSAGE
            data = MEMORY.get_bytes(ptr.#{SIZE_GET}(DATA_OFFSET) - 1, ptr.#{SIZE_GET}(LEN_OFFSET))
            if ptr.get_uint32(MESSAGE_KIND_OFFSET) == MESSAGE_TEXT
              data.force_encoding(UTF_8)
            elsif @binary_data_format == :array
              data = data.bytes
            end
            list = @listeners[MESSAGE]
            if list.size == 1
              list[0].call(MessageEvent.new(data))
            else
              emit_message(MessageEvent.new(data))
            end
          when ACTION_WRITE
            @socket.write(read_data(ptr))
          else
            dispatch(ptr)
          end
        end
        N.check!(result, handle, 'ws_poll') unless result == N::EMPTY
      end

      # parse for large chunks: the core parses straight out of the chunk
      # (ws_read) up to each action, so large messages are never copied
      # into the driver's input buffer. After a message, unless a listener
      # gave a command, the next ws_read follows at once (no ws_poll just to
      # learn that nothing else is waiting: had anything been waiting,
      # ws_read would have stored the rest like ws_feed, and the final loop
      # takes it). Once a small message shows up, the rest of the chunk is
      # fed at once instead: for small messages one copy of the chunk costs
      # less than a second native call per message.
      #
      # The chunk is read through a private copy-on-write duplicate (no
      # bytes copied), so a listener that modifies the caller's String cannot
      # move the memory being parsed. If a listener raises, the part of the
      # chunk not yet read is fed (copied) to the core, to be parsed by the
      # next call, as with ws_feed.
      def read_and_drain(chunk, len)
        buf      = chunk.frozen? ? chunk : chunk.dup
        base     = Fiddle::Pointer[buf].to_i
        handle   = @handle
        ptr      = @action_ptr
        consumed = @consumed_ptr
        @draining = true
        @read_base = base
        @read_len = len
        @read_off = 0
        begin
          while (off = @read_off) < len
            @more = false
            result = N.ws_read_at(handle, base + off, len - off, consumed)
            N.check!(result, handle, 'ws_read') unless result == OK
            used = consumed.#{SIZE_GET}(0)
            @read_off = off + used
            polled = false
            while (result = N.ws_poll(handle, ptr)) == OK
              polled = true
              if ptr.get_uint32(KIND_OFFSET) == ACTION_MESSAGE
                size = ptr.#{SIZE_GET}(LEN_OFFSET)
                data = MEMORY.get_bytes(ptr.#{SIZE_GET}(DATA_OFFSET) - 1, size)
                if ptr.get_uint32(MESSAGE_KIND_OFFSET) == MESSAGE_TEXT
                  data.force_encoding(UTF_8)
                elsif @binary_data_format == :array
                  data = data.bytes
                end
                emit_message(MessageEvent.new(data))
                if size < ZERO_COPY_MESSAGE_MIN
                  store_unread
                  break
                end
                break unless @more
              else
                dispatch(ptr)
              end
            end
            # No progress and nothing to hand out: store the rest instead.
            store_unread unless polled || used.positive?
          end
          drain_actions
        ensure
          store_unread if @read_off < len
          @read_len = nil
          @draining = false
          raise_extension_fatal if @extension_fatal
        end
      end
    RUBY

    # A message for the listeners (dispatch's path; the loops above inline it).
    def deliver_message(ptr)
      data = MEMORY.get_bytes(Driver.read_address(ptr, DATA_OFFSET) - 1, Driver.read_size(ptr, LEN_OFFSET))
      if ptr.get_uint32(MESSAGE_KIND_OFFSET) == MESSAGE_TEXT
        data.force_encoding(UTF_8)
      elsif @binary_data_format == :array
        data = data.bytes
      end
      emit_message(MessageEvent.new(data))
    end

    def raise_extension_fatal
      error = @extension_fatal
      @extension_fatal = nil
      raise error
    end

    # Feeds (copies) the part of the chunk being read that the core has not
    # seen yet, and marks it read.
    def store_unread
      off = @read_off
      len = @read_len
      return if off >= len

      @read_off = len
      N.check!(N.ws_feed_at(@handle, @read_base + off, len - off), @handle, 'ws_feed')
    end

    def read_data(ptr)
      len = Driver.read_size(ptr, N::LEN_OFFSET)
      return EMPTY_BINARY.dup if len.zero?

      MEMORY.get_bytes(Driver.read_address(ptr, N::DATA_OFFSET) - 1, len)
    end

    def dispatch(ptr)
      case ptr.get_uint32(N::KIND_OFFSET)
      when N::ACTION_WRITE
        @socket.write(read_data(ptr))
      when N::ACTION_MESSAGE
        deliver_message(ptr)
      when N::ACTION_OPEN
        emit(:open, OpenEvent.new)
      when N::ACTION_CONNECT
        on_connect
        emit(:connect, ConnectEvent.new)
      when N::ACTION_PING
        emit(:ping, PingEvent.new(read_data(ptr)))
      when N::ACTION_PONG
        # UTF-8, as the gem's (it matches the payload to ping callbacks as text).
        emit(:pong, PongEvent.new(read_data(ptr).force_encoding(UTF_8)))
      when N::ACTION_PING_ANSWERED
        callback = @ping_callbacks.delete(ptr.get_uint64(N::TOKEN_OFFSET))
        callback&.call
      when N::ACTION_CLOSE
        @extension_bridges&.each(&:close)
        code = ptr.get_uint32(N::CODE_OFFSET)
        if code.zero?
          emit(:close, CloseEvent.new(nil, nil))
        else
          emit(:close, CloseEvent.new(code, read_data(ptr).force_encoding(Encoding::UTF_8)))
        end
      when N::ACTION_ERROR
        emit(:error, ProtocolError.new(read_data(ptr).force_encoding(Encoding::UTF_8)))
      end
    end

    def on_connect; end

    MESSAGE = 'message'
    private_constant :MESSAGE

    # emit(:message, event) without the per-call Symbol#to_s and, for the
    # usual single listener, without copying the list (the listener is
    # taken before it runs, so the copy semantics are the same).
    def emit_message(event)
      list = @listeners[MESSAGE]
      if list.size == 1
        list[0].call(event)
      else
        list.dup.each { |listener| listener.call(event) }
      end
    end
  end
end
