"""The client against the served sandbox over real HTTP: CRUD, errors, retries, pagination,
the https rule and the in-process sandbox."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from osharactl.client import Client, open_client, require_secure_url
from osharactl.config import Settings
from osharactl.credentials import ApiKey, Session
from osharactl.errors import ApiError, ConfigError, ConnectionFailed, NotFound
from osharactl.sandbox import DEFAULT_EMAIL, DEFAULT_PASSWORD, FaultConfig
from tests.conftest import SandboxFactory, ServedSandbox


def session() -> Session:
    return Session(source="test login", email=DEFAULT_EMAIL, password=DEFAULT_PASSWORD)


def client_for(served: ServedSandbox, **options: Any) -> Client:
    options.setdefault("backoff_base", 0.001)
    options.setdefault("backoff_max", 0.01)
    return Client(served.url, options.pop("auth", None) or session(), **options)


def character(slug: str, **fields: Any) -> dict[str, Any]:
    return {"slug": slug, "name": slug.title(), "system_prompt": "You help.", **fields}


def log(served: ServedSandbox, path_part: str = "/api/ai-characters/") -> list[tuple[Any, ...]]:
    return [
        (e["method"], e["status"], e["fault"]) for e in served.requests() if path_part in e["path"]
    ]


def test_crud_round_trip(sandbox: ServedSandbox) -> None:
    with client_for(sandbox) as api:
        created = api.create_character(character("ada", greeting="Hi"))
        assert created["slug"] == "ada" and "id" in created
        assert api.get_character("ada")["greeting"] == "Hi"
        assert api.update_character("ada", {"greeting": "Hello"})["greeting"] == "Hello"
        replaced = api.replace_character("ada", character("ada"))
        assert replaced["greeting"] == ""  # PUT reset what it did not send
        assert [c["slug"] for c in api.list_characters()] == ["ada"]
        api.delete_character("ada")
        with pytest.raises(NotFound) as err:
            api.get_character("ada")
        assert (
            str(err.value) == 'GET /api/ai-characters/ada/: 404 Not Found: {"detail":"Not found."}'
        )
        assert err.value.exit_code == 1
        assert api.me()["email"] == DEFAULT_EMAIL
        assert api.requests_sent == len(sandbox.requests())


def test_slugs_are_quoted_into_paths(sandbox: ServedSandbox) -> None:
    lines: list[str] = []
    with client_for(sandbox, trace=lines.append) as api, pytest.raises(NotFound):
        api.get_character("a/b c")
    assert f"> GET {sandbox.url}/api/ai-characters/a%2Fb%20c/ " in lines[-2]


def test_validation_error_names_the_request_and_masks_secrets(sandbox: ServedSandbox) -> None:
    canary = "sk-CANARY-4711"
    body = character("bad", llm_api_key=canary, background_audio="jungle")
    redact = lambda text: text.replace("background_audio", "(caller-redacted)")  # noqa: E731
    with client_for(sandbox, redact=redact) as api, pytest.raises(ApiError) as err:
        api.create_character(body)
    text = str(err.value)
    assert text.startswith("POST /api/ai-characters/: 400 Bad Request: {")
    assert "(caller-redacted)" in text and canary not in text
    assert err.value.status == 400 and err.value.method == "POST"


def test_long_error_bodies_are_truncated(sandbox: ServedSandbox) -> None:
    with client_for(sandbox) as api, pytest.raises(ApiError) as err:
        api.create_character(character("ada", tools=[{"kind": "http"}] * 40))
    assert len(err.value.body) <= 501 and err.value.body.endswith("…")


def test_retries_503_then_succeeds(sandbox_server: SandboxFactory) -> None:
    served = sandbox_server(faults=FaultConfig(error_rate=1.0, limit=2))
    with client_for(served) as api:
        assert api.list_characters() == []
    assert log(served) == [("GET", 503, "error"), ("GET", 503, "error"), ("GET", 200, None)]


def test_honours_429_retry_after(sandbox_server: SandboxFactory) -> None:
    served = sandbox_server(faults=FaultConfig(rate_limit_rate=1.0, retry_after=0, limit=1))
    lines: list[str] = []
    with client_for(served, trace=lines.append) as api:
        api.create_character(character("ada"))
    assert log(served) == [("POST", 429, "rate_limit"), ("POST", 201, None)]
    assert any("retry 1/5 POST" in line and "429 Too Many Requests" in line for line in lines)


def test_retries_dropped_connections(sandbox_server: SandboxFactory) -> None:
    served = sandbox_server(faults=FaultConfig(drop_rate=1.0, limit=2))
    with client_for(served) as api:
        assert api.list_characters() == []
    assert log(served) == [("GET", None, "drop"), ("GET", None, "drop"), ("GET", 200, None)]


def test_lost_create_response_yields_exactly_one_character(sandbox_server: SandboxFactory) -> None:
    faults = FaultConfig(drop_after_rate=1.0, limit=1, methods=frozenset({"POST"}))
    served = sandbox_server(faults=faults)
    with client_for(served) as api:
        created = api.create_character(character("ada"))
        assert created["slug"] == "ada"
        assert [c["slug"] for c in api.list_characters()] == ["ada"]
    assert log(served)[:3] == [
        ("POST", 201, "drop_after"),  # committed, response lost
        ("POST", 400, None),  # the retry meets "already exists"
        ("GET", 200, None),  # so the client re-reads it
    ]


def test_lost_delete_response_is_done(sandbox_server: SandboxFactory) -> None:
    faults = FaultConfig(drop_after_rate=1.0, limit=1, methods=frozenset({"DELETE"}))
    served = sandbox_server(faults=faults)
    with client_for(served) as api:
        api.create_character(character("ada"))
        api.delete_character("ada")
        assert api.list_characters() == []
    assert ("DELETE", 404, None) in log(served)


def test_a_genuine_duplicate_create_is_an_error(sandbox: ServedSandbox) -> None:
    with client_for(sandbox) as api:
        api.create_character(character("ada"))
        with pytest.raises(ApiError, match="already exists"):
            api.create_character(character("ada"))


def test_gives_up_after_max_retries(sandbox_server: SandboxFactory) -> None:
    served = sandbox_server(faults=FaultConfig(error_rate=1.0))
    with client_for(served, max_retries=2) as api, pytest.raises(ApiError) as err:
        api.list_characters()
    assert err.value.status == 503
    assert len(log(served)) == 3
    dropping = sandbox_server(faults=FaultConfig(drop_rate=1.0))
    with client_for(dropping, max_retries=1) as api, pytest.raises(ConnectionFailed) as failed:
        api.list_characters()
    assert "failed after 2 attempts: connection dropped by the server" in str(failed.value)


def test_unreachable_server_is_a_clear_connection_error() -> None:
    api = Client("http://127.0.0.1:9", ApiKey("sk_x"), max_retries=1, backoff_base=0.001)
    with api, pytest.raises(ConnectionFailed) as err:
        api.list_characters()
    text = str(err.value)
    assert text.startswith("cannot reach http://127.0.0.1:9: GET http://127.0.0.1:9/api/")
    assert "connection failed" in text and "sandbox serve" in text


def test_follows_pagination(sandbox_server: SandboxFactory) -> None:
    served = sandbox_server(page_size=3)
    with client_for(served) as api:
        for n in range(7):
            api.create_character(character(f"c{n}"))
        served.clear_requests()
        assert [c["slug"] for c in api.list_characters()] == [f"c{n}" for n in range(7)]
    assert [e["method"] for e in served.requests()] == ["GET", "GET", "GET"]


def test_parallel_use_from_many_threads(sandbox: ServedSandbox) -> None:
    errors: list[BaseException] = []
    with client_for(sandbox) as api:

        def work(n: int) -> None:
            try:
                api.create_character(character(f"t{n:02d}"))
                api.update_character(f"t{n:02d}", {"greeting": str(n)})
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(api.list_characters()) == 24
        logins = [e for e in sandbox.requests() if e["path"] == "/api/auth/login/"]
        assert len(logins) == 1  # one session shared by every thread
        assert api.requests_sent == len(sandbox.requests())


@pytest.mark.parametrize(
    "url",
    ["http://api.example", "http://10.0.0.1:8000", "http://localhost.evil.example"],
)
def test_https_is_required_off_loopback(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="clear text"):
        Client(url, ApiKey("sk_x"))
    env = {"OSHARA_API_KEY": "sk_x", "OSHARACTL_CONFIG_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match="clear text"):
        open_client(Settings(api_url=url), environ=env)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765", "http://127.8.9.1", "http://localhost:1", "http://[::1]:80"]
)
def test_http_is_allowed_on_loopback(url: str) -> None:
    require_secure_url(url)
    require_secure_url("https://api.oshara.ai")


def test_not_a_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not an http"):
        require_secure_url("api.oshara.ai")


def test_in_process_sandbox(tmp_path: Path) -> None:
    db = tmp_path / "state" / "sandbox.sqlite3"
    env = {"OSHARACTL_SANDBOX_DB": str(db)}
    with open_client(Settings(api_url="sandbox"), environ=env) as api:
        api.create_character(character("ada"))
    with open_client(Settings(api_url="sandbox"), environ=env) as api:
        assert [c["slug"] for c in api.list_characters()] == ["ada"]  # state persisted
    assert db.is_file()


def test_in_process_sandbox_retries_dropped_responses(tmp_path: Path) -> None:
    env = {
        "OSHARACTL_SANDBOX_DB": str(tmp_path / "s.sqlite3"),
        "OSHARA_SANDBOX_DROP_AFTER_RATE": "1",
        "OSHARA_SANDBOX_LIMIT": "1",
        "OSHARA_SANDBOX_METHODS": "POST",
    }
    with open_client(Settings(api_url="sandbox"), environ=env) as api:
        api.create_character(character("ada"))
        assert [c["slug"] for c in api.list_characters()] == ["ada"]
        assert api.requests_sent == 5  # login, POST (lost), POST (exists), GET, list
