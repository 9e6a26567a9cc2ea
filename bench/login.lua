-- wrk script: POST /v1/account/login with a JSON body (env LOGIN_BODY); counts statuses.
wrk.method = "POST"
wrk.path = "/v1/account/login"
wrk.body = os.getenv("LOGIN_BODY")
wrk.headers["Content-Type"] = "application/json"

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write("login max latency (ms): ", latency.max / 1000, "\n")
end
