"""The generated manifest reference: current, complete, and its staleness check really fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from osharactl import docs_reference
from osharactl.models import Character
from osharactl.models.meta import walk

ROOT = Path(__file__).resolve().parents[2]


def test_committed_reference_is_current() -> None:
    committed = (ROOT / "docs/reference.md").read_text(encoding="utf-8")
    assert committed == docs_reference.render(ROOT / "examples/characters"), (
        "docs/reference.md is stale: run `python -m osharactl.docs_reference`"
    )


def test_every_model_field_is_listed() -> None:
    text = docs_reference.render(ROOT / "examples/characters")
    for path, _info in walk(Character):
        assert f"| `{path[-1]}` |" in text, path


def test_secret_fields_are_marked_and_examples_are_references() -> None:
    text = docs_reference.render(ROOT / "examples/characters")
    row = next(line for line in text.splitlines() if line.startswith("| `llm_api_key` |"))
    assert "**secret**" in row
    assert "${env:" in row


def test_check_mode_fails_on_a_stale_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "examples/characters", tmp_path / "examples/characters")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/reference.md").write_text("# old\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert docs_reference.main(["--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert docs_reference.main([]) == 0
    assert docs_reference.main(["--check"]) == 0
