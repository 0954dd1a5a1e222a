"""Pydantic validation of one expanded character, turned into positioned diagnostics.

Pydantic's own error text is never printed: its ``str()`` includes input values (secrets). We
format from ``.errors()`` without inputs, redact any secret or environment value that a custom
validator may have quoted, drop pydantic's union-member labels from the location, and add a
"did you mean" for unknown keys using the field names of the model at that path.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ValidationError

from osharactl.errors import Diagnostic
from osharactl.manifests.secrets import secret_strings
from osharactl.manifests.types import Path, RawDocument, diag
from osharactl.models import Character
from osharactl.models.meta import SENSITIVE, inner_models

EXTENSION_KEYS = ("defaults", "ignore_changes", "lint_ignore", "replaces")


def validate_character(
    doc: RawDocument, body: dict[str, Any], redact: Iterable[str]
) -> tuple[Character | None, list[Diagnostic]]:
    """Validate ``body`` (extension keys already removed) strictly: ``"5"`` is not a number."""
    try:
        return Character.model_validate(body, strict=True), []
    except ValidationError as exc:
        secrets = {s for s in (*secret_strings(body), *redact) if len(s) >= 3}
        return None, _diagnostics(doc, body, exc, secrets)


def _diagnostics(
    doc: RawDocument, body: dict[str, Any], exc: ValidationError, secrets: set[str]
) -> list[Diagnostic]:
    by_path: dict[Path, list[str]] = {}
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        path = _clean_loc(error["loc"], body, missing=error["type"] == "missing")
        message = _message(error["type"], error["msg"], path, body)
        by_path.setdefault(path, [])
        if message not in by_path[path]:
            by_path[path].append(message)
    out = []
    for path, messages in by_path.items():
        text = ", or ".join(messages)
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, SENSITIVE)
        out.append(diag(doc.pos(path), path, text))
    return out


def _clean_loc(loc: tuple[int | str, ...], body: Any, *, missing: bool) -> Path:
    """Follow ``loc`` through the data, skipping pydantic's union labels (``http``, ``int``)."""
    path: list[str | int] = []
    current: Any = body
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        known = isinstance(current, dict) and (part in current or (last and missing))
        if known and isinstance(part, str):
            path.append(part)
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            path.append(part)
            current = current[part]
    return tuple(path)


def _message(kind: str, msg: str, path: Path, body: dict[str, Any]) -> str:
    if kind == "extra_forbidden" and path:
        allowed = field_names(path[:-1], body)
        key = str(path[-1])
        hint = get_close_matches(key, allowed, n=1, cutoff=0.6)
        return f"unknown key {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
    if kind == "missing":
        return "required key is missing"
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    return msg


def field_names(path: Path, body: dict[str, Any]) -> list[str]:
    """Allowed keys of the object at ``path`` (the character's include osharactl's own)."""
    model = model_at(path, body)
    if model is None:
        return []
    names = list(model.model_fields)
    if model is Character and not path:
        names.extend(EXTENSION_KEYS)
    return names


def model_at(path: Path, body: Any) -> type[BaseModel] | None:
    """The model class that describes the object at ``path`` of ``body``, if any."""
    model: type[BaseModel] | None = Character
    current: Any = body
    pending: list[type[BaseModel]] = []
    for part in path:
        if isinstance(part, int):
            current = current[part] if isinstance(current, list) and part < len(current) else None
            model = pick(pending, current)
            continue
        if model is None or part not in model.model_fields:
            return None
        current = current.get(part) if isinstance(current, dict) else None
        kind, pending = inner_models(model.model_fields[part].annotation)
        model = None if kind else pick(pending, current)
    return model


def pick(models: list[type[BaseModel]], data: Any) -> type[BaseModel] | None:
    """The union member for ``data``: the only one, or the one whose ``kind`` tag matches."""
    if len(models) == 1:
        return models[0]
    for model in models:
        kind = model.model_fields.get("kind")
        tags = typing.get_args(kind.annotation) if kind is not None else ()
        if isinstance(data, dict) and data.get("kind") in tags:
            return model
    return None
