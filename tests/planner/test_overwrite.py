"""--overwrite (PUT) keeps ignore_changes paths and shows what it resets beyond the diff."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import ServedSandbox
from tests.planner.test_replace import cli

MANIFEST = """
slug: a
name: A
greeting: g
language: {language}
allowed_origins: ["https://a.example/"]
widget_appearance: {{name: A}}
ignore_changes: [greeting, widget_appearance.name]
"""


def test_overwrite_keeps_ignored_paths_and_lists_server_field_resets(
    sandbox: ServedSandbox, tmp_path: Path
) -> None:
    manifest = tmp_path / "a.yaml"
    manifest.write_text(MANIFEST.format(language="en"))
    assert cli(sandbox, "apply", "--auto-approve", str(manifest)).exit_code == 0
    headers = sandbox.auth_headers()
    edit = {"greeting": "from the dashboard", "widget_appearance": {"name": "Dashboard name",
            "custom_css": ".x{}"}}  # fmt: skip
    url = sandbox.url + "/api/ai-characters/a/"
    httpx.patch(url, json=edit, headers=headers).raise_for_status()
    manifest.write_text(MANIFEST.format(language="en").replace("language: en\n", ""))

    shown = cli(sandbox, "plan", "--format", "json", "--overwrite", "a", str(manifest))
    assert shown.exit_code == 0, shown.output
    fields = {f["path"]: f for f in json.loads(shown.stdout)["changes"][0]["fields"]}
    assert fields["language"]["note"] == "reset by PUT"
    assert fields["widget_appearance.custom_css"]["note"] == "unmodelled"
    assert "greeting" not in fields and "widget_appearance.name" not in fields

    assert cli(sandbox, "apply", "--auto-approve", "--overwrite", "a", str(manifest)).exit_code == 0
    stored = httpx.get(url, headers=headers).json()
    assert stored["greeting"] == "from the dashboard"
    assert stored["widget_appearance"] == {"name": "Dashboard name"}
    assert not stored.get("language")
