"""Interop tests of OAuth: PyFxA's `fxa.oauth.Client` (authorize_code, trade_code,
verify_token, destroy_token) against foxden's `/v1/oauth/authorization`, `/v1/token`,
`/v1/jwks`, `/v1/verify` and `/v1/destroy`, and a `keys_jwe` round trip made with
jwcrypto (ECDH-ES / A256GCM on an ephemeral P-256 key) through
`/v1/oauth/authorization` and `/v1/oauth/token`.

Environment (set by run.sh, besides test_interop.py's):
  FOXDEN_OAUTH_CLIENT_ID, FOXDEN_OAUTH_CLIENT_SECRET  a confidential client that
      run.sh registered with `foxden client add` before starting the server.

PyFxA 0.8.2 and 0.9.0 have no BrowserID assertion helper (`get_identity_assertion`
is gone from `fxa.core`), so the assertion routes are driven by
test_interop_assertion.py, which run.sh runs with PyFxA 0.7.9 only (and this file
with 0.8.2 and 0.9.0 only).
"""

import base64
import hashlib
import json
import os

import pytest

import fxa.errors
import fxa.oauth
from jwcrypto import jwe, jwk

from test_interop import (
    FOXDEN_URL,
    Mailbox,
    create_and_verify,
    expect_error,
    make_client,
    new_identity,
    step,
)

CLIENT_ID = os.environ.get("FOXDEN_OAUTH_CLIENT_ID", "")
CLIENT_SECRET = os.environ.get("FOXDEN_OAUTH_CLIENT_SECRET", "")
FIREFOX = "5882386c6d801776"
OLDSYNC = "https://identity.mozilla.com/apps/oldsync"

pytestmark = pytest.mark.skipif(
    not FOXDEN_URL or not CLIENT_ID,
    reason="FOXDEN_URL and FOXDEN_OAUTH_CLIENT_ID must be set (use interop/run.sh)",
)


def verified_session():
    client = make_client(1)
    address, password = new_identity()
    session = create_and_verify(client, address, password, Mailbox(address))
    return client, address, password, session


def test_confidential_client_code_token_verify_destroy():
    client, address, password, session = verified_session()
    oauth = fxa.oauth.Client(CLIENT_ID, CLIENT_SECRET, server_url=FOXDEN_URL, cache=None)
    with step("GET /v1/client/{id}"):
        info = oauth.get_client_metadata()
    assert info["id"] == CLIENT_ID and info["redirect_uri"] == "https://rp.example/cb", info
    with step("POST /v1/oauth/authorization (session)"):
        code = oauth.authorize_code(session, scope="profile")
    with step("POST /v1/token (client_secret)"):
        tokens = oauth.trade_code(code)
    assert tokens["token_type"] == "bearer" and tokens["scope"] == "profile", tokens
    expect_error("POST /v1/token with the used code", lambda: oauth.trade_code(code), 400, 105)
    access = tokens["access_token"]
    with step("POST /v1/verify (opaque token)"):
        info = oauth.verify_token(access, scope="profile")
    assert info["user"] == session.uid and info["client_id"] == CLIENT_ID, info
    assert info["scope"] == ["profile"], info
    with step("POST /v1/destroy"):
        oauth.destroy_token(access)
    expect_error("POST /v1/verify after destroy", lambda: oauth.verify_token(access), 400, 108)
    expect_error("POST /v1/destroy again", lambda: oauth.destroy_token(access), 400, 108)
    bad = fxa.oauth.Client(CLIENT_ID, "00" * 32, server_url=FOXDEN_URL, cache=None)
    code = oauth.authorize_code(session, scope="profile")
    expect_error("POST /v1/token with a wrong secret", lambda: bad.trade_code(code), 400, 102)
    client.destroy_account(address, password)


def test_firefox_pkce_gets_a_jwt_that_pyfxa_verifies_with_jwks():
    client, address, password, session = verified_session()
    oauth = fxa.oauth.Client(FIREFOX, server_url=FOXDEN_URL, cache=None)
    with step("authorize_token: PKCE code, then POST /v1/token"):
        access = oauth.authorize_token(session, scope="profile")
    assert access.count(".") == 2, "Firefox's clients get JWT access tokens"
    with step("verify_token with GET /v1/jwks (locally)"):
        info = oauth.verify_token(access, scope="profile")
    assert info["user"] == session.uid and info["client_id"] == FIREFOX, info
    assert info["generation"], info
    with step("POST /v1/destroy (JWT)"):
        oauth.destroy_token(access)
    # The JWT still verifies offline; the server no longer knows it.
    expect_error("POST /v1/verify of a destroyed JWT",
                 lambda: oauth.apiclient.post("/verify", {"token": access}), 400, 108)
    client.destroy_account(address, password)


def b64url(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_keys_jwe_round_trip_through_the_code_grant():
    client, address, password, session = verified_session()
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    public = jwk.JWK(**key.export_public(as_dict=True))
    bundle = {OLDSYNC: {"kid": "1510726317-Voc-Eb9IpoTINuo9ll7bjA", "k": b64url(os.urandom(32)),
                        "kty": "oct", "scope": OLDSYNC}}
    header = {"alg": "ECDH-ES", "enc": "A256GCM"}
    sealed = jwe.JWE(json.dumps(bundle).encode(), json.dumps(header), recipient=public)
    keys_jwe = sealed.serialize(compact=True)
    verifier = b64url(os.urandom(32))
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    body = {"client_id": FIREFOX, "state": "interop", "scope": f"profile {OLDSYNC}",
            "response_type": "code", "access_type": "offline", "code_challenge_method": "S256",
            "code_challenge": challenge, "keys_jwe": keys_jwe}
    with step("POST /v1/oauth/authorization with keys_jwe"):
        code = session.apiclient.post("/oauth/authorization", body, auth=session._auth)["code"]
    exchange = {"client_id": FIREFOX, "grant_type": "authorization_code", "code": code,
                "code_verifier": verifier}
    with step("POST /v1/oauth/token"):
        tokens = session.apiclient.post("/oauth/token", exchange)
    assert tokens.get("refresh_token"), tokens
    opened = jwe.JWE()
    opened.deserialize(tokens["keys_jwe"], key=key)
    assert json.loads(opened.payload) == bundle, "the keys bundle came back changed"
    client.destroy_account(address, password)
