# frozen_string_literal: true

# The documented divergences, continued (rules.rb was split for length;
# the order of the rules matters and is rules.rb's, then this file's).
# max_length limits messages, not control frames (at most 125 bytes by RFC
# 6455): the gem fails a ping, pong or close frame longer than max_length
# with 1009. Recognized on the wire: the first frame over max_length is a
# control frame, the gem fails with 1009 "WebSocket frame length too large"
# and the traces agree up to its close frame; after it the gem's connection
# is closed and the binding's goes on.
Divergences.rule('max_length does not apply to control frames') do |c, gem, native|
  next unless c[:version] == :hybi && first_too_long_is_control?(c)

  at = gem.index { |e| error?(e, 'WebSocket frame length too large'.b) } or next
  at -= 1 if gem[at - 1][0] == :write && gem[at - 1][1].getbyte(0) == 0x88
  next unless gem[0...at] == native[0...at]

  [native, native]
end

# `close` on a Server before the request head is complete: the binding
# closes at once (:close with the given code, state :closed) and ignores
# all later input; the gem queues the close, replays it on the new
# delegate before its listeners are attached (the :close event is lost),
# emits :connect, and its closed delegate goes on parsing frames.
# Recognized by the binding's :close event right before close's `true`,
# before any :connect, only API results after it in the binding, and the
# same API results in the gem.
Divergences.rule('close before the request head closes at once') do |c, gem, native|
  next unless c[:kind] == :server

  at = native.index([:close, true]) or next
  next unless at.positive? && native[at - 1][0] == :close && native[at - 1].size == 3
  next if native[0...at].any? { |e| e[0] == :connect }
  next unless gem[0...(at - 1)] == native[0...(at - 1)] && gem[at - 1] == [:close, true]

  rest = native[(at + 1)..].reject { |e| e[0] == :state }
  next unless rest.all? { |e| API_CALLS.include?(e[0]) }
  # The gem queues calls made before its head is complete (true).
  connect = gem.index([:connect]) || gem.size
  calls = gem[at..].each_with_index.select { |e, _| API_CALLS.include?(e[0]) && e.size == 2 && !e[1].is_a?(Array) }
  calls = calls.map { |e, k| at + k < connect && QUEUED.include?(e[0]) && e[1] == true ? [e[0], false] : e }
  # Hixie drivers send after close in the gem (a rule above).
  calls = calls.map { |e| c[:version] != :hybi && e == [:text, true] ? [:text, false] : e }
  next unless calls == rest

  [native, native]
end

# A close frame whose reason is not UTF-8 (issue 18 item 6): the binding
# fails the connection with 1002 and an empty reason, in its reply and its
# :close event (RFC 6455 §7.1.6, §8.1; Autobahn 7.5.1); the gem echoes the
# bytes with 1002 and reports them as the reason.
Divergences.rule('a close reason that is not UTF-8: 1002 without the reason') do |c, gem, native|
  next unless c[:version] == :hybi

  bad = ->(r) { r.is_a?(String) && !r.dup.force_encoding(Encoding::UTF_8).valid_encoding? }
  out = gem.map do |e|
    if e[0] == :close && e.size == 3 && e[1] == 1002 && e[2].is_a?(Array) && bad.(e[2][0])
      [:close, 1002, [''.dup.force_encoding(e[2][1]), e[2][1]]]
    elsif e[0] == :write && e[1].getbyte(0) == 0x88 && (e[1].getbyte(1) & 0x7f) < 126
      head = e[1].getbyte(1) & 0x80 == 0 ? 2 : 6
      body = e[1].byteslice(head..)
      if body.bytesize > 2 && body.byteslice(0, 2) == "\x03\xea".b && bad.(body.byteslice(2..))
        [:write, (e[1].byteslice(0, 1) + [(e[1].getbyte(1) & 0x80) | 2].pack('C') + e[1].byteslice(2, head - 2) + "\x03\xea".b).b]
      else
        e
      end
    else
      e
    end
  end
  [out, native]
