#!/usr/bin/env python3
"""A Web Push service on loopback for foxden's push tests.

It serves HTTPS with a throw-away CA (trustme), holds one subscription (a P-256
key pair and auth secret it generates), and for every POST it records what came:
the TTL and Content-Encoding headers, whether the VAPID JWT (RFC 8292) verifies
under the `k` it names and what its claims are, and the body decrypted with
`http_ece` (an implementation of RFC 8188/8291 independent of foxden's).

Answers by path: `/gone/...` 410 the first time, `/busy/...` 503 the first time,
then 201; anything else 201.

Usage: push_receiver.py DIR   (writes DIR/ca.pem, then DIR/ready.json with
{port, ca, p256dh, auth}; appends one JSON line per request to DIR/records.jsonl)

With PUSH_RECEIVER_FAST=1 (for load benchmarks) it checks and decrypts nothing:
a record has the path, status, headers' TTL and encoding, length and arrival time.
"""

import base64
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import trustme
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def check_vapid(header):
    """Returns the JWT's claims and `k`, or raises ValueError."""
    if not header.startswith("vapid "):
        raise ValueError("not a vapid authorization: %r" % header[:12])
    params = {}
    for part in header[len("vapid "):].split(","):
        name, _, value = part.strip().partition("=")
        params[name] = value
    token, k = params["t"], params["k"]
    head_b64, claims_b64, sig_b64 = token.split(".")
    head = json.loads(b64d(head_b64))
    if head.get("alg") != "ES256":
        raise ValueError("alg %r" % head.get("alg"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(k))
    sig = b64d(sig_b64)
    if len(sig) != 64:
        raise ValueError("signature of %d bytes" % len(sig))
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        public.verify(der, ("%s.%s" % (head_b64, claims_b64)).encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("the JWT signature does not verify under k")
    return json.loads(b64d(claims_b64)), k


def main():
    out = sys.argv[1]
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca_path = os.path.join(out, "ca.pem")
    ca.cert_pem.write_to_path(ca_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)

    private = ec.generate_private_key(ec.SECP256R1())
    p256dh = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = os.urandom(16)
    lock = threading.Lock()
    seen_paths = set()
    records = open(os.path.join(out, "records.jsonl"), "a", buffering=1)
    fast = os.environ.get("PUSH_RECEIVER_FAST") == "1"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                first = self.path not in seen_paths
                seen_paths.add(self.path)
            if first and self.path.startswith("/gone/"):
                status = 410
            elif first and self.path.startswith("/busy/"):
                status = 503
            else:
                status = 201
            rec = {
                "path": self.path,
                "status": status,
                "ttl": self.headers.get("TTL"),
                "encoding": self.headers.get("Content-Encoding"),
                "length": len(body),
                "received_at": time.time(),
            }
            if not fast:
                try:
                    claims, k = check_vapid(self.headers.get("Authorization", ""))
                    rec.update(vapid_ok=True, claims=claims, k=k)
                except Exception as err:  # recorded, asserted by the test
                    rec.update(vapid_ok=False, vapid_error=repr(err))
            if body and not fast:
                try:
                    plain = http_ece.decrypt(
                        body, private_key=private, auth_secret=auth, version="aes128gcm"
                    )
                    rec["payload"] = json.loads(plain)
                except Exception as err:
                    rec["decrypt_error"] = repr(err)
            with lock:
                records.write(json.dumps(rec) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    ready = {
        "port": server.server_address[1],
        "ca": ca_path,
        "p256dh": b64e(p256dh),
        "auth": b64e(auth),
    }
    tmp = os.path.join(out, "ready.json.tmp")
    with open(tmp, "w") as f:
        json.dump(ready, f)
    os.rename(tmp, os.path.join(out, "ready.json"))
    server.serve_forever()


if __name__ == "__main__":
    main()
