-- wrk script: `load.lua <path>`: each request a POS `create_form` of the demo shape with a fresh
-- external_id, to path (`/dp/create_form`, or `/bare` for the baseline).
local report = require "wrk-report"
local threads = 0
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer bench-token" }
local head = '{"partner_guid":"bench-partner","point_code":"bench-point","point_user_code":"op",' ..
  '"point_user_name":"Оператор","external_id":"'
local tail = '","items":[{"group":"PHONES","category":"MOBILE_PHONES","description":"Смартфон",' ..
  '"price":5000000}],"initial_payment":500000,"amount":5000000,"term_value":12,' ..
  '"life_insurance":false,"work_insurance":false,"is_sms_notification_allowed":true,' ..
  '"mobile_phone":"+79123456789","first_name":"Иван","middle_name":"Иванович",' ..
  '"last_name":"Иванов","birth_date":"1985-04-12","birth_place":"Москва","passport_series":"4510",' ..
  '"passport_number":"123456","passport_division_code":"770-001",' ..
  '"passport_issue_date":"2010-05-20","passport_issued_by":"ОВД",' ..
  '"registration_address_string":"г. Москва, ул. Тверская, д. 7",' ..
  '"residence_address_string":"г. Москва, ул. Тверская, д. 7",' ..
  '"relation_persons":[{"type":"WIFE","mobile_phone":"+79161234567"}],"employment":"EMPLOYEE",' ..
  '"salary_income_amount":12000000,"email":"ivanov@example.ru","employer_scope":"RETAIL"}'
local prefix, seq = "", 0

-- Runs in wrk's main Lua state once per thread, before that thread's init: a thread number that
-- keeps the threads' external_ids apart.
function setup(thread)
  threads = threads + 1
  thread:set("index", threads)
  report.setup(thread)
end

function init(args)
  wrk.method = "POST"
  wrk.path = args[1]
  -- external_id: the clock's seconds, the thread and a counter; the bench's phases start seconds apart.
  prefix = os.time() .. "-" .. (index or 1) .. "-"
end

function request()
  seq = seq + 1
  return wrk.format(nil, nil, headers, head .. prefix .. seq .. tail)
end

done = report.done
