-- Shared by every wrk script (`require "wrk-report"` at its end): prints the phase's figures as
-- one JSON line in the shape of bench/lib/autocannon.ts's Load. Latencies are in microseconds.
local M = {}

function M.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'WRK_FIGURES {"requests":%d,"rps":%.1f,"p50":%.1f,"p99":%.1f,"p90":%.1f,"p999":%.1f,"max":%.1f,"non2xx":%d,"errors":%d,"timeouts":%d,"duration":%.3f}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write, e.timeout, seconds))
end

return M
