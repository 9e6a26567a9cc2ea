"""Interop tests of devices and Send Tab with PyFxA 0.8.2 (Hawk) and 0.9.0 (Bearer).

PyFxA has no device helpers, so the tests call the routes through PyFxA's own
session auth (`session.apiclient.get/post(path, body, auth=session._auth)`): a
Hawk-signed request with 0.8.2, an `fxs_` Bearer token with 0.9.0.

Covered: `POST /account/device` (register, update), `GET /account/devices`,
`POST /account/devices/invoke_command`, `GET /account/device/commands`,
`POST /account/device/destroy` (which ends the device's session), `GET /account/sessions`
and `GET /account/attached_clients`; the errors 157 (the target does not advertise the
command), 123 (no such device on the caller's account) and 124 (the caller's session
already has another device).
"""

import hashlib
from binascii import unhexlify

import pytest

import fxa.crypto

from test_interop import (  # noqa: F401 (cleanup is a fixture)
    FOXDEN_URL,
    HEX32,
    MAIL_DIR,
    Mailbox,
    cleanup,
    create_and_verify,
    expect_error,
    login,
    make_client,
    new_identity,
    step,
)

pytestmark = pytest.mark.skipif(
    not FOXDEN_URL or not MAIL_DIR,
    reason="FOXDEN_URL and FOXDEN_MAIL_DIR must be set (use interop/run.sh)",
)

OPEN_URI = "https://identity.mozilla.com/cmd/open-uri"
CLOSE_URI = "https://identity.mozilla.com/cmd/close-uri/v1"
# What Firefox advertises for Send Tab: its public keys, opaque to the server.
SEND_TAB_KEYS = '{"kid":"interop","IV":"","SealedKey":"","PublicKey":"","AuthSecret":""}'


def get(session, path, **params):
    return session.apiclient.get(path, params=params or None, auth=session._auth)


def post(session, path, body):
    return session.apiclient.post(path, body, auth=session._auth)


def token_id(session):
    """The session token's id (HKDF of the token), as both Hawk and Bearer send it."""
    material = fxa.crypto.derive_key(unhexlify(session.token), "sessionToken", 3 * 32)
    return material[:32].hex()


def listed_id(session):
    """How foxden names a session in /account/sessions and /account/attached_clients:
    SHA-256 of the token id, the only form it stores (docs/adr/0002-tokens-at-rest.md).
    Mozilla answers the token id itself."""
    return hashlib.sha256(unhexlify(token_id(session))).hexdigest()


def account(cleanup):
    """A verified account (V1 stretching) with its first session."""
    client = make_client(1)
    address, password = new_identity()
    mailbox = Mailbox(address)
    session = create_and_verify(client, address, password, mailbox)
    cleanup.append((client, address, password))
    return client, address, password, mailbox, session


def register(session, label, name, commands):
    body = {"name": name, "type": "desktop", "availableCommands": commands}
    with step(f"{label}: POST /account/device (register)"):
        device = post(session, "/account/device", body)
    assert HEX32.match(device.get("id", "")), f"{label}: device id must be 32 hex: {device}"
    assert (device["name"], device["type"]) == (name, "desktop"), device
    assert device["availableCommands"] == commands, device
    assert device["pushEndpointExpired"] is False, device
    assert isinstance(device["createdAt"], int), device
    return device


def devices_by_id(session, label):
    with step(f"{label}: GET /account/devices"):
        listed = get(session, "/account/devices")
    assert isinstance(listed, list), listed
    return {d["id"]: d for d in listed}


def test_register_list_and_update_a_device(cleanup):
    _, _, _, _, session = account(cleanup)
    device = register(session, "A", "Interop A", {OPEN_URI: SEND_TAB_KEYS})

    listed = devices_by_id(session, "A")
    assert list(listed) == [device["id"]], listed
    mine = listed[device["id"]]
    assert mine["isCurrentDevice"] is True, mine
    assert (mine["name"], mine["type"]) == ("Interop A", "desktop"), mine
    assert mine["availableCommands"] == {OPEN_URI: SEND_TAB_KEYS}, mine
    assert mine["pushCallback"] is None and mine["pushEndpointExpired"] is False, mine

    commands = {OPEN_URI: SEND_TAB_KEYS, CLOSE_URI: "{}"}
    with step("A: POST /account/device (update by id)"):
        updated = post(session, "/account/device",
                       {"id": device["id"], "name": "Interop A renamed",
                        "availableCommands": commands})
    assert updated["id"] == device["id"], updated
    assert updated["name"] == "Interop A renamed" and updated["availableCommands"] == commands
    with step("A: POST /account/device (update without id: the session's device)"):
        again = post(session, "/account/device", {"type": "mobile"})
    assert again["id"] == device["id"] and again["type"] == "mobile", again
    mine = devices_by_id(session, "A after update")[device["id"]]
    assert (mine["name"], mine["type"]) == ("Interop A renamed", "mobile"), mine
    assert mine["availableCommands"] == commands, mine


