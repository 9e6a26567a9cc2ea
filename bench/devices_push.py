#!/usr/bin/env python3
"""Push fan-out on a password change: an account with N devices whose push
callbacks point at interop/push_receiver.py (already running, its DIR/ready.json
written), then POST /v1/password/change/start and /finish, and the time from the
finish answer until the receiver holds a `fxaccounts:password_changed` push for
every device (or for all but the caller's, if the server skips it; both counted).
Usage: devices_push.py http://127.0.0.1:PORT DATA_DIR RECEIVER_DIR N [timeout s]
"""
import base64, hashlib, hmac, json, os, sys, time, urllib.request

from devices_prep import prepare
from prep import NS, hkdf, post

def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]

def settle(path, quiet=1.0, limit=30.0):
    """Waits until the registrations' own pushes (deviceConnected) stop arriving."""
    end, last = time.time() + limit, -1
    while time.time() < end:
        count = len(records(path))
        if count == last:
            return
        last = count
        time.sleep(quiet)

def hawk_post(base, path, token_hex, kind, body):
    """POST with a Hawk header that covers the payload (change/finish requires it)."""
    host, port = base.split("//")[1].split(":")
    derived = hkdf(bytes.fromhex(token_hex), NS + kind.encode(), 64)
    token_id, key = derived[:32], derived[32:64]
    raw = json.dumps(body).encode()
    ctype = "application/json"
    digest = hashlib.sha256(b"hawk.1.payload\n" + ctype.encode() + b"\n" + raw + b"\n").digest()
    phash = base64.b64encode(digest).decode()
    ts, nonce = str(int(time.time())), base64.b64encode(os.urandom(6)).decode()
    normalized = f"hawk.1.header\n{ts}\n{nonce}\nPOST\n{path}\n{host}\n{port}\n{phash}\n\n"
    mac = base64.b64encode(hmac.new(key, normalized.encode(), hashlib.sha256).digest()).decode()
    auth = f'Hawk id="{token_id.hex()}", ts="{ts}", nonce="{nonce}", hash="{phash}", mac="{mac}"'
    req = urllib.request.Request(base + path, data=raw, method="POST",
                                 headers={"Content-Type": ctype, "Authorization": auth})
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())

def main():
    base, data, rdir, n = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], int(sys.argv[4])
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
    with open(os.path.join(rdir, "ready.json")) as f:
        ready = json.load(f)
    rec_path = os.path.join(rdir, "records.jsonl")
    push = {"base": f"https://127.0.0.1:{ready['port']}", "p256dh": ready["p256dh"],
            "auth": ready["auth"]}
    acct = prepare(base, data, n, push)
    settle(rec_path)
    before = len(records(rec_path))
    started = post(base, "/v1/password/change/start",
                   {"email": acct["email"], "oldAuthPW": acct["auth_pw"]})
    # Any 32 bytes serve as the new authPW and wrapKb: the server checks neither.
    body = {"authPW": os.urandom(32).hex(), "wrapKb": os.urandom(32).hex(),
            "sessionToken": hkdf(bytes.fromhex(acct["session_token"]),
                                 NS + b"sessionToken", 32).hex()}
    sent = time.time()
    hawk_post(base, "/v1/password/change/finish", started["passwordChangeToken"],
              "passwordChangeToken", body)
    answered = time.time()
    # The device of the session that changes the password is not told (as Mozilla).
    expected = n - 1
    seen = {}
    while time.time() < answered + timeout:
        for rec in records(rec_path)[before:]:
            if (rec.get("payload") or {}).get("command") == "fxaccounts:password_changed":
                seen.setdefault(rec["path"], rec["received_at"])
        if len(seen) >= expected:
            break
        time.sleep(0.02)
    last = max(seen.values()) if seen else None
    print(f"finish answered in {(answered - sent) * 1000:.1f} ms; "
          f"password_changed pushes received: {len(seen)} of the {expected} other devices")
    if last is not None:
        print(f"last push {(last - answered) * 1000:.1f} ms after the answer "
              f"({(last - sent) * 1000:.1f} ms after the request); target <= 2000 ms")
    else:
        print(f"no password_changed push within {timeout:.0f} s")

if __name__ == "__main__":
    main()
