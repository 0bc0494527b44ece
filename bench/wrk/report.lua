-- Shared by every scenario: prints wrk's summary as one JSON line, for bench.py to read.
local report = {}

function report.done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end

-- Gives each wrk thread its own random sequence (wrk's `setup` runs once per thread).
function report.setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

-- Lines of a data file written by bench.py.
function report.lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  return lines
end

return report
