"""``replaces: OLD``: a rename is create-then-delete, ordered, capped, never of a protected slug."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from osharactl.cli import main
from osharactl.errors import ManifestError
from osharactl.manifests import load_manifests
from tests.conftest import ServedSandbox

OLD = {"slug": "support-bot", "name": "Support", "allowed_origins": ["https://acme.example/"]}
REFERRER = {
    "slug": "sales",
    "name": "Sales",
    "allowed_origins": ["https://acme.example/"],
    "handoff_targets": [{"slug": "support-bot"}],
}
RENAMED = """
slug: support-agent
replaces: support-bot
name: Support
allowed_origins: ["https://acme.example/"]
---
slug: sales
name: Sales
allowed_origins: ["https://acme.example/"]
handoff_targets: [{slug: support-agent}]
"""


def cli(sandbox: ServedSandbox, *args: str) -> Result:
    env = {
        "OSHARA_API_URL": sandbox.url,
        "OSHARA_EMAIL": "sandbox@example.com",
        "OSHARA_PASSWORD": "sandbox",
        "OSHARA_TOKEN": "",
        "OSHARA_API_KEY": "",
    }
    return CliRunner().invoke(main, ["--no-color", *args], env=env, catch_exceptions=False)


def live_slugs(sandbox: ServedSandbox) -> list[str]:
    response = httpx.get(sandbox.url + "/api/ai-characters/", headers=sandbox.auth_headers())
    return sorted(c["slug"] for c in response.json())


@pytest.fixture
def seeded(sandbox: ServedSandbox, tmp_path: Path) -> Path:
    headers = sandbox.auth_headers()
    for body in (OLD, REFERRER):
        httpx.post(
            sandbox.url + "/api/ai-characters/", json=body, headers=headers
        ).raise_for_status()
    manifest = tmp_path / "chars.yaml"
    manifest.write_text(RENAMED, encoding="utf-8")
    return manifest


def test_plan_shows_a_destructive_replace(sandbox: ServedSandbox, seeded: Path) -> None:
    result = cli(sandbox, "plan", "--format", "json", str(seeded))
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["summary"] == {"create": 0, "update": 1, "delete": 0, "replace": 1}
    replace = next(c for c in plan["changes"] if c["action"] == "replace")
    assert replace["slug"] == "support-agent"
    assert replace["replaces"] == "support-bot"
    assert replace["destructive"] is True
    assert plan["unmanaged"] == []
    text = cli(sandbox, "plan", str(seeded)).stdout
    assert "-/+ replace support-agent (replaces support-bot)" in text


def test_apply_creates_updates_referrers_then_deletes(sandbox: ServedSandbox, seeded: Path) -> None:
    sandbox.clear_requests()
    result = cli(sandbox, "apply", "--auto-approve", "--parallelism", "4", str(seeded))
    assert result.exit_code == 0, result.output
    assert live_slugs(sandbox) == ["sales", "support-agent"]
    writes = [
        (r["method"], r["path"])
        for r in sandbox.requests()
        if r["method"] in ("POST", "PATCH", "DELETE") and "ai-characters" in r["path"]
    ]
    order = [w[0] for w in writes]
    assert order.index("DELETE") > order.index("POST")
    assert order.index("DELETE") > order.index("PATCH"), "reference removed before the delete"
    again = cli(sandbox, "plan", "--detailed-exitcode", str(seeded))
    assert again.exit_code == 0, again.output


def test_replace_counts_against_the_delete_cap(sandbox: ServedSandbox, seeded: Path) -> None:
    result = cli(sandbox, "plan", "--max-deletes", "0", str(seeded))
    assert result.exit_code == 1
    assert "this run would delete 1 characters" in result.stderr
    assert live_slugs(sandbox) == ["sales", "support-bot"]


def test_protected_slug_is_never_replaced(
    sandbox: ServedSandbox, seeded: Path, tmp_path: Path
) -> None:
    config = tmp_path / "osharactl.yaml"
    config.write_text("prune: {protected: [support-*]}\n", encoding="utf-8")
    result = cli(sandbox, "--config", str(config), "plan", str(seeded))
    assert result.exit_code == 1
    assert "protected" in result.stderr


def test_replace_is_ignored_once_the_old_slug_is_gone(sandbox: ServedSandbox, seeded: Path) -> None:
    assert cli(sandbox, "apply", "--auto-approve", str(seeded)).exit_code == 0
    result = cli(sandbox, "plan", "--detailed-exitcode", str(seeded))
    assert result.exit_code == 0
    assert "No changes" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("slug: a\nname: A\nreplaces: a\n", "cannot replace itself"),
        ("slug: a\nname: A\nreplaces: b\n---\nslug: b\nname: B\n", "still declared"),
        ("slug: a\nname: A\nreplaces: c\n---\nslug: b\nname: B\nreplaces: c\n", "already replaced"),
        ("slug: a\nname: A\nreplaces: [c]\n", "must be the old slug"),
    ],
)
def test_replaces_is_checked(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        load_manifests([str(path)], resolve_env=False)
    assert any(message in d.message for d in caught.value.diagnostics), caught.value.diagnostics


def test_a_valid_replaces_reaches_the_planner(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("slug: a\nname: A\nreplaces: old-a\n", encoding="utf-8")
    loaded = load_manifests([str(path)], resolve_env=False)
    assert loaded.characters["a"].replaces == "old-a"
    assert "replaces" not in loaded.characters["a"].declared
