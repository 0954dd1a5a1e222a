"""The round trip is the test: pull into an empty directory, then plan shows no changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ServedSandbox
from tests.pull.support import (
    EXAMPLE_SECRETS,
    all_text,
    api_create,
    apply_examples,
    cli,
    env_for_pulled,
)

CANARY = "hdr-CANARY-5b0c"


def _every_feature() -> dict[str, Any]:
    """A character using every modelled feature, plus values easy to get wrong on the way."""
    return {
        "slug": "everything",
        "name": "Everything: all features",
        "character_type": "SUPPORT_AGENT",
        "image": "https://cdn.example.com/a.png",
        "system_prompt": "Line one.\n  Indented ${not_a_ref} line.\nTrailing spaces   \n",
        "greeting": "yes",
        "voice": {"audio_file": None, "voice_url": "https://cdn.example.com/v.wav"},
        "language": "pt-BR",
        "background_audio": "crowded room",
        "allowed_origins": ["https://b.example.com/", "https://a.example.com/"],
        "handoff_targets": [{"slug": "helper"}],
        "stt_model": "whisper-en-large",
        "tts_model": "chatterbox-en-v1",
        "llm_provider": "openai",
        "llm_model": "gpt-4o",
        "llm_api_key": "sk-CANARY-never-returned",
        "kb_query_url": "https://kb.example.com/query/",
        "widget_appearance": {
            "name": "Everything",
            "fab_label": "",
            "max_call_seconds": 0,
            "terms_url": "https://example.com/terms",
            "show_audio_settings": False,
            "default_language": "pt-BR",
            "theme": {"primary_color": "#123456", "text_color": "#0F172A"},
            "dimensions": {"fab_size": 48.5, "border_radius": 0},
            "layout": {"position": "top-left"},
            "labels": {"idle": "Pronto", "connecting": "Connecting…"},
            "languages": [
                {"code": "pt-BR", "label": "Portuguese", "native_label": "Português"},
                {"code": "en", "label": "English", "native_label": "English"},
            ],
            "noise_cancellation": {
                "engines": ["dtln", "browser"],
                "default_engine": "none",
                "model_base_url": "https://cdn.example.com/nc/",
            },
            "forms": [
                {
                    "id": "contact-us",
                    "title": "Contact",
                    "fields": [
                        {"name": "email", "label": "Email", "type": "email", "required": True},
                        {
                            "name": "plan",
                            "label": "Plan",
                            "type": "radio",
                            "options": ["free", "pro"],
                            "default_value": "free",
                            "width": "half",
                        },
                        {"name": "age", "label": "Age", "type": "number", "min": 18, "max": 99},
                    ],
                    "submit_url": "/api/forms/contact/",
                    "submit_method": "PUT",
                    "submit_label": "Send",
                    "disabled": True,
                    "topics": ["b", "a"],
                    "confirmation_type": "contacted",
                    "layout": {"field_layout": "stack"},
                },
            ],
        },
        "tools": [
            {
                "name": "lookup",
                "kind": "http",
                "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
                "config": {
                    "url": "https://api.example.com/lookup",
                    "method": "POST",
                    "timeout_seconds": 2.5,
                    "headers": {"X-Secret": CANARY, "X-Empty": ""},
                },
            },
            {"name": "docs", "kind": "kb", "description": "Search the docs."},
            {"name": "crm", "kind": "mcp", "config": {"server_name": "crm", "tool_name": "s"}},
        ],
        "mcp_servers": [
            {
                "name": "crm",
                "url": "https://mcp.example.com/",
                "transport": "sse",
                "headers": {"Authorization": "Bearer " + CANARY},
                "is_active": False,
            }
        ],
    }


def _plan(served: ServedSandbox, tmp_path: Path, out: Path, env: dict[str, str]) -> Any:
    return cli(served, tmp_path, "plan", str(out), "--detailed-exitcode", **env)


def test_examples_pull_into_an_empty_dir_and_plan_shows_no_changes(
    sandbox: ServedSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_examples(sandbox, tmp_path)
    monkeypatch.chdir(tmp_path)
    pulled = cli(sandbox, tmp_path, "pull", "--out", "pulled")
    assert pulled.exit_code == 0, pulled.output
    assert "plan would still show changes" not in pulled.output
    out = tmp_path / "pulled"
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "billing-agent.yaml",
        "onboarding-agent.yaml",
        "receptionist.yaml",
        "sales-agent.yaml",
        "support-agent.yaml",
    ]
    for file in out.iterdir():
        assert file.read_text().startswith(
            "# yaml-language-server: $schema=../schemas/manifest.schema.json\n"
        )
    assert "Pull complete: 5 created, 0 updated, 0 unchanged." in pulled.stdout
    env = env_for_pulled(sandbox, out)
    assert sorted(env) == [
        "OSHARA_ONBOARDING_AGENT_MCP_CRM_AUTHORIZATION",
        "OSHARA_SUPPORT_AGENT_TICKET_LOOKUP_X_OSHARA_SECRET",
    ]
    for name in env:
        assert name in pulled.stderr  # listed for the user, by name
    for value in EXAMPLE_SECRETS.values():
        assert value not in all_text(out, pulled)
    plan = _plan(sandbox, tmp_path, out, env)
    assert plan.exit_code == 0, plan.output
    assert "No changes" in plan.stdout


def test_every_feature_round_trips_and_no_secret_is_written(
    sandbox: ServedSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_create(sandbox, {"slug": "helper", "name": "Helper"})
    api_create(sandbox, _every_feature())
    monkeypatch.chdir(tmp_path)
    pulled = cli(sandbox, tmp_path, "pull", "--out", "out", "--target", "everything")
    assert pulled.exit_code == 0, pulled.output
    assert "plan would still show changes" not in pulled.output
    out = tmp_path / "out"
    assert [p.name for p in out.iterdir()] == ["everything.yaml"]  # --target
    text = (out / "everything.yaml").read_text()
    assert CANARY not in all_text(out, pulled)
    assert "$${not_a_ref}" in text  # a literal ${ is escaped, not read back as a reference
    assert "system_prompt: |" in text
    # model key order, nested likewise; defaults left out
    keys = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert keys == [
        "slug", "name", "character_type", "image", "system_prompt", "greeting", "voice",
        "language", "background_audio", "allowed_origins", "handoff_targets",
        "widget_appearance", "stt_model", "tts_model", "llm_provider", "llm_model", "tools",
        "mcp_servers", "kb_query_url",
    ]  # fmt: skip
    assert "max_call_seconds" not in text and "text_color" not in text
    env = env_for_pulled(sandbox, out)
    assert sorted(env) == [
        "OSHARA_EVERYTHING_LOOKUP_X_SECRET",
        "OSHARA_EVERYTHING_MCP_CRM_AUTHORIZATION",
    ]
    plan = _plan(sandbox, tmp_path, out, env)
    assert plan.exit_code == 0, plan.output  # helper is live-only: the plan just lists it


def test_round_trip_against_a_paginating_server(
    sandbox_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = sandbox_server(page_size=2)
    for n in range(5):
        api_create(served, {"slug": f"c{n}", "name": f"C {n}", "greeting": f"Hi {n}"})
    monkeypatch.chdir(tmp_path)
    pulled = cli(served, tmp_path, "pull", "--out", "out")
    assert pulled.exit_code == 0, pulled.output
    assert "plan would still show changes" not in pulled.output
    assert len(list((tmp_path / "out").iterdir())) == 5
    plan = _plan(served, tmp_path, tmp_path / "out", {})
    assert plan.exit_code == 0, plan.output
