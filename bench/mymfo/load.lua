-- wrk script: `load.lua <kind> <deals>` where kind is pay (Payment/QIWI pay of 1.00 with a fresh
-- txn_id each, over random deals), psdeal (PS/deal of random deals), check (Payment/QIWI check,
-- the debt summary behind the payment face) or bare (a GET of the bare route). Deal numbers and
-- passports as bench/mymfo/numbers.ts makes them (a client per 100 deals).
local report = require "wrk-report"
local base = "/MeMFOWork/hs"
-- Basic qiwi:qiwi-password and site:site-password (the credentials bench/mymfo/run.ts adds).
local qiwi = { ["Authorization"] = "Basic cWl3aTpxaXdpLXBhc3N3b3Jk" }
local site = { ["Authorization"] = "Basic c2l0ZTpzaXRlLXBhc3N3b3Jk" }
local bare = {}
local kind, deals, prefix, seq = "pay", 1, "", 0
local threads = 0

-- Runs in wrk's main Lua state once per thread, before that thread's init.
function setup(thread)
  threads = threads + 1
  thread:set("index", threads)
  report.setup(thread)
end

-- benchDealNumber(i) and benchPassport(i) of bench/mymfo/numbers.ts.
local function dealNumber(i)
  return string.format("BENCH%09d", i)
end

local function passport(i)
  return string.format("4510%06d", math.floor((i + 99) / 100))
end

function init(args)
  kind = args[1]
  deals = tonumber(args[2])
  local i = index or 1
  math.randomseed(os.time() * 100 + i)
  -- txn_id: the clock's seconds, the thread and a counter (Lua numbers are doubles: no 20-digit
  -- arithmetic); unique across threads and across the bench's phases, which start seconds apart.
  prefix = string.format("%010d%02d", os.time(), i % 100)
  wrk.method = "GET"
end

function request()
  seq = seq + 1
  local txn = prefix .. string.format("%08d", seq)
  local i = math.random(deals)
  if kind == "pay" then
    return wrk.format(nil, base .. "/Payment/QIWI/?command=pay&txn_id=" .. txn ..
      "&txn_date=20261123120000&account=" .. dealNumber(i) .. "&sum=1.00", qiwi)
  elseif kind == "check" then
    return wrk.format(nil, base .. "/Payment/QIWI/?command=check&txn_id=" .. txn .. "&account=" ..
      dealNumber(i), qiwi)
  elseif kind == "psdeal" then
    return wrk.format(nil, base .. "/PS/deal/" .. dealNumber(i) .. "/" .. passport(i), site)
  end
  return wrk.format(nil, "/bare?txn_id=" .. txn, bare)
end

done = report.done
