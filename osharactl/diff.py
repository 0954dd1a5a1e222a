"""Compare one desired character with its live counterpart: field changes and the request body.

Cheap first: the canonical forms (``normalize``) are compared with ``==``; only characters that
differ go through DeepDiff for field-level paths. Values shown in the plan come from *masked*
canonical copies (secrets by schema, and anything that came from ``${env:…}``), so the plan can be
printed and saved without leaking. Write-only secrets the server hides are not drift; a masked
preview that cannot belong to the desired value is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from osharactl.manifests.types import DesiredCharacter
from osharactl.models import Character
from osharactl.models.meta import (
    SENSITIVE,
    mask_secrets,
    secret_patterns,
    server_default_fields,
    walk,
)
from osharactl.normalize import ORDER, canonical, is_empty, keyed
from osharactl.paths import (
    Segment,
    canon_get,
    canon_pop,
    format_path,
    has,
    list_key,
    parse_path,
    pattern_of,
    raw_locate,
    under,
)
from osharactl.plan import ABSENT, FieldChange

SECRETS = secret_patterns(Character)
WRITE_ONLY = frozenset(p[0] for p, v in SECRETS.items() if len(p) == 1)
SERVER_DEFAULTED = server_default_fields(Character)
_MASKED = re.compile(r"^(?P<head>[^*.…]{0,12})(?:\*{3,}|\.{3}|…)(?P<tail>[^*.…]{0,12})$")


@dataclass(frozen=True)
class CharacterDiff:
    fields: tuple[FieldChange, ...]
    changed_keys: tuple[str, ...]  # top-level keys to PATCH, each sent whole
    ignored: tuple[str, ...]  # ignore_changes paths that do differ


def is_masked(value: Any) -> bool:
    return isinstance(value, str) and bool(_MASKED.match(value))


def preview_matches(preview: str, value: str) -> bool:
    """Could ``preview`` (``sk-...abcd``, ``****``) be a masked form of ``value``?"""
    m = _MASKED.match(preview)
    if not m:
        return False
    head, tail = m.group("head"), m.group("tail")
    return value.startswith(head) and value.endswith(tail) and len(head) + len(tail) <= len(value)


def compare(
    desired: DesiredCharacter,
    live: dict[str, Any],
    *,
    rotate: bool = False,
) -> CharacterDiff | None:
    """Field-level differences between a desired character and live, or ``None`` if equal."""
    want = canonical(desired.declared)
    have = canonical(live)
    notes = _reconcile_secrets(want, have, rotate=rotate)
    for name in (SERVER_DEFAULTED | WRITE_ONLY) - desired.declared.keys():
        want.pop(name, None)  # left to the server: not managed, so never drift (decision 0005)
        have.pop(name, None)
    ignored = _drop_ignored(desired.ignore_changes, want, have)
    if want == have:
        return None if not ignored else CharacterDiff((), (), tuple(ignored))
    shown_want, shown_have = _masked_views(desired, live)
    fields = [
        _field_change(path, shown_have, shown_want, notes) for path in _changed_paths(have, want)
    ]
    fields.sort(key=lambda f: f.path)
    keys = sorted({_top(f.path) for f in fields})
    return CharacterDiff(tuple(fields), tuple(keys), tuple(ignored))


def _top(path: str) -> str:
    return parse_path(path)[0]


def _reconcile_secrets(
    want: dict[str, Any], have: dict[str, Any], *, rotate: bool
) -> dict[str, str]:
    """Make hidden or masked live secrets compare equal when they may hold the desired value.

    Returns notes by path for secrets that change for a reason the values cannot show."""
    notes: dict[str, str] = {}
    for path, d_value, h_value, h_parent, h_key in _secret_leaves(want, have):
        label = format_path(path)
        if rotate and not is_empty(d_value):
            notes[label] = "rotate"
            h_parent[h_key] = _Rotated()
            continue
        write_only = len(path) == 1 and path[0] in WRITE_ONLY
        if isinstance(h_value, str) and is_masked(h_value):
            if isinstance(d_value, str) and preview_matches(h_value, d_value):
                h_parent[h_key] = d_value
            else:
                notes[label] = "changed: the server's masked preview does not match"
        elif write_only and is_empty(h_value):
            h_parent[h_key] = d_value  # hidden by the server: cannot tell, so not drift
    return notes


class _Rotated:
    """Compares unequal to everything, forcing a rotated secret into the plan."""

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]


def _secret_leaves(
    want: dict[str, Any], have: dict[str, Any]
) -> Iterable[tuple[tuple[Segment, ...], Any, Any, dict[str, Any], str]]:
    """(path, desired value, live value, live parent dict, key) for each secret leaf in live or
    desired. Header maps are walked key by key."""
    for pattern in SECRETS:
        for path in _expand(pattern, want, have):
            _, d_value = canon_get(want, path)
            found, h_parent = canon_get(have, path[:-1])
            if not found or not isinstance(h_parent, dict):
                continue
            key = path[-1]
            assert isinstance(key, str)
            h_value = h_parent.get(key)
            if isinstance(d_value, dict) or isinstance(h_value, dict):
                for name in sorted(set(_keys(d_value)) | set(_keys(h_value))):
                    if isinstance(h_value, dict) and name in h_value:
                        yield (*path, name), _keys(d_value).get(name), h_value[name], h_value, name
            else:
                yield path, d_value, h_value, h_parent, key


def _keys(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _expand(pattern: tuple[str, ...], *trees: dict[str, Any]) -> Iterable[tuple[Segment, ...]]:
    """Concrete paths in any of ``trees`` matching a marker pattern (``[]`` = any item)."""
    results: set[tuple[Segment, ...]] = set()

    def walk(node: Any, rest: tuple[str, ...], done: tuple[Segment, ...]) -> None:
        if not rest:
            results.add(done)
            return
        head, tail = rest[0], rest[1:]
        if head == "[]":
            if isinstance(node, dict):
                for k, v in node.items():
                    if k != ORDER:
                        walk(v, tail, (*done, k))
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, tail, (*done, i))
        elif isinstance(node, dict) and head in node:
            walk(node[head], tail, (*done, head))

    for tree in trees:
        walk(tree, pattern, ())
    return sorted(results, key=str)


def _drop_ignored(paths: Iterable[str], want: dict[str, Any], have: dict[str, Any]) -> list[str]:
    differing = []
    for text in paths:
        segments = parse_path(text)
        a, b = canon_get(want, segments), canon_get(have, segments)
        if a != b:
            differing.append(text)
        canon_pop(want, segments)
        canon_pop(have, segments)
    return differing


def _changed_paths(have: dict[str, Any], want: dict[str, Any]) -> list[tuple[Segment, ...]]:
    """Leaf paths that differ, from DeepDiff's tree view. A change inside a plain list is
    reported as the whole list (item-by-item list diffs read badly in a plan)."""
    tree = DeepDiff(have, want, view="tree", verbose_level=2)
    paths: dict[tuple[Segment, ...], None] = {}
    for levels in tree.values():
        for level in levels:
            segments = tuple(level.path(output_format="list"))
            paths[_cut_at_plain_list(have, want, segments)] = None
    return [p for p in paths if not _implied_order(p, have, want)]


def _implied_order(path: tuple[Segment, ...], have: Any, want: Any) -> bool:
    """An ``(order)`` change is news only when the same items were reordered; when items were
    added or removed, those lines already tell the story."""
    if not path or path[-1] != ORDER:
        return False
    _, old = canon_get(have, path[:-1])
    _, new = canon_get(want, path[:-1])
    keys = [{k for k in v if k != ORDER} if isinstance(v, dict) else set() for v in (old, new)]
    return keys[0] != keys[1]


def _cut_at_plain_list(
    have: dict[str, Any], want: dict[str, Any], segments: tuple[Segment, ...]
) -> tuple[Segment, ...]:
    for i, seg in enumerate(segments):
        if isinstance(seg, int):
            return segments[:i]
        if seg == ORDER:
            return segments[: i + 1]
    return segments


def _masked_raw(desired: DesiredCharacter, live: dict[str, Any]) -> tuple[Any, Any]:
    """Copies safe to show: schema secrets masked, and values from ``${env:…}`` masked on both
    sides (the live value at that path came from the same variable)."""
    declared = mask_secrets(desired.declared, Character)
    shown_live = mask_secrets(live, Character)
    for path in desired.refs:
        keyed_path = _keyed_ref_path(desired.declared, path)
        plain = next((i for i, seg in enumerate(keyed_path) if isinstance(seg, int)), None)
        # Inside a plain list (allowed_origins) items may sit in any order on each side, so
        # the whole list is masked; elsewhere exactly the referenced value.
        target = keyed_path if plain is None else keyed_path[:plain]
        for tree in (declared, shown_live):
            container, key = raw_locate(tree, target, Character)
            if container is not None and key is not None and has(container, key):
                container[key] = SENSITIVE if plain is None else _masked_all(container[key])
    return declared, shown_live


def _masked_all(value: Any) -> Any:
    if isinstance(value, list):
        return [_masked_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked_all(v) for k, v in value.items()}
    return SENSITIVE if isinstance(value, str) and value else value


def _masked_views(desired: DesiredCharacter, live: dict[str, Any]) -> tuple[Any, Any]:
    declared, shown_live = _masked_raw(desired, live)
    return canonical(declared), canonical(shown_live)


def _keyed_ref_path(declared: dict[str, Any], path: tuple[str | int, ...]) -> tuple[Segment, ...]:
    """Turn ``("tools", 0, "config")`` into ``("tools", "[ticket_lookup]", "config")`` so it finds
    the same item in live data, whose order may differ."""
    out: list[Segment] = []
    node: Any = declared
    for seg in path:
        if isinstance(seg, int) and isinstance(node, list) and 0 <= seg < len(node):
            item = node[seg]
            name = list_key(tuple(out))
            key = item.get(name) if name and isinstance(item, dict) else None
            out.append(keyed(key) if key is not None else seg)
            node = item
        else:
            out.append(seg)
            node = node.get(seg) if isinstance(node, dict) else None
    return tuple(out)


def _field_change(
    path: tuple[Segment, ...], shown_have: Any, shown_want: Any, notes: dict[str, str]
) -> FieldChange:
    label = format_path(path)
    found_b, before = canon_get(shown_have, path)
    found_a, after = canon_get(shown_want, path)
    before = before if found_b and not isinstance(before, NotPresent) else ABSENT
    after = after if found_a and not isinstance(after, NotPresent) else ABSENT
    sensitive = any(under(pattern_of(path), p) for p in SECRETS) or SENSITIVE in (before, after)
    if sensitive:
        before = SENSITIVE if before not in (ABSENT, None, "") else before
        after = SENSITIVE if after not in (ABSENT, None, "") else after
    note = notes.get(label, "order" if path and path[-1] == ORDER else "")
    before, after = (_empty_as_default(path, v) for v in (before, after))
    return FieldChange(label, _shown(before), _shown(after), sensitive=sensitive, note=note)


_DEFAULTS: dict[tuple[str, ...], Any] = {
    pattern: default
    for pattern, info in walk(Character)
    for default in [info.get_default(call_default_factory=True)]
    if default is not None and is_empty(default)
}


def _empty_as_default(path: tuple[Segment, ...], value: Any) -> Any:
    """The canonical form folds ``""``/``[]``/``{}`` into ``None``; show a reset greeting as
    ``""``, as it is stored, not as ``null``."""
    return _DEFAULTS.get(pattern_of(path), value) if value is None else value


def _shown(value: Any) -> Any:
    """A whole sub-tree as users write it, not in the canonical layout: keyed-list items back
    in a list (in their order), and keys left at an empty default dropped, so an added tool or
    form field reads like the manifest instead of ``{"[name]": {..., "rows": null}}``."""
    if isinstance(value, dict):
        keys = [k for k in value if k != ORDER]
        if keys and all(isinstance(k, str) and k.startswith("[") for k in keys):
            order = value.get(ORDER)
            return [_shown(value[k]) for k in (order if isinstance(order, list) else keys)]
        return {k: _shown(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def flatten(desired: DesiredCharacter) -> tuple[FieldChange, ...]:
    """A create's fields: every declared leaf (not the defaults), masked, as ``+ path = value``."""
    shown, _ = _masked_raw(desired, {})
    out: list[FieldChange] = []

    def walk(node: Any, path: tuple[Segment, ...]) -> None:
        if isinstance(node, dict) and node and not _is_map_leaf(path):
            for k, v in node.items():
                walk(v, (*path, k))
        elif (
            isinstance(node, list)
            and node
            and (name := list_key(path))
            and all(isinstance(i, dict) and name in i for i in node)
        ):
            for item in node:
                walk(item, (*path, keyed(item[name])))
        else:
            pattern = pattern_of(path)  # once per leaf, not once per secret pattern
            sensitive = any(under(pattern, p) for p in SECRETS) or node == SENSITIVE
            if sensitive and isinstance(node, dict):
                node = {k: SENSITIVE if v not in (None, "") else v for k, v in node.items()}
            elif sensitive and node not in (None, ""):
                node = SENSITIVE
            out.append(FieldChange(format_path(path), ABSENT, node, sensitive=sensitive))

    for key, value in shown.items():
        walk(value, (key,))
    return tuple(sorted(out, key=lambda f: f.path))


def _is_map_leaf(path: tuple[Segment, ...]) -> bool:
    """Free-form maps (headers, input_schema) are shown whole, not key by key."""
    return bool(path) and path[-1] in ("input_schema", "headers")
