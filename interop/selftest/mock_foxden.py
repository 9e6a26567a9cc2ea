#!/usr/bin/env python3
"""A throw-away stand-in for `foxden serve`, used only to self-test the harness.

It implements just enough of the FxA auth API (in memory, stdlib only) for
interop/test_interop.py to run end to end: create, login, verify_code, keys,
session status/destroy, recovery_email/status, account status/destroy,
credentials/status and password change. It is NOT a reference implementation:
no scrypt, no Hawk MAC check (the token id is looked up, as modern FxA does),
no rate limiting, no sign-in confirmation.

Usage: mock_foxden.py serve     (reads FOXDEN_LISTEN, FOXDEN_SMTP_URL, FOXDEN_DATA_DIR)
"""

import hashlib
import hmac
import json
import os
import re
import smtplib
import sys
import threading
import time
import uuid
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

NS = b"identity.mozilla.com/picl/v1/"
PREFIX_TYPES = {"fxs": "sessionToken", "fxk": "keyFetchToken",
                "fxar": "accountResetToken", "fxpf": "passwordForgotToken",
                "fxpc": "passwordChangeToken"}


def hkdf(ikm, info, length):
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + NS + info.encode() + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def xor(a, b):
    assert len(a) == len(b)
    return bytes(x ^ y for x, y in zip(a, b))


class ApiError(Exception):
    def __init__(self, code, errno, message, **extra):
        self.body = {"code": code, "errno": errno, "error": "Bad Request" if code == 400 else
                     "Unauthorized" if code == 401 else "Error", "message": message, **extra}
        self.code = code


STATE = {"accounts": {}, "tokens": {}}
LOCK = threading.Lock()


def now_ms():
    return int(time.time() * 1000)


def new_token(kind, uid, **extra):
    data = os.urandom(32)
    km = hkdf(data, kind, 96)
    tid = km[:32].hex()
    STATE["tokens"][tid] = {"kind": kind, "uid": uid, "bundle_key": km[64:], **extra}
    return data.hex(), tid


def key_bundle(bundle_key, plaintext):
    k = hkdf(bundle_key, "account/keys", 32 + len(plaintext))
    ct = xor(plaintext, k[32:])
    return (ct + hmac.new(k[:32], ct, hashlib.sha256).digest()).hex()


def send_mail(to, template, headers):
    url = os.environ.get("FOXDEN_SMTP_URL")
    if not url:
        return
    u = urlparse(url)
    msg = EmailMessage()
    msg["From"] = "accounts@example.com"
    msg["To"] = to
    msg["Subject"] = template
    msg["X-Template-Name"] = template
    for k, v in headers.items():
        msg[k] = v
    msg.set_content(f"{template}\n")
    msg.add_alternative(f"<p>{template}</p>", subtype="html")
    with smtplib.SMTP(u.hostname, u.port or 25) as s:
        s.send_message(msg)


def account_by_email(email):
    for a in STATE["accounts"].values():
        if a["email"].lower() == email.lower():
            return a
    return None


def check_pw(acct, auth_pw):
    if hmac.compare_digest(acct["auth_v1"], auth_pw):
        return 1
    if acct.get("auth_v2") and hmac.compare_digest(acct["auth_v2"], auth_pw):
        return 2
    return 0


def make_kft(acct, version, verified):
    wrap = acct["wrap_v2"] if version == 2 else acct["wrap_v1"]
    data, tid = new_token("keyFetchToken", acct["uid"], verified=verified)
    tok = STATE["tokens"][tid]
    tok["bundle"] = key_bundle(tok["bundle_key"], acct["ka"] + wrap)
    return data, tid


def set_credentials(acct, body):
    acct["auth_v1"] = body["authPW"]
    if "authPWVersion2" in body:
        acct["auth_v2"] = body["authPWVersion2"]
        acct["client_salt"] = body["clientSalt"]
        acct["wrap_v1"] = bytes.fromhex(body["wrapKb"])
        acct["wrap_v2"] = bytes.fromhex(body["wrapKbVersion2"])
    elif "wrapKb" in body:
        acct["wrap_v1"] = bytes.fromhex(body["wrapKb"])


