"""Re-pull into manifests that already exist: edit in place, keep what still matches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ServedSandbox
from tests.pull.support import (
    EXAMPLE_SECRETS,
    all_text,
    api_create,
    api_delete,
    api_get,
    api_patch,
    apply_examples,
    cli,
)


@pytest.fixture
def project(sandbox: ServedSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the examples project, applied to the sandbox."""
    root = tmp_path / "project"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples", root)
    apply_examples(sandbox, tmp_path, root)
    monkeypatch.chdir(root)
    return root


def _pull(sandbox: ServedSandbox, tmp_path: Path, *args: str, **env: str) -> Result:
    return cli(sandbox, tmp_path, "--config", "osharactl.yaml", "pull", *args,
               **{**EXAMPLE_SECRETS, **env})  # fmt: skip


def test_repull_without_live_changes_leaves_every_file_byte_identical(
    sandbox: ServedSandbox, tmp_path: Path, project: Path
) -> None:
    before = {p: p.read_bytes() for p in (project / "characters").iterdir()}
    result = _pull(sandbox, tmp_path)
    assert result.exit_code == 0, result.output
    for path, data in before.items():
        assert path.read_bytes() == data, path
    assert "unchanged" in result.stdout and "billing-agent.yaml" in result.stdout  # new: created


def test_repull_without_the_secrets_set_keeps_every_reference(
    sandbox: ServedSandbox, tmp_path: Path, project: Path
) -> None:
    before = {p: p.read_bytes() for p in (project / "characters").iterdir()}
    result = cli(sandbox, tmp_path, "--config", "osharactl.yaml", "pull")
    assert result.exit_code == 0, result.output
    assert all(path.read_bytes() == data for path, data in before.items())  # none was set


def test_repull_updates_only_what_changed_and_plan_is_empty(
    sandbox: ServedSandbox, tmp_path: Path, project: Path
) -> None:
    sales = api_get(sandbox, "sales-agent")
    wa = sales["widget_appearance"]
    wa["theme"]["accent_color"] = "#000000"
    wa["labels"]["call_ended"] = "Bye"
    api_patch(sandbox, "sales-agent", {"greeting": "Hello ${x}", "allowed_origins": [],
                                       "widget_appearance": wa})  # fmt: skip
    support = api_get(sandbox, "support-agent")
    support["tools"][0]["config"]["headers"]["X-Oshara-Secret"] = "rotated-CANARY-11"
    support["tools"][1]["description"] = "Search manuals."
    api_patch(sandbox, "support-agent", {"tools": support["tools"]})
    receptionist = (project / "characters" / "receptionist.yaml").read_bytes()

    result = _pull(sandbox, tmp_path)
    assert result.exit_code == 0, result.output
    assert "plan would still show changes" not in result.output
    sales_text = (project / "characters" / "sales-agent.yaml").read_text()
    assert "greeting: Hello $${x}\n" in sales_text
    assert "allowed_origins: []" in sales_text  # explicit: the shared default would win
    assert "  theme:\n    accent_color: '#000000'\n" in sales_text  # just the changed leaf
    assert "terms_url: ${var:site}legal/terms" in sales_text  # matching reference kept
    assert "- use: book-demo" in sales_text  # reused form kept
    assert "# marketing edits this in the dashboard" in sales_text  # comments kept
    support_text = (project / "characters" / "support-agent.yaml").read_text()
    assert "X-Oshara-Secret: ${env:ACME_TICKET_TOKEN}" in support_text  # name reused
    assert "- use: ticket_lookup" not in support_text
    assert (
        "- ${var:site}" in support_text and "kb_query_api_key: ${env:ACME_KB_KEY}" in support_text
    )
    assert (project / "characters" / "receptionist.yaml").read_bytes() == receptionist
    assert "ACME_TICKET_TOKEN" in result.stderr and "update it" in result.stderr
    assert "rotated-CANARY-11" not in all_text(project, result)
    plan = cli(sandbox, tmp_path, "--config", "osharactl.yaml", "plan", "--detailed-exitcode",
               **{**EXAMPLE_SECRETS, "ACME_TICKET_TOKEN": "rotated-CANARY-11"})  # fmt: skip
    assert plan.exit_code == 0, plan.output


def test_repull_edits_only_the_right_document_and_reports_characters_gone(
    sandbox: ServedSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for slug in ("one", "two", "gone"):
        api_create(sandbox, {"slug": slug, "name": slug.title()})
    out = tmp_path / "m"
    out.mkdir()
    two_doc = "# first\nslug: one\nname: One   # keep me\n---\n# second\nslug: two\nname: Two\n"
    (out / "both.yaml").write_text(two_doc)
    (out / "gone.yaml").write_text("slug: gone\nname: Gone\n")
    api_patch(sandbox, "two", {"greeting": "Hi"})
    api_delete(sandbox, "gone")
    monkeypatch.chdir(tmp_path)
    result = cli(sandbox, tmp_path, "pull", "--out", "m")
    assert result.exit_code == 0, result.output
    assert (out / "both.yaml").read_text() == two_doc.replace(
        "name: Two\n", "name: Two\ngreeting: Hi\n"
    )
    assert (out / "gone.yaml").exists()
    assert "not live  m/gone.yaml (gone): left as is" in result.stdout
    assert "two: greeting" in result.stdout


def test_target_limits_the_pull_and_unknown_targets_fail(
    sandbox: ServedSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_create(sandbox, {"slug": "a", "name": "A", "handoff_targets": []})
    api_create(sandbox, {"slug": "b", "name": "B", "handoff_targets": [{"slug": "a"}]})
    monkeypatch.chdir(tmp_path)
    result = cli(sandbox, tmp_path, "pull", "--out", "o", "--target", "b")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["b.yaml"]
    assert "must_exist_live: true" in (tmp_path / "o" / "b.yaml").read_text()
    bad = cli(sandbox, tmp_path, "pull", "--out", "o", "--target", "nope")
    assert bad.exit_code == 1
    assert "Error: --target names no live character: nope" in bad.output


def test_errors_are_clean_messages_with_exit_1(
    sandbox: ServedSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    result = cli(sandbox, tmp_path, "pull", "--out", "afile/sub")
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot create the output directory afile/sub")
    denied = cli(sandbox, tmp_path, "pull", "--out", "o", OSHARA_PASSWORD="wrong-CANARY")
    assert denied.exit_code == 1 and "Traceback" not in denied.output
    assert "wrong-CANARY" not in denied.output
