"""Read the field markers back out of the models: secret paths, keyed lists, set-like lists.

Everything that must treat a field specially (the masker, the normaliser, the differ) asks here
rather than keeping its own list of field names, so a new secret field is masked everywhere by
marking it once in the model.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Iterator
from functools import cache
from typing import Any, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from osharactl.models.base import LIST_KEY, READ_ONLY, SECRET, SERVER_DEFAULT, SET_LIKE

SENSITIVE = "(sensitive)"
PathPattern = tuple[str, ...]  # field names; "[]" = any list item; "*" = any mapping value


def flag(info: FieldInfo, key: str) -> Any:
    extra = info.json_schema_extra
    return extra.get(key) if isinstance(extra, dict) else None


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def inner_models(annotation: Any) -> tuple[str, list[type[BaseModel]]]:
    """Return the container kind (``"list"``, ``"dict"``, ``""``) and the models inside it.

    Cached: the normaliser and the masker ask this for every value of every character, and the
    ``typing`` introspection behind it was a third of a 1,000-character plan (bench/README.md).
    The result is shared, so callers must not mutate the list."""
    try:
        return _inner_models_cached(annotation)
    except TypeError:  # an unhashable annotation: compute it afresh
        return _inner_models(annotation)


@cache
def _inner_models_cached(annotation: Any) -> tuple[str, list[type[BaseModel]]]:
    return _inner_models(annotation)


def _inner_models(annotation: Any) -> tuple[str, list[type[BaseModel]]]:
    annotation = _strip(annotation)
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        kinds: set[str] = set()
        found: list[type[BaseModel]] = []
        for arg in typing.get_args(annotation):
            if _strip(arg) is type(None):
                continue
            kind, models = inner_models(arg)
            kinds.add(kind) if models or kind else None
            found.extend(models)
        return (kinds.pop() if len(kinds) == 1 else ""), found
    if origin is list:
        return "list", inner_models(typing.get_args(annotation)[0])[1]
    if origin is dict:
        return "dict", inner_models(typing.get_args(annotation)[1])[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "", [annotation]
    return "", []


def walk(
    model: type[BaseModel], prefix: PathPattern = ()
) -> Iterator[tuple[PathPattern, FieldInfo]]:
    """Yield every field of ``model`` and its nested models with its path pattern."""
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        yield path, info
        kind, models = inner_models(info.annotation)
        step = {"list": ("[]",), "dict": ("*",)}.get(kind, ())
        for sub in models:
            yield from walk(sub, (*path, *step))


@cache
def patterns(model: type[BaseModel], key: str) -> dict[PathPattern, Any]:
    """All path patterns whose field carries marker ``key``, with the marker's value."""
    return {p: flag(info, key) for p, info in walk(model) if flag(info, key)}


def secret_patterns(model: type[BaseModel]) -> dict[PathPattern, Any]:
    return patterns(model, SECRET)


def list_keys(model: type[BaseModel]) -> dict[PathPattern, str]:
    return patterns(model, LIST_KEY)


def set_like(model: type[BaseModel]) -> frozenset[PathPattern]:
    return frozenset(patterns(model, SET_LIKE))


def server_default_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(p[0] for p in patterns(model, SERVER_DEFAULT) if len(p) == 1)


def read_only_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(p[0] for p in patterns(model, READ_ONLY) if len(p) == 1)


def pick_model(models: list[type[BaseModel]], data: Any) -> type[BaseModel] | None:
    """Choose the union member for ``data`` (tools are discriminated by ``kind``)."""
    if len(models) == 1:
        return models[0]
    if isinstance(data, dict):
        for m in models:
            kind = m.model_fields.get("kind")
            if kind is not None and data.get("kind") in typing.get_args(_strip(kind.annotation)):
                return m
    return None


