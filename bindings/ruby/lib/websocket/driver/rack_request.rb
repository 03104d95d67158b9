# frozen_string_literal: true

module WebSocket
  class Driver
    # Turns a Rack env into the request that ws_driver_new_rack takes:
    # method, target, header lists, request body and URL.
    module RackRequest
      SKIPPED = %w[HTTP_VERSION].freeze

      module_function

      def target(env)
        path = "#{env['SCRIPT_NAME']}#{env['PATH_INFO']}"
        path = '/' if path.empty?
        query = env['QUERY_STRING'].to_s
        query.empty? ? path : "#{path}?#{query}"
      end

      def headers(env)
        list = []
        env.each do |key, value|
          next unless key.is_a?(String) && !value.nil?

          if key.start_with?('HTTP_')
            next if SKIPPED.include?(key)

            name = key[5..]
          elsif key == 'CONTENT_TYPE' || key == 'CONTENT_LENGTH'
            name = key
          else
            next
          end
          value = value.to_s
          next if value.include?("\r") || value.include?("\n")

          list << [name.split('_').map(&:capitalize).join('-'), value]
        end
        list
      end

      # Calls ws_driver_new_rack; keeps every buffer alive for the call.
      def create(native, opts, env, url, body, out)
        list   = headers(env)
        count  = list.size
        names  = list.map { |n, _| FFI::MemoryPointer.from_string(n) }
        values = list.map { |_, v| FFI::MemoryPointer.from_string(v) }
        name_array  = FFI::MemoryPointer.new(:pointer, [count, 1].max)
        value_array = FFI::MemoryPointer.new(:pointer, [count, 1].max)
        name_array.write_array_of_pointer(names) if count.positive?
        value_array.write_array_of_pointer(values) if count.positive?
        body ||= ''
        method = env['REQUEST_METHOD'].to_s
        method = 'GET' if method.empty?

        native.ws_driver_new_rack(opts, method, target(env), name_array, value_array, count,
                                  body, body.bytesize, url, out)
      end
    end
  end
end
