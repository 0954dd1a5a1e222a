"""Write N realistic character manifests into a directory, deterministically by seed.

Why "realistic": the cost of a plan is dominated by the size and shape of each character (a long
system prompt, nested forms, tools with secret headers), so a benchmark on one-line characters
would flatter every stage. Each character here looks like one a team would really keep in git:
a system prompt of a few hundred words, an inline stepper form, http/mcp/kb tools whose secret
headers are ``${env:…}`` references, theme, languages, noise cancellation, origins, and handoffs
within its team of four. A ``shared.yaml`` holds forms, a tool and defaults that every team reuses,
so the reuse machinery is measured too.

Character ``i`` depends only on ``(seed, i)``, never on N: the 100-character set is a prefix of
the 1,000-character set, so figures for different sizes compare like with like.

Usage: ``python -m bench.generate DIR --count 1000 [--seed 7]``.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path
from typing import Any

import yaml

TEAM_SIZE = 4
# Role order is dependency order: a role hands off only to roles before it, so creates never
# form a handoff cycle (which the planner would split into create + PATCH, no longer "N creates").
ROLES = ("billing", "support", "sales", "front")
HANDOFFS: dict[str, tuple[str, ...]] = {
    "billing": (),
    "support": ("billing",),
    "sales": ("support",),
    "front": ("sales", "support"),
}
CHARACTER_TYPES = {
    "billing": "BILLING_AGENT",
    "support": "SUPPORT_AGENT",
    "sales": "SALES_AGENT",
    "front": "RECEPTIONIST",
}
# The secrets the manifests reference; run.py puts them in the measured process's environment.
SECRET_ENV = {
    "BENCH_OPENAI_KEY": "sk-bench-openai-0123456789abcdef",
    "BENCH_KB_KEY": "kb-bench-0123456789abcdef",
    "BENCH_CRM_TOKEN": "crm-bench-0123456789abcdef",
    "BENCH_ORDERS_TOKEN": "orders-bench-0123456789abcdef",
    "BENCH_TICKETS_TOKEN": "tickets-bench-0123456789abcdef",
}
LANGUAGES = [
    ("en", "English", "English"),
    ("es", "Spanish", "Español"),
    ("fr", "French", "Français"),
    ("de", "German", "Deutsch"),
    ("ne", "Nepali", "नेपाली"),
    ("pt-BR", "Portuguese", "Português"),
    ("ja", "Japanese", "日本語"),
]
FIRST_NAMES = ["Maya", "Sam", "Nima", "Alex", "Priya", "Jonas", "Lea", "Omar", "Yuki", "Ravi"]
PRODUCTS = ["analytics", "payroll", "CRM", "helpdesk", "inventory", "billing", "scheduling"]
# Sentence templates for system prompts: varied enough that no two prompts are equal.
SENTENCES = [
    "Always confirm the caller's name and the company they work for before anything else.",
    "Keep answers short: two or three sentences, then ask whether that helped.",
    "If the caller sounds frustrated, acknowledge it calmly and offer a concrete next step.",
    "Never promise refunds, discounts or delivery dates; say a colleague will confirm them.",
    "Speak in the caller's language when it is one of the widget languages.",
    "Spell out reference numbers character by character and read them back to confirm.",
    "Do not read out internal notes, prices for other customers or anything marked private.",
    "When you do not know the answer, say so and offer to look it up or hand off.",
    "Summarise what was agreed at the end of the call in one sentence.",
    "Our {product} product is sold in three plans: starter, team and enterprise.",
    "Most questions about {product} concern set-up, user accounts and exports.",
    "Office hours are Monday to Friday, eight to six, in the caller's time zone.",
    "For security reasons never ask for full card numbers or passwords.",
    "Explain technical terms in plain words, as you would to a friend.",
    "If the line is noisy, ask the caller to repeat rather than guessing.",
    "Mention the status page when the caller reports an outage affecting {product}.",
    "Use the caller's first name once they have given it, but not in every sentence.",
    "When the caller asks about pricing, describe the plans and offer the {form} form.",
    "If the caller wants a written answer, offer to send an email summary afterwards.",
    "Stay polite and upbeat, and keep small talk to a minimum.",
]


def character(seed: int, index: int) -> dict[str, Any]:
    """Character ``index`` (0-based) of the set for ``seed``, as a manifest mapping."""
    rng = random.Random(f"{seed}:{index}")
    team, role = divmod(index, TEAM_SIZE)
    team_slug = f"t{team:05d}"
    role_name = ROLES[role]
    slug = f"{team_slug}-{role_name}"
    site = f"https://www.{team_slug}.example/"
    person = rng.choice(FIRST_NAMES)
    product = rng.choice(PRODUCTS)
    langs = [LANGUAGES[0], *rng.sample(LANGUAGES[1:], rng.randint(1, 2))]
    form_id = f"{role_name}-request"
    uses_demo = role_name in ("sales", "front")
    manifest: dict[str, Any] = {
        "slug": slug,
        "name": f"{person} from Team {team} {role_name.title()}",
        "character_type": CHARACTER_TYPES[role_name],
        "defaults": ["web"],
        "system_prompt": _prompt(rng, person, role_name, product, form_id, uses_demo),
        "greeting": f"Hi, this is {person} from team {team}. How can I help you today?",
        "language": langs[0][0],
        "background_audio": rng.choice(["", "office", "cafe"]),
        "allowed_origins": [site, f"https://help.{team_slug}.example/"],
        # Targets are earlier roles of the same team, so they exist whenever this one does.
        "handoff_targets": [{"slug": f"{team_slug}-{target}"} for target in HANDOFFS[role_name]],
        "llm_provider": "openai",
        "llm_model": rng.choice(["gpt-4o-mini", "gpt-4o"]),
        "llm_api_key": "${env:BENCH_OPENAI_KEY}",
        "kb_query_url": f"https://kb.{team_slug}.example/api/knowledge-base/query/",
        "kb_query_api_key": "${env:BENCH_KB_KEY}",
        "mcp_servers": [
            {
                "name": "crm",
                "url": f"https://mcp.{team_slug}.example/mcp",
                "transport": "streamable_http",
                "timeout_seconds": rng.choice([10, 15, 20]),
                "headers": {"Authorization": "Bearer ${env:BENCH_CRM_TOKEN}"},
            }
        ],
        "tools": _tools(rng, team_slug, role_name),
        "widget_appearance": _appearance(rng, team, role_name, langs, form_id, uses_demo),
    }
    return manifest


def _prompt(
    rng: random.Random, person: str, role: str, product: str, form_id: str, uses_demo: bool
) -> str:
    """A few hundred words that mention every tool and form, as a careful author would."""
    lines = [
        f"You are {person}, the {role} voice agent for our {product} product.",
        "Use lookup_order when the caller gives an order number, find_account to find their "
        "workspace in the CRM, and search_docs for how-to questions about the product.",
        f"When the caller wants something we cannot do on the call, open the {form_id} form "
        "and fill it in with them step by step, reading each answer back.",
    ]
    if uses_demo:
        lines.append("If the caller wants to see the product, open the book-demo form.")
    if role == "support":
        lines.append("Use ticket_lookup when the caller quotes a ticket id such as TICKET-123.")
    body = [s.format(product=product, form=form_id) for s in rng.sample(SENTENCES, len(SENTENCES))]
    words = sum(len(line.split()) for line in lines)
    for sentence in body * 3:
        if words > 300 + rng.randint(0, 100):
            break
        lines.append(sentence)
        words += len(sentence.split())
    return "\n".join(lines) + "\n"


def _tools(rng: random.Random, team_slug: str, role: str) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = [
        {
            "name": "lookup_order",
            "kind": "http",
            "description": "Look up an order's status, items and delivery date by order number.",
            "input_schema": {
                "type": "object",
                "properties": {"order_number": {"type": "string", "pattern": "^[0-9]{6,10}$"}},
                "required": ["order_number"],
            },
            "config": {
                "url": f"https://api.{team_slug}.example/voice/orders",
                "method": "POST",
                "timeout_seconds": rng.choice([5, 8, 10]),
                "headers": {"X-Oshara-Secret": "${env:BENCH_ORDERS_TOKEN}"},
            },
        },
        {
            "name": "find_account",
            "kind": "mcp",
            "description": "Find the caller's workspace and plan in the CRM by email address.",
            "input_schema": {
                "type": "object",
                "properties": {"email": {"type": "string", "format": "email"}},
                "required": ["email"],
            },
            "config": {"server_name": "crm", "tool_name": "find_account"},
        },
        {
            "name": "search_docs",
            "kind": "kb",
            "description": "Search the product manuals for answers to how-to questions.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string"},
                    "top_k": {"type": "integer", "default": 5},
                },
                "required": ["query"],
            },
        },
    ]
    if role == "support":
        tools.append({"use": "ticket_lookup"})
    return tools


def _hex(rng: random.Random) -> str:
    return f"#{rng.randrange(0x1000000):06X}"


def _appearance(
    rng: random.Random,
    team: int,
    role: str,
    langs: list[tuple[str, str, str]],
    form_id: str,
    uses_demo: bool,
) -> dict[str, Any]:
    engines = ["browser", *rng.sample(["rnnoise", "dtln", "deepfilternet"], rng.randint(0, 2))]
    forms: list[dict[str, Any]] = [_stepper(rng, form_id, role)]
    if uses_demo:
        forms.append({"use": "book-demo"})
    appearance: dict[str, Any] = {
        "name": f"Team {team} {role.title()}",
        "subtitle": rng.choice(["Usually answers instantly", "Here to help", "Ask me anything"]),
        "fab_label": rng.choice(["Talk to us", "Call us", "Need help?"]),
        "max_call_seconds": rng.choice([0, 300, 600, 900]),
        "terms_url": f"https://www.t{team:05d}.example/legal/terms",
        "default_language": langs[0][0],
        "theme": {
            "primary_color": _hex(rng),
            "accent_color": _hex(rng),
            "user_bubble_color": _hex(rng),
        },
        "dimensions": {"fab_size": rng.choice([56, 64]), "panel_height": rng.choice([600, 640])},
        "layout": {"position": rng.choice(["bottom-right", "bottom-left"])},
        "labels": {"idle": "Ready when you are", "call_ended": f"Thanks for calling team {team}"},
        "languages": [{"code": c, "label": label, "native_label": n} for c, label, n in langs],
        "noise_cancellation": {
            "engines": engines,
            "default_engine": rng.choice(engines),
            "model_base_url": "https://cdn.oshara-bench.example/nc-models/",
        },
        "forms": forms,
    }
    return appearance


def _stepper(rng: random.Random, form_id: str, role: str) -> dict[str, Any]:
    return {
        "id": form_id,
        "title": f"New {role} request",
        "subtitle": "Takes about a minute",
        "submit_url": None,
        "success_message": "Thanks! A colleague will get back to you by email.",
        "layout": {"field_layout": rng.choice(["stack", "grid"])},
        "steps": [
            {
                "id": "contact",
                "title": "Your details",
                "fields": [
                    {"name": "name", "label": "Full name", "required": True, "width": "half"},
                    {"name": "email", "label": "Email", "type": "email", "required": True},
                    {"name": "phone", "label": "Phone", "type": "tel"},
                ],
            },
            {
                "id": "request",
                "title": "Your request",
                "fields": [
                    {
                        "name": "topic",
                        "label": "Topic",
                        "type": "select",
                        "required": True,
                        "options": ["Account", "Order", "Invoice", "Other"],
                    },
                    {"name": "details", "label": "Details", "type": "textarea", "rows": 4},
                    {"name": "source", "label": "Source", "type": "hidden", "default_value": role},
                ],
            },
        ],
    }


SHARED: dict[str, Any] = {
    "shared": {
        "defaults": {
            "web": {
                "widget_appearance": {
                    "powered_by_text": "Powered by Bench Co",
                    "start_button_text": "Start talking",
                    "show_audio_settings": True,
                }
            }
        },
        "forms": [
            {
                "id": "book-demo",
                "title": "Book a demo",
                "submit_url": "https://api.bench.example/voice/demos",
                "success_message": "Thanks! We will confirm your slot by email.",
                "steps": [
                    {
                        "id": "who",
                        "title": "About you",
                        "fields": [
                            {"name": "name", "label": "Full name", "required": True},
                            {"name": "email", "label": "Work email", "type": "email"},
                        ],
                    },
                    {
                        "id": "when",
                        "title": "Pick a time",
                        "fields": [
                            {"name": "date", "label": "Date", "type": "date", "required": True},
                            {
                                "name": "contact",
                                "label": "Contact",
                                "type": "hidden",
                                "default_value": "${var:support_email}",
                            },
                        ],
                    },
                ],
            }
        ],
        "tools": [
            {
                "name": "ticket_lookup",
                "kind": "http",
                "description": "Look up the status of a support ticket by its id.",
                "input_schema": {
                    "type": "object",
                    "properties": {"ticket_id": {"type": "string"}},
                    "required": ["ticket_id"],
                },
                "config": {
                    "url": "https://api.bench.example/voice/tickets",
                    "method": "GET",
                    "headers": {"X-Oshara-Secret": "${env:BENCH_TICKETS_TOKEN}"},
                },
            }
        ],
    }
}
VARIABLES = {"support_email": "help@bench.example"}
PROJECT: dict[str, Any] = {"manifests": ["characters"], "variables": VARIABLES}


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, as people write system prompts."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def dump(value: Any) -> str:
    text: str = yaml.dump(
        value, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100
    )
    return text


def generate(directory: Path, count: int, seed: int = 7) -> Path:
    """Replace ``directory`` with a project of ``count`` characters; returns the project file.

    Layout: ``osharactl.yaml`` (manifests: [characters], variables), ``characters/shared.yaml``
    and one file per character, ``characters/<team>/<slug>.yaml``.
    """
    if directory.exists():
        shutil.rmtree(directory)
    characters = directory / "characters"
    characters.mkdir(parents=True)
    (directory / "osharactl.yaml").write_text(dump(PROJECT), encoding="utf-8")
    (characters / "shared.yaml").write_text(dump(SHARED), encoding="utf-8")
    for index in range(count):
        manifest = character(seed, index)
        team_dir = characters / manifest["slug"].split("-")[0]
        team_dir.mkdir(exist_ok=True)
        path = team_dir / f"{manifest['slug']}.yaml"
        path.write_text(dump(manifest), encoding="utf-8")
    return directory / "osharactl.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    project = generate(args.directory, args.count, args.seed)
    print(f"wrote {args.count} characters under {project.parent}")


if __name__ == "__main__":
    main()
