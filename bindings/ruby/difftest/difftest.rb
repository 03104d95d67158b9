# frozen_string_literal: true

# The Ruby drop-in against the pure-Ruby websocket-driver 0.8 gem: the same
# seeded case stream replayed by each in its own process (runner.rb), traces
# compared entry by entry. A difference passes only if one rule of
# divergences.rb (each a documented cluster of README.md "Where it differs")
# explains it; anything else fails the run.
#   ruby difftest.rb --gem GEM_LOAD_PATH [--cases N] [--seed S] [--show K]
require 'optparse'
require 'tmpdir'
require 'rbconfig'
require_relative 'cases'
require_relative 'divergences'

opts = { cases: 5000, seed: 18, show: 3 }
OptionParser.new do |o|
  o.on('--gem PATH') { |v| opts[:gem] = v }
  o.on('--cases N', Integer) { |v| opts[:cases] = v }
  o.on('--seed S', Integer) { |v| opts[:seed] = v }
  o.on('--show K', Integer, 'print K examples of each unexplained difference') { |v| opts[:show] = v }
  o.on('--examples', 'print one example of each allowed divergence') { opts[:examples] = true }
end.parse!
abort 'difftest: --gem LOAD_PATH is required (scripts/install-gem08.sh prints it)' unless opts[:gem]

here = __dir__
t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
gen = DiffCases::Gen.new(opts[:seed])
cases = []
cases.concat(gen.cases!) while cases.size < opts[:cases]

traces = Dir.mktmpdir('wsdriver-difftest') do |dir|
  File.binwrite("#{dir}/cases", Marshal.dump(cases))
  sides = { gem: opts[:gem], native: File.expand_path('../lib', here) }
  pids = sides.to_h do |side, lib|
    pid = Process.spawn(RbConfig.ruby, '-I', lib, "#{here}/runner.rb", "#{dir}/cases", "#{dir}/#{side}")
    [side, pid]
  end
  pids.each do |side, pid|
    Process.wait(pid)
    abort "difftest: the #{side} runner failed (#{$?.exitstatus})" unless $?.success?
  end
  sides.keys.to_h { |side| [side, Marshal.load(File.binread("#{dir}/#{side}"))] }
end

identical = 0
allowed = Hash.new(0)
examples = {}
unexplained = []
cases.each_with_index do |c, i|
  gem = traces[:gem][i]
  native = traces[:native][i]
  if gem == native
    identical += 1
    next
  end
  rules = Divergences.explain(c, gem, native, ->(k) { [cases[i + k], traces[:gem][i + k], traces[:native][i + k]] })
  if rules
    rules.each { |r| allowed[r] += 1 }
    examples[rules] ||= i
  else
    unexplained << i
  end
end

secs = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
puts format('difftest: %d cases (seed %d), %d identical traces, %d allowed divergences, %d unexplained (%.1f s)',
            cases.size, opts[:seed], identical, cases.size - identical - unexplained.size, unexplained.size, secs)
allowed.sort_by { |k, v| [-v, k] }.each { |rule, n| puts format('  %6d  %s', n, rule) }
show = lambda do |i|
  c = cases[i]
  puts "--- case #{i}: #{c[:kind]} #{c[:version]} #{c[:opts].inspect} " \
       "connect=#{c[:on_connect].inspect} open=#{c[:on_open].inspect} message=#{c[:on_message].inspect}"
  c[:steps].each { |s| puts "  step #{s.map { |x| x.is_a?(String) ? x.unpack1('H*') : x.inspect }.join(' ')}" }
  Divergences.side_by_side(traces[:gem][i], traces[:native][i]).each { |l| puts "  #{l}" }
end
examples.each_value(&show) if opts[:examples]
unexplained.first(opts[:show]).each(&show)
$difftest = { cases: cases, traces: traces, unexplained: unexplained } # for ad-hoc analysis
exit(unexplained.empty? ? 0 : 1)
