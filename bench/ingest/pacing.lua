-- Appended to ingest.lua or static.lua for the fixed-rate runs (wrk has no rate option;
-- wrk2 is not packaged): wrk asks delay() how many milliseconds to wait
-- before each request.
-- Fixed schedule per thread: request k is due at start + k * period; a late
-- request goes at once, so the rate holds as long as the server keeps up.
function delay()
  if period_ms == nil then return 0 end
  local t = now_ms()
  if start_ms == nil then start_ms = t end
  sent = sent + 1
  local wait = start_ms + sent * period_ms - t
  if wait < 0 then return 0 end
  return math.floor(wait)
end

