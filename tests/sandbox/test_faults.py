"""Fault injection over real HTTP, checked through status codes and the request log (never
through wall-clock time)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from osharactl.sandbox import FaultConfig, SandboxConfig
from osharactl.sandbox.faults import FaultInjector
from tests.conftest import SandboxFactory
from tests.sandbox.examples import support_bot

CHARS = "/api/ai-characters/"


def statuses(sandbox_url: str, headers: dict[str, str], n: int) -> list[int]:
    with httpx.Client(base_url=sandbox_url, headers=headers) as client:
        return [client.get(CHARS).status_code for _ in range(n)]


def test_error_rate_gives_503_with_json_and_spares_login(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server(faults=FaultConfig(error_rate=1.0))
    headers = sandbox.auth_headers()  # auth endpoints are not faulted by default
    r = httpx.get(sandbox.url + CHARS, headers=headers)
    assert r.status_code == 503
    assert "detail" in r.json()
    log = sandbox.requests()
    assert [(e["path"], e["status"], e["fault"]) for e in log] == [
        ("/api/auth/login/", 200, None),
        (CHARS, 503, "error"),
    ]


def test_rate_limit_sends_retry_after(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server(faults=FaultConfig(rate_limit_rate=1.0, retry_after=2.5))
    r = httpx.get(sandbox.url + CHARS, headers=sandbox.auth_headers())
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3"  # whole seconds, rounded up
    assert sandbox.requests()[-1]["fault"] == "rate_limit"


def test_latency_is_recorded_in_the_log(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server(faults=FaultConfig(latency_ms=5))
    assert httpx.get(sandbox.url + CHARS, headers=sandbox.auth_headers()).status_code == 200
    entry = sandbox.requests()[-1]
    assert entry["latency_ms"] == 5 and entry["fault"] is None and entry["status"] == 200


def test_drop_before_processing_changes_nothing(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server(faults=FaultConfig(drop_rate=1.0, methods=frozenset({"POST"})))
    headers = sandbox.auth_headers()
    with pytest.raises(httpx.TransportError):
        httpx.post(sandbox.url + CHARS, json=support_bot(), headers=headers)
    assert httpx.get(sandbox.url + CHARS, headers=headers).json() == []
    assert sandbox.requests()[1] | {"time": 0, "seq": 0} == {
        "seq": 0,
        "time": 0,
        "method": "POST",
        "path": CHARS,
        "query": "",
        "status": None,
        "fault": "drop",
        "latency_ms": 0.0,
    }


def test_drop_after_commit_loses_only_the_response(sandbox_server: SandboxFactory) -> None:
    faults = FaultConfig(drop_after_rate=1.0, methods=frozenset({"POST"}), limit=1)
    sandbox = sandbox_server(faults=faults)
    headers = sandbox.auth_headers()
    with httpx.Client(base_url=sandbox.url, headers=headers) as client:
        with pytest.raises(httpx.TransportError):
            client.post(CHARS, json=support_bot())
        # The write happened: a retried create is a duplicate, and the list has one character.
        retry = client.post(CHARS, json=support_bot())
        assert retry.status_code == 400
        assert retry.json() == {"slug": ["ai character with this slug already exists."]}
        assert [c["slug"] for c in client.get(CHARS).json()] == ["support-bot"]
    posts = [(e["status"], e["fault"]) for e in sandbox.requests() if e["method"] == "POST"]
    assert posts == [(200, None), (201, "drop_after"), (400, None)]  # login, create, retry


def test_faults_can_cover_auth_when_asked(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server(faults=FaultConfig(error_rate=1.0, include_auth=True))
    r = httpx.post(sandbox.url + "/api/auth/login/", json={"email": "a@b.c", "password": "x"})
    assert r.status_code == 503


def test_same_seed_same_faults(sandbox_server: SandboxFactory) -> None:
    faults = FaultConfig(error_rate=0.3, rate_limit_rate=0.3, retry_after=0, seed=42)
    runs = []
    for _ in range(2):
        sandbox = sandbox_server(faults=faults)
        runs.append(statuses(sandbox.url, sandbox.auth_headers(), 30))
    assert runs[0] == runs[1]
    assert {200, 429, 503} == set(runs[0])
    other = sandbox_server(faults=FaultConfig(error_rate=0.3, rate_limit_rate=0.3, seed=7))
    assert statuses(other.url, other.auth_headers(), 30) != runs[0]


def test_injector_is_deterministic_and_capped() -> None:
    config = FaultConfig(error_rate=0.5, seed=3)
    one = FaultInjector(config)
    two = FaultInjector(config)
    seq_one = [one.decide("GET", CHARS).kind for _ in range(50)]
    assert seq_one == [two.decide("GET", CHARS).kind for _ in range(50)]
    assert {"error", None} == set(seq_one)
    capped = FaultInjector(FaultConfig(error_rate=1.0, limit=3))
    kinds = [capped.decide("GET", CHARS).kind for _ in range(10)]
    assert kinds == ["error"] * 3 + [None] * 7
    assert FaultInjector(FaultConfig(error_rate=1.0)).decide("GET", "/api/auth/login/").kind is None


def test_faults_can_be_switched_at_run_time(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server()
    headers = sandbox.auth_headers()
    assert statuses(sandbox.url, headers, 1) == [200]
    r = httpx.put(sandbox.url + "/_sandbox/faults", json={"error_rate": 1.0})
    assert r.status_code == 200 and r.json()["error_rate"] == 1.0
    assert statuses(sandbox.url, headers, 1) == [503]
    httpx.put(sandbox.url + "/_sandbox/faults", json={})
    assert statuses(sandbox.url, headers, 1) == [200]
    bad = httpx.put(sandbox.url + "/_sandbox/faults", json={"error_rate": 2})
    assert bad.status_code == 400
    assert httpx.put(sandbox.url + "/_sandbox/faults", json={"nope": 1}).status_code == 400


def test_request_log_endpoint_and_file(sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "requests.jsonl"
    sandbox = sandbox_server(request_log=log_file)
    headers = sandbox.auth_headers()
    httpx.get(sandbox.url + CHARS, params={"page_size": 5}, headers=headers)
    entries = httpx.get(sandbox.url + "/_sandbox/requests").json()
    assert [(e["method"], e["path"], e["query"], e["status"]) for e in entries] == [
        ("POST", "/api/auth/login/", "", 200),
        ("GET", CHARS, "page_size=5", 200),
    ]
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert lines == entries
    assert httpx.delete(sandbox.url + "/_sandbox/requests").status_code == 204
    assert httpx.get(sandbox.url + "/_sandbox/requests").json() == []
    assert len(log_file.read_text().splitlines()) == 2  # the file keeps everything


def test_fault_settings_from_environment() -> None:
    env = {
        "OSHARA_SANDBOX_LATENCY_MS": "12",
        "OSHARA_SANDBOX_ERROR_RATE": "0.1",
        "OSHARA_SANDBOX_RATE_LIMIT_RATE": "0.2",
        "OSHARA_SANDBOX_RETRY_AFTER": "3",
        "OSHARA_SANDBOX_DROP_RATE": "0.05",
        "OSHARA_SANDBOX_DROP_AFTER_RATE": "0.04",
        "OSHARA_SANDBOX_SEED": "9",
        "OSHARA_SANDBOX_METHODS": "post, patch",
        "OSHARA_SANDBOX_ACCESS_TTL": "60",
        "OSHARA_SANDBOX_PAGE_SIZE": "100",
    }
    config = SandboxConfig.from_env(env, access_ttl_seconds=None, page_size=7)
    assert config.faults == FaultConfig(
        latency_ms=12,
        error_rate=0.1,
        rate_limit_rate=0.2,
        retry_after=3,
        drop_rate=0.05,
        drop_after_rate=0.04,
        seed=9,
        methods=frozenset({"POST", "PATCH"}),
    )
    assert config.access_ttl_seconds == 60 and config.page_size == 7
    with pytest.raises(ValueError, match="OSHARA_SANDBOX_ERROR_RATE"):
        FaultConfig.from_env({"OSHARA_SANDBOX_ERROR_RATE": "lots"})
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultConfig.from_env({"OSHARA_SANDBOX_DROP_RATE": "1.5"})
