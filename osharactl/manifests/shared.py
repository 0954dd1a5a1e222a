"""Reuse without copy-paste: ``shared:`` documents, ``defaults:`` and ``use:`` list items.

A ``shared:`` document defines forms, tools and MCP servers once (same shape as on a
character) and named sets of defaults (a partial character). A character names the defaults it
takes (``defaults: [web]``; merged deeply, the character wins, lists are replaced whole) and pulls
a shared item into a list with ``- use: NAME`` (other keys beside ``use`` override the shared
item's top-level keys). Expansion copies positions along, so an error inside a shared form
points at the shared file. See docs/decisions/0021-reuse-syntax.md.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from osharactl.errors import Diagnostic
from osharactl.manifests.types import Path, RawDocument, SourcePos, diag

# List path on a character → (shared section, key field of its items).
REUSABLE: dict[Path, tuple[str, str]] = {
    ("widget_appearance", "forms"): ("forms", "id"),
    ("tools",): ("tools", "name"),
    ("mcp_servers",): ("mcp_servers", "name"),
}
SHARED_SECTIONS = ("forms", "tools", "mcp_servers", "defaults")


@dataclass
class _Item:
    value: Any
    doc: RawDocument
    path: Path


@dataclass
class Library:
    """Everything declared in ``shared:`` documents, by section and name."""

    items: dict[str, dict[str, _Item]] = field(
        default_factory=lambda: {s: {} for s in SHARED_SECTIONS}
    )
    problems: list[Diagnostic] = field(default_factory=list)

    def add_document(self, doc: RawDocument) -> None:
        body = doc.value["shared"]
        if not isinstance(body, dict):
            self._error(
                doc, ("shared",), "must be a mapping of forms, tools, mcp_servers, defaults"
            )
            return
        for section, entries in body.items():
            if section not in SHARED_SECTIONS:
                self._error(doc, ("shared", section), _unknown(section, SHARED_SECTIONS))
            elif section == "defaults":
                self._add_defaults(doc, entries)
            else:
                self._add_list(doc, section, entries)

    def _add_defaults(self, doc: RawDocument, entries: Any) -> None:
        if not isinstance(entries, dict):
            self._error(doc, ("shared", "defaults"), "must map a name to a partial character")
            return
        for name, value in entries.items():
            path: Path = ("shared", "defaults", name)
            if not isinstance(value, dict):
                self._error(doc, path, "defaults must be a mapping of character fields")
            else:
                self._put(doc, "defaults", str(name), value, path)

    def _add_list(self, doc: RawDocument, section: str, entries: Any) -> None:
        key = next(k for s, k in REUSABLE.values() if s == section)
        if not isinstance(entries, list):
            self._error(doc, ("shared", section), f"must be a list of {section}")
            return
        for index, value in enumerate(entries):
            path: Path = ("shared", section, index)
            if not isinstance(value, dict) or not isinstance(value.get(key), str):
                self._error(doc, path, f"each shared entry needs a string {key!r}")
            else:
                self._put(doc, section, value[key], value, path)

    def _put(self, doc: RawDocument, section: str, name: str, value: Any, path: Path) -> None:
        earlier = self.items[section].get(name)
        if earlier is not None:
            first = earlier.doc.pos(earlier.path)
            self._error(
                doc, path, f"shared {section} {name!r} is already defined at {_where(first)}"
            )
            return
        self.items[section][name] = _Item(value, doc, path)

    def _error(self, doc: RawDocument, path: Path, message: str) -> None:
        self.problems.append(diag(doc.pos(path), path, message))

    def expand(self, doc: RawDocument) -> tuple[dict[str, Any], list[Diagnostic]]:
        """A character document with its defaults merged and ``use:`` items replaced.

        The document's own tree is reused (it is expanded once); shared definitions are copied,
        never mutated. ``doc.positions`` gains (lazily) the positions of everything copied in.
        """
        problems: list[Diagnostic] = []
        body: dict[str, Any] = doc.value  # each character document is expanded once
        for name in _names(body.get("defaults")):
            item = self.items["defaults"].get(name)
            if item is None:
                problems.append(
                    diag(doc.pos(("defaults",)), ("defaults",), _missing("defaults", name, self))
                )
                continue
            body = _merge(item.value, body, item, doc, ())
        for list_path, (section, _) in REUSABLE.items():
            parent = _get(body, list_path[:-1])
            items = parent.get(list_path[-1]) if isinstance(parent, dict) else None
            if isinstance(items, list):
                parent[list_path[-1]] = [
                    self._use(doc, section, entry, (*list_path, i), problems)
                    for i, entry in enumerate(items)
                ]
        return body, problems

    def _use(
        self, doc: RawDocument, section: str, entry: Any, path: Path, problems: list[Diagnostic]
    ) -> Any:
        if not isinstance(entry, dict) or "use" not in entry:
            return entry
        name = entry["use"]
        item = self.items[section].get(name) if isinstance(name, str) else None
        if item is None:
            where = (*path, "use")
            problems.append(diag(doc.pos(where), where, _missing(section, str(name), self)))
            return entry
        _copy_positions(item, doc, path)
        result = copy.deepcopy(item.value)
        result.update({k: copy.deepcopy(v) for k, v in entry.items() if k != "use"})
        return result


def _merge(base: Any, over: Any, item: _Item, doc: RawDocument, path: Path) -> Any:
    """Deep-merge mappings (``over`` wins); anything else in ``over`` replaces ``base``."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return over
    out = dict(over)
    for key, value in base.items():
        if key not in over:
            _copy_positions(item, doc, (*path, key), (*path, key))
            out[key] = copy.deepcopy(value)
        else:
            out[key] = _merge(value, over[key], item, doc, (*path, key))
    return out


def _copy_positions(item: _Item, doc: RawDocument, target: Path, within: Path = ()) -> None:
    """Give every path under ``target`` the position of the same path in the shared item
    (only the part of the item below ``within``, when given)."""
    doc.positions.copy_from(item.doc.positions, item.path, within, target)


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _get(body: dict[str, Any], path: Path) -> Any:
    current: Any = body
    for part in path:
        current = current.get(part) if isinstance(current, dict) else None
    return current


def _missing(section: str, name: str, library: Library) -> str:
    known = sorted(library.items[section])
    hint = get_close_matches(name, known, n=1)
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    listed = f" (known: {', '.join(known)})" if known and not hint else ""
    return f"no shared {section} named {name!r}{suggestion}{listed}"


def _unknown(key: str, allowed: tuple[str, ...]) -> str:
    hint = get_close_matches(key, allowed, n=1)
    return f"unknown key {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")


def _where(pos: SourcePos) -> str:
    return f"{pos.file}:{pos.line}:{pos.column}"
