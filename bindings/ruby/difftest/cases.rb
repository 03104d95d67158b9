# frozen_string_literal: true

require 'base64'
require 'digest/sha1'
require 'digest/md5'

# The differential test's case generator: from a seed, a stream of cases,
# each a driver (server, rack or client), its options, and steps (parse
# calls with random split points, API calls in between). Plain data
# (Marshal-able), so both runner processes replay exactly the same stream.
module DiffCases
  KEY = 'dGhlIHNhbXBsZSBub25jZQ=='
  ACCEPT = Base64.strict_encode64(Digest::SHA1.digest(KEY + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'))
  CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999,
                 0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65_535].freeze
  INVALID_UTF8 = ["\xff".b, "\xc3".b, "\xed\xa0\x80".b, "\xf4\x90\x80\x80".b, "\xc0\xaf".b,
                  "ab\xe2\x82".b].freeze

  class Gen
    def initialize(seed)
      @r = Random.new(seed)
    end

    # One case, or a case followed by its siblings (see `together`).
    def cases!
      c = case!
      c.is_a?(Array) ? c : [c]
    end

    def case!
      kind = pick(%i[server server rack client client])
      opts = { binary_data_format: :string }
      opts[:max_length] = pick([0, 1, 5, 10, 40, 125, 126, 200, 70_000]) if chance(0.25)
      opts[:protocols] = pick([%w[chat], %w[chat superchat], %w[other]]) if chance(0.15)
      send("#{kind}_case", opts)
    end

    private

    def pick(list) = list[@r.rand(list.size)]
    def chance(p) = @r.rand < p
    def int(range) = @r.rand(range)
    def bytes(n) = Array.new(n) { @r.rand(256) }.pack('C*')

    def text(n)
      alphabet = ['a', 'b', ' ', 'é', '€', '😀', "\u0000", 'z']
      s = +''
      s << pick(alphabet) while s.bytesize < n
      s.b
    end

    # --- handshakes -------------------------------------------------------

    def server_case(opts)
      proto = pick(%i[hybi hybi hybi hixie75 hixie76])
      head, body = request(proto)
      c = { kind: :server, opts: opts, version: effective_version(head), steps: [] }
      react(c)
      wire = head + body + frames(proto, masked: true, max: opts[:max_length])
      c[:steps] = interleave(split(wire, head.bytesize))
      together(c, head.bytesize)
    end

    # The gem's Server drops what follows the request head in the chunk that
    # completes it (hixie-76 excepted: there those bytes are the key body).
    # A case with such a chunk comes with two siblings that replay it with
    # those bytes dropped (the gem's view) and in a chunk of their own (the
    # binding's): the rule for that divergence compares against them.
    def together(c, head_len)
      return c if c[:version] == :hixie76

      seen = 0
      at = c[:steps].index do |step|
        next false unless step[0] == :parse

        seen += step[1].bytesize
        seen >= head_len
      end
      return c unless at && seen > head_len

      chunk = c[:steps][at][1]
      cut = chunk.bytesize - (seen - head_len)
      head = chunk.byteslice(0, cut)
      rest = chunk.byteslice(cut..)
      c[:head_extra] = true
      before = c[:steps][0...at]
      after = c[:steps][(at + 1)..]
      dropped = c.merge(head_extra: nil, sibling: :dropped, steps: before + [[:parse, head]] + after)
      split = c.merge(head_extra: nil, sibling: :split, steps: before + [[:parse, head], [:parse, rest]] + after)
      [c, dropped, split]
    end

    def rack_case(opts)
      proto = pick(%i[hybi hybi hixie75 hixie76 hixie76])
      head, body = request(proto)
      env = rack_env(head)
      return server_case(opts) unless env

      env['rack.input'] = body
      c = { kind: :rack, opts: opts, version: effective_version(head), env: env, url: "ws://#{env['HTTP_HOST']}/chat" }
      react(c)
      c[:steps] = [[:start]] + interleave(split(frames(proto, masked: true, max: opts[:max_length]), nil))
      c
    end

    def client_case(opts)
      url = pick(['ws://example.com/chat', 'ws://user:pass@example.com:8080/x?y=1', 'wss://example.com/'])
      c = { kind: :client, opts: opts, version: :hybi, url: url }
      react(c)
      wire = response(opts[:protocols]) + frames(:hybi, masked: false, max: opts[:max_length])
      steps = [[:start]]
      steps += [[:text, text(int(0..20))]] if chance(0.2) # queued before open
      c[:steps] = steps + interleave(split(wire, nil))
      c
    end

    # Listeners that call the API (echo, close on message, ...).
    def react(c)
      c[:on_connect] = chance(0.9) ? :start : nil if c[:kind] == :server
      c[:on_message] = pick([nil, nil, nil, :echo, :close, :ping])
      c[:on_open] = pick([nil, nil, nil, :text, :close])
    end

    def request(proto)
      path = pick(['/chat', '/chat?x=1', '/'])
      lines = ["GET #{path} HTTP/1.1", 'Host: example.com']
      broken = chance(0.15)
      case proto
      when :hybi
        lines += ['Upgrade: websocket', 'Connection: Upgrade', "Sec-WebSocket-Key: #{KEY}",
                  'Sec-WebSocket-Version: 13', 'Origin: http://example.com']
        lines << 'Sec-WebSocket-Protocol: chat, other' if chance(0.3)
      when :hixie75
        lines += ['Upgrade: WebSocket', 'Connection: Upgrade', 'Origin: http://example.com']
      when :hixie76
        k1, k2, body = hixie76_keys
        lines += ['Upgrade: WebSocket', 'Connection: Upgrade', 'Origin: http://example.com',
                  "Sec-WebSocket-Key1: #{k1}", "Sec-WebSocket-Key2: #{k2}"]
      end
      lines = break_request(lines, proto) if broken
      head = lines.join("\r\n") + "\r\n\r\n"
      [head.b, (body || '').b]
    end

    # The protocol the request asks for once broken (a hixie-76 request
    # without its keys is a hixie-75 one), picked as Driver.rack does.
    def effective_version(head)
      if head =~ /^Sec-WebSocket-(Version|Key):/i then :hybi
      elsif head =~ /^Sec-WebSocket-Key[12]:/i then :hixie76
      else :hixie75
      end
    end

    def break_request(lines, proto)
      case int(0..8)
      when 0 then lines[0] = lines[0].sub('GET', 'POST')
      when 1 then lines.reject! { |l| l.start_with?('Upgrade') }
      when 2 then lines.reject! { |l| l.start_with?('Connection') }
      when 3 then lines.map! { |l| l.start_with?('Sec-WebSocket-Version') ? 'Sec-WebSocket-Version: 99' : l }
      when 4 then lines.reject! { |l| l =~ /Sec-WebSocket-Key(1|2)?:/ } if proto != :hixie75
      when 5 then lines[0] = pick(['7', 'GET /', 'GET / HTTP/1.1 x', "\x01junk"])
      when 6 then lines.insert(1 + int(0..lines.size - 1), pick(['Bad Header', 'X: y', ': empty']))
      when 7 then lines.map! { |l| l.start_with?('Sec-WebSocket-Key1') ? 'Sec-WebSocket-Key1: 12345' : l }
      when 8 then lines.map! { |l| l.start_with?('Sec-WebSocket-Key:') ? 'Sec-WebSocket-Key: short' : l }
      end
      lines
    end

    def hixie76_keys
      keys = Array.new(2) do
        spaces = int(1..4)
        n = int(0..(0xffffffff / spaces)) * spaces
        s = n.to_s.chars
        spaces.times { s.insert(int(1..s.size - 1), " ") }
        int(0..3).times { s.insert(int(0..s.size), pick(%w[x Y %])) }
        s.join
      end
      body = chance(0.1) ? bytes(int(0..7)) : bytes(8)
      [keys[0], keys[1], body]
    end

    def rack_env(head)
      lines = head.split("\r\n")
      m = lines[0].match(%r{\A(GET|POST) ([^ ]+) HTTP/1\.1\z}) or return nil
      path, query = m[2].split('?', 2)
      env = { 'REQUEST_METHOD' => m[1], 'PATH_INFO' => path, 'QUERY_STRING' => query || '', 'SCRIPT_NAME' => '' }
      lines[1..].each do |l|
        k, v = l.split(': ', 2)
        return nil unless k =~ /\A[A-Za-z0-9-]+\z/ && v

        env["HTTP_#{k.upcase.tr('-', '_')}"] = v
      end
      env
    end

    def response(protocols)
      status = 'HTTP/1.1 101 Switching Protocols'
      lines = [status, 'Upgrade: websocket', 'Connection: Upgrade', "Sec-WebSocket-Accept: #{ACCEPT}"]
      lines << "Sec-WebSocket-Protocol: #{pick(protocols)}" if protocols && chance(0.8)
      if chance(0.15)
        case int(0..5)
        when 0 then lines[0] = 'HTTP/1.1 200 OK'
        when 1 then lines[3] = 'Sec-WebSocket-Accept: AAAA'
        when 2 then lines.delete_at(1)
        when 3 then lines << 'Sec-WebSocket-Protocol: unknown'
        when 4 then lines[0] = pick(['junk', 'HTTP/1.1 abc', 'HTTP/1.1'])
        when 5 then lines << 'Sec-WebSocket-Extensions: permessage-deflate'
        end
      end
      (lines.join("\r\n") + "\r\n\r\n").b
    end

    # --- frames -----------------------------------------------------------

    def frames(proto, masked:, max:)
      out = +''.b
      int(0..6).times { out << (proto == :hybi ? hybi_message(masked, max) : hixie_frame(proto, max)) }
      out << (proto == :hybi ? hybi_close(masked) : "\xff\x00".b) if chance(0.4)
      out << (proto == :hybi ? hybi_message(masked, max) : hixie_frame(proto, max)) if chance(0.2)
      out = out.byteslice(0, int(0..out.bytesize)) if chance(0.1) # truncated
      out
    end

    def payload(max)
      n = if max && chance(0.3) then [max + pick([-1, 0, 1]), 0].max
          else pick([0, 1, 5, 20, 125, 126, 127, 300, 70_000].first(chance(0.05) ? 9 : 7))
          end
      s = text(n).byteslice(0, n)
      s = s.b.scrub('?').b
      s = (s.byteslice(0, [n - 4, 0].max) + pick(INVALID_UTF8)).b if chance(0.1)
      s
    end

    def hybi_message(masked, max)
      op = pick([1, 1, 2, 2, 9, 10, 8, 0, 3, 11])
      return hybi_close(masked) if op == 8

      data = payload(max)
      if [1, 2].include?(op) && chance(0.25) && data.bytesize > 1
        cut = int(1..data.bytesize - 1)
        parts = [data.byteslice(0, cut), data.byteslice(cut..)]
        ctrl = chance(0.3) ? hybi_frame(true, 9, 'p', masked) : ''.b
        return hybi_frame(false, op, parts[0], masked) + ctrl + hybi_frame(true, 0, parts[1], masked)
      end
      data = data.byteslice(0, pick([0, 5, 125, 126])) if op >= 8
      hybi_frame(chance(0.95) || op >= 8, op, data, masked)
    end

    def hybi_close(masked)
      body = case int(0..5)
             when 0 then ''.b
             when 1 then 'x'.b
             when 2 then [pick(CLOSE_CODES)].pack('n') + pick(['', 'bye', 'é'.b, pick(INVALID_UTF8)]).b
             else [pick(CLOSE_CODES.first(12))].pack('n') + pick(['', 'done'])
             end
      body = body.b + ('r' * 124).b if chance(0.05)
      hybi_frame(true, 8, body, masked)
    end

    def hybi_frame(fin, op, data, masked)
      b0 = (fin ? 0x80 : 0) | op
      b0 |= pick([0x40, 0x20, 0x10]) if chance(0.03)
      m = chance(0.03) ? !masked : masked
      n = data.bytesize
      head = [b0].pack('C')
      mbit = m ? 0x80 : 0
      head << if n < 126 && !chance(0.02) then [mbit | n].pack('C')
              elsif n < 65_536 then [mbit | 126, n].pack('Cn')
              else [mbit | 127, n >> 32, n & 0xffffffff].pack('CNN')
              end
      return (head + data).b unless m

      key = bytes(4)
      masked_data = data.bytes.each_with_index.map { |c, i| c ^ key.getbyte(i % 4) }.pack('C*')
      (head + key + masked_data).b
    end

    def hixie_frame(proto, max)
      case int(0..9)
      when 0..5
        data = payload(max).delete("\xff".b)
        "\x00".b + data + "\xff".b
      when 6, 7
        data = bytes(pick([0, 3, 30, 130, max ? max + 1 : 2].compact))
        n = data.bytesize
        len = [n & 0x7f]
        len.unshift(0x80 | (n >> 7)) if n > 127
        "\x80".b + len.pack('C*') + data
      when 8 then proto == :hixie76 ? "\xff\x00".b : "\x00ok\xff".b
      else bytes(int(1..4))
      end
    end

    # --- steps ------------------------------------------------------------

    def split(wire, head_len)
      chunks = []
      at = 0
      if head_len && chance(0.3) && head_len < wire.bytesize
        cut = head_len + int(0..[wire.bytesize - head_len, 20].min) # head + some frames in one chunk
        chunks << wire.byteslice(0, cut)
        at = cut
      end
      while at < wire.bytesize
        n = chance(0.3) ? int(1..4) : int(1..400)
        chunks << wire.byteslice(at, n)
        at += n
      end
      chunks
    end

    def interleave(chunks)
      steps = []
      chunks.each do |c|
        steps << [:parse, c]
        steps << api_call if chance(0.08)
      end
      steps << api_call if chance(0.3)
      steps
    end

    def api_call
      case int(0..9)
      when 0, 1 then [:text, text(int(0..30))]
      when 2 then [:binary, bytes(int(0..30))]
      when 3 then [:ping, pick(['', 'hi'])]
      when 4 then [:pong, pick(['', 'ho'])]
      when 5, 6 then [:close, pick([nil, 'bye']), pick([nil, 1000, 4000])]
      when 7 then [:start]
      when 8 then [:state]
      else [:ping_cb, 'cb']
      end
    end
  end
end