end

# `start` called on a Server before its request head is complete: the gem
# replays it on the new delegate before attaching its listeners, so the 101
# is written before :connect and :open is never emitted; the binding emits
# :connect, writes the 101 and emits :open. Recognized by a `start` result
# before any :connect and the gem's 101 right before :connect.
Divergences.rule('start before the request head: :connect, then the 101 and :open') do |c, gem, native|
  next unless c[:kind] == :server

  at = gem.index { |e| e[0] == :connect } or next
  next unless at.positive? && gem[0...at].any? { |e| e == [:start, true] }

  # The gem's writes from the replayed `start` (the 101, hixie-76's answer,
  # what the frames after the key body caused) come right before its
  # :connect, their events lost; the binding's come after :connect, with
  # their events (:open, messages, :close) and what an :open listener sends.
  from = gem[0...at].rindex { |e| e[0] == :write && e[1] =~ /\AHTTP\/1\.1 (101|400) /n } or next
  refused = gem[from][1].start_with?('HTTP/1.1 400')
  writes = gem[from...at]
  next unless writes.all? { |e| e[0] == :write } && native[from] == [:connect] && gem[0...from] == native[0...from]

  k = from + 1
  # The :connect listener's own `start` (false: already started) runs
  # before the replayed handshake goes out.
  sic = native[k] if native[k]&.first == :start_in_connect
  next if sic && gem[at + 1] != sic

  k += 1 if sic
  listener = { text: [[:write, "\x81\x05hello".b], [:write, "\x00hello\xff".b]], close: [] }.fetch(c[:on_open], [])
  queued_pong = ->(e) { e[0] == :write && e[1].getbyte(0) == 0x8a && native[0...from].include?([:pong, true]) }
  writes.each do |w|
    k += 1 while native[k] && native[k] != w &&
                 (native[k] == [:open] || incoming?(native[k]) || (native[k][0] == :close && native[k].size == 3) ||
                  listener.include?(native[k]) || native[k][0] == :error || queued_pong.(native[k]))
    break k = nil unless native[k] == w

    k += 1
  end
  next unless k

  k += 1 while native[k] && (listener.include?(native[k]) || native[k] == [:open] || queued_pong.(native[k]))
  # A 400 (its :error and :close), or a close the replay caused (hixie-76's
  # closing frame after the key body): the gem's events are lost too.
  # Events of frames the replay parsed (up to the next call's result).
  k += 1 while native[k] && !refused && (incoming?(native[k]) || native[k][0] == :error) &&
               gem[(at + 1)..].none? { |e| e == native[k] }
  # A :message listener that closes ran for one of them (never in the gem):
  # its closing frame.
  close_frame = ->(e) { e && e[0] == :write && (e[1] == "\xff\x00".b || e[1].getbyte(0) == 0x88) }
  k += 1 if c[:on_message] == :close && native[k - 1]&.first == :message && close_frame.(native[k]) &&
            gem[(at + 1)..].none? { |e| close_frame.(e) }
  k += 1 if refused && native[k]&.first == :error
  k += 1 if native[k] && native[k][0] == :close && native[k].size == 3 &&
            (refused || native[k - 1][0] == :write) && gem[(at + 1)..].none? { |e| e[0] == :close && e.size == 3 }
  # (hixie-76 opens only once its key body has come)
  next unless refused || native[(from + 1)...k].include?([:open]) || native.none? { |e| e == [:open] }

  # An :open listener that closes: the gem never runs it (its :open is
  # lost), so its connection stays open; the rest is not comparable.
  next [native[0...k], native[0...k]] if c[:on_open] == :close

  [gem[0...from] + native[from...k] + gem[(at + (sic ? 2 : 1))..], native]
end

