"""Find the secret values in a character body, fast, from the models' ``x-secret`` markers.

``models.meta.secret_values`` walks every field of every object; for 10,000 characters that is
seconds. Here the secret paths are read from the markers once and only those paths are visited,
so a new secret field is still covered by marking it in the model.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from osharactl.models import Character
from osharactl.models.meta import PathPattern, secret_patterns


@cache
def _patterns() -> tuple[PathPattern, ...]:
    return tuple(secret_patterns(Character))


def secret_strings(body: Any) -> set[str]:
    """Every non-empty string at a secret path of ``body`` (a mapping's values included)."""
    found: set[str] = set()
    for pattern in _patterns():
        _collect(body, pattern, found)
    return found


def _collect(value: Any, pattern: PathPattern, found: set[str]) -> None:
    if not pattern:
        if isinstance(value, str) and value:
            found.add(value)
        elif isinstance(value, dict):
            found.update(v for v in value.values() if isinstance(v, str) and v)
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
