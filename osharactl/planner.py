"""Build the Plan: which characters to create, update, replace or delete, the requests to send,
and the order they must go in.

Ordering rules (apply follows ``Operation.depends_on``):
- a character is created before any character whose handoff_targets point at it;
- a character is deleted only after the updates that remove references to it;
- creates that point at each other (a cycle) are created without those targets first, then
  patched once all of them exist.
Prune safety: only with ``prune``, only slugs within the scope patterns, never protected ones, and
never more than ``max_deletes`` per run.
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from osharactl.diff import SERVER_DEFAULTED, WRITE_ONLY, CharacterDiff, compare, flatten
from osharactl.errors import UsageError
from osharactl.manifests.types import DesiredCharacter, ManifestSet
from osharactl.models import Character, WidgetAppearance
from osharactl.models.meta import inner_models, merge_unknown, split_unknown
from osharactl.normalize import fingerprint, is_empty
from osharactl.paths import format_path, has, parse_path, raw_locate
from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Operation, Plan


@dataclass(frozen=True)
class PlanOptions:
    targets: frozenset[str] = frozenset()
    prune: bool = False
    prune_scope: tuple[str, ...] = ("*",)
    protected: tuple[str, ...] = ()
    max_deletes: int = 10
    overwrite: frozenset[str] = frozenset()
    rotate: frozenset[str] = frozenset()  # slugs (or "*") whose secrets are re-sent
    api_url: str = ""
    env_name: str | None = None
    extra_warnings: tuple[str, ...] = field(default=())


def matches(slug: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(slug, p) for p in patterns)


def build_plan(
    manifests: ManifestSet,
    live: Mapping[str, dict[str, Any]],
    opts: PlanOptions,
    unchanged: frozenset[str] = frozenset(),
) -> Plan:
    """``live`` holds the live characters in full; ``unchanged`` names others that exist live
    and already match their manifests (read and compared page by page, then dropped)."""
    exists = _Exists(live, unchanged)
    desired = _in_scope(manifests.characters, opts.targets, exists)
    _check_live_handoffs(manifests, desired, exists)
    changes: dict[str, CharacterChange] = {}
    ignored: dict[str, tuple[str, ...]] = {}
    for slug, want in sorted(desired.items()):
        if slug in unchanged:
            continue
        have = live.get(slug)
        change, ignored_paths = _change_for(want, have, opts)
        if change is not None:
            changes[slug] = change
        if ignored_paths:
            ignored[slug] = ignored_paths
    replaced = _replacements(desired, live, changes, opts)
    managed = set(manifests.characters) | replaced
    unmanaged = sorted(
        s for s in live if s not in managed and (not opts.targets or s in opts.targets)
    )
    doomed = [s for s in unmanaged if _prunable(s, opts)] if opts.prune else []
    deleting = sorted({*doomed, *replaced})
    if len(deleting) > opts.max_deletes:
        raise UsageError(
            f"{'this run' if replaced else '--prune'} would delete {len(deleting)} characters, "
            f"more than the limit of {opts.max_deletes}: {', '.join(deleting)}",
            hint="raise --max-deletes (or prune.max_deletes) if this is intended, "
            "or narrow prune.scope",
        )
    if doomed:
        for slug in doomed:
            changes[slug] = _delete(slug, live[slug])
        unmanaged = [s for s in unmanaged if s not in doomed]
    ordered = _order(changes, desired, live)
    warnings = [d.format() for d in manifests.warnings] + list(opts.extra_warnings)
    return Plan(
        changes=tuple(ordered[s] for s in sorted(ordered)),
        unmanaged=tuple(unmanaged),
        api_url=opts.api_url,
        env_name=opts.env_name,
        warnings=tuple(warnings),
        ignored=ignored,
    )


class _Exists:
    """Membership in the live account: characters held in full, or known to be unchanged."""

    def __init__(self, live: Mapping[str, Any], unchanged: frozenset[str]) -> None:
        self.live, self.unchanged = live, unchanged

    def __contains__(self, slug: object) -> bool:
        return slug in self.live or slug in self.unchanged


def _replacements(
    desired: Mapping[str, DesiredCharacter],
    live: Mapping[str, dict[str, Any]],
    changes: dict[str, CharacterChange],
    opts: PlanOptions,
) -> set[str]:
    """Turn ``replaces: OLD`` into a REPLACE (create the new slug, then delete the old one), or
    into a plain delete of OLD when the new one already exists (an earlier run stopped halfway).
    Returns the old slugs that will be deleted."""
    replaced: set[str] = set()
    for slug, want in sorted(desired.items()):
        old = want.replaces
        if old is None or old not in live:
            continue
        if matches(old, opts.protected):
            raise UsageError(f"{slug} replaces {old}, which is a protected slug")
        replaced.add(old)
        delete = Operation("DELETE", old, step=1)
        if slug in changes and changes[slug].action is Action.CREATE:
            created = changes[slug]
            renamed = FieldChange("slug", old, slug, note="forces replacement")
            changes[slug] = CharacterChange(
                slug,
                Action.REPLACE,
                (renamed, *(f for f in created.fields if f.path != "slug")),
                (*created.operations, delete),
                live_fingerprint=fingerprint(live[old]),
                replaces=old,
                destructive=True,
            )
        else:
            changes[old] = _delete(old, live[old])
    return replaced


def _delete(slug: str, live: dict[str, Any]) -> CharacterChange:
    return CharacterChange(
        slug,
        Action.DELETE,
        operations=(Operation("DELETE", slug),),
        live_fingerprint=fingerprint(live),
        destructive=True,
    )


def _prunable(slug: str, opts: PlanOptions) -> bool:
    return matches(slug, opts.prune_scope) and not matches(slug, opts.protected)


def _in_scope(
    characters: Mapping[str, DesiredCharacter],
    targets: frozenset[str],
    live: _Exists,
) -> dict[str, DesiredCharacter]:
    """``--target`` narrows the plan; like Terraform, a target's handoff targets that do not
    exist yet are included too, or the target could not be created."""
    if not targets:
        return dict(characters)
    unknown = sorted(t for t in targets if t not in characters and t not in live)
    if unknown:
        raise UsageError(
            f"--target names no character in the manifests or live: {', '.join(unknown)}"
        )
    chosen: dict[str, DesiredCharacter] = {}
    queue = [t for t in sorted(targets) if t in characters]
    while queue:
        slug = queue.pop()
        if slug in chosen:
            continue
        chosen[slug] = characters[slug]
        for target in _handoffs(characters[slug].declared):
            if target in characters and target not in live:
                queue.append(target)
    return chosen


def _handoffs(body: Mapping[str, Any] | None) -> list[str]:
    if not body:
        return []
    return [t.get("slug", "") for t in body.get("handoff_targets") or [] if isinstance(t, dict)]


def _check_live_handoffs(
    manifests: ManifestSet, desired: Mapping[str, DesiredCharacter], live: _Exists
) -> None:
    missing = [
        f"{slug} → {target}"
        for slug, targets in sorted(manifests.must_exist_live.items())
        if slug in desired
        for target in sorted(targets)
        if target not in live and target not in manifests.characters
    ]
    if missing:
        raise UsageError(
            "handoff targets that must exist live were not found: " + ", ".join(missing)
        )


def _change_for(
    want: DesiredCharacter, have: dict[str, Any] | None, opts: PlanOptions
) -> tuple[CharacterChange | None, tuple[str, ...]]:
    slug = want.slug
    if have is None:
        op = Operation("POST", slug, dict(want.declared))
        return CharacterChange(slug, Action.CREATE, flatten(want), (op,)), ()
    rotate = slug in opts.rotate or "*" in opts.rotate
    result = compare(want, have, rotate=rotate)
    overwrite = slug in opts.overwrite
    if overwrite:
        return _overwrite(want, have, result), result.ignored if result else ()
    if result is None or not result.fields:
        return None, result.ignored if result else ()
    body = _patch_body(want, have, result)
    change = CharacterChange(
        slug,
        Action.UPDATE,
        result.fields,
        (Operation("PATCH", slug, body),),
        live_fingerprint=fingerprint(have),
    )
    return change, result.ignored


def _overwrite(
    want: DesiredCharacter, have: dict[str, Any], result: CharacterDiff | None
) -> CharacterChange:
    """PUT the whole declared character. The plan lists what a PUT resets beyond the diff:
    unmodelled keys inside widget_appearance, and fields left to the server that the manifest
    omits; paths under ignore_changes keep their live value, as in a PATCH."""
    fields = list(result.fields if result else ())
    _, unknown = split_unknown(have.get("widget_appearance"), WidgetAppearance)
    for path, value in _unknown_leaves(unknown, WidgetAppearance, ("widget_appearance",)):
        fields.append(FieldChange(format_path(path), value, ABSENT, note="unmodelled"))
    ignored_tops = {parse_path(p)[0] for p in want.ignore_changes}
    for name in sorted(SERVER_DEFAULTED - want.declared.keys() - ignored_tops):
        if not is_empty(have.get(name)):
            fields.append(FieldChange(name, have[name], ABSENT, note="reset by PUT"))
    body = copy.deepcopy(dict(want.declared))
    for text in want.ignore_changes:
        segments = parse_path(text)
        if segments[0] not in body and segments[0] in have:
            body[segments[0]] = {} if isinstance(have[segments[0]], dict) else None
        _copy_live(have, body, segments)
    return CharacterChange(
        want.slug,
        Action.UPDATE,
        tuple(sorted(fields, key=lambda f: f.path)),
        (Operation("PUT", want.slug, body),),
        live_fingerprint=fingerprint(have),
        overwrite=True,
    )


def _unknown_leaves(
    unknown: dict[str, Any], model: Any, prefix: tuple[str, ...]
) -> list[tuple[tuple[str, ...], Any]]:
    """Flatten ``split_unknown``'s result: keys of known sub-objects hold their own unknown keys."""
    found: list[tuple[tuple[str, ...], Any]] = []
    for key, value in sorted(unknown.items()):
        info = model.model_fields.get(key)
        _, models = inner_models(info.annotation) if info else ("", [])
        if info is not None and len(models) == 1 and isinstance(value, dict):
            found += _unknown_leaves(value, models[0], (*prefix, key))
        else:
            found.append(((*prefix, key), value))
    return found


