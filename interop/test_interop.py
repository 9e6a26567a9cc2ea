"""Interop tests: drive a running foxden server with PyFxA from PyPI.

Environment:
  FOXDEN_URL       base API URL, e.g. http://127.0.0.1:9000/v1 (required)
  FOXDEN_MAIL_DIR  directory of .eml files (smtp_sink.py, or foxden's outbox dir) (required)
  FOXDEN_MAIL_TIMEOUT  seconds to wait for a mail (default 10)

Run through run.sh, which starts the sink and the server. Each test uses its own
interop-<uuid>@example.com address. Key-stretching V1 and V2 are covered when the
installed PyFxA supports them (0.8.2 and 0.9.0 both do).
"""

import contextlib
import email.policy
import glob
import inspect
import io
import json
import os
import random
import re
import time
import uuid
from email.parser import BytesParser

import pytest
import requests

import fxa
import fxa.errors
from fxa.core import Client, Session

FOXDEN_URL = os.environ.get("FOXDEN_URL", "").rstrip("/")
MAIL_DIR = os.environ.get("FOXDEN_MAIL_DIR", "")
MAIL_TIMEOUT = float(os.environ.get("FOXDEN_MAIL_TIMEOUT", "10"))

PYFXA_VERSION = tuple(int(x) for x in re.findall(r"\d+", fxa.__version__)[:3])
SUPPORTS_V2 = "key_stretch_version" in inspect.signature(Client.__init__).parameters

pytestmark = pytest.mark.skipif(
    not FOXDEN_URL or not MAIL_DIR,
    reason="FOXDEN_URL and FOXDEN_MAIL_DIR must be set (use interop/run.sh)",
)

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def stretch_versions():
    out = [pytest.param(1, id="v1")]
    out.append(
        pytest.param(
            2,
            id="v2",
            marks=pytest.mark.skipif(not SUPPORTS_V2, reason="PyFxA lacks key_stretch_version"),
        )
    )
    return out


def make_client(version):
    if SUPPORTS_V2:
        client = Client(FOXDEN_URL, key_stretch_version=version)
    else:
        assert version == 1
        client = Client(FOXDEN_URL)
    # Each client is a user at an address of its own, as a proxy in front of
    # foxden reports it (run.sh trusts 127.0.0.1 as that proxy; the server's per-IP
    # rate limits would otherwise add up every test's failures).
    client.apiclient.headers["X-Forwarded-For"] = (
        f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"
    )
    return client


def new_identity():
    u = uuid.uuid4().hex
    return f"interop-{u}@example.com", f"pw-{u[:16]}-Å"  # non-ASCII on purpose


def root_url():
    return FOXDEN_URL[: -len("/v1")] if FOXDEN_URL.endswith("/v1") else FOXDEN_URL


# --------------------------------------------------------------------------- errors


def describe(exc):
    if isinstance(exc, fxa.errors.InProtocolError):
        return f"HTTP {exc.code} errno {exc.errno}: {json.dumps(exc.details, sort_keys=True)}"
    return f"{type(exc).__name__}: {exc}"


@contextlib.contextmanager
def step(name):
    """Turn PyFxA exceptions into assertion failures that show the server's body."""
    try:
        yield
    except fxa.errors.Error as exc:
        raise AssertionError(f"step '{name}' failed: {describe(exc)}") from exc
    except KeyError as exc:
        raise AssertionError(
            f"step '{name}' failed: a response lacked the field {exc} that PyFxA "
            f"{fxa.__version__} reads"
        ) from exc


def expect_error(name, fn, code, errno):
    """Call fn(); it must raise a PyFxA ClientError with this HTTP code and errno."""
    try:
        result = fn()
    except fxa.errors.InProtocolError as exc:
        assert (exc.code, exc.errno) == (code, errno), (
            f"step '{name}': expected HTTP {code} errno {errno}, got {describe(exc)}"
        )
        for field in ("code", "errno", "error", "message"):
            assert field in exc.details, f"step '{name}': error body lacks '{field}': {exc.details}"
        return exc
    except fxa.errors.Error as exc:
        raise AssertionError(f"step '{name}': expected errno {errno}, got {describe(exc)}")
    raise AssertionError(f"step '{name}': expected errno {errno}, but the call succeeded: {result!r}")


