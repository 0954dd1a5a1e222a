"""Shared forms, tools, MCP servers and defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from osharactl.manifests import ManifestSet

SHARED = """\
shared:
  defaults:
    web:
      allowed_origins: ["https://acme.example/"]
      widget_appearance:
        theme: {primary_color: "#111111", accent_color: "#222222"}
        noise_cancellation: {engines: [browser, rnnoise], default_engine: rnnoise}
  forms:
    - id: contact
      title: Contact us
      fields:
        - {name: email, label: Email, type: email}
  tools:
    - name: lookup
      kind: http
      description: Look up.
      config: {url: "https://api.acme.example/x"}
  mcp_servers:
    - {name: crm, url: "https://mcp.acme.example/"}
"""


def test_defaults_merge_deeply_and_the_character_wins(load: Callable[..., ManifestSet]) -> None:
    result = load(
        SHARED
        + """---
slug: a
name: A
system_prompt: open the contact form
defaults: web
widget_appearance:
  theme: {primary_color: "#333333"}
  forms: [{use: contact}]
tools: [{use: lookup}]
mcp_servers: [{use: crm}]
"""
    )
    declared = result.characters["a"].declared
    assert declared["allowed_origins"] == ["https://acme.example/"]
    assert declared["widget_appearance"]["theme"] == {
        "primary_color": "#333333",
        "accent_color": "#222222",
    }
    assert declared["widget_appearance"]["noise_cancellation"]["default_engine"] == "rnnoise"
    assert declared["widget_appearance"]["forms"][0]["title"] == "Contact us"
    assert declared["tools"][0]["config"]["url"] == "https://api.acme.example/x"
    assert declared["mcp_servers"][0]["name"] == "crm"
    assert "defaults" not in declared


def test_one_form_reused_by_two_characters_with_override(load: Callable[..., ManifestSet]) -> None:
    two = "".join(
        f"---\nslug: {s}\nname: {s}\nsystem_prompt: contact\ndefaults: [web]\n"
        f"widget_appearance: {{forms: [{{use: contact, title: T-{s}}}]}}\n"
        for s in ("a", "b")
    )
    result = load(SHARED + two)
    titles = [result.characters[s].declared["widget_appearance"]["forms"][0]["title"]
              for s in ("a", "b")]  # fmt: skip
    assert titles == ["T-a", "T-b"]


def test_errors_in_shared_items_point_at_the_shared_file(
    tmp_path: Path, errors: Callable[..., list[str]]
) -> None:
    (tmp_path / "shared.yaml").write_text(SHARED.replace("type: email", "type: emial"))
    found = errors("slug: a\nname: A\nwidget_appearance: {forms: [{use: contact}]}\n")
    assert any("shared.yaml:12:39: error: widget_appearance.forms[0].fields[0].type" in e
               for e in found), found  # fmt: skip


def test_unknown_shared_names_suggest(errors: Callable[..., list[str]]) -> None:
    found = errors(SHARED + "---\nslug: a\nname: A\ndefaults: webb\ntools: [{use: lookp}]\n")
    assert any("defaults: no shared defaults named 'webb'; did you mean 'web'?" in e
               for e in found)  # fmt: skip
    assert any("tools[0].use: no shared tools named 'lookp'; did you mean 'lookup'?" in e
               for e in found)  # fmt: skip


def test_shared_names_must_be_unique(errors: Callable[..., list[str]]) -> None:
    found = errors(SHARED + "---\n" + SHARED)
    assert any("shared forms 'contact' is already defined at" in e for e in found)


def test_shared_documents_hold_only_known_sections(errors: Callable[..., list[str]]) -> None:
    found = errors("shared:\n  form: []\n")
    assert any("shared.form: unknown key 'form'; did you mean 'forms'?" in e for e in found)
