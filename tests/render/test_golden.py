"""Golden files: the exact output for a few representative plans, so any change to the layout
shows up as a reviewed diff. Regenerate with ``OSHARACTL_UPDATE_GOLDEN=1 pytest tests/render``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Plan
from osharactl.render import render_json, render_markdown, render_text
from tests.render.plans import NEW_PROMPT, empty_plan, full_plan

GOLDEN = Path(__file__).parent / "golden"


def new_character_plan() -> Plan:
    """A first apply: one character created with a multi-line prompt and a nested object."""
    fields = (
        FieldChange("slug", ABSENT, "sales-agent"),
        FieldChange("name", ABSENT, "Ada"),
        FieldChange("system_prompt", ABSENT, NEW_PROMPT),
        FieldChange(
            "widget_appearance",
            ABSENT,
            {
                "position": "bottom-right",
                "theme": {"primary_color": "#0044ff", "radius": 12},
                "title": "Talk to Ada",
            },
        ),
        FieldChange("allowed_origins", ABSENT, ["https://example.com"]),
    )
    return Plan(changes=(CharacterChange("sales-agent", Action.CREATE, fields),), api_url="sandbox")


PLANS: dict[str, Callable[[], Plan]] = {
    "full": full_plan,
    "empty": empty_plan,
    "new-character": new_character_plan,
}
FORMATS: dict[str, tuple[str, Callable[[Plan], str]]] = {
    "text": ("txt", lambda p: render_text(p, color=False)),
    "json": ("json", render_json),
    "markdown": ("md", render_markdown),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("plan_name", sorted(PLANS))
def test_golden(plan_name: str, fmt: str) -> None:
    suffix, render = FORMATS[fmt]
    path = GOLDEN / f"{plan_name}.{suffix}"
    actual = render(PLANS[plan_name]())
    if os.environ.get("OSHARACTL_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing {path}; run with OSHARACTL_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")
