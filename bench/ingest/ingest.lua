-- wrk script: POSTs the pre-signed requests of a pool file (make_requests.py)
-- to the path given on the wrk command line, each once, thread t taking the
-- lines n with n % threads == t. When a thread runs out it starts over (those
-- requests are duplicates and the server answers 200; the run script reports
-- them). Sends as fast as the connections allow; for a fixed rate, run the
-- concatenation of this file and pacing.lua with a RATE (requests/s for the
-- whole run).
--
--   wrk -t T -c C -d D -s ingest.lua URL -- POOL_FILE T [RATE]
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } wasl_timespec;
  int clock_gettime(int clk_id, wasl_timespec* tp);
]]
local function now_ms()
  local t = ffi.new("wasl_timespec")
  ffi.C.clock_gettime(1, t)  -- CLOCK_MONOTONIC
  return tonumber(t.tv_sec) * 1000 + tonumber(t.tv_nsec) / 1e6
end

local next_thread = 0
function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
end

local requests = {}
local index = 0
local period_ms = nil
local start_ms = nil
local sent = 0

function init(args)
  local pool, threads, rate = args[1], tonumber(args[2]), tonumber(args[3] or "0")
  local n = 0
  for line in io.lines(pool) do
    if n % threads == thread_index then
      local id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["webhook-id"] = id,
        ["webhook-timestamp"] = ts,
        ["webhook-signature"] = sig,
      }, body)
    end
    n = n + 1
  end
  if rate > 0 then period_ms = 1000.0 * threads / rate end
end

function request()
  index = index + 1
  if index > #requests then index = 1 end
  return requests[index]
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
