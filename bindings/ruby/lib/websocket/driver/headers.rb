# frozen_string_literal: true

require 'set'

module WebSocket
  # Header-name normalisation shared by Driver::Headers (the gem keeps it in
  # websocket/http.rb next to its HTTP parser; the parser itself is native
  # here).
  module HTTP
    def self.normalize_header(name)
      name.to_s.strip.downcase.sub(/^http_/, '').gsub('_', '-')
    end
  end

  class Driver
    # Two things in one, as in the gem: a case-insensitive view of headers
    # that were received (`[]`, `to_h`, `inspect`), and the list of header
    # lines to send (`[]=`, `to_s`), where a repeated name is dropped unless
    # HTTP allows repeating it.
    class Headers
      ALLOWED_DUPLICATES = %w[set-cookie set-cookie2 warning www-authenticate].freeze

      def initialize(received = {})
        @raw = received
        clear

        @received = {}
        @raw.each { |key, value| @received[HTTP.normalize_header(key)] = value }
      end

      def clear
        @sent  = Set.new
        @lines = []
      end

      def [](name)
        @received[HTTP.normalize_header(name)]
      end

      def []=(name, value)
        return if value.nil?

        key = HTTP.normalize_header(name)
        return unless @sent.add?(key) || ALLOWED_DUPLICATES.include?(key)

        @lines << "#{name.strip}: #{value.to_s.strip}\r\n"
      end

      def inspect
        @raw.inspect
      end

      def to_h
        @raw.dup
      end

      def to_s
        @lines.join
      end
    end
  end
end
