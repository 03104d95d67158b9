# frozen_string_literal: true

# The allowed divergences between the drop-in and the 0.8 gem. Each rule is
# one cluster of bindings/ruby/README.md "Where it differs": it recognizes
# the cluster precisely (a rewrite of the gem's or the binding's trace that
# turns the one into the other only for that cluster), never by ignoring
# whole traces.
module Divergences
  RULES = {}

  def self.rule(name, &block)
    RULES[name] = block
  end

  module_function

  # Each rule is a normalization of both traces for its cluster, applied in
  # order, in passes until none changes anything more (a rule may align
  # the traces for one listed before it); the rules that changed something
  # are the explanation if the traces end up equal.
  # `sibling.(k)` is [case, gem trace, native trace] of the case k places
  # further in the stream.
  def explain(c, gem, native, sibling = nil)
    used = []
    3.times do
      changed = false
      RULES.each do |name, rule|
        out = Divergences.instance_exec(c, gem, native, sibling, &rule)
        next unless out && out != [gem, native]

        used |= [name]
        changed = true
        gem, native = out
        return used if gem == native
      end
      break unless changed
    end
    nil
  end

  # Both traces with every rule applied (for looking at what is left).
  def normalize(c, gem, native, sibling = nil)
    3.times do
      RULES.each_value do |rule|
        out = Divergences.instance_exec(c, gem, native, sibling, &rule)
        gem, native = out if out
      end
    end
    [gem, native]
  end

  def fmt(entry)
    entry.map { |x| x.is_a?(String) ? (x.b =~ /\A[\x20-\x7e]*\z/n ? x : x.unpack1('H*')[0, 80]) : x.inspect }.join(' ')
  end

  def side_by_side(gem, native)
    n = [gem.size, native.size].max
    (0...n).map do |i|
      g = gem[i] ? fmt(gem[i]) : ''
      b = native[i] ? fmt(native[i]) : ''
      format('%s %-60s | %s', g == b ? ' ' : '*', g[0, 60], b[0, 70])
    end
  end
end

require_relative 'rules'
require_relative 'more_rules'
