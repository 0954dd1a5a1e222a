"""Secret canary (promise 5): one unique value put in every secret field — llm_api_key,
kb_query_api_key, a tool header, an MCP header — through ``${env:…}`` and, separately, written
literally, must appear in no stdout, stderr, file or log of validate, plan (every format,
``--out``), apply (text, JSON, saved plan, rotation), ``--debug`` traces, errors, and pull.

The sandbox returns header values in clear (section 20), so pull and plan see the canary come
back from the server too, not only from the manifests.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from osharactl.cli import main
from tests.conftest import SandboxFactory
from tests.reconciler.served import CliResult, run_cli

ENV_NAME = "CANARY_SECRET"


def _manifest(slug: str, secret: str, greeting: str) -> str:
    return f"""slug: {slug}
name: Canary {slug}
greeting: {greeting}
allowed_origins: [https://www.example.com/]
llm_api_key: "{secret}"
kb_query_url: https://kb.example.com/query/
kb_query_api_key: "{secret}"
tools:
  - name: orders
    kind: http
    description: Look up an order.
    config:
      url: https://api.example.com/orders
      headers: {{X-Api-Token: "{secret}"}}
mcp_servers:
  - name: crm
    url: https://mcp.example.com/
    headers: {{Authorization: "Bearer {secret}"}}
"""


@pytest.mark.parametrize("how", ["env", "literal"])
def test_canary_never_leaks(how: str, sandbox_server: SandboxFactory, tmp_path: Path) -> None:
    canary = f"CANARY-{uuid.uuid4().hex}"
    log_file = tmp_path / "sandbox-requests.jsonl"
    sandbox = sandbox_server(request_log=log_file)
    secret = "${env:" + ENV_NAME + "}" if how == "env" else canary
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    manifest = manifests / "canary.yaml"
    manifest.write_text(_manifest("canary", secret, "Hello"), encoding="utf-8")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.yaml").write_text(
        _manifest("bad", secret, "Hi") + f'character_type: ["{canary}"]\nvoice: "{canary}"\n',
        encoding="utf-8",
    )
    outputs: list[CliResult] = []
    env: dict[str, str | None] = {ENV_NAME: canary}

    def cli(*args: str, expect: int = 0) -> CliResult:
        result = run_cli(sandbox.url, list(args), env=env, config_dir=tmp_path / "config")
        outputs.append(result)
        assert result.exception is None, repr(result.exception)
        assert result.exit_code == expect, result.stdout + result.stderr
        return result

    cli("validate", str(manifests))
    cli("validate", str(manifests), "--format", "json")
    cli("validate", str(broken), expect=1)
    cli("plan", str(broken), expect=1)
    for fmt in ("text", "json", "markdown"):
        cli("plan", str(manifests), "--format", fmt)
    cli("--debug", "plan", str(manifests), "--format", "json")
    cli("apply", str(manifests), "--auto-approve", "--format", "json")
    cli("--debug", "plan", str(manifests), "--rotate-secrets", "*", "--detailed-exitcode", expect=2)
    cli("--debug", "apply", str(manifests), "--auto-approve", "--rotate-secrets", "canary")

    manifest.write_text(_manifest("canary", secret, "Changed"), encoding="utf-8")
    saved = tmp_path / "plan.json"
    if how == "env":
        cli("plan", str(manifests), "--out", str(saved), "--rotate-secrets", "canary")
        cli("--debug", "apply", str(saved))
    else:  # a literal secret cannot be saved: refused, naming the place, not the value
        rotate = ("--rotate-secrets", "canary")
        refused = cli("plan", str(manifests), "--out", str(saved), *rotate, expect=1)
        assert not saved.exists()
        assert "literal secret" in refused.stderr
        cli("apply", str(manifests), "--auto-approve")
    cli("plan", str(manifests), "--detailed-exitcode")

    if "pull" in main.commands:  # written by another helper; covered as soon as it exists
        cli("pull", "--out", str(tmp_path / "pulled"))
        assert list((tmp_path / "pulled").rglob("*.yaml")), "pull wrote no manifest"

    row = sandbox.app.store.get_character("canary")
    assert row is not None and row.body["llm_api_key"] == canary  # the value really went out
    assert row.body["kb_query_api_key"] == canary
    assert canary in row.out  # and the server sends headers back in clear

    for result in outputs:
        assert canary not in result.stdout, result.stdout
        assert canary not in result.stderr, result.stderr
    assert canary not in json.dumps(sandbox.requests())
    assert log_file.read_text(encoding="utf-8")
    written = [
        p
        for p in tmp_path.rglob("*")
        if p.is_file()
        and not p.is_relative_to(manifests)
        and not p.is_relative_to(broken)
        and not p.name.startswith("sandbox-0.sqlite3")  # the server's own store holds secrets
    ]
    assert saved in written or how == "literal"
    for path in written:
        assert canary not in path.read_text(encoding="utf-8", errors="replace"), path
