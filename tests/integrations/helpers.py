"""Shared pieces for the integration tests: a clean environment for subprocesses, the
installed ``osharactl`` executable, and a small manifest set with no secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from osharactl.sandbox import DEFAULT_EMAIL, DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
OSHARACTL = str(Path(sys.executable).parent / "osharactl")

GREETER = """\
slug: greeter
name: Greeter
system_prompt: Greet callers and tell them our opening hours.
greeting: Hello! How can I help?
allowed_origins: [https://www.example.com/]
"""


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The process environment minus anything that selects an API, an account or a CI
    platform, so a test sees only what it sets (and never a developer's real credentials)."""
    dropped = ("OSHARA", "GITHUB_", "GITLAB_", "CI_", "RUNNER_", "INPUT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        HOME=str(tmp_path / "home"),
        NO_COLOR="1",
        OSHARA_EMAIL=DEFAULT_EMAIL,
        OSHARA_PASSWORD=DEFAULT_PASSWORD,
        OSHARACTL_SANDBOX_DB=str(tmp_path / "inproc-sandbox.sqlite3"),
    )
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, input=stdin, timeout=120
    )


def outputs(text: str) -> dict[str, str]:
    """``name=value`` lines of a GITHUB_OUTPUT file."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
