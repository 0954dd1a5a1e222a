"""The values the manifest stage hands to the rest of osharactl (the reconciler's interface).

Kept apart from the loading code so that readers of a ``ManifestSet`` import only plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
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
    character: Character | None  # None once loaded: nothing reads it, and it is 1/4 of memory
    declared: dict[str, Any]
    ignore_changes: tuple[str, ...]
    lint_ignore: frozenset[str]
    refs: dict[Path, str]
    source: SourcePos
    positions: Mapping[Path, SourcePos]
    replaces: str | None = None  # the old slug this character takes over (delete + create)


@dataclass(frozen=True)
class ManifestSet:
    """Every desired character, plus the warnings and live checks the reconciler needs."""

    characters: dict[str, DesiredCharacter]
    warnings: list[Diagnostic]
    must_exist_live: dict[str, frozenset[str]]


class LazyPositions(Mapping[Path, SourcePos]):
    """Where each path of one document was written, computed only when first asked for.

    Positions are needed only to print a diagnostic or for a consumer such as the plan file's
    literal-secret check; recording one per YAML node for every document was ~40 % of loading
    time and memory (docs/decisions/0090-lazy-source-positions.md). ``locate`` re-reads the
    document with positions on. Positions copied in by shared expansion are recorded as
    (source, subtree, target) and replayed, in order, when the positions are computed.
    """

    __slots__ = ("_below", "_copies", "_found", "_locate")

    def __init__(
        self,
        locate: Callable[[], dict[Path, SourcePos]] | None = None,
        found: dict[Path, SourcePos] | None = None,
    ) -> None:
        self._locate = locate
        self._found = found
        self._copies: list[tuple[LazyPositions, Path, Path, Path]] = []
        self._below: dict[Path, list[tuple[Path, SourcePos]]] = {}

    def _all(self) -> dict[Path, SourcePos]:
        if self._found is None:
            self._found = self._locate() if self._locate is not None else {}
            self._locate = None
            copies, self._copies = self._copies, []
            for copy in copies:
                self._apply(*copy)
        return self._found

    def copy_from(self, source: LazyPositions, item: Path, within: Path, target: Path) -> None:
        """Give every path under ``target`` the position of the same path in ``source``'s
        item at ``item`` (only the part below ``within``, relative to the item, when given).
        Shared expansion: an error inside a shared item points at the shared file."""
        if self._found is None:
            self._copies.append((source, item, within, target))
        else:
            self._apply(source, item, within, target)

    def _apply(self, source: LazyPositions, item: Path, within: Path, target: Path) -> None:
        found = self._all()
        size = len(within)
        for rel, pos in source.below(item):
            if rel[:size] == within:
                found[(*target, *rel[size:])] = pos

    def below(self, within: Path) -> list[tuple[Path, SourcePos]]:
        """Positions strictly below ``within``, relative to it (cached: a shared item is used
        by many characters)."""
        cached = self._below.get(within)
        if cached is None:
            size = len(within)
            cached = [
                (path[size:], pos)
                for path, pos in self._all().items()
                if len(path) > size and path[:size] == within
            ]
            self._below[within] = cached
        return cached

    def __getitem__(self, path: Path) -> SourcePos:
        return self._all()[path]

    def __iter__(self) -> Iterator[Path]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


@dataclass
class RawDocument:
    """One YAML document before expansion: plain values plus the position of every path."""

    file: str
    value: Any
    positions: LazyPositions
    start: SourcePos

    def pos(self, path: Path) -> SourcePos:
        """Position of ``path`` or of its nearest ancestor that has one."""
        return nearest(self.positions, path, self.start)


def nearest(positions: Mapping[Path, SourcePos], path: Path, fallback: SourcePos) -> SourcePos:
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