# `pong` on a Server sends a pong frame (true); the gem's Server does not
# forward `pong` to its delegate, so it returns false and sends nothing.
# Recognized per call: the gem's [:pong, false] where the binding has
# [:pong, true], right after the binding's pong frame when one was written.
Divergences.rule('pong on a Server sends the frame') do |c, gem, native|
  next unless c[:kind] == :server

  out = []
  queued = 0
  i = 0
  j = 0
  while i < gem.size
    e = gem[i]
    if e == [:pong, false] && native[j] == [:pong, true]
      out << [:pong, true]
      queued += 1 unless c[:version] != :hybi || native[0...j].any? { |n| n[0] == :write && n[1].start_with?('HTTP/1.1 101') }
    elsif e == [:pong, false] && native[j]&.first == :write && native[j][1].getbyte(0) == 0x8a &&
          native[j + 1] == [:pong, true]
      out << native[j] << [:pong, true]
      j += 1
    elsif e[0] == :write && e[1].start_with?('HTTP/1.1 101') && queued.positive? && native[j] == e
      # Pongs queued before the handshake go out after the 101, in queue
      # order among the other queued frames.
      writes = []
      i += 1 while gem[i + 1]&.first == :write && writes << gem[i + 1]
      k = j + 1
      k += 1 while native[k]&.first == :write
      flushed = native[(j + 1)...k]
      pongs = flushed.select { |n| n[1].getbyte(0) == 0x8a }
      break out = nil unless pongs.size == queued && flushed - pongs == writes

      out << e
      out.concat(flushed)
      j = k - 1
    else
      out << e
    end
    i += 1
    j += 1
  end
  next unless out

  [out, native]
end

# Hixie drivers refuse text that is not UTF-8 (`text` returns false); the
# gem's Draft75/Draft76 write any bytes between 0x00 and 0xFF. Seen when a
# listener echoes a received hixie message that is not UTF-8 (neither side
# checks incoming hixie text). Recognized by the gem's frame whose payload
# is not UTF-8, missing from the binding's trace at that place.
Divergences.rule('hixie: text that is not UTF-8 is refused') do |c, gem, native|
  next unless %i[hixie75 hixie76].include?(c[:version])

  bad_frame = lambda do |e|
    e[0] == :write && e[1].getbyte(0) == 0 && e[1].getbyte(-1) == 0xff &&
      !e[1].byteslice(1...-1).force_encoding(Encoding::UTF_8).valid_encoding?
  end
  out = []
  gem.each_with_index do |e, i|
    next if bad_frame.(e) && native[out.size] != e
    next out << [:text, false] if e == [:text, true] && bad_frame.(gem[i - 1]) && native[out.size] == [:text, false]

    out << e
  end
  [out, native]
end


# 0xFF inside a hixie length-prefixed frame: the gem takes it as the end of
# a text frame and emits its last text message again (NoMethodError when
# there was none, see above), then reads the rest of the frame's body as
# frames; the binding skips the frame's whole length. Recognized on the
# wire (the gem's framing run over the bytes meets that 0xFF first) and by
# the gem's repeat of its last message where the traces part.
Divergences.rule('hixie: 0xFF inside a length-prefixed frame is skipped') do |c, gem, native|
  next unless %i[hixie75 hixie76].include?(c[:version])

  at = diverge_at(gem, native) or next
  last = gem[0...at].reverse.find { |e| e[0] == :message } or next
  next unless gem[at] == last && hixie_ff_in_length_frame?(c)

  [gem[0...at], native[0...at]]
end

# A hixie driver closed by a listener while `parse` reads a chunk: the
# binding delivers nothing more; the gem's parser goes on through the rest
# of that chunk, emitting its messages (and writing what listeners send).
# Recognized by the gem's :close event; after it only its messages and
# text frames may differ.
Divergences.rule('hixie: nothing is delivered after close') do |c, gem, native|
  next unless %i[hixie75 hixie76].include?(c[:version])

  at = gem.index { |e| e[0] == :close && e.size == 3 } or next
  next unless gem[0..at] == native[0..at]

  text_frame = ->(e) { e[0] == :write && e[1].getbyte(0) == 0 && e[1].getbyte(-1) == 0xff }
  rest = gem[(at + 1)..].reject { |e| (e[0] == :message && incoming?(e)) || text_frame.(e) }
  next unless rest == native[(at + 1)..]

  [native, native]
