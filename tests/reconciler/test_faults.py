"""Apply against a sandbox that answers 503, 429 with Retry-After, and drops connections before
and after processing: every run converges, nothing is created twice, nothing is lost.

Faults hit writes only and are capped at five per phase (``FaultConfig.limit``), so no single
request can exhaust the client's six attempts: the test is deterministic while every fault kind
still lands on real creates, updates and deletes. The seed fixes which kinds are drawn.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from osharactl.sandbox import FaultConfig
from tests.conftest import SandboxFactory, ServedSandbox
from tests.reconciler.served import Api, run_cli

COUNT = 32
FAULTS_PER_PHASE = 5
WRITES = frozenset({"POST", "PATCH", "DELETE"})


def _write_manifests(directory: Path, slugs: list[str], greeting: str) -> None:
    for old in directory.glob("*.yaml"):
        old.unlink()
    for slug in slugs:
        (directory / f"{slug}.yaml").write_text(
            f"slug: {slug}\nname: Agent {slug}\ngreeting: {greeting}\n"
            "allowed_origins: [https://www.example.com/]\n"
            "widget_appearance: {name: Fault test, theme: {primary_color: '#112233'}}\n",
            encoding="utf-8",
        )


def _faulty_phase(sandbox: ServedSandbox, seed: int) -> None:
    sandbox.clear_requests()
    sandbox.app.faults.reconfigure(
        FaultConfig(
            error_rate=0.08,
            rate_limit_rate=0.06,
            retry_after=1,
            drop_rate=0.08,
            drop_after_rate=0.08,
            seed=seed,
            limit=FAULTS_PER_PHASE,
            methods=WRITES,
        )
    )


def _apply(sandbox: ServedSandbox, manifests: Path, tmp_path: Path, *extra: str) -> None:
    result = run_cli(
        sandbox.url,
        ["apply", str(manifests), "--auto-approve", "--parallelism", "8", *extra],
        config_dir=tmp_path / "config",
    )
    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0, result.stdout + result.stderr
    sandbox.app.faults.reconfigure(FaultConfig())
    replan = run_cli(
        sandbox.url,
        ["plan", str(manifests), "--detailed-exitcode", *extra],
        config_dir=tmp_path / "config",
    )
    assert replan.exit_code == 0, replan.stdout
    assert "No changes." in replan.stdout


def _listed(sandbox: ServedSandbox) -> list[str]:
    api = Api(sandbox.url, sandbox.app)
    try:
        return [c["slug"] for c in api.listed()]
    finally:
        api.close()


def test_apply_converges_through_faults_without_duplicates(
    sandbox_server: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = sandbox_server()
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    slugs = [f"agent-{n:02d}" for n in range(COUNT)]
    kinds: Counter[str] = Counter()

    _write_manifests(manifests, slugs, "Hello")
    _faulty_phase(sandbox, seed=11)
    _apply(sandbox, manifests, tmp_path)
    log = sandbox.requests()
    created = [e for e in log if e["method"] == "POST" and e["status"] == 201]
    assert sorted(e["path"] for e in created) == ["/api/ai-characters/"] * COUNT
    assert sorted(_listed(sandbox)) == slugs
    writes = [e for e in log if e["method"] in WRITES]
    assert len(writes) > COUNT  # faulted attempts were retried
    kinds.update(e["fault"] for e in log if e["fault"])
    assert sum(1 for e in log if e["fault"]) == FAULTS_PER_PHASE

    _write_manifests(manifests, slugs, "Hello again")
    _faulty_phase(sandbox, seed=12)
    _apply(sandbox, manifests, tmp_path)
    log = sandbox.requests()
    patched = {e["path"] for e in log if e["method"] == "PATCH" and e["status"] == 200}
    assert patched == {f"/api/ai-characters/{s}/" for s in slugs}
    assert not any(e["method"] == "POST" and e["path"] == "/api/ai-characters/" for e in log)
    kinds.update(e["fault"] for e in log if e["fault"])

    kept = slugs[: COUNT // 2]
    _write_manifests(manifests, kept, "Hello again")
    _faulty_phase(sandbox, seed=13)
    _apply(sandbox, manifests, tmp_path, "--prune", "--max-deletes", str(COUNT))
    log = sandbox.requests()
    assert sorted(_listed(sandbox)) == kept
    deleted = {e["path"] for e in log if e["method"] == "DELETE" and e["status"] == 204}
    assert deleted == {f"/api/ai-characters/{s}/" for s in slugs[COUNT // 2 :]}
    kinds.update(e["fault"] for e in log if e["fault"])

    assert set(kinds) == {"error", "rate_limit", "drop", "drop_after"}, kinds
