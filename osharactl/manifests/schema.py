"""The JSON Schema of a manifest document, generated from the models plus osharactl's additions.

Editors (yaml-language-server) use it for completion and checks, so it must accept exactly what
``load_manifests`` accepts: a character or a ``shared:`` document, ``defaults`` /
``ignore_changes`` / ``lint_ignore``, ``- use: NAME`` list items, ``must_exist_live`` on
handoff targets, and references in pattern-checked string fields (``${var:brand_colour}`` in a
hex colour field). A test fails when the committed copy in ``schemas/`` is stale.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from osharactl.manifests.lint import RULES
from osharactl.manifests.refs import NAME
from osharactl.models import Character
from osharactl.models.character import SLUG

SCHEMA_FILE_NAME = "manifest.schema.json"
REFERENCE = r"\$\{(?:env|var):" + NAME + r"\}"
_USE = {
    "type": "object",
    "description": "Reuse a shared definition by name; other keys override its top-level keys.",
    "required": ["use"],
    "properties": {"use": {"type": "string", "description": "Name of the shared definition."}},
}


def manifest_json_schema() -> dict[str, Any]:
    """The schema document written to ``schemas/manifest.schema.json``."""
    character = Character.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = character.pop("$defs")
    _allow_references(character)
    _allow_references(defs)
    defs["Character"] = character
    defs["UseShared"] = _USE
    shared_items = {
        "forms": copy.deepcopy(defs["WidgetAppearance"]["properties"]["forms"]["items"]),
        "tools": copy.deepcopy(character["properties"]["tools"]["items"]),
        "mcp_servers": copy.deepcopy(character["properties"]["mcp_servers"]["items"]),
    }
    _reusable(defs["WidgetAppearance"]["properties"]["forms"])
    _reusable(character["properties"]["tools"])
    _reusable(character["properties"]["mcp_servers"])
    defs["HandoffTarget"]["properties"]["must_exist_live"] = {
        "type": "boolean",
        "default": False,
        "description": "osharactl: the target is not in these manifests; plan checks it exists.",
    }
    partial = copy.deepcopy(character)
    partial.pop("required", None)
    partial["title"] = "CharacterDefaults"
    extensions = _extensions()
    character["properties"].update(extensions)
    extensions.pop("defaults")
    partial["properties"].update(extensions)
    defs["CharacterDefaults"] = partial
    defs["SharedDocument"] = _shared_document(shared_items)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_FILE_NAME,
        "title": "osharactl manifest",
        "description": "One YAML document: an Oshara character, or a `shared:` block.",
        "anyOf": [{"$ref": "#/$defs/Character"}, {"$ref": "#/$defs/SharedDocument"}],
        "$defs": defs,
    }


def _allow_references(node: Any) -> None:
    """Let every pattern-checked string also hold a ``${env:…}``/``${var:…}`` reference."""
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            node["pattern"] = f"{pattern}|{REFERENCE}"
        for value in node.values():
            _allow_references(value)
    elif isinstance(node, list):
        for value in node:
            _allow_references(value)


def _reusable(array: dict[str, Any]) -> None:
    array["items"] = {"anyOf": [array["items"], {"$ref": "#/$defs/UseShared"}]}


def _extensions() -> dict[str, Any]:
    return {
        "defaults": {
            "description": "osharactl: names of shared defaults merged under this character.",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        },
        "ignore_changes": {
            "description": "osharactl: field paths left to the dashboard (never planned).",
            "type": "array",
            "items": {"type": "string"},
        },
        "replaces": {
            "description": "osharactl: the old slug this character replaces (slugs are "
            "immutable: the old character is deleted after this one is created).",
            "type": "string",
            "pattern": SLUG,
        },
        "lint_ignore": {
            "description": "osharactl: lint rules silenced for this character.",
            "type": "array",
            "items": {"enum": sorted(RULES)},
        },
    }


def _shared_document(items: dict[str, Any]) -> dict[str, Any]:
    sections: dict[str, Any] = {
        name: {"type": "array", "items": item} for name, item in items.items()
    }
    sections["defaults"] = {
        "type": "object",
        "description": "Named partial characters that characters take with `defaults:`.",
        "additionalProperties": {"$ref": "#/$defs/CharacterDefaults"},
    }
    return {
        "type": "object",
        "title": "SharedDocument",
        "description": "Forms, tools, MCP servers and defaults defined once for many characters.",
        "required": ["shared"],
        "additionalProperties": False,
        "properties": {
            "shared": {"type": "object", "additionalProperties": False, "properties": sections}
        },
    }


def render() -> str:
    """The schema as committed: stable key order, so a stale copy shows as a diff."""
    return json.dumps(manifest_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_manifest_schema(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / SCHEMA_FILE_NAME
    target.write_text(render(), encoding="utf-8")
    return target