def _patch_body(
    want: DesiredCharacter, have: dict[str, Any], result: CharacterDiff
) -> dict[str, Any]:
    """Each changed top-level key, sent whole (section 20: PATCH replaces a key's whole value).
    Unmodelled keys inside objects we re-send are carried over from live, and sub-paths under
    ignore_changes keep their live value, so neither is wiped."""
    body: dict[str, Any] = {}
    for key in result.changed_keys:
        value = want.declared.get(key, _empty_default(key))
        body[key] = _carry_over(have.get(key), value, key)
    for text in want.ignore_changes:
        segments = parse_path(text)
        if len(segments) > 1 and segments[0] in body:
            _copy_live(have, body, segments)
    if any(f.note == "rotate" for f in result.fields):
        body.update({k: want.declared[k] for k in WRITE_ONLY if k in want.declared})
    return body


def _empty_default(key: str) -> Any:
    info = Character.model_fields[key]
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        return {} if isinstance(value, WidgetAppearance) else value
    return info.default


def _carry_over(live_value: Any, value: Any, key: str) -> Any:
    """Keys we do not model inside an object we re-send whole come from live, so they survive."""
    if not (isinstance(live_value, dict) and isinstance(value, dict)):
        return value
    _, models = inner_models(Character.model_fields[key].annotation)
    if len(models) != 1:
        return value
    _, unknown = split_unknown(live_value, models[0])
    merged = copy.deepcopy(value)
    merge_unknown(merged, unknown, models[0])
    return merged


