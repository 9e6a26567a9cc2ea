#!/usr/bin/env python3
"""Times N sign-ups (POST /v1/account/create) against a running foxden, C at a
time, and prints the wall time and the slowest request. Standard library only.

Usage: signups.py BASE_URL N C
"""
import concurrent.futures, json, os, sys, time, urllib.request


def sign_up(base, i):
    body = {"email": f"queue-{os.urandom(4).hex()}-{i}@example.com", "authPW": "ab" * 32}
    req = urllib.request.Request(base + "/v1/account/create", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    start = time.monotonic()
    with urllib.request.urlopen(req) as resp:
        resp.read()
        assert resp.status == 200, resp.status
    return time.monotonic() - start


def main():
    base, n, c = sys.argv[1].rstrip("/"), int(sys.argv[2]), int(sys.argv[3])
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(c) as pool:
        times = list(pool.map(lambda i: sign_up(base, i), range(n)))
    wall = time.monotonic() - start
    times.sort()
    print(f"{n} sign-ups, {c} at a time: {wall:.2f} s wall, "
          f"median {times[len(times) // 2] * 1000:.0f} ms, slowest {times[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
