#!/usr/bin/env python3
"""Prepares the OAuth load tests against a running foxden whose mail goes to its
outbox: creates and verifies an account (the code read from the outbox mail),
then prints, as JSON, a Bearer header for its session and a JWT access token that
Firefox's `fxa-credentials` grant gave it.
Usage: oauth_prep.py http://127.0.0.1:PORT DATA_DIR
"""
import email, glob, hashlib, json, os, sys, time

from prep import NS, hkdf, post

FIREFOX = "5882386c6d801776"

def verify_code(outbox, email_addr):
    for _ in range(100):
        for path in glob.glob(os.path.join(outbox, "*.eml")):
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(f)
            if email_addr in (msg.get("To") or "") and msg.get("X-Verify-Code"):
                return msg["X-Uid"], msg["X-Verify-Code"]
        time.sleep(0.1)
    sys.exit(f"no verification mail to {email_addr} in {outbox}")

def main():
    base, data = sys.argv[1].rstrip("/"), sys.argv[2]
    addr = f"oauth-load-{os.urandom(4).hex()}@example.com"
    stretched = hashlib.pbkdf2_hmac("sha256", b"load test password",
                                    NS + b"quickStretch:" + addr.encode(), 1000, 32)
    auth_pw = hkdf(stretched, NS + b"authPW", 32).hex()
    created = post(base, "/v1/account/create", {"email": addr, "authPW": auth_pw})
    uid, code = verify_code(os.path.join(data, "outbox"), addr)
    post(base, "/v1/recovery_email/verify_code", {"uid": uid, "code": code})
    token_id = hkdf(bytes.fromhex(created["sessionToken"]), NS + b"sessionToken", 96)[:32]
    bearer = f"Bearer fxs_{token_id.hex()}"
    body = {"client_id": FIREFOX, "grant_type": "fxa-credentials", "scope": "profile"}
    import urllib.request
    req = urllib.request.Request(base + "/v1/oauth/token", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": bearer}, method="POST")
    with urllib.request.urlopen(req) as resp:
        jwt = json.loads(resp.read())["access_token"]
    print(json.dumps({"bearer": bearer, "jwt": jwt, "token_body": json.dumps(body),
                      "verify_body": json.dumps({"token": jwt})}))

if __name__ == "__main__":
    main()
