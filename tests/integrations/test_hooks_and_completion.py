"""The pre-commit hook run the way pre-commit runs it (entry + args, no file names), and shell
completion scripts for bash, zsh and fish."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integrations.helpers import GREETER, OSHARACTL, ROOT, clean_env, run


def hook() -> dict[str, Any]:
    [spec] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(spec, dict)
    return spec


def run_hook(tmp_path: Path, manifest: str) -> tuple[int, str]:
    project = tmp_path / "project"
    (project / "characters").mkdir(parents=True, exist_ok=True)
    (project / "osharactl.yaml").write_text("manifests: [characters]\n")
    (project / "characters/greeter.yaml").write_text(manifest)
    spec = hook()
    command = shlex.split(spec["entry"]) + [str(a) for a in spec.get("args", [])]
    assert command[0] == "osharactl"
    done = run([OSHARACTL, *command[1:]], clean_env(tmp_path), project)
    return done.returncode, done.stdout + done.stderr


def test_hook_definition() -> None:
    spec = hook()
    assert spec["id"] == "osharactl-validate"
    assert spec["language"] == "python"  # installs this repository's package
    assert spec["pass_filenames"] is False  # shared definitions span files


def test_hook_passes_valid_manifests(tmp_path: Path) -> None:
    assert run_hook(tmp_path, GREETER) == (0, "1 character(s) valid\n")


def test_hook_fails_on_an_invalid_manifest(tmp_path: Path) -> None:
    code, log = run_hook(tmp_path, GREETER.replace("slug: greeter", "slug: greeter!"))
    assert code == 1
    assert "characters/greeter.yaml:1" in log and "slug" in log


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o nosort -F"), ("zsh", "compdef"), ("fish", "complete --no-files")],
)
def test_completion_scripts(tmp_path: Path, shell: str, marker: str) -> None:
    env = clean_env(tmp_path, _OSHARACTL_COMPLETE=f"{shell}_source")
    done = run([OSHARACTL], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout and "_OSHARACTL_COMPLETE" in done.stdout


def test_completion_completes_commands_and_flags(tmp_path: Path) -> None:
    env = clean_env(
        tmp_path, _OSHARACTL_COMPLETE="bash_complete", COMP_WORDS="osharactl pl", COMP_CWORD="1"
    )
    assert "plain,plan" in run([OSHARACTL], env, tmp_path).stdout
    env.update(COMP_WORDS="osharactl plan --detailed", COMP_CWORD="2")
    assert "plain,--detailed-exitcode" in run([OSHARACTL], env, tmp_path).stdout
