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
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from osharactl.models import Character, FormDefinition
from osharactl.models.base import LIST_KEY, SET_LIKE
from osharactl.models.meta import _pick, flag, inner_models

ORDER = "(order)"
Segment = str | int  # "[key]" for keyed-list items, int for plain list indices, str for keys


def is_empty(value: Any) -> bool:
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
    for name, info in model.model_fields.items():
        out[name] = _canon_value(data[name], info) if name in data else _default(model, name)
    if model is FormDefinition and out.get("confirmation_type") is None:
        out["confirmation_type"] = f"{out.get('id')}_submitted"
    return out


def _canon_value(value: Any, info: FieldInfo) -> Any:
    if is_empty(value):
        if _default_is_empty(info):
            return None
        if value is None:
            return _default_of_field(info)
    kind, models = inner_models(info.annotation)
    if kind == "list" and isinstance(value, list):
        items = [_canon_item(models, v) for v in value]
        key = flag(info, LIST_KEY)
        if key and all(isinstance(v, dict) and key in v for v in value):
            result = {keyed(v[key]): item for v, item in zip(value, items, strict=True)}
            if not flag(info, SET_LIKE) and len(result) > 1:
                result[ORDER] = [keyed(v[key]) for v in value]
            return result
        if flag(info, SET_LIKE):
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return items
    if kind == "dict" and isinstance(value, dict):
        return {k: _canon_item(models, v) for k, v in value.items()}
    return _canon_item(models, value)


def _default_of_field(info: FieldInfo) -> Any:
    """``null`` where a default exists means "not set": the default (an empty ``{}`` object
    instead is filled in field by field below)."""
    value = info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]
    return _canon_value(_to_json(value), info)


def _canon_item(models: list[type[BaseModel]], value: Any) -> Any:
    if models and isinstance(value, dict):
        chosen = _pick(models, value)
        if chosen is not None:
            return canonical(value, chosen)
    return value


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
