# frozen_string_literal: true

# The documented divergences (bindings/ruby/README.md "Where it differs"),
# one rule each. A rule gets the case and both traces and returns them
# rewritten so that, for its cluster only, they agree; or nil.
module Divergences
  module_function

  def drop(trace, &pred) = trace.reject(&pred)
  def kind?(e, *k) = k.include?(e[0])
  def error?(e, text = nil) = e[0] == :error && (text.nil? || e[2] == text)

  # An API call's result ([:ping, false]), not an event ([:ping, [data, enc]]).
  def api_result?(e) = e.size == 2 && API_RESULTS.include?(e[0]) && !e[1].is_a?(Array)

  # An event of a received frame ([:ping, [data, encoding]]), not an API
  # call's result ([:ping, false]).
  def incoming?(e) = INCOMING.include?(e[0]) && (e.size == 1 || e[1].is_a?(Array))

  # The first index where the traces differ.
  def diverge_at(gem, native)
    (0...[gem.size, native.size].max).find { |i| gem[i] != native[i] }
  end
end

# What the runner records for an API call: [name, result].
API_RESULTS = %i[text binary ping pong close start state ping_cb].freeze
API_CALLS = (API_RESULTS - [:state]).freeze
# Events of received frames.
INCOMING = %i[message ping pong ping_callback].freeze

# The gem's Server drops the bytes that follow the request head in the same
# chunk (HTTP::Request keeps them as a body nobody reads); the binding
# parses them. Recognized by the case's siblings: the gem's trace is the one
# of the case with those bytes dropped, the binding's the one of the case
# with them in a chunk of their own (both siblings are compared as well).
Divergences.rule('frames in the chunk of the request head (the gem drops them)') do |c, gem, native, sibling|
  next unless c[:head_extra] && sibling

  next unless gem == sibling.(1)[1] && native == sibling.(2)[2]

  [native, native]
end

# The gem's Server wrapper keeps its own ready_state, which stays
# :connecting; the binding's Server#state is the connection's.
Divergences.rule('Server#state follows the connection') do |c, gem, native|
  next unless c[:kind] == :server && gem.any? { |e| e == [:state, :connecting] }

  states = gem.select { |e| e[0] == :state }
  next unless states.all? { |e| e == [:state, :connecting] }

  [gem.reject { |e| e[0] == :state }, native.reject { |e| e[0] == :state }]
end

# After an invalid request the gem's Server emits :error and :close again on
# every later `parse` (its HTTP parser stays failed), and its API calls are
# still queued for a delegate that never comes (`text`, `close`, ... return
# true); the binding reports the failure once and refuses later calls
# (false). Recognized by the first error/close pair of "Invalid HTTP
# request"; after it the gem's trace must be repeats of that pair and API
# results, the binding's the same API results with false.
QUEUED = %i[text binary ping close start ping_cb].freeze
Divergences.rule('a bad request is reported once') do |c, gem, native|
  next unless c[:kind] == :server

  pair = [[:error, 'WebSocket::Driver::ProtocolError', 'Invalid HTTP request'.b],
          [:close, 1002, ['Invalid HTTP request', 'UTF-8']]]
  at = (0...gem.size).find { |i| gem[i, 2] == pair } or next
  # Bytes that cannot start a request fail at once in the binding; the gem
  # waits for the line feed, and calls made meanwhile are queued (true).
  an = (0..at).find { |i| native[i, 2] == pair } or next
  next unless gem[0...an] == native[0...an]

  rest = []
  i = an
  while i < gem.size
    next i += 2 if gem[i, 2] == pair

    e = gem[i]
    break rest = nil unless api_result?(e)

    rest << (QUEUED.include?(e[0]) && e[1] == true ? [e[0], false] : e)
    i += 1
  end
  next unless rest

  [gem[0...an] + pair + rest, native]
end

