"""Characters from the Oshara docs (oshara-api.md sections 4-8), used by the contract tests."""

from __future__ import annotations

import copy
from typing import Any

TICKET_SECRET = "s3cr3t-ticket-header-value"
MCP_TOKEN = "Bearer mcp-token-value-123"
LLM_KEY = "sk-llm-key-never-returned"
KB_KEY = "kb-query-key-never-returned"

BOOK_DEMO: dict[str, Any] = {
    "id": "book-demo",
    "title": "Book a demo",
    "subtitle": "Pick a time that suits you",
    "steps": [
        {
            "id": "details",
            "title": "Your details",
            "fields": [
                {"name": "name", "label": "Full name", "type": "text", "required": True},
                {"name": "email", "label": "Work email", "type": "email", "required": True},
                {"name": "company", "label": "Company", "type": "text", "width": "half"},
            ],
        },
        {
            "id": "use-case",
            "title": "Use case",
            "fields": [
                {
                    "name": "use_case",
                    "label": "What will you build?",
                    "type": "select",
                    "options": [
                        "Customer support bot",
                        "Sales assistant",
                        "Internal helpdesk",
                        "Other",
                    ],
                },
                {"name": "notes", "label": "Anything else?", "type": "textarea", "rows": 4},
            ],
        },
        {
            "id": "schedule",
            "title": "Schedule",
            "fields": [{"name": "date", "label": "Preferred date", "type": "date"}],
        },
    ],
    "submit_url": None,
    "success_message": "Thanks! We'll be in touch.",
}

SALES_AGENT: dict[str, Any] = {
    "slug": "sales-agent",
    "name": "Sales Agent",
    "character_type": "SUPPORT_AGENT",
    "system_prompt": "You are Acme's sales agent. When a visitor wants a demo, open book-demo.",
    "greeting": "Hi! Want to see Acme in action?",
    "language": "en",
    "allowed_origins": ["https://acme.com", "https://staging.acme.com"],
    "llm_model": "gpt-4o-mini",
    "llm_api_key": LLM_KEY,
    "widget_appearance": {
        "name": "Acme Sales",
        "theme": {"primary_color": "#FF5500"},
        "layout": {"position": "bottom-left", "font_family": "Inter, sans-serif"},
        "languages": [
            {"code": "en", "label": "English", "native_label": "English"},
            {"code": "ne", "label": "Nepali", "native_label": "नेपाली"},
        ],
        "forms": [BOOK_DEMO],
    },
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
                "headers": {"X-Oshara-Secret": TICKET_SECRET},
            },
        },
        {
            "name": "crm_search",
            "kind": "mcp",
            "description": "Search the CRM.",
            "config": {"server_name": "crm", "tool_name": "search_contacts"},
        },
        {
            "name": "search_docs",
            "kind": "kb",
            "description": "Search the product documentation.",
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
            "headers": {"Authorization": MCP_TOKEN},
            "timeout_seconds": 12,
        }
    ],
    "kb_query_url": "https://api.oshara.ai/api/knowledge-base/query/",
    "kb_query_api_key": KB_KEY,
}

# The create example of the Characters page.
SUPPORT_BOT: dict[str, Any] = {
    "slug": "support-bot",
    "name": "Support Bot",
    "system_prompt": "You are a helpful support agent.",
    "greeting": "Hi! How can I help?",
    "language": "en",
    "allowed_origins": ["https://acme.com"],
    "llm_model": "gpt-4o-mini",
}


def sales_agent() -> dict[str, Any]:
    return copy.deepcopy(SALES_AGENT)


def support_bot(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(SUPPORT_BOT), **changes}