# --------------------------------------------------------------------------- mail


def _load_mail(path):
    with open(path, "rb") as f:
        msg = BytesParser(policy=email.policy.default).parse(f)
    headers = {}
    for key, value in msg.items():
        headers.setdefault(key.lower(), str(value).strip())
    text = html = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        try:
            content = part.get_content()
        except Exception:  # undecodable part: keep going
            continue
        if ctype == "text/plain" and text is None:
            text = content
        elif ctype == "text/html" and html is None:
            html = content
    rcpts = set()
    for h in ("x-sink-rcpt-to", "to", "delivered-to"):
        for addr in re.findall(r"[^\s<>,;\"]+@[^\s<>,;\"]+", headers.get(h, "")):
            rcpts.add(addr.lower())
    return {"path": path, "headers": headers, "text": text, "html": html, "rcpts": rcpts}


_MAIL_CACHE = {}


def _mail_paths():
    """All .eml files under MAIL_DIR, oldest first (sink names sort by arrival)."""
    keyed = []
    for path in glob.glob(os.path.join(MAIL_DIR, "**", "*.eml"), recursive=True):
        try:
            st = os.stat(path)
        except OSError:
            continue
        keyed.append((st.st_mtime_ns, os.path.basename(path), path, st.st_size))
    return [(p, (mtime, size)) for mtime, _, p, size in sorted(keyed)]


