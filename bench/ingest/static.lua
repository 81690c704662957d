-- wrk script for GET /static (the 204 baseline): prints the same RESULT line
-- as ingest.lua. As fast as the connections allow; for a fixed rate, run the
-- concatenation of this file and pacing.lua with THREADS and RATE
-- (requests/s for the whole run):
--
--   wrk -t T -c C -d D -s static.lua URL [-- T RATE]
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

local period_ms = nil
local start_ms = nil
local sent = 0

function init(args)
  local threads, rate = tonumber(args[1] or "1"), tonumber(args[2] or "0")
  if rate > 0 then period_ms = 1000.0 * threads / rate end
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
