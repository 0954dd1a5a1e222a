"""Reduce desired and live characters to one canonical shape, so that equal means "no change".

Both sides go through the same function, driven by the models' markers:
- every modelled field is present, an omitted one takes its documented default (promise 1);
- unknown keys (read-only fields, keys we do not model) are dropped: the diff never sees them;
- the empty values ``None``, ``""``, ``[]``, ``{}`` (and objects whose values are all empty) are one
  value for a field whose default is empty (section 20: a server may use any of them);
- keyed lists (tools by name, forms by id, ...) become ``{"[key]": item}`` so diffs say
  ``tools[ticket_lookup].config.url``; their order, where it matters, is kept under ``"(order)"``;
- set-like lists (allowed_origins, engines, ...) are sorted.
"""

from __future__ import annotations

import hashlib
import json
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from osharactl.models import Character, FormDefinition
from osharactl.models.base import LIST_KEY, SET_LIKE
from osharactl.models.meta import _strip, flag, inner_models

ORDER = "(order)"
Segment = str | int  # "[key]" for keyed-list items, int for plain list indices, str for keys


def is_empty(value: Any) -> bool:
    cls = value.__class__  # plain JSON types first: called for every value of both sides
    if cls is str or cls is list:
        return not value
    if cls is dict:
        return all(is_empty(v) for v in value.values())
    if cls is int or cls is float or cls is bool:
        return False
    if value is None or value == "" or value == [] or value == {}:
        return True
    return isinstance(value, dict) and all(is_empty(v) for v in value.values())


def keyed(key_value: Any) -> str:
    return f"[{key_value}]"


@cache
def _default(model: type[BaseModel], name: str) -> Any:
    """The field's documented default as JSON, canonicalised (cached: hot path at 10k chars)."""
    info = model.model_fields[name]
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return None
    else:
        value = info.default
    return _canon_value(_to_json(value), info)


def _to_json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def canonical(data: dict[str, Any], model: type[BaseModel] = Character) -> dict[str, Any]:
    """Canonical form of a character (or any model's data). Never raises on odd live data: a
    value of the wrong shape is kept as it is and simply compares unequal."""
    out: dict[str, Any] = {}
    for name, shape in _shapes(model):
        out[name] = _canon(data[name], shape) if name in data else _default(model, name)
    if model is FormDefinition and out.get("confirmation_type") is None:
        out["confirmation_type"] = f"{out.get('id')}_submitted"
    return out


@dataclass(frozen=True)
class _Shape:
    """What canonicalising one field needs from its markers and annotation, computed once per
    field: asking pydantic and ``typing`` for every value was most of a 1,000-character plan."""

    info: FieldInfo
    kind: str  # "list", "dict" or "" (see meta.inner_models)
    models: tuple[type[BaseModel], ...]
    tags: dict[Any, type[BaseModel]] | None  # discriminated unions: "kind" tag → model
    list_key: Any
    set_like: bool
    default_empty: bool


@cache
def _shapes(model: type[BaseModel]) -> tuple[tuple[str, _Shape], ...]:
    return tuple((name, _shape(info)) for name, info in model.model_fields.items())


@cache
def _shape(info: FieldInfo) -> _Shape:
    kind, models = inner_models(info.annotation)
    tags: dict[Any, type[BaseModel]] | None = None
    if len(models) > 1:
        tags = {}
        for m in models:  # first model wins, as in meta.pick_model
            tag_field = m.model_fields.get("kind")
            for tag in typing.get_args(_strip(tag_field.annotation)) if tag_field else ():
                tags.setdefault(tag, m)
    return _Shape(
        info,
        kind,
        tuple(models),
        tags,
        flag(info, LIST_KEY),
        bool(flag(info, SET_LIKE)),
        _default_is_empty(info),
    )


def _canon_value(value: Any, info: FieldInfo) -> Any:
    return _canon(value, _shape(info))


def _canon(value: Any, shape: _Shape) -> Any:
    if is_empty(value):
        if shape.default_empty:
            return None
        if value is None:
            return _default_of_field(shape.info)
    kind = shape.kind
    if kind == "list" and isinstance(value, list):
        items = [_canon_item(shape, v) for v in value]
        key = shape.list_key
        if key and all(isinstance(v, dict) and key in v for v in value):
            result = {keyed(v[key]): item for v, item in zip(value, items, strict=True)}
            if not shape.set_like and len(result) > 1:
                result[ORDER] = [keyed(v[key]) for v in value]
            return result
        if shape.set_like:
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return items
    if kind == "dict" and isinstance(value, dict):
        return {k: _canon_item(shape, v) for k, v in value.items()}
    return _canon_item(shape, value)


def _default_of_field(info: FieldInfo) -> Any:
    """``null`` where a default exists means "not set": the default (an empty ``{}`` object
    instead is filled in field by field below)."""
    value = info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]
    return _canon_value(_to_json(value), info)


def _canon_item(shape: _Shape, value: Any) -> Any:
    if shape.models and isinstance(value, dict):
        chosen = _choose(shape, value)
        if chosen is not None:
            return canonical(value, chosen)
    return value


def _choose(shape: _Shape, data: dict[str, Any]) -> type[BaseModel] | None:
    """The model for ``data``: the only one, or the union member its ``kind`` tag names."""
    if shape.tags is None:
        return shape.models[0]
    try:
        return shape.tags.get(data.get("kind"))
    except TypeError:  # an unhashable "kind" in odd live data names no model
        return None


def _default_is_empty(info: FieldInfo) -> bool:
    if info.default_factory is None:
        return info.default is PydanticUndefined or is_empty(info.default)
    return _factory_empty(info.default_factory)


@cache
def _factory_empty(factory: Any) -> bool:
    return is_empty(_to_json(factory()))


def fingerprint(live: dict[str, Any]) -> str:
    """A stable digest of a live character's whole stored state (for stale saved plans)."""
    text = json.dumps(live, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
