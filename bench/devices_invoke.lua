-- wrk script: POST /v1/account/devices/invoke_command (Send Tab's open-uri) from one
-- session to another device of the account (env BEARER, INVOKE_BODY, from
-- devices_prep.py). Counts answers other than 200, which would make the figure meaningless.
wrk.method = "POST"
wrk.path = "/v1/account/devices/invoke_command"
wrk.body = os.getenv("INVOKE_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("BEARER")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  failed = 0
end

function response(status, headers, body)
  if status ~= 200 then failed = failed + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("failed") end
  io.write(string.format("answers other than 200: %d\n", total))
end
