"""The GitHub Action's steps (scripts/osharactl-action.sh) run for real against a served sandbox:
the pull-request flow (validate, plan), apply of the reviewed plan, the drift check, and a
stale plan refused."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ServedSandbox
from tests.integrations.actionrun import load_action, run_step
from tests.integrations.fakeforge import TOKEN, serve
from tests.integrations.helpers import GREETER, OSHARACTL, ROOT, clean_env, outputs


def action(tmp_path: Path, sandbox: ServedSandbox, command: str, **inputs: str) -> tuple[
    int, str, dict[str, str], str
]:  # fmt: skip
    """Run action.yml's main step like a runner would; returns (exit, log, outputs, summary)."""
    github_output = tmp_path / "github_output"
    step_summary = tmp_path / "step_summary"
    github_output.write_text("")
    step_summary.write_text("")
    env = clean_env(
        tmp_path,
        OSHARACTL=OSHARACTL,
        GITHUB_OUTPUT=str(github_output),
        GITHUB_STEP_SUMMARY=str(step_summary),
        RUNNER_TEMP=str(tmp_path),
    )
    given = {
        "command": command,
        "api-url": sandbox.url,
        "paths": "characters",
        "working-directory": str(tmp_path / "repo"),
        **{k.replace("_", "-"): v for k, v in inputs.items()},
    }
    done = run_step("run", given, env, tmp_path)
    return (
        done.returncode,
        done.stdout + done.stderr,
        outputs(github_output.read_text()),
        step_summary.read_text(),
    )


def repo(tmp_path: Path, manifest: str = GREETER) -> Path:
    characters = tmp_path / "repo" / "characters"
    characters.mkdir(parents=True, exist_ok=True)
    (characters / "greeter.yaml").write_text(manifest)
    return tmp_path / "repo"


def test_pull_request_flow_then_apply_the_reviewed_plan(
    tmp_path: Path, sandbox: ServedSandbox
) -> None:
    repo(tmp_path)
    code, log, out, _ = action(tmp_path, sandbox, "validate")
    assert (code, out["exitcode"]) == (0, "0"), log

    code, log, out, summary = action(tmp_path, sandbox, "plan", plan_file="plan.json")
    assert code == 0, log  # changes are not a failure in a pull request
    assert out["exitcode"] == "2" and out["has-changes"] == "true"
    markdown = Path(out["plan-markdown"]).read_text()
    assert markdown.startswith("<!-- osharactl-plan -->")
    assert "greeter" in markdown and summary == markdown
    assert (tmp_path / "repo" / "plan.json").is_file()

    code, log, out, _ = action(tmp_path, sandbox, "apply", plan_file="plan.json")
    assert (code, out["exitcode"]) == (0, "0"), log
    with sandbox.client() as client:
        live = client.get("/api/ai-characters/").json()
    assert [c["slug"] for c in live] == ["greeter"]

    code, log, out, _ = action(tmp_path, sandbox, "drift")
    assert (code, out["has-changes"]) == (0, "false"), log
    assert "No drift" in log


def test_drift_check_fails_and_says_what_drifted(tmp_path: Path, sandbox: ServedSandbox) -> None:
    repo(tmp_path)
    code, log, _, _ = action(tmp_path, sandbox, "apply")  # re-plan and apply, no saved plan
    assert code == 0, log
    with sandbox.client() as client:
        response = client.patch(
            "/api/ai-characters/greeter/", json={"greeting": "Edited in the dashboard"}
        )
        response.raise_for_status()

    code, log, out, summary = action(tmp_path, sandbox, "drift")
    assert code == 2
    assert (out["exitcode"], out["has-changes"]) == ("2", "true")
    assert "Drift detected" in log
    assert "greeting" in log and "Edited in the dashboard" in log
    assert "greeting" in summary


def test_stale_reviewed_plan_is_refused(tmp_path: Path, sandbox: ServedSandbox) -> None:
    repo(tmp_path)
    action(tmp_path, sandbox, "apply")
    repo(tmp_path, GREETER.replace("Hello!", "Hi there!"))
    code, log, out, _ = action(tmp_path, sandbox, "plan", plan_file="plan.json")
    assert out["has-changes"] == "true", log
    with sandbox.client() as client:  # someone changes live state after the review
        client.patch("/api/ai-characters/greeter/", json={"name": "Renamed"}).raise_for_status()

    code, log, out, _ = action(tmp_path, sandbox, "apply", plan_file="plan.json")
    assert (code, out["exitcode"]) == (1, "1")
    assert "name" in log


def test_invalid_manifest_fails_validate_with_file_and_line(
    tmp_path: Path, sandbox: ServedSandbox
) -> None:
    repo(tmp_path, GREETER.replace("greeting:", "greting:"))
    code, log, out, _ = action(tmp_path, sandbox, "validate")
    assert (code, out["exitcode"]) == (1, "1")
    assert "greeter.yaml:4" in log and "greeting" in log  # the suggestion


def test_unknown_command_is_a_clear_error(tmp_path: Path, sandbox: ServedSandbox) -> None:
    repo(tmp_path)
    code, log, _, _ = action(tmp_path, sandbox, "destroy")
    assert code == 1
    assert "unknown command 'destroy'" in log


def test_every_output_is_written_by_the_script_and_inputs_reach_it() -> None:
    """The action's interface and its script agree: each declared output is emitted by the
    script, and each input but the install-only ones is passed to it as INPUT_*."""
    spec = load_action()
    script = (ROOT / "scripts/osharactl-action.sh").read_text()
    for name, output in spec["outputs"].items():
        assert output["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
        assert f"output {name} " in script, name
    run = next(s for s in spec["runs"]["steps"] if s.get("id") == "run")
    passed = {v.strip("${} ").removeprefix("inputs.") for v in run["env"].values()}
    assert set(spec["inputs"]) - passed == {"version", "python-version", "comment", "github-token"}
    for variable in run["env"]:
        assert variable in script, variable
    comment = next(s for s in spec["runs"]["steps"] if s.get("id") == "comment")
    assert comment["env"]["GITHUB_TOKEN"] == "${{ inputs.github-token }}"
    for step in spec["runs"]["steps"]:  # inputs only via env: no shell injection
        assert "${{" not in step.get("run", ""), step


def test_plan_comment_step_posts_then_updates_one_comment(
    tmp_path: Path, sandbox: ServedSandbox
) -> None:
    """The pull-request flow end to end: plan, comment; push a change, plan, same comment."""
    repo(tmp_path)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    with serve("github") as forge:
        env = clean_env(tmp_path, GITHUB_REPOSITORY="acme/agents", GITHUB_API_URL=forge.url,
                        GITHUB_EVENT_PATH=str(event))  # fmt: skip
        for greeting in ("Hello! How can I help?", "Hi, what can I do for you?"):
            repo(tmp_path, GREETER.replace("Hello! How can I help?", greeting))
            _, _, out, _ = action(tmp_path, sandbox, "plan", comment="true")
            given = {"command": "plan", "comment": "true", "github-token": TOKEN}
            done = run_step("comment", given, env, tmp_path, out)
            assert done.returncode == 0, done.stdout + done.stderr
    [comment] = forge.comments
    assert comment["body"] == Path(out["plan-markdown"]).read_text()
    assert "Hi, what can I do for you?" in comment["body"]
