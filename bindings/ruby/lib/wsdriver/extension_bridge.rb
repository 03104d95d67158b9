# frozen_string_literal: true

require 'websocket/extensions'

module WSDriver
  # Runs one websocket-extensions-style Ruby extension for one driver through
  # the native callback extension (ws_extension_new + ws_extension_on_*).
  #
  # The protocol is the one websocket-extensions drives (ext.name, ext.type,
  # ext.rsv1..3, ext.create_client_session / create_server_session(offers),
  # session.generate_offer / activate(params) / generate_response /
  # process_incoming_message / process_outgoing_message / close), with
  # parameters parsed and serialized by WebSocket::Extensions::Parser.
  #
  # Callbacks run inside the native core, so nothing here calls ws_* on the
  # driver. No Ruby exception may unwind through C: every callback rescues,
  # and fails with the message as error text (the core closes with 1010
  # "<name>: <text>"). A non-StandardError (Interrupt, NoMemoryError, ...)
  # is handed to the driver, which re-raises it once the native call
  # returned.
  #
  # The FFI::Function objects belong to this bridge, which the driver keeps
  # for its whole life; the native extension gets no user pointer and no
  # destructor, so freeing the driver never calls into Ruby.
  class ExtensionBridge
    N = Native
    Parser = ::WebSocket::Extensions::Parser

    attr_reader :ext, :session, :name

    # `owner` receives fatal exceptions (#extension_fatal); `client` says
    # which end this is; `session`/`offer` are set for clients, which create
    # the session and its offer at start as websocket-extensions does.
    def initialize(owner, ext, client:, session: nil, offer: nil)
      @owner   = owner
      @ext     = ext
      @name    = ext.name.to_s
      @client  = client
      @session = session
      @offer   = offer
      @active  = false
      @functions = build_functions
    end

    # Creates the native extension and registers it on `handle`. Returns
    # the ws_result (the driver owns the extension on OK).
    def register(handle)
      rsv = (@ext.rsv1 ? N::RSV1 : 0) | (@ext.rsv2 ? N::RSV2 : 0) | (@ext.rsv3 ? N::RSV3 : 0)
      out = FFI::MemoryPointer.new(:pointer)
      N.check!(N.ws_extension_new(@name, rsv, out), nil, "ws_extension_new(#{@name.inspect})")
      native = out.read_pointer
      begin
        if @client
          N.ws_extension_on_offer(native, @functions[:offer])
          N.ws_extension_on_activate(native, @functions[:activate])
        else
          N.ws_extension_on_respond(native, @functions[:respond])
        end
        N.ws_extension_on_incoming(native, @functions[:incoming])
        N.ws_extension_on_outgoing(native, @functions[:outgoing])
        result = N.ws_add_extension(handle, native)
      ensure
        N.ws_extension_free(native) unless result == N::OK
      end
      result
    end

    # session.close for a session that took part in the connection.
    def close
      return unless @active && @session

      @active = false
      begin
        @session.close if @session.respond_to?(:close)
      rescue StandardError
        nil
      end
    end

    # "a=1; b" for params {'a' => 1, 'b' => true}, as
    # Parser.serialize_params writes them after the name.
    def self.serialize(name, params)
      text = Parser.serialize_params(name, params || {})
      text.bytesize > name.bytesize ? text.byteslice((name.bytesize + 2)..) : ''
    end

    private

    def build_functions
      {
        offer: FFI::Function.new(:int, %i[pointer pointer]) { |_u, out| offer(out) },
        activate: FFI::Function.new(:int, %i[pointer pointer size_t]) { |_u, text, len| activate(text, len) },
        respond: FFI::Function.new(:int, %i[pointer pointer size_t pointer]) do |_u, text, len, out|
          respond(text, len, out)
        end,
        incoming: FFI::Function.new(:int, %i[pointer uint32 uint32 pointer size_t pointer pointer]) do |*args|
          transform(:process_incoming_message, *args)
        end,
        outgoing: FFI::Function.new(:int, %i[pointer uint32 uint32 pointer size_t pointer pointer]) do |*args|
          transform(:process_outgoing_message, *args)
        end
      }
    end

    def set(buffer, text)
      text = text.to_s
      N.ws_buffer_set(buffer, text, text.bytesize)
    end

    # Runs the block; any exception becomes a failure (non-zero) with its
    # message in `buffer` when there is one.
    def guarded(buffer = nil)
      yield
    rescue Exception => e # rubocop:disable Lint/RescueException -- must not unwind through C
      @owner.extension_fatal(e) unless e.is_a?(StandardError)
      begin
        set(buffer, e.message) if buffer
      rescue Exception # rubocop:disable Lint/RescueException
        nil
      end
      1
    end

    def read_text(ptr, len)
      len.zero? ? +'' : ptr.read_bytes(len).force_encoding(Encoding::UTF_8)
    end

    # Client: the offer prepared at start.
    def offer(out)
      guarded do
        set(out, @offer)
        0
      end
    end

    # Client: the server's response entry for this extension.
    def activate(text, len)
      guarded do
        params = {}
        Parser.parse_header(read_text(text, len)).each_offer { |_name, p| params = p }
        if @session.activate(params) == true
          @active = true
          0
        else
          1
        end
      end
    end

    # Server: the client's offers for this extension.
    def respond(text, len, out)
      guarded do
        offers = Parser.parse_header(read_text(text, len)).by_name(@name)
        session = @ext.create_server_session(offers)
        next 1 unless session

        params = self.class.serialize(@name, session.generate_response)
        set(out, params)
        @session = session
        @active = true
        0
      end
    end

    def transform(method, _user, rsv, is_text, data, len, out_data, out_rsv)
      guarded(out_data) do
        message = ::WebSocket::Driver::Hybi::Message.new
        message.rsv1   = rsv.anybits?(N::RSV1)
        message.rsv2   = rsv.anybits?(N::RSV2)
        message.rsv3   = rsv.anybits?(N::RSV3)
        message.opcode = is_text == 1 ? 1 : 2
        payload = len.zero? ? String.new(encoding: Encoding::BINARY) : data.read_bytes(len)
        # As in the gem: outgoing text is UTF-8, incoming data BINARY.
        payload.force_encoding(Encoding::UTF_8) if is_text == 1 && method == :process_outgoing_message
        message.data = payload

        result = @session.__send__(method, message)
        result_data = result.data
        result_data = result_data.pack('C*') if result_data.is_a?(Array)
        result_data = result_data.to_s
        N.ws_buffer_set(out_data, result_data, result_data.bytesize)
        out_rsv.put_uint32(0, (result.rsv1 ? N::RSV1 : 0) | (result.rsv2 ? N::RSV2 : 0) |
                              (result.rsv3 ? N::RSV3 : 0))
        0
      end
    end
  end
end
