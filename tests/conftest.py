"""Shared pytest fixtures. Sandbox fixtures first (owned by the sandbox work); add yours below.

``sandbox_server(**config)`` serves a fresh sandbox for real on 127.0.0.1 (ephemeral port,
background thread, its own SQLite file under the test's ``tmp_path`` unless ``db_path`` is
given) and stops it at teardown. ``sandbox`` is one default instance. Typical use::

    def test_x(sandbox: ServedSandbox) -> None:
        r = httpx.get(sandbox.url + "/api/ai-characters/", headers=sandbox.auth_headers())
        assert [e["method"] for e in sandbox.requests()] == ["POST", "GET"]  # login + list

    def test_y(sandbox_server: SandboxFactory) -> None:
        s = sandbox_server(access_ttl_seconds=1, faults=FaultConfig(error_rate=0.5, seed=7))

Import the types with ``from tests.conftest import SandboxFactory, ServedSandbox``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from osharactl.sandbox import DEFAULT_EMAIL, DEFAULT_PASSWORD, SandboxApp, SandboxConfig
from osharactl.sandbox.serve import BackgroundSandbox


class ServedSandbox:
    """A running sandbox: its URL, database file, request log and login helpers."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.db_path = config.db_path
        self._served = BackgroundSandbox(config)
        self.url = self._served.url

    @property
    def app(self) -> SandboxApp:
        return self._served.app

    def requests(self) -> list[dict[str, Any]]:
        """What the sandbox received so far (method, path, query, status, fault, latency_ms)."""
        return self.app.requests.entries()

    def clear_requests(self) -> None:
        self.app.requests.clear()

    def login(self, email: str = DEFAULT_EMAIL, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
        """``{access, refresh}`` for the account (the default one unless given)."""
        response = httpx.post(
            self.url + "/api/auth/login/", json={"email": email, "password": password}
        )
        response.raise_for_status()
        tokens: dict[str, str] = response.json()
        return tokens

    def auth_headers(
        self, email: str = DEFAULT_EMAIL, password: str = DEFAULT_PASSWORD
    ) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.login(email, password)["access"]}

    def client(self, **headers: str) -> httpx.Client:
        """An httpx client on the sandbox, logged in as the default account."""
        return httpx.Client(base_url=self.url, headers={**self.auth_headers(), **headers})

    def stop(self) -> None:
        self._served.stop()


SandboxFactory = Callable[..., ServedSandbox]


@pytest.fixture
def sandbox_server(tmp_path: Path) -> Iterator[SandboxFactory]:
    """Factory: ``sandbox_server(**SandboxConfig fields)`` starts one more served sandbox."""
    started: list[ServedSandbox] = []

    def start(**config: Any) -> ServedSandbox:
        config.setdefault("db_path", tmp_path / f"sandbox-{len(started)}.sqlite3")
        served = ServedSandbox(SandboxConfig(**config))
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxFactory) -> ServedSandbox:
    """One served sandbox with default settings and a fresh database."""
    return sandbox_server()
