# frozen_string_literal: true

module WebSocket
  class Driver
    # Node-style listener registry, as in websocket-driver: events are keyed
    # by name (symbols and strings are the same event), listeners run in the
    # order they were added, and `emit` walks a copy of the list so that
    # listeners added or removed while emitting take effect next time.
    module EventEmitter
      def initialize(*)
        @listeners = Hash.new { |hash, key| hash[key] = [] }
      end

      def add_listener(event, callable = nil, &block)
        listener = callable || block
        @listeners[event.to_s] << listener
        listener
      end

      def on(event, callable = nil, &block)
        if callable
          add_listener(event, callable)
        else
          add_listener(event, &block)
        end
      end

      def remove_listener(event, callable = nil, &block)
        listener = callable || block
        @listeners[event.to_s].delete(listener)
        listener
      end

      def remove_all_listeners(event = nil)
        if event
          @listeners.delete(event.to_s)
        else
          @listeners.clear
        end
      end

      def emit(event, *args)
        @listeners[event.to_s].dup.each do |listener|
          listener.call(*args)
        end
      end

      def listener_count(event)
        return 0 unless @listeners.key?(event.to_s)

        @listeners[event.to_s].size
      end

      def listeners(event)
        @listeners[event.to_s]
      end
    end
  end
end
