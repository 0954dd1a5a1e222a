"""plan/apply through the real CLI: exit codes of the contract, confirmation without a terminal,
saved plans applied as reviewed (or refused when stale), and request order on the wire."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ServedSandbox
from tests.reconciler.served import Api, CliResult, run_cli


def _cli(sandbox: ServedSandbox, tmp_path: Path, *args: str, **env: str) -> CliResult:
    result = run_cli(sandbox.url, list(args), env=env, config_dir=tmp_path / "config")
    assert result.exception is None, repr(result.exception)
    assert "Traceback" not in result.stderr
    return result


def _character_writes(sandbox: ServedSandbox) -> list[dict[str, object]]:
    return [
        e
        for e in sandbox.requests()
        if e["method"] != "GET" and str(e["path"]).startswith("/api/ai-characters/")
    ]


def _manifests(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "manifests"
    directory.mkdir(exist_ok=True)
    (directory / "m.yaml").write_text(text, encoding="utf-8")
    return directory


def test_exit_codes(sandbox: ServedSandbox, tmp_path: Path) -> None:
    broken = _manifests(tmp_path, "slug: x\nname: X\ngreting: hi\n")
    for command in ("validate", "plan"):
        result = _cli(sandbox, tmp_path, command, str(broken))
        assert result.exit_code == 1
        assert "m.yaml:3:1" in result.stderr and "greeting" in result.stderr

    unset = _manifests(tmp_path, "slug: x\nname: X\nllm_api_key: ${env:NOT_SET_ANYWHERE}\n")
    result = _cli(sandbox, tmp_path, "plan", str(unset))
    assert result.exit_code == 1
    assert "NOT_SET_ANYWHERE" in result.stderr and "m.yaml:3" in result.stderr

    good = _manifests(tmp_path, "slug: x\nname: X\nallowed_origins: [https://a.example/]\n")
    assert _cli(sandbox, tmp_path, "plan", str(good), "--detailed-exitcode").exit_code == 2
    assert _cli(sandbox, tmp_path, "plan", str(good)).exit_code == 0
    assert _cli(sandbox, tmp_path, "apply", str(good), "--auto-approve").exit_code == 0
    assert _cli(sandbox, tmp_path, "plan", str(good), "--detailed-exitcode").exit_code == 0


def test_apply_without_terminal_refuses_and_changes_nothing(
    sandbox: ServedSandbox, tmp_path: Path
) -> None:
    manifests = _manifests(tmp_path, "slug: x\nname: X\n")
    result = _cli(sandbox, tmp_path, "apply", str(manifests))
    assert result.exit_code == 1
    assert "no terminal" in result.stderr and "--auto-approve" in result.stderr
    assert _character_writes(sandbox) == []


def test_saved_plan_applies_as_reviewed_without_prompting(
    sandbox: ServedSandbox, tmp_path: Path
) -> None:
    manifests = _manifests(tmp_path, "slug: x\nname: X\n---\nslug: y\nname: Y\n")
    saved = tmp_path / "plan.json"
    assert _cli(sandbox, tmp_path, "plan", str(manifests), "--out", str(saved)).exit_code == 0
    (manifests / "m.yaml").write_text("slug: z\nname: Z\n", encoding="utf-8")  # not reviewed
    result = _cli(sandbox, tmp_path, "apply", str(saved))  # no terminal, no --auto-approve
    assert result.exit_code == 0, result.stdout + result.stderr
    api = Api(sandbox.url, sandbox.app)
    try:
        assert sorted(c["slug"] for c in api.listed()) == ["x", "y"]
    finally:
        api.close()


def test_saved_plan_refused_when_a_create_now_exists(
    sandbox: ServedSandbox, tmp_path: Path
) -> None:
    manifests = _manifests(tmp_path, "slug: x\nname: X\n")
    saved = tmp_path / "plan.json"
    assert _cli(sandbox, tmp_path, "plan", str(manifests), "--out", str(saved)).exit_code == 0
    api = Api(sandbox.url, sandbox.app)
    try:
        api.create({"slug": "x", "name": "Made elsewhere"})
        result = _cli(sandbox, tmp_path, "apply", str(saved))
        assert result.exit_code == 1
        assert "stale" in result.stderr and "x: was absent, now exists live" in result.stderr
        assert [c["name"] for c in api.listed()] == ["Made elsewhere"]
    finally:
        api.close()


def test_requests_go_out_in_dependency_order(sandbox: ServedSandbox, tmp_path: Path) -> None:
    api = Api(sandbox.url, sandbox.app)
    try:
        api.create({"slug": "front", "name": "F", "handoff_targets": [{"slug": "legacy"}]})
        api.create({"slug": "legacy", "name": "L"})
    finally:
        api.close()
    manifests = _manifests(
        tmp_path,
        "slug: front\nname: F\n---\n"
        "slug: ring-a\nname: A\nhandoff_targets: [{slug: ring-b}]\n---\n"
        "slug: ring-b\nname: B\nhandoff_targets: [{slug: ring-a}]\n",
    )
    sandbox.clear_requests()
    result = _cli(
        sandbox,
        tmp_path,
        "apply",
        str(manifests),
        "--auto-approve",
        "--prune",
        "--parallelism",
        "8",
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    writes = [(e["method"], e["path"]) for e in _character_writes(sandbox)]
    base = "/api/ai-characters/"
    assert writes.index(("PATCH", base + "front/")) < writes.index(("DELETE", base + "legacy/"))
    posts = [i for i, w in enumerate(writes) if w == ("POST", base)]
    ring_patches = [writes.index(("PATCH", f"{base}ring-{s}/")) for s in "ab"]
    assert len(posts) == 2 and max(posts) < min(ring_patches)
