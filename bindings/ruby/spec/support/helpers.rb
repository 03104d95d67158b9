# frozen_string_literal: true

require 'socket'
require 'timeout'
require 'tmpdir'

module SpecHelpers
  # Records writes in `writes` and (as BINARY strings) in `@log`.
  module RecordsWrites
    attr_reader :writes

    def write(data)
      @writes << data
      @log << [:write, data.b]
    end
  end

  # A socket for drivers.
  class FakeSocket
    include RecordsWrites
    attr_accessor :env, :url

    def initialize(log, env: nil, url: nil)
      @log = log
      @env = env
      @url = url
      @writes = []
    end
  end

  # A socket for client drivers (no env).
  class ClientSocket
    include RecordsWrites
    attr_reader :url

    def initialize(log, url)
      @log = log
      @url = url
      @writes = []
    end
  end

  REQUEST = "GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n" \
            "Sec-WebSocket-Version: 13\r\n\r\n"
  ACCEPT_101 = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
  H75 = "GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: example.com:8080\r\n" \
        "Origin: http://example.com\r\n\r\n"
  H76 = "GET /demo?a=b HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n" \
        "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\nUpgrade: WebSocket\r\n" \
        "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\nOrigin: http://example.com\r\n\r\n"
  H76_BODY = '^n:ds[4U'
  H76_ANSWER = "8jKS'y:G*Co,Wxa-"

  def log
    @log ||= []
  end

  # Runs the block with GC.stress off (under WSDRIVER_GC_STRESS): for test
  # data and checks that do not touch the binding, which would otherwise
  # dominate the stress run's time.
  def unstressed
    was = GC.stress
    GC.stress = false
    yield
  ensure
    GC.stress = was
  end

  # Logs every event of `driver` into `log`, as the probe harness does.
  def wire(driver)
    %w[open message error close ping pong connect].each do |name|
      driver.on(name) do |event|
        log << [name.to_sym, event.is_a?(Exception) ? event.message : event.to_a]
      end
    end
    driver
  end

  def take_log
    out = log.dup
    log.clear
    out
  end

  # A frame as a client would send it (masked with a zero key by default,
  # so the payload stays readable).
  def frame(opcode, payload = '', fin: true, mask: true, rsv: 0, key: "\0\0\0\0")
    payload = payload.b
    b0 = (fin ? 0x80 : 0) | rsv | opcode
    m = mask ? 0x80 : 0
    len = payload.bytesize
    head = if len <= 125 then [b0, m | len].pack('C2')
           elsif len <= 65_535 then [b0, m | 126, len].pack('C2n')
           else [b0, m | 127, len].pack('C2Q>')
           end
    return head + payload unless mask

    k = key.b.bytes
    head + key.b + payload.bytes.each_with_index.map { |b, i| b ^ k[i % 4] }.pack('C*')
  end

  def unmask(bytes)
    bytes = bytes.b
    len = bytes.getbyte(1) & 0x7f
    off = 2
    if len == 126
      len = bytes.byteslice(2, 2).unpack1('n')
      off = 4
    elsif len == 127
      len = bytes.byteslice(2, 8).unpack1('Q>')
      off = 10
    end
    return bytes.byteslice(off, len) unless bytes.getbyte(1) & 0x80 != 0

    key = bytes.byteslice(off, 4).bytes
    bytes.byteslice(off + 4, len).bytes.each_with_index.map { |b, i| b ^ key[i % 4] }.pack('C*')
  end

  # A Driver.server that answered REQUEST; log cleared.
  def open_server(options = {}, request = REQUEST)
    socket = FakeSocket.new(log)
    driver = wire(WebSocket::Driver.server(socket, options))
    driver.on(:connect) { driver.start }
    driver.parse(request)
    log.clear
    driver
  end

  def rack_env(request_headers = {}, method: 'GET', path: '/chat', query: '', body: '')
    env = {
      'REQUEST_METHOD' => method, 'SCRIPT_NAME' => '', 'PATH_INFO' => path,
      'QUERY_STRING' => query, 'rack.input' => StringIO.new(body)
    }
    request_headers.each { |k, v| env["HTTP_#{k.upcase.tr('-', '_')}"] = v }
    env
  end

  def free_port
    server = TCPServer.new('127.0.0.1', 0)
    port = server.addr[1]
    server.close
    port
  end

  def wait_for_port(port, timeout: 15, pid: nil)
    deadline = Time.now + timeout
    loop do
      begin
        TCPSocket.new('127.0.0.1', port).close
        return true
      rescue SystemCallError
        if pid && Process.waitpid(pid, Process::WNOHANG)
          raise "server process #{pid} exited before listening on #{port}"
        end
        raise "nothing listening on #{port} after #{timeout}s" if Time.now > deadline

        sleep 0.05
      end
    end
  end

  # Spawns a server process; returns [pid, log_path].
  def spawn_server(cmd, port:, env: {})
    log_path = File.join(Dir.tmpdir, "wsdriver-spec-#{port}.log")
    pid = Process.spawn(env.merge('PORT' => port.to_s), *cmd, out: log_path, err: %i[child out],
                                                               pgroup: true)
    wait_for_port(port, pid: pid)
    [pid, log_path]
  end

  # Puma serving the rackup file `ru` on `port`, this binding first on the load path.
  def spawn_puma(ru, port)
    spawn_server(['puma', '-b', "tcp://127.0.0.1:#{port}", '-t', '2:4', ru], port: port, env: { 'RUBYLIB' => LIB })
  end

  def stop_server(pid)
    return unless pid

    begin
      Process.kill('TERM', pid)
    rescue Errno::ESRCH
      return
    end
    Timeout.timeout(10) { Process.wait(pid) }
  rescue Timeout::Error
    Process.kill('KILL', pid)
    Process.wait(pid)
  end

  ROOT = File.expand_path('../../../..', __dir__)
  LIB  = File.expand_path('../../lib', __dir__)
end

# Spec bodies resolve constants lexically: make the helper classes and the
# canned requests visible everywhere.
SpecHelpers.constants.each do |name|
  Object.const_set(name, SpecHelpers.const_get(name)) unless Object.const_defined?(name, false)
end
