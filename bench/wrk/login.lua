-- POST /api/v1/users/login/ as a random user (argon2id verification dominates, on purpose).
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")
local emails = {}

setup = report.setup

function init(args)
  math.randomseed(seed)
  emails = report.lines(os.getenv("BENCH_EMAILS"))
end

function request()
  local body = string.format('{"email":"%s","password":"%s"}', emails[math.random(#emails)], os.getenv("BENCH_PASSWORD"))
  return wrk.format("POST", "/api/v1/users/login/", { ["Content-Type"] = "application/json" }, body)
end

done = report.done
