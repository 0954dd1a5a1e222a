"""The JSON plan is a contract: its shape is checked here key by key, type by type."""

from __future__ import annotations

import json
from typing import Any

from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Plan
from osharactl.render import render_json
from tests.render.plans import full_plan

TOP_KEYS = [
    "format_version",
    "api_url",
    "env",
    "summary",
    "changes",
    "unmanaged",
    "ignored",
    "warnings",
]
CHANGE_KEYS = ["slug", "action", "replaces", "destructive", "overwrite", "fields"]
FIELD_KEYS = ["path", "change", "before", "after", "sensitive", "note"]


def check_contract(doc: dict[str, Any]) -> None:
    """Fail on any departure from the documented shape (docs/plan-output.md)."""
    assert list(doc) == TOP_KEYS
    assert doc["format_version"] == "1"
    assert list(doc["summary"]) == ["create", "update", "delete", "replace"]
    assert all(isinstance(n, int) and n >= 0 for n in doc["summary"].values())
    assert all(isinstance(s, str) for s in doc["unmanaged"])
    assert all(isinstance(w, str) for w in doc["warnings"])
    slugs = [c["slug"] for c in doc["changes"]]
    assert slugs == sorted(slugs)
    for change in doc["changes"]:
        assert list(change) == CHANGE_KEYS
        assert change["action"] in {"create", "update", "delete", "replace"}
        assert isinstance(change["destructive"], bool) and isinstance(change["overwrite"], bool)
        paths = [f["path"] for f in change["fields"]]
        assert paths == sorted(paths)
        for field in change["fields"]:
            assert list(field) == FIELD_KEYS
            assert field["change"] in {"add", "remove", "modify"}
            if field["change"] == "add":
                assert field["before"] is None
            if field["change"] == "remove":
                assert field["after"] is None
    counted = {a: sum(c["action"] == a for c in doc["changes"]) for a in doc["summary"]}
    assert counted == doc["summary"]


def test_full_plan_matches_the_contract() -> None:
    text = render_json(full_plan())
    doc = json.loads(text)
    check_contract(doc)
    assert doc["summary"] == {"create": 1, "update": 2, "delete": 1, "replace": 1}
    assert doc["api_url"] == "https://api.oshara.ai" and doc["env"] == "prod"
    assert doc["unmanaged"] == ["alpha", "mu", "zeta"]
    assert doc["ignored"] == {"sales-agent": ["widget_appearance.theme.primary_color"]}
    assert text.startswith('{\n  "format_version": "1",\n') and text.endswith("}\n")


def test_absent_is_null_with_change_kind_and_secrets_are_masked() -> None:
    doc = json.loads(render_json(full_plan()))
    sales = next(c for c in doc["changes"] if c["slug"] == "sales-agent")
    fields = {f["path"]: f for f in sales["fields"]}
    assert fields["language"] == {
        "path": "language",
        "change": "add",
        "before": None,
        "after": "en",
        "sensitive": False,
        "note": None,
    }
    assert fields["voice"]["change"] == "remove" and fields["voice"]["before"] == "alloy"
    assert fields["llm_api_key"]["before"] == "(sensitive)"
    assert fields["llm_api_key"]["after"] == "(sensitive)"
    assert fields["llm_api_key"]["note"] == "rotate"
    headers = fields["tools[ticket_lookup].config.headers"]["after"]
    assert headers == {"X-Oshara-Secret": "(sensitive)"}


def test_replace_and_overwrite_flags() -> None:
    doc = json.loads(render_json(full_plan()))
    by_slug = {c["slug"]: c for c in doc["changes"]}
    assert by_slug["concierge"]["replaces"] == "concierge-v1"
    assert by_slug["concierge"]["destructive"] is True
    assert by_slug["old-bot"]["destructive"] is True
    assert by_slug["front-desk"]["overwrite"] is True
    assert by_slug["sales-agent"]["destructive"] is False


def test_empty_plan() -> None:
    doc = json.loads(render_json(Plan(changes=())))
    check_contract(doc)
    assert doc["changes"] == [] and doc["summary"] == {
        "create": 0,
        "update": 0,
        "delete": 0,
        "replace": 0,
    }
    assert doc["env"] is None


def test_unicode_is_kept_and_output_is_stable_under_key_order() -> None:
    one = {"b": 1, "a": {"z": "é", "y": "日本"}}
    two = {"a": {"y": "日本", "z": "é"}, "b": 1}

    def plan(value: dict[str, Any]) -> Plan:
        change = CharacterChange(
            "c", Action.UPDATE, (FieldChange("widget_appearance", ABSENT, value),)
        )
        return Plan(changes=(change,), unmanaged=("b", "a"))

    assert render_json(plan(one)) == render_json(plan(two))
    assert "日本" in render_json(plan(one))
    assert json.loads(render_json(plan(one)))["unmanaged"] == ["a", "b"]


def test_changes_are_sorted_whatever_the_input_order() -> None:
    changes = tuple(CharacterChange(s, Action.DELETE) for s in ("c", "a", "b"))
    doc = json.loads(render_json(Plan(changes=changes)))
    assert [c["slug"] for c in doc["changes"]] == ["a", "b", "c"]
