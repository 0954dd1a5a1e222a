"""Lint: valid manifests that are probably not what the author meant.

Each rule has a stable id (documented in docs/manifests.md) so a character can silence it with
``lint_ignore: [OSH103]``. Warnings never fail ``validate``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from osharactl.errors import Diagnostic
from osharactl.manifests.rules import Candidate
from osharactl.manifests.types import Path, diag

RULES: dict[str, str] = {
    "OSH101": "allowed_origins is empty: the agent is blocked on every site",
    "OSH102": "an origin uses http:// (not encrypted)",
    "OSH103": "an origin without a path also matches look-alike hosts by prefix",
    "OSH104": "a form is never mentioned in the system prompt, so the agent will not open it",
    "OSH105": "a tool has an empty description, so the LLM cannot know when to call it",
    "OSH106": "a tool, MCP server or knowledge-base URL is not https://",
    "OSH107": "a secret is written literally instead of as an ${env:NAME} reference",
}


def lint(cand: Candidate) -> list[Diagnostic]:
    """The warnings for one character, without the rules it silences."""
    found = [*_origins(cand), *_forms(cand), *_tools(cand), *_secrets(cand)]
    return [d for d in found if d.rule not in cand.lint_ignore]


def _warn(cand: Candidate, path: Path, rule: str, message: str) -> Diagnostic:
    return diag(cand.doc.pos(path), path, message, rule=rule, warning=True)


def _origins(cand: Candidate) -> Iterator[Diagnostic]:
    origins = cand.character.allowed_origins
    if not origins:
        yield _warn(cand, ("allowed_origins",), "OSH101", RULES["OSH101"])
    for index, origin in enumerate(origins):
        path: Path = ("allowed_origins", index)
        parts = urlsplit(origin)
        if parts.scheme == "http":
            yield _warn(cand, path, "OSH102", f"{origin!r} uses http://; prefer https://")
        if not parts.path and not parts.query:
            yield _warn(
                cand,
                path,
                "OSH103",
                f"{origin!r} also matches look-alike hosts such as '{origin}.evil.example' "
                f"(origins match by prefix); write {origin + '/'!r}",
            )


def _forms(cand: Candidate) -> Iterator[Diagnostic]:
    prompt = cand.character.system_prompt
    for index, form in enumerate(cand.character.widget_appearance.forms):
        if form.disabled:
            continue
        names = {form.id, form.tool_name}
        if not any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", prompt) for n in names):
            path: Path = ("widget_appearance", "forms", index, "id")
            yield _warn(
                cand,
                path,
                "OSH104",
                f"form {form.id!r} is never mentioned in system_prompt (by {form.id!r} or "
                f"{form.tool_name!r}): tell the agent when to open it",
            )


def _tools(cand: Candidate) -> Iterator[Diagnostic]:
    ch = cand.character
    for index, tool in enumerate(ch.tools):
        if not tool.description.strip():
            yield _warn(cand, ("tools", index, "description"), "OSH105", RULES["OSH105"])
        if tool.kind == "http":
            yield from _https(cand, ("tools", index, "config", "url"), tool.config.url)
    for index, server in enumerate(ch.mcp_servers):
        yield from _https(cand, ("mcp_servers", index, "url"), server.url)
    if ch.kb_query_url:
        yield from _https(cand, ("kb_query_url",), ch.kb_query_url)


def _https(cand: Candidate, path: Path, url: str) -> Iterator[Diagnostic]:
    if urlsplit(url).scheme != "https":
        yield _warn(cand, path, "OSH106", f"{url!r} is not https://")


def _secrets(cand: Candidate) -> Iterator[Diagnostic]:
    ch = cand.character
    values: list[tuple[Path, str | None]] = [
        (("llm_api_key",), ch.llm_api_key),
        (("kb_query_api_key",), ch.kb_query_api_key),
    ]
    for index, tool in enumerate(ch.tools):
        if tool.kind == "http":
            for name, header in tool.config.headers.items():
                values.append((("tools", index, "config", "headers", name), header))
    for index, server in enumerate(ch.mcp_servers):
        for name, header in server.headers.items():
            values.append((("mcp_servers", index, "headers", name), header))
    for path, value in values:
        if value and path not in cand.refs:
            yield _warn(
                cand,
                path,
                "OSH107",
                "secret written literally in the manifest; use an ${env:NAME} reference "
                "(the value is not shown)",
            )
