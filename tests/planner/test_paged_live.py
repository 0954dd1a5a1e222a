"""Live state read page by page: the plan is the same, and only what may change is kept."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from osharactl import live
from osharactl.client import open_client
from osharactl.config import Settings
from osharactl.live import read_live_changed
from tests.conftest import ServedSandbox
from tests.planner.test_replace import cli


def seed(sandbox: ServedSandbox, count: int) -> None:
    headers = sandbox.auth_headers()
    for i in range(count):
        body = {"slug": f"c{i}", "name": f"C{i}", "allowed_origins": ["https://a.example/"]}
        httpx.post(sandbox.url + "/api/ai-characters/", json=body, headers=headers)


def test_plan_over_pages_matches_and_counts_every_page(
    sandbox: ServedSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "PAGE_SIZE", 2)
    seed(sandbox, 5)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "".join(
            f"---\nslug: c{i}\nname: {'Renamed' if i == 1 else f'C{i}'}\n"
            'allowed_origins: ["https://a.example/"]\n'
            for i in range(3)
        )
    )
    sandbox.clear_requests()
    result = cli(sandbox, "-v", "plan", "--format", "json", str(manifest))
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert [(c["slug"], c["action"]) for c in plan["changes"]] == [("c1", "update")]
    assert plan["unmanaged"] == ["c3", "c4"]
    pages = [r for r in sandbox.requests() if r["method"] == "GET"]
    assert len(pages) == 3  # 5 characters, 2 a page
    assert "5 live, read with 4 request(s)" in result.stderr  # login + 3 pages


def test_only_characters_that_may_change_are_kept(
    sandbox: ServedSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "PAGE_SIZE", 2)
    seed(sandbox, 5)
    env = {"OSHARA_EMAIL": "sandbox@example.com", "OSHARA_PASSWORD": "sandbox"}
    with open_client(Settings(api_url=sandbox.url), environ=env) as client:
        state = read_live_changed(client, lambda slug, _item: slug in {"c0", "c2"})
    assert state.unchanged == frozenset({"c0", "c2"})
    assert sorted(state.characters) == ["c1", "c3", "c4"]
    assert state.count == 5
