"""Field paths as users write them (``ignore_changes``) and plans print them.

``widget_appearance.forms[book-demo].fields[email].label``: dotted keys, items of keyed lists by
their key in brackets, items of plain lists by index. Internally a path is a tuple of segments:
``str`` keys, ``"[key]"`` for keyed-list items (as ``normalize`` lays them out) and ``int`` indices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from osharactl.models import Character
from osharactl.models.base import LIST_KEY
from osharactl.models.meta import flag, inner_models, list_keys, pick_model

Segment = str | int
LIST_KEYS = list_keys(Character)
_TOKEN = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def format_path(segments: Iterable[Segment]) -> str:
    out = ""
    for seg in segments:
        if isinstance(seg, int):
            out += f"[{seg}]"
        elif seg.startswith("["):
            out += seg
        else:
            out += ("." if out else "") + seg
    return out


def parse_path(text: str) -> tuple[str, ...]:
    """Split a path; bracket segments stay ``"[x]"`` and are resolved against the data later."""
    segments: list[str] = []
    for match in _TOKEN.finditer(text):
        bracket, key = match.groups()
        segments.append(f"[{bracket}]" if bracket is not None else key)
    return tuple(segments)


def pattern_of(segments: Iterable[Segment]) -> tuple[str, ...]:
    """Generalise a concrete path to the markers' pattern syntax (items → ``[]``)."""
    return tuple(
        "[]" if isinstance(s, int) or (isinstance(s, str) and s.startswith("[")) else s
        for s in segments
    )


def under(path: tuple[Any, ...], prefix: tuple[Any, ...]) -> bool:
    return len(path) >= len(prefix) and path[: len(prefix)] == prefix


def canon_get(data: Any, segments: Iterable[Segment]) -> tuple[bool, Any]:
    """Follow a path through canonical data; bracket segments also index plain lists."""
    for seg in segments:
        if isinstance(data, dict) and seg in data:
            data = data[seg]
        elif isinstance(data, list):
            index = _index(seg)
            if index is None or not -len(data) <= index < len(data):
                return False, None
            data = data[index]
        else:
            return False, None
    return True, data


def values_at(data: Any, paths: Iterable[tuple[Segment, ...]]) -> list[str]:
    """The strings found at ``paths`` (paths that lead nowhere are skipped)."""
    values = (canon_get(data, path)[1] for path in paths)
    return [value for value in values if isinstance(value, str)]


def canon_pop(data: Any, segments: tuple[Segment, ...]) -> None:
    """Remove the value at ``segments`` (used to drop ignored paths before comparing)."""
    if not segments:
        return
    found, parent = canon_get(data, segments[:-1])
    last = segments[-1]
    if found and isinstance(parent, dict):
        parent.pop(last, None)
    elif found and isinstance(parent, list):
        index = _index(last)
        if index is not None and 0 <= index < len(parent):
            parent[index] = None


def has(container: Any, key: Any) -> bool:
    """Whether ``container[key]`` exists (a dict key, or an in-range list index)."""
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container)


def list_key(path: tuple[Segment, ...]) -> str | None:
    """The key field of the keyed list at ``path`` (``tools`` → ``name``), from the models."""
    return LIST_KEYS.get(pattern_of(path))


def _index(seg: Segment) -> int | None:
    if isinstance(seg, int):
        return seg
    text = seg[1:-1] if seg.startswith("[") else seg
    return int(text) if text.lstrip("-").isdigit() else None


_MISSING = object()


def raw_locate(
    data: Any, segments: tuple[Segment, ...], model: type[BaseModel]
) -> tuple[Any, Segment | None]:
    """Find the container holding the last segment in raw API-shaped data, keyed-list items found
    by their key field (``forms[book-demo]`` → the form whose ``id`` is ``book-demo``). Returns
    ``(container, key_or_index)``; the key may be absent from a dict container. ``(None, None)``
    when an intermediate step does not exist."""
    container: Any = None
    key: Segment | None = None
    current: Any = data
    current_model: type[BaseModel] | None = model
    item_models: list[type[BaseModel]] = []
    list_key: str | None = None
    for seg in segments:
        if isinstance(current, dict) and isinstance(seg, str) and not seg.startswith("["):
            info = current_model.model_fields.get(seg) if current_model else None
            container, key = current, seg
            current = current.get(seg, _MISSING)
            _, item_models = inner_models(info.annotation) if info else ("", [])
            list_key = flag(info, LIST_KEY) if info else None
            current_model = pick_model(item_models, current) if item_models else None
        elif isinstance(current, list):
            pos = _find_item(current, seg, list_key)
            if pos is None:
                return None, None
            container, key = current, pos
            current = current[pos]
            current_model = pick_model(item_models, current) if item_models else None
            list_key = None
        else:
            return None, None
    return container, key


def _find_item(items: list[Any], seg: Segment, list_key: str | None) -> int | None:
    if list_key and isinstance(seg, str) and seg.startswith("["):
        wanted = seg[1:-1]
        for pos, item in enumerate(items):
            if isinstance(item, dict) and str(item.get(list_key)) == wanted:
                return pos
        return None
    index = _index(seg)
    return index if index is not None and 0 <= index < len(items) else None
