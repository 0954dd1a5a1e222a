"""A character exactly as the Oshara docs show it (JSON pasted into a .yaml file) is a manifest."""

from __future__ import annotations

import json
from collections.abc import Callable

from osharactl.manifests import ManifestSet
from tests.sandbox.examples import sales_agent


def test_docs_character_json_is_a_valid_manifest(load: Callable[..., ManifestSet]) -> None:
    """The docs' full sales-agent (stepper form, http/mcp/kb tools), pasted as JSON."""
    character = sales_agent()
    result = load(json.dumps(character, indent=2))
    declared = result.characters["sales-agent"].declared
    assert declared == character
    steps = [s["id"] for s in declared["widget_appearance"]["forms"][0]["steps"]]
    assert steps == ["details", "use-case", "schedule"]
    assert {t["kind"] for t in declared["tools"]} == {"http", "mcp", "kb"}
    rules = {w.rule for w in result.warnings}
    assert {"OSH103", "OSH107"} <= rules  # the docs' origins and literal secret headers
