# frozen_string_literal: true

# The driver, socket double and handshake the Hybi conformance specs share
# (hybi_spec.rb and hybi_open_spec.rb), as upstream's hybi_spec.rb sets them up.
RSpec.shared_context 'hybi driver' do
  let :env do
    {
      'REQUEST_METHOD' => 'GET',
      'HTTP_CONNECTION' => 'Upgrade',
      'HTTP_UPGRADE' => 'websocket',
      'HTTP_ORIGIN' => 'http://www.example.com',
      'HTTP_SEC_WEBSOCKET_KEY' => 'JFBCWHksyIpXV+6Wlq/9pw==',
      'HTTP_SEC_WEBSOCKET_VERSION' => '13'
    }
  end

  let :options do
    { masking: false }
  end

  let :socket do
    socket = double(WebSocket)
    allow(socket).to receive(:env).and_return(env)
    allow(socket).to receive(:write) { |message| @bytes = bytes(message) }
    socket
  end

  let :driver do
    driver = WebSocket::Driver::Hybi.new(socket, options)
    driver.on(:open)    { |_e| @open = true }
    driver.on(:message) { |e| @message += e.data }
    driver.on(:error)   { |e| @error = e }
    driver.on(:close)   { |e| @close = [e.code, e.reason] }
    driver
  end

  let :handshake do
    "HTTP/1.1 101 Switching Protocols\r\n" \
      "Upgrade: websocket\r\n" \
      "Connection: Upgrade\r\n" \
      "Sec-WebSocket-Accept: JdiiuafpBKRqD7eol0y4vJDTsTs=\r\n" \
      "\r\n"
  end

  before do
    @open = @error = @close = false
    @message = +''
  end
end
