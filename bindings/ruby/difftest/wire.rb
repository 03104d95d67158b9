# frozen_string_literal: true

# What some rules check on the wire: the bytes a case feeds after the
# handshake, decoded as hybi frame headers or run through the gem's hixie
# framing.
module Divergences
  module_function

  # The bytes the driver reads after the handshake head (server: after the
  # request head; client: after the response head; rack: all of them).
  def frame_bytes(c)
    wire = c[:steps].select { |s| s[0] == :parse }.map { |s| s[1] }.join.b
    return wire if c[:kind] == :rack

    at = wire.index("\r\n\r\n".b)
    at ? wire.byteslice((at + 4)..) : ''.b
  end

  # Headers of the hybi frames in `bytes`, in order: [opcode, fin, length].
  def frame_headers(bytes)
    out = []
    at = 0
    while at + 2 <= bytes.bytesize
      b0 = bytes.getbyte(at)
      b1 = bytes.getbyte(at + 1)
      len = b1 & 0x7f
      at += 2
      if len == 126
        break if at + 2 > bytes.bytesize

        len = bytes.byteslice(at, 2).unpack1('n')
        at += 2
      elsif len == 127
        break if at + 8 > bytes.bytesize

        len = bytes.byteslice(at, 8).unpack1('Q>')
        at += 8
      end
      at += 4 if b1 & 0x80 != 0
      out << [b0 & 0x0f, b0 & 0x80 != 0, len]
      at += len
    end
    out
  end

  # Whether the first frame the gem fails for max_length is a control frame
  # (the gem adds a data frame's length to its message so far).
  def first_too_long_is_control?(c)
    max = c[:opts][:max_length] or return false
    message = 0
    frame_headers(frame_bytes(c)).each do |op, fin, len|
      if op >= 8
        # The gem counts the message so far against control frames too.
        return true if message + len > max
      else
        return false if message + len > max

        message = fin ? 0 : message + len
      end
    end
    false
  end
end

module Divergences
  module_function

  # Runs the gem's Draft75/Draft76 framing over the bytes after the
  # handshake and tells whether it meets 0xFF inside a length-prefixed frame
  # (which it takes as the end of a text frame) before anything else ends
  # the stream.
  def hixie_ff_in_length_frame?(c)
    bytes = frame_bytes(c)
    bytes = bytes.byteslice(8..) || ''.b if c[:version] == :hixie76 && c[:kind] == :server
    # A rack hixie-76 key body shorter than 8 bytes is completed by the
    # first bytes parsed.
    bytes = bytes.byteslice((8 - [c[:env]['rack.input'].bytesize, 8].min)..) || ''.b if c[:version] == :hixie76 && c[:kind] == :rack
    max = c[:opts][:max_length] || (2**26) - 1
    stage = 0
    length = nil
    closing = false
    skipped = 0
    text = 0
    bytes.each_byte do |b|
      case stage
      when 0
        if b & 0x80 == 0x80
          closing = c[:version] == :hixie76 && b == 0xff
          length = 0
          stage = 1
        else
          length = nil
          text = 0
          stage = 2
        end
      when 1
        length = (b & 0x7f) + (128 * length)
        return false if length > max || (closing && length.zero?)

        if b & 0x80 != 0x80
          skipped = 0
          stage = length.zero? ? 0 : 2
        end
      when 2
        return true if b == 0xff && length
        next stage = 0 if b == 0xff

        if length
          skipped += 1
          stage = 0 if skipped == length
        else
          text += 1
          return false if text > max
        end
      end
    end
    false
  end
end
