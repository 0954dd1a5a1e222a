"""Read the live account: list calls (following pages) serve the whole plan.

Never one GET per character: that is what makes a 10,000-character plan take seconds, not
minutes (promise 7). ``read_live_changed`` also keeps memory bounded: it compares each page as it
arrives and keeps only the characters that may change, so a no-change plan of a large account
never holds the whole live list at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

PAGE_SIZE = 1000  # asked of paging servers; ~6 MB of JSON a page for realistic characters


class CharacterReader(Protocol):
    def list_characters(self) -> list[dict[str, Any]]: ...

    def list_character_pages(
        self, page_size: int | None = None
    ) -> Iterator[list[dict[str, Any]]]: ...


def _slug(item: Any) -> str | None:
    """Entries without a usable slug are skipped: no request osharactl makes could address them."""
    slug = item.get("slug") if isinstance(item, dict) else None
    return slug if isinstance(slug, str) and slug else None


def read_live(client: CharacterReader) -> dict[str, dict[str, Any]]:
    """Every live character by slug."""
    return {slug: item for item in client.list_characters() if (slug := _slug(item))}


@dataclass(frozen=True)
class LiveState:
    """The live characters a plan needs in full (``characters``), and the slugs of the others,
    which exist live and already match the manifests (``unchanged``)."""

    characters: dict[str, dict[str, Any]]
    unchanged: frozenset[str]

    @property
    def count(self) -> int:
        return len(self.characters) + len(self.unchanged)


def read_live_changed(
    client: CharacterReader, unchanged: Callable[[str, dict[str, Any]], bool]
) -> LiveState:
    """Read page by page; keep a character only when ``unchanged(slug, item)`` is false."""
    kept: dict[str, dict[str, Any]] = {}
    same: set[str] = set()
    for page in client.list_character_pages(PAGE_SIZE):
        for item in page:
            slug = _slug(item)
            if slug is None:
                continue
            if unchanged(slug, item):
                same.add(slug)
                kept.pop(slug, None)
            else:
                kept[slug] = item
                same.discard(slug)
    return LiveState(kept, frozenset(same))