# A Server whose :connect listener does not call `start`: the gem's Hybi
# and Draft75 parse frames while :connecting (and act on them: message,
# ping and close events, a queued close), the binding keeps them until the
# handshake is answered. Applies only when neither side ever opened.
#
# The binding holds those bytes as the request body, so more than
# max_length of them fail with 1009 "Request body too large"; `close`
# closes at once (its :close event before close's true). The gem's API
# calls return what they return on its state, which its frames changed:
# the same calls on both sides, with the same results until the gem's
# first frame-caused :close, false after it in the gem.
Divergences.rule('frames before start are held (the gem parses them)') do |c, gem, native|
  next unless c[:kind] == :server && c[:on_connect].nil?

  at = gem.index([:connect])
  next unless at && native.index([:connect]) == at && gem[0..at] == native[0..at]

  framed = %i[error close message ping pong write ping_callback]
  gem_calls = []
  gem_closed = false
  gem[(at + 1)..].each do |e|
    next gem_calls << [e, gem_closed] if e.size == 2 && API_RESULTS.include?(e[0]) && !e[1].is_a?(Array)
    next gem_closed ||= e[0] == :close if framed.include?(e[0])

    gem_calls = nil
    break
  end
  rest = native[(at + 1)..]
  i = rest.index { |e| e == [:error, 'WebSocket::Driver::ProtocolError', 'Request body too large'.b] }
  failed = i && rest[i + 1]&.first == :close && [1009, nil].include?(rest[i + 1][1])
  # Once the binding failed, its calls return false whatever the gem's do.
  rest = rest[0...i] + rest[(i + 2)..].map { |e| api_result?(e) && e[1] == false ? [e[0], :refused] : e } if failed
  rest = rest.each_with_index.reject { |e, k| e[0] == :close && e.size == 3 && rest[k + 1] == [:close, true] }.map(&:first)
  same = gem_calls && rest.size == gem_calls.size && rest.zip(gem_calls).all? do |n, (g, closed)|
    n[0] == g[0] && (n == g || n[1] == :refused || (closed && [false, :connecting].include?(g[1])) ||
                     (n == [:pong, true] && g == [:pong, false]))
  end
  unless same && (gem + native).none? { |e| e[0] == :open }
    # A later `start`: the binding then answers the handshake and acts on
    # the held frames, which the gem acted on long before. Then only the
    # calls made must be the same, and the binding must not have written
    # anything before its `start`.
    calls = ->(t) { t.select { |e| api_result?(e) }.map(&:first) }
    # The gem acted on frames before any handshake.
    g_open = gem.index { |e| e[0] == :open || (e[0] == :write && e[1].start_with?('HTTP/1.1 ')) } || gem.size
    acted = gem[(at + 1)...g_open]
    next unless acted.any? { |e| incoming?(e) || e[0] == :error || (e[0] == :close && e.size == 3) }
    # Only messages and pongs: the next rule's narrower cluster.
    next if acted.all? { |e| %i[message pong].include?(e[0]) && incoming?(e) } && native.include?([:open])
    started = native.index { |e| e[0] == :start && e.size == 2 } or next
    first_write = native.index { |e| e[0] == :write } || native.size
    next unless first_write > native[0...started].rindex { |e| api_result?(e) }.to_i
    next unless calls.(native[(at + 1)..]) == calls.(gem[(at + 1)..])
  end

  [native, native]
end

# hixie-76 keys without a space: the gem divides by zero and its 400 says
# "divided by 0"; the binding's says the keys are invalid.
Divergences.rule('hixie-76 key without spaces (the gem: "divided by 0")') do |c, gem, native|
  next unless c[:version] == :hixie76

  good = 'Client sent invalid Sec-WebSocket-Key headers'
  fix = lambda do |e|
    case e[0]
    when :error then e[2] == 'divided by 0' ? [e[0], e[1], good.b] : e
    when :write
      if e[1].start_with?('HTTP/1.1 400') && e[1].end_with?('divided by 0')
        [:write, e[1].sub('Content-Length: 12', "Content-Length: #{good.bytesize}").sub(/divided by 0\z/, good).b]
      else
        e
      end
    else e
    end
  end
  [gem.map(&fix), native]
