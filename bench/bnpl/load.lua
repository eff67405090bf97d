-- wrk script: `load.lua <kind> <token>` where kind is init (the document's full body with product,
-- passports, address and meta, a fresh order_id each, to `POST /api/partners/payments/init`) or
-- bare (the same requests against the bare route).
local report = require "wrk-report"
local threads = 0
local head, tail, headers, prefix, seq = "", "", nil, "", 0

-- Runs in wrk's main Lua state once per thread, before that thread's init: a thread number that
-- keeps the threads' order_ids apart.
function setup(thread)
  threads = threads + 1
  thread:set("index", threads)
  report.setup(thread)
end

function init(args)
  local kind = args[1]
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = args[2] or "" }
  wrk.method = "POST"
  wrk.path = kind == "bare" and "/bare" or "/api/partners/payments/init"
  -- order_id: the clock's seconds, the thread and a counter; the bench's phases start seconds apart.
  prefix = "bench-" .. os.time() .. "-" .. (index or 1) .. "-"
  -- The body as JSON.stringify wrote it, built once around the order_id: a flight in 90 days, the
  -- session expiring in a day (UTC, as toISOString).
  local dep = os.date("!%Y-%m-%dT%H:%M:%S", os.time() + 90 * 86400)
  local expires = os.date("!%Y-%m-%dT%H:%M:%S", os.time() + 86400)
  head = '{"phone":"79031232299","email":"test@test.com","amount":12000,' ..
    '"success_callback_url":"http://127.0.0.1:9/callbacks/success",' ..
    '"failure_callback_url":"http://127.0.0.1:9/callbacks/failure",' ..
    '"redirect_url":"http://yoursite.com/order/AB123-45","order_id":"'
  tail = '","web_mode":"iframe","expires_at":"' .. expires .. '+00:00","product_type":"airline_tickets",' ..
    '"product":{"cabin_type":"economy","validating_airline":"SU","segments":[{"flights":[{' ..
    '"aircraft":"737","departure_dt":"' .. dep .. '+03:00","arrival_dt":"' .. string.sub(dep, 1, 11) ..
    '23:59:00+03:00","book_code":"Y","orig":"SVO","dest":"VIE","flight_number":"606",' ..
    '"marketing_ac":"SU","operating_ac":"SU"}]}],"passengers":[{"first_name":"Ivan",' ..
    '"last_name":"Ivanov","document_type":"international_passport","document_number":"349287349",' ..
    '"birth_date":"1987-07-18"}]},"local_passport":{"birth_date":"1987-07-18",' ..
    '"issue_date":"2001-01-01","number":"4444333222","last_name":"Иванов","first_name":"Иван",' ..
    '"middle_name":"Александрович","sex":"male","issuing_authority":"ОВД Района Калитники",' ..
    '"authority_code":"663402"},"address":{"city":"Москва","street":"ул. Китобойцев",' ..
    '"building":"3","postcode":"111123"},"meta":{"client_orders_count":14,"client_login":true}}'
end

function request()
  seq = seq + 1
  return wrk.format(nil, nil, headers, head .. prefix .. seq .. tail)
end

done = report.done