def test_send_tab_between_two_devices_then_destroy_one(cleanup):
    client, address, password, mailbox, session_a = account(cleanup)
    session_b = login(client, address, password, mailbox, "second session", keys=False)
    device_a = register(session_a, "A", "Interop A", {OPEN_URI: SEND_TAB_KEYS})
    device_b = register(session_b, "B", "Interop B", {OPEN_URI: SEND_TAB_KEYS})
    a, b = device_a["id"], device_b["id"]

    listed = devices_by_id(session_b, "B")
    assert set(listed) == {a, b}, listed
    assert (listed[a]["isCurrentDevice"], listed[b]["isCurrentDevice"]) == (False, True)

    payload = {"encrypted": "interop-ciphertext-for-B"}
    with step("A: POST /account/devices/invoke_command (open-uri to B)"):
        sent = post(session_a, "/account/devices/invoke_command",
                    {"target": b, "command": OPEN_URI, "payload": payload, "ttl": 3600})
    assert sent["enqueued"] is True and isinstance(sent["notified"], bool), sent

    with step("B: GET /account/device/commands?index=0"):
        page = get(session_b, "/account/device/commands", index=0)
    assert page["last"] is True and len(page["messages"]) == 1, page
    message = page["messages"][0]
    assert page["index"] == message["index"], page
    assert message["data"] == {"command": OPEN_URI, "payload": payload, "sender": a}, message
    with step("B: GET /account/device/commands after the last index"):
        rest = get(session_b, "/account/device/commands", index=message["index"] + 1)
    assert rest["messages"] == [] and rest["last"] is True, rest
    with step("A: GET /account/device/commands (A's own queue)"):
        assert get(session_a, "/account/device/commands")["messages"] == []

    with step("A: GET /account/sessions (both sessions)"):
        sessions = {s["id"]: s for s in get(session_a, "/account/sessions")}
    ids_a, ids_b = listed_id(session_a), listed_id(session_b)
    assert set(sessions) == {ids_a, ids_b}, f"session ids {sorted(sessions)}"
    assert sessions[ids_a]["isCurrentDevice"] is True and sessions[ids_a]["deviceId"] == a
    assert sessions[ids_b]["isCurrentDevice"] is False and sessions[ids_b]["deviceId"] == b
    assert sessions[ids_b]["isDevice"] is True
    assert sessions[ids_b]["deviceAvailableCommands"] == {OPEN_URI: SEND_TAB_KEYS}

    with step("A: POST /account/device/destroy (B)"):
        assert post(session_a, "/account/device/destroy", {"id": b}) == {}
    expect_error("B's session after its device was destroyed: GET /account/devices",
                 lambda: get(session_b, "/account/devices"), 401, 110)
    expect_error("B's session after its device was destroyed: GET /session/status",
                 session_b.check_session_status, 401, 110)
    assert list(devices_by_id(session_a, "A after destroying B")) == [a]
    expect_error("A: invoke_command to the destroyed device",
                 lambda: post(session_a, "/account/devices/invoke_command",
                              {"target": b, "command": OPEN_URI, "payload": payload}),
                 400, 123)

    with step("A: GET /account/sessions after the destroy"):
        sessions = get(session_a, "/account/sessions")
    assert [s["id"] for s in sessions] == [ids_a], sessions
    with step("A: GET /account/attached_clients"):
        attached = get(session_a, "/account/attached_clients")
    assert len(attached) == 1, attached
    entry = attached[0]
    assert (entry["deviceId"], entry["sessionTokenId"]) == (a, ids_a), entry
    assert entry["isCurrentSession"] is True and entry["name"] == "Interop A", entry
    assert entry["deviceType"] == "desktop" and entry["clientId"] is None, entry


def test_device_errors_unknown_command_and_another_accounts_device(cleanup):
    _, _, _, _, session_a = account(cleanup)
    _, _, _, _, session_c = account(cleanup)
    device_a = register(session_a, "A", "Interop A", {OPEN_URI: SEND_TAB_KEYS})
    a = device_a["id"]

    expect_error("invoke_command of a command the target does not advertise",
                 lambda: post(session_a, "/account/devices/invoke_command",
                              {"target": a, "command": CLOSE_URI, "payload": {"encrypted": "x"}}),
                 400, 157)

    # Account C's session has no device yet: naming A's id is an unknown device (123).
    expect_error("C: POST /account/device with the id of another account's device",
                 lambda: post(session_c, "/account/device", {"id": a, "name": "stolen"}),
                 400, 123)
    device_c = register(session_c, "C", "Interop C", {OPEN_URI: SEND_TAB_KEYS})
    c = device_c["id"]
    # A's session has device A: naming another id is 124, whoever's device it is.
    expect_error("A: POST /account/device with the id of another account's device",
                 lambda: post(session_a, "/account/device", {"id": c, "name": "stolen"}),
                 400, 124)
    expect_error("A: invoke_command to another account's device",
                 lambda: post(session_a, "/account/devices/invoke_command",
                              {"target": c, "command": OPEN_URI, "payload": {"encrypted": "x"}}),
                 400, 123)
    expect_error("A: POST /account/device/destroy of another account's device",
                 lambda: post(session_a, "/account/device/destroy", {"id": c}), 400, 123)

    listed = devices_by_id(session_c, "C after A's attempts")
    assert list(listed) == [c] and listed[c]["name"] == "Interop C", listed
    with step("C: GET /account/device/commands (nothing arrived)"):
        assert get(session_c, "/account/device/commands", index=0)["messages"] == []
    with step("C: GET /session/status (C's session survived)"):
        session_c.check_session_status()
