# frozen_string_literal: true

# The documented divergences (bindings/ruby/README.md "Where it differs"),
# one rule each. A rule gets the case and both traces and returns them
# rewritten so that, for its cluster only, they agree; or nil.
require_relative 'wire'

module Divergences
  module_function

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
