"""A live server may return what the docs do not describe (a tool of an unknown kind): its
secrets must stay masked, and pull must refuse rather than write them or lose the tool."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from osharactl.cli import main

CANARY = "CANARY-unknown-kind-7f3a"
LIVE = [
    {
        "slug": "alpha",
        "name": "Alpha",
        "allowed_origins": ["https://a.example/"],
        "tools": [{"name": "hang", "kind": "end_call", "config": {"headers": {"X-S": CANARY}}}],
    }
]


@Request.application
def fake_oshara(request: Request) -> Response:
    """Just enough of the API: log in, list characters."""
    if request.path == "/api/auth/login/":
        body: Any = {"access": "a.b.c", "refresh": "r.s.t"}
    elif request.path == "/api/ai-characters/":
        body = LIVE
    else:
        return Response("{}", status=404, content_type="application/json")
    return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, fake_oshara, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def invoke(url: str, *args: str) -> Any:
    env = {"OSHARA_API_URL": url, "OSHARA_EMAIL": "e@x", "OSHARA_PASSWORD": "p",
           "OSHARA_TOKEN": "", "OSHARA_API_KEY": ""}  # fmt: skip
    return CliRunner().invoke(main, ["--no-color", *args], env=env, catch_exceptions=False)


def test_headers_of_an_unknown_tool_kind_are_masked_in_every_format(
    url: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "alpha.yaml"
    manifest.write_text('slug: alpha\nname: Alpha\nallowed_origins: ["https://a.example/"]\n')
    saved = tmp_path / "plan.json"
    for fmt in ("text", "json", "markdown"):
        result = invoke(url, "--debug", "plan", "--format", fmt, "--out", str(saved), str(manifest))
        assert result.exit_code == 0, result.output
        assert "tools" in result.stdout  # the tool the manifest drops is in the plan …
        assert CANARY not in result.stdout + result.stderr  # … with its header masked
        assert CANARY not in saved.read_text()


def test_pull_refuses_an_unknown_tool_kind_and_writes_nothing(url: str, tmp_path: Path) -> None:
    out = tmp_path / "pulled"
    result = invoke(url, "pull", "--out", str(out))
    assert result.exit_code == 1
    assert "tools[hang] has kind 'end_call'" in result.stderr
    assert not any(out.rglob("*.yaml")) if out.exists() else True
    assert CANARY not in result.stdout + result.stderr
