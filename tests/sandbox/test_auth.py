"""Accounts, JWT login/refresh/expiry and API keys, over real HTTP."""

from __future__ import annotations

import re
import time

import httpx
import jwt

from osharactl.sandbox import DEFAULT_EMAIL
from tests.conftest import SandboxFactory, ServedSandbox
from tests.sandbox.examples import support_bot

CHARS = "/api/ai-characters/"


def db_bytes(sandbox: ServedSandbox) -> bytes:
    """The database file and its WAL/SHM companions: where any stored value would be."""
    files = sorted(sandbox.db_path.parent.glob(sandbox.db_path.name + "*"))
    assert files
    return b"".join(f.read_bytes() for f in files)


def test_login_returns_access_and_refresh_jwts(sandbox: ServedSandbox) -> None:
    r = httpx.post(
        sandbox.url + "/api/auth/login/", json={"email": DEFAULT_EMAIL, "password": "sandbox"}
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access", "refresh"}
    for token in body.values():
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "HS256"
        assert "exp" in jwt.decode(token, options={"verify_signature": False})


def test_login_with_bad_credentials_is_401(sandbox: ServedSandbox) -> None:
    for body in (
        {"email": DEFAULT_EMAIL, "password": "wrong"},
        {"email": "nobody@example.com", "password": "sandbox"},
    ):
        r = httpx.post(sandbox.url + "/api/auth/login/", json=body)
        assert r.status_code == 401
        assert "detail" in r.json()
    r = httpx.post(sandbox.url + "/api/auth/login/", json={"email": DEFAULT_EMAIL})
    assert r.status_code == 400
    assert r.json() == {"password": ["This field is required."]}


def test_me_with_bearer_token(sandbox: ServedSandbox) -> None:
    r = httpx.get(sandbox.url + "/api/auth/me/", headers=sandbox.auth_headers())
    assert r.status_code == 200
    assert r.json() == {"id": 1, "email": DEFAULT_EMAIL, "is_staff": False}


def test_character_endpoints_need_credentials(sandbox: ServedSandbox) -> None:
    for method, path in (("GET", CHARS), ("POST", CHARS), ("GET", CHARS + "x/")):
        r = httpx.request(method, sandbox.url + path, json={})
        assert r.status_code == 401
        assert r.json() == {"detail": "Authentication credentials were not provided."}
    r = httpx.get(sandbox.url + CHARS, headers={"Authorization": "Bearer not-a-jwt"})
    assert r.status_code == 401


def test_refresh_token_is_not_an_access_token(sandbox: ServedSandbox) -> None:
    refresh = sandbox.login()["refresh"]
    r = httpx.get(sandbox.url + CHARS, headers={"Authorization": f"Bearer {refresh}"})
    assert r.status_code == 401


def test_access_token_expires_then_refresh_gives_a_new_one(
    sandbox_server: SandboxFactory,
) -> None:
    sandbox = sandbox_server(access_ttl_seconds=2)  # exp is whole seconds: >= 1 s valid
    tokens = sandbox.login()
    headers = {"Authorization": "Bearer " + tokens["access"]}
    assert httpx.get(sandbox.url + CHARS, headers=headers).status_code == 200
    exp = jwt.decode(tokens["access"], options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, exp - time.time()) + 0.05)  # waits for the token, asserts no timing
    expired = httpx.get(sandbox.url + CHARS, headers=headers)
    assert expired.status_code == 401
    assert expired.json()["code"] == "token_not_valid"

    r = httpx.post(sandbox.url + "/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert r.status_code == 200
    assert set(r.json()) == {"access"}
    fresh = {"Authorization": "Bearer " + r.json()["access"]}
    assert httpx.get(sandbox.url + CHARS, headers=fresh).status_code == 200


def test_refresh_rejects_garbage_and_access_tokens(sandbox: ServedSandbox) -> None:
    url = sandbox.url + "/api/auth/refresh/"
    assert httpx.post(url, json={"refresh": "garbage"}).status_code == 401
    assert httpx.post(url, json={"refresh": sandbox.login()["access"]}).status_code == 401
    assert httpx.post(url, json={}).status_code == 400


def test_expired_refresh_token_is_401(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server(refresh_ttl_seconds=0.2)
    refresh = sandbox.login()["refresh"]
    exp = jwt.decode(refresh, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    r = httpx.post(sandbox.url + "/api/auth/refresh/", json={"refresh": refresh})
    assert r.status_code == 401


def test_api_key_lifecycle(sandbox: ServedSandbox) -> None:
    jwt_headers = sandbox.auth_headers()
    r = httpx.post(sandbox.url + "/api/auth/api-keys/", json={"name": "ci"}, headers=jwt_headers)
    assert r.status_code == 201
    created = r.json()
    key = created["key"]
    assert re.fullmatch(r"sk_[0-9a-f]{64}", key)
    assert created["key_preview"] == f"{key[:5]}...{key[-4:]}"
    assert created["is_active"] is True
    assert created["last_used_at"] is None
    assert {"id", "name", "created_at"} <= set(created)

    # Header name is case-insensitive; the key authenticates character endpoints.
    for n, header in enumerate(("X-API-Key", "x-api-key")):
        body = support_bot(slug=f"bot-{n}")
        r = httpx.post(sandbox.url + CHARS, json=body, headers={header: key})
        assert r.status_code == 201, r.text

    listed = httpx.get(sandbox.url + "/api/auth/api-keys/", headers=jwt_headers).json()
    assert len(listed) == 1
    assert "key" not in listed[0]
    assert listed[0]["key_preview"] == created["key_preview"]
    assert listed[0]["last_used_at"] is not None

    # The key is not stored in clear in the database file.
    assert key.encode() not in db_bytes(sandbox)


def test_inactive_and_unknown_keys_are_refused(sandbox: ServedSandbox) -> None:
    r = httpx.post(
        sandbox.url + "/api/auth/api-keys/",
        json={"name": "off", "is_active": False},
        headers=sandbox.auth_headers(),
    )
    assert r.status_code == 201
    assert r.json()["is_active"] is False
    for key in (r.json()["key"], "sk_" + "0" * 64):
        assert httpx.get(sandbox.url + CHARS, headers={"X-API-Key": key}).status_code == 401


def test_api_key_management_needs_a_jwt_and_a_name(sandbox: ServedSandbox) -> None:
    headers = sandbox.auth_headers()
    key = httpx.post(
        sandbox.url + "/api/auth/api-keys/", json={"name": "k"}, headers=headers
    ).json()["key"]
    r = httpx.post(
        sandbox.url + "/api/auth/api-keys/", json={"name": "x"}, headers={"X-API-Key": key}
    )
    assert r.status_code == 401
    r = httpx.post(sandbox.url + "/api/auth/api-keys/", json={}, headers=headers)
    assert r.status_code == 400
    assert r.json() == {"name": ["This field is required."]}


def test_api_key_wins_over_jwt(sandbox: ServedSandbox) -> None:
    r = httpx.post(
        sandbox.url + "/api/auth/signup/", json={"email": "other@example.com", "password": "pw"}
    )
    assert r.status_code == 201
    other_jwt = sandbox.auth_headers("other@example.com", "pw")
    key = httpx.post(
        sandbox.url + "/api/auth/api-keys/", json={"name": "k"}, headers=sandbox.auth_headers()
    ).json()["key"]
    me = httpx.get(sandbox.url + "/api/auth/me/", headers={**other_jwt, "X-API-Key": key}).json()
    assert me["email"] == DEFAULT_EMAIL


def test_signup_rejects_duplicates(sandbox: ServedSandbox) -> None:
    r = httpx.post(
        sandbox.url + "/api/auth/signup/", json={"email": DEFAULT_EMAIL, "password": "x"}
    )
    assert r.status_code == 400
    assert "email" in r.json()


def test_start_account_comes_from_config(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server(email="team@acme.com", password="hunter2")
    assert sandbox.login("team@acme.com", "hunter2")["access"]
    r = httpx.post(
        sandbox.url + "/api/auth/login/", json={"email": DEFAULT_EMAIL, "password": "sandbox"}
    )
    assert r.status_code == 401
    stored = db_bytes(sandbox)
    assert b"team@acme.com" in stored  # the check below looks at the right bytes
    assert b"hunter2" not in stored
