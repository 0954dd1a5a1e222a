"""The README's commands stay true: its demo runs end to end, and CI runs its test command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_readme_starts_with_the_two_commands() -> None:
    first, second = bash_blocks()[:2]
    assert "pip install ." in first and "examples/demo.sh" in first
    assert "pip install -e '.[test]'" in second and "pytest" in second


def test_ci_runs_the_readme_test_command() -> None:
    test_command = bash_blocks()[1].strip().split("&&")[-1].strip()
    pytest_args = test_command.split("pytest", 1)[1].split()
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert any("pytest" in line and all(a in line for a in pytest_args) for line in ci.splitlines())


def test_demo_applies_the_examples_and_ends_with_an_empty_plan(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OSHARACTL": f"{sys.executable} -m osharactl",
        "OSHARACTL_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"),
        "NO_COLOR": "1",
    }
    for run in (1, 2):  # the second run finds nothing to do
        proc = subprocess.run(
            ["sh", str(ROOT / "examples/demo.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, (run, proc.stdout[-2000:], proc.stderr[-2000:])
        assert proc.stdout.rstrip().endswith("No changes. Live characters match the manifests.")
        assert "Traceback" not in proc.stderr
    assert "sk-demo-0000" not in proc.stdout + proc.stderr
