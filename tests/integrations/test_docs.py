"""docs/getting-started.md is followed literally: its files are written, its console commands
run in a fresh directory with no credentials, and every output line it shows must appear.
Blocks after a ``<!-- not-tested: why -->`` comment are skipped (network installs, real
accounts). The other docs are checked for dead relative links."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integrations.helpers import ROOT, clean_env

FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
MARKER = re.compile(r"<!--\s*(file|not-tested):?\s*(.*?)\s*-->")


@dataclass
class Block:
    language: str
    lines: list[str] = field(default_factory=list)
    file: str | None = None
    tested: bool = True


def blocks(markdown: str) -> list[Block]:
    found: list[Block] = []
    marker: tuple[str, str] | None = None
    current: Block | None = None
    indent = ""
    for line in markdown.splitlines():
        fence = FENCE.match(line)
        if current is not None:
            if fence and fence.group(1) == indent and not fence.group(2):
                found.append(current)
                current = None
            else:
                current.lines.append(line.removeprefix(indent))
            continue
        if fence:
            indent = fence.group(1)
            current = Block(fence.group(2))
            if marker:
                kind, value = marker
                current.file = value if kind == "file" else None
                current.tested = kind != "not-tested"
            marker = None
        elif (m := MARKER.search(line)) is not None:
            marker = (m.group(1), m.group(2))
        elif line.strip():
            marker = None
    return found


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` pairs from a console block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in block.lines:
        if line.startswith("$ "):
            pairs.append((line[2:].split("  #")[0].strip(), []))
        elif line.strip():
            pairs[-1][1].append(line.strip())
    return pairs


def test_getting_started_works_as_written(tmp_path: Path) -> None:
    project = tmp_path / "my-agents"
    project.mkdir()
    env = clean_env(tmp_path)
    for name in ("OSHARA_EMAIL", "OSHARA_PASSWORD", "OSHARACTL_SANDBOX_DB"):
        env.pop(name)  # a new user has none of these
    env["PATH"] = str(Path(sys.executable).parent) + ":" + env["PATH"]  # the installed package
    ran = 0
    for block in blocks((ROOT / "docs/getting-started.md").read_text(encoding="utf-8")):
        if not block.tested:
            continue
        if block.file:
            (project / block.file).parent.mkdir(parents=True, exist_ok=True)
            (project / block.file).write_text("\n".join(block.lines) + "\n")
            continue
        if block.language != "console":
            continue
        for command, expected in commands(block):
            done = subprocess.run(["bash", "-c", command], cwd=project, env=env,
                                  capture_output=True, text=True, timeout=60)  # fmt: skip
            output = done.stdout + done.stderr
            assert done.returncode == 0, (command, output)
            actual = [line.strip() for line in output.splitlines()]
            for want in expected:
                assert any(want in line for line in actual), (command, want, output)
            ran += 1
    assert ran >= 9  # the tour really ran, not an empty parse


DOCS = sorted((ROOT / "docs").glob("*.md"))


@pytest.mark.parametrize("doc", [d for d in DOCS if d.name in {
    "getting-started.md", "ci.md", "troubleshooting.md", "completion.md", "reference.md"}],
    ids=lambda d: d.name)  # fmt: skip
def test_relative_links_resolve(doc: Path) -> None:
    """Every relative link resolves. The pages in ``WRITTEN_ELSEWHERE`` are written in parallel
    by other work; until one exists, links to it are reported as a skip, not hidden."""
    pending = []
    for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
        if (doc.parent / target).exists():
            continue
        assert target in WRITTEN_ELSEWHERE, f"{doc.name} links to missing {target}"
        pending.append(target)
    if pending:
        pytest.skip(f"{doc.name} links to pages not written yet: {sorted(set(pending))}")


WRITTEN_ELSEWHERE = {"plan-apply.md", "manifests.md", "adopting.md", "sandbox.md",
                     "configuration.md", "plan-output.md"}  # fmt: skip


def test_troubleshooting_covers_every_error_class_and_lint_rule() -> None:
    from osharactl import errors
    from osharactl.manifests.lint import RULES

    text = (ROOT / "docs/troubleshooting.md").read_text(encoding="utf-8")
    classes = [
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.OsharaCtlError)
        and value is not errors.OsharaCtlError
    ]  # fmt: skip
    missing = [name for name in classes if name not in text]
    assert not missing, f"docs/troubleshooting.md does not cover {missing}"
    assert not [rule for rule in RULES if rule not in text]
