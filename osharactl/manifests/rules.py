"""Consistency rules the models cannot check alone: within a character and across documents.

Keyed lists must have unique keys (the plan addresses items by key), references between parts
of a character must resolve (MCP tools → servers, handoffs → characters), and a form's derived
tool name must not collide with an explicit tool (the platform's behaviour is undefined there).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from osharactl.errors import Diagnostic
from osharactl.manifests.types import Path, RawDocument, diag
from osharactl.models import Character, derived_tool_name


@dataclass
class Candidate:
    """A character that passed model validation, with what the rules need around it."""

    doc: RawDocument
    character: Character
    live_targets: frozenset[str]  # handoff targets marked must_exist_live: true
    ignore_changes: tuple[str, ...]
    lint_ignore: frozenset[str]
    refs: dict[Path, str]
    replaces: str | None = None


@dataclass
class Checked:
    """A candidate once its model is dumped and its own rules and lint have run: what the
    cross-document rules and the ``ManifestSet`` still need. Holding every validated model
    until all documents were read was a quarter of loading memory."""

    doc: RawDocument  # its value is freed; kept for positions
    slug: str
    declared: dict[str, Any]
    handoffs: tuple[str, ...]  # handoff target slugs, in order
    live_targets: frozenset[str]
    ignore_changes: tuple[str, ...]
    lint_ignore: frozenset[str]
    refs: dict[Path, str]
    replaces: str | None
    own_problems: tuple[Diagnostic, ...]  # from ``own_rules`` (usually none)
    warnings: tuple[Diagnostic, ...]  # from ``lint`` (usually none)


def duplicate_slugs(candidates: list[Checked]) -> Iterator[Diagnostic]:
    first: dict[str, Checked] = {}
    for cand in candidates:
        slug = cand.slug
        if slug in first:
            pos = first[slug].doc.pos(("slug",))
            yield diag(
                cand.doc.pos(("slug",)),
                ("slug",),
                f"slug {slug!r} is already used at {pos.file}:{pos.line}:{pos.column}",
            )
        else:
            first[slug] = cand


def replacements(candidates: list[Checked]) -> Iterator[Diagnostic]:
    """``replaces: OLD`` renames by delete + create: OLD must not be managed here too, and only
    one character may take it over."""
    slugs = {c.slug for c in candidates}
    taken: dict[str, Checked] = {}
    for cand in candidates:
        old = cand.replaces
        if old is None:
            continue
        where = cand.doc.pos(("replaces",))
        if old == cand.slug:
            yield diag(where, ("replaces",), "a character cannot replace itself")
        elif old in slugs:
            yield diag(
                where,
                ("replaces",),
                f"{old!r} is still declared in the manifests; remove it to rename it",
            )
        elif old in taken:
            other = taken[old].doc.pos(("replaces",))
            yield diag(
                where,
                ("replaces",),
                f"{old!r} is already replaced at {other.file}:{other.line}:{other.column}",
            )
        taken.setdefault(old, cand)


def _duplicates(
    cand: Candidate, keys: Iterable[str], path: Path, what: str
) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            where = (*path, index)
            yield diag(cand.doc.pos(where), where, f"{what} {key!r} appears more than once")
        seen.add(key)


def own_rules(cand: Candidate) -> Iterator[Diagnostic]:
    """Every within-character rule (``handoffs`` checks targets once all slugs are known)."""
    ch = cand.character
    forms = ch.widget_appearance.forms
    yield from _duplicates(cand, (f.id for f in forms), ("widget_appearance", "forms"), "form id")
    yield from _duplicates(cand, (t.name for t in ch.tools), ("tools",), "tool name")
    yield from _duplicates(cand, (s.name for s in ch.mcp_servers), ("mcp_servers",), "MCP server")
    langs = (lang.code for lang in ch.widget_appearance.languages)
    yield from _duplicates(cand, langs, ("widget_appearance", "languages"), "language code")
    handoffs = (h.slug for h in ch.handoff_targets)
    yield from _duplicates(cand, handoffs, ("handoff_targets",), "handoff target")
    for f_index, form in enumerate(forms):
        steps = (s.id for s in form.steps or [])
        yield from _duplicates(
            cand, steps, ("widget_appearance", "forms", f_index, "steps"), "step"
        )
    yield from _tool_links(cand)


def _tool_links(cand: Candidate) -> Iterator[Diagnostic]:
    ch = cand.character
    servers = {s.name for s in ch.mcp_servers}
    tool_names = {t.name: i for i, t in enumerate(ch.tools)}
    for index, tool in enumerate(ch.tools):
        if tool.kind == "mcp" and tool.config.server_name not in servers:
            path: Path = ("tools", index, "config", "server_name")
            known = ", ".join(sorted(servers)) or "none declared"
            yield diag(
                cand.doc.pos(path),
                path,
                f"MCP server {tool.config.server_name!r} is not in mcp_servers ({known})",
            )
    for index, form in enumerate(ch.widget_appearance.forms):
        derived = derived_tool_name(form.id)
        if derived in tool_names:
            path = ("widget_appearance", "forms", index, "id")
            yield diag(
                cand.doc.pos(path),
                path,
                f"form {form.id!r} gives the agent a tool named {derived!r}, which collides "
                f"with tools[{tool_names[derived]}]; rename the form or the tool",
            )


def handoffs(cand: Checked, slugs: set[str]) -> Iterator[Diagnostic]:
    """Each handoff target must be declared, or marked ``must_exist_live``."""
    for index, target in enumerate(cand.handoffs):
        path: Path = ("handoff_targets", index, "slug")
        if target == cand.slug:
            yield diag(cand.doc.pos(path), path, "a character cannot hand off to itself")
        elif target not in slugs and target not in cand.live_targets:
            yield diag(
                cand.doc.pos(path),
                path,
                f"handoff target {target!r} is not declared in the manifests; declare it, "
                "or add `must_exist_live: true` to this target if it is managed elsewhere",
            )


def live_only_targets(cand: Checked, slugs: set[str]) -> frozenset[str]:
    """Targets the plan must find live: marked ``must_exist_live`` and not declared here."""
    return frozenset(t for t in cand.live_targets if t not in slugs)


def split_handoff_flags(
    doc: RawDocument, body: dict[str, Any]
) -> tuple[frozenset[str], list[Diagnostic]]:
    """Remove ``must_exist_live`` from handoff items (an osharactl key); return the marked slugs."""
    marked: set[str] = set()
    problems: list[Diagnostic] = []
    targets = body.get("handoff_targets")
    for index, item in enumerate(targets if isinstance(targets, list) else []):
        if not isinstance(item, dict) or "must_exist_live" not in item:
            continue
        flag = item.pop("must_exist_live")
        if not isinstance(flag, bool):
            path: Path = ("handoff_targets", index, "must_exist_live")
            problems.append(diag(doc.pos(path), path, "must be true or false"))
        elif flag and isinstance(item.get("slug"), str):
            marked.add(item["slug"])
    return frozenset(marked), problems
