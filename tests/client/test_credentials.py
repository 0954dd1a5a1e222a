"""Credential lookup order, JWT expiry reading and the token cache file (no server needed)."""

from __future__ import annotations

import base64
import json
import stat
import time
from pathlib import Path

import pytest

from osharactl.credentials import (
    ApiKey,
    Session,
    StaticToken,
    TokenCache,
    TokenPair,
    jwt_claims,
    resolve_credentials,
    token_expired,
)
from osharactl.errors import AuthError

URL = "https://api.example"


def fake_jwt(**claims: object) -> str:
    """An unsigned token shaped like a JWT: we only ever read its payload."""

    def part(data: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.signature"


def test_jwt_claims_reads_the_payload_and_tolerates_garbage() -> None:
    assert jwt_claims(fake_jwt(exp=123, sub="u"))["exp"] == 123
    assert jwt_claims("not-a-jwt") == {}
    assert jwt_claims("a.%%%.c") == {}


def test_token_expiry_uses_exp_with_a_margin() -> None:
    now = time.time()
    assert token_expired(fake_jwt(exp=now - 1))
    assert not token_expired(fake_jwt(exp=now + 3600))
    assert token_expired(fake_jwt(exp=now + 5))  # inside the 10 s margin
    # a 2 s token is usable for its first 1.5 s: the margin shrinks to a quarter of the lifetime
    assert not token_expired(fake_jwt(iat=now, exp=now + 2), now=now + 1)
    assert token_expired(fake_jwt(iat=now, exp=now + 2), now=now + 1.6)
    assert not token_expired("opaque-token")


def test_cache_file_is_private_and_written_atomically(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "cfg")
    cache.put(URL, TokenPair("acc", "ref"), email="me@example.com")
    cache.put("http://127.0.0.1:1", TokenPair("other"))
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700
    assert [p.name for p in cache.directory.iterdir()] == ["tokens.json"]  # no temp files left
    assert cache.get(URL) == (TokenPair("acc", "ref"), "me@example.com")
    assert cache.remove(URL) is True
    assert cache.remove(URL) is False
    assert cache.get(URL) is None
    assert cache.get("http://127.0.0.1:1") == (TokenPair("other"), None)


def test_corrupt_cache_reads_as_empty_and_is_rewritten(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path)
    cache.path.write_text("{not json", encoding="utf-8")
    assert cache.get(URL) is None
    cache.put(URL, TokenPair("acc"))
    assert cache.get(URL) == (TokenPair("acc"), None)


def test_lookup_order_first_found_wins(tmp_path: Path) -> None:
    cfg = str(tmp_path)
    TokenCache(tmp_path).put(URL, TokenPair("cached"))
    everything = {
        "OSHARACTL_CONFIG_DIR": cfg,
        "OSHARA_TOKEN": "tok",
        "OSHARA_API_KEY": "sk_key",
        "OSHARA_EMAIL": "a@example.com",
        "OSHARA_PASSWORD": "pw",
    }
    assert isinstance(resolve_credentials(URL, everything), StaticToken)
    del everything["OSHARA_TOKEN"]
    assert isinstance(resolve_credentials(URL, everything), ApiKey)
    del everything["OSHARA_API_KEY"]
    login = resolve_credentials(URL, everything)
    assert isinstance(login, Session) and login.email == "a@example.com"
    del everything["OSHARA_PASSWORD"]
    cached = resolve_credentials(URL, everything)
    assert isinstance(cached, Session) and cached.tokens == TokenPair("cached")


def test_no_credentials_is_a_clear_error(tmp_path: Path) -> None:
    env = {"OSHARACTL_CONFIG_DIR": str(tmp_path), "OSHARA_EMAIL": "a@example.com"}
    with pytest.raises(AuthError) as err:
        resolve_credentials(URL, env)
    text = str(err.value)
    assert f"no credentials for {URL} (OSHARA_EMAIL is set but OSHARA_PASSWORD is not)" in text
    assert "osharactl login" in text and "OSHARA_API_KEY" in text


def test_secrets_lists_what_must_be_masked() -> None:
    session = Session(source="x", email="e", password="pw", tokens=TokenPair("a", "r"))
    assert sorted(session.secrets()) == ["a", "pw", "r"]
    public = Session(source="sandbox", email="e", password="sandbox", password_is_secret=False)
    assert public.secrets() == []
    assert StaticToken("t").secrets() == ["t"] and ApiKey("k").secrets() == ["k"]
