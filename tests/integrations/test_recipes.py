"""The CI recipes in examples/ci/: GitHub workflows checked against the action's interface, and
the GitLab pipeline's jobs run for real (their `script:` lines in bash, with the job's
variables) against a served sandbox and a fake GitLab notes API. Only the install lines
(`before_script`) are skipped: the package under test is already installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import ServedSandbox
from tests.integrations.actionrun import load_action
from tests.integrations.fakeforge import TOKEN, serve
from tests.integrations.helpers import GREETER, OSHARACTL, ROOT, clean_env

GITHUB = sorted((ROOT / "examples/ci/github").glob("*.yml"))
GITLAB = ROOT / "examples/ci/gitlab/.gitlab-ci.yml"


def action_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("oshara/osharactl@")
    ]


def test_github_workflows_use_only_declared_inputs() -> None:
    assert {p.name for p in GITHUB} >= {"osharactl-pr.yml", "osharactl-apply.yml",
                                        "osharactl-drift.yml"}  # fmt: skip
    inputs = load_action()["inputs"]
    commands = set()
    for path in GITHUB:
        workflow = yaml.safe_load(path.read_text())
        for step in action_steps(workflow):
            given = step.get("with", {})
            assert set(given) <= set(inputs), (path.name, set(given) - set(inputs))
            assert given["command"] in {"validate", "plan", "apply", "drift"}
            commands.add(given["command"])
    assert commands == {"validate", "plan", "apply", "drift"}


def test_github_pr_workflow_comments_and_keeps_the_plan_for_apply() -> None:
    pr = yaml.safe_load((ROOT / "examples/ci/github/osharactl-pr.yml").read_text())
    apply = yaml.safe_load((ROOT / "examples/ci/github/osharactl-apply.yml").read_text())
    plan = next(s for s in action_steps(pr) if s["with"]["command"] == "plan")
    assert plan["with"]["comment"] == "true"
    assert pr["permissions"]["pull-requests"] == "write"
    upload = next(s for s in pr["jobs"]["plan"]["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == plan["with"]["plan-file"]
    applied = next(s for s in action_steps(apply) if s["with"]["command"] == "apply")
    assert applied["with"]["plan-file"] == plan["with"]["plan-file"]
    download = "\n".join(s.get("run", "") for s in apply["jobs"]["apply"]["steps"])
    assert f"--name {upload['with']['name']}" in download
    assert "osharactl-pr.yml" in download


def run_job(name: str, tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """One GitLab job: its variables (expanded by bash, like GitLab), then its script lines.
    ``OSHARACTL_SRC`` points at this checkout: the clone that ``before_script`` would make."""
    pipeline = yaml.safe_load(GITLAB.read_text())
    job = pipeline[name]
    variables = {**pipeline["variables"], **job.get("variables", {}), "OSHARACTL_SRC": str(ROOT)}
    exports = [f'export {k}="{v}"' for k, v in variables.items()]
    script = "\n".join(["set -eo pipefail", *exports, *job["script"]])
    path = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])  # image's python
    return subprocess.run(
        ["bash", "-c", script], env={**env, "PATH": path}, cwd=tmp_path / "project",
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_gitlab_pipeline_jobs_run_against_the_sandbox(
    tmp_path: Path, sandbox: ServedSandbox
) -> None:
    project = tmp_path / "project"
    (project / "characters").mkdir(parents=True)
    (project / "characters/greeter.yaml").write_text(GREETER)
    (project / "osharactl.yaml").write_text(
        f"manifests: [characters]\nenvironments:\n  production:\n    api_url: {sandbox.url}\n"
    )
    with sandbox.client() as client:
        plan_key = client.post("/api/auth/api-keys/", json={"name": "ci"}).json()["key"]
    with serve("gitlab") as forge:
        env = clean_env(
            tmp_path,
            CI_PROJECT_DIR=str(project),
            CI_JOB_URL="https://gitlab.example/acme/agents/-/jobs/1",
            CI_API_V4_URL=forge.url,
            CI_PROJECT_ID="42",
            CI_MERGE_REQUEST_IID="7",
            GITLAB_TOKEN=TOKEN,
            OSHARA_PLAN_API_KEY=plan_key,
            OSHARACTL=OSHARACTL,
        )
        env.pop("OSHARA_EMAIL")  # the recipe's own credentials only
        env.pop("OSHARA_PASSWORD")
        for job in ("validate", "plan:mr"):
            done = run_job(job, tmp_path, env)
            assert done.returncode == 0, (job, done.stdout, done.stderr)
        [note] = forge.comments
        assert note["body"].startswith("<!-- osharactl-plan -->") and "greeter" in note["body"]
        assert (project / "osharactl-plan.json").is_file()

        with sandbox.client() as client:  # a protected variable: set on main's pipelines only
            write_key = client.post("/api/auth/api-keys/", json={"name": "w"}).json()["key"]
        main_env = {**env, "OSHARA_API_KEY": write_key}
        done = run_job("plan:main", tmp_path, main_env)
        assert done.returncode == 0 and "greeter" in done.stdout, done.stderr
        done = run_job("apply", tmp_path, main_env)
        assert done.returncode == 0, done.stdout + done.stderr

        done = run_job("drift", tmp_path, env)
        assert done.returncode == 0, done.stdout + done.stderr
        httpx.patch(sandbox.url + "/api/ai-characters/greeter/", json={"name": "Dashboard"},
                    headers=sandbox.auth_headers()).raise_for_status()  # fmt: skip
        done = run_job("drift", tmp_path, env)
        assert done.returncode == 2
        assert "Drift detected" in done.stdout and '"Dashboard" → "Greeter"' in done.stdout