def mask_secrets(data: Any, model: type[BaseModel]) -> Any:
    """Return a copy of ``data`` (plain JSON-like) with every secret value replaced by
    ``"(sensitive)"``. Unknown keys are kept; empty secrets stay empty so "not set" is visible.
    The copy shares nothing mutable with ``data``: callers mask further in place, and ``data`` may
    be a request body about to be sent."""
    if not isinstance(data, dict):
        return copy.deepcopy(data)
    out: dict[str, Any] = {}
    for key, value in data.items():
        info = model.model_fields.get(key)
        if info is None:
            out[key] = copy.deepcopy(value)
            continue
        if flag(info, SECRET):
            out[key] = _mask_value(value)
            continue
        kind, models = inner_models(info.annotation)
        if kind == "list" and isinstance(value, list):
            out[key] = [_mask_in(models, v) for v in value]
        elif kind == "dict" and isinstance(value, dict):
            out[key] = {k: _mask_in(models, v) for k, v in value.items()}
        else:
            out[key] = _mask_in(models, value)
    return out


def _mask_in(models: list[type[BaseModel]], value: Any) -> Any:
    chosen = pick_model(models, value) if models else None
    if chosen is not None:
        return mask_secrets(value, chosen)
    return _mask_unmodelled(value) if models else copy.deepcopy(value)


# Names that hold secrets in the models; in an object we cannot model (a tool of a kind the
# docs do not list), any key with one of these names is masked too, at any depth.
SECRET_NAMES = frozenset({"headers", "llm_api_key", "kb_query_api_key", "api_key", "token"})


def _mask_unmodelled(value: Any) -> Any:
    """Mask an object no model describes (e.g. a live tool of an undocumented ``kind``): we
    cannot know its secrets, so mask by name rather than show a header in clear."""
    if isinstance(value, dict):
        return {
            k: _mask_value(v) if k in SECRET_NAMES else _mask_unmodelled(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_unmodelled(v) for v in value]
    return value


def _mask_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: SENSITIVE if v not in (None, "") else v for k, v in value.items()}
    if value in (None, ""):
        return value
    return SENSITIVE


def secret_values(data: Any, model: type[BaseModel]) -> list[str]:
    """Every non-empty string at a secret path of ``data`` (a header map's values included),
    for redacting text. Only the marked paths are visited (fast at 10,000 characters), and they
    are matched whatever a tool's ``kind``, so an undocumented kind's headers are found too."""
    found: dict[str, None] = {}
    for pattern in secret_patterns(model):
        _collect(data, pattern, found)
    return list(found)


def _collect(value: Any, pattern: PathPattern, found: dict[str, None]) -> None:
    if not pattern:
        if isinstance(value, str) and value:
            found[value] = None
        elif isinstance(value, dict):
            found.update((v, None) for v in value.values() if isinstance(v, str) and v)
        return
    head, rest = pattern[0], pattern[1:]
    if head == "[]" and isinstance(value, list):
        for item in value:
            _collect(item, rest, found)
    elif head == "*" and isinstance(value, dict):
        for item in value.values():
            _collect(item, rest, found)
    elif isinstance(value, dict) and head in value:
        _collect(value[head], rest, found)


def split_unknown(data: Any, model: type[BaseModel]) -> tuple[Any, dict[str, Any]]:
    """Split a plain object into (keys the model knows, the rest). Recurses into nested plain
    objects only; list items are validated strictly. In the second value a key that is a model
    field holds that field's own unknown keys."""
    if not isinstance(data, dict):
        return data, {}
    known: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        info = model.model_fields.get(key)
        if info is None:
            extra[key] = value
            continue
        kind, models = inner_models(info.annotation)
        if not kind and len(models) == 1 and isinstance(value, dict):
            value, nested = split_unknown(value, models[0])
            if nested:
                extra[key] = nested
        known[key] = value
    return known, extra


def merge_unknown(data: dict[str, Any], extra: dict[str, Any], model: type[BaseModel]) -> None:
    """Put keys split off by ``split_unknown`` back into ``data`` (in place)."""
    for key, value in extra.items():
        info = model.model_fields.get(key)
        if info is None:
            data[key] = value
            continue
        _, models = inner_models(info.annotation)
        if isinstance(data.get(key), dict) and models:
            merge_unknown(data[key], value, models[0])
        elif key not in data and models:
            data[key] = copy.deepcopy(value)  # only unknown keys: the server fills the rest
