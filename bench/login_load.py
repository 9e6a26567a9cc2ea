#!/usr/bin/env python3
"""Login load: N clients each POST /v1/account/login in a loop for D seconds,
honouring 503 errno 201 `Retry-After` as FxA clients must (the back-off protocol).
Prints logins/s and latency percentiles (successes, refusals, and all requests).

Usage: login_load.py BASE_URL LOGIN_BODY_JSON [clients=16] [seconds=30]
"""
import http.client, json, sys, threading, time, urllib.parse

def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

def main():
    base, body = sys.argv[1], sys.argv[2].encode()
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 30
    url = urllib.parse.urlparse(base)
    ok, busy, other, lock = [], [], [], threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        while time.monotonic() < deadline:
            start = time.monotonic()
            conn.request("POST", "/v1/account/login", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            took = time.monotonic() - start
            with lock:
                (ok if resp.status == 200 else busy if resp.status == 503 else other).append(took)
            if resp.status == 503:
                time.sleep(min(float(resp.getheader("Retry-After", "1")), 5.0))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    every = ok + busy + other
    ms = lambda v: f"{v * 1000:.0f} ms"
    print(f"clients={clients} duration={elapsed:.1f}s logins={len(ok)} ({len(ok) / elapsed:.2f}/s) "
          f"busy_503={len(busy)} other={len(other)}")
    print(f"successful logins: p50 {ms(percentile(ok, 50))}, p99 {ms(percentile(ok, 99))}, max {ms(max(ok, default=0))}")
    print(f"503 refusals:      p50 {ms(percentile(busy, 50))}, p99 {ms(percentile(busy, 99))}, max {ms(max(busy, default=0))}")
    print(f"all requests:      max {ms(max(every, default=0))}")
    sys.exit(1 if other else 0)

if __name__ == "__main__":
    main()
