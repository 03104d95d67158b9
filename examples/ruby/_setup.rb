# frozen_string_literal: true

# Puts this repository's Ruby binding first on the load path, so
# `require 'websocket/driver'` loads the libwsdriver-backed driver even
# where the pure-Ruby gem is installed.
lib = File.expand_path('../../bindings/ruby/lib', __dir__)
$LOAD_PATH.unshift(lib) unless $LOAD_PATH.include?(lib)
