"""A character exactly as the Oshara docs show it (JSON pasted into a .yaml file) is a manifest."""

from __future__ import annotations

import json
from collections.abc import Callable

from osharactl.manifests import ManifestSet

SALES_AGENT = {
    "slug": "sales-agent",
    "name": "Sales Agent",
    "system_prompt": "You are a sales assistant. When the visitor wants a demo, call book_demo.",
    "greeting": "Hi! Want to see a demo?",
    "language": "en",
    "allowed_origins": ["https://acme.com", "https://staging.acme.com"],
    "llm_model": "gpt-4o-mini",
    "widget_appearance": {
        "forms": [
            {
                "id": "book-demo",
                "title": "Book a demo",
                "subtitle": "Takes under a minute",
                "steps": [
                    {
                        "id": "details",
                        "title": "Your details",
                        "fields": [
                            {"name": "name", "label": "Full name", "type": "text",
                             "required": True, "width": "half"},
                            {"name": "email", "label": "Work email", "type": "email",
                             "required": True, "width": "half"},
                        ],
                    },
                    {
                        "id": "use-case",
                        "title": "Use case",
                        "fields": [
                            {"name": "use_case", "label": "What will you use it for?",
                             "type": "select", "options": ["Customer support bot",
                             "Sales assistant", "Internal helpdesk", "Other"]},
                            {"name": "details", "label": "Details", "type": "textarea", "rows": 4},
                        ],
                    },
                    {
                        "id": "schedule",
                        "title": "Pick a time",
                        "fields": [{"name": "date", "label": "Date", "type": "date",
                                    "required": True}],
                    },
                ],
                "submit_url": None,
                "success_message": "Thanks! We'll be in touch.",
            }
        ]
    },
}  # fmt: skip

TOOLS = {
    "tools": [
        {
            "name": "ticket_lookup",
            "kind": "http",
            "description": "Look up a support ticket by id.",
            "input_schema": {
                "type": "object",
                "properties": {"ticket_id": {"type": "string"}},
                "required": ["ticket_id"],
            },
            "config": {
                "url": "https://api.acme.com/tickets",
                "method": "GET",
                "timeout_seconds": 10,
                "headers": {"X-Oshara-Secret": "s3cr3t-from-the-docs"},
            },
        },
        {
            "name": "crm_lookup",
            "kind": "mcp",
            "description": "Find a customer in the CRM.",
            "input_schema": {"type": "object", "properties": {"email": {"type": "string"}}},
            "config": {"server_name": "crm", "tool_name": "find_customer"},
        },
        {
            "name": "search_docs",
            "kind": "kb",
            "description": "Search the product manuals.",
            "input_schema": {
                "type": "object",
                "properties": {"query": {"type": "string"}, "top_k": {"type": "integer"}},
                "required": ["query"],
            },
            "config": {},
        },
    ],
    "mcp_servers": [
        {
            "name": "crm",
            "url": "https://mcp.acme.com/mcp",
            "transport": "streamable_http",
            "headers": {"Authorization": "Bearer docs-token"},
            "timeout_seconds": 12,
            "is_active": True,
        }
    ],
}


def test_docs_character_json_is_a_valid_manifest(load: Callable[..., ManifestSet]) -> None:
    result = load(json.dumps(SALES_AGENT, indent=2))
    declared = result.characters["sales-agent"].declared
    assert declared == SALES_AGENT
    steps = [s["id"] for s in declared["widget_appearance"]["forms"][0]["steps"]]
    assert steps == ["details", "use-case", "schedule"]


def test_docs_tools_json_is_a_valid_manifest(load: Callable[..., ManifestSet]) -> None:
    character = {**SALES_AGENT, **TOOLS}
    result = load(json.dumps(character))
    assert result.characters["sales-agent"].declared == character
    rules = {w.rule for w in result.warnings}
    assert rules == {"OSH103", "OSH107"}  # the docs' origins and literal secret headers
