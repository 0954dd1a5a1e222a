"""The plan as one JSON document: the versioned command-line contract for pipelines.

Keys come in a fixed order and changes, fields and names are sorted, so two runs over the same
state give byte-identical output that diffs cleanly. Additions to the document are allowed;
changing or removing a key needs a new ``format_version``.
"""

from __future__ import annotations

import json
from typing import Any

from osharactl.plan import ABSENT, FORMAT_VERSION, CharacterChange, FieldChange, Plan
from osharactl.render import values as v


def render_json(plan: Plan) -> str:
    """The whole plan as an indented JSON document, ending with a newline."""
    document = {
        "format_version": FORMAT_VERSION,
        "api_url": plan.api_url,
        "env": plan.env_name,
        "summary": plan.summary(),
        "changes": [_change(c) for c in v.sorted_changes(plan)],
        "unmanaged": sorted(plan.unmanaged),
        "ignored": {slug: sorted(plan.ignored[slug]) for slug in sorted(plan.ignored)},
        "warnings": list(plan.warnings),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n"


def _change(change: CharacterChange) -> dict[str, Any]:
    return {
        "slug": change.slug,
        "action": change.action.value,
        "replaces": change.replaces,
        "destructive": v.is_destructive(change),
        "overwrite": change.overwrite,
        "fields": [_field(f) for f in v.sorted_fields(change)],
    }


def _field(field: FieldChange) -> dict[str, Any]:
    return {
        "path": field.path,
        "change": v.kind_of(field),
        "before": _plain(v.before_of(field)),
        "after": _plain(v.after_of(field)),
        "sensitive": field.sensitive,
        "note": field.note or None,
    }


def _plain(value: Any) -> Any:
    """ABSENT becomes ``null`` (``change`` says which side is missing); mapping keys are sorted
    so the live API's key order never shows up as a difference between two plans."""
    if value is ABSENT:
        return None
    if isinstance(value, dict):
        return {str(k): _plain(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
