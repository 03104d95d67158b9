# frozen_string_literal: true

# Seed 003: a websocket-rack style application on WSDriver::RackApp.
# Served by config.ru with puma or thin:
#
#   puma -b tcp://127.0.0.1:9292 examples/ruby/rack_echo.ru
#   thin -a 127.0.0.1 -p 9292 -R examples/ruby/rack_echo.ru start

require_relative '_setup'
require 'wsdriver/rack_app'

class RackEchoApp < WSDriver::RackApp
  def initialize(options = {})
    super
    @greeting = options.fetch(:greeting, 'Hello to you!')
  end

  def on_open(env)
    return close_websocket(4000, 'wrong path') if env['PATH_INFO'] == '/forbidden'

    send_data "#{@greeting} (#{env['PATH_INFO']})"
  end

  def on_message(env, msg)
    case msg
    when 'boom' then raise 'boom!'
    when 'bye' then close_websocket
    else send_data(msg)
    end
  end

  def on_close(env)
    warn "Client disconnected from #{env['PATH_INFO']}"
  end

  def on_error(env, error)
    send_data "error: #{error.message}"
  end
end
