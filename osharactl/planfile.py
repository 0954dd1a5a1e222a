"""Saved plans (``plan --out FILE``, ``apply FILE``): the reviewed plan, exactly, minus secrets.

A saved plan holds the operations to send, each live character's fingerprint at plan time, and a
masked snapshot of it (to explain a stale plan field by field). Secret values are never written:
every value that came from ``${env:…}`` is stored as its reference text and resolved again at
apply time; a schema secret written literally in a manifest cannot be saved (the error says
where), because there would be nothing to resolve it from.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from osharactl import __version__
from osharactl.errors import ConfigError, ReferenceError_, StalePlan
from osharactl.manifests.refs import has_env_ref, substitute
from osharactl.manifests.types import DesiredCharacter
from osharactl.models import Character, mask_secrets
from osharactl.models.meta import SENSITIVE
from osharactl.normalize import canonical, fingerprint
from osharactl.paths import canon_get, format_path, has, values_at
from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Operation, Plan

KIND = "osharactl-plan"
FILE_VERSION = "1"
RefMap = dict[tuple[str | int, ...], str]
_KINDS = {"env": "environment variable", "var": "variable"}


def save(
    path: Path,
    plan: Plan,
    desired: Mapping[str, DesiredCharacter],
    live: Mapping[str, dict[str, Any]],
) -> None:
    """Write the plan atomically (a reader never sees half a file), mode 0600."""
    refs = {slug: d.refs for slug, d in desired.items() if plan.change_for(slug)}
    document = {
        "kind": KIND,
        "format_version": FILE_VERSION,
        "osharactl_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "api_url": plan.api_url,
        "env": plan.env_name,
        "unmanaged": list(plan.unmanaged),
        "warnings": list(plan.warnings),
        "ignored": {k: list(v) for k, v in plan.ignored.items()},
        "changes": [
            _change_out(c, refs.get(c.slug, {}), desired.get(c.slug)) for c in plan.changes
        ],
        "snapshots": {
            c.slug: mask_secrets(live[c.slug], Character) for c in plan.changes if c.slug in live
        },
    }
    text = json.dumps(document, indent=2, ensure_ascii=False)  # "kind" first: is_plan_file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(f"cannot write the plan to {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError(f"cannot write the plan to {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _change_out(
    change: CharacterChange, refs: RefMap, desired: DesiredCharacter | None
) -> dict[str, Any]:
    return {
        "slug": change.slug,
        "action": change.action.value,
        "fields": [_field_out(f) for f in change.fields],
        "operations": [_operation_out(op, refs, desired) for op in change.operations],
        "depends_on": list(change.depends_on),
        "live_fingerprint": change.live_fingerprint,
        "replaces": change.replaces,
        "destructive": change.destructive,
        "overwrite": change.overwrite,
        "refs": [{"path": list(p), "ref": r} for p, r in sorted(refs.items(), key=str)],
    }


def _field_out(change: FieldChange) -> dict[str, Any]:
    def value(v: Any) -> Any:
        return {"$absent": True} if v is ABSENT else v

    return {
        "path": change.path,
        "before": value(change.before),
        "after": value(change.after),
        "sensitive": change.sensitive,
        "note": change.note,
    }


def _operation_out(op: Operation, refs: RefMap, desired: DesiredCharacter | None) -> dict[str, Any]:
    body = _with_refs(op.body, refs) if op.body is not None else None
    if body is not None:
        _refuse_literal_secrets(op.slug, body, desired)
    return {
        "method": op.method,
        "slug": op.slug,
        "step": op.step,
        "depends_on": list(op.depends_on),
        "body": body,
    }


def _with_refs(body: dict[str, Any], refs: RefMap) -> dict[str, Any]:
    return _rewrite(body, refs, lambda _old, ref: ref)


def _rewrite(body: dict[str, Any], refs: RefMap, new: Callable[[Any, str], Any]) -> dict[str, Any]:
    """A copy of ``body`` with the value at each reference path replaced by ``new(old, ref)``."""
    out: dict[str, Any] = json.loads(json.dumps(body))
    for path, ref in refs.items():
        _, node = canon_get(out, path[:-1])
        if has(node, path[-1]):
            node[path[-1]] = new(node[path[-1]], ref)
    return out


def _refuse_literal_secrets(
    slug: str, body: dict[str, Any], desired: DesiredCharacter | None
) -> None:
    masked = mask_secrets(body, Character)
    for path in _leaves_differing(masked, body):
        where = ""
        if desired is not None:
            pos = desired.positions.get(path) or desired.source
            where = f"{pos.file}:{pos.line}: "
        raise ConfigError(
            f"{where}{slug}: {format_path(path)} holds a literal secret, which a saved plan "
            "cannot store",
            hint="reference it as ${env:NAME} (lint rule for literal secrets), or apply "
            "without --out",
        )


def _leaves_differing(masked: Any, original: Any, path: tuple[str | int, ...] = ()) -> list[Any]:
    if masked == SENSITIVE and isinstance(original, str):
        return [] if has_env_ref(original) else [path]
    found: list[Any] = []
    if isinstance(masked, dict) and isinstance(original, dict):
        for key, value in masked.items():
            found += _leaves_differing(value, original.get(key), (*path, key))
    elif isinstance(masked, list) and isinstance(original, list):
        for i, (m, o) in enumerate(zip(masked, original, strict=False)):
            found += _leaves_differing(m, o, (*path, i))
    return found


class SavedPlan:
    """A loaded plan file: the Plan to show and apply, plus what staleness checks need."""

    def __init__(self, document: dict[str, Any], source: Path) -> None:
        self.document = document
        self.source = source
        self.resolved_values: list[str] = []

    @property
    def api_url(self) -> str:
        return str(self.document.get("api_url") or "")

    @property
    def env_name(self) -> str | None:
        env = self.document.get("env")
        return str(env) if env else None

    def refs(self) -> dict[str, RefMap]:
        return {
            c["slug"]: {tuple(r["path"]): r["ref"] for r in c.get("refs", [])}
            for c in self.document["changes"]
        }

    def plan(self, environ: Mapping[str, str], variables: Mapping[str, str]) -> Plan:
        """The Plan with references resolved again from the environment; ``resolved_values``
        then holds every value that came from a reference, for redacting messages."""
        try:
            return self._plan(environ, variables)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise ConfigError(
                f"{self.source} is not a valid osharactl plan file "
                f"({type(exc).__name__} while reading it)",
                hint="make the plan again with `osharactl plan --out FILE`",
            ) from None

    def _plan(self, environ: Mapping[str, str], variables: Mapping[str, str]) -> Plan:

        def value_of(kind: str, name: str, _whole: bool) -> str:
            source = environ if kind == "env" else variables
            if name not in source:
                raise ReferenceError_(
                    f"the saved plan needs {_KINDS[kind]} {name!r}, which is not set",
                    hint=f"set {name} as when the plan was made",
                )
            return source[name]

        changes = []
        for raw in self.document["changes"]:
            refs = {tuple(r["path"]): r["ref"] for r in raw.get("refs", [])}
            ops = []
            for op in raw["operations"]:
                body = op["body"]
                if body is not None:
                    body = _resolve(body, refs, value_of)
                    self.resolved_values += values_at(body, refs)
                ops.append(Operation(op["method"], op["slug"], body, op["step"],
                                     tuple(op["depends_on"])))  # fmt: skip
            changes.append(
                CharacterChange(
                    slug=raw["slug"],
                    action=Action(raw["action"]),
                    fields=tuple(_field_in(f) for f in raw["fields"]),
                    operations=tuple(ops),
                    depends_on=tuple(raw["depends_on"]),
                    live_fingerprint=raw["live_fingerprint"],
                    replaces=raw.get("replaces"),
                    destructive=bool(raw.get("destructive")),
                    overwrite=bool(raw.get("overwrite")),
                )
            )
        return Plan(
            changes=tuple(changes),
            unmanaged=tuple(self.document.get("unmanaged", [])),
            api_url=self.api_url,
            env_name=self.env_name,
            warnings=tuple(self.document.get("warnings", [])),
            ignored={k: tuple(v) for k, v in self.document.get("ignored", {}).items()},
        )

    def check_fresh(self, plan: Plan, live: Mapping[str, dict[str, Any]]) -> None:
        """Refuse when any affected character changed since the plan was made, saying how."""
        problems: list[str] = []
        snapshots = self.document.get("snapshots", {})
        for change in plan.changes:
            current = live.get(change.slug)
            now = fingerprint(current) if current is not None else None
            if now == change.live_fingerprint:
                continue
            if change.live_fingerprint is None:
                problems.append(f"  {change.slug}: was absent, now exists live")
            elif current is None:
                problems.append(f"  {change.slug}: was live, now deleted")
            else:
                how = _how(snapshots.get(change.slug, {}), mask_secrets(current, Character))
                problems.append(f"  {change.slug}: changed live since the plan ({how})")
        if problems:
            raise StalePlan(
                "the saved plan is stale; live state changed since it was made:\n"
                + "\n".join(problems),
                hint="run `osharactl plan --out FILE` again and review the new plan",
            )


def _how(before: dict[str, Any], after: dict[str, Any]) -> str:
    old, new = canonical(before), canonical(after)
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if not keys:
        extra = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        keys = extra
    return "fields: " + ", ".join(keys) if keys else "secret or unmodelled values differ"


def _resolve(body: dict[str, Any], refs: RefMap, value_of: Callable[[str, str, bool], str]) -> Any:
    """Resolve the saved reference text at each path again (never the value stored before)."""
    return _rewrite(body, refs, lambda _old, ref: substitute(ref, value_of))


def _field_in(raw: dict[str, Any]) -> FieldChange:
    def value(v: Any) -> Any:
        return ABSENT if isinstance(v, dict) and v == {"$absent": True} else v

    return FieldChange(
        raw["path"], value(raw["before"]), value(raw["after"]), raw["sensitive"], raw["note"]
    )


def is_plan_file(path: str) -> bool:
    """A path names a saved plan when it is a file whose JSON says so (manifests are YAML)."""
    candidate = Path(path)
    if path == "-" or not candidate.is_file():
        return False
    try:
        with candidate.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and KIND.encode() in head


def load(path: Path) -> SavedPlan:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read saved plan {path}: {exc}") from None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise ConfigError(f"{path} is not an osharactl plan file")
    if document.get("format_version") != FILE_VERSION:
        raise ConfigError(
            f"{path} has plan format {document.get('format_version')!r}; this osharactl reads "
            f"{FILE_VERSION!r}",
            hint="make the plan again with this version of osharactl",
        )
    return SavedPlan(document, path)