def auth_token(headers, kinds):
    h = headers.get("Authorization", "")
    tid = None
    m = re.match(r'^Hawk\s+.*\bid="([0-9a-fA-F]+)"', h)
    if m:
        tid = m.group(1).lower()
    m = re.match(r"^Bearer\s+([a-z]+)_([0-9a-f]{64})$", h)
    if m:
        if PREFIX_TYPES.get(m.group(1)) not in kinds:
            raise ApiError(401, 110, "Invalid authentication token in request signature")
        tid = m.group(2)
    tok = STATE["tokens"].get(tid or "")
    if not tok or tok["kind"] not in kinds:
        raise ApiError(401, 110, "Invalid authentication token in request signature")
    return tid, tok


def route(method, path, query, headers, body):
    A, T = STATE["accounts"], STATE["tokens"]
    if path in ("/__lbheartbeat__", "/v1/__lbheartbeat__"):
        return {}
    if not path.startswith("/v1/"):
        raise ApiError(404, 999, "Not found")
    p = path[3:]
    keys = query.get("keys", [""])[0] == "true"

    if (method, p) == ("POST", "/account/create"):
        if not isinstance(body.get("email"), str) or not isinstance(body.get("authPW"), str):
            raise ApiError(400, 107, "Invalid parameter in request body")
        old = account_by_email(body["email"])
        if old:
            raise ApiError(400, 101, "Account already exists")
        uid = uuid.uuid4().hex
        acct = {"uid": uid, "email": body["email"], "verified": False,
                "email_code": os.urandom(16).hex(), "ka": os.urandom(32),
                "wrap_v1": os.urandom(32), "created": now_ms()}
        set_credentials(acct, body)
        A[uid] = acct
        st, _ = new_token("sessionToken", uid, tvid=acct["email_code"])
        resp = {"uid": uid, "sessionToken": st, "authAt": int(time.time())}
        if keys:
            resp["keyFetchToken"], t1 = make_kft(acct, 1, False)
            T[t1]["tvid"] = acct["email_code"]
            if "auth_v2" in acct:
                resp["keyFetchTokenVersion2"], t2 = make_kft(acct, 2, False)
                T[t2]["tvid"] = acct["email_code"]
        send_mail(acct["email"], "verify", {"X-Uid": uid, "X-Verify-Code": acct["email_code"],
                                             "X-Link": f"http://x/verify?code={acct['email_code']}"})
        return resp

    if (method, p) == ("POST", "/account/login"):
        if not isinstance(body.get("email"), str) or not isinstance(body.get("authPW"), str):
            raise ApiError(400, 107, "Invalid parameter in request body")
        acct = account_by_email(body["email"])
        if not acct:
            raise ApiError(400, 102, "Unknown account")
        version = check_pw(acct, body["authPW"])
        if not version:
            raise ApiError(400, 103, "Incorrect password")
        # MOCK_CONFIRM=1: keys=true sign-ins need confirming by email (verifyLogin).
        tvid = os.urandom(16).hex() if keys and os.environ.get("MOCK_CONFIRM") else None
        st, _ = new_token("sessionToken", acct["uid"], tvid=tvid)
        resp = {"uid": acct["uid"], "sessionToken": st, "authAt": int(time.time()),
                "verified": acct["verified"] and not tvid, "metricsEnabled": True}
        if keys:
            name = "keyFetchTokenVersion2" if version == 2 else "keyFetchToken"
            resp[name], t = make_kft(acct, version, True)
            T[t]["tvid"] = tvid
        if tvid:
            resp["verificationMethod"] = "email"
            resp["verificationReason"] = "login"
            send_mail(acct["email"], "verifyLogin", {"X-Uid": acct["uid"], "X-Verify-Code": tvid})
        return resp

    if (method, p) == ("POST", "/recovery_email/verify_code"):
        acct = A.get(body.get("uid", ""))
        if not acct:
            raise ApiError(400, 102, "Unknown account")
        code = body.get("code")
        hit = False
        for t in T.values():
            if t["uid"] == acct["uid"] and t.get("tvid") and t["tvid"] == code:
                t["tvid"] = None
                hit = True
        if code == acct["email_code"]:
            acct["verified"] = True
            hit = True
        if not hit:
            raise ApiError(400, 105, "Invalid verification code")
        return {}

    if (method, p) == ("GET", "/account/status"):
        return {"exists": query.get("uid", [""])[0] in A}
    if (method, p) == ("POST", "/account/status"):
        return {"exists": account_by_email(body.get("email", "")) is not None}

    if (method, p) == ("POST", "/account/credentials/status"):
        acct = account_by_email(body.get("email", ""))
        if not acct:
            raise ApiError(400, 102, "Unknown account")
        if acct.get("client_salt"):
            return {"currentVersion": "v2", "clientSalt": acct["client_salt"], "upgradeNeeded": False}
        return {"currentVersion": "v1", "upgradeNeeded": True}

    if (method, p) == ("GET", "/account/keys"):
        tid, tok = auth_token(headers, {"keyFetchToken"})
        acct = A[tok["uid"]]
        if not acct["verified"] or tok.get("tvid"):
            raise ApiError(400, 104, "Unverified account")
        del T[tid]
        return {"bundle": tok["bundle"]}

    if p in ("/session/status", "/session/destroy", "/recovery_email/status", "/account/destroy"):
        tid, tok = auth_token(headers, {"sessionToken"})
        acct = A[tok["uid"]]
        if (method, p) == ("GET", "/session/status"):
            return {"state": "unverified" if tok.get("tvid") else "verified", "uid": acct["uid"]}
        if (method, p) == ("POST", "/session/destroy"):
            del T[tid]
            return {}
        if (method, p) == ("GET", "/recovery_email/status"):
            sv = not tok.get("tvid")
            return {"email": acct["email"], "verified": acct["verified"] and sv,
                    "sessionVerified": sv, "emailVerified": acct["verified"]}
        if (method, p) == ("POST", "/account/destroy"):
            if not check_pw(acct, body.get("authPW", "")):
                raise ApiError(400, 103, "Incorrect password")
            for k in [k for k, t in T.items() if t["uid"] == acct["uid"]]:
                del T[k]
            del A[acct["uid"]]
            return {}

    if (method, p) == ("POST", "/password/change/start"):
        if headers.get("Authorization"):
            auth_token(headers, {"sessionToken"})
        acct = account_by_email(body.get("email", ""))
        if not acct:
            raise ApiError(400, 102, "Unknown account")
        version = check_pw(acct, body.get("oldAuthPW", ""))
        if not version:
            raise ApiError(400, 103, "Incorrect password")
        pct, _ = new_token("passwordChangeToken", acct["uid"])
        kft, _ = make_kft(acct, version, True)
        return {"passwordChangeToken": pct, "verified": True,
                ("keyFetchToken2" if version == 2 else "keyFetchToken"): kft}

    if (method, p) == ("POST", "/password/change/finish"):
        tid, tok = auth_token(headers, {"passwordChangeToken"})
        acct = A[tok["uid"]]
        set_credentials(acct, body)
        for k in [k for k, t in T.items() if t["uid"] == acct["uid"]]:
            del T[k]
        st, _ = new_token("sessionToken", acct["uid"], tvid=None)
        resp = {"uid": acct["uid"], "sessionToken": st, "verified": True,
                "authAt": int(time.time())}
        if keys:
            resp["keyFetchToken"], _ = make_kft(acct, 1, True)
            if acct.get("auth_v2"):
                resp["keyFetchToken2"], _ = make_kft(acct, 2, True)
        send_mail(acct["email"], "passwordChanged", {"X-Uid": acct["uid"]})
        return resp

    raise ApiError(404, 999, f"Unknown route {method} {path}")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self, method):
        u = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                raise ApiError(400, 106, "Invalid JSON in request body")
            with LOCK:
                code, out = 200, route(method, u.path, parse_qs(u.query), self.headers, body)
        except ApiError as e:
            code, out = e.code, e.body
        data = json.dumps(out).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Timestamp", str(int(time.time())))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def log_message(self, fmt, *args):
        sys.stderr.write("mock_foxden: " + (fmt % args) + "\n")


def main():
    if sys.argv[1:] != ["serve"]:
        print("usage: mock_foxden.py serve", file=sys.stderr)
        return 2
    host, port = os.environ.get("FOXDEN_LISTEN", "127.0.0.1:9000").rsplit(":", 1)
    srv = ThreadingHTTPServer((host, int(port)), Handler)
    print(f"mock_foxden: listening on {host}:{port}", file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    sys.exit(main())
