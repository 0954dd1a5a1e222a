"""Shared model base and the field markers the rest of osharactl reads from the schema.

The models are the single source of truth (DESIGN.md): which fields are secret, read-only, keyed
lists or left to the server is recorded *on the field* with ``json_schema_extra`` markers, so the
normaliser, the masker, the JSON Schema and the docs all read the same facts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

# Marker keys (also visible in the generated JSON Schema, prefixed ``x-`` as JSON Schema allows).
SECRET = "x-secret"  # value (or every value of a mapping) is a secret: masked everywhere
READ_ONLY = "x-read-only"  # set by the server; never diffed, never sent
SERVER_DEFAULT = "x-server-default"  # no documented default: when omitted, the server decides
LIST_KEY = "x-list-key"  # list items are identified by this key (diffs say tools[name])
SET_LIKE = "x-set"  # list order carries no meaning; compared as a set


def marker(**flags: Any) -> dict[str, Any]:
    """Build a ``json_schema_extra`` dict from keyword flags (``secret=True`` → ``x-secret``)."""
    return {"x-" + k.replace("_", "-"): v for k, v in flags.items()}


class OsharaModel(BaseModel):
    """Strict base: unknown keys are errors (manifests want that; the sandbox strips first)."""

    model_config = ConfigDict(extra="forbid", validate_default=False, str_strip_whitespace=False)


def check_http_url(value: str, *, https_only: bool = False, what: str = "URL") -> str:
    """Accept an absolute http(s) URL with a host; keep the text exactly as written.

    We deliberately do not use pydantic's URL types: they normalise (add a trailing slash,
    lowercase the host), which would make the stored value differ from the manifest and show a
    perpetual diff.
    """
    parts = urlsplit(value)
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme not in schemes or not parts.netloc:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise ValueError(f"must be an absolute {what} starting with {allowed}, got {value!r}")
    return value
