"""Golden scenarios: live state + manifests → expected plan (text, JSON, markdown) → apply →
expected live state → plan again is empty (promise 3).

Each ``tests/scenarios/NNN-name/`` holds ``live/*.json`` (created through the API before
planning), ``manifests/`` and an optional ``scenario.yaml``::

    args: [--prune, --target, x]   # given to plan and apply
    replan_args: [...]             # for the final plan (default: args)
    env: {NAME: value}             # environment for every command
    secrets: [value, ...]          # must appear in no output (checked on every command)
    config: {...}                  # written as osharactl.yaml and passed with --config
    plan_exit: 2                   # plan --detailed-exitcode (0 no changes, 2 changes, 1 error)
    apply_exit: 0
    replan_exit: 0                 # 0 also asserts "No changes"
    stale_patch: {slug: {...}}     # plan --out, PATCH live, then apply the saved file
    rewrite_writes: {key: value}   # the server stores this instead of what was sent
    merged_reads: true             # the server answers with merged appearance and nulls

Expected files: ``plan.txt``, ``plan.json``, ``plan.md``, ``apply.txt`` (stdout, each only
when not empty), ``<that name>.err`` (stderr without progress lines, only when not empty) and
``after/<slug>.json`` (what the sandbox stores, without its read-only fields).
``OSHARACTL_UPDATE_GOLDEN=1`` rewrites them: review the diff by eye, they are the spec.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from osharactl.sandbox import SandboxConfig
from tests.reconciler.served import Api, CliResult, ShapedSandbox, run_cli

HERE = Path(__file__).parent
SCENARIOS = sorted(p for p in HERE.iterdir() if p.is_dir() and p.name[:3].isdigit())
UPDATE = os.environ.get("OSHARACTL_UPDATE_GOLDEN") == "1"
URL_PLACEHOLDER = "http://sandbox.test"
PROGRESS = re.compile(r"^\[\d+/\d+\] .*\n?", re.MULTILINE)


@dataclass(frozen=True)
class Scenario:
    args: list[str] = field(default_factory=list)
    replan_args: list[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    config: dict[str, Any] | None = None
    plan_exit: int = 2
    apply_exit: int = 0
    replan_exit: int = 0
    stale_patch: dict[str, dict[str, Any]] | None = None
    rewrite_writes: dict[str, Any] | None = None
    merged_reads: bool = False
    description: str = ""

    @classmethod
    def load(cls, directory: Path) -> Scenario:
        spec = directory / "scenario.yaml"
        data = yaml.safe_load(spec.read_text(encoding="utf-8")) if spec.exists() else None
        return cls(**(data or {}))


class Golden:
    """Compares (or with OSHARACTL_UPDATE_GOLDEN=1, writes) expected files of one scenario."""

    def __init__(self, directory: Path, url: str) -> None:
        self.directory = directory
        self.url = url
        self.mismatches: list[str] = []

    def normal(self, text: str) -> str:
        return text.replace(self.url, URL_PLACEHOLDER)

    def check(self, name: str, text: str, *, optional: bool = False) -> None:
        path = self.directory / name
        text = self.normal(text)
        if UPDATE:
            if text or not optional:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            else:
                path.unlink(missing_ok=True)
            return
        expected = path.read_text(encoding="utf-8") if path.exists() else ""
        if not path.exists() and not (optional and not text):
            self.mismatches.append(f"{name}: expected file missing")
        elif expected != text:
            self.mismatches.append(f"{name}: differs\n--- expected\n{expected}--- got\n{text}")

    def check_run(self, stem: str, result: CliResult) -> None:
        assert result.exception is None, f"{stem}: {result.exception!r}"
        self.check(stem, result.stdout, optional=True)
        self.check(f"{stem}.err", PROGRESS.sub("", result.stderr), optional=True)

    def check_after(self, stored: dict[str, dict[str, Any]]) -> None:
        after = self.directory / "after"
        if UPDATE:
            for old in after.glob("*.json"):
                old.unlink()
        found = {p.stem for p in after.glob("*.json")}
        if not UPDATE and found != set(stored):
            self.mismatches.append(f"after/: live holds {sorted(stored)}, expected {sorted(found)}")
        for slug, body in stored.items():
            text = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            self.check(f"after/{slug}.json", text)


@pytest.mark.parametrize("case", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = Scenario.load(case)
    served = ShapedSandbox(
        SandboxConfig(db_path=tmp_path / "sandbox.sqlite3"),
        rewrite_writes=spec.rewrite_writes,
        merged_reads=spec.merged_reads,
    )
    api = Api(served.url, served.app)
    try:
        for live in sorted((case / "live").glob("*.json")):
            api.create(json.loads(live.read_text(encoding="utf-8")))
        served.middleware.active = True
        monkeypatch.chdir(case)
        _run(case, spec, served, api, tmp_path)
    finally:
        api.close()
        served.stop()


def _run(case: Path, spec: Scenario, served: ShapedSandbox, api: Api, tmp_path: Path) -> None:
    golden = Golden(case, served.url)
    outputs: list[CliResult] = []
    global_args: list[str] = []
    if spec.config is not None:
        config_file = tmp_path / "osharactl.yaml"
        config_file.write_text(yaml.safe_dump(spec.config), encoding="utf-8")
        global_args = ["--config", str(config_file)]

    def cli(*args: str) -> CliResult:
        result = run_cli(
            served.url, [*global_args, *args], env=spec.env, config_dir=tmp_path / "config"
        )
        outputs.append(result)
        return result

    for fmt, name in (("text", "plan.txt"), ("json", "plan.json"), ("markdown", "plan.md")):
        result = cli("plan", "manifests", *spec.args, "--format", fmt, "--detailed-exitcode")
        golden.check_run(name, result)
        assert result.exit_code == spec.plan_exit, f"plan --format {fmt}: {result.stderr}"

    if spec.stale_patch:
        saved = tmp_path / "saved-plan.json"
        result = cli("plan", "manifests", *spec.args, "--out", str(saved))
        assert result.exit_code == 0, result.stderr
        outputs.append(CliResult(0, saved.read_text(encoding="utf-8"), "", None))
        for slug, body in spec.stale_patch.items():
            api.patch(slug, body)
        result = cli("apply", str(saved))
    else:
        result = cli("apply", "manifests", *spec.args, "--auto-approve")
    golden.check_run("apply.txt", result)
    assert result.exit_code == spec.apply_exit, f"apply: {result.stdout}{result.stderr}"
    golden.check_after(api.stored())

    replan = spec.replan_args if spec.replan_args is not None else spec.args
    result = cli("plan", "manifests", *replan, "--detailed-exitcode")
    assert result.exception is None
    assert result.exit_code == spec.replan_exit, f"plan after apply:\n{result.stdout}"
    if spec.replan_exit == 0:
        assert "No changes." in result.stdout

    for secret in spec.secrets:
        for out in outputs:
            assert secret not in out.stdout and secret not in out.stderr
    assert not golden.mismatches, "\n".join(golden.mismatches)
