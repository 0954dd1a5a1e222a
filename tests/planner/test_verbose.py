"""``-v`` reports what plan read and how many requests it took (one list call, promise 7)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.conftest import ServedSandbox
from tests.planner.test_replace import cli


def test_verbose_plan_reports_sizes_and_requests(sandbox: ServedSandbox, tmp_path: Path) -> None:
    headers = sandbox.auth_headers()
    for i in range(3):
        body = {"slug": f"c{i}", "name": f"C{i}", "allowed_origins": ["https://a.example/"]}
        httpx.post(sandbox.url + "/api/ai-characters/", json=body, headers=headers)
    manifest = tmp_path / "m.yaml"
    manifest.write_text('slug: c0\nname: C0\nallowed_origins: ["https://a.example/"]\n')
    result = cli(sandbox, "-v", "plan", str(manifest))
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stderr.splitlines() if "character(s) in the manifests" in x)
    assert re.search(r"^1 character\(s\) in the manifests .*; 3 live, read with 2 request", line)
    quiet = cli(sandbox, "plan", str(manifest))
    assert "character(s) in the manifests" not in quiet.stderr
