"""The values the manifest stage hands to the rest of osharactl (the reconciler's interface).

Kept apart from the loading code so that readers of a ``ManifestSet`` import only plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osharactl.errors import Diagnostic
from osharactl.models import Character

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class SourcePos:
    """Where a value was written: 1-based line and column."""

    file: str
    line: int
    column: int


@dataclass(frozen=True)
class DesiredCharacter:
    """One character as the manifests want it, validated and fully expanded."""

    slug: str
    character: Character
    declared: dict[str, Any]
    ignore_changes: tuple[str, ...]
    lint_ignore: frozenset[str]
    refs: dict[Path, str]
    source: SourcePos
    positions: dict[Path, SourcePos]
    replaces: str | None = None  # the old slug this character takes over (delete + create)


@dataclass(frozen=True)
class ManifestSet:
    """Every desired character, plus the warnings and live checks the reconciler needs."""

    characters: dict[str, DesiredCharacter]
    warnings: list[Diagnostic]
    must_exist_live: dict[str, frozenset[str]]


@dataclass
class RawDocument:
    """One YAML document before expansion: plain values plus the position of every path."""

    file: str
    value: Any
    positions: dict[Path, SourcePos]
    start: SourcePos

    def pos(self, path: Path) -> SourcePos:
        """Position of ``path`` or of its nearest ancestor that has one."""
        return nearest(self.positions, path, self.start)


def nearest(positions: dict[Path, SourcePos], path: Path, fallback: SourcePos) -> SourcePos:
    """The position of ``path``, else of the closest ancestor, else ``fallback``."""
    for end in range(len(path), 0, -1):
        found = positions.get(path[:end])
        if found is not None:
            return found
    return fallback


def diag(
    pos: SourcePos, path: Path, message: str, *, rule: str | None = None, warning: bool = False
) -> Diagnostic:
    """A Diagnostic at ``pos`` whose path is rendered in the field-path syntax."""
    return Diagnostic(
        file=pos.file,
        line=pos.line,
        column=pos.column,
        path=format_path(path),
        message=message,
        severity="warning" if warning else "error",
        rule=rule,
    )


def format_path(path: Path) -> str:
    """``("tools", 0, "config")`` → ``tools[0].config`` (the diff's path syntax uses keys)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
