"""${env:…} and ${var:…} references: resolved after parsing, checked offline."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from osharactl.manifests import ManifestSet
from osharactl.manifests.refs import BadReference, scan

DOC = """\
slug: refs
name: Refs
system_prompt: "Costs $${price} at ${var:domain}"
allowed_origins: ["https://${var:domain}/"]
llm_api_key: ${env:OPENAI_KEY}
tools:
  - name: lookup
    kind: http
    description: Look things up.
    config:
      url: https://api.${var:domain}/lookup
      headers: {Authorization: "Bearer ${env:LOOKUP_TOKEN}"}
"""


def test_vars_and_env_resolve_whole_and_inside_strings(load: Callable[..., ManifestSet]) -> None:
    env = {"OPENAI_KEY": "sk-canary", "LOOKUP_TOKEN": "tok-canary"}
    result = load(DOC, variables={"domain": "acme.example"}, environ=env, resolve_env=True)
    declared = result.characters["refs"].declared
    assert declared["system_prompt"] == "Costs ${price} at acme.example"
    assert declared["allowed_origins"] == ["https://acme.example/"]
    assert declared["llm_api_key"] == "sk-canary"
    assert declared["tools"][0]["config"]["url"] == "https://api.acme.example/lookup"
    assert declared["tools"][0]["config"]["headers"]["Authorization"] == "Bearer tok-canary"
    assert result.characters["refs"].refs == {
        ("llm_api_key",): "${env:OPENAI_KEY}",
        ("tools", 0, "config", "headers", "Authorization"): "Bearer ${env:LOOKUP_TOKEN}",
    }


def test_validate_mode_needs_no_env_values(load: Callable[..., ManifestSet]) -> None:
    result = load(DOC, variables={"domain": "acme.example"}, environ={})
    declared = result.characters["refs"].declared
    assert declared["llm_api_key"] == "https://env.invalid/OPENAI_KEY"
    assert declared["tools"][0]["config"]["headers"]["Authorization"] == "Bearer env-LOOKUP_TOKEN"


def test_unset_env_vars_are_all_reported_with_lines(errors: Callable[..., list[str]]) -> None:
    found = errors(DOC, variables={"domain": "d.example"}, environ={}, resolve_env=True)
    assert any(":5:1: error: llm_api_key: environment variable 'OPENAI_KEY' is not set" in e
               for e in found)  # fmt: skip
    assert any(":12:17: error: tools[0].config.headers.Authorization: environment variable "
               "'LOOKUP_TOKEN' is not set" in e for e in found)  # fmt: skip


def test_unset_variable_names_it_and_its_place(errors: Callable[..., list[str]]) -> None:
    found = errors(DOC, environ={})
    assert any(
        "m.yaml:3:1: error: system_prompt: variable 'domain' is not set" in e for e in found
    ), found


def test_malformed_references_are_errors(errors: Callable[..., list[str]]) -> None:
    found = errors("slug: a\nname: A\ngreeting: 'hi ${name}'\n")
    assert any(":3:1: error: greeting: malformed reference" in e for e in found)


def test_scan_rules() -> None:
    assert scan("a $${b} ${env:X} ${var:y_1}") == [("env", "X"), ("var", "y_1")]
    with pytest.raises(BadReference):
        scan("${env:}")
    with pytest.raises(BadReference):
        scan("${secret:X}")


def test_references_do_not_inject_yaml(load: Callable[..., ManifestSet]) -> None:
    hostile = "x\nname: injected\n  - [1"
    result = load("slug: a\nname: A\ngreeting: ${var:v}\nallowed_origins: ['https://a.example/']\n",
                  variables={"v": hostile})  # fmt: skip
    assert result.characters["a"].declared["greeting"] == hostile
    assert result.characters["a"].declared["name"] == "A"


def test_number_fields_take_no_reference(errors: Callable[..., list[str]]) -> None:
    found = errors("slug: a\nname: A\nwidget_appearance: {max_call_seconds: '${var:n}'}\n",
                   variables={"n": "60"})  # fmt: skip
    assert any("widget_appearance.max_call_seconds: Input should be a valid integer" in e
               for e in found)  # fmt: skip
