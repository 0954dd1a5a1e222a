"""Representative plans built directly (a Plan is plain data), shared by the render tests."""

from __future__ import annotations

from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Operation, Plan

# A secret that must never appear in any rendered output. It is set as the real value of a
# sensitive field AND in the operations' bodies, which renderers must never read.
CANARY = "sk-CANARY-9f8e7d6c5b4a"

OLD_PROMPT = "\n".join(
    [
        "You are Ada, the sales assistant of Example Corp.",
        "Always greet the visitor by name when you know it.",
        "Keep answers under three sentences.",
        "Never promise discounts.",
        "Offer a demo when the visitor asks about pricing.",
        "Hand off to support for technical questions.",
        "Speak English unless the visitor uses another language.",
        "End every call politely.",
    ]
)
NEW_PROMPT = OLD_PROMPT.replace(
    "Never promise discounts.", "Never promise discounts or refunds."
).replace("End every call politely.", "End every call politely.\nLog the visitor's company.")


def full_plan() -> Plan:
    """Every action, every field kind, a secret, notes, a prompt diff, unmanaged, warnings."""
    sales = CharacterChange(
        slug="sales-agent",
        action=Action.UPDATE,
        fields=(
            FieldChange("greeting", "Hi there!", "Hello, how can I help?"),
            FieldChange("system_prompt", OLD_PROMPT, NEW_PROMPT),
            FieldChange("llm_api_key", CANARY, "sk-NEW-" + CANARY, sensitive=True, note="rotate"),
            FieldChange("voice", "alloy", ABSENT),
            FieldChange("allowed_origins", ["https://a.example"], ["https://b.example"]),
            FieldChange(
                "handoff_targets", ["support", "billing"], ["billing", "support"], note="order"
            ),
            FieldChange(
                "tools[ticket_lookup].config.headers",
                ABSENT,
                {"X-Oshara-Secret": CANARY},
                sensitive=True,
            ),
            FieldChange("language", ABSENT, "en"),
        ),
        operations=(Operation("PATCH", "sales-agent", {"llm_api_key": CANARY}),),
    )
    support = CharacterChange(
        slug="support-bot",
        action=Action.CREATE,
        fields=(
            FieldChange("name", ABSENT, "Support Bot"),
            FieldChange("greeting", ABSENT, "Hi, support here."),
            FieldChange("kb_query_api_key", ABSENT, CANARY, sensitive=True),
            FieldChange("max_call_minutes", ABSENT, 15),
            FieldChange("record_calls", ABSENT, True),
        ),
        operations=(Operation("POST", "support-bot", {"kb_query_api_key": CANARY}),),
    )
    old = CharacterChange(slug="old-bot", action=Action.DELETE, destructive=True)
    renamed = CharacterChange(
        slug="concierge",
        action=Action.REPLACE,
        replaces="concierge-v1",
        destructive=True,
        fields=(FieldChange("slug", "concierge-v1", "concierge", note="forces replacement"),),
    )
    overwritten = CharacterChange(
        slug="front-desk",
        action=Action.UPDATE,
        overwrite=True,
        fields=(FieldChange("custom_dashboard_key", "x", ABSENT),),
    )
    return Plan(
        changes=(sales, support, old, renamed, overwritten),
        unmanaged=("zeta", "alpha", "mu"),
        api_url="https://api.oshara.ai",
        env_name="prod",
        warnings=("character 'sales-agent': greeting is longer than 200 characters",),
        ignored={"sales-agent": ("widget_appearance.theme.primary_color",)},
    )


def empty_plan() -> Plan:
    return Plan(changes=(), api_url="http://127.0.0.1:8765", env_name=None)
