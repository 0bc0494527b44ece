-- GET /healthz: the server's own ceiling.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")
done = report.done
