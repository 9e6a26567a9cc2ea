-- wrk script: POST /v1/oauth/token, grant fxa-credentials with a session's Bearer
-- header (env BEARER, TOKEN_BODY from oauth_prep.py): each answer is a newly signed
-- RS256 JWT access token and a stored row. Counts answers other than 200.
wrk.method = "POST"
wrk.path = "/v1/oauth/token"
wrk.body = os.getenv("TOKEN_BODY")
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