end

# websocket-extensions 0.1.5's message for an unknown extension in a
# response has a typo ("am", a stray space, no closing quote); the binding
# writes it correctly.
Divergences.rule('unknown extension in the response: message without the typo') do |c, gem, native|
  next unless c[:kind] == :client

  fix = lambda do |s|
    s.b.sub(/Server sent am extension response for unknown extension "([^" ]+) \z/n,
            'Server sent an extension response for unknown extension "\1"')
  end
  out = gem.map do |e|
    if e[0] == :error then [e[0], e[1], fix.(e[2])]
    elsif e[0] == :close && e[2].is_a?(Array) then [e[0], e[1], [fix.(e[2][0]), e[2][1]]]
    else e
    end
  end
  [out, native]
end

# Hixie drivers refuse to send once closed (`text` returns false); the
# gem's Draft75/Draft76 still write the frame and return true.
Divergences.rule('hixie drivers refuse to send after close') do |c, gem, native|
  next unless %i[hixie75 hixie76].include?(c[:version])

  closed = false
  out = []
  gem.each_with_index do |e, i|
    closed ||= e[0] == :close && e.size == 3
    next if closed && e[0] == :write && e[1].start_with?("\x00".b) && gem[i + 1]&.first == :text
    next out << [:text, false] if closed && e == [:text, true]

    out << e
  end
  [out, native]
end

# The binding checks that Sec-WebSocket-Key is 16 bytes of base64 (RFC
# 6455 §4.2.1); the gem takes any value. Recognized by the binding's 400
# naming that header while the gem answered 101.
Divergences.rule('Sec-WebSocket-Key must be 16 bytes of base64') do |c, gem, native|
  next unless c[:kind] != :client && native.any? { |e| error?(e) && e[2].start_with?('Invalid handshake request header: Sec-WebSocket-Key:') }
  next unless gem.any? { |e| e[0] == :write && e[1].start_with?('HTTP/1.1 101') }

  [[], []]
end

# The gem's Draft75/Draft76 parser raises NoMethodError from `parse` on some
# byte sequences (0xFF inside a length-prefixed frame, a 0x80 length frame
# after 0xFF 0x00 on hixie-76) and is left in an undefined state; the
# binding treats them as framing (skipped or closing). Up to the raise the
# traces must agree; what follows is not compared.
Divergences.rule('hixie: the gem raises NoMethodError in parse') do |c, gem, native|
  next unless %i[hixie75 hixie76].include?(c[:version])

  at = gem.index { |e| e[0] == :raise && e[1] == :parse && e[2] == 'NoMethodError' } or next
  next [gem[0...at], native[0...at]] if gem[0...at] == native[0...at]

  # Raised while a `start` made before the head was replayed: the gem's
  # :connect and :open never came (see the rule on that), the writes did.
  next unless gem[0...at].include?([:start, true])

  lost = [[:connect], [:open]]
  lost << [:write, "\x00hello\xff".b] if c[:on_open] == :text
  lost << [:start_in_connect, false] if c[:on_connect] == :start
  before = gem[0...at].reject { |e| lost.include?(e) }
  kept = 0
  n_at = native.index do |e|
    next false if lost.include?(e)

    kept += 1
    kept > before.size
  end || native.size
  next unless native[0...n_at].reject { |e| lost.include?(e) } == before

  [native[0...n_at], native[0...n_at]]
end

# Close codes 1012-1014 from the peer are valid (RFC 6455 registry); the
# gem answers them with 1002. Recognized by the echoed close frame and the
# :close event, which carry the peer's code in the binding.
Divergences.rule('close codes 1012-1014 are accepted') do |_c, gem, native|
  next unless gem.size == native.size

  out = gem.each_with_index.map do |e, i|
    n = native[i]
    if e[0] == :write && n[0] == :write && e[1].bytesize == n[1].bytesize && e[1].getbyte(0) == 0x88 &&
       n[1].getbyte(0) == 0x88
      at = e[1].bytesize - n[1].bytesize + (n[1].getbyte(1) & 0x80 == 0 ? 2 : 6)
      code = n[1].byteslice(at, 2).unpack1('n')
      same = e[1].byteslice(0, at) == n[1].byteslice(0, at) && e[1].byteslice((at + 2)..) == n[1].byteslice((at + 2)..)
      (1012..1014).include?(code) && e[1].byteslice(at, 2).unpack1('n') == 1002 && same ? n : e
    elsif e[0] == :close && n[0] == :close && e[1] == 1002 && (1012..1014).include?(n[1]) && e[2] == n[2]
      n
    else
      e
    end
  end
  [out, native]
