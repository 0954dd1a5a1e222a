"""Schema and cross-document rules: each with a failing and a passing manifest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from osharactl.manifests import ManifestSet

from .conftest import BASE

FORM = "{id: book-demo, title: Book, fields: [{name: email, label: Email}]}"


def _char(slug: str, extra: str = "") -> str:
    return BASE.replace("slug: helper", f"slug: {slug}") + extra


FAILING_AND_PASSING: list[tuple[str, str, str, str]] = [
    # (rule, failing extra, expected message, passing extra)
    ("unknown key", "greting: hi\n", "greting: unknown key 'greting'; did you mean 'greeting'?",
     "greeting: hi\n"),
    ("enum", "background_audio: jungle\n", "background_audio: Input should be",
     "background_audio: crowded room\n"),
    ("hex colour", "widget_appearance: {theme: {primary_color: blue}}\n",
     "widget_appearance.theme.primary_color: String should match pattern",
     "widget_appearance: {theme: {primary_color: '#00f'}}\n"),
    ("bcp47", "language: english!\n", "language: String should match pattern", "language: pt-BR\n"),
    ("mcp timeout", "mcp_servers: [{name: s, url: 'https://m.example/', timeout_seconds: 31}]\n",
     "mcp_servers[0].timeout_seconds: Input should be less than or equal to 30",
     "mcp_servers: [{name: s, url: 'https://m.example/', timeout_seconds: 30}]\n"),
    ("http method", "tools: [{name: t, kind: http, description: d, config: {url: 'https://x.example/',"
     " method: DELETE}}]\n", "tools[0].config.method: Input should be",
     "tools: [{name: t, kind: http, description: d, config: {url: 'https://x.example/',"
     " method: GET}}]\n"),
    ("steps xor fields", "widget_appearance: {forms: [{id: f, title: F, fields: [], steps: []}]}\n",
     "exactly one of 'fields' (single page) or 'steps'",
     "widget_appearance: {forms: [{id: f, title: F, fields: [{name: a, label: A}]}]}\n"),
    ("nc default engine", "widget_appearance: {noise_cancellation: {engines: [browser],"
     " default_engine: dtln}}\n", "default_engine 'dtln' must be 'none' or one of engines",
     "widget_appearance: {noise_cancellation: {engines: [browser, dtln], default_engine: dtln}}\n"),
    ("unique form ids", f"widget_appearance: {{forms: [{FORM}, {FORM}]}}\n",
     "widget_appearance.forms[1]: form id 'book-demo' appears more than once",
     f"widget_appearance: {{forms: [{FORM}]}}\n"),
    ("unique field names", "widget_appearance: {forms: [{id: f, title: F, fields: [{name: a,"
     " label: A}, {name: a, label: B}]}]}\n", "field names must be unique within a form: a",
     "widget_appearance: {forms: [{id: f, title: F, fields: [{name: a, label: A}]}]}\n"),
    ("mcp server exists", "tools: [{name: t, kind: mcp, description: d, config: {server_name: crm,"
     " tool_name: x}}]\n", "tools[0].config.server_name: MCP server 'crm' is not in mcp_servers",
     "tools: [{name: t, kind: mcp, description: d, config: {server_name: crm, tool_name: x}}]\n"
     "mcp_servers: [{name: crm, url: 'https://m.example/'}]\n"),
    ("form tool collision", f"widget_appearance: {{forms: [{FORM}]}}\n"
     "tools: [{name: book_demo, kind: kb, description: d}]\n",
     "gives the agent a tool named 'book_demo', which collides with tools[0]",
     f"widget_appearance: {{forms: [{FORM}]}}\ntools: [{{name: kb_search, kind: kb,"
     " description: d}]\n"),
    ("handoff to itself", "handoff_targets: [{slug: one}]\n", "cannot hand off to itself",
     "handoff_targets: [{slug: two}]\n"),
    ("handoff exists", "handoff_targets: [{slug: ghost}]\n",
     "handoff target 'ghost' is not declared in the manifests",
     "handoff_targets: [{slug: ghost, must_exist_live: true}]\n"),
    ("ignore_changes path", "ignore_changes: [widget_appearance.theme.primary_colour]\n",
     "'primary_colour' is not a field of widget_appearance.theme; did you mean 'primary_color'?",
     "ignore_changes: [widget_appearance.theme.primary_color, system_prompt,"
     " 'widget_appearance.forms[book-demo].fields[email].label', 'tools[t].config.url']\n"),
    ("ignore_changes keyed", "ignore_changes: ['allowed_origins[https://a]']\n",
     "items have no key", "ignore_changes: ['allowed_origins[0]']\n"),
    ("lint_ignore ids", "lint_ignore: [OSH1O1]\n", "unknown lint rule 'OSH1O1'",
     "lint_ignore: [OSH101]\n"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "bad", "message", "good"), FAILING_AND_PASSING,
                         ids=[r[0] for r in FAILING_AND_PASSING])  # fmt: skip
def test_rule_fails_then_passes(
    rule: str,
    bad: str,
    message: str,
    good: str,
    errors: Callable[..., list[str]],
    load: Callable[..., ManifestSet],
) -> None:
    other = "---\n" + _char("two")
    found = errors(_char("one", bad) + other)
    assert any(message in e and e.startswith(("/", "m.yaml")) for e in found), (rule, found)
    result = load(_char("one", good) + other)
    assert "one" in result.characters


def test_duplicate_slugs_across_files(errors: Callable[..., list[str]], tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE)
    found = errors(BASE, name="b.yaml")
    assert found == [f"{tmp_path}/b.yaml:1:1: error: slug: slug 'helper' is already used at "
                     f"{tmp_path}/a.yaml:1:1"]  # fmt: skip


def test_must_exist_live_only_lists_undeclared_targets(load: Callable[..., ManifestSet]) -> None:
    targets = "[{slug: two, must_exist_live: true}, {slug: billing, must_exist_live: true}]"
    text = _char("one", f"handoff_targets: {targets}\n") + "---\n" + _char("two")
    result = load(text)
    assert result.must_exist_live == {"one": frozenset({"billing"})}
    assert result.characters["one"].declared["handoff_targets"] == [
        {"slug": "two"},
        {"slug": "billing"},
    ]


def test_all_problems_are_reported_at_once_and_sorted(errors: Callable[..., list[str]]) -> None:
    found = errors("slug: a\nname: A\ngreting: x\nbackground_audio: x\n---\nslug: 'bad slug'\n")
    joined = "\n".join(found)
    assert "greting" in joined and "background_audio" in joined and "bad slug" not in joined
    assert "slug: String should match pattern" in joined and "name: required key" in joined
    lines = [int(e.split(":")[1]) for e in found if e.startswith("/")]
    assert lines == sorted(lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "must be a mapping (character or `shared:`), not a list"),
        ("just text\n", "must be a mapping (character or `shared:`), not a single value"),
    ],
)
def test_documents_must_be_mappings(
    text: str, message: str, errors: Callable[..., list[str]]
) -> None:
    assert any(message in e for e in errors(text))