def _copy_live(have: dict[str, Any], body: dict[str, Any], segments: tuple[str, ...]) -> None:
    src, src_key = raw_locate(have, segments, Character)
    dst, dst_key = raw_locate(body, segments, Character)
    if dst is None or dst_key is None:
        return
    present = src is not None and src_key is not None and has(src, src_key)
    if present:
        dst[dst_key] = src[src_key]
    elif isinstance(dst, dict):
        dst.pop(dst_key, None)


def _order(
    changes: dict[str, CharacterChange],
    desired: Mapping[str, DesiredCharacter],
    live: Mapping[str, dict[str, Any]],
) -> dict[str, CharacterChange]:
    """Attach dependencies to operations; split creates that form handoff cycles."""
    creating = {s for s, c in changes.items() if c.action in (Action.CREATE, Action.REPLACE)}
    needs = {
        s: sorted(t for t in _handoffs(desired[s].declared) if t in creating and t != s)
        for s in changes
        if s in desired
    }
    cyclic = _cyclic(creating, needs)
    out: dict[str, CharacterChange] = {}
    for slug, change in changes.items():
        deps = needs.get(slug, [])
        if change.action is Action.DELETE:
            referrers = [
                s
                for s, c in changes.items()
                if c.action is not Action.DELETE and slug in _handoffs(live.get(s))
            ]
            ops: tuple[Operation, ...] = (
                Operation("DELETE", slug, depends_on=tuple(f"{r}#0" for r in sorted(referrers))),
            )
            out[slug] = _with(change, ops, referrers)
        elif change.action is Action.REPLACE and change.replaces:
            old = change.replaces
            referrers = [
                s
                for s, c in changes.items()
                if c.action is not Action.DELETE and s != slug and old in _handoffs(live.get(s))
            ]
            create = change.operations[0]
            ops = (
                Operation("POST", slug, create.body, 0, tuple(f"{t}#0" for t in deps)),
                Operation(
                    "DELETE", old, None, 1, (f"{slug}#0", *(f"{r}#0" for r in sorted(referrers)))
                ),
            )
            out[slug] = _with(change, ops, deps)
        elif slug in cyclic:
            body = dict(change.operations[0].body or {})
            later = [t for t in deps if t in cyclic]
            body["handoff_targets"] = [
                t for t in body.get("handoff_targets", []) if t.get("slug") not in later
            ]
            first = Operation(
                "POST", slug, body, 0, tuple(f"{t}#0" for t in deps if t not in later)
            )
            patch = Operation(
                "PATCH",
                slug,
                {"handoff_targets": change.operations[0].body["handoff_targets"]},  # type: ignore[index]
                1,
                (first.key, *(f"{t}#0" for t in later)),
            )
            out[slug] = _with(change, (first, patch), deps)
        else:
            ops = tuple(
                Operation(op.method, op.slug, op.body, op.step, tuple(f"{t}#0" for t in deps))
                for op in change.operations
            )
            out[slug] = _with(change, ops, deps)
    return out


def _with(
    change: CharacterChange, ops: tuple[Operation, ...], deps: Iterable[str]
) -> CharacterChange:
    return dataclasses.replace(change, operations=ops, depends_on=tuple(sorted(set(deps))))


def _cyclic(nodes: set[str], needs: Mapping[str, list[str]]) -> set[str]:
    """Nodes on a dependency cycle among creates (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: set[str] = set()
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in needs.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.update(component)

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return result
