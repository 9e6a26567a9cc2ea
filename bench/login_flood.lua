-- POST /v1/account/login as fast as the connection allows: a client that resends
-- at once instead of honouring Retry-After. Counts the sign-ins that succeeded.
wrk.method = "POST"
wrk.path = "/v1/account/login"
wrk.body = os.getenv("LOGIN_BODY")
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, refused = 0, 0
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else refused = refused + 1 end
end

function done(summary, latency, requests)
  local ok_total, refused_total = 0, 0
  for _, t in ipairs(threads) do
    ok_total = ok_total + t:get("ok")
    refused_total = refused_total + t:get("refused")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("sign-ins completed: %d (%.2f/s); refusals: %d (%.0f/s)\n",
    ok_total, ok_total / secs, refused_total, refused_total / secs))
end