end

# The binding fails the connection as soon as a frame header shows the
# error (reserved bits or opcode at the first byte with the length byte,
# an unexpected continuation at its header, max_length on any frame
# header, control frames included, invalid UTF-8 at the fragment that
# holds it); the gem decides at the end of the frame or message, so it may
# deliver events first, or report another error of the same frame. Up to
# the binding's failure the traces agree; both then fail the connection;
# after the :close event they agree again.
EARLY_ERRORS = [
  /\AReceived unexpected continuation frame\z/, /\AOne or more reserved bits are on/, /\AUnrecognized frame opcode/,
  /\ACould not decode a text frame as UTF-8\z/, /\AWebSocket frame length too large\z/,
  /\AReceived control frame having too long payload/, /\AReceived fragmented control frame/,
  /\AReceived new data frame but previous continuous frame is unfinished\z/
].freeze
# The gem may also name another error of the same frame: it checks masking
# at the length byte, before it looks at a continuation's context.
GEM_SAME_FRAME_ERRORS = [/\AReceived unmasked frame but masking is required\z/].freeze
Divergences.rule('the binding fails the connection at the first bad header or fragment') do |c, gem, native|
  next if c[:version] != :hybi

  failure = lambda do |t|
    i = t.index { |e| e[0] == :error } or next
    i -= 1 if t[i - 1][0] == :write && t[i - 1][1].getbyte(0) == 0x88
    j = t.index { |e| e[0] == :close && e.size == 3 } or next
    [i, j]
  end
  fn = failure.(native) or next
  err = native.find { |e| e[0] == :error }[2]
  next unless EARLY_ERRORS.any? { |re| err =~ re } && native[0...fn[0]] == gem[0...fn[0]]

  fg = failure.(gem)
  data_write = ->(e) { e[0] == :write && e[1].getbyte(0) & 0x0f != 8 && e[1].getbyte(0) & 0x80 != 0 }
  if fg
    next unless fn[0] <= fg[0]
    next unless gem.find { |e| e[0] == :error }[2].then { |g| (EARLY_ERRORS + GEM_SAME_FRAME_ERRORS).any? { |re| g =~ re } }
    # Calls made while the gem still waits for the frame's end succeed in
    # the gem and are refused (false) by the failed binding.
    # Control frames between the fragments are answered and reported by
    # the gem before it reaches the bad message's end.
    window = gem[fn[0]...fg[0]].reject { |e| data_write.(e) || incoming?(e) }
    next unless window.all? { |e| api_result?(e) }
    next unless native[(fn[1] + 1)..] == window.map { |e| [e[0], e[0] == :state ? :closed : false] } + gem[(fg[1] + 1)..]
  else
    # The bad frame never ends: the gem waits for it, still open, so its
    # sends succeed (their frames written); the binding's calls return false.
    # (After a local close the gem's silence is the next rule's cluster.)
    next if gem[0...fn[0]].any? { |e| e[0] == :write && e[1].getbyte(0) == 0x88 }
    # What the gem reads after that frame's bytes (its frames, a close)
    # has no counterpart in the failed binding.
    rest = gem[fn[0]..].reject do |e|
      (e[0] == :write && e[1].getbyte(0) & 0x80 != 0) || incoming?(e) || (e[0] == :close && e.size == 3)
    end
    next unless rest.all? { |e| API_RESULTS.include?(e[0]) && e.size == 2 && !e[1].is_a?(Array) }
    calls = native[(fn[1] + 1)..]
    next unless calls.map(&:first) == rest.map(&:first)
    next unless calls.zip(rest).all? { |n, g| n == g || [false, :closed].include?(n[1]) }
  end

  [native, native]
