"""A canary secret set as a sensitive field's real value, in every shape a secret can take,
must never appear in any format, whatever else happens (diff blocks, truncation, colour)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Operation, Plan
from osharactl.render import render_json, render_markdown, render_text
from tests.render.plans import CANARY, full_plan

RENDERERS: dict[str, Callable[[Plan], str]] = {
    "text": lambda p: render_text(p, color=False),
    "text-colour": lambda p: render_text(p, color=True),
    "json": render_json,
    "markdown": render_markdown,
    "markdown-truncated": lambda p: render_markdown(p, max_chars=1500),
}


def unmasked_plan() -> Plan:
    """Sensitive changes whose values were NOT masked by the differ: the renderers must hide
    them on their own. The canary also sits in the operations' bodies, which are never shown."""
    prompt_like = f"line one\n{CANARY}\nline three " + "x" * 200
    fields = (
        FieldChange("llm_api_key", CANARY, CANARY + "-2", sensitive=True, note="rotate"),
        FieldChange("kb_query_api_key", ABSENT, prompt_like, sensitive=True),
        FieldChange(
            "mcp_servers[crm].headers",
            {"Authorization": f"Bearer {CANARY}"},
            ABSENT,
            sensitive=True,
        ),
        FieldChange(
            "tools[t].config.headers", {"X": {"nested": CANARY}}, {"X": [CANARY]}, sensitive=True
        ),
        FieldChange("tools[u].config.token_list", [CANARY, CANARY], [CANARY], sensitive=True),
    )
    update = CharacterChange(
        "s", Action.UPDATE, fields, operations=(Operation("PATCH", "s", {"llm_api_key": CANARY}),)
    )
    create = CharacterChange(
        "t",
        Action.CREATE,
        (FieldChange("llm_api_key", ABSENT, CANARY, sensitive=True),),
        operations=(Operation("POST", "t", {"llm_api_key": CANARY}),),
    )
    return Plan(changes=(update, create))


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("make_plan", [full_plan, unmasked_plan], ids=["masked", "unmasked"])
def test_canary_never_rendered(fmt: str, make_plan: Callable[[], Plan]) -> None:
    out = RENDERERS[fmt](make_plan())
    assert CANARY not in out
    if fmt != "markdown-truncated":  # the sections with secrets may be the ones cut
        assert "(sensitive)" in out


def test_header_names_stay_visible_values_do_not() -> None:
    out = render_text(unmasked_plan(), color=False)
    assert '{"Authorization": "(sensitive)"}' in out


def test_empty_secret_stays_visible_as_not_set() -> None:
    plan = Plan(
        changes=(
            CharacterChange(
                "s", Action.UPDATE, (FieldChange("llm_api_key", None, CANARY, sensitive=True),)
            ),
        )
    )
    assert "~ llm_api_key: null → (sensitive)" in render_text(plan, color=False)
