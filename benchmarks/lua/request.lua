-- One wrk scenario, configured through the environment (set by benchmarks/http_api.py):
--   BENCH_METHOD, BENCH_PATH (may hold {id}), BENCH_BODY (may hold {n}), BENCH_TOKEN,
--   BENCH_ID_MIN / BENCH_ID_MAX (the range {id} is drawn from), BENCH_OUT (a JSON file
--   that done() writes the summary and latency percentiles to).
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
local id_min = tonumber(os.getenv("BENCH_ID_MIN") or "0")
local id_max = tonumber(os.getenv("BENCH_ID_MAX") or "0")
local out = os.getenv("BENCH_OUT")
local counter = 0
local headers = { ["Content-Type"] = "application/json" }
if token ~= nil and token ~= "" then
  headers["Authorization"] = "Bearer " .. token
end

local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("seed", thread_count)
end

function init(args)
  math.randomseed(os.time() * 100 + (seed or 0))
end

request = function()
  counter = counter + 1
  local p = path
  if id_max > 0 then
    p = (p:gsub("{id}", tostring(math.random(id_min, id_max))))
  end
  local b = nil
  if body ~= nil and body ~= "" then
    b = (body:gsub("{n}", tostring(counter)))
  end
  return wrk.format(method, p, headers, b)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local f = assert(io.open(out, "w"))
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %.1f, "p90": %.1f, "p99": %.1f, "mean": %.1f, "max": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
  f:close()
end
