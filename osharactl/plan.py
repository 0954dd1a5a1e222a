"""The Plan: a plain, immutable value describing what apply will do.

Like Terraform's ``plans.Plan`` it holds data only; ``diff`` builds it, ``render`` shows it,
``apply`` executes it and ``planfile`` saves it. Field values in ``FieldChange`` are already masked
where they are secret (``sensitive``), so no renderer can leak one by mistake; the request bodies
with real values live in ``Operation`` and are never rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

FORMAT_VERSION = "1"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"  # delete + create: destructive


class Absent:
    """Marks a value that does not exist on one side (a key added or removed)."""

    _instance: Absent | None = None

    def __new__(cls) -> Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT = Absent()


@dataclass(frozen=True)
class FieldChange:
    """One changed field. ``before``/``after`` are JSON values, ``ABSENT``, or ``"(sensitive)"``."""

    path: str
    before: Any
    after: Any
    sensitive: bool = False
    note: str = ""  # e.g. "rotate", "order", "forces replacement"


@dataclass(frozen=True)
class Operation:
    """One HTTP request apply will send. ``body`` holds real values: never render or save it."""

    method: str  # POST | PATCH | PUT | DELETE
    slug: str
    body: dict[str, Any] | None = None
    step: int = 0  # position within its character's operations (a cycle-broken create has two)
    depends_on: tuple[str, ...] = ()  # keys of operations that must succeed first

    @property
    def key(self) -> str:
        return f"{self.slug}#{self.step}"


@dataclass(frozen=True)
class CharacterChange:
    slug: str
    action: Action
    fields: tuple[FieldChange, ...] = ()
    operations: tuple[Operation, ...] = ()
    depends_on: tuple[str, ...] = ()  # slugs whose operations must finish first
    live_fingerprint: str | None = None  # of the live state the plan was computed from
    replaces: str | None = None  # for REPLACE: the old slug deleted
    destructive: bool = False
    overwrite: bool = False  # sent whole with PUT (--overwrite)


@dataclass(frozen=True)
class Plan:
    changes: tuple[CharacterChange, ...]
    unmanaged: tuple[str, ...] = ()
    api_url: str = ""
    env_name: str | None = None
    warnings: tuple[str, ...] = ()
    ignored: dict[str, tuple[str, ...]] = field(default_factory=dict)  # slug -> ignored paths

    def summary(self) -> dict[str, int]:
        counts = {a.value: 0 for a in (Action.CREATE, Action.UPDATE, Action.DELETE, Action.REPLACE)}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def change_for(self, slug: str) -> CharacterChange | None:
        return next((c for c in self.changes if c.slug == slug), None)
