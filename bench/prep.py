#!/usr/bin/env python3
"""Prepares a load test against a running foxden: creates an account the way a
V1 FxA client does (PBKDF2 quick-stretch + HKDF, standard library only) and
prints, as JSON, a Hawk header for GET /v1/session/status and a login body.

The Hawk header can be replayed: FxA (and foxden by default) keep no nonce
cache and accept a 20-year clock skew, so one signed header serves a whole run.
"""
import base64, hashlib, hmac, json, os, sys, time, urllib.request

NS = b"identity.mozilla.com/picl/v1/"

def hkdf(ikm, info, length):
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]

def post(base, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())

def hawk_header(token_hex, kind, method, url_path, host, port):
    derived = hkdf(bytes.fromhex(token_hex), NS + kind.encode(), 96)
    token_id, key = derived[:32], derived[32:64]
    ts, nonce = str(int(time.time())), base64.b64encode(os.urandom(6)).decode()
    normalized = f"hawk.1.header\n{ts}\n{nonce}\n{method}\n{url_path}\n{host}\n{port}\n\n\n"
    mac = base64.b64encode(hmac.new(key, normalized.encode(), hashlib.sha256).digest()).decode()
    return f'Hawk id="{token_id.hex()}", ts="{ts}", nonce="{nonce}", mac="{mac}"'

def main():
    base = sys.argv[1].rstrip("/")  # e.g. http://127.0.0.1:9000
    host, port = base.split("//")[1].split(":")
    email = f"load-{os.urandom(4).hex()}@example.com"
    stretched = hashlib.pbkdf2_hmac("sha256", b"load test password", NS + b"quickStretch:" + email.encode(), 1000, 32)
    auth_pw = hkdf(stretched, NS + b"authPW", 32).hex()
    created = post(base, "/v1/account/create", {"email": email, "authPW": auth_pw})
    print(json.dumps({
        "email": email,
        "session_status_hawk": hawk_header(created["sessionToken"], "sessionToken", "GET", "/v1/session/status", host, port),
        "login_body": json.dumps({"email": email, "authPW": auth_pw}),
    }))

if __name__ == "__main__":
    main()
