-- wrk script: POST /v1/verify of one JWT access token (env VERIFY_BODY, from
-- oauth_prep.py). Counts answers other than 200, which would make the figure meaningless.
wrk.method = "POST"
wrk.path = "/v1/verify"
wrk.body = os.getenv("VERIFY_BODY")
wrk.headers["Content-Type"] = "application/json"

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
