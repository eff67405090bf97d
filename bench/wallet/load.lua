-- wrk script, one thread: `load.lua <kind> <cookiesCsv>`. kind pay: creates (`POST /v1/payments`,
-- one-step Мегафон, a fresh client_payment_id) and pays what was created (`POST
-- /v1/payments/{id}/pay`), each with the session cookie of the wallet that created it; a created
-- payment is paid by the next request any connection sends, so every connection alternates about
-- evenly between the two. The wallet is named in the client_payment_id (its fourth group), which
-- the create's answer echoes, since wrk does not say which request an answer belongs to. bare:
-- the create's body against the bare route.
local report = require "wrk-report"
local kind, prefix, seq, turn = "pay", "", 0, 0
local cookies, createHeaders, payHeaders, bareRequest = {}, {}, {}, nil
-- Created and not yet paid: {id, wallet index}, first in first out.
local ready, head, tail = {}, 1, 0

function init(args)
  kind = args[1]
  for c in string.gmatch(args[2] or "", "[^,]+") do cookies[#cookies + 1] = "JSESSIONID=" .. c end
  for i, cookie in ipairs(cookies) do
    createHeaders[i] = { ["Content-Type"] = "application/json", ["Cookie"] = cookie }
    payHeaders[i] = { ["Cookie"] = cookie }
  end
  -- A UUID of decimal digits (they are hex digits too): the clock's seconds, then per request
  -- the wallet's index and a counter; the bench's phases start seconds apart.
  prefix = string.format("%08d-0000-4000-", os.time() % 100000000)
  bareRequest = wrk.format("POST", "/bare", { ["Content-Type"] = "application/json" },
    '{"agentTransactionId":1}')
end

function request()
  if kind == "bare" then return bareRequest end
  if head <= tail then
    local p = ready[head]
    ready[head] = nil
    head = head + 1
    return wrk.format("POST", "/v1/payments/" .. p[1] .. "/pay", payHeaders[p[2]])
  end
  seq = seq + 1
  turn = turn % #cookies + 1
  return wrk.format("POST", "/v1/payments", createHeaders[turn],
    '{"type":"out","client_payment_id":"' .. prefix .. string.format("%04d-%012d", turn, seq) ..
    '","amount":1,"service":1,"parameters":{"phoneNumber":"9267101280"}}')
end

-- A payment waiting for its pay (a create's answer) goes to the queue.
function response(status, headers, body)
  if status >= 300 or not string.find(body, '"next_action":"pay"', 1, true) then return end
  local id = string.match(body, '"id":(%d+)')
  local wallet = string.match(body, '"client_payment_id":"%d+%-%d+%-%d+%-(%d+)%-')
  if id and wallet then
    tail = tail + 1
    ready[tail] = { id, tonumber(wallet) }
  end
end

done = report.done
