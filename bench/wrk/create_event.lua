-- POST /api/v1/events/ with a weekly recurrence of 30, as a random user.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")
local tokens = {}
local body = '{"title":"Load test","start_date":"2026-05-04T09:00:00","end_date":"2026-05-04T10:00:00",' ..
  '"timezone":"Europe/Berlin","recurrence":{"frequency":"weekly","count":30}}'

setup = report.setup

function init(args)
  math.randomseed(seed)
  tokens = report.lines(os.getenv("BENCH_TOKENS"))
end

function request()
  return wrk.format("POST", "/api/v1/events/", {
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
    ["Content-Type"] = "application/json",
  }, body)
end

done = report.done
