-- wrk script: GET /v1/session/status with a pre-signed Hawk header (env HAWK).
wrk.method = "GET"
wrk.path = "/v1/session/status"
wrk.headers["Authorization"] = os.getenv("HAWK")