end

# A protocol error from the peer after this end sent its close frame: the
# binding fails the connection (:error, :close, state :closed); the gem's
# `fail` returns at once while :closing, and its parser goes on as if the
# frame were fine: it delivers that frame and the ones after it (message,
# ping, pong events; its pong writes are refused while :closing) until the
# peer's close frame, which may never come. Recognized by: this end's close
# frame written before the binding's error, both traces equal up to that
# error, and the gem's rest equal to the binding's once the incoming-frame
# events are taken out of it (and its state, :closing or :closed).
Divergences.rule('protocol errors after a local close fail the connection') do |c, gem, native|
  next unless c[:version] == :hybi

  at = native.index { |e| e[0] == :error } or next
  next unless native[0...at] == gem[0...at] && native[at + 1]&.first == :close
  next unless gem[0...at].any? { |e| e[0] == :write && e[1].getbyte(0) == 0x88 }
  next if gem[0...at].any? { |e| e[0] == :close && e.size == 3 }

  rest = gem[at..].reject { |e| incoming?(e) || (e[0] == :close && e.size == 3) }
  rest = rest.map { |e| e == [:state, :closing] ? [:state, :closed] : e }
  next unless rest == native[(at + 2)..]

  [native, native]
end

# Issue 18 item 5: a hixie frame over max_length closes the connection in
# both; the binding reports why with an :error ("WebSocket frame length too
# large") right before (hixie-76: before its closing frame and) the :close,
# the gem closes silently.
Divergences.rule('hixie: a frame over max_length comes with its error') do |c, _gem, native|
  next unless %i[hixie75 hixie76].include?(c[:version])

  out = native.each_with_index.reject do |e, i|
    nxt = native[i + 1]
    nxt = native[i + 2] if nxt == [:write, "\xff\x00".b]
    error?(e, 'WebSocket frame length too large'.b) && nxt&.first == :close && nxt[1].nil?
  end
  [_gem, out.map(&:first)]
end

# hixie-76 whose 8-byte key body came in the chunk of the request head,
# `start` inside :connect: the gem's `start` writes the 101 and the
# challenge answer, emits :open and parses the frames after the body before
# it returns; the binding's `start` returns once the 101 is written (only
# `parse` runs the parser), and the rest follows, in the same order, from
# the `parse` that delivered :connect. Only the position of start's return
# value differs.
Divergences.rule('hixie-76: start inside :connect returns before the key body is read') do |c, gem, native|
  next unless c[:version] == :hixie76 && c[:on_connect] == :start

  at = native.index { |e| e[0] == :start_in_connect } or next
  next unless native[at - 1]&.first == :write && native[at - 1][1].start_with?('HTTP/1.1 101')

  [gem, native].map { |t| t.reject { |e| e[0] == :start_in_connect } }
end

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
  j = 0
  gem.each do |e|
    if e == [:pong, false] && native[j] == [:pong, true]
      out << [:pong, true]
      queued += 1 unless c[:version] != :hybi || native[0...j].any? { |n| n[0] == :write && n[1].start_with?('HTTP/1.1 101') }
    elsif e == [:pong, false] && native[j]&.first == :write && native[j][1].getbyte(0) == 0x8a &&
          native[j + 1] == [:pong, true]
      out << native[j] << [:pong, true]
      j += 1
    elsif e[0] == :write && e[1].start_with?('HTTP/1.1 101') && queued.positive? && native[j] == e
      # Pongs queued before the handshake go out right after the 101.
      pongs = native[(j + 1), queued]
      break out = nil unless pongs.size == queued && pongs.all? { |n| n[0] == :write && n[1].getbyte(0) == 0x8a }

      out << e
      out.concat(pongs)
      j += queued
    else
      out << e
    end
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
