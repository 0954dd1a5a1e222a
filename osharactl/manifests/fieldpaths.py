"""The field-path syntax shared by ``ignore_changes`` and the plan's diff, and its checks.

``widget_appearance.forms[book-demo].fields[email].label``: dotted field names; list items by
their key in brackets when the list is keyed (``models.meta.list_keys``), else by index. A path
is checked against the models so a typo in ``ignore_changes`` is an error, not a silent no-op.
"""

from __future__ import annotations

import re
from difflib import get_close_matches

from pydantic import BaseModel

from osharactl.models import Character
from osharactl.models.base import LIST_KEY
from osharactl.models.meta import flag, inner_models

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)((?:\[[^\[\]]+\])*)")
_BRACKET = re.compile(r"\[([^\[\]]+)\]")

Segment = tuple[str, tuple[str, ...]]  # field name, bracket contents


def parse(path: str) -> list[Segment]:
    """Split a field path; raises ``ValueError`` when the syntax is wrong."""
    segments: list[Segment] = []
    for part in path.split("."):
        match = _SEGMENT.fullmatch(part)
        if not match:
            raise ValueError(f"malformed field path {path!r} (at {part!r})")
        segments.append((match.group(1), tuple(_BRACKET.findall(match.group(2)))))
    return segments


def check(path: str, root: type[BaseModel] = Character) -> str | None:
    """``None`` when ``path`` names a real field, else what is wrong with it."""
    try:
        segments = parse(path)
    except ValueError as exc:
        return str(exc)
    models: list[type[BaseModel]] = [root]
    for position, (name, brackets) in enumerate(segments):
        if not models:
            return None  # below a free-form mapping (headers, input_schema): anything goes
        infos = [m.model_fields[name] for m in models if name in m.model_fields]
        if not infos:
            fields = [n for m in models for n in m.model_fields]
            hint = get_close_matches(name, fields, n=1)
            where = ".".join(s[0] for s in segments[:position]) or "a character"
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            return f"{name!r} is not a field of {where}{suggestion}"
        info = infos[0]
        kind, models = inner_models(info.annotation)
        for other in infos[1:]:  # a field of every member of a union (tools[].config)
            models = [*models, *inner_models(other.annotation)[1]]
        last = position == len(segments) - 1
        if brackets:
            if kind != "list":
                return f"{name!r} is not a list, so it takes no [..]"
            keyed = flag(info, LIST_KEY)
            for item in brackets:
                if not item.isdigit() and not keyed:
                    return f"{name!r} items have no key: address them by index, {name}[0]"
        elif kind == "list" and not last:
            return f"{name!r} is a list: address an item as {name}[key] or {name}[0]"
        if not models and kind != "dict" and not last and _is_leaf(info.annotation):
            return f"{name!r} is a single value and has no sub-fields"
    return None


def _is_leaf(annotation: object) -> bool:
    text = str(annotation)
    return "dict" not in text and "Any" not in text
