-- wrk script: GET /v1/account/devices with a session's Bearer header (env BEARER, from
-- devices_prep.py). Counts answers other than 200, which would make the figure meaningless.
wrk.method = "GET"
wrk.path = "/v1/account/devices"
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
