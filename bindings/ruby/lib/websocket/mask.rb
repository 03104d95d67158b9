# frozen_string_literal: true

module WebSocket
  # The gem's masking helper (RFC 6455 §5.3) for callers that use it
  # directly; the drop-in's own frames are masked by the native core. As the
  # gem's C extension: a new BINARY String, the payload itself when there is
  # no mask, an empty String when there is nothing to mask.
  module Mask
    def self.mask(payload, mask)
      return payload if mask.nil? || payload.empty?

      key = mask.bytes
      out = payload.b
      out.bytesize.times { |i| out.setbyte(i, out.getbyte(i) ^ key[i % 4]) }
      out
    end
  end
end
