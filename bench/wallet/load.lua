-- wrk script: `load.lua <kind> <cookiesCsv>`, run with one thread per connection (wrk's Lua state
-- is per thread, and the create -> pay state belongs to a connection). kind pay: each connection
-- repeats create (`POST /v1/payments`, one-step Мегафон, a fresh client_payment_id) then pay
-- (`POST /v1/payments/{id}/pay`) with the session cookie of one wallet; bare: the create's body
-- against the bare route.
local report = require "wrk-report"
local threads = 0
local kind, prefix, seq = "pay", "", 0
local createHeaders, payHeaders, bareRequest
-- The id of the payment this connection created and has not paid yet; what the last request was.
local created, sent

-- Runs in wrk's main Lua state once per thread, before that thread's init: a thread number that
-- picks the thread's wallet and keeps its client_payment_ids apart from the other threads'.
function setup(thread)
  threads = threads + 1
  thread:set("index", threads)
end

function init(args)
  kind = args[1]
  local cookies = {}
  for c in string.gmatch(args[2] or "", "[^,]+") do cookies[#cookies + 1] = c end
  local i = index or 1
  local cookie = #cookies > 0 and ("JSESSIONID=" .. cookies[(i - 1) % #cookies + 1]) or nil
  createHeaders = { ["Content-Type"] = "application/json", ["Cookie"] = cookie }
  payHeaders = { ["Cookie"] = cookie }
  -- client_payment_id is a UUID: its groups from the clock's seconds, the thread and a counter
  -- (decimal digits are hex digits too); the bench's phases start seconds apart.
  prefix = string.format("%08d-%04d-4000-8000-", os.time() % 100000000, i % 10000)
  bareRequest = wrk.format("POST", "/bare", { ["Content-Type"] = "application/json" },
    '{"agentTransactionId":1}')
end

function request()
  if kind == "bare" then return bareRequest end
  if created then
    sent = "pay"
    return wrk.format("POST", "/v1/payments/" .. created .. "/pay", payHeaders)
  end
  seq = seq + 1
  sent = "create"
  return wrk.format("POST", "/v1/payments", createHeaders,
    '{"type":"out","client_payment_id":"' .. prefix .. string.format("%012d", seq) ..
    '","amount":1,"service":1,"parameters":{"phoneNumber":"9267101280"}}')
end

-- A created payment is paid next; after a pay (or a failed create) the connection creates again.
function response(status, headers, body)
  if sent == "create" and status < 300 then
    created = string.match(body, '"id":(%d+)')
  else
    created = nil
  end
end

done = report.done
