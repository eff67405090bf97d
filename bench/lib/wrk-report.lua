-- Shared by every wrk script (`require "wrk-report"` at its start): prints the phase's figures as
-- one JSON line in the shape of bench/lib/autocannon.ts's Load. Latencies are in microseconds.
--
-- With WRK_RATE set (requests a second for each thread; bench/lib/wrk.ts sets it), requests
-- leave on a fixed schedule (open loop) instead of as soon as a connection is free: a target of
-- "N/s with p99 under X" is about the latency at N/s, which a closed loop of 64 connections
-- cannot show (Little's law pins its mean latency at 64 / rate). wrk times a request from its
-- send, so a send that leaves late because every connection was busy is counted (late, lateMax),
-- and p99Bound bounds the p99 timed from the slots instead: a request's latency from its slot
-- exceeds the measured one only if its send was late, so at most `late` more requests than the
-- measured figures say lie above any latency, and the measured percentile 99 + 100 * late / N
-- (plus the millisecond a send may leave late uncounted) is above the p99 from the slots. With
-- 1 % of the sends late or more, no bound: p99Bound is -1.
local M = {}
local threads = {}

-- A script with its own setup(thread) calls this from it.
function M.setup(thread)
  threads[#threads + 1] = thread
end
setup = M.setup

local rate = tonumber(os.getenv("WRK_RATE") or "")
if rate and rate > 0 then
  local ffi = require "ffi"
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } wrk_report_timespec;
    int clock_gettime(int clock, wrk_report_timespec *ts);
  ]]
  local ts = ffi.new("wrk_report_timespec")
  local function nowMs()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval, nextSlot = 1000 / rate, nil
  -- Globals of the thread's Lua state: done() reads them through thread:get.
  late, lateMax = 0, 0

  -- Called before each request of the thread's connections: the wait until the next free slot.
  function delay()
    local now = nowMs()
    nextSlot = nextSlot or now
    local wait = nextSlot - now
    nextSlot = nextSlot + interval
    if wait >= 0 then return math.floor(wait + 0.5) end
    -- Every connection was busy when this slot came; a millisecond is wrk's timer resolution.
    if wait < -1 then late = late + 1 end
    if -wait > lateMax then lateMax = -wait end
    return 0
  end
end

function M.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local lateSends, lateWorst = 0, 0
  for _, t in ipairs(threads) do
    lateSends = lateSends + (t:get("late") or 0)
    lateWorst = math.max(lateWorst, t:get("lateMax") or 0)
  end
  local lateShare = 100 * lateSends / math.max(1, summary.requests)
  local p99Bound = -1
  if lateShare < 1 then p99Bound = latency:percentile(99 + lateShare) / 1000 + (rate and 1 or 0) end
  io.write(string.format(
    'WRK_FIGURES {"requests":%d,"rps":%.1f,"p50":%.1f,"p99":%.1f,"p90":%.1f,"p999":%.1f,"max":%.1f,"non2xx":%d,"errors":%d,"timeouts":%d,"duration":%.3f,"late":%d,"lateMax":%.1f,"p99Bound":%.1f}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write, e.timeout, seconds, lateSends, lateWorst, p99Bound))
end

return M
