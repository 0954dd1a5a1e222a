"""Lint rules: each warns on a failing manifest, is quiet on a passing one, and can be silenced."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from osharactl.manifests import ManifestSet
from osharactl.manifests.lint import RULES

HTTP_TOOL = "tools: [{{name: t, kind: http, description: '{d}', config: {{url: '{u}'{h}}}}}]\n"

SIGN_UP = "widget_appearance: {forms: [{id: sign-up, title: S, fields: [{name: a, label: A}]}]}\n"
CASES: list[tuple[str, str, str]] = [
    # rule, failing body, passing body (both appended to slug/name/system_prompt)
    ("OSH101", "allowed_origins: []\n", "allowed_origins: ['https://a.example/']\n"),
    ("OSH102", "allowed_origins: ['http://a.example/']\n",
     "allowed_origins: ['https://a.example/']\n"),
    ("OSH103", "allowed_origins: ['https://a.example']\n",
     "allowed_origins: ['https://a.example/']\n"),
    ("OSH104", SIGN_UP, "system_prompt: open sign_up when asked\n" + SIGN_UP),
    ("OSH105", HTTP_TOOL.format(d="", u="https://x.example/", h=""),
     HTTP_TOOL.format(d="Finds x.", u="https://x.example/", h="")),
    ("OSH106", HTTP_TOOL.format(d="d", u="http://x.example/", h=""),
     HTTP_TOOL.format(d="d", u="https://x.example/", h="")),
    ("OSH106", "mcp_servers: [{name: m, url: 'http://m.example/'}]\n",
     "mcp_servers: [{name: m, url: 'https://m.example/'}]\n"),
    ("OSH107", HTTP_TOOL.format(d="d", u="https://x.example/", h=", headers: {X-Key: abc123}"),
     HTTP_TOOL.format(d="d", u="https://x.example/", h=", headers: {X-Key: '${env:X_KEY}'}")),
    ("OSH107", "llm_api_key: sk-literal\n", "llm_api_key: ${env:OPENAI_KEY}\n"),
    ("OSH107", "kb_query_api_key: kb-literal\n", "kb_query_api_key: ${env:KB_KEY}\n"),
]  # fmt: skip


def _doc(body: str) -> str:
    head = "slug: a\nname: A\n"
    if "system_prompt" not in body:
        head += "system_prompt: hi\n"
    if "allowed_origins" not in body:
        head += "allowed_origins: ['https://a.example/']\n"
    return head + body


@pytest.mark.parametrize(("rule", "bad", "good"), CASES, ids=[f"{c[0]}-{i}" for i, c in
                                                              enumerate(CASES)])  # fmt: skip
def test_rule(rule: str, bad: str, good: str, load: Callable[..., ManifestSet]) -> None:
    warned = load(_doc(bad)).warnings
    assert [w.rule for w in warned] == [rule], [w.format() for w in warned]
    assert warned[0].severity == "warning" and warned[0].line > 1
    assert load(_doc(good)).warnings == []
    silenced = load(_doc(bad) + f"lint_ignore: [{rule}]\n")
    assert silenced.warnings == []


def test_every_rule_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "manifests.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule}`" in docs, rule


def test_literal_secret_warning_does_not_show_it(load: Callable[..., ManifestSet]) -> None:
    warned = load(_doc("llm_api_key: sk-canary-1234\n")).warnings
    assert warned and all("sk-canary-1234" not in w.format() for w in warned)
