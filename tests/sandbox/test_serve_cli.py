"""``osharactl sandbox serve`` as a real subprocess, and the OpenAPI description."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from osharactl.cli import main
from osharactl.sandbox.openapi import openapi_document
from tests.conftest import ServedSandbox


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "osharactl", "sandbox", "serve", "--port", str(port), *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(4)]  # blocks until the banner is printed
    return proc, f"http://127.0.0.1:{port}", lines


def test_serve_prints_url_answers_and_stops_on_sigint(tmp_path: Path) -> None:
    proc, url, banner = start(tmp_path)
    try:
        assert url in banner[0]
        assert "sandbox@example.com" in banner[1]
        r = httpx.post(
            url + "/api/auth/login/", json={"email": "sandbox@example.com", "password": "sandbox"}
        )
        assert r.status_code == 200
        # Keep-alive: several requests over one connection.
        headers = {"Authorization": "Bearer " + r.json()["access"]}
        with httpx.Client(base_url=url, headers=headers) as client:
            assert [client.get("/api/ai-characters/").status_code for _ in range(3)] == [200] * 3
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert "Sandbox stopped." in out
    assert "Traceback" not in err
    assert (tmp_path / ".osharactl" / "sandbox.sqlite3").exists()


def test_serve_stops_cleanly_on_sigterm_and_hides_a_given_password(tmp_path: Path) -> None:
    db = tmp_path / "custom.sqlite3"
    proc, url, banner = start(tmp_path, "--db", str(db), "--password", "t0psecret")
    try:
        assert "t0psecret" not in "".join(banner)
        body = {"email": "sandbox@example.com", "password": "t0psecret"}
        assert httpx.post(url + "/api/auth/login/", json=body).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "t0psecret" not in out + err
    assert db.exists()


def test_serve_with_fault_flags_over_http(tmp_path: Path) -> None:
    proc, url, _ = start(tmp_path, "--error-rate", "1", "--request-log", "log.jsonl")
    try:
        body = {"email": "sandbox@example.com", "password": "sandbox"}
        token = httpx.post(url + "/api/auth/login/", json=body).json()["access"]
        r = httpx.get(url + "/api/ai-characters/", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 503
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    lines = [json.loads(x) for x in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [e["fault"] for e in lines] == [None, "error"]


def test_bad_settings_and_busy_port_are_clear_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["sandbox", "serve", "--error-rate", "7", "--db", str(tmp_path / "d")]
    )
    assert result.exit_code == 1
    assert "error_rate must be between 0 and 1" in result.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = runner.invoke(
            main, ["sandbox", "serve", "--port", port, "--db", str(tmp_path / "d")]
        )
    assert result.exit_code == 1
    assert "cannot serve the sandbox" in result.output
    assert "Traceback" not in result.output


def test_openapi_document_structure(sandbox: ServedSandbox) -> None:
    doc = httpx.get(sandbox.url + "/api/schema/").json()
    assert doc == json.loads(json.dumps(openapi_document()))
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    assert {"Character", "CharacterOut", "WidgetAppearance", "HttpTool", "McpServer"} <= set(
        schemas
    )
    for path, item in doc["paths"].items():
        assert path.startswith("/api/") and path.endswith("/")
        for method, op in item.items():
            if method == "parameters":
                continue
            assert op["responses"], (path, method)
    # Every $ref resolves inside the document.
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    assert "slug" in schemas["Character"]["required"]


def test_openapi_command_prints_the_document() -> None:
    result = CliRunner().invoke(main, ["sandbox", "openapi"])
    assert result.exit_code == 0
    assert json.loads(result.output)["paths"].keys() == openapi_document()["paths"].keys()
