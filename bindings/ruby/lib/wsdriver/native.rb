# frozen_string_literal: true

require 'ffi'
require 'fiddle'

module WSDriver
  # Raw bindings to libwsdriver (include/wsdriver.h). Nothing here knows
  # about Ruby objects: the driver classes in websocket/driver/*.rb own the
  # handles and turn actions into events.
  module Native
    extend FFI::Library

    # Where to look for the shared library, in order: an explicit path in
    # WSDRIVER_LIB; the copy inside an installed gem (lib/wsdriver/ next to
    # this file, where the source gem's cargo build and the platform gem
    # put it, or wsdriver/ in a load-path directory such as the gem's
    # extension directory); the repository's own release build; then the
    # system library path.
    def self.candidates
      name = FFI.map_library_name('wsdriver')
      list = []
      list << ENV['WSDRIVER_LIB'] if ENV['WSDRIVER_LIB'] && !ENV['WSDRIVER_LIB'].empty?
      list << File.join(__dir__, name)
      $LOAD_PATH.each do |dir|
        path = File.join(dir.to_s, 'wsdriver', name)
        list << path if File.exist?(path)
      end
      list << File.join(File.expand_path('../../../../target/release', __dir__), name)
      list << 'wsdriver'
      list.uniq
    end

    errors = []
    loaded = candidates.any? do |path|
      next false if path.include?('/') && !File.exist?(path) && (errors << "#{path} (no such file)")

      begin
        ffi_lib path
        @library_path = path
        true
      rescue LoadError => e
        errors << "#{path} (#{e.message.lines.first&.strip})"
        false
      end
    end
    unless loaded
      raise LoadError, "wsdriver: could not load libwsdriver; tried:\n  " + errors.join("\n  ") +
                       "\nReinstall the gem (it builds the library with cargo), build it with " \
                       '`cargo build --release` in the repository root, ' \
                       'or set WSDRIVER_LIB to the path of libwsdriver.so.'
    end

    class << self
      attr_reader :library_path
    end

    # ws_result
    OK                 = 0
    NULL_PARAMETER     = 1
    PANIC              = 2
    INVALID_ARGUMENT   = 3
    INVALID_STATE      = 4
    NOT_SUPPORTED      = 5
    INVALID_UTF8       = 6
    INVALID_URL        = 7
    CALLBACK_STOPPED   = 8
    BUFFER_TOO_SMALL   = 9
    LIMIT_EXCEEDED     = 10
    HANDSHAKE_FAILED   = 11
    EMPTY              = 12

    # ws_action kinds
    ACTION_WRITE         = 1
    ACTION_CONNECT       = 2
    ACTION_OPEN          = 3
    ACTION_MESSAGE       = 4
    ACTION_PING          = 5
    ACTION_PONG          = 6
    ACTION_PING_ANSWERED = 7
    ACTION_CLOSE         = 8
    ACTION_ERROR         = 9

    MESSAGE_TEXT   = 1
    MESSAGE_BINARY = 2

    STATE_CONNECTING = 0
    STATE_OPEN       = 1
    STATE_CLOSING    = 2
    STATE_CLOSED     = 3

    class Action < FFI::Struct
      layout :struct_size,  :uint32,
             :kind,         :uint32,
             :message_kind, :uint32,
             :code,         :uint32,
             :data,         :pointer,
             :len,          :size_t,
             :token,        :uint64
    end

    typedef :pointer, :ws_driver
    typedef :pointer, :ws_options
    typedef :pointer, :ws_proxy
    typedef :uint32,  :ws_result

    attach_function :ws_version, [], :string
    attach_function :ws_result_text, [:uint32], :string
    attach_function :ws_last_error, [:ws_driver], :string

    attach_function :ws_options_new, [], :ws_options
    attach_function :ws_options_free, [:ws_options], :void
    attach_function :ws_options_set_max_length, [:ws_options, :uint64], :ws_result
    attach_function :ws_options_add_protocol, [:ws_options, :string], :ws_result
    attach_function :ws_options_set_masking, [:ws_options, :int32], :ws_result
    attach_function :ws_options_set_require_masking, [:ws_options, :int32], :ws_result
    attach_function :ws_options_set_client_key, [:ws_options, :string], :ws_result
    attach_function :ws_options_set_retained_buffer, [:ws_options, :size_t], :ws_result
    attach_function :ws_options_set_max_queued, [:ws_options, :size_t], :ws_result
    attach_function :ws_options_set_hybi_drafts, [:ws_options, :int32], :ws_result

    attach_function :ws_driver_new_server, [:ws_options, :pointer], :ws_result
    attach_function :ws_driver_new_rack,
                    [:ws_options, :string, :string, :pointer, :pointer, :size_t,
                     :pointer, :size_t, :string, :pointer], :ws_result
    attach_function :ws_driver_new_client, [:ws_options, :string, :pointer], :ws_result
    attach_function :ws_driver_free, [:ws_driver], :void

    attach_function :ws_start, [:ws_driver], :ws_result
    attach_function :ws_text, [:ws_driver, :pointer, :size_t], :ws_result
    attach_function :ws_binary, [:ws_driver, :pointer, :size_t], :ws_result
    attach_function :ws_pong, [:ws_driver, :pointer, :size_t], :ws_result
    attach_function :ws_close, [:ws_driver, :uint32, :pointer, :size_t], :ws_result
    attach_function :ws_transport_closed, [:ws_driver], :ws_result
    attach_function :ws_set_header, [:ws_driver, :string, :string], :ws_result

    attach_function :ws_feed, [:ws_driver, :pointer, :size_t], :ws_result
    attach_function :ws_poll, [:ws_driver, :pointer], :ws_result # ws_action *; we pass Action#to_ptr
    attach_function :ws_poll_queued, [:ws_driver, :pointer], :ws_result # ws_action *
    attach_function :ws_send_into, [:ws_driver, :uint32, :pointer, :size_t, :pointer, :size_t, :pointer], :ws_result
    attach_function :ws_poll_many, [:ws_driver, :pointer, :size_t, :pointer], :ws_result # ws_action[cap]
    attach_function :ws_ping_token, [:ws_driver, :pointer, :size_t, :uint64], :ws_result
    # ws_ping with a NULL callback (and user): a ping nobody waits on, which
    # does not count against max_pending_pings.
    attach_function :ws_ping_untracked, :ws_ping, [:ws_driver, :pointer, :size_t, :pointer, :pointer], :ws_result
    attach_function :ws_buffered_amount, [:ws_driver], :size_t

    attach_function :ws_state, [:ws_driver], :uint32
    attach_function :ws_driver_version, [:ws_driver], :string
    attach_function :ws_protocol, [:ws_driver], :string
    attach_function :ws_status, [:ws_driver], :uint32
    attach_function :ws_url, [:ws_driver], :string
    attach_function :ws_header_count, [:ws_driver], :size_t
    attach_function :ws_header_at, [:ws_driver, :size_t, :pointer, :pointer], :ws_result
    attach_function :ws_header, [:ws_driver, :string], :string
    attach_function :ws_request_method, [:ws_driver], :string
    attach_function :ws_request_path, [:ws_driver], :string
    attach_function :ws_request_query, [:ws_driver], :string
    attach_function :ws_request_body, [:ws_driver, :pointer, :pointer], :ws_result
    attach_function :ws_is_websocket, [:ws_driver], :int

    attach_function :ws_proxy_new, [:ws_driver, :string, :pointer], :ws_result
    attach_function :ws_proxy_free, [:ws_proxy], :void
    attach_function :ws_proxy_set_header, [:ws_proxy, :string, :string], :ws_result
    attach_function :ws_proxy_start, [:ws_proxy], :ws_result
    attach_function :ws_proxy_parse, [:ws_proxy, :pointer, :size_t, :pointer], :ws_result
    attach_function :ws_proxy_poll, [:ws_proxy, :pointer], :ws_result # ws_action *
    attach_function :ws_proxy_status, [:ws_proxy], :uint32
    attach_function :ws_proxy_header_count, [:ws_proxy], :size_t
    attach_function :ws_proxy_header_at, [:ws_proxy, :size_t, :pointer, :pointer], :ws_result

    # Zero-copy input: ws_lend with the data argument taken as an address
    # (Integer), so the binding can lend a Ruby String's buffer without
    # allocating a Pointer.
    attach_function :ws_lend_at, :ws_lend, [:ws_driver, :uintptr_t, :size_t], :ws_result
    attach_function :ws_lend_end, [:ws_driver], :ws_result

    # -- extensions ---------------------------------------------------------
    typedef :pointer, :ws_extension
    typedef :pointer, :ws_deflate
    typedef :pointer, :ws_buffer

    RSV1 = 0x40
    RSV2 = 0x20
    RSV3 = 0x10

    callback :ws_ext_destroy_cb, [:pointer], :void
    callback :ws_ext_offer_cb, [:pointer, :ws_buffer], :int
    callback :ws_ext_activate_cb, [:pointer, :pointer, :size_t], :int
    callback :ws_ext_respond_cb, [:pointer, :pointer, :size_t, :ws_buffer], :int
    callback :ws_ext_message_cb, [:pointer, :uint32, :uint32, :pointer, :size_t, :ws_buffer, :pointer], :int

    attach_function :ws_deflate_new, [], :ws_deflate
    attach_function :ws_deflate_free, [:ws_deflate], :void
    attach_function :ws_deflate_set_level, [:ws_deflate, :uint32], :ws_result
    attach_function :ws_deflate_set_min_size, [:ws_deflate, :size_t], :ws_result
    attach_function :ws_deflate_set_server_no_context_takeover, [:ws_deflate, :int], :ws_result
    attach_function :ws_deflate_set_client_no_context_takeover, [:ws_deflate, :int], :ws_result
    attach_function :ws_deflate_set_server_max_window_bits, [:ws_deflate, :uint32], :ws_result
    attach_function :ws_deflate_set_client_max_window_bits, [:ws_deflate, :uint32], :ws_result
    attach_function :ws_deflate_set_offer_client_max_window_bits, [:ws_deflate, :int], :ws_result
    attach_function :ws_add_deflate, [:ws_driver, :ws_deflate], :ws_result

    attach_function :ws_buffer_set, [:ws_buffer, :pointer, :size_t], :ws_result
    attach_function :ws_extension_new, [:string, :uint32, :pointer], :ws_result
    attach_function :ws_extension_set_user, [:ws_extension, :pointer, :ws_ext_destroy_cb], :ws_result
    attach_function :ws_extension_on_offer, [:ws_extension, :ws_ext_offer_cb], :ws_result
    attach_function :ws_extension_on_activate, [:ws_extension, :ws_ext_activate_cb], :ws_result
    attach_function :ws_extension_on_respond, [:ws_extension, :ws_ext_respond_cb], :ws_result
    attach_function :ws_extension_on_incoming, [:ws_extension, :ws_ext_message_cb], :ws_result
    attach_function :ws_extension_on_outgoing, [:ws_extension, :ws_ext_message_cb], :ws_result
    attach_function :ws_extension_free, [:ws_extension], :void
    attach_function :ws_add_extension, [:ws_driver, :ws_extension], :ws_result

    # Offsets into ws_action, for reading fields straight off the pointer
    # (cheaper than FFI::Struct#[] on the hot path).
    KIND_OFFSET         = Action.offset_of(:kind)
    MESSAGE_KIND_OFFSET = Action.offset_of(:message_kind)
    CODE_OFFSET         = Action.offset_of(:code)
    DATA_OFFSET         = Action.offset_of(:data)
    LEN_OFFSET          = Action.offset_of(:len)
    TOKEN_OFFSET        = Action.offset_of(:token)

    # A fresh action struct with struct_size filled in.
    def self.new_action
      action = Action.new
      action[:struct_size] = Action.size
      action
    end

    # size_t and uintptr_t fields are read as unsigned long, which has their
    # size on every LP64 and ILP32 platform (checked here, once).
    unless FFI.type_size(:ulong) == FFI.type_size(:size_t) && FFI.type_size(:ulong) == FFI.type_size(:pointer)
      raise LoadError, 'wsdriver: size_t, uintptr_t and unsigned long differ in size on this platform'
    end

    # A native object from a constructor's out-parameter, freed by `free`
    # when Ruby collects it.
    def self.adopt(out, free, what)
      ptr = out.read_pointer
      raise ::WebSocket::Driver::NativeError, "wsdriver: #{what} returned NULL" if ptr.null?

      FFI::AutoPointer.new(ptr, method(free))
    end

    # Walks the headers of a driver or proxy (ws_header_count/ws_header_at
    # or the ws_proxy_ pair), yielding each name and value (BINARY).
    def self.each_header(handle, prefix = 'ws')
      name_ptr  = FFI::MemoryPointer.new(:pointer)
      value_ptr = FFI::MemoryPointer.new(:pointer)
      public_send(:"#{prefix}_header_count", handle).times do |i|
        next unless public_send(:"#{prefix}_header_at", handle, i, name_ptr, value_ptr) == OK

        yield name_ptr.read_pointer.read_string, value_ptr.read_pointer.read_string
      end
    end

    # Raises for a result that means the binding misused the API.
    def self.check!(result, handle = nil, what = nil)
      return result if result == OK

      detail = handle && !handle.null? ? ws_last_error(handle) : nil
      message = "#{what || 'wsdriver'}: #{ws_result_text(result)}"
      message += " (#{detail})" if detail
      raise ::WebSocket::Driver::NativeError.new(message, result)
    end
  end
end
