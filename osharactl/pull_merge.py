"""Re-pull: update one existing character document in place, touching only what changed.

The unit of change is a top-level key, a sub-key of ``widget_appearance``, or one item of a keyed
list (tools, MCP servers, forms, languages, handoff targets). A unit whose declared value still
plans equal to live keeps its YAML node untouched: comments, ``${env:…}``/``${var:…}`` text and
``- use:`` references survive. Equality is the planner's own (``diff.compare``), after making
references whose variables are not set compare equal to live (they cannot be checked, so they
are kept: a re-pull never swaps a reference for a resolved value).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from osharactl.diff import CharacterDiff, compare
from osharactl.manifests.types import DesiredCharacter
from osharactl.models import Character, WidgetAppearance
from osharactl.models.base import LIST_KEY
from osharactl.models.meta import flag, inner_models, pick_model, secret_patterns
from osharactl.normalize import ORDER, canonical, keyed
from osharactl.paths import Segment, canon_get, format_path, has, parse_path, raw_locate
from osharactl.pull_manifest import LabelPath, ref_matches
from osharactl.pull_yaml import to_node

Unit = tuple[str, ...]  # ("greeting",) or ("widget_appearance", "theme")
WHOLE = "(whole)"


@dataclass(frozen=True)
class Refs:
    """How references are resolved while comparing: real values only, unset ones unknown."""

    environ: Mapping[str, str]
    variables: Mapping[str, str]


def label_path(raw: tuple[str | int, ...], data: Any) -> LabelPath:
    """A raw document path (list indices) as a label path (keyed-list items by key)."""
    out: list[Segment] = []
    node: Any = data
    model: type[BaseModel] | None = Character
    item_models: list[Any] = []
    list_key: str | None = None
    for seg in raw:
        if isinstance(seg, int) and isinstance(node, list):
            item = node[seg] if 0 <= seg < len(node) else None
            has_key = list_key is not None and isinstance(item, dict) and list_key in item
            out.append(keyed(item[list_key]) if has_key else seg)  # type: ignore[index]
            node = item
            model = (
                pick_model(item_models, item) if item_models and isinstance(item, dict) else None
            )
            list_key = None
            continue
        info = model.model_fields.get(str(seg)) if model else None
        out.append(seg)
        node = node.get(seg) if isinstance(node, dict) else None
        if info is None:
            model, item_models, list_key = None, [], None
            continue
        kind, item_models = inner_models(info.annotation)
        list_key = flag(info, LIST_KEY)
        single = kind == "" and item_models and isinstance(node, dict)
        model = pick_model(item_models, node) if single else None
    return tuple(out)


def old_references(desired: DesiredCharacter) -> dict[LabelPath, str]:
    return {label_path(p, desired.declared): text for p, text in desired.refs.items()}


def comparable(desired: DesiredCharacter, live: dict[str, Any], refs: Refs) -> DesiredCharacter:
    """``desired`` with every reference that may stand for the live value set to that value."""
    declared = copy.deepcopy(desired.declared)
    for raw, text in desired.refs.items():
        container, key = raw_locate(live, label_path(raw, desired.declared), Character)
        if container is None or key is None or not has(container, key):
            continue
        live_value = container[key]
        if ref_matches(text, live_value, refs.environ, refs.variables):
            _set_raw(declared, raw, live_value)
    return replace(desired, declared=declared)


def difference(desired: DesiredCharacter, live: dict[str, Any], refs: Refs) -> CharacterDiff | None:
    result = compare(comparable(desired, live, refs), live)
    return result if result is not None and result.fields else None


@dataclass
class UnitChange:
    """What changed inside one unit: keyed items (``WHOLE`` = the whole value, ``ORDER`` =
    their order) and, for nested objects, the plain sub-paths."""

    items: set[str] = field(default_factory=set)
    leaves: list[tuple[str, ...]] = field(default_factory=list)


def changed_units(result: CharacterDiff) -> dict[Unit, UnitChange]:
    units: dict[Unit, UnitChange] = {}
    for change in result.fields:
        segments = parse_path(change.path)
        split = 2 if segments[0] == "widget_appearance" and len(segments) > 1 else 1
        unit, rest = tuple(segments[:split]), segments[split:]
        entry = units.setdefault(unit, UnitChange())
        if rest and rest[0] == ORDER:
            entry.items.add(ORDER)
        elif rest and rest[0].startswith("["):
            entry.items.add(rest[0])
        else:
            entry.items.add(WHOLE)
            entry.leaves.append(rest)
    return units


def apply_units(
    doc: CommentedMap,
    desired: DesiredCharacter,
    pulled: dict[str, Any],
    units: dict[Unit, UnitChange],
) -> list[str]:
    """Rewrite each unit of ``doc`` from ``pulled``; returns what changed, as field paths."""
    changed: list[str] = []
    for unit, change in sorted(units.items()):
        found, new = canon_get(pulled, unit)
        parent = _parent(doc, unit)
        key = unit[-1]
        model = WidgetAppearance if len(unit) == 2 else Character
        _, declared = canon_get(desired.declared, unit)
        old = parent.get(key) if isinstance(parent, dict) else None
        list_key = _list_key(unit)
        items = change.items
        node: Any
        if _leaf_mode(model, key, change):
            changed += _apply_leaves(parent, key, model, pulled, unit, change.leaves)
            node = parent.get(key)
        elif found and list_key and WHOLE not in items and isinstance(old, list):
            node = _merge_items(old, declared, new, list_key, items)
            changed += [format_path((*unit, i)) for i in sorted(items - {ORDER})] or [
                format_path(unit) + " (order)"
            ]
        else:
            node = to_node(new) if found else None
            changed.append(format_path(unit))
        if node is None or (isinstance(node, dict) and not node and _leaf_mode(model, key, change)):
            parent.pop(key, None)
        else:
            put(parent, key, node, list(model.model_fields))
        if len(unit) == 2 and not parent:
            doc.pop("widget_appearance", None)
    return changed


def _leaf_mode(model: type[BaseModel], key: str, change: UnitChange) -> bool:
    """A nested object (theme, labels, ...) changed only in plain sub-keys: edit just those."""
    info = model.model_fields.get(key)
    if info is None or change.items - {WHOLE}:
        return False
    kind, models = inner_models(info.annotation)
    return kind == "" and len(models) == 1 and all(change.leaves)


def _apply_leaves(
    parent: Any,
    key: str,
    model: type[BaseModel],
    pulled: dict[str, Any],
    unit: Unit,
    leaves: list[tuple[str, ...]],
) -> list[str]:
    node = parent.get(key)
    if not isinstance(node, dict):
        node = CommentedMap()
        put(parent, key, node, list(model.model_fields))
    info = model.model_fields[key]
    sub_model = inner_models(info.annotation)[1][0]
    for leaf in leaves:
        found, value = canon_get(pulled, (*unit, *leaf))
        if found:
            set_explicit(node, leaf, value, sub_model)
        else:
            _remove(node, leaf)
    return [format_path((*unit, *leaf)) for leaf in leaves]


def _remove(node: Any, path: tuple[str, ...]) -> None:
    """Delete ``path``; the default applies again (or the shared default, fixed up later)."""
    current = node
    for seg in path[:-1]:
        current = current.get(seg) if isinstance(current, dict) else None
    if isinstance(current, dict):
        current.pop(path[-1], None)


def _merge_items(
    old: list[Any], declared: Any, new: list[Any], key: str, items: set[str]
) -> CommentedSeq:
    """The live list, reusing each unchanged item's old node (``- use:`` stays ``- use:``)."""
    declared_items = declared if isinstance(declared, list) else []
    old_by_key: dict[str, Any] = {}
    if len(declared_items) == len(old):
        for node, value in zip(old, declared_items, strict=True):
            if isinstance(value, dict) and key in value:
                old_by_key[keyed(value[key])] = node
    seq = CommentedSeq()
    for item in new:
        label = keyed(item.get(key)) if isinstance(item, dict) else None
        reuse = label is not None and label in old_by_key and label not in items
        seq.append(old_by_key[label] if reuse and label else to_node(item))
    return seq


