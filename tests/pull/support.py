"""Helpers for the pull tests: the real CLI against a served sandbox, and references → values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from osharactl.cli import main
from osharactl.sandbox import DEFAULT_EMAIL, DEFAULT_PASSWORD
from tests.conftest import ServedSandbox

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Values the examples' ${env:…} references get; canaries that must never be written or printed.
EXAMPLE_SECRETS = {
    "ACME_CRM_TOKEN": "crm-CANARY-7d1e",
    "ACME_OPENAI_KEY": "sk-CANARY-llm-52aa",
    "ACME_TICKET_TOKEN": "ticket-CANARY-90fe",
    "ACME_KB_KEY": "kb-CANARY-3c4d",
}
_WHOLE_REF = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")


def cli(served: ServedSandbox, tmp_path: Path, *args: str, **env: str) -> Result:
    """``osharactl --api-url <sandbox> ARGS`` with the sandbox account's credentials."""
    base = {
        "OSHARACTL_CONFIG_DIR": str(tmp_path / "cfg"),
        "OSHARA_EMAIL": DEFAULT_EMAIL,
        "OSHARA_PASSWORD": DEFAULT_PASSWORD,
        "OSHARA_TOKEN": "",
        "OSHARA_API_KEY": "",
        "OSHARA_API_URL": "",
    }
    return CliRunner().invoke(main, ["--api-url", served.url, *args], env={**base, **env})


def api_create(served: ServedSandbox, body: dict[str, Any]) -> None:
    with served.client() as http:
        http.post("/api/ai-characters/", json=body).raise_for_status()


def api_patch(served: ServedSandbox, slug: str, body: dict[str, Any]) -> None:
    with served.client() as http:
        http.patch(f"/api/ai-characters/{slug}/", json=body).raise_for_status()


def api_get(served: ServedSandbox, slug: str) -> dict[str, Any]:
    with served.client() as http:
        response = http.get(f"/api/ai-characters/{slug}/")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data


def api_delete(served: ServedSandbox, slug: str) -> None:
    with served.client() as http:
        http.delete(f"/api/ai-characters/{slug}/").raise_for_status()


def apply_examples(served: ServedSandbox, tmp_path: Path, examples: Path = EXAMPLES) -> None:
    """Apply the example manifests (plus the live-only billing-agent they hand off to)."""
    api_create(served, {"slug": "billing-agent", "name": "Billing"})
    result = cli(
        served,
        tmp_path,
        "--config",
        str(examples / "osharactl.yaml"),
        "apply",
        "--auto-approve",
        **EXAMPLE_SECRETS,
    )
    assert result.exit_code == 0, result.output


def env_for_pulled(served: ServedSandbox, out_dir: Path) -> dict[str, str]:
    """What the user does after a fresh pull: set each generated variable to the live value at
    the same path (fresh files mirror live, list items in live order)."""
    values: dict[str, str] = {}
    for file in sorted(out_dir.glob("*.yaml")):
        for doc in yaml.safe_load_all(file.read_text()):
            if isinstance(doc, dict) and "slug" in doc:
                _collect(doc, api_get(served, doc["slug"]), values)
    return values


def _collect(pulled: Any, live: Any, values: dict[str, str]) -> None:
    if isinstance(pulled, dict) and isinstance(live, dict):
        for key, value in pulled.items():
            _collect(value, live.get(key), values)
    elif isinstance(pulled, list) and isinstance(live, list):
        for a, b in zip(pulled, live, strict=False):
            _collect(a, b, values)
    elif isinstance(pulled, str) and (match := _WHOLE_REF.match(pulled)):
        assert isinstance(live, str), f"{pulled} stands for no live string"
        values[match.group(1)] = live


def all_text(out_dir: Path, *results: Result) -> str:
    files = "".join(f.read_text() for f in sorted(out_dir.rglob("*.y*ml")))
    return files + "".join(r.output for r in results)  # click's output holds stderr too
