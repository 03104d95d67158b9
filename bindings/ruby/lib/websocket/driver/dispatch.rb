# frozen_string_literal: true

require 'monitor'
require 'fiddle'

module WebSocket
  class Driver
    # How actions leave the native driver, and which thread does what. This
    # is the gem's behaviour under threads:
    #
    # * Every call holds the driver's lock (a Monitor) while it talks to the
    #   core and writes to the socket: frames from different threads never
    #   interleave, and a call's writes are on the socket before it returns,
    #   whatever thread made it.
    # * Listeners run with the lock released, one at a time and in wire
    #   order, on the dispatching thread: the one inside `parse`, or a
    #   command's own thread for the events the command caused (`start`
    #   inside a :connect listener writes the 101 and emits :open before it
    #   returns, as in the gem).
    # * A command from another thread while events are being dispatched
    #   takes only what it queued (ws_poll_queued, which never runs the
    #   parser): its writes go out at once, its events (a hixie close, say)
    #   are handed to the dispatching thread, which emits them after the
    #   running listener.
    # * Only `parse` runs the parser. When `parse` returns (or raises from
    #   a listener), nothing it produced is left queued, except the actions
    #   after the raising listener, which the next call delivers.
    module Dispatch
      N = ::WSDriver::Native
      OK             = N::OK
      EMPTY          = N::EMPTY
      KIND           = N::KIND_OFFSET
      MESSAGE_KIND   = N::MESSAGE_KIND_OFFSET
      DATA           = N::DATA_OFFSET
      LEN            = N::LEN_OFFSET
      ACTION_MESSAGE = N::ACTION_MESSAGE
      ACTION_WRITE   = N::ACTION_WRITE
      MESSAGE_TEXT   = N::MESSAGE_TEXT
      UTF_8          = Encoding::UTF_8
      # Reads native memory at an address without a Pointer per read:
      # MEMORY.get_bytes(address - 1, len).
      MEMORY = FFI::Pointer.new(1)
      # Chunks at least this long are lent to the driver (ws_lend), which
      # parses them in place, instead of being copied into it (ws_feed).
      ZERO_COPY_MIN = 4096
      MESSAGE = 'message'
      # Messages up to SEND_MAX bytes are framed into a per-driver buffer.
      SEND_MAX = 4096
      FRAME_HEAD_MAX = 14
      # Actions per ws_poll_many call, and their stride.
      BATCH  = 32
      STRIDE = N::Action.size

      def parse(chunk)
        chunk = chunk.pack('C*') if chunk.is_a?(Array)
        len = chunk.bytesize
        @lock.mon_enter
        begin
          if @dispatcher
            # From a listener, or from another thread while events are being
            # delivered: the running loop parses it. The driver stores the
            # unread rest of a lent chunk first, so the input goes after it.
            N.check!(N.ws_feed(@handle, chunk, len), @handle, 'ws_feed')
            @parsing = true
          elsif len >= ZERO_COPY_MIN
            lend(chunk, len)
          else
            N.check!(N.ws_feed(@handle, chunk, len), @handle, 'ws_feed')
            dispatch(true)
          end
        ensure
          @lock.mon_exit
        end
        nil
      end

      private

      def init_dispatch
        @lock         = Monitor.new
        @dispatcher   = nil   # the thread delivering events, if any
        @parsing      = false # whether its loop may run the parser
        @handed       = []    # [name, event] other threads took for it
        @action       = N.new_action
        @action_ptr   = @action.to_ptr
        @consumed_ptr = FFI::MemoryPointer.new(:size_t) # also ws_poll_many's count
        @batch_ptr    = FFI::MemoryPointer.new(STRIDE * BATCH)
        @batch_ptr.put_uint32(0, STRIDE) # struct_size
      end

      # Runs a command (the block's native call) and delivers its output;
      # returns the block's value. `parse`: outside any dispatch, also parse
      # the input the core holds (`start` answering a handshake delivers the
      # frames that came before it, as the gem has by then).
      def command(parse: false)
        @lock.mon_enter
        begin
          result = yield
          flush_output(parse)
          result
        ensure
          @lock.mon_exit
        end
      end

      # What a command queued: written (and its events emitted) by this
      # thread, or its events handed to the dispatching thread.
      def flush_output(parse = false)
        raise_extension_fatal if @extension_fatal
        owner = @dispatcher
        if owner.nil?
          parse ? dispatch(true) : flush_writes
        elsif owner.equal?(Thread.current)
          run_actions(true)
        else
          hand_over
        end
      end

      # text/binary: when the frame can go out at once (open, nothing queued
      # ahead, no extension, small enough) the core frames it straight into
      # this driver's send buffer (ws_send_into: one native call, no queue);
      # otherwise it is queued as by ws_text/ws_binary and delivered as any
      # command's output.
      def send_message(kind, message)
        len = message.bytesize
        return command { N.ws_send_into(@handle, kind, message, len, nil, 0, @consumed_ptr) } if len > SEND_MAX

        buf = (@send_buf ||= FFI::MemoryPointer.new(SEND_MAX + FRAME_HEAD_MAX))
        @lock.mon_enter
        begin
          result = N.ws_send_into(@handle, kind, message, len, buf, SEND_MAX + FRAME_HEAD_MAX, @consumed_ptr)
          framed = @consumed_ptr.get_ulong(0)
          if result == OK && framed.positive?
            @socket.write(buf.get_bytes(0, framed)) # nothing was queued ahead of it
          else
            flush_output
          end
          result
        ensure
          @lock.mon_exit
        end
      end

      # A query or a call that produces no output, under the lock.
      def locked(&block)
        @lock.synchronize(&block)
      end

      # This thread delivers until nothing is left.
      def dispatch(parse)
        @dispatcher = Thread.current
        @parsing = parse
        begin
          run_actions(false)
        ensure
          @dispatcher = nil
          @parsing = false
          raise_extension_fatal if @extension_fatal
        end
      end

      # A command's output when no thread is dispatching: writes only, as a
      # rule; at the first event this thread takes the dispatcher's role.
      def flush_writes
        ptr = @action_ptr
        while (result = N.ws_poll_queued(@handle, ptr)) == OK
          if ptr.get_uint32(KIND) == ACTION_WRITE
            @socket.write(bytes_of(ptr, 0))
            next
          end
          # Not nested: a `parse` from a listener or another thread
          # meanwhile sets @parsing, and this loop then parses its input.
          @dispatcher = Thread.current
          begin
            run_action(ptr, 0)
            run_actions(false)
          ensure
            @dispatcher = nil
            @parsing = false
          end
          return
        end
        N.check!(result, @handle, 'ws_poll_queued') unless result == EMPTY
      end

      # The loop: events other threads handed over first (they are older
      # than anything still queued), then the core's actions, in batches
      # (ws_poll_many) while parsing. `nested` is a command from a listener:
      # it delivers what it queued and stops.
      def run_actions(nested)
        loop do
          take_handed unless @handed.empty?
          if !nested && @parsing
            result = N.ws_poll_many(@handle, @batch_ptr, BATCH, @consumed_ptr)
            if result == OK
              count = @consumed_ptr.get_ulong(0)
              count == 1 ? run_action(@batch_ptr, 0) : run_batch(count)
              next
            end
          else
            result = N.ws_poll_queued(@handle, @action_ptr)
            if result == OK
              run_action(@action_ptr, 0)
              next
            end
          end
          if result == EMPTY
            break
          else
            return if @handle.null? # freed by a listener

            N.check!(result, @handle, 'ws_poll')
          end
        end
      end

      # Delivers one action.
      def run_action(ptr, off)
        kind = ptr.get_uint32(off + KIND)
        if kind == ACTION_MESSAGE
          emit_message(MessageEvent.new(message_data(ptr, off)))
        elsif kind == ACTION_WRITE
          @socket.write(bytes_of(ptr, off))
        else
          deliver(*event_of(ptr, kind, off))
        end
      end

      # Everything a batch points to is copied into Ruby objects before the
      # first listener runs (a command from another thread meanwhile would
      # invalidate it); then they go out in order, the lock released across
      # runs of messages. Whatever a raising listener leaves is handed over,
      # for the next call.
      def run_batch(count)
        ptr = @batch_ptr
        return run_action(ptr, 0) if count == 1

        items = Array.new(count)
        i = 0
        while i < count
          off = i * STRIDE
          kind = ptr.get_uint32(off + KIND)
          items[i] = if kind == ACTION_MESSAGE then MessageEvent.new(message_data(ptr, off))
                     elsif kind == ACTION_WRITE then [:write, bytes_of(ptr, off)]
                     else event_of(ptr, kind, off)
                     end
          i += 1
        end
        deliver_batch(items, count)
      end

      def deliver_batch(items, count)
        i = 0
        @lock.mon_exit
        begin
          while i < count
            item = items[i]
            i += 1
            if item.instance_of?(MessageEvent)
              list = @listeners[MESSAGE]
              if list.size == 1
                list[0].call(item)
              else
                list.dup.each { |listener| listener.call(item) }
              end
              next if @handed.empty?
            end
            @lock.mon_enter
            begin
              unless item.instance_of?(MessageEvent)
                name, event = item
                name == :write ? @socket.write(event) : deliver(name, event)
              end
              take_handed
            ensure
              @lock.mon_exit
            end
          end
        ensure
          @lock.mon_enter
          while i < count
            item = items[i]
            @handed << (item.instance_of?(MessageEvent) ? [:message, item] : item)
            i += 1
          end
        end
      end

      # Delivers what other threads handed over.
      def take_handed
        while (item = @handed.shift)
          name, event = item
          if name == :write
            @socket.write(event)
          else
            deliver(name, event)
          end
        end
      end

      # Another thread is delivering events: write what this command queued
      # now, hand its events over.
      def hand_over
        ptr = @action_ptr
        while (result = N.ws_poll_queued(@handle, ptr)) == OK
          kind = ptr.get_uint32(KIND)
          if kind == ACTION_WRITE
            @socket.write(bytes_of(ptr, 0))
          elsif kind == ACTION_MESSAGE
            @handed << [:message, MessageEvent.new(message_data(ptr, 0))]
          else
            @handed << event_of(ptr, kind, 0)
          end
        end
        N.check!(result, @handle, 'ws_poll_queued') unless result == EMPTY
      end

      # parse for large chunks: the chunk is lent to the driver, which
      # parses straight out of it as the loop polls, so large messages are
      # never copied into the driver. It reads a private copy-on-write
      # duplicate (no bytes copied), so a listener that modifies the
      # caller's String cannot move the memory being parsed. What the driver
      # has not read when the loop ends (a listener raised) it stores for
      # the next call (ws_lend_end).
      def lend(chunk, len)
        buf = chunk.frozen? ? chunk : chunk.dup
        N.check!(N.ws_lend_at(@handle, Fiddle::Pointer[buf].to_i, len), @handle, 'ws_lend')
        begin
          dispatch(true) # `buf` stays referenced by this frame meanwhile
        ensure
          N.ws_lend_end(@handle) unless @handle.null? # freed by a listener
        end
      end

      # -- decoding (the only place that reads a ws_action) -----------------

      # A message action's data: a UTF-8 String for text, a BINARY String or
      # an Array of bytes (binary_data_format: :array) for binary.
      def message_data(ptr, off)
        data = MEMORY.get_bytes(ptr.get_ulong(off + DATA) - 1, ptr.get_ulong(off + LEN))
        if ptr.get_uint32(off + MESSAGE_KIND) == MESSAGE_TEXT
          data.force_encoding(UTF_8)
        elsif @binary_data_format == :array
          data.bytes
        else
          data
        end
      end

      # A write's or event's bytes (BINARY).
      def bytes_of(ptr, off)
        MEMORY.get_bytes(ptr.get_ulong(off + DATA) - 1, ptr.get_ulong(off + LEN))
      end

      # [listener name, event] for an event other than a message; runs
      # under the lock, so everything read from the action is copied.
      def event_of(ptr, kind, off)
        case kind
        when N::ACTION_OPEN
          [:open, OpenEvent.new]
        when N::ACTION_CONNECT
          on_connect
          [:connect, ConnectEvent.new]
        when N::ACTION_PING
          [:ping, PingEvent.new(bytes_of(ptr, off))]
        when N::ACTION_PONG
          [:pong, PongEvent.new(bytes_of(ptr, off).force_encoding(UTF_8))]
        when N::ACTION_PING_ANSWERED
          [:ping_answered, @ping_callbacks.delete(ptr.get_uint64(off + N::TOKEN_OFFSET))]
        when N::ACTION_CLOSE
          @extension_bridges&.each(&:close)
          code = ptr.get_uint32(off + N::CODE_OFFSET)
          [:close, code.zero? ? CloseEvent.new(nil, nil) : CloseEvent.new(code, bytes_of(ptr, off).force_encoding(UTF_8))]
        when N::ACTION_ERROR
          [:error, ProtocolError.new(bytes_of(ptr, off).force_encoding(UTF_8))]
        else
          [:unknown, nil]
        end
      end

      # -- listeners (the lock is released while they run) ----------------

      def deliver(name, event)
        @lock.mon_exit
        begin
          case name
          when :ping_answered then event&.call
          when :message then call_message_listeners(event)
          when :unknown then nil
          else emit(name, event)
          end
        ensure
          @lock.mon_enter
        end
      end

      # emit(:message, event) with the lock released.
      def emit_message(event)
        @lock.mon_exit
        begin
          call_message_listeners(event)
        ensure
          @lock.mon_enter
        end
      end

      # emit(:message, event) without the per-call Symbol#to_s and, for the
      # usual single listener, without copying the list (the listener is
      # taken before it runs, so the copy semantics are the same).
      def call_message_listeners(event)
        list = @listeners[MESSAGE]
        if list.size == 1
          list[0].call(event)
        else
          list.dup.each { |listener| listener.call(event) }
        end
      end

      def raise_extension_fatal
        error = @extension_fatal
        @extension_fatal = nil
        raise error
      end
    end
  end
end
