-- wrk script: `load.lua <kind> <tokensCsv>` where kind is pay, check or bare. Pays get a fresh
-- agentTransactionId each (a repeat would be an idempotent replay, not a payment); tokens rotate
-- over the requests.
local report = require "wrk-report"
local kind, tokens, prefix, seq, n = "check", {}, "", 0, 0

function init(args)
  kind = args[1]
  for t in string.gmatch(args[2] or "", "[^,]+") do tokens[#tokens + 1] = t end
  -- 16 digits: 8 from the clock, 8 from a counter (Lua numbers are doubles: no 16-digit arithmetic).
  prefix = string.format("%08d", os.time() % 100000000)
  wrk.method = "POST"
  wrk.path = kind == "bare" and "/bare" or ("/api/v20/" .. kind)
end

function request()
  seq = seq + 1
  local headers = { ["content-type"] = "application/json" }
  if #tokens > 0 then
    n = n % #tokens + 1
    headers["authorization"] = "Bearer " .. tokens[n]
  end
  local body = '{"serviceId":"P1011","account":"7770017711","agentTransactionId":' .. prefix ..
    string.format("%08d", seq) ..
    ',"agentTransactionDate":"2026-11-23T10:00:00","amountTo":200.00,"amountFrom":200.00}'
  return wrk.format(nil, nil, headers, body)
end

done = report.done
