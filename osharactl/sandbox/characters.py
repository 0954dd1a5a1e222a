"""Character validation and representation: what the sandbox stores and what GET returns.

The shared pydantic models validate every write (``context={"server": True}`` relaxes the
fields-xor-steps rule as the platform does). Section 20 of oshara-api.md fixes the choices:
unknown top-level keys are ignored (DRF), unknown keys inside ``widget_appearance``'s plain
objects pass through unchanged, only what was sent is stored (overrides, not defaults), secrets
are never returned, and errors come back in DRF's nested ``{"field": ["message"]}`` shape.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from osharactl.models import Character, WidgetAppearance, secret_values
from osharactl.models.base import SECRET
from osharactl.models.meta import flag, inner_models, merge_unknown, split_unknown
from osharactl.sandbox.web import Problem, dumps

PASS_THROUGH_FIELD = "widget_appearance"
NON_FIELD = "non_field_errors"
REDACTED = "********"
SECRET_FIELDS = frozenset(n for n, f in Character.model_fields.items() if flag(f, SECRET))


def _default_json(name: str) -> Any:
    if name == PASS_THROUGH_FIELD:
        return {}  # stored overrides only; the appearance endpoint merges the defaults
    info = Character.model_fields[name]
    if info.is_required():
        return None  # always stored; never needs a default
    value = info.get_default(call_default_factory=True)
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


RETURNED_DEFAULTS: dict[str, Any] = {
    name: _default_json(name) for name in Character.model_fields if name not in SECRET_FIELDS
}


# -- pass-through of unmodelled keys -----------------------------------------------------------


# -- validation --------------------------------------------------------------------------------


def prepare(raw: dict[str, Any]) -> tuple[dict[str, Any], Character]:
    """Validate a full write body and return (what to store, the validated model).

    ``raw`` holds writable top-level keys only. Raises ``Problem(400)`` with DRF-shaped errors.
    """
    known = dict(raw)
    extra: dict[str, Any] = {}
    if PASS_THROUGH_FIELD in known:
        known[PASS_THROUGH_FIELD], extra = split_unknown(
            known[PASS_THROUGH_FIELD], WidgetAppearance
        )
    try:
        character = Character.model_validate(known, context={"server": True})
    except ValidationError as exc:
        raise Problem(400, drf_errors(exc, _secrets(raw))) from None
    _check_form_tool_names(character)
    stored = character.model_dump(mode="json", exclude_unset=True)
    if extra:
        merge_unknown(stored.setdefault(PASS_THROUGH_FIELD, {}), extra, WidgetAppearance)
    return stored, character


def _secrets(raw: dict[str, Any]) -> list[str]:
    try:
        return secret_values(raw, Character)
    except (AttributeError, TypeError):  # malformed shapes: messages never quote input anyway
        return []


def _check_form_tool_names(character: Character) -> None:
    derived = {f.tool_name: f.id for f in character.widget_appearance.forms if not f.disabled}
    errors: dict[str, Any] = {}
    for index, tool in enumerate(character.tools):
        if tool.name in derived:
            message = (
                f"Tool name '{tool.name}' is already used by the tool derived from form "
                f"'{derived[tool.name]}'."
            )
            errors[str(index)] = {"name": [message]}
    if errors:
        raise Problem(400, {"tools": errors})


def drf_errors(exc: ValidationError, secrets: list[str] | None = None) -> dict[str, Any]:
    """Turn pydantic errors into DRF's nested map, built from ``loc`` and ``msg`` only (never
    ``input``), with any secret value that a message might quote replaced."""
    out: dict[str, Any] = {}
    for error in exc.errors(include_url=False, include_input=False):
        path, at_model = field_path(error["loc"], Character)
        if at_model or not path:
            path = [*path, NON_FIELD]
        _add(out, path, _message(error["type"], error["msg"], secrets or []))
    return out


def _message(kind: str, msg: str, secrets: list[str]) -> str:
    if kind == "missing":
        return "This field is required."
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    for secret in secrets:
        msg = msg.replace(secret, REDACTED)
    return msg


def field_path(loc: tuple[int | str, ...], model: type[BaseModel]) -> tuple[list[str], bool]:
    """Map a pydantic ``loc`` onto API field names: drop union tags (``tools.0.http``) and type
    names (``int``/``float``) that pydantic inserts. Returns (path, path ends at an object)."""
    path: list[str] = []
    container = ""
    models: list[type[BaseModel]] = [model]
    leaf = False
    for part in loc:
        if leaf:
            break
        if container:  # list index or mapping key
            path.append(str(part))
            container = ""
            leaf = not models
            continue
        if len(models) > 1:
            tagged = [m for m in models if _tag(m) == part]
            if tagged:
                models = tagged
                continue
        current = models[0] if models else None
        info = current.model_fields.get(str(part)) if current else None
        path.append(str(part))
        if info is None:
            leaf = True
            continue
        container, models = inner_models(info.annotation)
        leaf = not container and not models
    return path, not leaf and not container and bool(models)


def _tag(model: type[BaseModel]) -> Any:
    info = model.model_fields.get("kind")
    args = getattr(info.annotation, "__args__", ()) if info else ()
    return args[0] if args else None


def _add(out: dict[str, Any], path: list[str], message: str) -> None:
    node = out
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):  # a list of messages already sits here
            child = node[part] = {NON_FIELD: child}
        node = child
    node.setdefault(path[-1], [])
    target = node[path[-1]]
    if isinstance(target, dict):
        target.setdefault(NON_FIELD, []).append(message)
    else:
        target.append(message)


# -- representation ----------------------------------------------------------------------------


def render(
    stored: dict[str, Any], *, char_id: int, owner_id: int, created_at: str, updated_at: str
) -> str:
    """The GET representation as JSON text: every non-secret field (stored value or default)
    plus the read-only fields."""
    out: dict[str, Any] = {"id": char_id}
    for name, default in RETURNED_DEFAULTS.items():
        out[name] = stored.get(name, default)
    out["created_at"] = created_at
    out["updated_at"] = updated_at
    out["created_by"] = owner_id
    out["documents"] = []
    return dumps(out)


def appearance(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored ``widget_appearance`` merged over the documented defaults, pass-through kept."""
    known, extra = split_unknown(stored.get(PASS_THROUGH_FIELD, {}), WidgetAppearance)
    merged = WidgetAppearance.model_validate(known, context={"server": True}).model_dump(
        mode="json"
    )
    merge_unknown(merged, extra, WidgetAppearance)
    return merged


def enabled_form_ids(stored: dict[str, Any]) -> set[str]:
    forms = stored.get(PASS_THROUGH_FIELD, {}).get("forms", [])
    return {f["id"] for f in forms if isinstance(f, dict) and not f.get("disabled", False)}