def _list_key(unit: Unit) -> str | None:
    model = WidgetAppearance if len(unit) == 2 else Character
    info = model.model_fields.get(unit[-1])
    return flag(info, LIST_KEY) if info is not None else None


def _parent(doc: CommentedMap, unit: Unit) -> Any:
    if len(unit) == 1:
        return doc
    current = doc.get("widget_appearance")
    if not isinstance(current, dict):
        current = CommentedMap()
        put(doc, "widget_appearance", current, list(Character.model_fields))
    return current


def put(mapping: Any, key: str, node: Any, order: list[str]) -> None:
    """Set ``key``; a new key goes after the keys that precede it in the model's order."""
    if key in mapping:
        mapping[key] = node
        return
    rank = order.index(key) if key in order else len(order)
    position = 0
    for index, existing in enumerate(mapping):
        if existing in order and order.index(existing) < rank:
            position = index + 1
    mapping.insert(position, key, node)


def set_explicit(
    doc: Any, path: tuple[Segment, ...], value: Any, model: type[BaseModel] | None = Character
) -> bool:
    """Write ``value`` at a plain mapping path (creating maps on the way, in model key order).
    False when the path is not plain (keyed-list items are not edited this way)."""
    if not path or any(not isinstance(s, str) or s.startswith("[") or s == ORDER for s in path):
        return False
    current: Any = doc
    for seg in path[:-1]:
        info = model.model_fields.get(str(seg)) if model else None
        child = current.get(seg)
        if not isinstance(child, dict):
            child = CommentedMap()
            put(current, str(seg), child, list(model.model_fields) if model else [])
        current = child
        models = inner_models(info.annotation)[1] if info else []
        model = models[0] if len(models) == 1 else None
    put(current, str(path[-1]), to_node(value), list(model.model_fields) if model else [])
    return True


def explicit_value(live: dict[str, Any], path: tuple[Segment, ...]) -> tuple[bool, Any]:
    """The value to write at a plain path so it wins over a shared default: the live value as
    stored, else its documented default. Never for secrets, never for structured values."""
    if any(path[: len(p)] == p for p in secret_patterns(Character)):
        return False, None
    container, key = raw_locate(live, path, Character)
    if container is not None and key is not None and has(container, key):
        value = container[key]
        if value is not None and _plain(value):
            return True, _escape(value)
    found, value = canon_get(canonical(live), path)
    if found and value is None:
        value = _documented_default(path)
    return found and _plain(value), _escape(value)


def _documented_default(path: tuple[Segment, ...]) -> Any:
    model: Any = Character
    info = None
    for seg in path:
        info = model.model_fields.get(str(seg)) if model else None
        if info is None:
            return None
        models = inner_models(info.annotation)[1]
        model = models[0] if len(models) == 1 else None
    if info is None:
        return None
    value = info.default_factory() if info.default_factory else info.default
    return value if _plain(value) else None


def _plain(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(v, str | int | float | bool) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def _escape(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


def _set_raw(data: Any, raw: tuple[str | int, ...], value: Any) -> None:
    current: Any = data
    for seg in raw[:-1]:
        try:
            current = current[seg]
        except (KeyError, IndexError, TypeError):
            return
    last = raw[-1]
    if isinstance(current, dict | list) and (isinstance(current, dict) or isinstance(last, int)):
        current[last] = value  # type: ignore[index]
