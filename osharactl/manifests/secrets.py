"""The secret values in a character body, for redacting diagnostics (see
``models.meta.secret_values``: one implementation, driven by the models' ``x-secret`` markers)."""

from __future__ import annotations

from typing import Any

from osharactl.models import Character
from osharactl.models.meta import secret_values


def secret_strings(body: Any) -> set[str]:
    """Every non-empty string at a secret path of ``body`` (a mapping's values included)."""
    return set(secret_values(body, Character))
