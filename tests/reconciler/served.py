"""Test helpers shared by the scenario runner and the reconciler tests.

``ShapedSandbox`` serves the real sandbox app over real HTTP, optionally behind a small WSGI
middleware that makes it behave like another plausible Oshara server (oshara-api.md section 20):
one that stores something other than what was sent (to prove "did not converge" is reported), or
one that returns the merged ``widget_appearance`` and ``null`` for empty values (to prove those
are not drift). This is a fake at the transport, not a mock of osharactl: every osharactl module
runs for real against it.

``run_cli`` runs the real CLI through click's runner with credentials from the environment, the
way a pipeline would.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner
from werkzeug.serving import make_server

from osharactl.cli import main
from osharactl.sandbox import DEFAULT_EMAIL, DEFAULT_PASSWORD, SandboxApp, SandboxConfig
from osharactl.sandbox.characters import appearance
from osharactl.sandbox.serve import SandboxRequestHandler, server_url

CHARACTERS = "/api/ai-characters/"
READ_ONLY = ("id", "created_at", "updated_at", "created_by", "documents")


class ShapingMiddleware:
    """Rewrites write bodies (``rewrite_writes``: top-level key → value stored instead of the one
    sent) and read answers (``merged_reads``: widget_appearance merged over the documented
    defaults, empty strings and lists sent as ``null``). Off until ``active`` is set, so a test
    can seed live state through the plain sandbox first."""

    def __init__(
        self,
        app: SandboxApp,
        rewrite_writes: Mapping[str, Any] | None = None,
        merged_reads: bool = False,
    ) -> None:
        self.app = app
        self.rewrite_writes = dict(rewrite_writes or {})
        self.merged_reads = merged_reads
        self.active = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if not self.active or not path.startswith(CHARACTERS):
            return self.app(environ, start_response)
        if method in ("POST", "PUT", "PATCH") and self.rewrite_writes:
            self._rewrite_request(environ)
        if method == "GET" and self.merged_reads:
            return self._reshape_response(environ, start_response)
        return self.app(environ, start_response)

    def _rewrite_request(self, environ: dict[str, Any]) -> None:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        for key, value in self.rewrite_writes.items():
            if key in body:
                body[key] = value
        data = json.dumps(body).encode()
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))

    def _reshape_response(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        raw = b"".join(self.app(environ, capture))
        if captured["status"].startswith("200"):
            document = json.loads(raw)
            if isinstance(document, list):
                items = document
            elif isinstance(document.get("results"), list):  # a DRF page
                items = document["results"]
            else:
                items = [document]
            for item in items:
                _as_merged_server(item, self._stored_key(item.get("slug")))
            raw = json.dumps(document).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(raw)))])
        return [raw]

    def _stored_key(self, slug: Any) -> str | None:
        row = self.app.store.get_character(slug) if isinstance(slug, str) else None
        key = row.body.get("llm_api_key") if row else None
        return key if isinstance(key, str) else None


def _as_merged_server(item: dict[str, Any], llm_api_key: str | None) -> None:
    """How a server that fills in defaults might answer: merged appearance, nulls for empties,
    a masked preview where a secret was set, its own choice for fields nobody set."""
    item["widget_appearance"] = appearance(item)
    for key, value in list(item.items()):
        if value == "" or value == []:
            item[key] = None
    if not item.get("llm_model"):
        item["llm_model"] = "server-chosen-model"
    if llm_api_key:
        item["llm_api_key"] = f"{llm_api_key[:3]}...{llm_api_key[-4:]}"


class ShapedSandbox:
    """The sandbox served on 127.0.0.1 behind ``ShapingMiddleware``."""

    def __init__(self, config: SandboxConfig, **shaping: Any) -> None:
        self.app = SandboxApp(config)
        self.middleware = ShapingMiddleware(self.app, **shaping)
        self.server = make_server(
            "127.0.0.1", 0, self.middleware, threaded=True, request_handler=SandboxRequestHandler
        )
        self.url = server_url(self.server)
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join()
        self.server.server_close()
        self.app.close()


class Api:
    """Direct API access for tests: seed and change live state, read what is stored."""

    def __init__(self, url: str, app: SandboxApp) -> None:
        self.url = url
        self.app = app
        token = httpx.post(
            url + "/api/auth/login/", json={"email": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD}
        ).json()["access"]
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})

    def create(self, body: Mapping[str, Any]) -> None:
        response = self.http.post(CHARACTERS, json=dict(body))
        assert response.status_code == 201, response.text

    def patch(self, slug: str, body: Mapping[str, Any]) -> None:
        response = self.http.patch(f"{CHARACTERS}{slug}/", json=dict(body))
        assert response.status_code == 200, response.text

    def listed(self) -> list[dict[str, Any]]:
        response = self.http.get(CHARACTERS)
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result

    def stored(self) -> dict[str, dict[str, Any]]:
        """What the sandbox holds per slug, exactly as stored (secrets included), without the
        server's own fields: the managed state a scenario's ``after/`` files describe."""
        out = {}
        for item in self.listed():
            row = self.app.store.get_character(item["slug"])
            assert row is not None
            out[item["slug"]] = {k: v for k, v in row.body.items() if k not in READ_ONLY}
        return out

    def close(self) -> None:
        self.http.close()


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


def run_cli(
    url: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str | None] | None = None,
    config_dir: Path,
    stdin: str | None = None,
) -> CliResult:
    """``osharactl --api-url URL --no-color ARGS`` through click's runner, logged in with the
    sandbox account from OSHARA_EMAIL/OSHARA_PASSWORD, no other credentials visible."""
    environment: dict[str, str | None] = {
        "OSHARA_EMAIL": DEFAULT_EMAIL,
        "OSHARA_PASSWORD": DEFAULT_PASSWORD,
        "OSHARA_TOKEN": None,
        "OSHARA_API_KEY": None,
        "OSHARA_API_URL": None,
        "OSHARACTL_ENV": None,
        "OSHARACTL_CONFIG_DIR": str(config_dir),
        "NO_COLOR": None,
        **(env or {}),
    }
    result = CliRunner(env=environment).invoke(
        main, ["--api-url", url, "--no-color", *args], input=stdin
    )
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return CliResult(result.exit_code, result.stdout, result.stderr, exception)
