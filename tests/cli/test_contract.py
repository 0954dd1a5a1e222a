"""Exit codes and failure modes of the command line itself (DESIGN.md's contract)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from osharactl import cli
from osharactl.errors import ExitCode
from tests.conftest import ServedSandbox
from tests.planner.test_replace import cli as served_cli


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osharactl", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--sandbox", "plan", "--detailed-exitcode", "--bogus"),
        ("nosuchcommand",),
        ("--sandbox", "plan", "--format", "yaml"),
    ],
)
def test_command_line_mistakes_exit_1_not_2(args: tuple[str, ...]) -> None:
    proc = run(*args)
    assert proc.returncode == ExitCode.ERROR, proc.stderr
    assert "Error:" in proc.stderr and "Traceback" not in proc.stderr


def test_a_bug_exits_3_naming_where_but_not_the_message() -> None:
    def buggy() -> int:
        raise ValueError("value-that-must-not-be-printed")

    with pytest.raises(SystemExit) as caught:
        cli.run(buggy)
    assert caught.value.code == ExitCode.INTERNAL


def test_bug_message_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    def buggy() -> int:
        return {"no": 1}["such key"]

    with pytest.raises(SystemExit):
        cli.run(buggy)
    err = capsys.readouterr().err
    assert "internal error (a bug in osharactl): KeyError at test_contract.py:" in err
    assert "such key" not in err


def test_unwritable_schema_and_plan_outputs_are_clean_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run("schema", "--out", str(blocker / "sub"))
    assert proc.returncode == 1 and "cannot write the schemas" in proc.stderr, proc.stderr
    manifest = tmp_path / "m.yaml"
    manifest.write_text('slug: a\nname: A\nallowed_origins: ["https://a.example/"]\n')
    env_db = tmp_path / "db.sqlite3"
    proc = subprocess.run(
        [sys.executable, "-m", "osharactl", "--sandbox", "plan", "--out", str(blocker / "p.json"),
         str(manifest)],
        capture_output=True, text=True, timeout=60, check=False,
        env={"OSHARACTL_SANDBOX_DB": str(env_db), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 1 and "cannot write the plan" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_broken_plan_file_is_refused_cleanly(sandbox: ServedSandbox, tmp_path: Path) -> None:
    broken = tmp_path / "plan.json"
    broken.write_text(json.dumps({"kind": "osharactl-plan", "format_version": "1",
                                  "api_url": sandbox.url, "env": None}))  # fmt: skip
    result = served_cli(sandbox, "apply", str(broken))
    assert result.exit_code == 1
    assert "is not a valid osharactl plan file" in result.stderr


def test_saved_plan_refuses_plan_shaping_flags(sandbox: ServedSandbox, tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text('slug: a\nname: A\nallowed_origins: ["https://a.example/"]\n---\n'
                        'slug: b\nname: B\nallowed_origins: ["https://a.example/"]\n')  # fmt: skip
    saved = tmp_path / "plan.json"
    assert served_cli(sandbox, "plan", "--out", str(saved), str(manifest)).exit_code == 0
    result = served_cli(sandbox, "apply", "--target", "a", str(saved))
    assert result.exit_code == 1
    assert "--target cannot be combined with a saved plan" in result.stderr
    assert served_cli(sandbox, "apply", str(saved)).exit_code == 0


def test_apply_json_is_the_plan_contract_plus_the_outcome(
    sandbox: ServedSandbox, tmp_path: Path
) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text('slug: a\nname: A\nallowed_origins: ["https://a.example/"]\n')
    result = served_cli(sandbox, "apply", "--auto-approve", "--format", "json", str(manifest))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["format_version"] == "1"
    assert document["summary"] == {"create": 1, "update": 0, "delete": 0, "replace": 0}
    assert [c["slug"] for c in document["changes"]] == ["a"]
    assert document["unmanaged"] == []
    assert document["apply_summary"] == {"done": 1, "failed": 0, "skipped": 0}
    assert document["results"][0]["status"] == "done"
    assert document["did_not_converge"] == [] and document["interrupted"] is False
