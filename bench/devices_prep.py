#!/usr/bin/env python3
"""Prepares the device benchmarks against a running foxden whose mail goes to its
outbox: creates and verifies an account (oauth_prep.verify_code), signs in N-1
more times, and registers one device per session (availableCommands open-uri).
Prints, as JSON, the Bearer header of the first (verified) session and an
invoke_command body aimed at the second device.
With RECEIVER_DIR (a running interop/push_receiver.py's), every device gets a
push callback to that receiver.
Usage: devices_prep.py http://127.0.0.1:PORT DATA_DIR N [RECEIVER_DIR]
"""
import base64, hashlib, json, os, sys, urllib.request

from oauth_prep import verify_code
from prep import NS, hkdf, post

OPEN_URI = "https://identity.mozilla.com/cmd/open-uri"

def token_id(session_token):
    return hkdf(bytes.fromhex(session_token), NS + b"sessionToken", 96)[:32].hex()

def register(base, bearer, i, push):
    """One device for the session; `push` = {base, p256dh, auth} adds a callback."""
    body = {"name": f"bench device {i}", "type": "desktop",
            "availableCommands": {OPEN_URI: "bench-keys"}}
    if push:
        # One path per device, so that the receiver's records tell them apart.
        body.update({"pushCallback": f"{push['base']}/push/{i}",
                     "pushPublicKey": push["p256dh"], "pushAuthKey": push["auth"]})
    req = urllib.request.Request(base + "/v1/account/device", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": bearer}, method="POST")
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())["id"]

def prepare(base, data, n, push=None):
    """The account, its N sessions and devices, as the dict main prints."""
    addr = f"devices-load-{os.urandom(4).hex()}@example.com"
    stretched = hashlib.pbkdf2_hmac("sha256", b"load test password",
                                    NS + b"quickStretch:" + addr.encode(), 1000, 32)
    auth_pw = hkdf(stretched, NS + b"authPW", 32).hex()
    created = post(base, "/v1/account/create", {"email": addr, "authPW": auth_pw})
    uid, code = verify_code(os.path.join(data, "outbox"), addr)
    post(base, "/v1/recovery_email/verify_code", {"uid": uid, "code": code})
    sessions = [created["sessionToken"]]
    for _ in range(n - 1):
        sessions.append(post(base, "/v1/account/login",
                             {"email": addr, "authPW": auth_pw})["sessionToken"])
    bearers = [f"Bearer fxs_{token_id(s)}" for s in sessions]
    ids = [register(base, b, i, push) for i, b in enumerate(bearers)]
    payload = {"encrypted": base64.b64encode(os.urandom(96)).decode()}
    invoke = {"target": ids[1], "command": OPEN_URI, "payload": payload}
    return {"email": addr, "auth_pw": auth_pw, "session_token": sessions[0],
            "bearer": bearers[0], "target": ids[1], "invoke_body": json.dumps(invoke)}

def main():
    base, data, n = sys.argv[1].rstrip("/"), sys.argv[2], int(sys.argv[3])
    push = None
    if len(sys.argv) > 4:
        with open(os.path.join(sys.argv[4], "ready.json")) as f:
            ready = json.load(f)
        push = {"base": f"https://127.0.0.1:{ready['port']}", "p256dh": ready["p256dh"],
                "auth": ready["auth"]}
    print(json.dumps(prepare(base, data, n, push)))

if __name__ == "__main__":
    main()
