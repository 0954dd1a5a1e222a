"""The committed JSON Schema is current; the examples are valid and use every feature."""

from __future__ import annotations

import json
import re
from pathlib import Path

from osharactl.app import GlobalOptions
from osharactl.config import load_settings
from osharactl.manifests import load_manifests
from osharactl.manifests.schema import SCHEMA_FILE_NAME, manifest_json_schema, render

from .conftest import cli

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/manifest.schema.json"


def test_committed_schema_is_current() -> None:
    committed = (ROOT / "schemas" / SCHEMA_FILE_NAME).read_text(encoding="utf-8")
    assert committed == render(), "run `osharactl schema --out schemas/` and commit the result"


def test_schema_command_writes_both_files(tmp_path: Path) -> None:
    result = cli("schema", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / SCHEMA_FILE_NAME).read_text(encoding="utf-8") == render()
    assert (tmp_path / "config.schema.json").is_file()


def test_schema_accepts_references_in_pattern_fields_and_extensions() -> None:
    schema = manifest_json_schema()
    colour = schema["$defs"]["Theme"]["properties"]["primary_color"]["pattern"]
    assert re.search(colour, "#0F766E") and re.search(colour, "${var:brand}")
    assert not re.search(colour, "blue")
    character = schema["$defs"]["Character"]["properties"]
    assert {"defaults", "ignore_changes", "lint_ignore"} <= set(character)
    assert character["tools"]["items"]["anyOf"][1] == {"$ref": "#/$defs/UseShared"}
    assert "must_exist_live" in schema["$defs"]["HandoffTarget"]["properties"]
    shared = schema["$defs"]["SharedDocument"]["properties"]["shared"]["properties"]
    assert set(shared) == {"forms", "tools", "mcp_servers", "defaults"}
    json.dumps(schema)  # serialisable


def test_examples_validate_through_the_cli_with_the_project_file() -> None:
    for env in ([], ["--env", "staging"]):
        result = cli("--config", str(EXAMPLES / "osharactl.yaml"), *env, "validate")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.strip() == "4 character(s) valid"
        assert result.stderr == ""


def test_examples_carry_the_schema_line() -> None:
    for path in sorted((EXAMPLES / "characters").glob("*.yaml")):
        assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE, path


def test_examples_use_every_feature() -> None:
    settings = load_settings(GlobalOptions(config_file=EXAMPLES / "osharactl.yaml"))
    env = {"ACME_TICKET_TOKEN": "t", "ACME_OPENAI_KEY": "k", "ACME_KB_KEY": "b",
           "ACME_CRM_TOKEN": "c"}  # fmt: skip
    result = load_manifests(list(settings.manifests), variables=settings.variables, environ=env)
    chars = {s: c.declared for s, c in result.characters.items()}
    forms = [f for c in chars.values() for f in c.get("widget_appearance", {}).get("forms", [])]
    tools = [t for c in chars.values() for t in c.get("tools", [])]
    fields = [f for form in forms for f in form.get("fields", [])]
    assert any("steps" in f for f in forms) and any("fields" in f for f in forms)
    assert any("default_value" in f for f in fields)
    assert {t["kind"] for t in tools} == {"http", "mcp", "kb"}
    assert any(c.get("mcp_servers") for c in chars.values())
    assert all(c["widget_appearance"].get("noise_cancellation") for c in chars.values())
    assert any(len(c["widget_appearance"].get("languages", [])) > 1 for c in chars.values())
    assert any(c["widget_appearance"].get("labels") for c in chars.values())
    assert any(c["widget_appearance"].get("theme") for c in chars.values())
    assert sum(f["id"] == "book-demo" for f in forms) == 2  # a reused form
    assert all(c.get("handoff_targets") for c in chars.values())
    assert result.must_exist_live == {"support-agent": frozenset({"billing-agent"})}
    refs = [r for c in result.characters.values() for r in c.refs.values()]
    assert any("${env:" in r for r in refs)
    assert any(c.ignore_changes for c in result.characters.values())
    shared_text = (EXAMPLES / "characters" / "shared.yaml").read_text(encoding="utf-8")
    assert "defaults:" in shared_text and "${var:" in shared_text
