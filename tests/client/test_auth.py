"""Every way to authenticate, over real HTTP: token, API key, email/password, the cached login,
expiry and refresh, fallbacks, clear errors; the `login` command; secrets never traced."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from osharactl.cli import main
from osharactl.client import Client, open_client
from osharactl.config import Settings
from osharactl.credentials import Session, TokenCache, TokenPair
from osharactl.errors import AuthError
from osharactl.sandbox import DEFAULT_EMAIL, DEFAULT_PASSWORD
from tests.conftest import SandboxFactory, ServedSandbox

CANARY = "CANARY-SECRET-93f1"


def env_for(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"OSHARACTL_CONFIG_DIR": str(tmp_path / "cfg"), **values}


def paths(served: ServedSandbox) -> list[tuple[str, int | None]]:
    return [(e["path"], e["status"]) for e in served.requests()]


def test_oshara_token_is_sent_as_bearer(sandbox: ServedSandbox, tmp_path: Path) -> None:
    token = sandbox.login()["access"]
    env = env_for(tmp_path, OSHARA_TOKEN=token)
    with open_client(Settings(api_url=sandbox.url), environ=env) as api:
        assert api.me()["email"] == DEFAULT_EMAIL


def test_expired_oshara_token_is_a_clear_error(
    sandbox_server: SandboxFactory, tmp_path: Path
) -> None:
    served = sandbox_server(access_ttl_seconds=1)
    env = env_for(tmp_path, OSHARA_TOKEN=served.login()["access"])
    time.sleep(1.1)
    api = open_client(Settings(api_url=served.url), environ=env)
    with api, pytest.raises(AuthError) as err:
        api.list_characters()
    assert "access token from OSHARA_TOKEN was refused" in str(err.value)
    assert "OSHARA_EMAIL" in str(err.value)


def test_api_key_is_sent_as_x_api_key(sandbox: ServedSandbox, tmp_path: Path) -> None:
    with sandbox.client() as http:
        key = http.post("/api/auth/api-keys/", json={"name": "ci"}).json()["key"]
    sandbox.clear_requests()
    with open_client(
        Settings(api_url=sandbox.url), environ=env_for(tmp_path, OSHARA_API_KEY=key)
    ) as api:
        assert api.list_characters() == []
    assert paths(sandbox) == [("/api/ai-characters/", 200)]  # no login needed
    bad = env_for(tmp_path, OSHARA_API_KEY="sk_" + "0" * 64)
    api = open_client(Settings(api_url=sandbox.url), environ=bad)
    with api, pytest.raises(AuthError, match="API key from OSHARA_API_KEY was refused"):
        api.list_characters()


def test_email_and_password_log_in(sandbox: ServedSandbox, tmp_path: Path) -> None:
    env = env_for(tmp_path, OSHARA_EMAIL=DEFAULT_EMAIL, OSHARA_PASSWORD=DEFAULT_PASSWORD)
    with open_client(Settings(api_url=sandbox.url), environ=env) as api:
        api.list_characters()
        api.list_characters()
    assert paths(sandbox) == [
        ("/api/auth/login/", 200),
        ("/api/ai-characters/", 200),
        ("/api/ai-characters/", 200),
    ]
    wrong = env_for(tmp_path, OSHARA_EMAIL=DEFAULT_EMAIL, OSHARA_PASSWORD=CANARY)
    api = open_client(Settings(api_url=sandbox.url), environ=wrong)
    with api, pytest.raises(AuthError) as err:
        api.list_characters()
    assert "was refused" in str(err.value) and CANARY not in str(err.value)


def test_expired_access_token_is_refreshed_before_use(sandbox_server: SandboxFactory) -> None:
    served = sandbox_server(access_ttl_seconds=1)
    session = Session(source="test", email=DEFAULT_EMAIL, password=DEFAULT_PASSWORD)
    with Client(served.url, session) as api:
        api.list_characters()
        time.sleep(1.1)
        api.list_characters()
    assert paths(served) == [
        ("/api/auth/login/", 200),
        ("/api/ai-characters/", 200),
        ("/api/auth/refresh/", 200),  # read from exp, no 401 round trip
        ("/api/ai-characters/", 200),
    ]


def test_a_401_triggers_one_refresh(sandbox: ServedSandbox) -> None:
    refresh = sandbox.login()["refresh"]
    sandbox.clear_requests()
    session = Session(source="test", tokens=TokenPair("opaque-and-revoked", refresh))
    with Client(sandbox.url, session) as api:
        assert api.list_characters() == []
    assert paths(sandbox) == [
        ("/api/ai-characters/", 401),
        ("/api/auth/refresh/", 200),
        ("/api/ai-characters/", 200),
    ]


def test_refused_refresh_falls_back_to_login(sandbox: ServedSandbox) -> None:
    session = Session(
        source="test",
        email=DEFAULT_EMAIL,
        password=DEFAULT_PASSWORD,
        tokens=TokenPair("opaque-and-revoked", "not-a-refresh-token"),
    )
    with Client(sandbox.url, session) as api:
        assert api.list_characters() == []
    assert paths(sandbox) == [
        ("/api/ai-characters/", 401),
        ("/api/auth/refresh/", 401),
        ("/api/auth/login/", 200),
        ("/api/ai-characters/", 200),
    ]


def test_nothing_works_is_a_clear_error(sandbox: ServedSandbox, tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "cfg")
    cache.put(sandbox.url, TokenPair("opaque-and-revoked", "not-a-refresh-token"))
    api = open_client(Settings(api_url=sandbox.url), environ=env_for(tmp_path))
    with api, pytest.raises(AuthError) as err:
        api.list_characters()
    text = str(err.value)
    assert f"cached login for {sandbox.url} has expired and could not be refreshed" in text
    assert "osharactl login" in text
    with pytest.raises(AuthError, match="no credentials for"):
        open_client(Settings(api_url=sandbox.url), environ=env_for(tmp_path / "empty"))


def test_login_command_caches_a_private_token(
    sandbox_server: SandboxFactory, tmp_path: Path
) -> None:
    served = sandbox_server(access_ttl_seconds=1)
    env = env_for(tmp_path)
    result = CliRunner().invoke(
        main,
        ["--api-url", served.url, "login"],
        input=f"{DEFAULT_EMAIL}\n{DEFAULT_PASSWORD}\n",
        env={**env, "OSHARA_EMAIL": "", "OSHARA_PASSWORD": ""},
    )
    assert result.exit_code == 0, result.output
    assert f"Logged in to {served.url} as {DEFAULT_EMAIL}" in result.output
    cache = TokenCache(tmp_path / "cfg")
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    stored = json.loads(cache.path.read_text(encoding="utf-8"))
    assert set(stored[served.url]) == {"access", "refresh", "email"}  # never the password
    first = cache.get(served.url)
    assert first is not None
    time.sleep(1.1)  # the cached access token expires; the next run refreshes and writes back
    with open_client(Settings(api_url=served.url), environ=env) as api:
        assert api.me()["email"] == DEFAULT_EMAIL
    second = cache.get(served.url)
    assert second is not None and second[0].access != first[0].access
    logout = CliRunner().invoke(main, ["--api-url", served.url, "logout"], env=env)
    assert logout.exit_code == 0 and "Removed the cached token" in logout.output
    assert cache.get(served.url) is None


def test_login_without_a_terminal_fails_clearly(sandbox: ServedSandbox, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSHARA_")}
    env.update(env_for(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "osharactl", "--api-url", sandbox.url, "login"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 1
    assert "cannot ask for the email and password" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "cfg" / "tokens.json").exists()


def test_login_with_a_wrong_password(sandbox: ServedSandbox, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["--api-url", sandbox.url, "login", "--email", DEFAULT_EMAIL],
        input=f"{CANARY}\n",
        env=env_for(tmp_path, OSHARA_PASSWORD=""),
    )
    assert result.exit_code == 1
    assert "was refused" in result.output and CANARY not in result.output


def test_debug_trace_never_shows_a_secret(sandbox: ServedSandbox, tmp_path: Path) -> None:
    with sandbox.client() as http:
        key = http.post("/api/auth/api-keys/", json={"name": "ci"}).json()["key"]
    tool = {
        "kind": "http",
        "name": "ticket_lookup",
        "description": "Look up a ticket",
        "config": {
            "url": "https://acme.example/tickets",
            "method": "GET",
            "headers": {"X-Oshara-Secret": CANARY},
        },
    }
    body = {"slug": "ada", "name": "Ada", "system_prompt": "Hi", "llm_api_key": CANARY + "-llm"}
    lines: list[str] = []
    env = env_for(tmp_path, OSHARA_API_KEY=key)
    with open_client(Settings(api_url=sandbox.url), trace=lines.append, environ=env) as api:
        api.create_character({**body, "tools": [tool]})
        api.get_character("ada")
        api.list_characters()
        with pytest.raises(AuthError):  # errors carry no secrets either
            api.login(DEFAULT_EMAIL, CANARY)
    trace = "\n".join(lines)
    assert "X-Oshara-Secret" in trace and '"X-API-Key": "(sensitive)"' in trace
    assert CANARY not in trace and key not in trace
    assert len(lines) == 8


def test_debug_flag_traces_to_stderr_through_the_cli(
    sandbox: ServedSandbox, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main,
        ["--debug", "--api-url", sandbox.url, "login", "--email", DEFAULT_EMAIL],
        env=env_for(tmp_path, OSHARA_PASSWORD=DEFAULT_PASSWORD),
    )
    assert result.exit_code == 0, result.output
    assert f"> POST {sandbox.url}/api/auth/login/" in result.stderr
    assert "(credentials omitted)" in result.stderr
    cached = TokenCache(tmp_path / "cfg").get(sandbox.url)
    assert cached is not None and cached[0].access not in result.output


def test_login_refuses_clear_text_before_asking(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--api-url", "http://api.example", "login"], input="", env=env_for(tmp_path)
    )
    assert result.exit_code == 1
    assert "refusing to send credentials in clear text" in result.output
    assert "Email:" not in result.output
