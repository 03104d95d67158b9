# frozen_string_literal: true

# rackup file for RackEchoApp (seed 003); see rack_echo_app.rb.
require_relative 'rack_echo_app'

map '/' do
  run RackEchoApp.new(greeting: 'Hello to you!')
end
