"""Env values and write-only secrets stay hidden however a server orders or returns them."""

from __future__ import annotations

from typing import Any

from osharactl.diff import compare, flatten
from osharactl.manifests.types import DesiredCharacter, SourcePos
from osharactl.models import Character

ORIGIN = "https://canary-secret-origin.example/"


def desired(declared: dict[str, Any], refs: dict[tuple[str | int, ...], str]) -> DesiredCharacter:
    return DesiredCharacter(
        slug=declared["slug"],
        character=Character.model_validate(declared),
        declared=declared,
        ignore_changes=(),
        lint_ignore=frozenset(),
        refs=refs,
        source=SourcePos("m.yaml", 1, 1),
        positions={},
    )


def test_env_value_in_a_reordered_set_like_list_is_never_shown() -> None:
    want = desired(
        {"slug": "a", "name": "A",
         "allowed_origins": [ORIGIN, "https://zzz.example/", "https://new.example/"]},
        {("allowed_origins", 0): "${env:ORIGSEC}"},
    )  # fmt: skip
    live = {"slug": "a", "name": "A", "allowed_origins": ["https://zzz.example/", ORIGIN]}
    result = compare(want, live)
    assert result is not None and [f.path for f in result.fields] == ["allowed_origins"]
    shown = repr(result.fields)
    assert "canary-secret-origin" not in shown
    assert "(sensitive)" in shown


def test_write_only_secret_not_in_the_manifest_is_not_managed() -> None:
    want = desired({"slug": "a", "name": "A"}, {})
    live = {"slug": "a", "name": "A", "llm_api_key": "sk-returned-in-clear-1234"}
    assert compare(want, live) is None


def test_write_only_secret_hidden_by_the_server_is_not_drift_but_a_wrong_preview_is() -> None:
    want = desired({"slug": "a", "name": "A", "llm_api_key": "sk-new-value-9999"}, {})
    assert compare(want, {"slug": "a", "name": "A"}) is None
    assert compare(want, {"slug": "a", "name": "A", "llm_api_key": "sk-n...9999"}) is None
    changed = compare(want, {"slug": "a", "name": "A", "llm_api_key": "sk-o...1111"})
    assert changed is not None
    (field,) = changed.fields
    assert field.path == "llm_api_key" and field.sensitive
    assert field.before == field.after == "(sensitive)"
    assert "preview" in field.note


def test_masking_for_display_never_touches_the_body_that_is_sent() -> None:
    """An env value deep inside a free-form object (input_schema) is masked in the plan only."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"q": {"description": "sec-VALUE-42"}},
    }
    body = {
        "slug": "a",
        "name": "A",
        "tools": [{"name": "t", "kind": "kb", "input_schema": schema}],
    }
    want = desired(
        body, {("tools", 0, "input_schema", "properties", "q", "description"): "${env:X}"}
    )
    shown = flatten(want)
    assert "sec-VALUE-42" not in repr(shown)
    assert schema["properties"]["q"]["description"] == "sec-VALUE-42"
    live = {"slug": "a", "name": "A", "tools": []}
    assert compare(want, live) is not None
    assert schema["properties"]["q"]["description"] == "sec-VALUE-42"