class Mailbox:
    """Reads the messages for one address out of MAIL_DIR (restmail-style dicts)."""

    def __init__(self, address):
        self.address = address.lower()
        self.consumed = set()

    def messages(self):
        out = []
        for path, stamp in _mail_paths():
            # Re-parse when a file changes (an outbox writer may not rename atomically).
            cached = _MAIL_CACHE.get(path)
            if cached is None or cached[0] != stamp:
                try:
                    cached = (stamp, _load_mail(path))
                except (OSError, ValueError):
                    continue
                _MAIL_CACHE[path] = cached
            m = cached[1]
            if self.address in m["rcpts"]:
                out.append(m)
        return out

    def skip_existing(self):
        """Ignore every mail already delivered (call before an action that sends mail)."""
        self.consumed.update(m["path"] for m in self.messages())

    def wait(self, what, predicate, timeout=MAIL_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            for m in self.messages():
                if m["path"] not in self.consumed and predicate(m):
                    self.consumed.add(m["path"])
                    return m
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        seen = [
            (os.path.basename(m["path"]), m["headers"].get("x-template-name"))
            for m in self.messages()
        ]
        total = len(glob.glob(os.path.join(MAIL_DIR, "**", "*.eml"), recursive=True))
        raise AssertionError(
            f"no {what} mail for {self.address} within {timeout}s; mails for this address "
            f"(file, X-Template-Name): {seen}; {total} .eml files in {MAIL_DIR} overall"
        )


# The header carrying a 6-digit code, by template: the sign-in code mail uses its own
# header, as Mozilla's mailer does; X-Verify-Short-Code is the sign-up code's only.
SHORT_CODE_HEADERS = {
    "verifyLoginCode": "x-signin-verify-code",
    "verifyShortCode": "x-verify-short-code",
}


def has_code(m):
    h = m["headers"]
    return "x-verify-code" in h or any(name in h for name in SHORT_CODE_HEADERS.values())


# --------------------------------------------------------------------------- flows


def quiet_call(fn):
    """Run fn() while capturing stdout, where PyFxA prints its V2-upgrade warnings."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = fn()
    printed = buf.getvalue()
    if printed:
        print(printed, end="")
    return result, printed


def create_and_verify(client, address, password, mailbox):
    with step("POST /account/create?keys=true"):
        session = client.create_account(address, password, keys=True)
    assert HEX32.match(session.uid or ""), f"uid should be 32 lowercase hex chars: {session.uid!r}"
    assert HEX64.match(session.token or ""), "sessionToken should be 64 lowercase hex chars"
    assert session._key_fetch_token, (
        "create with keys=true returned no "
        + ("keyFetchTokenVersion2" if client.key_stretch_version == 2 else "keyFetchToken")
    )
    m = mailbox.wait("account verification (X-Verify-Code)",
                     lambda m: "x-verify-code" in m["headers"])
    h = m["headers"]
    assert h.get("x-template-name") == "verify", f"unexpected X-Template-Name: {h.get('x-template-name')!r}"
    assert h.get("x-uid") == session.uid, f"X-Uid {h.get('x-uid')!r} != uid {session.uid!r}"
    assert "x-link" in h, "verification mail lacks X-Link"
    with step("POST /recovery_email/verify_code"):
        resp = client.verify_email_code(session.uid, h["x-verify-code"])
    assert resp == {}, f"verify_code should answer {{}}, got {resp!r}"
    return session


def confirm_if_needed(client, session, mailbox, label):
    """Complete sign-in confirmation by email if the server asks for it."""
    if session.verified:
        return "not needed"
    m = mailbox.wait(f"sign-in confirmation for {label}", has_code)
    h = m["headers"]
    if "x-verify-code" in h:
        with step(f"{label}: POST /recovery_email/verify_code (template {h.get('x-template-name')})"):
            client.verify_email_code(session.uid, h["x-verify-code"])
        how = "verify_code link code"
    else:
        template = h.get("x-template-name")
        header = SHORT_CODE_HEADERS.get(template)
        assert header in h, f"{label}: template {template!r} should carry its code in {header}: {h}"
        with step(f"{label}: POST /session/verify_code (template {template})"):
            session.apiclient.post("/session/verify_code", {"code": h[header]},
                                   auth=session._auth)
        how = "session short code"
    with step(f"{label}: GET /recovery_email/status after confirmation"):
        status = session.get_email_status()
    assert status["verified"] is True, f"{label}: still unverified after confirmation: {status}"
    return how


def login(client, address, password, mailbox, label, keys=True):
    mailbox.skip_existing()  # a confirmation code must come from this sign-in
    with step(f"{label}: POST /account/login" + ("?keys=true" if keys else "")):
        session, printed = quiet_call(lambda: client.login(address, password, keys=keys))
    assert "upgrade failed" not in printed, (
        f"{label}: PyFxA's V2 key-stretch login path failed and it fell back to V1: {printed.strip()}"
    )
    assert isinstance(session.verified, bool), f"login 'verified' must be a bool: {session.verified!r}"
    if keys:
        assert session._key_fetch_token, (
            f"{label}: login with keys=true gave PyFxA no keyFetchToken (V1 reads "
            "'keyFetchToken'; V2 reads 'keyFetchTokenVersion2' from /account/login, or "
            "'keyFetchToken2' from /password/change/finish?keys=true during a 0.9 upgrade)"
        )
    how = confirm_if_needed(client, session, mailbox, label)
    print(f"{label}: verified={session.verified} verificationMethod={session.verificationMethod} "
          f"confirmation={how}")
    return session


def fetch_kb(session, label):
    with step(f"{label}: GET /account/keys"):
        ka, kb = session.fetch_keys()
    assert len(ka) == 32 and len(kb) == 32
    return kb


def destroy_quietly(client, address, password):
    try:
        quiet_call(lambda: client.destroy_account(address, password))
    except Exception:
        pass


@pytest.fixture
def cleanup():
    accounts = []
    yield accounts
    for client, address, password in accounts:
        destroy_quietly(client, address, password)


# --------------------------------------------------------------------------- tests


def test_heartbeat_and_response_conventions():
    r = requests.get(root_url() + "/__lbheartbeat__", timeout=10)
    assert r.status_code == 200, f"/__lbheartbeat__ -> {r.status_code} {r.text[:200]}"

    # An error must be JSON with code/errno/error/message, and carry Timestamp.
    r = requests.post(FOXDEN_URL + "/account/login", json={}, timeout=10)
    assert r.status_code == 400, f"empty login body -> {r.status_code} {r.text[:300]}"
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    body = r.json()
    for field in ("code", "errno", "error", "message"):
        assert field in body, f"error body lacks '{field}': {body}"
    assert body["code"] == 400, body
    ts = r.headers.get("timestamp")
    assert ts is not None and ts.isdigit(), f"Timestamp header must be integer seconds: {ts!r}"
    assert abs(int(ts) - time.time()) < 60, f"Timestamp {ts} far from local clock"

    # Unknown account -> exists: false.
    address, _ = new_identity()
    r = requests.post(FOXDEN_URL + "/account/status", json={"email": address}, timeout=10)
    assert r.status_code == 200, f"/account/status -> {r.status_code} {r.text[:300]}"
    assert r.json().get("exists") is False, r.json()


@pytest.mark.parametrize("ksv", stretch_versions())
def test_account_lifecycle(ksv):
    client = make_client(ksv)
    address, password = new_identity()
    mailbox = Mailbox(address)

    s0 = create_and_verify(client, address, password, mailbox)
    with step("GET /recovery_email/status (create session)"):
        status = s0.get_email_status()
    assert status.get("email") == address, status
    assert status["verified"] is True, f"account verified via emailCode, status: {status}"
    kb0 = fetch_kb(s0, "create session")

    with step("GET /account/status?uid="):
        assert client.get_account_status(s0.uid).get("exists") is True

    s1 = login(client, address, password, mailbox, "login #1")
    assert s1.uid == s0.uid
    kb1 = fetch_kb(s1, "login #1")
    s2 = login(client, address, password, mailbox, "login #2")
    assert s2.token != s1.token
    kb2 = fetch_kb(s2, "login #2")
    assert kb0 == kb1 == kb2, "kB differs between create and the two logins"

    # Session status and email status on the latest session.
    with step("GET /session/status"):
        s2.check_session_status()
        raw = s2.apiclient.get("/session/status", auth=s2._auth)
    assert raw.get("uid") == s2.uid, f"/session/status: {raw}"
    assert raw.get("state") == "verified", f"/session/status: {raw}"
    with step("GET /recovery_email/status"):
        status = s2.get_email_status()
    assert status.get("email") == address, status
    assert status["verified"] is True, status
    assert status.get("sessionVerified") is True, f"sessionVerified missing/false: {status}"
    assert status.get("emailVerified") is True, f"emailVerified missing/false: {status}"

    # Destroying a session makes it unusable: 401 errno 110.
    with step("POST /session/destroy"):
        s2.destroy_session()
    expect_error("destroyed session: GET /session/status", s2.check_session_status, 401, 110)
    expect_error("destroyed session: GET /recovery_email/status", s2.get_email_status, 401, 110)

    # PyFxA 0.8.2's V2 login changes the password on every login, which kills the
    # account's other sessions; everywhere else session 1 must survive.
    if ksv == 2 and PYFXA_VERSION < (0, 9):
        expect_error("session 1 after 0.8.2 V2 re-login (password change)",
                     s1.check_session_status, 401, 110)
    else:
        with step("session 1 still valid after session 2 was destroyed"):
            s1.check_session_status()

    # Destroy the account; logging in afterwards fails with errno 102.
    with step("destroy_account (login + POST /account/destroy)"):
        quiet_call(lambda: client.destroy_account(address, password))
    expect_error("login after account destroy",
                 lambda: quiet_call(lambda: client.login(address, password, keys=True)),
                 400, 102)
    with step("GET /account/status?uid= after destroy"):
        assert client.get_account_status(s0.uid).get("exists") is False


@pytest.mark.parametrize("ksv", stretch_versions())
def test_unverified_account_keys_and_bad_code(ksv, cleanup):
    client = make_client(ksv)
    address, password = new_identity()
    mailbox = Mailbox(address)
    with step("POST /account/create?keys=true"):
        s0 = client.create_account(address, password, keys=True)
    cleanup.append((client, address, password))
    kft = s0._key_fetch_token
    assert kft, "create with keys=true returned no keyFetchToken"

    with step("GET /recovery_email/status (unverified)"):
        status = s0.get_email_status()
    assert status["verified"] is False, f"fresh account should be unverified: {status}"

    # Keys are refused (errno 104) until the account is verified; the token survives.
    stretch = s0.stretchpwd
    expect_error("GET /account/keys before verification",
                 lambda: s0.fetch_keys(kft, stretch), 400, 104)

    m = mailbox.wait("account verification", lambda m: "x-verify-code" in m["headers"])
    code = m["headers"]["x-verify-code"]
    wrong = ("0" if code[0] != "0" else "1") + code[1:]
    expect_error("verify_code with a wrong code",
                 lambda: client.verify_email_code(s0.uid, wrong), 400, 105)
    with step("POST /recovery_email/verify_code"):
        client.verify_email_code(s0.uid, code)
    kb0 = None
    with step("GET /account/keys with the same keyFetchToken after verification"):
        kb0 = s0.fetch_keys(kft, stretch)[1]
    # The token is single-use once it succeeded.
    expect_error("GET /account/keys reusing a consumed keyFetchToken",
                 lambda: s0.fetch_keys(kft, stretch), 401, 110)

    s1 = login(client, address, password, mailbox, "login")
    assert fetch_kb(s1, "login") == kb0


@pytest.mark.parametrize("ksv", stretch_versions())
def test_wrong_password_and_unknown_account(ksv, cleanup):
    client = make_client(ksv)
    address, password = new_identity()
    mailbox = Mailbox(address)
    create_and_verify(client, address, password, mailbox)
    cleanup.append((client, address, password))

    expect_error("login with a wrong password",
                 lambda: quiet_call(lambda: client.login(address, password + "x", keys=True)),
                 400, 103)
    other, _ = new_identity()
    expect_error("login to an unknown account",
                 lambda: quiet_call(lambda: client.login(other, password, keys=True)),
                 400, 102)
    # The real password still works after a failed attempt.
    s = login(client, address, password, mailbox, "login after failures")
    fetch_kb(s, "login after failures")


def test_invalid_session_token_is_401_110():
    client = make_client(1)
    fake = Session(client, "nobody@example.com", stretchpwd=b"\0" * 32, uid="0" * 32,
                   token=os.urandom(32).hex())
    expect_error("GET /session/status with an unknown token", fake.check_session_status, 401, 110)


@pytest.mark.skipif(not SUPPORTS_V2, reason="PyFxA lacks key_stretch_version")
def test_v1_account_upgrades_to_v2_on_login(cleanup):
    v1 = make_client(1)
    v2 = make_client(2)
    address, password = new_identity()
    mailbox = Mailbox(address)
    s0 = create_and_verify(v1, address, password, mailbox)
    cleanup.append((v1, address, password))
    kb0 = fetch_kb(s0, "V1 create session")

    with step("POST /account/credentials/status (V1 account)"):
        assert v2.get_key_stretch_version(address)[0] == 1

    # PyFxA's V2 login upgrades a V1 account through /password/change/*.
    s1 = login(v2, address, password, mailbox, "V2 login on V1 account (upgrade)")
    kb1 = fetch_kb(s1, "upgraded session")
    assert kb1 == kb0, "kB changed during the V1 -> V2 upgrade"

    with step("POST /account/credentials/status (after upgrade)"):
        version, salt = v2.get_key_stretch_version(address)
    assert version == 2, "account still reports currentVersion v1 after the upgrade"
    assert salt.startswith("identity.mozilla.com/picl/v1/quickStretchV2:"), salt

    s2 = login(v2, address, password, mailbox, "V2 login on upgraded account")
    assert fetch_kb(s2, "V2 login") == kb0
    s3 = login(v1, address, password, mailbox, "V1 login on upgraded account")
    assert fetch_kb(s3, "V1 login") == kb0


def change_password(client, address, old, new, session):
    """PyFxA 0.9 needs the caller's session token; 0.8 takes none."""
    params = inspect.signature(Client.change_password).parameters
    if "session_token" in params:
        return client.change_password(address, old, new, session_token=session.token)
    return client.change_password(address, old, new)


@pytest.mark.parametrize("ksv", stretch_versions())
def test_change_password_keeps_kb(ksv, cleanup):
    client = make_client(ksv)
    address, password = new_identity()
    new_password = password + "-changed"
    mailbox = Mailbox(address)
    s0 = create_and_verify(client, address, password, mailbox)
    kb0 = fetch_kb(s0, "create session")
    s1 = login(client, address, password, mailbox, "login before change")
    with step("POST /password/change/start + /account/keys + /password/change/finish"):
        quiet_call(lambda: change_password(client, address, password, new_password, s1))
    cleanup.append((client, address, new_password))
    expect_error("GET /session/status on a session from before the change",
                 s0.check_session_status, 401, 110)
    expect_error("login with the old password",
                 lambda: quiet_call(lambda: client.login(address, password, keys=True)), 400, 103)
    s2 = login(client, address, new_password, mailbox, "login after change")
    assert fetch_kb(s2, "after change") == kb0, "kB must survive a password change"


def reset_flow(ksv, cleanup, obtain_reset_token):
    """A verified account with keys; `obtain_reset_token(client, address, mailbox, s0)` gets an
    accountResetToken; then /account/reset, after which the old session is gone and the new
    password signs in to a new kB."""
    client = make_client(ksv)
    address, password = new_identity()
    new_password = password + "-reset"
    mailbox = Mailbox(address)
    s0 = create_and_verify(client, address, password, mailbox)
    kb0 = fetch_kb(s0, "create session")
    mailbox.skip_existing()
    reset_token = obtain_reset_token(client, address, mailbox, s0)
    with step("POST /account/reset"):
        client.reset_account(address, reset_token, password=new_password)
    cleanup.append((client, address, new_password))
    expect_error("old session after reset", s0.check_session_status, 401, 110)
    s1 = login(client, address, new_password, mailbox, "login after reset")
    assert fetch_kb(s1, "after reset") != kb0, "a reset without a recovery key must change kB"


def reset_token_by_mailed_code(client, address, mailbox, s0):
    with step("POST /password/forgot/send_code"):
        forgot = client.send_reset_code(address)
    assert (forgot.code_length, forgot.tries_remaining) == (32, 3), vars(forgot)
    m = mailbox.wait("password reset code (X-Recovery-Code)",
                     lambda m: "x-recovery-code" in m["headers"])
    assert m["headers"].get("x-template-name") == "recovery", m["headers"]
    code = m["headers"]["x-recovery-code"]
    expect_error("verify_code with a wrong code", lambda: forgot.verify_code("0" * 32), 400, 105)
    with step("GET /password/forgot/status"):
        assert forgot.get_status()["tries"] == 2
    with step("POST /password/forgot/verify_code"):
        return forgot.verify_code(code)


def reset_token_by_otp(client, address, mailbox, s0):
    with step("POST /password/forgot/send_otp"):
        forgot = client.send_reset_code(address)
    m = mailbox.wait("password reset OTP (X-Password-Forgot-Otp)",
                     lambda m: "x-password-forgot-otp" in m["headers"])
    assert m["headers"].get("x-template-name") == "passwordForgotOtp", m["headers"]
    otp = m["headers"]["x-password-forgot-otp"]
    assert re.fullmatch(r"[0-9]{8}", otp), otp
    wrong = "11111111" if otp == "00000000" else "00000000"
    expect_error("verify_otp with a wrong code", lambda: forgot.verify_code(wrong), 400, 105)
    with step("POST /password/forgot/verify_otp + /password/forgot/verify_code"):
        reset_token = forgot.verify_code(otp)
    assert forgot.uid == s0.uid and forgot.email_to_hash_with == address, vars(forgot)
    return reset_token


@pytest.mark.skipif(PYFXA_VERSION >= (0, 9, 0), reason="PyFxA 0.9 resets only by OTP (tested below)")
@pytest.mark.parametrize("ksv", stretch_versions())
def test_forgot_password_reset_by_mailed_code(ksv, cleanup):
    reset_flow(ksv, cleanup, reset_token_by_mailed_code)


@pytest.mark.skipif(PYFXA_VERSION < (0, 9, 0), reason="PyFxA 0.8 resets by the mailed link code (tested above)")
@pytest.mark.parametrize("ksv", stretch_versions())
def test_forgot_password_reset_by_otp(ksv, cleanup):
    reset_flow(ksv, cleanup, reset_token_by_otp)


def forced_confirmation_account(ksv, cleanup):
    """A verified account whose sign-ins run.sh makes the server confirm
    (confirm-<hex>@example.com), with its first session and kB."""
    client = make_client(ksv)
    address = f"confirm-{uuid.uuid4().hex}@example.com"
    password = f"pw-{uuid.uuid4().hex[:16]}"
    mailbox = Mailbox(address)
    s0 = create_and_verify(client, address, password, mailbox)
    cleanup.append((client, address, password))
    return client, address, password, mailbox, s0, fetch_kb(s0, "create session")


@pytest.mark.parametrize("ksv", stretch_versions())
def test_unblock_code_confirms_a_sign_in(ksv, cleanup):
    """An unblock code from /account/login/send_unblock_code confirms a sign-in that
    would otherwise need confirmation (run.sh forces it for confirm-<hex>@example.com)."""
    client, address, password, mailbox, s0, kb0 = forced_confirmation_account(ksv, cleanup)

    def mailed_unblock_code():
        mailbox.skip_existing()
        with step("POST /account/login/send_unblock_code"):
            assert client.send_unblock_code(address) == {}
        m = mailbox.wait("unblock code (X-Unblock-Code)", lambda m: "x-unblock-code" in m["headers"])
        h = m["headers"]
        assert h.get("x-template-name") == "unblockCode", h
        assert "report_signin" in h.get("x-report-signin-link", ""), h
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", h["x-unblock-code"]), h["x-unblock-code"]
        return h["x-unblock-code"]

    code = mailed_unblock_code()
    expect_error("login with a wrong unblock code",
                 lambda: quiet_call(lambda: client.login(address, password, keys=True,
                                                         unblock_code="ZZZZZZZZ")), 400, 127)
    with step("POST /account/login?keys=true with unblockCode"):
        session, _ = quiet_call(lambda: client.login(address, password, keys=True,
                                                     unblock_code=code.lower()))
    assert session.verified is True, "an unblock code confirms the sign-in"
    assert fetch_kb(session, "unblocked sign-in") == kb0

    code = mailed_unblock_code()
    with step("POST /account/login/reject_unblock_code"):
        assert client.reject_unblock_code(s0.uid, code) == {}
    expect_error("login with a rejected unblock code",
                 lambda: quiet_call(lambda: client.login(address, password, keys=True,
                                                         unblock_code=code)), 400, 127)


@pytest.mark.parametrize("ksv", stretch_versions())
def test_sign_in_confirmed_by_mailed_code(ksv, cleanup):
    """run.sh makes the server demand confirmation for confirm-<hex>@example.com."""
    client, address, password, mailbox, s0, kb0 = forced_confirmation_account(ksv, cleanup)
    mailbox.skip_existing()
    with step("POST /account/login?keys=true (confirmation forced)"):
        session, _ = quiet_call(lambda: client.login(address, password, keys=True))
    assert session.verified is False, "a forced sign-in must start unconfirmed"
    assert session.verificationMethod == "email", session.verificationMethod
    expect_error("GET /account/keys before confirmation", session.fetch_keys, 400, 104)
    how = confirm_if_needed(client, session, mailbox, "forced sign-in")
    assert how == "verify_code link code", how
    assert fetch_kb(session, "confirmed sign-in") == kb0
