"""Interop tests of the BrowserID assertion routes with PyFxA 0.7.9, the last PyFxA
whose `fxa.core.Session` still has `get_identity_assertion` (0.8 removed it).

PyFxA signs `/certificate/sign`'s certificate into an assertion with PyBrowserID;
`fxa.oauth.Client` then trades the assertion at the OAuth-server flavour's
`POST /v1/authorization` for a code, and the code at `/v1/token`; or, with
`authorize_token`, for the tokens themselves (`response_type=token`, which only
clients that may grant directly get: Firefox's own, here).

PyFxA's default keypair is DSA (a 1024-bit key signing `DS128`); one test uses it
as a stock relying party does, the other hands `get_identity_assertion` an RSA
keypair made with `cryptography` and loaded as PyBrowserID's `RS256Key`.
"""

import pytest

import browserid.jwt
import browserid.utils
import fxa.oauth
from cryptography.hazmat.primitives.asymmetric import rsa

from test_interop import FOXDEN_URL, expect_error, step
from test_interop_oauth import CLIENT_ID, CLIENT_SECRET, verified_session

pytestmark = pytest.mark.skipif(
    not FOXDEN_URL or not CLIENT_ID,
    reason="FOXDEN_URL and FOXDEN_OAUTH_CLIENT_ID must be set (use interop/run.sh)",
)


def rsa_keypair():
    """(public key data for /certificate/sign, PyBrowserID private key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.private_numbers()
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    public = {"algorithm": "RS", "n": str(n), "e": str(e)}
    private = browserid.jwt.RS256Key({"n": str(n), "e": str(e), "d": str(numbers.d)})
    return public, private


# Firefox Desktop's client: public, trusted, canGrant, JWT access tokens.
FIREFOX_CLIENT_ID = "5882386c6d801776"


def oauth_audience():
    """The OAuth server's URL, which assertions for it must name."""
    return FOXDEN_URL[: -len("/v1")] if FOXDEN_URL.endswith("/v1") else FOXDEN_URL


def test_get_identity_assertion_trades_at_authorization_for_a_code():
    client, address, password, session = verified_session()
    keypair = rsa_keypair()
    with step("Session.get_identity_assertion (POST /v1/certificate/sign)"):
        assertion = session.get_identity_assertion(oauth_audience(), keypair=keypair)
    assert assertion.count("~") == 1, "a backed assertion: certificate~assertion"
    oauth = fxa.oauth.Client(CLIENT_ID, CLIENT_SECRET, server_url=FOXDEN_URL, cache=None)
    with step("POST /v1/authorization (assertion)"):
        code = oauth.authorize_code(assertion, scope="profile")
    with step("POST /v1/token (client_secret)"):
        tokens = oauth.trade_code(code)
    assert tokens["scope"] == "profile", tokens
    with step("POST /v1/verify"):
        info = oauth.verify_token(tokens["access_token"], scope="profile")
    assert info["user"] == session.uid and info["client_id"] == CLIENT_ID, info

    with step("an assertion for another audience"):
        elsewhere = session.get_identity_assertion("https://rp.example", keypair=keypair)
    expect_error("POST /v1/authorization with another audience",
                 lambda: oauth.authorize_code(elsewhere, scope="profile"), 401, 104)
    with step("an expired assertion"):
        stale = session.get_identity_assertion(oauth_audience(), keypair=keypair, exp=1000)
    expect_error("POST /v1/authorization with an expired assertion",
                 lambda: oauth.authorize_code(stale, scope="profile"), 401, 104)
    client.destroy_account(address, password)


def test_pyfxas_default_dsa_keypair_trades_at_authorization_for_a_code():
    client, address, password, session = verified_session()
    with step("Session.get_identity_assertion with PyFxA's default (DSA) keypair"):
        assertion = session.get_identity_assertion(oauth_audience())
    header = browserid.jwt.parse(assertion.split("~")[1])
    assert header.algorithm == "DS128", header.algorithm
    oauth = fxa.oauth.Client(CLIENT_ID, CLIENT_SECRET, server_url=FOXDEN_URL, cache=None)
    with step("POST /v1/authorization (DSA assertion)"):
        code = oauth.authorize_code(assertion, scope="profile")
    with step("POST /v1/token (client_secret)"):
        tokens = oauth.trade_code(code)
    with step("POST /v1/verify"):
        info = oauth.verify_token(tokens["access_token"], scope="profile")
    assert info["user"] == session.uid and info["client_id"] == CLIENT_ID, info

    with step("a DSA assertion for another audience"):
        elsewhere = session.get_identity_assertion("https://rp.example")
    expect_error("POST /v1/authorization with a DSA assertion for another audience",
                 lambda: oauth.authorize_code(elsewhere, scope="profile"), 401, 104)
    cert, signed = assertion.split("~")
    head, body, signature = signed.split(".")
    tampered = bytearray(browserid.utils.decode_bytes(signature))
    tampered[-1] ^= 1
    forged = browserid.utils.encode_bytes(bytes(tampered))
    expect_error("POST /v1/authorization with a tampered DSA signature",
                 lambda: oauth.authorize_code(f"{cert}~{head}.{body}.{forged}", scope="profile"),
                 401, 104)
    client.destroy_account(address, password)


def test_authorize_token_is_the_implicit_grant_of_a_client_that_may_grant():
    client, address, password, session = verified_session()
    with step("Session.get_identity_assertion (POST /v1/certificate/sign)"):
        assertion = session.get_identity_assertion(oauth_audience(), keypair=rsa_keypair())
    firefox = fxa.oauth.Client(FIREFOX_CLIENT_ID, None, server_url=FOXDEN_URL, cache=None)
    with step("POST /v1/authorization (response_type=token)"):
        token = firefox.authorize_token(assertion, scope="profile")
    assert token.count(".") == 2, f"Firefox's clients get JWT access tokens: {token!r}"
    with step("verify_token (GET /v1/jwks, the JWT checked by PyJWT)"):
        info = firefox.verify_token(token, scope="profile")
    assert info["user"] == session.uid and info["client_id"] == FIREFOX_CLIENT_ID, info
    assert info["scope"] == ["profile"], info

    relying_party = fxa.oauth.Client(CLIENT_ID, CLIENT_SECRET, server_url=FOXDEN_URL, cache=None)
    expect_error("POST /v1/authorization (response_type=token) from a client that may not grant",
                 lambda: relying_party.authorize_token(assertion, scope="profile"), 400, 110)
    client.destroy_account(address, password)
