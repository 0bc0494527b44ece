-- GET a path as a random user. BENCH_TARGETS names a file of "<access token> <path>" lines.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")
local targets = {}

setup = report.setup

function init(args)
  math.randomseed(seed)
  for _, line in ipairs(report.lines(os.getenv("BENCH_TARGETS"))) do
    local token, path = line:match("^(%S+) (%S+)$")
    targets[#targets + 1] = { token = token, path = path }
  end
end

function request()
  local target = targets[math.random(#targets)]
  return wrk.format("GET", target.path, { ["Authorization"] = "Bearer " .. target.token })
end

done = report.done