end

# hixie-76, `start` called again while the 8-byte key body has not come:
# the gem's Draft76 is still :connecting, so it writes a second 101 and
# returns true; the binding refuses (false), having answered already.
# Recognized by the gem's second 101 right before its [:start, true] where
# the binding has [:start, false].
Divergences.rule('hixie-76: a second start before the key body is refused') do |c, gem, native|
  next unless c[:version] == :hixie76

  first = gem.index { |e| e[0] == :write && e[1].start_with?('HTTP/1.1 101') } or next
  at = gem.index.with_index { |e, i| i > first && e == gem[first] } or next
  next unless native.count(gem[first]) == 1

  call = gem[at + 1]
  if [[:start, true], [:start_in_connect, true]].include?(call)
    next unless native.include?([call[0], false])

    [gem[0...at] + [[call[0], false]] + gem[(at + 2)..], native]
  else
    # The call's result was already taken out by the rule on `start`
    # inside :connect.
    next unless c[:on_connect] == :start && gem[0...at] == native[0...at]

    [gem[0...at] + gem[(at + 1)..], native]
  end
end

# A Server started later (not from :connect) with messages that came
# before `start`: the gem delivers them while :connecting, before its 101;
# the binding holds them and delivers them from `start`, after the 101,
# :open and what the :open listener sends. Recognized by the gem's
# messages between :connect and its 101 and nothing in the binding there;
# the rewrite moves them to where the binding has them.
Divergences.rule('messages before a later start come after :open') do |c, gem, native|
  next unless c[:kind] == :server && c[:on_connect].nil?

  at = gem.index([:connect]) or next
  g101 = gem.index { |e| e[0] == :write && e[1].start_with?('HTTP/1.1 101') } or next
  next unless g101 > at + 1 && gem[0..at] == native[0..at] && native[at + 1] == gem[g101]

  held = gem[(at + 1)...g101]
  next unless held.all? { |e| %i[message pong].include?(e[0]) && incoming?(e) }

  k = g101 + 1
  answer = c[:version] == :hixie76 && gem[k] && gem[k][0] == :write ? [gem[k]] : []
  k += answer.size
  # What the gem's listeners sent while :connecting was queued and goes out
  # before :open: an echo per message, last.
  queued = []
  while gem[k] && gem[k][0] == :write
    queued << gem[k]
    k += 1
  end
  echoes = c[:on_message] == :echo ? queued.pop(held.count { |e| e[0] == :message }) : []
  next unless gem[k] == [:open]

  opened = [gem[k]]
  k += 1
  hello = [[:write, "\x81\x05hello".b], [:write, "\x00hello\xff".b]]
  while gem[k] && hello.include?(gem[k])
    opened << gem[k]
    k += 1
  end
  moved = held.flat_map { |e| e[0] == :message && echoes.any? ? [e, echoes.shift] : [e] }
  [gem[0..at] + [gem[g101]] + answer + queued + opened + moved + gem[k..], native]
end

# A request that is not a WebSocket request (no Upgrade: websocket): the
# binding's 400 comes with :error and a :close carrying 1002 and the reason,
# as for any failed handshake; the gem takes such a request for hixie-75,
# whose :close has no code and no reason.
Divergences.rule('not a WebSocket request: :close carries 1002') do |_c, gem, native|
  error = [:error, 'WebSocket::Driver::ProtocolError', 'Not a WebSocket request'.b]
  at = native.index(error) or next
  next unless gem[at] == error && gem[0..at] == native[0..at]
  next unless native[at + 1] == [:close, 1002, ['Not a WebSocket request', 'UTF-8']] && gem[at + 1] == [:close, nil, nil]

  [gem[0..at] + [native[at + 1]] + gem[(at + 2)..], native]
end
